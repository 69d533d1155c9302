"""The grid document: the one intermediate form every reader produces.

Owns: ``Source`` (where a piece of text came from), ``GridCell``/``GridTable`` (cells with
row/col spans) and ``Paragraph``, collected in a ``GridDocument``. Nothing format-specific
exists past this point: the extractor only sees grid documents.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class Source:
    """Provenance of a paragraph or a cell in the original file."""
    file: str
    page: int | None = None        # 1-based page (PDF, OCR)
    line: int | None = None        # 1-based line (text renderings)
    table: int | None = None       # 0-based index of the table in the document
    row: int | None = None         # 0-based row in the source table
    col: int | None = None         # 0-based column in the source table (after spans)
    bbox: tuple[float, float, float, float] | None = None  # x0, top, x1, bottom (PDF points / pixels)

    def to_dict(self) -> dict:
        d: dict = {"file": self.file}
        for k in ("page", "line", "table", "row", "col"):
            v = getattr(self, k)
            if v is not None:
                d[k] = v
        if self.bbox is not None:
            d["bbox"] = self.bbox
        return d

    def describe(self) -> str:
        """Short Chinese description: 第3页 第12行 表2 行4 列5."""
        parts = []
        if self.page is not None:
            parts.append(f"第{self.page}页")
        if self.line is not None:
            parts.append(f"第{self.line}行")
        if self.table is not None:
            parts.append(f"表{self.table + 1}")
        if self.row is not None:
            parts.append(f"行{self.row + 1}")
        if self.col is not None:
            parts.append(f"列{self.col + 1}")
        return " ".join(parts)


# A cell read with a confidence below this is doubtful: the extractor notes it
# (``ocr-low-confidence``) and the reader lists it in its warnings, never a silent value.
# 0.80: every value the OCR reader misreads in the test scans (tests/test_ocr.py) scores
# under it; digit lookalikes it corrected and values read only on a second look are
# capped under it (0.7, 0.75), so they are always checked.
LOW_CONFIDENCE = 0.80


@dataclass(slots=True)
class GridCell:
    text: str
    row: int
    col: int
    rowspan: int = 1
    colspan: int = 1
    source: Source | None = None
    confidence: float | None = None   # how sure the reader is of the text, in [0, 1] (OCR); None: certain


@dataclass(slots=True)
class GridTable:
    """A table as the source lays it out.

    ``columns_reliable`` is True when ``col`` reflects the true grid position (HTML, DOCX,
    ruled PDF tables). Text renderings that drop merged cells (DOCX→text, PDF→text) set it
    False: the extractor then aligns values by row, not by column.
    ``rows_reliable`` is False for renderings with no row boundaries (HTML→text with
    ``|`` separators): cells are then one stream in reading order.
    """
    cells: list[GridCell]
    source: Source | None = None
    columns_reliable: bool = True
    rows_reliable: bool = True

    @property
    def n_rows(self) -> int:
        return max((c.row + c.rowspan for c in self.cells), default=0)

    @property
    def n_cols(self) -> int:
        return max((c.col + c.colspan for c in self.cells), default=0)

    def rows(self) -> list[list[GridCell]]:
        """Cells grouped by their starting row, each row ordered by column."""
        out: list[list[GridCell]] = [[] for _ in range(self.n_rows)]
        for c in self.cells:
            out[c.row].append(c)
        for r in out:
            r.sort(key=lambda c: c.col)
        return out

    def text(self) -> str:
        return "\n".join("\t".join(c.text for c in r) for r in self.rows())


@dataclass(slots=True)
class Paragraph:
    text: str
    source: Source | None = None
    style: str | None = None   # "title", "heading", or None


@dataclass(slots=True)
class GridDocument:
    source: str                               # the path as given
    format: str                               # text | html | docx | pdf | ocr | doc
    blocks: list[Paragraph | GridTable] = field(default_factory=list)
    title_hint: str | None = None             # HTML <title>/meta, DOCX/PDF metadata title
    date_hint: str | None = None              # a publication date the container states
    warnings: list[str] = field(default_factory=list)   # reader notes, in Chinese
    encoding: str | None = None

    @property
    def tables(self) -> list[GridTable]:
        return [b for b in self.blocks if isinstance(b, GridTable)]

    @property
    def paragraphs(self) -> list[Paragraph]:
        return [b for b in self.blocks if isinstance(b, Paragraph)]

    def plain_text(self) -> str:
        out = []
        for b in self.blocks:
            out.append(b.text if isinstance(b, Paragraph) else b.text())
        return "\n".join(out)
