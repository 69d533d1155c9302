"""Table mapping: logical rows → cell keys of 表二, 表三 and 表四, by label.

Owns finding the three tables among a document's tables (by content, in document
order, with the signs of ``shapes`` around them), matching each printed row label to a
row of the standard (exact, variant, keyword; rows the label does not decide by their
place between recognised rows, ``align``; 表三's data rows come from ``t3rows``),
assigning value cells to columns (by header
columns when the grid is reliable, by row otherwise), and recording every irregularity
as a ``Note`` for the auditor: extra/missing cells, label variants, shifted columns,
（六）其他处理 printed as one row, unknown rows, duplicated rows.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..grid import GridCell, GridTable
from ..model import FORMAT_2019, FORMAT_2021, CellValue, Report
from ..normalize import KIND_ABSENT, MAX_DIGITS, NOTE_TOO_LONG, fold, is_value_text, parse_value, squash
from ..standard import Entry, Match, Standard
from .align import VARIANT_PREFIX, align
from .rows import LogicalRow, Selection, cell_at, header_columns, logical_rows, place_by_columns, select_values
from .shapes import HEADING_ROW, PAGE_NUMBERS_ONLY, ends_with_t2_header, t4_columns_only, t4_group_heading, t4_split_cells
from .t3rows import OTHER_SINGLE, t3_candidates

T2, T3, T4 = "t2", "t3", "t4"

# Confidence of a note saying a row's values could not be placed: the numbers are
# printed, but which column each belongs to is unknown, so the row is a reading problem.
AMBIGUOUS_CONFIDENCE = 0.3
# Confidence of cells placed by their grid position although the row prints fewer
# cells than its header has columns: the position is reliable, the row is still odd.
POSITIONED_CONFIDENCE = 0.9
# Printed text quoted in a note is cut to this many characters (a damaged cell can hold
# thousands of digits; the note says how many).
QUOTE_CHARS = 40
# A unit in a column label: ``（单位：万元）``, ``(元)``.
_COLUMN_UNIT = re.compile(r"[（(]\s*(?:单位\s*[：:]\s*)?([^（()）：:\s]{1,3})\s*[）)]")
_UNITS = ("件", "个", "项", "条", "元", "万元")


@dataclass
class TableContext:
    """Rows of the document attributed to each of the three tables."""
    rows: dict[str, list[LogicalRow]] = field(default_factory=lambda: {T2: [], T3: [], T4: []})
    tables: dict[str, list[GridTable]] = field(default_factory=lambda: {T2: [], T3: [], T4: []})


def _folded(rows: list[LogicalRow]) -> str:
    return "".join(fold(c.text) for r in rows for c in r.labels)


def classify(std: Standard, tables: list[GridTable], before: dict[int, str] | None = None) -> TableContext:
    """Attribute logical rows to 表二/表三/表四 with a content-driven state machine.

    A table (or a stretch of one) switches context on a strong marker: a 第二十条
    caption or 表二 row label → 表二; the applicant matrix or a 表三 row label → 表三;
    行政复议 with 维持/纠正 → 表四. Rows before any marker are ignored. ``before`` gives,
    per table, the folded text printed just before it (a header that a text rendering
    left outside the table).
    """
    before = before or {}
    tm = std.table_markers
    ctx = TableContext()
    carry: str | None = None     # the context a table ends in; a table right after it continues it
    t2_rows = std.t2[FORMAT_2021]["row_matcher"]
    t2v19_rows = std.t2[FORMAT_2019]["row_matcher"]

    def is_t4(text: str) -> bool:
        return tm["t4"] in text and any(w in text for w in tm["t4_with"])

    for table in tables:
        rows = logical_rows(table)
        text = _folded(rows)
        # a table right after another (or after only page numbers) continues it
        b = before.get(id(table), None)
        state: str | None = carry if b is not None and PAGE_NUMBERS_ONLY.fullmatch(b) else None
        if state is None and b and ends_with_t2_header(std, b):
            state = T2       # its caption and header were printed as text just above it
        if is_t4(text) and tm["t3_not_before_t4"] not in text:
            state = T4
        elif not text.strip() or all(not r.labels for r in rows if r.filled_values()):
            if is_t4(before.get(id(table), "")):
                state = T4
        heading = t4_group_heading(std, before.get(id(table), ""))
        if state is None and heading is not None and t4_columns_only(std, rows):
            # 表四 split into one small table per group, each under a heading naming it
            name = next(g.canonical for g in std.t4_groups if g.key == heading)
            ctx.rows[T4].append(LogicalRow(labels=[GridCell(name, HEADING_ROW, 0)], table=table))
            ctx.rows[T4].extend(rows)
            ctx.tables[T4].append(table)
            carry = T4
            continue
        for r in rows:
            labels = "".join(fold(c.text) for c in r.labels)
            first = fold(r.labels[0].text) if r.labels else ""
            if any(m in labels for m in tm["t2"]) or first == tm["t2_header_first"]:
                state = T2
            elif any(m in labels for m in tm["t3"]):
                state = T3
            elif tm["t4"] in labels and (is_t4(labels) or len(r.values) >= 10):
                state = T4
            elif r.values and state != T3 and (m3 := std.t3_row_matcher.match(r.label_text, fuzzy=False)):
                # 3.其他 and 总计 also occur outside 表三: they do not switch to it on their own
                if m3.entry.key not in ("other.other", "result_total") or state is None:
                    state = T3
            elif r.values and state is None and (t2_rows.match(r.label_text, fuzzy=False)
                                                  or t2v19_rows.match(r.label_text, fuzzy=False)):
                state = T2
            if state is None:
                continue
            ctx.rows[state].append(r)
            if table not in ctx.tables[state]:
                ctx.tables[state].append(table)
        carry = state
    return ctx


def label_unit(label: str) -> str | None:
    """The unit a column label prints in brackets (``（单位：万元）`` → 万元), if any."""
    for m in _COLUMN_UNIT.finditer(fold(label)):
        if m.group(1) in _UNITS:
            return m.group(1)
    return None


class Mapper:
    """Writes CellValues and Notes into a Report."""

    def __init__(self, std: Standard, report: Report, version: str):
        self.std = std
        self.report = report
        self.version = version
        self.decimal = std.decimal_keys(version)
        self.units: dict[tuple[str, str], list[CellValue]] = {}    # (table, printed unit) → cells

    def finish(self) -> None:
        """Notes gathered over the whole report: one per table and printed unit."""
        for (table, unit), cells in self.units.items():
            keys = [c.key for c in cells]
            shown = "、".join(squash(c.raw or "") for c in cells[:3]) + ("等" if len(cells) > 3 else "")
            msg = f"{table}有 {len(cells)} 个单元格的数字带单位“{unit}”（{shown}），按印出的数字记录，未换算"
            other = sorted({u for c in cells if (u := self.column_unit(c.key)) and u != unit})
            if other:
                msg += f"；该列的单位是“{'、'.join(other)}”，与印出的单位不同，需人工核对"
            self.report.note("printed-unit", msg, where=keys[0].rsplit(".", 1)[0] if len(keys) == 1 else table,
                             keys=keys, evidence={"unit": unit, "printed": {c.key: c.raw for c in cells},
                                                  "column_unit": other[0] if len(other) == 1 else None})
        self.units = {}

    def column_unit(self, key: str) -> str | None:
        """The unit the standard prints in a column's label (``（单位：万元）``), if any."""
        try:
            _, col = self.std.label_of(key, self.version)
        except (KeyError, StopIteration):
            return None
        return label_unit(col)

    def note_header_unit(self, table: str, header: GridCell, keys: list[str]) -> None:
        """A column label printing another unit than the standard's (``（单位：元）`` for
        万元): the column's numbers are kept as printed; the note says so."""
        unit = label_unit(header.text)
        std_unit = self.column_unit(keys[0]) if keys else None
        if unit is None or unit == std_unit:
            return
        self.report.note(
            "printed-unit", f"{table}表头“{squash(header.text)}”印的单位是“{unit}”"
            + (f"，标准格式为“{std_unit}”" if std_unit else "") + "：该列数值按印出的数字记录，未换算",
            where=keys[0].rsplit(".", 1)[0] if len(keys) == 1 else table, keys=keys, source=header.source,
            evidence={"unit": unit, "column_unit": std_unit, "printed_label": header.text})

    # -- cells -----------------------------------------------------------------------
    def put(self, key: str, cell: GridCell | None, row_label: GridCell | None, match: Match | None,
            column_label: str | None = None, confidence: float = 1.0) -> None:
        if key in self.report.cells and self.report.cells[key].kind != KIND_ABSENT:
            return
        if cell is None:
            self.report.cells[key] = CellValue(
                key=key, value=None, kind=KIND_ABSENT, label=row_label.text if row_label else None,
                column_label=column_label, variant=match.variant if match else None,
                source=row_label.source if row_label else None, confidence=confidence)
            return
        pv = parse_value(cell.text, key in self.decimal, self.std.na_marks)
        conf = confidence if cell.confidence is None else min(confidence, cell.confidence)
        # positional: CellValue(key, value, kind, raw, label, column_label, variant, source, confidence)
        cv = self.report.cells[key] = CellValue(
            key, pv.value, pv.kind, cell.text, row_label.text if row_label else None, column_label,
            match.variant if match else None, cell.source, conf)
        if pv.unit is not None and pv.value is not None:
            table = {"t2": "表二", "t2v19": "表二", "t3": "表三", "t4": "表四"}[key.split(".", 1)[0]]
            self.units.setdefault((table, pv.unit), []).append(cv)
        if pv.note == NOTE_TOO_LONG:
            digits = sum(ch.isdigit() for ch in cell.text)
            self.report.note(
                "number-too-long", f"“{self.row_name(row_label, key.rsplit('.', 1)[0])}”的单元格印有 {digits} 位数字"
                f"（{squash(cell.text)[:QUOTE_CHARS]}…），超过任何计数或金额可能的位数（上限 {MAX_DIGITS} 位），"
                "按无法识别处理，需人工核对原件", where=key.rsplit(".", 1)[0], keys=[key], source=cell.source,
                evidence={"digits": digits, "head": cell.text[:QUOTE_CHARS]}, confidence=AMBIGUOUS_CONFIDENCE)

    def note_label(self, table: str, key: str, label: GridCell, match: Match) -> None:
        if match.variant == "canonical":
            return
        code = "label-fuzzy" if match.variant.startswith(("fuzzy", VARIANT_PREFIX)) else "label-variant"
        how = (f"按它在表中的位置（前后两行之间）与标签的相似度（{match.score:.2f}）认定为该行"
               if match.variant.startswith(VARIANT_PREFIX) else match.variant)
        self.report.note(
            code, f"{table}“{squash(label.text)}”与标准表述“{match.entry.canonical}”不一致（{how}）",
            where=key, keys=[key], source=label.source,
            evidence={"printed": label.text, "canonical": match.entry.canonical, "variant": match.variant},
            confidence=match.score)
        if "\n" in label.text:
            self.report.note("split-label", f"{table}标签“{squash(label.text)}”跨行打印", where=key,
                             keys=[key], source=label.source, evidence={"printed": label.text})

    def row_name(self, label: GridCell | None, row: str) -> str:
        """The row (``t3.not_processed.excessive``) as printed, or as the standard prints
        it when its label was not read: never an internal key."""
        if label is not None:
            return squash(label.text)
        key = next((k for k in self.std.all_keys(self.version) if k.startswith(row + ".")), None)
        return self.std.label_of(key, self.version)[0] if key else "（未能识别的行）"

    def note_selection(self, table: str, row_key: str, keys: list[str], label: GridCell | None, sel,
                       repeats_merged: bool = False) -> None:
        """Notes for a row's extra or missing cells. ``repeats_merged``: the rendering writes a
        merged cell into each of its columns (``repeats_merged_cells``), so extra cells that
        repeat the row's value are that one cell, not extra ones."""
        where = keys[0].rsplit(".", 1)[0] if keys else row_key
        name = self.row_name(label, where) if sel.extra or sel.missing else ""
        taken = {c.text.strip() for c in sel.cells if c is not None}
        if sel.extra and repeats_merged and len(taken) == 1 and all(c.text.strip() in taken for c in sel.extra):
            pass    # layout, not extra cells
        elif sel.extra and any(c.text.strip() for c in sel.extra):
            self.report.note(
                "extra-cell", f"{table}“{name}”行多出 {len(sel.extra)} 个单元格"
                f"（{'、'.join(c.text for c in sel.extra)}），按表头只取前 {len(keys)} 个" if table == "表二" else
                f"{table}“{name}”行多出 {len(sel.extra)} 个单元格，"
                f"按 format.md §8.2 取最后 {len(keys)} 个，需人工核对",
                where=where, keys=keys, source=label.source if label else None,
                evidence={"extra": [c.text for c in sel.extra]}, confidence=0.9 if table == "表二" else 0.6)
        if sel.missing:
            self.report.note(
                "missing-cell", f"{table}“{name}”行缺少 {sel.missing} 个单元格",
                where=where, keys=keys[len(keys) - sel.missing:], source=label.source if label else None,
                evidence={"printed": [c.text for c in sel.cells if c is not None]}, confidence=0.5)

    def place_row(self, table: str, row_key: str, keys: list[str], label: GridCell | None, match: Match | None,
                  sel: Selection, columns: list[GridCell] | None, column_labels: list[str | None]) -> bool:
        """Put a row whose printed cells are fewer than its columns (``sel.ambiguous``).

        With ``columns`` (the header cells of a reliable grid) each printed cell goes
        where it stands; the columns with no cell are absent. Without them, or when a
        cell stands under no header column, nothing says which columns the numbers
        belong to: every cell of the row is null and an ``ambiguous-cells`` note says
        why (never filled from the left). Returns True when the row was placed.
        """
        name = squash(label.text) if label else row_key
        where = keys[0].rsplit(".", 1)[0] if keys else row_key
        placed = place_by_columns(sel.printed, columns) if columns is not None else None
        if placed is not None:
            for k, c, cl in zip(keys, placed, column_labels):
                self.put(k, c, label, match, column_label=cl, confidence=POSITIONED_CONFIDENCE)
            absent = [k for k, c in zip(keys, placed) if c is None]
            if absent:
                self.report.note(
                    "missing-cell", f"{table}“{name}”行缺少 {len(absent)} 个单元格（按单元格位置对应表头，其余列未印出）",
                    where=where, keys=absent, source=label.source if label else None,
                    evidence={"printed": [c.text for c in sel.printed]}, confidence=POSITIONED_CONFIDENCE)
            return True
        for k, cl in zip(keys, column_labels):
            self.put(k, None, label, match, column_label=cl, confidence=AMBIGUOUS_CONFIDENCE)
        self.report.note(
            "ambiguous-cells", (f"{table}“{name}”行只印了 {len(sel.printed)} 个单元格（"
                                f"{'、'.join(c.text.strip() or '空' for c in sel.printed)}），少于表头的 {len(keys)} 列，"
                                "版面也没有表明各属哪一列：本行按无法确定处理，不从左往右填入，需人工核对")
            if len(sel.printed) < len(keys) else
            (f"{table}“{name}”行印了 {len(sel.printed)} 个单元格（"
             f"{'、'.join(c.text.strip() or '空' for c in sel.printed)}），多于表头的 {len(keys)} 列且其中有空格，"
             "版面没有表明哪些是多余的：本行按无法确定处理，需人工核对"),
            where=where, keys=keys, source=label.source if label else None,
            evidence={"printed": [c.text for c in sel.printed], "columns": len(keys)},
            confidence=AMBIGUOUS_CONFIDENCE)
        return False


