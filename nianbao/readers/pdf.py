"""PDF reader: a published ``.pdf`` report → ``GridDocument``.

Owns: opening the PDF safely (encrypted, damaged, too many pages → ``ReadError`` in
Chinese), routing scanned PDFs (no text layer) to OCR, metadata hints, and assembling
the document in reading order: ruled tables on their true grid (a table broken across
pages is joined into one ``GridTable``), unruled tables as row/segment grids
(``columns_reliable=False``), and the remaining text lines as paragraphs, with running
headers, footers and page numbers dropped and wrapped lines joined.

Page content is read with PDFium (``pdf_page``); tables are built by ``pdf_lattice``
(ruled) and ``pdf_stream`` (unruled); lines and paragraphs by ``pdf_text``.
"""
from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as R

from ..grid import GridCell, GridDocument, GridTable, Paragraph, Source
from .base import Limits, ReadError, Reader
from .pdf_lattice import RawTable, continues, fill, find_tables, merge
from .pdf_page import PDFIUM_LOCK, PageContent, read_page
from .pdf_stream import find_stream_tables
from .pdf_text import Line, furniture, group_lines, margins, starts_paragraph

# A page with fewer printed characters than this and an image on it is a scanned page.
SCANNED_PAGE_CHARS = 20
# Image share of a page above which a text-less page is a picture, and above which a
# picture on a text page may hold content (a table published as an image).
IMAGE_PAGE, IMAGE_BLOCK = 0.3, 0.15
# A caption printed above the continuation of a table: 续表, （续）, 续表一.
_CONTINUED = re.compile(r"^\s*[（(]?\s*续\s*(?:表\s*\S{0,4})?\s*[)）]?\s*$")
OCR_HINT = "该 PDF 没有文本层（可能是扫描件），需要 OCR：pip install 'nianbao[ocr]'"


class PdfReader(Reader):
    name = "pdf"
    extensions = (".pdf",)

    @classmethod
    def is_valid(cls, path: Path, head: bytes) -> bool:
        if b"%PDF-" in head[:1024]:
            return True
        return path.suffix.lower() == ".pdf" and not _other_format(head)

    def convert(self, path: Path, data: bytes) -> GridDocument:
        name = Path(path).name
        if b"%PDF-" not in data[:1024]:
            raise ReadError(f"文件扩展名为 .pdf，但内容不是 PDF（缺少 %PDF- 文件头）：{name}")
        warnings: list[str] = []
        pages, title_hint, date_hint = _read_pages(data, name, warnings)
        if _is_scanned(pages):
            return _ocr(path, data)
        doc = assemble(str(path), pages, warnings)
        doc.title_hint, doc.date_hint = title_hint, date_hint
        return doc


def _other_format(head: bytes) -> bool:
    """Content that is clearly not a PDF whatever the name says (HTML, ZIP, OLE)."""
    h = head.lstrip()[:8]
    return h.startswith((b"<", b"PK\x03\x04", b"\xd0\xcf\x11\xe0"))


# ---------------------------------------------------------------- opening

def _open(data: bytes, name: str) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as e:
        code = getattr(e, "err_code", None)
        if code in (R.FPDF_ERR_PASSWORD, R.FPDF_ERR_SECURITY):
            raise ReadError(f"PDF 已加密，无法读取：{name}（需要打开密码或使用了不支持的加密方式）") from None
        raise ReadError(f"PDF 文件已损坏或不完整，无法读取：{name}（{e}）") from None


def _read_pages(data: bytes, name: str, warnings: list[str]) -> tuple[list[PageContent], str | None, str | None]:
    with PDFIUM_LOCK:      # PDFium is not thread-safe
        return _read_pages_locked(data, name, warnings)


