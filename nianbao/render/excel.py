"""Excel rendering of a table grid (openpyxl): the printed layout in worksheet cells.

Owns: ``write_grid(ws, grid, row0, col0, value=...)`` — merged ranges for spanning
cells, thin borders on every covered cell, labels (grey, locked, wrapped; headers and
captions bold; 表三's row labels and note left-aligned) and column widths from the
grid's relative widths; the caller fills each value cell through ``value`` (the
template writes inputs and formulas, the audit export values and highlights).
``coordinates`` gives each value cell's address before anything is written (for
formulas). Label text is always written as text, never as a formula.
"""
from __future__ import annotations

from typing import Any, Callable

from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from .layout import Grid, LayoutCell, Role

THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
LABEL_FILL = PatternFill("solid", fgColor="EDEDED")
FONT = Font(name="宋体", size=10)
BOLD = Font(name="宋体", size=10, bold=True)
# total sheet width (Excel character units) a table's relative widths are scaled to
SHEET_WIDTH = {"t2": 70.0, "t3": 110.0, "t4": 120.0}
MIN_WIDTH = 6.0

ValueFn = Callable[[LayoutCell, Cell], Any]


def coordinates(g: Grid, row0: int, col0: int) -> dict[str, str]:
    """Cell key → worksheet address (``C7``) of every value cell, the grid's top left at (row0, col0)."""
    return {c.key: f"{get_column_letter(col0 + c.col)}{row0 + c.row}" for c in g.cells
            if c.role == Role.VALUE and c.key}


def write_grid(ws: Any, g: Grid, row0: int, col0: int, *, value: ValueFn | None = None,
               widths: bool = True) -> int:
    """Draw the grid with its top left at (row0, col0); returns the first row below it."""
    for c in g.cells:
        r, k = row0 + c.row, col0 + c.col
        if c.rowspan > 1 or c.colspan > 1:
            ws.merge_cells(start_row=r, start_column=k, end_row=r + c.rowspan - 1, end_column=k + c.colspan - 1)
        for rr in range(r, r + c.rowspan):
            for kk in range(k, k + c.colspan):
                ws.cell(row=rr, column=kk).border = BORDER
        cell = ws.cell(row=r, column=k)
        if c.role == Role.VALUE:
            if not c.key:
                cell.fill = LABEL_FILL
            elif value is not None:
                value(c, cell)
            continue
        cell.value = c.text
        cell.data_type = "s"
        if c.text[:1] in ("=", "+", "-", "@"):
            cell.quotePrefix = True
        cell.fill = LABEL_FILL
        cell.font = BOLD if c.role in (Role.HEADER, Role.CAPTION) else FONT
        left = c.role in (Role.LABEL, Role.NOTE) and g.name == "t3"
        cell.alignment = Alignment(horizontal="left" if left else "center", vertical="center", wrap_text=True)
    if widths:
        total = sum(g.widths)
        for j, w in enumerate(g.widths):
            ws.column_dimensions[get_column_letter(col0 + j)].width = max(MIN_WIDTH, SHEET_WIDTH[g.name] * w / total)
    return row0 + g.n_rows
