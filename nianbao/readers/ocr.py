"""OCR reader: scanned PDFs and images of tables → ``GridDocument`` (optional extra).

Owns everything between a picture of a page and the grid the extractor reads:

- ``ocr_available()``: whether the optional extra (``pip install 'nianbao[ocr]'``, which
  brings rapidocr-onnxruntime with its models inside the wheel, so it works offline) is
  installed;
- ``OcrReader``: ``.png .jpg .jpeg .tif .tiff .bmp`` images (every frame of a TIFF is a
  page) and, called by the PDF reader, PDFs without a text layer;
- ``ocr_pdf(path, data)``: PDF pages rendered with PDFium at ``DPI``, one page at a time,
  each opened, rendered and closed through ``pdf_page.open_pdf`` (under the PDFium lock:
  the web app reads two files at once in threads; the OCR itself runs outside it);
- per page: noise removal (isolated specks cleared when the page is speckled), deskew
  (the angle that makes the horizontal projection of dark pixels sharpest, searched
  within ±``MAX_SKEW`` degrees, then rotated with Pillow), low-resolution scans scaled up
  to ``DPI``, ruling-line detection (long runs of dark pixels in numpy, with the text
  boxes of a detector-only OCR pass left out so character strokes are not taken for
  rules), erasing those rules (a rule beside a digit would read as ``1``), OCR of the
  cleaned page with per-character boxes, a second look at what it left unread (detector
  boxes with no text, ruled cells with ink but no text: recognised on their own), and a
  vertical rule dropped where it runs through a recognised character;
- the page is built as the PDF reader's page content (``pdf_page.Char`` with its OCR
  score as ``confidence``, ruling ``edge``s, in PDF points: ``PageContent``) and
  assembled by the same public assembly (``pdf_assemble.assemble``) — ruled tables on
  their true grid, unruled tables by rows, paragraphs, page furniture, tables continued
  across pages — so a scan and its original read the same way (``format="ocr"``);
- confidence: ``GridCell.confidence`` is the lowest OCR score in the cell; a value whose
  digit lookalikes were corrected (``o`` → ``0``, a speck read as ``.``) or that was only
  read on the second look is capped below ``grid.LOW_CONFIDENCE``; a cell with ink that
  nothing was read from gets confidence 0. Each such value is listed in
  ``GridDocument.warnings``; the extractor turns such cells into keyed
  ``ocr-low-confidence`` notes (``extract.confidence``): never a silent value. The
  document always says its values came from OCR;
- limits: images over ``MAX_IMAGE_PIXELS`` refused (decompression bombs), pages scaled
  to at most ``MAX_PAGE_PIXELS``, at most ``MAX_OCR_PAGES`` pages, one page in memory at
  a time. ``NIANBAO_OCR_DEBUG=folder`` saves each page with what was found drawn on it.

Heavy dependencies (numpy, Pillow, rapidocr) are imported lazily: this module imports
without the extra, and then refuses with a Chinese message saying what to install.
"""
from __future__ import annotations

import io
import math
import os
import re
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..grid import LOW_CONFIDENCE, GridDocument
from ..vocab import ErrorCode
from .base import ReadError, Reader
from .pdf_assemble import assemble
from .pdf_page import Char, PageContent, edge, open_pdf, title_hint

if TYPE_CHECKING:
    import numpy as np
    from PIL import Image

# Rendering resolution for PDF pages (dots per inch); images scanned below ``MIN_DPI``
# are scaled up to it.
DPI = 200
MIN_DPI = 180
# Pages are rendered / images scaled down to at most this many pixels.
MAX_PAGE_PIXELS = 25_000_000
# Images larger than this (pixels, before decoding) are refused: decompression bombs.
MAX_IMAGE_PIXELS = 100_000_000
# More pages than this are not OCR'd (a report has a handful; OCR costs seconds a page).
MAX_OCR_PAGES = 60
# Skew search range and resolution (degrees).
MAX_SKEW = 5.0
# Text the OCR engine scores lower than this is noise and is dropped (an empty cell with
# ink in it is reported by the ink check instead).
MIN_TEXT_SCORE = 0.3
# Confidence given to a value whose digit lookalikes were corrected (o → 0), and to one
# read only on a second, closer look at a box the first pass read nothing from: both
# under ``LOW_CONFIDENCE``, so such a value is always reported for checking.
CORRECTED_CONFIDENCE = 0.7
SECOND_CHANCE_CONFIDENCE = 0.75
# Share of isolated dark pixels above which a page is despeckled before reading.
SPECKLED = 0.02
# Individual low-confidence findings listed before summarising.
MAX_LISTED = 40

OCR_HINT = "识别扫描件或图片需要安装 OCR 组件：pip install 'nianbao[ocr]'"
PDF_OCR_HINT = f"该 PDF 没有文本层（可能是扫描件）。{OCR_HINT}"
OCR_NOTICE = "本文件的内容由 OCR（光学字符识别）从图片中识别得到，数值可能有误，请与原件核对"

# A box: x0, top, x1, bottom.
Box = tuple[float, float, float, float]

_IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*", b"BM")
# Characters a lone digit is misread as: a serif "0" alone in a cell often reads as "。".
_DIGIT_LOOKALIKES = str.maketrans({"o": "0", "O": "0", "〇": "0", "。": "0", "D": "0", "Q": "0",
                                   "l": "1", "I": "1", "|": "1"})
_SPECKS = ".,，．·・'‘’`:：、"
_NUMERIC_OCR = re.compile(r"^[0-9oO〇。DQlI|" + re.escape(_SPECKS) + r"]+$")


# ---------------------------------------------------------------- availability

