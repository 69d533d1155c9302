"""PDF reader: a published ``.pdf`` report → ``GridDocument``.

Owns the reader itself: recognising a PDF by content, reading its pages (``pdf_page``:
opened with ``open_pdf`` under the PDFium lock; damaged, encrypted, empty or too long →
``ReadError`` in Chinese with its code; a damaged page skipped with a warning), the
metadata hints, and routing a scanned PDF (no text layer) to the OCR reader. The
document is built by the shared assembly (``pdf_assemble.assemble``: ruled and unruled
tables, tables across pages, paragraphs, page furniture), which OCR uses too.
"""
from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium

from ..grid import GridDocument
from .base import ReadError, Reader
from .pdf_assemble import SCANNED_PAGE_CHARS, assemble
from .pdf_page import PageContent, date_hint, open_pdf, read_page, title_hint


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
        pages, title, date = _read_pages(data, name, warnings)
        if _is_scanned(pages):
            from .ocr import ocr_pdf      # only scanned PDFs need the OCR reader
            return ocr_pdf(path, data)
        doc = assemble(str(path), pages, warnings)
        doc.title_hint, doc.date_hint = title, date
        return doc


def _other_format(head: bytes) -> bool:
    """Content that is clearly not a PDF whatever the name says (HTML, ZIP, OLE)."""
    h = head.lstrip()[:8]
    return h.startswith((b"<", b"PK\x03\x04", b"\xd0\xcf\x11\xe0"))


def _read_pages(data: bytes, name: str, warnings: list[str]) -> tuple[list[PageContent], str | None, str | None]:
    """Every page's content and the metadata hints (title, date)."""
    with open_pdf(data, name) as doc:
        pages = []
        for i in range(len(doc)):
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
        return pages, title_hint(doc), date_hint(doc)


def _is_scanned(pages: list[PageContent]) -> bool:
    """Most pages are images with (almost) no text, or the PDF has no text at all."""
    if sum(len(p.chars) for p in pages) == 0:
        return True
    imaged = sum(1 for p in pages if len(p.chars) < SCANNED_PAGE_CHARS and p.n_images)
    return imaged * 2 > len(pages)
