"""OCR of scanned reports and table images (optional extra ``nianbao[ocr]``).

Fast tests cover the image processing (deskew, ruling lines, digit lookalikes, character
placement) and the refusals. The slow tests make real scans: a sample's answer key is
composed into a DOCX in the national format, converted to PDF by LibreOffice, rendered
to 150 dpi PNGs (pdftoppm), then (a) wrapped as an image-only PDF and read through
``read()`` (the PDF reader routes it to OCR), (b) rotated by 1.5°, speckled and noised and
read as a multi-page TIFF. Cell accuracy against the answer key is asserted and printed,
and every wrong cell must carry a low confidence (a finding, never a silent value).
"""
from __future__ import annotations

import importlib
import io
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from nianbao.grid import LOW_CONFIDENCE
from nianbao.readers import ReadError, read
from nianbao.readers.pdf_page import Char

ocr = importlib.import_module("nianbao.readers.ocr")
np = importlib.import_module("numpy")
Image = importlib.import_module("PIL.Image")
ImageDraw = importlib.import_module("PIL.ImageDraw")

SHARED = Path(__file__).resolve().parents[1] / "examples"
SAMPLE = "000_33ff4c3c35a3d77b"


# ---------------------------------------------------------------- fast: image processing

def _ruled_page(angle: float = 0.0, size=(1200, 900)):
    """A white page with a ruled 5×4 table, 'text' strokes in the cells and text lines."""
    im = Image.new("L", size, 255)
    d = ImageDraw.Draw(im)
    x0, y0, cw, rh = 100, 150, 200, 60
    for r in range(6):
        d.line([(x0, y0 + r * rh), (x0 + 4 * cw, y0 + r * rh)], fill=0, width=2)
    for c in range(5):
        d.line([(x0 + c * cw, y0), (x0 + c * cw, y0 + 5 * rh)], fill=0, width=2)
    for r in range(5):
        for c in range(4):
            cx, cy = x0 + c * cw + 60, y0 + r * rh + 15
            d.rectangle([cx, cy, cx + 3, cy + 30], fill=0)           # a vertical stroke
            d.rectangle([cx + 10, cy + 12, cx + 40, cy + 15], fill=0)  # a horizontal stroke
    for i in range(6):
        d.rectangle([100, 560 + i * 45, 1000, 580 + i * 45], fill=0)  # text lines
    return im.rotate(angle, resample=Image.BICUBIC, expand=True, fillcolor=255) if angle else im


@pytest.mark.parametrize("angle", [0.0, 1.3, -2.0, 0.6])
def test_estimate_skew(angle):
    gray = np.asarray(_ruled_page(angle))
    est = ocr.estimate_skew(gray < 128)
    # a page rotated counter-clockwise by `angle` has its lines rising to the right
    assert abs(est + angle) <= 0.15, (angle, est)


def test_find_rules_on_a_ruled_table():
    gray = np.asarray(_ruled_page())
    rules = ocr.find_rules(gray, 150)
    table_h = [h for h in rules.h if 140 <= h[0] <= 460]
    assert len(table_h) == 6
    xs = sorted(round(x) for x, ys in rules.v)
    assert len(xs) == 5 and all(abs(a - b) <= 2 for a, b in zip(xs, [100, 300, 500, 700, 900]))
    for x, ys in rules.v:
        assert len(ys) == 6            # every vertical rule meets all six horizontal ones
    # the character strokes inside the cells are not rules
    assert not any(abs(x - (100 + c * 200 + 61)) < 5 for x, _ in rules.v for c in range(4))
    assert rules.mask.sum() > 0


def test_find_rules_after_deskew():
    page = _ruled_page(1.5)
    gray = np.asarray(page)
    angle = ocr.estimate_skew(gray < 128)
    straight = np.asarray(Image.fromarray(gray).rotate(angle, resample=Image.BICUBIC, expand=True, fillcolor=255))
    rules = ocr.find_rules(straight, 150)
    assert len([h for h in rules.h if h[2] - h[1] > 700]) >= 6
    assert len(rules.v) == 5