@lru_cache(maxsize=1)
def ocr_available() -> bool:
    """True when the OCR extra (rapidocr-onnxruntime, numpy, Pillow) can be imported."""
    try:
        import numpy  # noqa: F401
        import PIL  # noqa: F401
        import rapidocr_onnxruntime  # noqa: F401
    except Exception:  # ImportError, or a broken onnxruntime install
        return False
    return True


_ENGINE = None
_ENGINE_LOCK = threading.Lock()


def _engine() -> Any:
    """The OCR engine, created once per process (loading the models takes a moment)."""
    global _ENGINE
    with _ENGINE_LOCK:
        if _ENGINE is None:
            import logging

            from rapidocr_onnxruntime import RapidOCR
            logging.getLogger("RapidOCR").setLevel(logging.ERROR)
            _ENGINE = RapidOCR(use_cls=False, print_verbose=False)
        return _ENGINE


# ---------------------------------------------------------------- reader

class OcrReader(Reader):
    name = "ocr"
    extensions = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp")

    @classmethod
    def is_valid(cls, path: Path, head: bytes) -> bool:
        if head.startswith(_IMAGE_MAGIC[:4]):
            return True
        if head.startswith(b"BM") and Path(path).suffix.lower() == ".bmp":
            return True
        return Path(path).suffix.lower() in cls.extensions and not head.startswith((b"%PDF", b"PK\x03\x04", b"<"))

    def convert(self, path: Path, data: bytes) -> GridDocument:
        name = Path(path).name
        if b"%PDF-" in data[:1024]:
            return ocr_pdf(path, data)
        if not ocr_available():
            raise ReadError(f"{OCR_HINT}（{name} 是图片）", ErrorCode.NEEDS_OCR)
        return _Ocr(str(path), name).run(_image_pages(data, name))


def ocr_pdf(path: str | Path, data: bytes) -> GridDocument:
    """OCR every page of a PDF (rendered at ``DPI``) into one grid document."""
    name = Path(path).name
    if not ocr_available():
        raise ReadError(PDF_OCR_HINT, ErrorCode.NEEDS_OCR)
    title, total = _pdf_info(data, name)
    doc = _Ocr(str(path), name).run(_pdf_pages(data, name, total), total)
    doc.title_hint = title
    return doc


# ---------------------------------------------------------------- inputs

def _image_pages(data: bytes, name: str) -> Iterator[tuple[Image.Image, float]]:
    """The frames of an image file (every page of a TIFF), one at a time, as grayscale
    Pillow images with their resolution: (image, dpi)."""
    from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError
    try:
        im = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError:
        raise ReadError(f"图片尺寸过大，疑似异常文件，已拒绝：{name}") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as e:
        raise ReadError(f"图片文件已损坏或格式不受支持，无法识别：{name}（{type(e).__name__}）") from None
    w, h = im.size
    if w * h > MAX_IMAGE_PIXELS:
        raise ReadError(f"图片尺寸过大（{w}×{h} 像素），疑似异常文件，已拒绝：{name}")
    if w < 16 or h < 16:
        raise ReadError(f"图片太小（{w}×{h} 像素），无法识别文字：{name}")
    dpi = _image_dpi(im)
    n = 0
    frames = ImageSequence.Iterator(im)
    while n < MAX_OCR_PAGES:
        try:
            frame = next(frames)
            if frame.size[0] * frame.size[1] > MAX_IMAGE_PIXELS:
                raise ReadError(f"图片尺寸过大，疑似异常文件，已拒绝：{name}")
            frame = _to_gray(ImageOps.exif_transpose(frame) if n == 0 else frame)
        except StopIteration:
            return
        except ReadError:
            raise
        except Image.DecompressionBombError:
            raise ReadError(f"图片尺寸过大，疑似异常文件，已拒绝：{name}") from None
        except (OSError, ValueError, SyntaxError, EOFError, IndexError) as e:
            if n == 0:
                raise ReadError(f"图片文件已损坏或不完整，无法识别：{name}（{type(e).__name__}）") from None
            return          # a damaged later frame: the pages before it are read
        n += 1
        yield _limit_size(frame), dpi


def _to_gray(frame: Image.Image) -> Image.Image:
    from PIL import Image
    if frame.mode in ("RGBA", "LA", "PA") or (frame.mode == "P" and "transparency" in frame.info):
        rgba = frame.convert("RGBA")
        bg = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        frame = Image.alpha_composite(bg, rgba)
    if frame.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        frame = frame.point(lambda v: v / 256).convert("L") if frame.mode.startswith("I;16") else frame.convert("L")
    return frame.convert("L")


def _limit_size(im: Image.Image) -> Image.Image:
    w, h = im.size
    if w * h > MAX_PAGE_PIXELS:
        f = math.sqrt(MAX_PAGE_PIXELS / (w * h))
        im = im.resize((max(1, int(w * f)), max(1, int(h * f))))
    return im


def _image_dpi(im: Image.Image) -> float:
    """The image's resolution when it states a plausible one, else ``DPI``."""
    dpi = im.info.get("dpi")
    try:
        d = float(dpi[0]) if dpi else 0.0
    except (TypeError, ValueError, IndexError):
        d = 0.0
    return d if 60 <= d <= 1200 else float(DPI)


def _pdf_info(data: bytes, name: str) -> tuple[str | None, int]:
    """(title hint, page count); ``open_pdf`` refuses a PDF with no or too many pages."""
    with open_pdf(data, name) as pdf:
        return title_hint(pdf), len(pdf)


def _pdf_pages(data: bytes, name: str, total: int) -> Iterator[tuple[Image.Image, float]]:
    """The first ``MAX_OCR_PAGES`` pages rendered at ``DPI`` (less for huge pages), one at
    a time: (image, dpi). A damaged or tiny page is skipped."""
    for i in range(min(total, MAX_OCR_PAGES)):
        page = _render_page(data, name, i)
        if page is not None:
            yield page


