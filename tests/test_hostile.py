"""Damaged and hostile inputs are refused quickly with a clear Chinese ``ReadError``.

Covers issue 5's list: encrypted and corrupt PDFs, a PDF with no text layer (OCR message
when the extra is missing), zip-bomb DOCX (total size and compression ratio), XML
external entities in DOCX and HTML (never resolved: /etc/passwd never appears), HTML
beyond ``Limits``, binary junk named .txt, empty file, directory, missing file. Every case
must finish within a few seconds.
"""
from __future__ import annotations

import importlib
import io
import os
import re
import time
import zipfile
from pathlib import Path

import pytest

from nianbao.extract import extract_document
from nianbao.readers import Limits, ReadError, read

# Generous: the machine is shared and CI runs the suite in parallel with builds.
FAST = 5.0
CJK = re.compile(r"[\u4e00-\u9fff]")


def read_error(path, data=None) -> str:
    """Read and return the ReadError message, checking it is Chinese and quick."""
    t0 = time.perf_counter()
    with pytest.raises(ReadError) as exc:
        read(path, data)
    elapsed = time.perf_counter() - t0
    msg = str(exc.value)
    assert CJK.search(msg), f"message is not Chinese: {msg!r}"
    assert elapsed < FAST, f"took {elapsed:.1f}s"
    return msg


# ---------------------------------------------------------------- PDF