# ---------------------------------------------------------------------------------------
# 表二


def repeats_merged_cells(table: GridTable) -> bool:
    """The rendering writes a merged cell into every column it spans (pymupdf4llm's
    ``|第二十条第（六）项|第二十条第（六）项|…|``): some row of two or more cells prints one
    label in each of them."""
    for row in table.rows():
        texts = {c.text.strip() for c in row}
        if len(row) >= 2 and len(texts) == 1 and not is_value_text(next(iter(texts))) and next(iter(texts)):
            return True
    return False


def _is_t2_header(t: dict, r: LogicalRow) -> bool:
    """A header row of 表二: 信息内容 first, or only column labels."""
    return fold(r.labels[0].text) == fold(t["header_first"]) or (
        not r.filled_values() and len(r.labels) >= 2
        and all(t["col_matcher"].match(c.text, fuzzy=False) for c in r.labels[1:]))


def _t2_matches(t: dict, rows: list[LogicalRow]) -> dict[int, Match | None]:
    """Per data row of 表二 (by id), the standard row it is: by its label where the label
    says so, else by its place between recognised rows (``align``)."""
    data = [r for r in rows if r.labels and r.values and not _is_t2_header(t, r)
            and not t["caption_matcher"].match(r.label_text, fuzzy=False)]
    slots: list[Entry] = t["rows"]
    index = {e.key: i for i, e in enumerate(slots)}
    strong = [t["row_matcher"].match(r.label_text, fuzzy=False) for r in data]
    out: dict[int, Match | None] = {id(r): mt for r, mt in zip(data, strong)}
    for p in align([r.label_text for r in data], [index[mt.entry.key] if mt else None for mt in strong], slots):
        out[id(data[p.index])] = p.match
    return out


