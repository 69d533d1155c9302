"""Low-level PDF access for the PDF and OCR readers, with PDFium (pypdfium2).

Owns:

- ``open_pdf(data, name)``: the one way the package opens a PDF. PDFium is not
  thread-safe (the web app reads two files at once in threads), so opening, page access,
  reading or rendering pages and closing all happen under ``PDFIUM_LOCK``; a damaged,
  encrypted, empty or too long PDF becomes a ``ReadError`` with its code. The metadata
  hints ``title_hint``/``date_hint`` of an open document;
- the page content both readers assemble, in *display* coordinates (points, origin at
  the top-left of the visible page, y growing downwards, page rotation applied):
  ``Char`` (one character with its loose box, and how sure the reader is of it),
  ``PageContent`` (a page's chars, ruling ``edges`` and image coverage) and ``edge()``
  (a ruling segment in the dict shape ``pdfplumber.table`` expects:
  ``x0 x1 top bottom width height orientation``);
- ``read_page``: one PDFium page of a digital PDF → ``PageContent`` (characters of the
  text layer, rules drawn by visible path objects, image coverage used to detect scanned
  pages).

PDFium parses a page in C, about ten times faster than pdfminer, which is why the reader
does not let pdfplumber parse pages; it only reuses pdfplumber's lattice algorithm.
"""
from __future__ import annotations

import ctypes
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as R

from ..vocab import ErrorCode
from .base import Limits, ReadError

# PDFium must not be called from two threads at once: every use of pypdfium2 in the
# package goes through ``open_pdf``, which holds this lock.
PDFIUM_LOCK = threading.RLock()
# A path thinner than this (points) is a drawn rule even when it is filled, not stroked.
THIN_RULE = 2.0
# Segments more slanted than this (points across their length) are not rules.
AXIS_TOLERANCE = 1.0
# Edges shorter than this are noise (pdfplumber's edge_min_length_prefilter).
MIN_EDGE = 1.0
# Nesting of form XObjects we follow when collecting rules and images.
MAX_FORM_DEPTH = 8

# A PDF transformation matrix (a b c d e f); PDFium objects are ctypes handles (Any).
Matrix = tuple[float, float, float, float, float, float]


@dataclass(slots=True)
class Char:
    """One character of a page. ``space_before``: a space (real or a gap) was seen just
    before it. ``confidence``: how sure the reader is of it, 1 for a PDF's text layer, the
    recognition score for OCR."""
    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    space_before: bool = False
    confidence: float = 1.0

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.top + self.bottom) / 2

    @property
    def height(self) -> float:
        return self.bottom - self.top


@dataclass(slots=True)
class PageContent:
    number: int                      # 1-based page number
    width: float
    height: float
    chars: list[Char] = field(default_factory=list)
    edges: list[dict] = field(default_factory=list)
    image_area: float = 0.0          # summed area of image objects, points²
    n_images: int = 0

    @property
    def image_coverage(self) -> float:
        area = self.width * self.height
        return min(1.0, self.image_area / area) if area > 0 else 0.0


# ---------------------------------------------------------------- opening

@contextmanager
def open_pdf(data: bytes, name: str) -> Iterator[pdfium.PdfDocument]:
    """The PDF ``data`` (file ``name``, for messages), open for the ``with`` block, which
    runs under ``PDFIUM_LOCK``: keep the block to PDFium work (no OCR inside it). Refuses
    a damaged, encrypted, page-less or too long (``Limits.max_pdf_pages``) PDF."""
    with PDFIUM_LOCK:
        try:
            doc = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as e:
            if getattr(e, "err_code", None) in (R.FPDF_ERR_PASSWORD, R.FPDF_ERR_SECURITY):
                raise ReadError(f"PDF 已加密，无法读取：{name}（需要打开密码或使用了不支持的加密方式）",
                                ErrorCode.ENCRYPTED_PDF) from None
            raise ReadError(f"PDF 文件已损坏或不完整，无法读取：{name}（{e}）") from None
        try:
            n = len(doc)
            if n == 0:
                raise ReadError(f"PDF 没有页面：{name}")
            if n > Limits.max_pdf_pages:
                raise ReadError(f"PDF 页数过多（{n} 页，上限 {Limits.max_pdf_pages} 页）：{name}",
                                ErrorCode.FILE_TOO_LARGE)
            yield doc
        finally:
            doc.close()


