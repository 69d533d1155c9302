"""Logical rows: a table's cells regrouped as *labels followed by values*.

Owns the layout-independent view of a table that the table mappers use. Whatever the
rendering (real grid, tab rows with dropped cells, a pipe stream with no row breaks), a
data row is a run of label cells (group labels, then the row label) followed by value
cells (numbers, not-applicable marks, blanks); page numbers a page break left inside
a table (``— 7 —``) are dropped. Also owns choosing which of a row's value
cells belong to the N columns expected (``select_values``), and column maps built from
header cells when the grid is reliable (``header_columns``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from ..grid import GridCell, GridTable
from ..normalize import KIND_NUMBER, KIND_ZERO, fold, is_value_text, parse_value


@dataclass
class LogicalRow:
    labels: list[GridCell] = field(default_factory=list)
    values: list[GridCell] = field(default_factory=list)
    table: GridTable | None = None

    @property
    def label(self) -> GridCell | None:
        return self.labels[-1] if self.labels else None

    @property
    def label_text(self) -> str:
        return self.labels[-1].text if self.labels else ""

    def filled_values(self) -> list[GridCell]:
        """Value cells that print something (numbers, marks); memoised per length, as
        ``values`` only grows while the row is built."""
        memo = self.__dict__.get("_filled")
        if memo is None or memo[0] != len(self.values):
            memo = (len(self.values), [v for v in self.values if v.text.strip()])
            self.__dict__["_filled"] = memo
        return memo[1]


_WORDY = re.compile(r"[\u4e00-\u9fff]|[A-Za-z]{2,}")
# A page number a conversion left inside a table where a page broke it: ``— 7 —``,
# ``- 7 -``, ``第 7 页``, ``第7页 共9页``. It is page furniture, never a value: kept as a
# value cell it would push the row's numbers one column over.
_DASH = "—－\\-–~～"
PAGE_NUMBER_FORMS = (rf"[{_DASH}]+\s*\d{{1,4}}\s*[{_DASH}]+"
                     r"|第\s*\d{1,4}\s*页(?:\s*[，,/／]?\s*共\s*\d{1,4}\s*页)?")
PAGE_NUMBER = re.compile(rf"^\s*(?:{PAGE_NUMBER_FORMS})\s*$")


# The first character of a page number (a dash or 第): other cells skip the test.
_PAGE_NUMBER_START = frozenset("—－\\-–~～第")


@lru_cache(maxsize=1 << 15)
def is_page_number(text: str) -> bool:
    """``— 7 —``, ``第 7 页``: a page number (furniture of the page, not a cell)."""
    return PAGE_NUMBER.match(text) is not None


def _is_label(cell: GridCell) -> bool:
    return _is_label_text(cell.text)


@lru_cache(maxsize=1 << 15)
def _is_label_text(text: str) -> bool:
    """A label has words (a CJK character or two letters); "？", "O", "*" in a value
    position are unreadable values, not labels."""
    t = text.strip()
    return bool(t) and not is_value_text(t) and bool(_WORDY.search(t))


def _without_page_lines(c: GridCell) -> GridCell:
    """A cell whose text took in a page number as a line of its own (``0\n— 7 —``, a
    reader that joined the next line to the cell), without it."""
    lines = c.text.split("\n")
    kept = [ln for ln in lines if not is_page_number(ln)]
    if len(kept) == len(lines) or not kept:
        return c
    return GridCell("\n".join(kept), c.row, c.col, c.rowspan, c.colspan, c.source, c.confidence)


def logical_rows(table: GridTable) -> list[LogicalRow]:
    """Split a table into label→values runs, row by row (or over the whole stream)."""
    out: list[LogicalRow] = []
    physical = table.rows() if table.rows_reliable else [sorted(table.cells, key=lambda c: (c.row, c.col))]
    for cells in physical:
        cur = LogicalRow(table=table)
        for c in cells:
            if c.text.lstrip()[:1] in _PAGE_NUMBER_START and is_page_number(c.text):
                continue
            if "\n" in c.text:
                c = _without_page_lines(c)
            if _is_label(c):
                if cur.values and any(v.text.strip() for v in cur.values):
                    out.append(cur)
                    cur = LogicalRow(table=table)
                elif cur.values:          # empties between two labels: spacer cells
                    cur.values = []
                cur.labels.append(c)
            else:
                cur.values.append(c)      # leading spacers are dropped when a label follows
        if cur.labels or any(v.text.strip() for v in cur.values):
            out.append(cur)
    if table.rows_reliable and not table.columns_reliable:
        out = _attach_wrapped_labels(out)
    return out


ORDINAL_START = re.compile(r"^\s*(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[）)]|\d+[、.．])")


def _attach_wrapped_labels(rows: list[LogicalRow]) -> list[LogicalRow]:
    """``pdftotext -layout`` prints a wrapped label around its values: the label's first
    line, then a line of numbers only, then the rest of the label. Give such a value-only
    row the label lines printed just above (and a continuation just below) it."""
    out: list[LogicalRow] = []
    i = 0
    while i < len(rows):
        r = rows[i]
        if r.labels and r.filled_values() and out and out[-1].labels and not out[-1].filled_values() \
                and len(r.labels) == 1 and not ORDINAL_START.match(r.labels[0].text) \
                and ORDINAL_START.match(out[-1].labels[-1].text) is not None:
            # "1.申请人无正当理由逾期不补" / "正、行政机关不再处理其政府  0 0 0 …": one label
            prev = out.pop()
            first = prev.labels[-1]
            joined = GridCell(first.text + "\n" + r.labels[0].text, first.row, first.col, first.rowspan,
                              first.colspan, first.source, first.confidence)
            r = LogicalRow(labels=prev.labels[:-1] + [joined], values=r.values, table=r.table)
        elif not r.labels and r.filled_values() and out and out[-1].labels and not out[-1].filled_values() \
                and not _detached_block(out, rows, i):
            prev = out.pop()
            r = LogicalRow(labels=list(prev.labels), values=r.values, table=r.table)
            nxt = rows[i + 1] if i + 1 < len(rows) else None
            if nxt is not None and nxt.labels and not nxt.filled_values() and len(nxt.labels) == 1 \
                    and not ORDINAL_START.match(nxt.labels[0].text) and len(nxt.labels[0].text.strip()) <= 20:
                last = r.labels[-1]
                r.labels[-1] = GridCell(last.text + "\n" + nxt.labels[0].text.strip(), last.row, last.col,
                                        last.rowspan, last.colspan, last.source, last.confidence)
                i += 1
        out.append(r)
        i += 1
    return out


def _detached_block(out: list[LogicalRow], rows: list[LogicalRow], i: int) -> bool:
    """Row ``i`` starts a run of value-only rows after a run of label-only rows: the
    labels and the values of a table printed as two blocks (not a wrapped label), which
    the table mapper pairs by count."""
    def values_only(r: LogicalRow) -> bool:
        return not r.labels and bool(r.filled_values())
    return len(out) >= 2 and not out[-2].filled_values() and i + 1 < len(rows) and values_only(rows[i + 1])


@dataclass
class Selection:
    cells: list[GridCell | None]       # one per expected column (None: absent or not placeable)
    extra: list[GridCell]              # printed cells beyond the expected count
    missing: int                       # expected columns with no cell at all
    trimmed_leading: int = 0           # leading empty cells dropped (shifted layout)
    ambiguous: bool = False            # fewer printed cells than columns, some numbers: columns unknown
    printed: list[GridCell] = field(default_factory=list)   # the row's value cells after spacers


def select_values(values: list[GridCell], n: int, keep: str = "first") -> Selection:
    """Choose the N value cells of a row laid out without reliable columns.

    Trailing, then leading, empty cells beyond N are layout spacers (merged cells that
    a text rendering kept as empty strings). More than N non-empty cells are extra
    cells: ``keep`` says whether the first or the last N are the table's (format.md
    §8.1 "extra cells": take the first for 表二; §8.2 rule 3: the last 7 for 表三).

    More than N cells with empty ones among them are *ambiguous* too (which are extra is
    not printed anywhere). Fewer than N cells of which some print a number are *ambiguous*: nothing in the row
    says which columns they belong to (a blank cell that vanished could be any of
    them), so no cell is placed (``cells`` all None, ``ambiguous`` set) and the caller
    either finds the columns in the layout (``place_by_columns``) or records the row as
    unreadable. Filling from the left would put a number under the wrong column.
    A short row that prints no number (blanks, marks, text) keeps its cells in order
    with the rest absent: every value of it is null wherever its cells stand, and the
    printed text stays visible to the auditor.
    """
    v = list(values)
    while len(v) > n and not v[-1].text.strip():
        v.pop()
    lead = 0
    while len(v) > n and not v[0].text.strip():
        v.pop(0)
        lead += 1
    if len(v) > n and any(not c.text.strip() for c in v):
        # more cells than columns with empty ones among them: which are extra is not printed
        # anywhere (a spacer? a blank cell of the row?), so none is placed
        return Selection(cells=[None] * n, extra=[], missing=0, trimmed_leading=lead, ambiguous=True, printed=v)
    if len(v) > n:
        if keep == "last":
            return Selection(cells=list[GridCell | None](v[-n:]), extra=v[:-n], missing=0, trimmed_leading=lead,
                             printed=v)
        return Selection(cells=list[GridCell | None](v[:n]), extra=v[n:], missing=0, trimmed_leading=lead,
                         printed=v)
    missing = n - len(v)
    if missing and any(_is_number(c.text) for c in v):
        return Selection(cells=[None] * n, extra=[], missing=missing, trimmed_leading=lead, ambiguous=True,
                         printed=v)
    padded: list[GridCell | None] = [*v, *([None] * missing)]
    return Selection(cells=padded, extra=[], missing=missing, trimmed_leading=lead, printed=v)


def _is_number(text: str) -> bool:
    return parse_value(text, decimal=True).kind in (KIND_NUMBER, KIND_ZERO)


def place_by_columns(values: list[GridCell], columns: list[GridCell]) -> list[GridCell | None] | None:
    """Cells of a row of a reliable grid under the given header cells, by position.

    Returns one entry per header cell (None where the row has no cell under it), or
    None when a printed value sits under none of the header cells (the row is shifted
    against its header: positions say nothing then).
    """
    picked = [cell_at(values, h.col) for h in columns]
    chosen = {id(c) for c in picked if c is not None}
    if any(c.text.strip() and id(c) not in chosen for c in values):
        return None
    return picked


def cell_at(row_cells: list[GridCell], col: int) -> GridCell | None:
    for c in row_cells:
        if c.col <= col < c.col + c.colspan:
            return c
    return None


def header_columns(table: GridTable, matcher, *, skip: tuple[str, ...] = (), before_row: int | None = None,
                   n_expected: int) -> dict[str, GridCell] | None:
    """Map column keys to header cells by matching header labels (reliable grids).

    Returns None unless exactly ``n_expected`` distinct keys are found at distinct
    columns. ``skip`` are folded header texts that are not column labels
    (法人或其他组织, 申请人情况 …).
    """
    found: dict[str, GridCell] = {}
    cols: set[int] = set()
    for c in table.cells:
        if before_row is not None and c.row >= before_row:
            continue
        t = fold(c.text)
        if not t or any(s in t for s in skip) or is_value_text(c.text):
            continue
        m = matcher.match(c.text, fuzzy=False)
        if m is None or m.entry.key in found or c.col in cols:
            continue
        found[m.entry.key] = c
        cols.add(c.col)
    return found if len(found) == n_expected else None