def map_t2(std: Standard, rows: list[LogicalRow], m: Mapper) -> bool:
    t = std.t2[m.version]
    prefix = "t2" if m.version == FORMAT_2021 else "t2v19"
    header: list[str | None] | None = None
    header_labels: list[str] = []
    header_cells: dict[str, GridCell] = {}     # column key → header cell (for positions in a reliable grid)
    header_table: GridTable | None = None
    found = False
    matches = _t2_matches(t, rows)
    for r in rows:
        if not r.labels:
            continue
        label = r.labels[-1]
        if _is_t2_header(t, r):
            cols = [t["col_matcher"].match(c.text) for c in r.labels[1:]]
            header = [c.entry.key if c else None for c in cols]
            header_labels = [c.text for c in r.labels[1:]]
            header_cells = {cm.entry.key: c for c, cm in zip(r.labels[1:], cols) if cm is not None}
            header_table = r.table
            for ck, hc in header_cells.items():
                m.note_header_unit("表二", hc, [f"{prefix}.{row.key}.{ck}" for row in t["rows"]
                                                if ck in row.extra["columns"]])
            for c, cm in zip(r.labels[1:], cols):
                if cm is not None:
                    m.note_label("表二", f"{prefix}.*.{cm.entry.key}", c, cm)
            continue
        if t["caption_matcher"].match(r.label_text, fuzzy=False) or not r.values:
            continue
        match = matches.get(id(r))
        if match is None:
            if r.filled_values():
                m.report.note("unknown-row", f"表二出现无法识别的行“{squash(r.label_text)}”，"
                              "按标准各行的顺序和标签也无法确定是哪一行，本行未采用", where="t2",
                              source=label.source, evidence={"label": r.label_text,
                                                               "values": [c.text for c in r.values]})
            continue
        row = match.entry
        col_keys: list[str] = list(row.extra["columns"])
        # A header naming the same columns in another order decides the order.
        order = col_keys
        if header and len([h for h in header if h]) == len(col_keys) and set(header) == set(col_keys):
            order = [h for h in header if h]
        keys = [f"{prefix}.{row.key}.{c}" for c in order]
        if any(k in m.report.cells for k in keys):
            m.report.note("duplicate-row", f"表二“{squash(r.label_text)}”行重复出现，只取第一次", where=f"t2.{row.key}",
                          source=label.source)
            continue
        sel = select_values(r.values, len(keys), keep="first")
        col_labels = dict(zip(header or [], header_labels))
        m.note_label("表二", f"t2.{row.key}", label, match)
        found = True
        if sel.ambiguous:
            reliable = r.table is not None and r.table is header_table and r.table.columns_reliable
            columns = [header_cells[c] for c in order] if reliable and all(c in header_cells for c in order) else None
            m.place_row("表二", row.key, keys, label, match, sel, columns, [col_labels.get(c) for c in order])
            continue
        for k, cell, ck in zip(keys, sel.cells, order):
            m.put(k, cell, label, match, column_label=col_labels.get(ck))
        m.note_selection("表二", row.key, keys, label, sel,
                         repeats_merged=bool(sel.extra) and r.table is not None and repeats_merged_cells(r.table))
    return found


