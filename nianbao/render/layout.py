"""The official layout of 表二/表三/表四 as a typed grid, built from ``standard.yaml``.

Owns: ``grid(table, version)`` — the table as the national template prints it
(国办公开办函〔2021〕30号 / 〔2019〕60号): every cell with its text, position, row and
column spans, role (caption, header, note, group, label, value) and key (the cell key
for values, the entry key for labels), plus relative column widths and the number of
header rows. 表二 is built block by block from its captions and rows; 表三 and 表四 from
their declared header rows and body (``layout`` in ``standard.yaml``). Value cells are
empty: ``Grid.with_values`` fills them for a renderer. Every label comes from the
standard, through a ``Labels`` object so that test fixtures can print variants.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Callable, Iterator

from ..standard import Standard, TableLayout, load
from ..vocab import FormatVersion

TABLES = ("t2", "t3", "t4")


class Role(StrEnum):
    """What a grid cell is (renderers style by it)."""
    CAPTION = "caption"        # 表二's 第二十条第（X）项 rows
    HEADER = "header"          # column headings
    NOTE = "note"              # 表三's 勾稽 note
    GROUP = "group"            # a vertical cell over a run of rows (三、本年度办理结果, （三）不予公开 …)
    LABEL = "label"            # a row label
    VALUE = "value"            # a data cell (key: its cell key; None: a blank filler)


LabelFn = Callable[[str, str, str], str]   # (kind, key, canonical) → printed text


class Labels:
    """Printed labels. ``fn(kind, key, canonical)`` may alter them (fixture mutations);
    kinds: title, section, t2.caption, t2.header, t2.column, t2.row, t3.note, t3.header,
    t3.column, t3.group, t3.row, t4.top, t4.group, t4.column."""

    def __init__(self, fn: LabelFn | None = None):
        self.fn = fn

    def __call__(self, kind: str, key: str, canonical: str) -> str:
        return self.fn(kind, key, canonical) if self.fn else canonical


@dataclass(frozen=True)
class LayoutCell:
    text: str
    row: int
    col: int
    rowspan: int = 1
    colspan: int = 1
    role: Role = Role.VALUE
    key: str | None = None          # the cell key for values, the entry key for labels


@dataclass(frozen=True)
class Grid:
    name: str                        # t2 | t3 | t4
    title: str                       # 表二 主动公开政府信息情况
    section: str                     # key of the section the table follows
    n_rows: int
    n_cols: int
    cells: tuple[LayoutCell, ...]
    widths: tuple[float, ...]        # relative column widths
    header_rows: int = 0             # leading rows that form the header
    label_columns: int = 0           # leading columns holding labels, not values

    def at(self, row: int, col: int) -> LayoutCell | None:
        """The cell covering (row, col)."""
        for c in self.cells:
            if c.row <= row < c.row + c.rowspan and c.col <= col < c.col + c.colspan:
                return c
        return None

    def value_cell(self, key: str) -> LayoutCell:
        return next(c for c in self.cells if c.role == Role.VALUE and c.key == key)

    def value_keys(self) -> Iterator[str]:
        """The cell keys of the value cells, in reading order."""
        return (c.key for c in self.ordered() if c.role == Role.VALUE and c.key)

    def ordered(self) -> list[LayoutCell]:
        """The cells in reading order (row by row, left to right)."""
        return sorted(self.cells, key=lambda c: (c.row, c.col))

    def rows(self) -> list[list[LayoutCell]]:
        """Origin cells per grid row, left to right (as an HTML ``<tr>`` lists them)."""
        out: list[list[LayoutCell]] = [[] for _ in range(self.n_rows)]
        for c in self.ordered():
            out[c.row].append(c)
        return out

    def with_values(self, value: Callable[[str], str]) -> "Grid":
        """A copy whose value cells hold ``value(cell key)``."""
        cells = tuple(replace(c, text=value(c.key)) if c.role == Role.VALUE and c.key else c for c in self.cells)
        return replace(self, cells=cells)


@dataclass
class _Builder:
    name: str
    cells: list[LayoutCell] = field(default_factory=list)

    def add(self, text: str, row: int, col: int, rowspan: int = 1, colspan: int = 1,
            role: Role = Role.VALUE, key: str | None = None) -> None:
        self.cells.append(LayoutCell(text, row, col, rowspan, colspan, role, key))

    def build(self, std: Standard, lay: TableLayout, n_rows: int, n_cols: int, widths: list[float],
              header_rows: int) -> Grid:
        seen: set[tuple[int, int]] = set()
        for c in self.cells:
            for r in range(c.row, c.row + c.rowspan):
                for k in range(c.col, c.col + c.colspan):
                    if (r, k) in seen:
                        raise AssertionError(f"{self.name}: ({r}, {k}) covered twice")
                    seen.add((r, k))
        if len(seen) != n_rows * n_cols:
            raise AssertionError(f"{self.name}: {len(seen)} of {n_rows * n_cols} positions covered")
        return Grid(self.name, std.table_title(self.name), lay.section, n_rows, n_cols, tuple(self.cells),
                    tuple(widths), header_rows, lay.label_columns)


def _header(b: _Builder, lay: TableLayout, labels: Labels) -> None:
    """Place the declared header rows left to right, skipping positions spanned from above."""
    taken: set[tuple[int, int]] = set()
    for r, row in enumerate(lay.header):
        col = 0
        for h in row:
            while (r, col) in taken:
                col += 1
            role = Role.NOTE if h.kind.endswith(".note") else Role.HEADER
            b.add(labels(h.kind, h.key, h.text), r, col, h.rowspan, h.colspan, role, h.key)
            for i in range(h.rowspan):
                for j in range(h.colspan):
                    taken.add((r + i, col + j))
            col += h.colspan


# ---------------------------------------------------------------------------
# 表二

def _t2(std: Standard, version: str, labels: Labels) -> Grid:
    lay = std.layouts["t2"]
    t2 = std.t2[version]
    prefix = "t2" if version == FormatVersion.V2021 else "t2v19"
    rows = t2["rows"]
    width = max(len(r.extra["columns"]) for r in rows)
    blocks = [(cap, [r for r in rows if r.extra["caption"] == cap.key]) for cap in t2["captions"]]
    blocks = [(cap, rs) for cap, rs in blocks if rs]
    b = _Builder("t2")
    r = 0
    for cap, rs in blocks:
        b.add(labels("t2.caption", cap.key, cap.canonical), r, 0, colspan=lay.label_columns + width,
              role=Role.CAPTION, key=cap.key)
        r += 1
        colkeys: list[str] = []
        for row in rs:
            colkeys += [c for c in row.extra["columns"] if c not in colkeys]

        def span(i: int) -> int:
            return width - i if i == len(colkeys) - 1 else 1
        b.add(labels("t2.header", "header_first", t2["header_first"]), r, 0, role=Role.HEADER, key="header_first")
        for i, ck in enumerate(colkeys):
            b.add(labels("t2.column", ck, t2["columns"][ck].canonical), r, 1 + i, colspan=span(i),
                  role=Role.HEADER, key=ck)
        r += 1
        for row in rs:
            b.add(labels("t2.row", row.key, row.canonical), r, 0, role=Role.LABEL, key=row.key)
            for i, ck in enumerate(colkeys):
                key = f"{prefix}.{row.key}.{ck}" if ck in row.extra["columns"] else None
                b.add("", r, 1 + i, colspan=span(i), role=Role.VALUE, key=key)
            r += 1
    widths = list(lay.label_widths) + [lay.value_width] * width
    return b.build(std, lay, r, lay.label_columns + width, widths, 0)


# ---------------------------------------------------------------------------
# 表三

def _t3(std: Standard, version: str, labels: Labels) -> Grid:
    lay = std.layouts["t3"]
    rows = std.t3_row_keys(version)
    cols = std.t3_cols
    groups = {g.key: g for g in std.t3_groups}
    H, L = len(lay.header), lay.label_columns
    b = _Builder("t3")
    _header(b, lay, labels)

    def chain(rk: str) -> list[str]:
        """The groups a row sits in, outermost first."""
        out: list[str] = []
        g = std.t3_row_entry(rk).group
        while g is not None:
            out.insert(0, g)
            g = groups[g].extra.get("parent")
        for gk, first, last in lay.groups:
            if gk not in out and rows.index(first) <= rows.index(rk) <= rows.index(last):
                out.insert(0, gk)
        return out

    chains = [chain(rk) for rk in rows]
    for i, rk in enumerate(rows):
        ch = chains[i]
        for depth, gk in enumerate(ch):
            if i > 0 and chains[i - 1][depth: depth + 1] == [gk]:
                continue                           # the group cell started above
            n = 1
            while i + n < len(rows) and chains[i + n][depth: depth + 1] == [gk]:
                n += 1
            g = groups[gk]
            b.add(labels("t3.group", g.key, g.canonical), H + i, depth, rowspan=n, role=Role.GROUP, key=g.key)
        b.add(labels("t3.row", rk, std.t3_row_entry(rk).canonical), H + i, len(ch), colspan=L - len(ch),
              role=Role.LABEL, key=rk)
        for j, c in enumerate(cols):
            b.add("", H + i, L + j, role=Role.VALUE, key=f"t3.{rk}.{c}")
    widths = list(lay.label_widths) + [lay.value_width] * len(cols)
    return b.build(std, lay, H + len(rows), L + len(cols), widths, H)


# ---------------------------------------------------------------------------
# 表四

def _t4(std: Standard, labels: Labels) -> Grid:
    lay = std.layouts["t4"]
    b = _Builder("t4")
    _header(b, lay, labels)
    H = len(lay.header)
    keys = std.t4_keys
    for j, key in enumerate(keys):
        b.add("", H, lay.label_columns + j, role=Role.VALUE, key=key)
    return b.build(std, lay, H + 1, lay.label_columns + len(keys), [lay.value_width] * len(keys), H)


def grid(table: str, version: str = FormatVersion.V2021, labels: Labels | None = None,
         std: Standard | None = None) -> Grid:
    """The layout of one table (t2 | t3 | t4) of a format version, value cells empty."""
    std = std or load()
    labels = labels or Labels()
    if table == "t2":
        return _t2(std, version, labels)
    if table == "t3":
        return _t3(std, version, labels)
    if table == "t4":
        return _t4(std, labels)
    raise KeyError(table)


def grids(version: str = FormatVersion.V2021, labels: Labels | None = None) -> dict[str, Grid]:
    """The three tables of a format version, in printed order."""
    std = load()
    return {t: grid(t, version, labels, std) for t in TABLES}