def _render_page(data: bytes, name: str, index: int) -> tuple[Image.Image, float] | None:
    """Page ``index`` rendered in grayscale, with its resolution. The document is opened
    for this page alone, so the PDFium lock is held while PDFium works, never while a page
    is being recognised."""
    import pypdfium2 as pdfium
    with open_pdf(data, name) as pdf:
        try:
            page = pdf[index]
        except pdfium.PdfiumError:
            return None
        try:
            w, h = page.get_size()
            scale = DPI / 72.0
            if w * h * scale * scale > MAX_PAGE_PIXELS:
                scale = math.sqrt(MAX_PAGE_PIXELS / max(1.0, w * h))
            if w * scale < 16 or h * scale < 16:
                return None
            bitmap = page.render(scale=scale, grayscale=True)
            try:
                im = bitmap.to_pil().convert("L")    # a copy: the bitmap is freed below
            finally:
                bitmap.close()
        finally:
            page.close()
    return im, scale * 72.0


# ---------------------------------------------------------------- image processing

def _otsu(gray: np.ndarray) -> int:
    """Otsu's threshold of a grayscale array, kept within sensible bounds for scans."""
    import numpy as np
    hist = np.bincount(gray[::2, ::2].ravel(), minlength=256).astype(np.float64)
    total = hist.sum()
    if total == 0:
        return 128
    w0 = np.cumsum(hist)
    m = np.cumsum(hist * np.arange(256))
    w1 = total - w0
    valid = (w0 > 0) & (w1 > 0)
    between = np.zeros(256)
    between[valid] = (m[-1] * w0[valid] - m[valid] * total) ** 2 / (w0[valid] * w1[valid])
    t = int(np.argmax(between))
    return min(200, max(90, t))


def speckle_ratio(dark: np.ndarray) -> float:
    """Share of dark pixels with no dark 4-neighbour (scanner noise, salt and pepper)."""
    import numpy as np
    n = int(dark.sum())
    if n == 0:
        return 0.0
    p = np.pad(dark, 1)
    neighbours = p[:-2, 1:-1] | p[2:, 1:-1] | p[1:-1, :-2] | p[1:-1, 2:]
    return float((dark & ~neighbours).sum()) / n


def despeckle(gray: np.ndarray, dark: np.ndarray) -> np.ndarray:
    """Isolated dark pixels (no dark 8-neighbour) → paper. Thin rules and strokes stay."""
    import numpy as np
    p = np.pad(dark, 1)
    h, w = dark.shape
    neighbours = np.zeros(dark.shape, dtype=bool)
    for dy in (0, 1, 2):
        for dx in (0, 1, 2):
            if dy != 1 or dx != 1:
                neighbours |= p[dy:dy + h, dx:dx + w]
    out = gray.copy()
    out[dark & ~neighbours] = 255
    return out


