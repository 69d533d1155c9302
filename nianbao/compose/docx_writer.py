"""DOCX writer (python-docx): the report as an official would publish it.

Owns: page setup (A4, GB/T 9704 margins), fonts (宋体 title and tables, 黑体 headings,
仿宋 body, East-Asian font set through ``w:eastAsia``), the title line, the six section
headings and their paragraphs, and the three tables rendered from ``layout`` with real
merged cells (``gridSpan`` / ``vMerge``), borders and column widths.
"""
from __future__ import annotations

import io

from docx import Document
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.table import _Cell

from ..standard import load
from .data import ComposeInput
from .layout import CAPTION, HEADER, LABEL, NOTE, TABLE_AFTER_SECTION, Labels, Table, build_tables, \
    section_texts

FONT_TITLE = "宋体"
FONT_HEADING = "黑体"
FONT_BODY = "仿宋"
FONT_TABLE = "宋体"
FONT_LATIN = "Times New Roman"

SIZE_TITLE = Pt(22)     # 二号
SIZE_HEADING = Pt(16)   # 三号
SIZE_BODY = Pt(16)      # 三号
SIZE_TABLE = Pt(9)      # 小五
SIZE_TABLE_T2 = Pt(10.5)  # 五号

PAGE_W, PAGE_H = Cm(21.0), Cm(29.7)
MARGINS = dict(top=Cm(3.7), bottom=Cm(3.5), left=Cm(2.8), right=Cm(2.6))
TEXT_WIDTH_CM = 21.0 - 2.8 - 2.6
ROW_HEIGHT_CM = 0.62


def _set_font(run, name: str, size=None, bold: bool | None = None) -> None:
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


def _style_font(style, name: str, size, bold: bool = False) -> None:
    style.font.name = FONT_LATIN
    style.font.size = size
    style.font.bold = bold
    style.font.italic = False
    style.font.color.rgb = RGBColor(0, 0, 0)
    rpr = style.element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    for a in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        rfonts.attrib.pop(qn(a), None)
    rfonts.set(qn("w:eastAsia"), name)
    rfonts.set(qn("w:ascii"), FONT_LATIN)
    rfonts.set(qn("w:hAnsi"), FONT_LATIN)


def _add_text(paragraph, text: str, font: str, size, bold: bool | None = None) -> None:
    """Add text; a newline in a label becomes a line break inside the paragraph."""
    parts = text.split("\n")
    for i, part in enumerate(parts):
        run = paragraph.add_run(part)
        _set_font(run, font, size, bold)
        if i < len(parts) - 1:
            run.add_break()


def _setup(doc) -> None:
    sec = doc.sections[0]
    sec.page_width, sec.page_height = PAGE_W, PAGE_H
    sec.top_margin, sec.bottom_margin = MARGINS["top"], MARGINS["bottom"]
    sec.left_margin, sec.right_margin = MARGINS["left"], MARGINS["right"]
    normal = doc.styles["Normal"]
    _style_font(normal, FONT_BODY, SIZE_BODY)
    pf = normal.paragraph_format
    pf.space_before = Pt(0)
    pf.space_after = Pt(0)
    pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    pf.line_spacing = Pt(28)
    h1 = doc.styles["Heading 1"]
    _style_font(h1, FONT_HEADING, SIZE_HEADING, bold=False)
    h1.paragraph_format.space_before = Pt(6)
    h1.paragraph_format.space_after = Pt(6)
    h1.paragraph_format.first_line_indent = Pt(32)
    h1.paragraph_format.keep_with_next = True
    title = doc.styles["Title"]
    _style_font(title, FONT_TITLE, SIZE_TITLE, bold=True)
    ppr = title.element.get_or_add_pPr()
    for b in ppr.findall(qn("w:pBdr")):   # the default Title style has a bottom rule
        ppr.remove(b)
    title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.space_after = Pt(18)
    title.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    props = doc.core_properties
    props.author = ""
    props.comments = ""


def _set_cell_width(cell, width_cm: float) -> None:
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


def _insert_ordered(parent, child, order: list[str]) -> None:
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


def _set_borders(table) -> None:
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


def _cell_margins(table, cm: float = 0.08) -> None:
    tblpr = table._tbl.tblPr
    mar = OxmlElement("w:tblCellMar")
    for edge in ("left", "right"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:w"), str(int(cm * 567)))
        el.set(qn("w:type"), "dxa")
        mar.append(el)
    _insert_ordered(tblpr, mar, _TBLPR_ORDER)


def add_table(doc, t: Table) -> None:
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
    cover = {}
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
            left = tc.role == LABEL and t.name == "t3" or tc.role == NOTE
            p.alignment = WD_ALIGN_PARAGRAPH.LEFT if left else WD_ALIGN_PARAGRAPH.CENTER
            bold = tc.role == CAPTION or (tc.role == HEADER and t.name != "t2")
            _add_text(p, tc.text, FONT_TABLE, size, bold=bold)
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


def _paragraphs(doc, text: str) -> None:
    for line in text.split("\n"):
        line = line.strip()
        if not line:
            continue
        p = doc.add_paragraph()
        p.paragraph_format.first_line_indent = Pt(32)
        p.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        _add_text(p, line, FONT_BODY, SIZE_BODY)


def _spacer(doc) -> None:
    p = doc.add_paragraph()
    p.paragraph_format.line_spacing = Pt(10)


def render_docx(inp: ComposeInput, labels: Labels | None = None) -> bytes:
    std = load()
    labels = labels or Labels()
    doc = Document()
    _setup(doc)
    title = labels("title", "title", inp.display_title(std))
    doc.core_properties.title = inp.display_title(std)
    tp = doc.add_paragraph(style="Title")
    _add_text(tp, title, FONT_TITLE, SIZE_TITLE, bold=True)
    if inp.preamble:
        _paragraphs(doc, inp.preamble)
    tables = build_tables(inp, labels)
    texts = section_texts(inp)
    for s in std.sections:
        h = doc.add_paragraph(style="Heading 1")
        _add_text(h, labels("section", s.key, s.canonical), FONT_HEADING, SIZE_HEADING, bold=False)
        _paragraphs(doc, texts[s.key])
        if s.key in TABLE_AFTER_SECTION:
            add_table(doc, tables[TABLE_AFTER_SECTION[s.key]])
            _spacer(doc)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