def test_speckle_and_despeckle():
    rng = np.random.default_rng(1)
    gray = np.asarray(_ruled_page()).copy()
    noisy = gray.copy()
    noisy[rng.random(gray.shape) < 0.004] = 0
    assert ocr.speckle_ratio(noisy < 128) > ocr.SPECKLED > ocr.speckle_ratio(gray < 128)
    clean = ocr.despeckle(noisy, noisy < 128)
    assert ocr.speckle_ratio(clean < 128) < ocr.SPECKLED
    assert len(ocr.find_rules(clean, 150).v) == 5      # rules survive despeckling


def test_confirm_verticals_drops_segments_through_characters():
    rules = ocr.Rules(v=[(100.0, [0.0, 50.0, 100.0, 150.0])], mask=None)
    chars = [Char("情", 90, 60, 110, 90, confidence=0.99)]        # a character centred on the line
    kept = ocr.confirm_verticals(rules, chars)
    assert kept == [(100.0, 0.0, 50.0), (100.0, 100.0, 150.0)]
    # a character merely touching the line (detector box padding) does not veto it
    chars = [Char("（", 97, 60, 120, 90, confidence=0.99), Char("|", 98, 110, 102, 140, confidence=0.5)]
    assert ocr.confirm_verticals(rules, chars) == [(100.0, 0.0, 150.0)]


@pytest.mark.parametrize("raw,fixed,changed", [
    ("0", "0", False), ("12", "12", False), ("1,234", "1,234", False), ("12.5", "12.5", False),
    ("o", "0", True), ("O", "0", True), ("1o", "10", True), ("l2", "12", True), ("D", "0", True),
    ("0.", "0", True), ("0·", "0", True), (".0", "0", True), ("0:", "0", True), ("。", "0", True), ("1、", "1", True),
    ("总计", "总计", False), ("lo", "lo", False), ("", "", False),
])
def test_fix_digits(raw, fixed, changed):
    assert ocr.fix_digits(raw) == (fixed, changed) or (not changed and ocr.fix_digits(raw)[1] is False)
    if changed:
        assert ocr.fix_digits(raw)[0] == fixed


def test_box_chars_uses_word_boxes_and_falls_back():
    wb = [[[10, 0], [20, 0], [20, 10], [10, 10]], [[30, 0], [40, 0], [40, 10], [30, 10]]]
    chars = ocr.box_chars("申请", 0, 0, 50, 10, 0.9, wb)
    assert [(c.text, c.x0, c.x1) for c in chars] == [("申", 10, 20), ("请", 30, 40)]
    assert all(c.confidence == 0.9 for c in chars)
    spread = ocr.box_chars("2024 年", 0, 0, 100, 10)
    assert [c.text for c in spread] == ["2", "0", "2", "4", "年"]
    assert spread[-1].space_before and spread[-1].x1 == pytest.approx(100)
    assert spread[0].x1 < spread[-1].x0


def test_low_confidence_cells_become_notes_whatever_the_reader():
    """The extractor turns a grid cell's reading confidence into the value's confidence
    and, under ``LOW_CONFIDENCE``, a keyed ``ocr-low-confidence`` note: generically, from
    the grid (no reader-specific code in ``extract``)."""
    from nianbao.extract import extract_document
    sample = SHARED / "samples" / f"{SAMPLE}.txt"
    assert sample.exists(), "shared/samples missing"
    doc = read(sample)
    report = extract_document(doc)
    assert not [n for n in report.notes if n.code == "ocr-low-confidence"]
    key = next(k for k, cv in report.cells.items() if cv.is_number and cv.source is not None)
    unsure = next(c for t in doc.tables for c in t.cells if c.source == report.cells[key].source)
    unsure.confidence = 0.42
    for t in doc.tables:                    # the others read with certainty
        for c in t.cells:
            if c is not unsure and c.confidence is None:
                c.confidence = 1.0
    report = extract_document(doc)
    notes = [n for n in report.notes if n.code == "ocr-low-confidence"]
    assert [n.keys for n in notes] == [[key]]
    assert report.cells[key].confidence == pytest.approx(0.42)
    assert notes[0].evidence["confidence"] == pytest.approx(0.42) and "0.42" in notes[0].message