def build_pdf(objects: list[bytes], trailer_extra: bytes = b"") -> bytes:
    """A minimal PDF with a correct cross-reference table."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += (b"trailer\n<< /Size %d /Root 1 0 R " % (len(objects) + 1) + trailer_extra
            + b">>\nstartxref\n%d\n%%%%EOF\n" % xref)
    return bytes(out)


PAGE_OBJECTS = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>"]


def encrypted_pdf() -> bytes:
    """Standard security handler whose user password is not empty (the /U entry does not
    match the empty password), exactly what a password-protected report looks like."""
    enc = b"<< /Filter /Standard /V 1 /R 2 /Length 40 /O <" + b"11" * 32 + b"> /U <" + b"22" * 32 + b"> /P -44 >>"
    return build_pdf(PAGE_OBJECTS + [enc], b"/Encrypt 4 0 R /ID [<" + b"ab" * 16 + b"><" + b"ab" * 16 + b">] ")


def image_only_pdf() -> bytes:
    """A one-page PDF holding only a picture (a scan with nothing legible on it)."""
    from PIL import Image, ImageDraw
    im = Image.new("L", (400, 300), 255)
    ImageDraw.Draw(im).rectangle([40, 40, 360, 260], outline=0, width=3)
    buf = io.BytesIO()
    im.save(buf, format="PDF", resolution=72)
    return buf.getvalue()


def test_encrypted_pdf():
    msg = read_error("report.pdf", encrypted_pdf())
    assert "加密" in msg


def test_build_pdf_helper_makes_a_readable_pdf():
    # the helper itself is sound: the same PDF without /Encrypt opens (and has no text)
    import pypdfium2 as pdfium
    doc = pdfium.PdfDocument(build_pdf(PAGE_OBJECTS))
    assert len(doc) == 1


@pytest.mark.parametrize("data", [
    b"%PDF-1.4\n1 0 obj garbage" + bytes(range(256)) * 10,
    b"%PDF-1.7\n",
    b"%PDF-1.4\n" + b"\x00" * 5000,
], ids=["garbage", "header-only", "zeros"])
def test_corrupt_pdf(data):
    msg = read_error("report.pdf", data)
    assert "PDF" in msg


def test_truncated_real_pdf():
    real = Path(__file__).resolve().parents[1] / "examples" / "real" / "001_huaian_2024.pdf"
    assert real.exists(), "shared/real missing"
    data = real.read_bytes()
    for cut in (100, 5000, len(data) // 3):
        t0 = time.perf_counter()
        try:
            doc = read("cut.pdf", data[:cut])
        except ReadError as e:
            assert CJK.search(str(e))
        else:  # PDFium may recover a truncated file: whatever it returns must be usable
            extract_document(doc)
        assert time.perf_counter() - t0 < FAST


def test_pdf_named_file_that_is_not_a_pdf():
    msg = read_error("report.pdf", b"hello, this is not a PDF at all " * 20)
    assert msg


def test_image_only_pdf_without_ocr(monkeypatch):
    ocr = importlib.import_module("nianbao.readers.ocr")
    monkeypatch.setattr(ocr, "ocr_available", lambda: False)
    msg = read_error("scan.pdf", image_only_pdf())
    assert "OCR" in msg and ("扫描" in msg or "文本层" in msg)
    assert "pip install" in msg


def test_image_only_pdf_with_ocr_is_routed_to_ocr():
    ocr = importlib.import_module("nianbao.readers.ocr")
    assert ocr.ocr_available(), "OCR extra missing (CI installs it)"
    t0 = time.perf_counter()
    doc = read("scan.pdf", image_only_pdf())
    assert doc.format == "ocr"
    assert any("OCR" in w for w in doc.warnings)
    report = extract_document(doc)      # nothing legible: a report with notes, no values
    assert all(v is None for v in report.values().values())
    assert time.perf_counter() - t0 < 30


# ---------------------------------------------------------------- DOCX

CONTENT_TYPES = ('<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                 '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
                 'officedocument.wordprocessingml.document.main+xml"/></Types>')
RELS = ('<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'officeDocument" Target="word/document.xml"/></Relationships>')
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def docx_bytes(document_xml: bytes | str | None = None, zeros_mb: int = 0) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", RELS)
        if zeros_mb:
            with z.open("word/document.xml", "w") as f:
                f.write(f'<?xml version="1.0"?><w:document xmlns:w="{W}"><w:body>'.encode())
                chunk = b"\0" * (1 << 20)
                for _ in range(zeros_mb):
                    f.write(chunk)
        else:
            z.writestr("word/document.xml", document_xml)
    return buf.getvalue()


@pytest.mark.parametrize("zeros_mb,expect", [(400, "过大"), (60, "压缩比")], ids=["over-size-limit", "over-ratio-limit"])
def test_zip_bomb_docx(zeros_mb, expect):
    data = docx_bytes(zeros_mb=zeros_mb)
    # the bomb really is one: tiny on disk, huge unpacked
    assert len(data) * Limits.max_zip_ratio < zeros_mb << 20
    msg = read_error("bomb.docx", data)
    assert expect in msg and "炸弹" in msg


def _passwd_markers() -> list[str]:
    try:
        text = Path("/etc/passwd").read_text(errors="replace")
    except OSError:
        return ["root:x:0:0"]
    return [ln.split(":")[0] + ":" for ln in text.splitlines()[:3] if ":" in ln] + ["/bin/"]


def _assert_no_passwd(text: str) -> None:
    for marker in _passwd_markers():
        assert marker not in text, f"external entity resolved: {marker!r} in output"


XXE_DOCX = (f'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
            f'<w:document xmlns:w="{W}"><w:body><w:p><w:r><w:t>前&xxe;后</w:t></w:r></w:p></w:body></w:document>')


def test_xxe_docx_never_resolves():
    t0 = time.perf_counter()
    try:
        doc = read("xxe.docx", docx_bytes(XXE_DOCX))
    except ReadError as e:
        assert CJK.search(str(e))
        _assert_no_passwd(str(e))
    else:
        _assert_no_passwd(doc.plain_text())
        _assert_no_passwd(extract_document(doc).full_text)
    assert time.perf_counter() - t0 < FAST


def test_billion_laughs_docx():
    lol = "".join(f'<!ENTITY l{i} "&l{i - 1};&l{i - 1};&l{i - 1};&l{i - 1};&l{i - 1};&l{i - 1};&l{i - 1};&l{i - 1};">'
                  for i in range(1, 10))
    xml = (f'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY l0 "lol">{lol}]><w:document xmlns:w="{W}"><w:body>'
           f'<w:p><w:r><w:t>&l9;</w:t></w:r></w:p></w:body></w:document>')
    t0 = time.perf_counter()
    try:
        doc = read("lol.docx", docx_bytes(xml))
    except ReadError as e:
        assert CJK.search(str(e))
    else:
        assert len(doc.plain_text()) < 100_000
    assert time.perf_counter() - t0 < FAST


@pytest.mark.parametrize("head", [
    b'<?xml version="1.0"?><!DOCTYPE html [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
    b'<!DOCTYPE html [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
], ids=["xml-declaration", "doctype-only"])
def test_xxe_html_never_resolves(head):
    data = head + "<html><body><p>甲&xxe;乙</p><p>&xxe;</p></body></html>".encode()
    t0 = time.perf_counter()
    try:
        doc = read("xxe.html", data)
    except ReadError as e:
        _assert_no_passwd(str(e))
    else:
        _assert_no_passwd(doc.plain_text())
    assert time.perf_counter() - t0 < FAST


def test_corrupt_docx():
    good = docx_bytes(f'<?xml version="1.0"?><w:document xmlns:w="{W}"><w:body><w:p><w:r><w:t>正文</w:t></w:r>'
                      f'</w:p></w:body></w:document>')
    assert "正文" in read("ok.docx", good).plain_text()
    for data in (good[: len(good) // 2], good[:40], b"PK\x03\x04" + b"\xff" * 500):
        read_error("broken.docx", data)


def test_docx_with_malformed_xml():
    read_error("bad.docx", docx_bytes(f'<?xml version="1.0"?><w:document xmlns:w="{W}"><w:body><w:p>'))


# ---------------------------------------------------------------- HTML / text

def test_huge_html_beyond_limits():
    n = Limits.max_text_chars // len("<p>x</p>") + 1000
    data = b"<html><body>" + b"<p>x</p>" * n + b"</body></html>"
    msg = read_error("huge.html", data)
    assert "过大" in msg or "上限" in msg


def test_html_with_too_many_cells():
    n = Limits.max_table_cells + 10
    data = b"<html><body><table><tr>" + b"<td>1</td>" * n + b"</tr></table></body></html>"
    read_error("cells.html", data)


def test_deeply_nested_html():
    data = b"<html><body>" + b"<div>" * 50_000 + "深".encode() + b"</div>" * 50_000 + b"</body></html>"
    t0 = time.perf_counter()
    try:
        doc = read("deep.html", data)
    except ReadError as e:
        assert CJK.search(str(e))
    else:
        extract_document(doc)
    assert time.perf_counter() - t0 < FAST


@pytest.mark.parametrize("name,data", [
    ("junk.txt", bytes(range(256)) * 40),
    ("random.txt", os.urandom(20_000)),
    ("image.txt", b"\x89PNG\r\n\x1a\n" + os.urandom(2000)),
    ("zip.txt", b"PK\x03\x04" + os.urandom(2000)),
    ("elf.txt", b"\x7fELF" + os.urandom(2000)),
], ids=["bytes", "random", "png", "zip", "elf"])
def test_binary_junk_named_txt(name, data):
    msg = read_error(name, data)
    assert msg


def test_huge_text_beyond_limits():
    n = Limits.max_text_chars + 10
    read_error("huge.txt", b"a" * n)


def test_empty_file(tmp_path):
    p = tmp_path / "empty.txt"
    p.write_bytes(b"")
    assert "空" in read_error(p)
    assert "空" in read_error("empty.html", b"")


def test_directory(tmp_path):
    assert "目录" in read_error(tmp_path)


def test_missing_file(tmp_path):
    assert "不存在" in read_error(tmp_path / "nope.pdf")


def test_unknown_format(tmp_path):
    p = tmp_path / "report.xyz"
    p.write_bytes(b"\x00\x01\x02\x03" * 100)
    read_error(p)