def title_hint(doc: pdfium.PdfDocument) -> str | None:
    """The metadata title when it names a report (minus a word processor's decorations)."""
    title = doc.get_metadata_value("Title").strip()
    title = re.sub(r"^Microsoft (?:Word|PowerPoint) - ", "", title)
    title = re.sub(r"\.(?:docx?|wps|pdf)$", "", title, flags=re.I).strip()
    if re.search(r"政府信息公开|年度报告|工作报告", title):
        return title
    return None


def date_hint(doc: pdfium.PdfDocument) -> str | None:
    """The creation (or modification) date of the metadata, as YYYY-MM-DD."""
    for key in ("CreationDate", "ModDate"):
        m = re.match(r"(?:D:)?((?:19|20)\d\d)(\d\d)(\d\d)", doc.get_metadata_value(key).strip())
        if m and 1 <= int(m.group(2)) <= 12 and 1 <= int(m.group(3)) <= 31:
            return f"{m.group(1)}-{m.group(2)}-{m.group(3)}"
    return None


# ---------------------------------------------------------------- page content

class _Transform:
    """PDF user space → display space (top-left origin, rotation applied)."""

    def __init__(self, page: pdfium.PdfPage):
        self.x0, self.y0, self.x1, self.y1 = page.get_bbox()
        self.rotation = page.get_rotation() % 360
        w, h = self.x1 - self.x0, self.y1 - self.y0
        self.width, self.height = (h, w) if self.rotation in (90, 270) else (w, h)

    def point(self, x: float, y: float) -> tuple[float, float]:
        r = self.rotation
        if r == 0:
            return x - self.x0, self.y1 - y
        if r == 90:
            return y - self.y0, x - self.x0
        if r == 180:
            return self.x1 - x, y - self.y0
        return self.y1 - y, self.x1 - x

    def box(self, left: float, bottom: float, right: float, top: float) -> tuple[float, float, float, float]:
        ax, ay = self.point(left, bottom)
        bx, by = self.point(right, top)
        return min(ax, bx), min(ay, by), max(ax, bx), max(ay, by)


def read_page(page: pdfium.PdfPage, number: int) -> PageContent:
    """Chars, ruling edges and image coverage of one page."""
    tf = _Transform(page)
    content = PageContent(number=number, width=tf.width, height=tf.height)
    textpage = page.get_textpage()
    try:
        content.chars = _read_chars(textpage, tf)
    finally:
        textpage.close()
    _walk_objects(page, tf, content)
    return content


def _read_chars(textpage: pdfium.PdfTextPage, tf: _Transform) -> list[Char]:
    raw = textpage.raw
    n = R.FPDFText_CountChars(raw)
    rect = R.FS_RECTF()
    prect = ctypes.byref(rect)
    # PDFium's generated chars are spaces and line breaks only: handled by the space test
    codes = _codes(raw, n)
    loose_box = R.FPDFText_GetLooseCharBox
    upright = tf.rotation == 0
    ox, oy = tf.x0, tf.y1
    box = tf.box
    out: list[Char] = []
    append = out.append
    pending_space = False
    high = 0   # a UTF-16 high surrogate waiting for its pair
    for i, code in enumerate(codes):
        if code < 0x21 or code in _SPACES:
            # PDFium adds CR/LF at line ends and spaces for gaps; both only separate words
            pending_space = code not in (0x0D, 0x0A)
            continue
        if 0xD800 <= code < 0xDC00:
            high = code
            continue
        if 0xDC00 <= code < 0xE000 and high:
            code = 0x10000 + ((high - 0xD800) << 10) + (code - 0xDC00)
        high = 0
        if code == 0xFFFE:
            continue
        loose_box(raw, i, prect)
        if upright:
            append(Char(chr(code), rect.left - ox, oy - rect.top, rect.right - ox, oy - rect.bottom, pending_space))
        else:
            x0, top, x1, bottom = box(rect.left, rect.bottom, rect.right, rect.top)
            append(Char(chr(code), x0, top, x1, bottom, pending_space))
        pending_space = False
    return out


