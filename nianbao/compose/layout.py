"""The printed layout of the three tables, independent of the output format.

Owns: turning the standard (``standard.yaml``) and a ``ComposeInput`` into logical
tables — cells with text, position, row/column spans and role — laid out as the national
template prints them (国办公开办函〔2021〕30号): 表二 with caption rows and ``信息内容``
header rows, 表三 with the merged 勾稽 note, ``申请人情况`` / ``法人或其他组织`` header and
the merged group cells of the label block, 表四 with ``行政复议`` / ``行政诉讼`` split into
``未经复议直接起诉`` / ``复议后起诉``. The DOCX, HTML and Markdown writers only render
these tables; every label comes from the standard, passed through a ``Labels`` object so
that fixtures can print variants.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from ..standard import Standard, load
from .data import ComposeInput, format_value, outcome_rows

# Roles of a cell
CAPTION, HEADER, NOTE, GROUP, LABEL, VALUE = "caption", "header", "note", "group", "label", "value"

LabelFn = Callable[[str, str, str], str]   # (kind, key, canonical) → printed text


class Labels:
    """Printed labels. ``fn(kind, key, canonical)`` may alter them (fixture mutations);
    kinds: title, section, t2.caption, t2.header, t2.column, t2.row, t3.note, t3.header,
    t3.column, t3.group, t3.row, t4.top, t4.group, t4.column."""

    def __init__(self, fn: LabelFn | None = None):
        self.fn = fn

    def __call__(self, kind: str, key: str, canonical: str) -> str:
        return self.fn(kind, key, canonical) if self.fn else canonical


@dataclass
class TCell:
    text: str
    row: int
    col: int
    rowspan: int = 1
    colspan: int = 1
    role: str = VALUE
    key: str | None = None          # the cell key for values, the entry key for labels


@dataclass
class Table:
    name: str                        # t2 | t3 | t4
    n_rows: int
    n_cols: int
    cells: list[TCell] = field(default_factory=list)
    widths: list[float] = field(default_factory=list)   # relative column widths
    header_rows: int = 0             # leading rows that form the header

    def add(self, text: str, row: int, col: int, rowspan: int = 1, colspan: int = 1,
            role: str = VALUE, key: str | None = None) -> TCell:
        c = TCell(text, row, col, rowspan, colspan, role, key)
        self.cells.append(c)
        return c

    def at(self, row: int, col: int) -> TCell | None:
        """The cell covering (row, col)."""
        for c in self.cells:
            if c.row <= row < c.row + c.rowspan and c.col <= col < c.col + c.colspan:
                return c
        return None

    def value_cell(self, key: str) -> TCell:
        return next(c for c in self.cells if c.role == VALUE and c.key == key)

    def check(self) -> None:
        """Every grid position is covered exactly once (a programming error otherwise)."""
        seen = set()
        for c in self.cells:
            for r in range(c.row, c.row + c.rowspan):
                for k in range(c.col, c.col + c.colspan):
                    assert (r, k) not in seen, (self.name, r, k)
                    seen.add((r, k))
        assert len(seen) == self.n_rows * self.n_cols, (self.name, len(seen))


def _v(inp: ComposeInput, key: str) -> str:
    return format_value(inp.cells.get(key))


# ---------------------------------------------------------------------------
# 表二

def build_t2(inp: ComposeInput, labels: Labels | None = None, std: Standard | None = None) -> Table:
    std = std or load()
    labels = labels or Labels()
    ver = inp.format_version
    t2 = std.t2[ver]
    prefix = "t2" if ver == "2021" else "t2v19"
    rows = t2["rows"]
    width = max(len(r.extra["columns"]) for r in rows)
    # rows grouped by caption, in the order of the captions
    blocks = [(cap, [r for r in rows if r.extra["caption"] == cap.key]) for cap in t2["captions"]]
    n_rows = sum(2 + len(rs) for _, rs in blocks if rs)
    t = Table("t2", n_rows, 1 + width, widths=[1.6] + [1.0] * width)
    r = 0
    for cap, rs in blocks:
        if not rs:
            continue
        t.add(labels("t2.caption", cap.key, cap.canonical), r, 0, colspan=1 + width, role=CAPTION, key=cap.key)
        r += 1
        colkeys: list[str] = []
        for row in rs:
            for c in row.extra["columns"]:
                if c not in colkeys:
                    colkeys.append(c)
        t.add(labels("t2.header", "header_first", t2["header_first"]), r, 0, role=HEADER, key="header_first")
        for i, ck in enumerate(colkeys):
            span = width - i if i == len(colkeys) - 1 else 1
            t.add(labels("t2.column", ck, t2["columns"][ck].canonical), r, 1 + i, colspan=span,
                  role=HEADER, key=ck)
        r += 1
        for row in rs:
            t.add(labels("t2.row", row.key, row.canonical), r, 0, role=LABEL, key=row.key)
            cols = row.extra["columns"]
            for i, ck in enumerate(colkeys):
                if ck not in cols:
                    continue
                key = f"{prefix}.{row.key}.{ck}"
                span = width - i if i == len(colkeys) - 1 else 1
                t.add(_v(inp, key), r, 1 + i, colspan=span, role=VALUE, key=key)
            # a row printing fewer columns than its block: fill the gaps blank
            for i, ck in enumerate(colkeys):
                if ck not in cols:
                    span = width - i if i == len(colkeys) - 1 else 1
                    t.add("", r, 1 + i, colspan=span, role=VALUE, key=None)
            r += 1
    t.check()
    return t


# ---------------------------------------------------------------------------
# 表三

def _t3_row_entry(std: Standard, key: str):
    if key == std.t3_other_single.key:
        return std.t3_other_single
    return next(r for r in std.t3_rows if r.key == key)


def build_t3(inp: ComposeInput, labels: Labels | None = None, std: Standard | None = None) -> Table:
    std = std or load()
    labels = labels or Labels()
    ver = inp.format_version
    rows = std.t3_row_keys(ver)
    cols = std.t3_columns
    org_cols = [c for c in cols if c.key not in ("natural_person", "total")]
    hdr = std.t3_header
    groups = {g.key: g for g in std.t3_groups}
    top_group = next(g for g in std.t3_groups if g.extra.get("parent") is None)
    results = outcome_rows(std, ver) + ["result_total"]

    H = 3
    t = Table("t3", H + len(rows), 3 + len(cols), widths=[1.05, 1.55, 4.0] + [1.05] * len(cols), header_rows=H)
    t.add(labels("t3.note", "header_note", hdr["header_note"]), 0, 0, rowspan=H, colspan=3, role=NOTE,
          key="header_note")
    t.add(labels("t3.header", "header_top", hdr["header_top"]), 0, 3, colspan=len(cols), role=HEADER,
          key="header_top")
    first, last = cols[0], cols[-1]
    t.add(labels("t3.column", first.key, first.canonical), 1, 3, rowspan=2, role=HEADER, key=first.key)
    t.add(labels("t3.header", "header_org", hdr["header_org"]), 1, 4, colspan=len(org_cols), role=HEADER,
          key="header_org")
    t.add(labels("t3.column", last.key, last.canonical), 1, 3 + len(cols) - 1, rowspan=2, role=HEADER,
          key=last.key)
    for i, c in enumerate(org_cols):
        t.add(labels("t3.column", c.key, c.canonical), 2, 4 + i, role=HEADER, key=c.key)

    r0 = H
    res_start = r0 + rows.index(results[0])
    t.add(labels("t3.group", top_group.key, top_group.canonical), res_start, 0, rowspan=len(results),
          role=GROUP, key=top_group.key)
    i = 0
    while i < len(rows):
        rk = rows[i]
        r = r0 + i
        e = _t3_row_entry(std, rk)
        text = labels("t3.row", rk, e.canonical)
        if rk not in results:
            t.add(text, r, 0, colspan=3, role=LABEL, key=rk)
        elif e.group:
            n = 1
            while i + n < len(rows) and _t3_row_entry(std, rows[i + n]).group == e.group:
                n += 1
            g = groups[e.group]
            t.add(labels("t3.group", g.key, g.canonical), r, 1, rowspan=n, role=GROUP, key=g.key)
            for j in range(n):
                rk2 = rows[i + j]
                e2 = _t3_row_entry(std, rk2)
                t.add(labels("t3.row", rk2, e2.canonical), r + j, 2, role=LABEL, key=rk2)
                _t3_values(t, inp, std, rk2, r + j)
            i += n
            continue
        else:
            t.add(text, r, 1, colspan=2, role=LABEL, key=rk)
        _t3_values(t, inp, std, rk, r)
        i += 1
    t.check()
    return t


def _t3_values(t: Table, inp: ComposeInput, std: Standard, rk: str, r: int) -> None:
    for j, c in enumerate(std.t3_columns):
        key = f"t3.{rk}.{c.key}"
        t.add(_v(inp, key), r, 3 + j, role=VALUE, key=key)


# ---------------------------------------------------------------------------
# 表四

def build_t4(inp: ComposeInput, labels: Labels | None = None, std: Standard | None = None) -> Table:
    std = std or load()
    labels = labels or Labels()
    groups = std.t4_groups
    cols = std.t4_columns
    nc = len(cols)
    t = Table("t4", 4, len(groups) * nc, widths=[1.0] * (len(groups) * nc), header_rows=3)
    # top row: 行政复议 (5) | 行政诉讼 (10)
    c0 = 0
    for top in std.t4_top:
        t.add(labels("t4.top", top["canonical"], top["canonical"]), 0, c0, colspan=top["span"], role=HEADER,
              key=top["canonical"])
        c0 += top["span"]
    # 行政复议 is a top cell itself: its leaf labels span rows 1–2; the litigation groups
    # get a second header row.
    first_span = std.t4_top[0]["span"]
    for j, c in enumerate(cols):
        t.add(labels("t4.column", c.key, c.canonical), 1, j, rowspan=2, role=HEADER, key=c.key)
    for gi, g in enumerate(groups[1:], start=1):
        t.add(labels("t4.group", g.key, g.canonical), 1, gi * nc, colspan=nc, role=HEADER, key=g.key)
        for j, c in enumerate(cols):
            t.add(labels("t4.column", c.key, c.canonical), 2, gi * nc + j, role=HEADER, key=c.key)
    assert first_span == nc
    for gi, g in enumerate(groups):
        for j, c in enumerate(cols):
            key = f"t4.{g.key}.{c.key}"
            t.add(_v(inp, key), 3, gi * nc + j, role=VALUE, key=key)
    t.check()
    return t


def build_tables(inp: ComposeInput, labels: Labels | None = None) -> dict[str, Table]:
    std = load()
    return {"t2": build_t2(inp, labels, std), "t3": build_t3(inp, labels, std), "t4": build_t4(inp, labels, std)}


# Section that each table follows.
TABLE_AFTER_SECTION = {"s2_proactive": "t2", "s3_requests": "t3", "s4_review_litigation": "t4"}


# ---------------------------------------------------------------------------
# Text of the report

def section_texts(inp: ComposeInput) -> dict[str, str]:
    """The six sections' texts; a missing 总体情况 gets a summary of the tables, other
    missing texts a placeholder (the CLI warns about them)."""
    std = load()
    out = {}
    for s in std.sections:
        text = inp.sections.get(s.key)
        if text is None or not text.strip():
            text = default_text(inp, s.key)
        out[s.key] = text
    return out


PLACEHOLDER = "（本部分内容待填写。）"


def default_text(inp: ComposeInput, section_key: str) -> str:
    from ..normalize import norm_label
    std = load()
    c = inp.cells
    if section_key == "s1_overview":
        def row(k):
            return norm_label(_t3_row_entry(std, k).canonical)

        def tot(k):
            v = c.get(f"t3.{k}.total")
            return "—" if v is None else format_value(v)
        year = f"{inp.year}年" if inp.year else "本年度"
        parts = [f"{row(k)}{tot(k)}件" for k in ("new", "carried_over", "result_total", "carry_forward")]
        return (f"{year}，本机关认真贯彻落实《中华人民共和国政府信息公开条例》，依法做好政府信息主动公开和依申请公开工作。"
                f"{parts[0]}，{parts[1]}，本年度办理结果{parts[2]}，{parts[3]}。")
    if section_key in TABLE_AFTER_SECTION:
        return ""
    return PLACEHOLDER