def test_is_valid():
    assert ocr.OcrReader.is_valid(Path("a.bin"), b"\x89PNG\r\n\x1a\n....")
    assert ocr.OcrReader.is_valid(Path("a.jpg"), b"\xff\xd8\xff\xe0")
    assert ocr.OcrReader.is_valid(Path("scan.tif"), b"II*\x00")
    assert not ocr.OcrReader.is_valid(Path("a.txt"), "报告".encode())
    assert not ocr.OcrReader.is_valid(Path("a.png"), b"%PDF-1.4")


def test_images_refused_without_the_extra(monkeypatch):
    monkeypatch.setattr(ocr, "ocr_available", lambda: False)
    buf = io.BytesIO()
    Image.new("L", (100, 100), 255).save(buf, format="PNG")
    with pytest.raises(ReadError, match="pip install"):
        ocr.OcrReader().convert(Path("t.png"), buf.getvalue())
    with pytest.raises(ReadError, match="OCR"):
        ocr.ocr_pdf(Path("t.pdf"), b"%PDF-1.4")


def _png(w: int, h: int) -> bytes:
    """A PNG whose header says w×h, with one tiny compressed row: a decompression bomb
    when w×h is huge (Pillow reads the size without decoding)."""
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00" * (w + 1))[:64]) + chunk(b"IEND", b""))


@pytest.mark.parametrize("data,match", [
    (_png(100_000, 100_000), "过大"),
    (_png(8, 8), "太小"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 300, "损坏"),
    (b"\xff\xd8\xff\xe0" + b"\x13" * 300, "损坏"),
], ids=["bomb", "tiny", "corrupt-png", "corrupt-jpeg"])
def test_bad_images_refused(data, match):
    with pytest.raises(ReadError, match=match):
        ocr.OcrReader().convert(Path("x.png"), data)


# ---------------------------------------------------------------- slow: real scans

def _accuracy(report, truth: dict) -> tuple[float, list[str]]:
    got = report.values()
    wrong = [k for k, v in truth["cells"].items() if got.get(k) != v]
    return 1 - len(wrong) / len(truth["cells"]), wrong


@pytest.fixture(scope="module")
def scans(tmp_path_factory):
    assert ocr.ocr_available(), "OCR extra missing (CI installs it)"
    truth_path = SHARED / "samples" / f"{SAMPLE}.truth.json"
    assert truth_path.exists(), "shared/samples missing"
    compose = importlib.import_module("nianbao.compose")
    assert (shutil.which("soffice") or shutil.which("libreoffice")), "LibreOffice missing (CI installs it)"
    tmp = tmp_path_factory.mktemp("scans")
    pdf = tmp / f"{SAMPLE}.pdf"
    compose.write_report(compose.load_input(truth_path), pdf)
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-r", "150", "-png", str(pdf), str(tmp / "page")], check=True, timeout=120)
        pages = [Image.open(p).convert("L") for p in sorted(tmp.glob("page-*.png"))]
    else:  # the same rendering with PDFium
        import pypdfium2 as pdfium
        doc = pdfium.PdfDocument(str(pdf))
        pages = [doc[i].render(scale=150 / 72, grayscale=True).to_pil().convert("L") for i in range(len(doc))]
    assert len(pages) >= 2
    clean_pdf = io.BytesIO()
    pages[0].save(clean_pdf, format="PDF", save_all=True, append_images=pages[1:], resolution=150)
    rng = np.random.default_rng(5)
    noisy = []
    for p in pages:
        rot = p.rotate(1.5, resample=Image.BICUBIC, expand=True, fillcolor=255)
        a = np.asarray(rot).astype(np.float32) + rng.normal(0, 18, rot.size[::-1])
        sp = rng.random(a.shape)
        a[sp < 0.004] = 0
        a[sp > 0.996] = 255
        noisy.append(Image.fromarray(np.clip(a, 0, 255).astype(np.uint8)))
    tiff = io.BytesIO()
    noisy[0].save(tiff, format="TIFF", save_all=True, append_images=noisy[1:], dpi=(150, 150))
    table_png = io.BytesIO()
    w, h = pages[1].size
    pages[1].crop((0, int(h * 0.08), w, int(h * 0.5))).save(table_png, format="PNG", dpi=(150, 150))
    return {"truth": json.loads(truth_path.read_text(encoding="utf-8")), "clean_pdf": clean_pdf.getvalue(),
            "noisy_tiff": tiff.getvalue(), "table_png": table_png.getvalue(), "tmp": tmp}