def _codes(raw: Any, n: int) -> list[int]:
    """The page's character codes in one call; char by char where the page has
    characters outside the BMP (so that char indexes and text positions agree)."""
    buf = (ctypes.c_ushort * (n + 1))()
    R.FPDFText_GetText(raw, 0, n, ctypes.cast(buf, ctypes.POINTER(ctypes.c_ushort)))
    codes = buf[:n]
    if any(0xD800 <= c < 0xE000 for c in codes):
        return [R.FPDFText_GetUnicode(raw, i) for i in range(n)]
    return codes


# Unicode spaces (besides ASCII controls and space) that only separate words.
_SPACES = frozenset({0x85, 0xA0, 0x1680, *range(0x2000, 0x200C), 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF})


def _walk_objects(page: pdfium.PdfPage, tf: _Transform, content: PageContent) -> None:
    raw_page = page.raw
    identity = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    get_object, get_type = R.FPDFPage_GetObject, R.FPDFPageObj_GetType
    text = R.FPDF_PAGEOBJ_TEXT
    for i in range(R.FPDFPage_CountObjects(raw_page)):
        obj = get_object(raw_page, i)
        kind = get_type(obj)
        if kind != text:
            _visit(obj, kind, identity, tf, content, 0)


def _visit(obj: Any, kind: int, outer: Matrix, tf: _Transform, content: PageContent, depth: int) -> None:
    if kind == R.FPDF_PAGEOBJ_PATH:
        content.edges.extend(_path_edges(obj, outer, tf))
    elif kind == R.FPDF_PAGEOBJ_IMAGE:
        _add_image(obj, outer, tf, content)
    elif kind == R.FPDF_PAGEOBJ_FORM and depth < MAX_FORM_DEPTH:
        m = _compose(_matrix(obj), outer)
        for j in range(R.FPDFFormObj_CountObjects(obj)):
            child = R.FPDFFormObj_GetObject(obj, j)
            _visit(child, R.FPDFPageObj_GetType(child), m, tf, content, depth + 1)


def _matrix(obj: Any) -> Matrix:
    m = R.FS_MATRIX()
    if not R.FPDFPageObj_GetMatrix(obj, ctypes.byref(m)):
        return (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    return (m.a, m.b, m.c, m.d, m.e, m.f)


def _compose(inner: Matrix, outer: Matrix) -> Matrix:
    """The matrix applying ``inner`` first, then ``outer`` (PDF row-vector convention)."""
    a, b, c, d, e, f = inner
    A, B, C, D, E, F = outer
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D,
            e * A + f * C + E, e * B + f * D + F)


def _apply(m: Matrix, x: float, y: float) -> tuple[float, float]:
    a, b, c, d, e, f = m
    return a * x + c * y + e, b * x + d * y + f


def _add_image(obj: Any, outer: Matrix, tf: _Transform, content: PageContent) -> None:
    left, bottom, right, top = ctypes.c_float(), ctypes.c_float(), ctypes.c_float(), ctypes.c_float()
    if not R.FPDFPageObj_GetBounds(obj, ctypes.byref(left), ctypes.byref(bottom), ctypes.byref(right), ctypes.byref(top)):
        return
    pts = [_apply(outer, x, y) for x, y in ((left.value, bottom.value), (right.value, top.value))]
    x0, y0, x1, y1 = tf.box(pts[0][0], pts[0][1], pts[1][0], pts[1][1])
    w = max(0.0, min(x1, tf.width) - max(x0, 0.0))
    h = max(0.0, min(y1, tf.height) - max(y0, 0.0))
    content.image_area += w * h
    content.n_images += 1


def _visible(obj: Any, stroke: bool) -> bool:
    """False for paint that cannot be seen: fully transparent or white."""
    r, g, b, a = ctypes.c_uint(), ctypes.c_uint(), ctypes.c_uint(), ctypes.c_uint()
    getter = R.FPDFPageObj_GetStrokeColor if stroke else R.FPDFPageObj_GetFillColor
    if not getter(obj, ctypes.byref(r), ctypes.byref(g), ctypes.byref(b), ctypes.byref(a)):
        return True
    if a.value == 0:
        return False
    return not (r.value >= 245 and g.value >= 245 and b.value >= 245)


