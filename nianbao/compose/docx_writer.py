"""DOCX writer (python-docx): the report as an official would publish it.

Owns: page setup (A4, GB/T 9704 margins), fonts (宋体 title and tables, 黑体 headings,
仿宋 body, East-Asian font set through ``w:eastAsia``), the title line, the six section
headings and their paragraphs; the three tables are drawn by ``nianbao.render.docx``.
"""
from __future__ import annotations

import io

from typing import Any

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from ..render.docx import FONT_LATIN, add_table, add_text
from ..render.layout import Labels
from ..standard import load
from .body import section_texts, tables
from .data import ComposeInput

FONT_TITLE = "宋体"
FONT_HEADING = "黑体"
FONT_BODY = "仿宋"

SIZE_TITLE = Pt(22)     # 二号
SIZE_HEADING = Pt(16)   # 三号
SIZE_BODY = Pt(16)      # 三号

PAGE_W, PAGE_H = Cm(21.0), Cm(29.7)
MARGINS = dict(top=Cm(3.7), bottom=Cm(3.5), left=Cm(2.8), right=Cm(2.6))


def _style_font(style: Any, name: str, size: Any, bold: bool = False) -> None:
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


def _setup(doc: Any) -> None:
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


def _paragraphs(doc: Any, text: str) -> None:
    for line in text.split("\n"):
        line = line.strip()
        if not line:
            continue
        p = doc.add_paragraph()
        p.paragraph_format.first_line_indent = Pt(32)
        p.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        add_text(p, line, FONT_BODY, SIZE_BODY)


def _spacer(doc: Any) -> None:
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
    add_text(tp, title, FONT_TITLE, SIZE_TITLE, bold=True)
    if inp.preamble:
        _paragraphs(doc, inp.preamble)
    grids = tables(inp, labels)
    texts = section_texts(inp)
    for s in std.sections:
        h = doc.add_paragraph(style="Heading 1")
        add_text(h, labels("section", s.key, s.canonical), FONT_HEADING, SIZE_HEADING, bold=False)
        _paragraphs(doc, texts[s.key])
        if s.key in grids:
            add_table(doc, grids[s.key])
            _spacer(doc)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
