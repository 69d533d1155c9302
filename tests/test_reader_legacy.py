"""Legacy reader: sniffing, LibreOffice missing/hanging/failing, and real conversions (slow)."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import docx
import pytest

from nianbao.readers import legacy, read
from nianbao.readers.base import ReadError
from nianbao.readers.legacy import NEED_LIBREOFFICE, LegacyReader, find_soffice

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ODT_HEAD = b"PK\x03\x04" + bytes(26) + b"mimetypeapplication/vnd.oasis.opendocument.text"


@pytest.mark.parametrize("head,name,expected", [
    (OLE + bytes(100), "a.doc", True),
    (OLE + bytes(100), "a.wps", True),
    (OLE + bytes(100), "noext", True),
    (OLE + bytes(100), "a.xls", False),
    (b"{\\rtf1\\ansi hello}", "a.doc", True),
    (b"\xef\xbb\xbf{\\rtf1}", "a.txt", True),
    (ODT_HEAD, "a.odt", True),
    (b"PK\x03\x04" + bytes(26) + b"[Content_Types].xml", "a.docx", False),
    (b"<html><body>", "a.doc", False),      # Word "web page" saved as .doc: the HTML reader's
    (b"plain text", "a.txt", False),
    (b"plain text", "a.doc", False),
    (b"\x00\x01\x02WPS binary" + bytes(50), "a.wps", True),
    (b"\x00\x01\x02WPS binary" + bytes(50), "a.bin", False),
])
def test_is_valid(head, name, expected):
    assert LegacyReader.is_valid(Path(name), head) is expected


def test_missing_libreoffice(monkeypatch):
    monkeypatch.setattr(legacy, "find_soffice", lambda: None)
    with pytest.raises(ReadError) as e:
        LegacyReader().convert(Path("a.doc"), OLE + bytes(100))
    assert str(e.value) == NEED_LIBREOFFICE
    assert "LibreOffice" in str(e.value) and ".docx" in str(e.value)


def test_encrypted_office_file(monkeypatch):
    monkeypatch.setattr(legacy, "find_soffice", lambda: None)
    data = OLE + bytes(64) + "EncryptedPackage".encode("utf-16-le")
    with pytest.raises(ReadError, match="文件已加密"):
        LegacyReader().convert(Path("a.doc"), data)


def fake_soffice(tmp_path: Path, body: str) -> str:
    exe = tmp_path / "fake-soffice"
    exe.write_text("#!/bin/sh\n" + body + "\n")
    exe.chmod(0o755)
    return str(exe)


def test_conversion_timeout(monkeypatch, tmp_path):
    monkeypatch.setattr(legacy, "find_soffice", lambda: fake_soffice(tmp_path, "exec sleep 30"))
    monkeypatch.setattr(legacy, "TIMEOUT_S", 0.5)
    with pytest.raises(ReadError, match="超时"):
        LegacyReader().convert(Path("a.doc"), OLE + bytes(100))


def test_conversion_produces_nothing(monkeypatch, tmp_path):
    monkeypatch.setattr(legacy, "find_soffice", lambda: fake_soffice(tmp_path, "exit 1"))
    with pytest.raises(ReadError, match="LibreOffice 无法转换"):
        LegacyReader().convert(Path("a.doc"), OLE + bytes(100))


def test_converted_docx_is_read(monkeypatch, tmp_path):
    """The reader hands LibreOffice's output to the DOCX reader and reports format 'doc'."""
    d = docx.Document()
    d.add_paragraph("一、总体情况")
    out = tmp_path / "converted.docx"
    d.save(out)
    script = f'outdir=""; while [ $# -gt 0 ]; do [ "$1" = "--outdir" ] && outdir="$2"; shift; done\n' \
             f'cp "{out}" "$outdir/input.docx"'
    monkeypatch.setattr(legacy, "find_soffice", lambda: fake_soffice(tmp_path, script))
    doc = LegacyReader().convert(Path("报告.wps"), OLE + bytes(100))
    assert doc.format == "doc"
    assert [p.text for p in doc.paragraphs] == ["一、总体情况"]


# --------------------------------------------------------------------------- real LibreOffice

needs_soffice = pytest.mark.skipif(find_soffice() is None, reason="LibreOffice (soffice) not installed")


def report_docx(path: Path) -> None:
    d = docx.Document()
    d.add_heading("某区2023年度政府信息公开工作年度报告", 0)
    d.add_paragraph("一、总体情况")
    t = d.add_table(rows=3, cols=4)
    t.style = "Table Grid"
    t.cell(0, 0).merge(t.cell(1, 0)).text = "三、本年度办理结果"
    t.cell(0, 1).merge(t.cell(0, 3)).text = "申请人情况"
    for c, v in zip((1, 2, 3), ("自然人", "商业企业", "总计")):
        t.cell(1, c).text = v
    for c, v in enumerate(("一、本年新收", "80", "1", "81")):
        t.cell(2, c).text = v
    d.add_paragraph("六、其他需要报告的事项")      # LibreOffice's .doc export drops a table that ends the body
    d.save(path)


def soffice_convert(src: Path, fmt: str, outdir: Path) -> Path:
    profile = outdir / "profile"
    subprocess.run([find_soffice(), f"-env:UserInstallation={profile.as_uri()}", "--headless",
                    "--convert-to", fmt, "--outdir", str(outdir), str(src)],
                   check=True, capture_output=True, timeout=180)
    return outdir / (src.stem + "." + fmt)


@pytest.mark.slow
@needs_soffice
@pytest.mark.parametrize("fmt", ["doc", "rtf", "odt"])
def test_real_conversion(tmp_path, fmt):
    src = tmp_path / "report.docx"
    report_docx(src)
    converted = soffice_convert(src, fmt, tmp_path)
    target = tmp_path / f"input.{fmt}"
    shutil.move(converted, target)
    doc = read(target)
    assert doc.format == "doc"
    texts = [p.text for p in doc.paragraphs]
    assert texts == ["某区2023年度政府信息公开工作年度报告", "一、总体情况", "六、其他需要报告的事项"]
    (t,) = doc.tables
    pos = {c.text: (c.row, c.col, c.rowspan, c.colspan) for c in t.cells if c.text}
    assert pos["三、本年度办理结果"] == (0, 0, 2, 1)
    assert pos["申请人情况"] == (0, 1, 1, 3)
    assert [c.text for c in t.rows()[2]] == ["一、本年新收", "80", "1", "81"]


@pytest.mark.slow
@needs_soffice
def test_real_wps_extension_and_damaged_doc(tmp_path):
    src = tmp_path / "report.docx"
    report_docx(src)
    doc_file = soffice_convert(src, "doc", tmp_path)
    wps = tmp_path / "报告.wps"
    shutil.copy(doc_file, wps)
    assert read(wps).format == "doc"
    broken = tmp_path / "broken.doc"
    broken.write_bytes(OLE + bytes(2000))
    with pytest.raises(ReadError):
        read(broken)