# ---------------------------------------------------------------------------------------
# 表三


def _t3_header_map(std: Standard, rows: list[LogicalRow]) -> dict[int, dict[str, GridCell]]:
    """Per source table, the header cell of each of the 7 columns (reliable grids only)."""
    out: dict[int, dict[str, GridCell]] = {}
    for table in {id(r.table): r.table for r in rows if r.table is not None}.values():
        first_data = min((r.label.row for r in rows if r.table is table and r.label is not None
                          and r.filled_values() and std.t3_row_matcher.match(r.label_text, fuzzy=False)),
                         default=None)
        hm = header_columns(table, std.t3_col_matcher, skip=tuple(std.table_markers["t3_header_skip"]),
                            before_row=first_data,
                            n_expected=len(std.t3_columns))
        if hm:
            out[id(table)] = hm
    return out


def map_t3(std: Standard, rows: list[LogicalRow], m: Mapper) -> bool:
    cols = std.t3_cols
    headers = _t3_header_map(std, rows)
    found = False
    shifted: list[str] = []
    other_rows: list[str] = []
    for cand in t3_candidates(std, rows, m.version):
        r, gm, match = cand.row, cand.group_match, cand.match
        label = r.labels[-1]
        key_row: str | None
        if match is None and gm and gm.entry.key == "other":
            # （六）其他处理 printed as one data row
            key_row = OTHER_SINGLE[m.version]
            match = Match(std.t3_other_single, "canonical", 1.0)
            if m.version == FORMAT_2021:
                other_rows.append(r.label_text)
        else:
            key_row = match.entry.key if match else None
        if match is None or key_row is None:
            if r.filled_values():
                m.report.note("unknown-row", f"表三出现无法识别的行“{squash(r.label_text)}”，"
                              "按标准各行的顺序和标签也无法确定是哪一行，本行未采用", where="t3",
                              source=label.source, evidence={"label": r.label_text,
                                                               "values": [c.text for c in r.values]})
            continue
        if m.version == FORMAT_2019 and key_row.startswith("other."):
            key_row = "other"
        keys = [f"t3.{key_row}.{c}" for c in cols]
        if any(k in m.report.cells for k in keys):
            m.report.note("duplicate-row", f"表三“{squash(r.label_text)}”行重复出现，只取第一次", where=f"t3.{key_row}",
                          source=label.source)
            continue
        hm = headers.get(id(r.table))
        used_header = False
        if hm is not None and r.table is not None and r.table.columns_reliable:
            row_cells = [c for c in r.values]
            picked = [cell_at(row_cells, hm[c].col) for c in cols]
            label_right = label.col + label.colspan
            if all(p is not None for p in picked) and label_right <= min(h.col for h in hm.values()):
                extra = [c for c in row_cells if c not in picked and c.text.strip()]
                for k, c, ck in zip(keys, picked, cols):
                    m.put(k, c, label, match, column_label=hm[ck].text)
                if extra:
                    m.report.note("extra-cell", f"表三“{squash(r.label_text)}”行在表头列之外还有 {len(extra)} 个单元格"
                                  f"（{'、'.join(c.text for c in extra)}），未采用", where=f"t3.{key_row}", keys=keys,
                                  source=label.source, evidence={"extra": [c.text for c in extra]}, confidence=0.8)
                used_header = True
        if not used_header and len(r.filled_values()) >= 2 * len(cols):
            # the values of several rows run together (a scrambled text layer): not this row's
            m.report.note("ambiguous-cells", f"表三“{squash(r.label_text)}”后面连续出现 {len(r.filled_values())} 个数值，"
                          f"无法确定哪些属于本行，本行按缺失处理", where=f"t3.{key_row}", keys=keys,
                          source=label.source, evidence={"values": [c.text for c in r.values]},
                          confidence=AMBIGUOUS_CONFIDENCE)
            for k in keys:
                m.put(k, None, label, match, confidence=AMBIGUOUS_CONFIDENCE)
            continue
        if not used_header:
            sel = select_values(r.values, len(cols), keep="last")
        if not used_header and sel.ambiguous:
            reliable = hm is not None and r.table is not None and r.table.columns_reliable \
                and label.col + label.colspan <= min(h.col for h in hm.values())
            columns = [hm[c] for c in cols] if hm is not None and reliable else None
            m.place_row("表三", key_row, keys, label, match, sel, columns, [hm[c].text if hm else None for c in cols])
        elif not used_header:
            for k, c, ck in zip(keys, sel.cells, cols):
                m.put(k, c, label, match, column_label=hm[ck].text if hm else None,
                      confidence=1.0 if not sel.extra and not sel.missing else 0.6)
            m.note_selection("表三", key_row, keys, label, sel)
            if hm is not None and sel.cells[0] is not None and sel.cells[0].col != hm[cols[0]].col:
                shifted.append(key_row)
        if match.entry is not std.t3_other_single:
            m.note_label("表三", f"t3.{key_row}", label, match)
        found = True
    if shifted:
        m.report.note("shifted-columns", f"表三有 {len(shifted)} 行的数值列与表头错位（合并单元格在文本中丢失），已按行对齐读取",
                      where="t3", keys=[f"t3.{k}" for k in shifted], evidence={"rows": shifted}, confidence=0.95)
    if other_rows:
        m.report.note("other-single-row", "表三“（六）其他处理”只印了一行（2021 年格式应分 3 个子行），数值记在“3.其他”",
                      where="t3.other", keys=[f"t3.other.other.{c}" for c in cols], evidence={"labels": other_rows})
    return found