def _read_pages_locked(data: bytes, name: str, warnings: list[str]) -> tuple[list[PageContent], str | None, str | None]:
    doc = _open(data, name)
    try:
        n = len(doc)
        if n == 0:
            raise ReadError(f"PDF 没有页面：{name}")
        if n > Limits.max_pdf_pages:
            raise ReadError(f"PDF 页数过多（{n} 页，上限 {Limits.max_pdf_pages} 页）：{name}")
        pages = []
        for i in range(n):
            try:
                page = doc[i]
                try:
                    pages.append(read_page(page, i + 1))
                finally:
                    page.close()
            except pdfium.PdfiumError:
                warnings.append(f"第{i + 1}页已损坏，无法读取，已跳过")
        if not pages:
            raise ReadError(f"PDF 的页面都已损坏，无法读取：{name}")
        return pages, _title_hint(doc), _date_hint(doc)
    finally:
        doc.close()


def _title_hint(doc: pdfium.PdfDocument) -> str | None:
    title = doc.get_metadata_value("Title").strip()
    title = re.sub(r"^Microsoft (?:Word|PowerPoint) - ", "", title)
    title = re.sub(r"\.(?:docx?|wps|pdf)$", "", title, flags=re.I).strip()
    if re.search(r"政府信息公开|年度报告|工作报告", title):
        return title
    return None


def _date_hint(doc: pdfium.PdfDocument) -> str | None:
    for key in ("CreationDate", "ModDate"):
        m = re.match(r"(?:D:)?((?:19|20)\d\d)(\d\d)(\d\d)", doc.get_metadata_value(key).strip())
        if m and 1 <= int(m.group(2)) <= 12 and 1 <= int(m.group(3)) <= 31:
            return f"{m.group(1)}-{m.group(2)}-{m.group(3)}"
    return None


# ---------------------------------------------------------------- scanned PDFs

def _is_scanned(pages: list[PageContent]) -> bool:
    """Most pages are images with (almost) no text, or the PDF has no text at all."""
    if sum(len(p.chars) for p in pages) == 0:
        return True
    imaged = sum(1 for p in pages if len(p.chars) < SCANNED_PAGE_CHARS and p.n_images)
    return imaged * 2 > len(pages)


def _ocr(path: Path, data: bytes) -> GridDocument:
    try:   # written separately and optional: looked up at run time
        ocr = importlib.import_module(f"{__package__}.ocr")
    except ImportError:
        raise ReadError(OCR_HINT) from None
    available = getattr(ocr, "ocr_available", None)
    reader = getattr(ocr, "OcrReader", None)
    if available is None or reader is None or not available():
        raise ReadError(OCR_HINT)
    return reader().convert(path, data)


# ---------------------------------------------------------------- assembly

def assemble(file: str, pages: list[PageContent], warnings: list[str] | None = None) -> GridDocument:
    """The grid document of pages already read: tables, then paragraphs, in reading order."""
    return _Assembler(file, warnings if warnings is not None else []).build(pages)


@dataclass
class _Item:
    """One block of a page in reading order: a text line or a table."""
    page: int
    top: float
    line: Line | None = None
    line_no: int = 0                # 1-based among the page's lines outside tables
    table: RawTable | None = None