@pytest.mark.slow
@pytest.mark.ocr
def test_clean_scan_pdf(scans):
    from nianbao.extract import extract_document
    doc = read("scan.pdf", scans["clean_pdf"])         # no text layer: the PDF reader routes to OCR
    assert doc.format == "ocr"
    assert doc.warnings and "OCR" in doc.warnings[0]
    report = extract_document(doc)
    acc, wrong = _accuracy(report, scans["truth"])
    print(f"\nOCR cell accuracy, clean 150 dpi scan: {acc:.3f} ({len(wrong)} wrong: {wrong[:8]})")
    assert report.format_version == "2021"
    assert acc >= 0.98
    assert report.agency == scans["truth"]["agency"]


@pytest.mark.slow
@pytest.mark.ocr
def test_rotated_noisy_scan_tiff(scans):
    from nianbao.extract import extract_document
    doc = ocr.OcrReader().convert(Path("scan.tif"), scans["noisy_tiff"])
    assert doc.format == "ocr"
    assert any("倾斜" in w and "1.5" in w for w in doc.warnings), doc.warnings[:5]
    report = extract_document(doc)
    acc, wrong = _accuracy(report, scans["truth"])
    print(f"\nOCR cell accuracy, 1.5° rotated + noisy scan: {acc:.3f} ({len(wrong)} wrong: {wrong[:8]})")
    assert acc >= 0.95
    # never a silent value: every cell read wrong carries a low confidence, and becomes a note
    silent = [k for k in wrong if report.cells[k].confidence >= LOW_CONFIDENCE]
    assert not silent, [(k, report.cells[k].raw, report.cells[k].confidence) for k in silent]
    notes = [n for n in report.notes if n.code == "ocr-low-confidence"]
    flagged = {k for n in notes for k in n.keys}
    assert set(wrong) <= flagged
    assert all(n.message and n.keys and n.confidence < LOW_CONFIDENCE for n in notes)


@pytest.mark.slow
@pytest.mark.ocr
def test_table_image(scans):
    doc = ocr.OcrReader().convert(Path("table.png"), scans["table_png"])
    assert doc.tables, [b.text for b in doc.blocks][:5]
    table = max(doc.tables, key=lambda t: len(t.cells))
    assert table.n_rows >= 10 and table.n_cols >= 8
    values = [c for c in table.cells if c.text.strip().isdigit()]
    assert len(values) >= 80
    assert all(c.confidence is not None and 0.0 <= c.confidence <= 1.0 for c in table.cells)
    assert all(c.source is not None and c.source.bbox is not None for c in table.cells)


@pytest.mark.slow
@pytest.mark.ocr
def test_ocr_under_the_batch_guard(scans):
    """The OCR engine runs inside a guarded worker (address-space limit, time limit)."""
    from nianbao import Limits, process_many
    path = scans["tmp"] / "scan-image-only.pdf"
    path.write_bytes(scans["clean_pdf"])
    (out,) = process_many([path], audit=False, limits=Limits(timeout=300, max_memory_mb=2048, workers=1))
    assert out.error is None, out.error
    report = out.report
    assert report.input_format == "ocr"
    acc, _ = _accuracy(report, scans["truth"])
    assert acc >= 0.98