# ---------------------------------------------------------------------------------------
# 表四


def _t4_header_map(std: Standard, table: GridTable) -> dict[str, GridCell] | None:
    """Column key t4.<group>.<col> → header cell, from spans (reliable grids only)."""
    leaves = []
    groups = []
    for c in table.cells:
        cm = std.t4_col_matcher.match(c.text, fuzzy=False)
        gm = std.t4_group_matcher.match(c.text, fuzzy=False)
        if gm:
            groups.append((c, gm.entry.key))
        elif cm:
            leaves.append((c, cm.entry.key))
    out: dict[str, GridCell] = {}
    for c, ck in leaves:
        covering = [(g, gk) for g, gk in groups if g.row < c.row and g.col <= c.col < g.col + g.colspan]
        if not covering:
            continue
        g, gk = max(covering, key=lambda x: x[0].row)   # the most specific (lowest) group cell
        key = f"t4.{gk}.{ck}"
        if key in out:
            return None
        out[key] = c
    return out if len(out) == len(std.t4_keys) else None


def _digit_runs_of(r: LogicalRow, n: int) -> bool:
    """A row printing only digit runs with at least a digit for each of ``n`` columns (cells
    that ran together: ``extract.digits`` may split it)."""
    filled = r.filled_values()
    return bool(filled) and all(c.text.strip().isdigit() for c in filled) \
        and sum(len(c.text.strip()) for c in filled) >= n