class _Assembler:
    def __init__(self, file: str, warnings: list[str]):
        self.file = file
        self.warnings = warnings

    def build(self, pages: list[PageContent]) -> GridDocument:
        page_items = [self._page_items(p) for p in pages]
        self._drop_furniture(pages, page_items)
        items = self._join_tables(page_items)
        doc = GridDocument(source=self.file, format="pdf", warnings=self.warnings)
        doc.blocks = self._blocks(items)
        return doc

    # -- per page

    def _page_items(self, page: PageContent) -> list[_Item]:
        if len(page.chars) < SCANNED_PAGE_CHARS and page.image_coverage > IMAGE_PAGE:
            self.warnings.append(f"第{page.number}页没有文本层（可能是图片），该页内容无法读取")
        elif page.image_coverage > IMAGE_BLOCK:
            self.warnings.append(f"第{page.number}页含有大幅图片，图片中的文字（可能是表格）无法读取")
        tables = find_tables(page.edges, page.number, self.warnings)
        chars = page.chars
        kept: list[RawTable] = []
        for t in tables:
            chars = fill(t, chars)
            if any(c.text for c in t.cells):
                kept.append(t)
        lines = group_lines(chars)
        stream_tables, lines = find_stream_tables(lines, page.number)
        items = [_Item(page.number, ln.top, line=ln) for ln in lines]
        for i, it in enumerate(items, 1):
            it.line_no = i
        items += [_Item(page.number, t.top, table=t) for t in kept + stream_tables]
        items.sort(key=lambda it: it.top)
        return items

    def _drop_furniture(self, pages: list[PageContent], page_items: list[list[_Item]]) -> None:
        lines = [[it for it in items if it.line is not None] for items in page_items]
        drop = furniture([[it.line for it in ls] for ls in lines], [p.height for p in pages])
        for items, ls, d in zip(page_items, lines, drop):
            gone = {id(ls[i]) for i in d}
            items[:] = [it for it in items if id(it) not in gone]

    def _join_tables(self, page_items: list[list[_Item]]) -> list[_Item]:
        """Flatten the pages, joining a page's first table onto the last table before it
        (only a 续表 caption may stand between them)."""
        out: list[_Item] = []
        for items in page_items:
            k = 0
            while k < len(items) and items[k].line is not None and _CONTINUED.match(items[k].line.text):
                k += 1
            if (k < len(items) and out and items[k].table is not None and out[-1].table is not None
                    and out[-1].page == items[k].page - 1 and continues(out[-1].table, items[k].table)):
                merge(out[-1].table, items[k].table)
                items = items[k + 1:]
            out.extend(items)
        return out

    # -- blocks

    def _blocks(self, items: list[_Item]) -> list:
        page_margins = self._margins(items)
        blocks: list = []
        para: list[_Item] = []
        n_tables = 0
        for it in items:
            if it.table is not None:
                if para:
                    blocks.append(self._paragraph(para))
                    para = []
                blocks.append(self._grid_table(it.table, n_tables))
                n_tables += 1
                continue
            if para and self._breaks(para[-1], it, page_margins):
                blocks.append(self._paragraph(para))
                para = []
            para.append(it)
        if para:
            blocks.append(self._paragraph(para))
        return blocks

    @staticmethod
    def _margins(items: list[_Item]) -> dict[int, tuple[float, float]]:
        by_page: dict[int, list[Line]] = {}
        for it in items:
            if it.line is not None:
                by_page.setdefault(it.page, []).append(it.line)
        return {p: margins(ls) for p, ls in by_page.items()}

    @staticmethod
    def _breaks(prev: _Item, it: _Item, page_margins: dict[int, tuple[float, float]]) -> bool:
        left, right = page_margins[it.page]
        _, prev_right = page_margins[prev.page]
        return starts_paragraph(prev.line, it.line, prev_right, left, same_page=prev.page == it.page)

    def _paragraph(self, items: list[_Item]) -> Paragraph:
        text = items[0].line.text.strip()
        for it in items[1:]:
            nxt = it.line.text.strip()
            sep = " " if text[-1:].isascii() and text[-1:].isalnum() and nxt[:1].isascii() and nxt[:1].isalnum() else ""
            text += sep + nxt
        first = items[0]
        return Paragraph(text=text, source=Source(file=self.file, page=first.page, line=first.line_no))

    def _grid_table(self, t: RawTable, index: int) -> GridTable:
        cells = [GridCell(text=c.text, row=c.row, col=c.col, rowspan=c.rowspan, colspan=c.colspan,
                          source=Source(file=self.file, page=c.page, table=index, row=c.row, col=c.col,
                                        bbox=tuple(round(v, 2) for v in c.bbox)))
                 for c in t.cells]
        if len(cells) > Limits.max_table_cells:
            raise ReadError(f"PDF 表格过大（{len(cells)} 个单元格，上限 {Limits.max_table_cells}）")
        return GridTable(cells=cells, source=Source(file=self.file, page=t.page, table=index),
                         columns_reliable=t.columns_reliable)