def _subpaths(obj: Any, m: Matrix) -> list[list[tuple[float, float]]]:
    """Polylines of a path in page user space; curves end a polyline (they are never rules)."""
    out: list[list[tuple[float, float]]] = []
    cur: list[tuple[float, float]] = []
    x, y = ctypes.c_float(), ctypes.c_float()
    px, py = ctypes.byref(x), ctypes.byref(y)
    for k in range(R.FPDFPath_CountSegments(obj)):
        seg = R.FPDFPath_GetPathSegment(obj, k)
        R.FPDFPathSegment_GetPoint(seg, px, py)
        kind = R.FPDFPathSegment_GetType(seg)
        pt = _apply(m, x.value, y.value)
        if kind == R.FPDF_SEGMENT_MOVETO:
            if len(cur) > 1:
                out.append(cur)
            cur = [pt]
        elif kind == R.FPDF_SEGMENT_LINETO:
            cur.append(pt)
        else:   # Bézier: break the polyline here
            if len(cur) > 1:
                out.append(cur)
            cur = [pt]
        if R.FPDFPathSegment_GetClose(seg) and cur:
            cur.append(cur[0])
            out.append(cur)
            cur = [cur[0]]
    if len(cur) > 1:
        out.append(cur)
    return out


def _path_edges(obj: Any, outer: Matrix, tf: _Transform) -> list[dict]:
    fillmode, stroke = ctypes.c_int(), ctypes.c_int()
    if not R.FPDFPath_GetDrawMode(obj, ctypes.byref(fillmode), ctypes.byref(stroke)):
        return []
    stroked = bool(stroke.value) and _visible(obj, stroke=True)
    filled = fillmode.value != R.FPDF_FILLMODE_NONE and _visible(obj, stroke=False)
    if not (stroked or filled):
        return []
    m = _compose(_matrix(obj), outer)
    edges: list[dict] = []
    for poly in _subpaths(obj, m):
        pts = [tf.point(px, py) for px, py in poly]
        if stroked:
            edges.extend(_segment_edges(pts))
        elif filled:
            rule = _thin_fill_edge(pts)
            if rule:
                edges.append(rule)
    return edges


def _segment_edges(pts: list[tuple[float, float]]) -> list[dict]:
    edges = []
    for (ax, ay), (bx, by) in zip(pts, pts[1:]):
        if abs(ay - by) <= AXIS_TOLERANCE and abs(ax - bx) >= MIN_EDGE:
            edges.append(edge("h", min(ax, bx), max(ax, bx), (ay + by) / 2, (ay + by) / 2))
        elif abs(ax - bx) <= AXIS_TOLERANCE and abs(ay - by) >= MIN_EDGE:
            edges.append(edge("v", (ax + bx) / 2, (ax + bx) / 2, min(ay, by), max(ay, by)))
    return edges


def _thin_fill_edge(pts: list[tuple[float, float]]) -> dict | None:
    """A filled sliver (a rule drawn as a thin rectangle) → its centre line."""
    xs = [p[0] for p in pts]
    ys = [p[1] for p in pts]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    w, h = x1 - x0, y1 - y0
    if h <= THIN_RULE and w >= MIN_EDGE and w > h:
        return edge("h", x0, x1, (y0 + y1) / 2, (y0 + y1) / 2)
    if w <= THIN_RULE and h >= MIN_EDGE and h > w:
        return edge("v", (x0 + x1) / 2, (x0 + x1) / 2, y0, y1)
    return None


def edge(orientation: str, x0: float, x1: float, top: float, bottom: float) -> dict:
    """A ruling segment (``orientation`` "h" or "v") as ``pdfplumber.table`` takes it."""
    return {"orientation": orientation, "x0": x0, "x1": x1, "top": top, "bottom": bottom,
            "width": x1 - x0, "height": bottom - top, "object_type": "line"}