def map_t4(std: Standard, rows: list[LogicalRow], tables: list[GridTable], m: Mapper) -> bool:
    keys = std.t4_keys
    data = [r for r in rows if len(r.filled_values()) >= 3 or (r.filled_values() and len(r.values) >= 10)
            or _digit_runs_of(r, len(keys))]
    if not data:
        return False
    split = t4_split_cells(std, rows, data)
    if split is not None:
        for k, cell in split.items():
            m.put(k, cell, None, None)
        return True
    r = max(data, key=lambda x: (len(x.filled_values()), len(x.values)))
    hm = _t4_header_map(std, r.table) if r.table is not None and r.table.columns_reliable else None
    if hm:
        picked = [cell_at(r.values, hm[k].col) for k in keys]
        if all(p is not None for p in picked):
            for k, c in zip(keys, picked):
                m.put(k, c, None, None, column_label=hm[k].text)
            return True
    # Row order: 行政复议 ×5, 未经复议直接起诉 ×5, 复议后起诉 ×5, unless the header says otherwise.
    header_text = _folded([x for x in rows if not x.filled_values()]) + "".join(fold(c.text) for c in r.labels)
    order = keys
    i_direct, i_after = header_text.find("直接起诉"), header_text.find("复议后起诉")
    if i_direct >= 0 and i_after >= 0 and i_after < i_direct:
        order = keys[:5] + keys[10:] + keys[5:10]
        m.report.note("column-order", "表四“复议后起诉”列组排在“未经复议直接起诉”之前，已按表头对应", where="t4")
    others = [x for x in data if x is not r]
    if len(r.values) < len(keys) and others:
        # values split over several runs between header fragments (a scrambled text layer)
        m.report.note("ambiguous-cells", f"表四的数值被拆成 {len(data)} 段（{'、'.join(str(len(x.filled_values())) for x in data)} 个），"
                      "无法确定各自所属的列，表四按缺失处理", where="t4", keys=keys,
                      evidence={"runs": [[c.text for c in x.values] for x in data]}, confidence=0.3)
        return True
    sel = select_values(r.values, len(keys), keep="last")
    if sel.ambiguous:
        columns = [hm[k] for k in keys] if hm else None
        m.place_row("表四", "row", keys, r.label, None, sel, columns, [hm[k].text if hm else None for k in keys])
        return True
    for k, c in zip(order, sel.cells):
        m.put(k, c, None, None, confidence=1.0 if not sel.extra and not sel.missing else 0.6)
    m.note_selection("表四", "row", keys, r.label, sel)
    return True