def estimate_skew(dark: np.ndarray, max_angle: float = MAX_SKEW) -> float:
    """The page's skew in degrees (positive: text runs down to the right).

    The angle at which the dark pixels, projected onto the vertical axis, pile up into the
    sharpest peaks (text lines and table rules) — the sum of squares of the projection.
    """
    import numpy as np
    h, w = dark.shape
    step = max(1, max(h, w) // 1400)
    ys, xs = np.nonzero(dark[::step, ::step])
    if len(ys) < 200:
        return 0.0
    if len(ys) > 150_000:
        pick = np.random.default_rng(0).choice(len(ys), 150_000, replace=False)
        ys, xs = ys[pick], xs[pick]
    ys = ys.astype(np.float64)
    xs = xs.astype(np.float64) - xs.mean()
    offset = float(np.abs(xs).max()) * math.tan(math.radians(max_angle)) + 2

    def sharpness(angle: float) -> float:
        proj = np.rint(ys - xs * math.tan(math.radians(angle)) + offset).astype(np.int64)
        counts = np.bincount(proj)
        return float(np.dot(counts, counts))

    def best(lo: float, hi: float, n: int) -> float:
        angles = np.linspace(lo, hi, n)
        return float(max(angles, key=sharpness))

    a = best(-max_angle, max_angle, int(2 * max_angle / 0.25) + 1)
    a = best(a - 0.25, a + 0.25, 21)
    a = best(a - 0.025, a + 0.025, 11)
    return round(a, 3)


@dataclass
class Rules:
    """Ruling lines of a page, in pixels.

    ``h``: (y, x0, x1). ``v``: (x, ys) with ``ys`` the horizontal rules the vertical one
    meets, top to bottom (its ends and the rules it crosses): the row segments between
    them are checked against the recognised characters later. ``mask``: pixels of the
    rules certain enough to erase before OCR.
    """
    h: list[tuple[float, float, float]] = field(default_factory=list)
    v: list[tuple[float, list[float]]] = field(default_factory=list)
    mask: np.ndarray | None = None


def _runs(mask: np.ndarray, min_len: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Runs of True along axis 1 at least ``min_len`` long: (row, start, end) arrays."""
    import numpy as np
    h, w = mask.shape
    padded = np.zeros((h, w + 2), dtype=np.int8)
    padded[:, 1:-1] = mask
    d = np.diff(padded, axis=1)
    starts = np.argwhere(d == 1)
    ends = np.argwhere(d == -1)
    lengths = ends[:, 1] - starts[:, 1]
    keep = lengths >= min_len
    return starts[keep, 0], starts[keep, 1], ends[keep, 1]


def _join_runs(rows: np.ndarray, starts: np.ndarray, ends: np.ndarray, max_dy: int = 1,
               max_gap: int = 2) -> list[dict[str, Any]]:
    """Runs on the same or neighbouring rows that overlap or nearly touch (a gap of up to
    ``max_gap`` pixels along the line) → one line (a dict of its extent, runs and mean row)."""
    lines: list[dict] = []
    open_lines: list[dict] = []
    order = sorted(range(len(rows)), key=lambda i: (rows[i], starts[i]))
    for i in order:
        r, s, e = int(rows[i]), int(starts[i]), int(ends[i])
        open_lines = [ln for ln in open_lines if r - ln["last"] <= max_dy]
        for ln in open_lines:
            # overlap with a run of this line on this or the previous rows (not with the
            # line's whole extent: a long rule would then swallow every stroke beside it)
            if any(r - tr <= max_dy and s <= te + max_gap and e >= ts - max_gap for tr, ts, te in ln["runs"][-8:]):
                ln["x0"], ln["x1"], ln["last"] = min(ln["x0"], s), max(ln["x1"], e), r
                ln["runs"].append((r, s, e))
                break
        else:
            ln = {"x0": s, "x1": e, "first": r, "last": r, "runs": [(r, s, e)]}
            open_lines.append(ln)
            lines.append(ln)
    for ln in lines:
        # the line's position across its length: the length-weighted mean row of its runs
        # (after deskew a rule drifts by a pixel or two at most across the page)
        wsum = sum(e - s for _, s, e in ln["runs"])
        ln["yc"] = sum(r * (e - s) for r, s, e in ln["runs"]) / wsum
    return lines


def _smoothed_dark(gray: np.ndarray, axis: int, threshold: float) -> np.ndarray:
    """Pixels darker than ``threshold`` on average over 3 pixels along ``axis``: faint,
    anti-aliased or speckled rules stay continuous."""
    import numpy as np
    g = gray.astype(np.int16)
    acc = g.copy()
    if axis == 1:
        acc[:, 1:] += g[:, :-1]
        acc[:, :-1] += g[:, 1:]
        acc[:, 0] += g[:, 0]
        acc[:, -1] += g[:, -1]
    else:
        acc[1:, :] += g[:-1, :]
        acc[:-1, :] += g[1:, :]
        acc[0, :] += g[0, :]
        acc[-1, :] += g[-1, :]
    return acc < 3 * threshold


def _widen(mask: np.ndarray, axis: int) -> np.ndarray:
    """``mask`` OR its neighbours across ``axis`` (a slanted line zigzags by a pixel)."""
    out = mask.copy()
    if axis == 1:
        out[:, 1:] |= mask[:, :-1]
        out[:, :-1] |= mask[:, 1:]
    else:
        out[1:] |= mask[:-1]
        out[:-1] |= mask[1:]
    return out


def _mask_text(hmask: np.ndarray, vmask: np.ndarray, boxes: list[Box], reach: int) -> None:
    """Clear text boxes from the rule masks, keeping lines that run through a box: dark
    over the box (most of its padding too) and on beyond it, ``reach`` pixels on at least
    one side (a rule goes on into the next row; a character stroke ends inside its box).
    A stroke that touches a rule's end and is kept with it is trimmed off later."""
    h, w = hmask.shape
    vwide, hwide = _widen(vmask, 1), _widen(hmask, 0)
    for bx0, by0, bx1, by1 in boxes:
        bx0, by0 = max(0, int(bx0)), max(0, int(by0))
        bx1, by1 = min(w, int(bx1) + 1), min(h, int(by1) + 1)
        # the detector's boxes are padded and may reach over the rules around the text:
        # only the inner part is cleared
        dy = max(2, int(0.25 * (by1 - by0)))
        dx = max(1, int(0.1 * (by1 - by0)))
        x0, y0, x1, y1 = bx0 + dx, by0 + dy, bx1 - dx, by1 - dy
        if x1 - x0 < 2 or y1 - y0 < 2:
            continue
        wide = vwide[:, x0:x1]
        far = wide[max(0, by0 - reach):by0].all(axis=0) | wide[by1:by1 + reach].all(axis=0)
        through = far & (wide[by0:by1].mean(axis=0) >= 0.75) & (wide[y0:y1].mean(axis=0) >= 0.95)
        vmask[y0:y1, x0:x1][:, ~through] = False
        wide = hwide[y0:y1]
        far = wide[:, max(0, bx0 - reach):bx0].all(axis=1) | wide[:, bx1:bx1 + reach].all(axis=1)
        through = far & (wide[:, bx0:bx1].mean(axis=1) >= 0.75) & (wide[:, x0:x1].mean(axis=1) >= 0.95)
        hmask[y0:y1, x0:x1][~through, :] = False


def find_rules(gray: np.ndarray, dpi: float, ink: int | None = None, text_boxes: list[Box] | None = None) -> Rules:
    """Horizontal and vertical ruling lines of a grayscale page.

    Candidates are long straight runs of dark pixels (horizontal at least ``0.25 in``,
    vertical at least ``0.08 in``); faint or anti-aliased rules, one-pixel gaps and a
    small drift (residual skew) are tolerated. Text makes such runs too (strokes of
    neighbouring characters, a stroke touching a rule), so the inside of the text boxes
    found by the OCR detector (``text_boxes``) is left out, except where a line runs right
    through a box. The rules are then kept as a frame: a vertical
    rule meets horizontal rules at both ends and crosses at least one more (trimmed to
    the outermost ones it meets: a character stroke touching a rule's end is not part of
    it), and a horizontal rule ends on vertical rules at both ends (or is a long
    stand-alone rule). A few rounds of that settle it. The rules found are erased before
    OCR (a rule beside a digit reads as ``1``); a vertical one that still runs through a
    recognised character is dropped afterwards (``confirm_verticals``).
    """
    import numpy as np
    if ink is None:
        ink = _otsu(gray)
    paper = float(np.percentile(gray[::4, ::4], 90))
    threshold = (ink + max(paper, ink + 20)) / 2
    mask = np.zeros(gray.shape, dtype=bool)
    rules = Rules(mask=mask)
    h_min = max(20, int(0.25 * dpi))
    v_min = max(8, int(0.08 * dpi))
    hm = _smoothed_dark(gray, 1, threshold)
    vmask = _smoothed_dark(gray, 0, threshold)
    if text_boxes:
        _mask_text(hm, vmask, text_boxes, max(8, int(0.08 * dpi)))
    hm[:-1] |= hm[1:].copy()                 # a one-pixel step of a slightly slanted rule
    rows, s, e = _runs(hm, h_min)
    if len(rows) > 50_000:                   # a page of stripes: no table to find
        return rules
    h_lines = _join_runs(rows, s, e)
    if not h_lines:
        return rules
    vm = vmask.T.copy()
    vm[:-1] |= vm[1:].copy()
    cols, s, e = _runs(vm, v_min)
    if len(cols) > 50_000:
        return rules
    v_lines = _join_runs(cols, s, e)
    reach = max(3.0, dpi / 50)          # how far past a rule's end a crossing may be
    end_tol = max(2.5, dpi / 60)        # how far a run's end may sit from the rule it meets
    long_rule = 1.5 * dpi               # a horizontal rule this long stands on its own

    hx0 = np.array([ln["x0"] for ln in h_lines], dtype=float)
    hx1 = np.array([ln["x1"] - 1 for ln in h_lines], dtype=float)
    hyc = np.array([ln["yc"] for ln in h_lines], dtype=float)
    vx = np.array([ln["yc"] for ln in v_lines], dtype=float)
    vy0 = np.array([ln["x0"] for ln in v_lines], dtype=float)
    vy1 = np.array([ln["x1"] - 1 for ln in v_lines], dtype=float)
    h_ok = np.ones(len(h_lines), dtype=bool)
    v_ys: list[list[float]] = [[] for _ in v_lines]

    def check_v() -> None:
        for j in range(len(v_lines)):
            x = vx[j]
            hy = hyc
            met = h_ok & (hx0 - reach <= x) & (x <= hx1 + reach) & (hy >= vy0[j] - end_tol) & (hy <= vy1[j] + end_tol)
            ys = sorted(float(y) for y in hy[met])
            v_ys[j] = ys if len(ys) >= 3 else []

    def check_h() -> None:
        tops = np.array([ys[0] if ys else np.inf for ys in v_ys])
        bottoms = np.array([ys[-1] if ys else -np.inf for ys in v_ys])
        for i in range(len(h_lines)):
            if hx1[i] - hx0[i] >= long_rule:
                h_ok[i] = True
                continue
            ends = []
            for x_end in (hx0[i], hx1[i]):
                y = hyc[i]
                ends.append(bool(((np.abs(vx - x_end) <= reach + end_tol)
                                  & (tops - end_tol <= y) & (y <= bottoms + end_tol)).any()))
            h_ok[i] = all(ends)

    for _ in range(2):
        check_v()
        check_h()
    check_v()
    for j, ys in enumerate(v_ys):
        if not ys:
            continue
        rules.v.append((float(vx[j]), ys))
        if len(ys) >= 3:
            top, bottom = int(ys[0]), int(ys[-1]) + 1
            for c, a, b in v_lines[j]["runs"]:
                a, b = max(a, top - 1), min(b, bottom + 1)
                if b > a:
                    mask[a:b, max(0, c - 1):c + 2] = True
    for i in np.nonzero(h_ok)[0]:
        ln = h_lines[i]
        rules.h.append((float(ln["yc"]), float(ln["x0"]), float(ln["x1"])))
        for r, a, b in ln["runs"]:
            mask[max(0, r - 1):r + 2, a:b] = True
    return rules


_RULE_GLYPHS = set("|丨｜Il!")


def confirm_verticals(rules: Rules, chars: list[Char]) -> list[tuple[float, float, float]]:
    """The vertical rules, as (x, top, bottom), without the row segments that run through
    a recognised character (a stroke, not a rule). ``chars`` in pixels."""
    out = []
    for x, ys in rules.v:
        ok = []
        for top, bottom in zip(ys, ys[1:]):
            inside = False
            for c in chars:
                if c.text in _RULE_GLYPHS or not (top < c.cy < bottom):
                    continue
                m = max(1.0, 0.25 * (c.x1 - c.x0))
                if c.x0 + m < x < c.x1 - m:
                    inside = True
                    break
            ok.append(not inside)
        i = 0
        while i < len(ok):
            if not ok[i]:
                i += 1
                continue
            j = i
            while j + 1 < len(ok) and ok[j + 1]:
                j += 1
            out.append((x, ys[i], ys[j + 1]))
            i = j + 1
    return out


def _ink_integral(dark: np.ndarray, block: int = 4) -> np.ndarray:
    """Summed-area table of dark pixels in ``block``×``block`` blocks (for the ink check)."""
    import numpy as np
    h, w = dark.shape
    hh, ww = h // block * block, w // block * block
    if hh == 0 or ww == 0:
        return np.zeros((1, 1), dtype=np.int64)
    blocks = dark[:hh, :ww].reshape(hh // block, block, ww // block, block).sum(axis=(1, 3))
    sat = np.zeros((blocks.shape[0] + 1, blocks.shape[1] + 1), dtype=np.int64)
    sat[1:, 1:] = blocks.cumsum(0).cumsum(1)
    return sat


# ---------------------------------------------------------------- OCR boxes → chars

@dataclass
class _Page:
    """One recognised page: its content in points (chars with their OCR scores as
    ``confidence``, rules) and the ink left once the rules were erased."""
    content: PageContent
    unit: float                   # points per pixel
    ink: np.ndarray               # summed-area table of remaining ink (4-px blocks)


def _char_weight(ch: str) -> float:
    o = ord(ch)
    if ch == " ":
        return 0.3
    if o < 0x2E80 and not 0xFF00 <= o <= 0xFF60:
        return 0.55
    return 1.0


def _quad_box(quad: Any) -> Box:
    xs = [float(p[0]) for p in quad]
    ys = [float(p[1]) for p in quad]
    return min(xs), min(ys), max(xs), max(ys)


def box_chars(text: str, x0: float, top: float, x1: float, bottom: float, score: float = 1.0,
              word_boxes: Any = None) -> list[Char]:
    """One OCR text line → characters (in pixels, ``score`` as their confidence): at the
    detector's per-character (or per-word) boxes when it gave them, else spread over the
    line's width by character width."""
    glyphs = [c for c in text if not c.isspace()]
    spaced = []
    space = False
    for c in text:
        if c.isspace():
            space = True
        else:
            spaced.append(space)
            space = False
    boxes = None
    if word_boxes:
        try:
            wb = [_quad_box(q) for q in word_boxes]
        except (TypeError, ValueError, IndexError):
            wb = []
        words = text.split()
        if len(wb) == len(glyphs):
            boxes = wb
        elif len(wb) == len(words) and wb:
            boxes = []
            for (bx0, _, bx1, _), word in zip(wb, words):
                boxes.extend(_spread(word, bx0, bx1))
    if boxes is None:
        boxes = [b for b, c in zip(_spread(text, x0, x1, keep_spaces=True), text) if not c.isspace()]
    return [Char(text=ch, x0=bx0, top=top, x1=bx1, bottom=bottom, space_before=sp, confidence=score)
            for ch, sp, (bx0, _, bx1, _) in zip(glyphs, spaced, boxes)]


def _spread(text: str, x0: float, x1: float, keep_spaces: bool = False) -> list[Box]:
    weights = [_char_weight(c) for c in text]
    total = sum(weights) or 1.0
    out = []
    x = x0
    for c, wt in zip(text, weights):
        step = (x1 - x0) * wt / total
        if keep_spaces or not c.isspace():
            out.append((x, 0.0, x + step, 0.0))
        x += step
    return out


def fix_digits(text: str) -> tuple[str, bool]:
    """A value read with digit lookalikes (``1o`` → ``10``) or with a speck read as a
    point before or after it (``0.``); True when something changed (the caller lowers the
    confidence, so the corrected value is reported, not trusted)."""
    t = text.strip()
    if not t or not _NUMERIC_OCR.match(t):
        return text, False
    t = t.strip(_SPECKS) or t
    if not any(c.isdigit() for c in t) and t not in ("o", "O", "〇", "。", "D", "Q", "l", "I", "|"):
        return text, False
    fixed = t.translate(_DIGIT_LOOKALIKES)
    return fixed, fixed != text.strip()


def _fix_line(chars: list[Char]) -> bool:
    """``fix_digits`` applied to a line's characters in place; True when it changed them."""
    text = "".join(c.text for c in chars)
    fixed, changed = fix_digits(text)
    if not changed:
        return False
    del chars[len(fixed):]
    for c, f in zip(chars, fixed):
        c.text = f
    return True


class _Ocr:
    """OCR of a list of page images and assembly into one ``GridDocument``."""

    def __init__(self, file: str, name: str):
        self.file = file
        self.name = name
        self.warnings: list[str] = [OCR_NOTICE]

    def run(self, images: Iterable[tuple[Image.Image, float]], total_pages: int | None = None) -> GridDocument:
        """OCR the pages (an iterable of (image, dpi), consumed one page at a time)."""
        pages = []
        for i, (im, dpi) in enumerate(images):
            pages.append(self._page(im, i + 1, dpi))
        if not pages:
            raise ReadError(f"文件中没有可识别的页面：{self.name}")
        if total_pages and total_pages > len(pages):
            self.warnings.append(f"文件共 {total_pages} 页，只识别了前 {len(pages)} 页")
        doc = assemble(self.file, [p.content for p in pages], self.warnings, format="ocr")
        self._confidence(doc, {p.content.number: p for p in pages})
        if not doc.blocks:
            self.warnings.append("未能从图片中识别出文字（可能是空白页、图片过于模糊或不是文字）")
        doc.warnings = self.warnings
        return doc

    # -- one page

    def _page(self, im: Image.Image, number: int, dpi: float) -> _Page:
        import numpy as np
        from PIL import Image
        gray = np.asarray(im, dtype=np.uint8)
        thr = _otsu(gray)
        dark = gray < thr
        if speckle_ratio(dark) > SPECKLED:
            gray = despeckle(gray, dark)
            dark = gray < thr
        angle = estimate_skew(dark)
        if abs(angle) >= 0.1:
            im = Image.fromarray(gray).rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
            gray = np.asarray(im, dtype=np.uint8)
            self.warnings.append(f"第{number}页图像倾斜约 {abs(angle):.1f}°，已自动校正后识别")
        if dpi < MIN_DPI and gray.size * (DPI / dpi) ** 2 <= MAX_PAGE_PIXELS:
            # small print in a low-resolution scan: the detector misses a lone "0"
            f = DPI / dpi
            h0, w0 = gray.shape
            gray = np.asarray(Image.fromarray(gray).resize((round(w0 * f), round(h0 * f)), Image.Resampling.BICUBIC))
            dpi = DPI
        unit = 72.0 / dpi
        dark = gray < thr
        text_boxes = self._detect(gray)
        rules = find_rules(gray, dpi, thr, text_boxes=text_boxes)
        clean = gray.copy()
        if rules.mask is not None:
            clean[rules.mask] = 255
        chars = self._recognise(clean)
        chars += self._second_chance(clean, text_boxes, chars)
        verticals = confirm_verticals(rules, chars)
        chars = [c for c in chars if not (c.text in _RULE_GLYPHS and _on_rule(c, verticals, dpi))]
        if os.environ.get("NIANBAO_OCR_DEBUG"):
            _debug_overlay(os.environ["NIANBAO_OCR_DEBUG"], number, gray, rules, verticals, chars, text_boxes)
        h_px, w_px = gray.shape
        content = PageContent(number=number, width=w_px * unit, height=h_px * unit)
        for y, x0, x1 in rules.h:
            content.edges.append(edge("h", x0 * unit, x1 * unit, y * unit, y * unit))
        for x, y0, y1 in verticals:
            content.edges.append(edge("v", x * unit, x * unit, y0 * unit, y1 * unit))
        chars += self._read_inked_cells(clean, thr, content.edges, number, unit, chars)
        content.chars = [Char(c.text, c.x0 * unit, c.top * unit, c.x1 * unit, c.bottom * unit, c.space_before,
                              c.confidence) for c in chars]
        return _Page(content=content, unit=unit, ink=_ink_integral(dark & (clean < thr)))

    @staticmethod
    def _detect(gray: np.ndarray) -> list[Box]:
        """Text boxes (x0, top, x1, bottom in pixels) found by the OCR detector alone."""
        import numpy as np
        rgb = np.ascontiguousarray(np.stack([gray] * 3, axis=-1))
        boxes, _ = _engine()(rgb, use_det=True, use_cls=False, use_rec=False)
        out = []
        for box in boxes or []:
            try:
                out.append(_quad_box(box))
            except (TypeError, ValueError, IndexError):
                continue
        return out

    @staticmethod
    def _second_chance(gray: np.ndarray, boxes: list[Box], chars: list[Char]) -> list[Char]:
        """Text boxes the detector found but nothing was read from (a faint or speckled
        "0" alone in a cell): recognised again on their own. What is read there is kept
        with its confidence capped below ``LOW_CONFIDENCE``, so it is reported for
        checking, never trusted silently."""
        out: list[Char] = []
        for x0, top, x1, bottom in boxes:
            if any(x0 <= c.cx <= x1 and top <= c.cy <= bottom for c in chars):
                continue
            bh = bottom - top
            if bh < 6 or x1 - x0 < 4 or x1 - x0 > 6 * bh:      # only small, short boxes: cell values
                continue
            out.extend(_read_value(gray, (x0, top, x1, bottom)))
        return out

    @staticmethod
    def _read_inked_cells(gray: np.ndarray, thr: int, edges: list[dict], number: int, unit: float,
                          chars: list[Char]) -> list[Char]:
        """Cells of the ruled tables with ink but no character read (the detector saw
        nothing there): the ink is recognised on its own, like ``_second_chance``."""
        import numpy as np

        from .pdf_lattice import find_tables
        out: list[Char] = []
        try:
            tables = find_tables(edges, number)
        except Exception:  # the lattice search is an aid here, never a reason to fail
            return out
        h, w = gray.shape
        for t in tables:
            for cell in t.cells:
                x0, top, x1, bottom = (v / unit for v in cell.bbox)
                if any(x0 <= c.cx <= x1 and top <= c.cy <= bottom for c in chars):
                    continue
                a, b = max(0, int(x0) + 4), min(w, int(x1) - 3)
                c, d = max(0, int(top) + 4), min(h, int(bottom) - 3)
                if b - a < 4 or d - c < 4:
                    continue
                ys, xs = np.nonzero(gray[c:d, a:b] < thr)
                if len(ys) < 15:
                    continue
                box = (a + xs.min(), c + ys.min(), a + xs.max() + 1, c + ys.max() + 1)
                if box[3] - box[1] < 6 or box[2] - box[0] > 6 * (box[3] - box[1]):
                    continue
                out.extend(_read_value(gray, box))
        return out

    @staticmethod
    def _recognise(gray: np.ndarray) -> list[Char]:
        import numpy as np
        rgb = np.ascontiguousarray(np.stack([gray] * 3, axis=-1))
        result, _ = _engine()(rgb, use_cls=False, text_score=MIN_TEXT_SCORE, box_thresh=0.5, unclip_ratio=1.6,
                              return_word_box=True)
        out: list[Char] = []
        for item in result or []:
            try:
                box, text, score = item[0], str(item[1]), float(item[2])
                x0, top, x1, bottom = _quad_box(box)
            except (IndexError, TypeError, ValueError):
                continue
            if not text.strip() or score < MIN_TEXT_SCORE:
                continue
            chars = box_chars(text, x0, top, x1, bottom, score, item[3] if len(item) > 3 else None)
            if _fix_line(chars):
                for c in chars:
                    c.confidence = min(c.confidence, CORRECTED_CONFIDENCE)
            out.extend(chars)
        return out

    # -- confidence of cells

    def _confidence(self, doc: GridDocument, pages: dict[int, _Page]) -> None:
        """Set each table cell's confidence; list the doubtful values in the warnings
        (labels read with a low score are only counted: a misread label shows up as an
        unmatched row anyway)."""
        from ..normalize import is_value_text
        listed = low = ink = labels = 0
        for t_index, table in enumerate(doc.tables):
            for cell in table.cells:
                src = cell.source
                if src is None or src.bbox is None or src.page not in pages:
                    continue
                page = pages[src.page]
                x0, top, x1, bottom = src.bbox
                scores = [c.confidence for c in page.content.chars if x0 <= c.cx <= x1 and top <= c.cy <= bottom]
                where = f"第{src.page}页 表{t_index + 1} 行{cell.row + 1} 列{cell.col + 1}"
                if scores:
                    cell.confidence = round(min(scores), 3)
                elif _has_ink(page, src.bbox):
                    cell.confidence = 0.0
                    ink += 1
                    if listed < MAX_LISTED:
                        self.warnings.append(f"{where}：单元格中有字迹但未能识别，请核对原件")
                        listed += 1
                    continue
                else:
                    cell.confidence = 1.0
                    continue
                if cell.confidence < LOW_CONFIDENCE:
                    if not is_value_text(cell.text):
                        labels += 1
                        continue
                    low += 1
                    if listed < MAX_LISTED:
                        text = cell.text.replace("\n", "")
                        self.warnings.append(f"{where}：OCR 识别置信度低（{cell.confidence:.2f}），识别为“{text[:30]}”，请核对原件")
                        listed += 1
        if low + ink > listed:
            self.warnings.append(f"另有 {low + ink - listed} 个单元格识别置信度低或未能识别，请核对原件")
        if labels:
            self.warnings.append(f"表格中有 {labels} 处文字（行列标签）识别置信度低，请核对原件")


def _debug_overlay(folder: str, number: int, gray: np.ndarray, rules: Rules, verticals: list[tuple[float, float, float]],
                   chars: list[Char], boxes: list[Box]) -> None:
    """Developer aid (``NIANBAO_OCR_DEBUG=folder``): the page with its rules (red: horizontal,
    blue: vertical kept, cyan: vertical vetoed), detector boxes (orange) and characters
    (green) drawn on it."""
    from PIL import Image, ImageDraw
    img = Image.fromarray(gray).convert("RGB")
    draw = ImageDraw.Draw(img)
    for b in boxes:
        draw.rectangle(b, outline=(255, 150, 0))
    for x, ys in rules.v:
        draw.line([(x, ys[0]), (x, ys[-1])], fill=(0, 200, 255), width=1)
    for y, x0, x1 in rules.h:
        draw.line([(x0, y), (x1, y)], fill=(255, 0, 0), width=2)
    for x, y0, y1 in verticals:
        draw.line([(x, y0), (x, y1)], fill=(0, 0, 255), width=2)
    for c in chars:
        draw.rectangle([c.x0, c.top, c.x1, c.bottom], outline=(0, 160, 0))
    Path(folder).mkdir(parents=True, exist_ok=True)
    img.save(Path(folder) / f"page-{number}.png")


def _read_value(gray: np.ndarray, box: Box) -> list[Char]:
    """Recognise one small box on its own (as cut, then smoothed and enlarged); the digits
    read, as characters with a confidence capped at ``SECOND_CHANCE_CONFIDENCE``."""
    import numpy as np
    from PIL import Image, ImageFilter
    h, w = gray.shape
    x0, top, x1, bottom = box
    pad = int((bottom - top) * 0.3) + 2
    crop = Image.fromarray(gray[max(0, int(top) - pad):min(h, int(bottom) + pad + 1),
                                max(0, int(x0) - pad):min(w, int(x1) + pad + 1)])
    smooth = crop.filter(ImageFilter.MedianFilter(3))
    for variant in (crop, smooth.resize((crop.size[0] * 2, crop.size[1] * 2), Image.Resampling.BICUBIC)):
        rgb = np.ascontiguousarray(np.stack([np.asarray(variant)] * 3, axis=-1))
        try:
            res, _ = _engine()(rgb, use_det=False, use_cls=False, use_rec=True)
            text, score = str(res[0][0]).strip(), float(res[0][1])
        except Exception:  # a recogniser failure on one crop must not lose the page
            continue
        text, _ = fix_digits(text)
        if text and score >= MIN_TEXT_SCORE and text.isdigit():
            return box_chars(text, x0, top, x1, bottom, min(score, SECOND_CHANCE_CONFIDENCE))
    return []


def _on_rule(c: Char, verticals: list[tuple[float, float, float]], dpi: float) -> bool:
    """A ``|``-like character sitting on a vertical rule: the rule itself, read as text."""
    tol = max(3.0, dpi / 50)
    return any(abs(c.cx - x) <= tol and y0 <= c.cy <= y1 for x, y0, y1 in verticals)


def _has_ink(page: _Page, bbox: Box) -> bool:
    """Ink left in a cell's interior after the rules were removed (a value OCR missed)."""
    sat = page.ink
    block = 4
    f = 1.0 / (page.unit * block)
    x0, top, x1, bottom = bbox
    # stay clear of the rules: 3 px inside the cell
    margin = 3.0 / block
    c0, c1 = int(x0 * f + margin) + 1, int(x1 * f - margin)
    r0, r1 = int(top * f + margin) + 1, int(bottom * f - margin)
    r1, c1 = min(r1, sat.shape[0] - 1), min(c1, sat.shape[1] - 1)
    if r1 <= r0 or c1 <= c0:
        return False
    n = int(sat[r1, c1] - sat[r0, c1] - sat[r1, c0] + sat[r0, c0])
    area = (r1 - r0) * (c1 - c0) * block * block
    return n >= max(15, 0.006 * area)


__all__ = ["OcrReader", "ocr_available", "ocr_pdf", "estimate_skew", "find_rules", "confirm_verticals",
           "box_chars", "fix_digits", "OCR_HINT", "PDF_OCR_HINT", "OCR_NOTICE"]
