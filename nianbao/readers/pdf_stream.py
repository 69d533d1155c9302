"""Unruled ("stream") tables of a PDF page, for the PDF reader.

Owns: finding runs of text lines laid out as table rows without ruling lines (words
separated by wide gaps, with numbers), and turning each into a ``RawTable`` whose rows
are the printed lines and whose cells are the gap-separated segments, in order. Column
positions are not reconstructed (``columns_reliable=False``): the extractor aligns
values by row. A row label wrapped around a row of numbers (label line, numbers line,
label line) is put back into that row.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .pdf_lattice import RawCell, RawTable
from .pdf_text import Line, line_text, segments

# Gap (in ems) that separates two cells of an unruled table.
CELL_GAP = 1.0
# Lines further apart than this (ems, box to box) do not belong to one table.
MAX_ROW_GAP = 2.5
# Rows needed: tabular lines, of which carry numbers.
MIN_ROWS, MIN_NUMERIC_ROWS = 3, 2
# Consecutive non-tabular lines a table may contain (wrapped labels, group labels).
MAX_PLAIN_RUN = 2

_VALUE = re.compile(r"^(?:[-+]?\d[\d,，]*(?:\.\d+)?%?|[-—－/／*＊×]|无)$")
_SECTION = re.compile(r"^\s*[一二三四五六七八九十]+、")


@dataclass
class _Row:
    line: Line
    cells: list[str]
    boxes: list[tuple[float, float, float, float]]
    bottom: float = 0.0          # grows when wrapped label lines are put back

    def __post_init__(self) -> None:
        self.bottom = self.line.bottom

    @property
    def top(self) -> float:
        return self.line.top

    @property
    def size(self) -> float:
        return max(1.0, self.line.size)

    @property
    def numeric(self) -> bool:
        return any(_VALUE.match(c) for c in self.cells)

    @property
    def tabular(self) -> bool:
        return len(self.cells) >= 2 and (self.numeric or len(self.cells) >= 3)

    @property
    def label_only(self) -> bool:
        return len(self.cells) == 1 and not self.numeric

    @property
    def unlabelled(self) -> bool:
        return bool(self.cells) and bool(_VALUE.match(self.cells[0]))


def find_stream_tables(lines: list[Line], page: int) -> tuple[list[RawTable], list[Line]]:
    """Unruled tables among a page's lines (top to bottom); returns them and the other lines."""
    if len(lines) < MIN_ROWS:
        return [], lines
    rows = [_split(ln) for ln in lines]
    tables: list[RawTable] = []
    used: set[int] = set()
    for start, end in _runs(rows):
        tables.append(_table(rows[start:end], page))
        used.update(range(start, end))
    return tables, [ln for i, ln in enumerate(lines) if i not in used]


def _split(line: Line) -> _Row:
    size = max(1.0, line.size)
    segs = segments(line, CELL_GAP * size)
    cells = [line_text(s) for s in segs]
    boxes = [(s[0].x0, min(c.top for c in s), max(c.x1 for c in s), max(c.bottom for c in s)) for s in segs]
    return _Row(line=line, cells=cells, boxes=boxes)


def _runs(rows: list[_Row]) -> list[tuple[int, int]]:
    """[start, end) index ranges of rows forming a table."""
    out: list[tuple[int, int]] = []
    i, n = 0, len(rows)
    while i < n:
        if not rows[i].tabular:
            i += 1
            continue
        start = end = i          # end: one past the last tabular row taken
        j = i + 1
        plain = 0
        while j < n and _close(rows[j - 1], rows[j]):
            if rows[j].tabular:
                end, plain = j, 0
            elif plain < MAX_PLAIN_RUN and not _SECTION.match(rows[j].cells[0] if rows[j].cells else ""):
                plain += 1
            else:
                break
            j += 1
        end += 1
        # the rest of a label wrapped below the last row belongs to the table too
        if end < n and rows[end].label_only and _wraps_below(rows[end - 1], rows[end]):
            end += 1
        picked = rows[start:end]
        if sum(r.tabular for r in picked) >= MIN_ROWS and sum(r.numeric for r in picked) >= MIN_NUMERIC_ROWS:
            out.append((start, end))
            i = end
        else:
            i += 1
    return out


def _close(a: _Row, b: _Row) -> bool:
    return b.top - a.bottom <= MAX_ROW_GAP * min(a.size, b.size)


def _table(rows: list[_Row], page: int) -> RawTable:
    rows = _rewrap_labels(rows)
    cells: list[RawCell] = []
    for r, row in enumerate(rows):
        for c, (text, box) in enumerate(zip(row.cells, row.boxes)):
            cells.append(RawCell(row=r, col=c, rowspan=1, colspan=1, bbox=box, text=text, page=page))
    x0 = min(b[0] for row in rows for b in row.boxes)
    x1 = max(b[2] for row in rows for b in row.boxes)
    return RawTable(page=page, xs=[x0, x1], ys=[rows[0].top, rows[-1].bottom], cells=cells,
                    columns_reliable=False)


def _wraps_below(row: _Row, nxt: _Row) -> bool:
    """``nxt`` (one segment) continues the first cell of ``row`` (its label, wrapped)."""
    if row.unlabelled and _tight(row, nxt):
        return True                       # label printed around the numbers
    if len(row.cells) < 2 or not _tight(row, nxt):
        return False
    lx0 = row.boxes[0][0]
    nx0, _, nx1, _ = nxt.boxes[0]
    return abs(nx0 - lx0) <= row.size and nx1 <= row.boxes[1][0]


def _rewrap_labels(rows: list[_Row]) -> list[_Row]:
    """Put label lines back into their row: lines wrapped below a row's label (cells
    aligned at the top), and lines printed around an unlabelled row of numbers (cells
    centred vertically)."""
    out: list[_Row] = []
    i = 0
    while i < len(rows):
        row = rows[i]
        if row.label_only and out and not out[-1].unlabelled and _wraps_below(out[-1], row):
            prev = out[-1]
            b0, b1 = prev.boxes[0], row.boxes[0]
            prev.cells[0] += "\n" + row.cells[0]
            prev.boxes[0] = (min(b0[0], b1[0]), b0[1], max(b0[2], b1[2]), b1[3])
            prev.bottom = row.bottom
            i += 1
            continue
        if row.unlabelled:
            label: list[tuple[str, tuple]] = []
            if out and out[-1].label_only and _tight(out[-1], row):
                prev = out.pop()
                label.append((prev.cells[0], prev.boxes[0]))
            if i + 1 < len(rows) and rows[i + 1].label_only and _tight(row, rows[i + 1]):
                nxt = rows[i + 1]
                label.append((nxt.cells[0], nxt.boxes[0]))
                i += 1
            if label:
                text = "\n".join(t for t, _ in label)
                box = (min(b[0] for _, b in label), min(b[1] for _, b in label),
                       max(b[2] for _, b in label), max(b[3] for _, b in label))
                row = _Row(line=row.line, cells=[text] + row.cells, boxes=[box] + row.boxes)
                row.bottom = max(row.bottom, box[3])
        out.append(row)
        i += 1
    return out


def _tight(a: _Row, b: _Row) -> bool:
    """Lines of one wrapped cell: closer than most of a line's height."""
    return b.top - a.bottom <= 0.8 * min(a.size, b.size)
