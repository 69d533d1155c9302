"""DOCX rendering of a table grid (python-docx): a Word table with real merged cells.

Owns: ``add_table(doc, grid)`` — the grid as a ``w:tbl`` with ``gridSpan``/``vMerge``
merges, single borders, fixed column widths from the grid's relative widths, 宋体 text
(East-Asian font set through ``w:eastAsia``), rows that do not split and a header that
repeats across pages; and the run helpers (``set_font``, ``add_text``) the composer's
DOCX writer shares.
"""
from __future__ import annotations

from typing import Any

from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt
from docx.table import _Cell

from .layout import Grid, LayoutCell, Role

FONT_TABLE = "宋体"
FONT_LATIN = "Times New Roman"
SIZE_TABLE = Pt(9)      # 小五
SIZE_TABLE_T2 = Pt(10.5)  # 五号
TEXT_WIDTH_CM = 21.0 - 2.8 - 2.6     # A4 less the GB/T 9704 side margins
ROW_HEIGHT_CM = 0.62


def set_font(run: Any, name: str, size: Any = None, bold: bool | None = None) -> None:
    run.font.name = FONT_LATIN
    rpr = run._element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    rfonts.set(qn("w:eastAsia"), name)
    rfonts.set(qn("w:ascii"), FONT_LATIN)
    rfonts.set(qn("w:hAnsi"), FONT_LATIN)
    if size is not None:
        run.font.size = size
    if bold is not None:
        run.font.bold = bold


def add_text(paragraph: Any, text: str, font: str, size: Any, bold: bool | None = None) -> None:
    """Add text; a newline in a label becomes a line break inside the paragraph."""
    parts = text.split("\n")
    for i, part in enumerate(parts):
        run = paragraph.add_run(part)
        set_font(run, font, size, bold)
        if i < len(parts) - 1:
            run.add_break()


def _set_cell_width(cell: Any, width_cm: float) -> None:
    tcpr = cell._tc.get_or_add_tcPr()
    w = tcpr.find(qn("w:tcW"))
    if w is None:
        w = OxmlElement("w:tcW")
        tcpr.insert(0, w)
    w.set(qn("w:w"), str(int(width_cm * 567)))
    w.set(qn("w:type"), "dxa")


_TBLPR_ORDER = ["tblStyle", "tblpPr", "tblOverlap", "bidiVisual", "tblStyleRowBandSize", "tblStyleColBandSize",
                "tblW", "jc", "tblCellSpacing", "tblInd", "tblBorders", "shd", "tblLayout", "tblCellMar", "tblLook",
                "tblCaption", "tblDescription"]
_TRPR_ORDER = ["cnfStyle", "divId", "gridBefore", "gridAfter", "wBefore", "wAfter", "cantSplit", "trHeight",
               "tblHeader", "tblCellSpacing", "jc", "hidden"]


def _insert_ordered(parent: Any, child: Any, order: list[str]) -> None:
    """Insert ``child`` where the OOXML schema's sequence wants it (Word is strict)."""
    name = child.tag.split("}")[1]
    for old in parent.findall(child.tag):
        parent.remove(old)
    after = order[order.index(name) + 1:]
    for i, el in enumerate(parent):
        if el.tag.split("}")[1] in after:
            parent.insert(i, child)
            return
    parent.append(child)


def _set_borders(table: Any) -> None:
    tblpr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "single")
        el.set(qn("w:sz"), "4")
        el.set(qn("w:space"), "0")
        el.set(qn("w:color"), "000000")
        borders.append(el)
    _insert_ordered(tblpr, borders, _TBLPR_ORDER)
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    _insert_ordered(tblpr, layout, _TBLPR_ORDER)


def _cell_margins(table: Any, cm: float = 0.08) -> None:
    tblpr = table._tbl.tblPr
    mar = OxmlElement("w:tblCellMar")
    for edge in ("left", "right"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:w"), str(int(cm * 567)))
        el.set(qn("w:type"), "dxa")
        mar.append(el)
    _insert_ordered(tblpr, mar, _TBLPR_ORDER)


def add_table(doc: Any, t: Grid) -> None:
    """Render a logical table with merged cells."""
    table = doc.add_table(rows=t.n_rows, cols=t.n_cols)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    _set_borders(table)
    _cell_margins(table)
    total = sum(t.widths)
    widths = [TEXT_WIDTH_CM * w / total for w in t.widths]
    grid = table._tbl.tblGrid
    for gc, w in zip(grid.findall(qn("w:gridCol")), widths):
        gc.set(qn("w:w"), str(int(w * 567)))
    size = SIZE_TABLE_T2 if t.name == "t2" else SIZE_TABLE
    cover: dict[tuple[int, int], LayoutCell] = {}
    for tc in t.cells:
        for r in range(tc.row, tc.row + tc.rowspan):
            for c in range(tc.col, tc.col + tc.colspan):
                cover[(r, c)] = tc
    # Merge by editing the row XML directly (python-docx's cell()/merge() are quadratic):
    # the origin column of a span keeps its w:tc with gridSpan, the others are removed;
    # rows below the origin carry vMerge="continue".
    for r, row in enumerate(table.rows):
        tcs = list(row._tr.tc_lst)
        for c, xtc in enumerate(tcs):
            tc = cover[(r, c)]
            if c != tc.col:
                row._tr.remove(xtc)
                continue
            cell = _Cell(xtc, table)
            _set_cell_width(cell, sum(widths[tc.col: tc.col + tc.colspan]))
            tcpr = xtc.get_or_add_tcPr()
            if tc.colspan > 1:
                gs = OxmlElement("w:gridSpan")
                gs.set(qn("w:val"), str(tc.colspan))
                tcpr.append(gs)
            if tc.rowspan > 1:
                vm = OxmlElement("w:vMerge")
                if r == tc.row:
                    vm.set(qn("w:val"), "restart")
                tcpr.append(vm)
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            if r != tc.row:
                continue
            p = cell.paragraphs[0]
            p.paragraph_format.first_line_indent = Pt(0)
            p.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
            left = tc.role == Role.LABEL and t.name == "t3" or tc.role == Role.NOTE
            p.alignment = WD_ALIGN_PARAGRAPH.LEFT if left else WD_ALIGN_PARAGRAPH.CENTER
            bold = tc.role == Role.CAPTION or (tc.role == Role.HEADER and t.name != "t2")
            add_text(p, tc.text, FONT_TABLE, size, bold=bold)
    # rows stay whole and get room; 表三's header repeats when the table breaks across pages
    for r, row in enumerate(table.rows):
        trpr = row._tr.get_or_add_trPr()
        _insert_ordered(trpr, OxmlElement("w:cantSplit"), _TRPR_ORDER)
        ht = OxmlElement("w:trHeight")
        ht.set(qn("w:val"), str(int(ROW_HEIGHT_CM * 567)))
        ht.set(qn("w:hRule"), "atLeast")
        _insert_ordered(trpr, ht, _TRPR_ORDER)
        if r < t.header_rows:
            _insert_ordered(trpr, OxmlElement("w:tblHeader"), _TRPR_ORDER)
