"""Assembly of positioned page content into a ``GridDocument``, for the PDF and OCR readers.

Owns the public assembly API, ``assemble(file, pages, warnings, format=...)``: pages of
characters with their positions and ruling lines (``pdf_page.PageContent``, in points,
whether read from a text layer or recognised in a scan) → the document in reading order:

- ruled tables on their true grid (``pdf_lattice``), a table broken across pages (only a
  续表 caption between the pieces) joined into one ``GridTable``;
- unruled tables as row/segment grids (``pdf_stream``, ``columns_reliable=False``);
- the remaining text lines (``pdf_text``) as paragraphs, with running headers, footers
  and page numbers dropped and lines wrapped at the right margin joined again;
- a warning for a page whose content is a picture without text (``IMAGE_PAGE``) or holds
  a large picture (``IMAGE_BLOCK``), whose text cannot be read.

Cells carry their page, table, row, column and box (``Source.bbox``, points); a reader
that knows how sure it is of a cell (OCR) sets ``GridCell.confidence`` afterwards.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..grid import GridCell, GridDocument, GridTable, Paragraph, Source
from ..vocab import ErrorCode
from .base import Limits, ReadError
from .pdf_lattice import RawTable, continues, fill, find_tables, merge
from .pdf_page import PageContent
from .pdf_stream import find_stream_tables
from .pdf_text import Line, furniture, group_lines, margins, starts_paragraph

# A page with fewer printed characters than this and an image on it is a scanned page.
SCANNED_PAGE_CHARS = 20
# Image share of a page above which a text-less page is a picture, and above which a
# picture on a text page may hold content (a table published as an image).
IMAGE_PAGE, IMAGE_BLOCK = 0.3, 0.15
# A caption printed above the continuation of a table: 续表, （续）, 续表一.
_CONTINUED = re.compile(r"^\s*[（(]?\s*续\s*(?:表\s*\S{0,4})?\s*[)）]?\s*$")


def assemble(file: str, pages: list[PageContent], warnings: list[str] | None = None, *,
             format: str = "pdf") -> GridDocument:
    """The grid document of ``pages`` (in order): tables and paragraphs in reading order.
    ``warnings`` (the list becomes the document's) receives what could not be read;
    ``format`` is the document's ``GridDocument.format``."""
    return _Assembler(file, warnings if warnings is not None else []).build(pages, format)


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

    def build(self, pages: list[PageContent], format: str) -> GridDocument:
        page_items = [self._page_items(p) for p in pages]
        self._drop_furniture(pages, page_items)
        items = self._join_tables(page_items)
        doc = GridDocument(source=self.file, format=format, warnings=self.warnings)
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
        drop = furniture([[it.line for it in ls if it.line is not None] for ls in lines], [p.height for p in pages])
        for items, ls, d in zip(page_items, lines, drop):
            gone = {id(ls[i]) for i in d}
            items[:] = [it for it in items if id(it) not in gone]

    def _join_tables(self, page_items: list[list[_Item]]) -> list[_Item]:
        """Flatten the pages, joining a page's first table onto the last table before it
        (only a 续表 caption may stand between them)."""
        out: list[_Item] = []
        for items in page_items:
            k = 0
            while k < len(items) and (line := items[k].line) is not None and _CONTINUED.match(line.text):
                k += 1
            if k < len(items) and out:
                prev, nxt = out[-1].table, items[k].table
                if (prev is not None and nxt is not None and out[-1].page == items[k].page - 1
                        and continues(prev, nxt)):
                    merge(prev, nxt)
                    items = items[k + 1:]
            out.extend(items)
        return out

    # -- blocks

    def _blocks(self, items: list[_Item]) -> list[Paragraph | GridTable]:
        page_margins = self._margins(items)
        blocks: list[Paragraph | GridTable] = []
        para: list[tuple[_Item, Line]] = []       # the lines of the paragraph being built
        n_tables = 0
        for it in items:
            if it.table is not None:
                if para:
                    blocks.append(self._paragraph(para))
                    para = []
                blocks.append(self._grid_table(it.table, n_tables))
                n_tables += 1
                continue
            if it.line is None:
                continue
            if para and self._breaks(para[-1], (it, it.line), page_margins):
                blocks.append(self._paragraph(para))
                para = []
            para.append((it, it.line))
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
    def _breaks(prev: tuple[_Item, Line], cur: tuple[_Item, Line],
                page_margins: dict[int, tuple[float, float]]) -> bool:
        (prev_item, prev_line), (item, line) = prev, cur
        left, _ = page_margins[item.page]
        _, prev_right = page_margins[prev_item.page]
        return starts_paragraph(prev_line, line, prev_right, left, same_page=prev_item.page == item.page)

    def _paragraph(self, lines: list[tuple[_Item, Line]]) -> Paragraph:
        text = lines[0][1].text.strip()
        for _, line in lines[1:]:
            nxt = line.text.strip()
            sep = " " if text[-1:].isascii() and text[-1:].isalnum() and nxt[:1].isascii() and nxt[:1].isalnum() else ""
            text += sep + nxt
        first = lines[0][0]
        return Paragraph(text=text, source=Source(file=self.file, page=first.page, line=first.line_no))

    def _grid_table(self, t: RawTable, index: int) -> GridTable:
        cells = [GridCell(text=c.text, row=c.row, col=c.col, rowspan=c.rowspan, colspan=c.colspan,
                          source=Source(file=self.file, page=c.page, table=index, row=c.row, col=c.col,
                                        bbox=(round(c.bbox[0], 2), round(c.bbox[1], 2),
                                              round(c.bbox[2], 2), round(c.bbox[3], 2))))
                 for c in t.cells]
        if len(cells) > Limits.max_table_cells:
            raise ReadError(f"PDF 表格过大（{len(cells)} 个单元格，上限 {Limits.max_table_cells}）",
                            ErrorCode.FILE_TOO_LARGE)
        return GridTable(cells=cells, source=Source(file=self.file, page=t.page, table=index),
                         columns_reliable=t.columns_reliable)
