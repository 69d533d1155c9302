"""The DOCX opens in LibreOffice: DOCX → PDF → PNG of page 1 (slow); fixtures on disk."""
from __future__ import annotations

import json
import random
import shutil
import struct

import pytest

from conftest import SAMPLES
from nianbao.compose import write_report
from nianbao.compose.data import load_cells_json
from fixturegen import MUTATIONS, main as fixtures_main, random_consistent_input, render_fixture

S000 = next(SAMPLES.glob("000_*.truth.json"))
needs_soffice = pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftoppm") is None,
                                   reason="LibreOffice (soffice) 或 pdftoppm 未安装")


def _png_size(path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", head[16:24])


@pytest.mark.slow
@needs_soffice
def test_docx_converts_to_pdf_and_renders(tmp_path):
    from nianbao.compose.convert import docx_to_pdf, pdf_page_png
    docx = tmp_path / "report.docx"
    write_report(load_cells_json(S000), docx)
    pdf = docx_to_pdf(docx, tmp_path / "report.pdf")
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 10_000
    png = pdf_page_png(pdf, tmp_path / "page1", page=1, dpi=60)
    w, h = _png_size(png)
    assert (w, h) == pytest.approx((496, 702), abs=3)          # A4 at 60 dpi
    assert png.stat().st_size > 8_000                          # not a blank page
    # the PDF's text layer carries the title and a table label
    import subprocess
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, timeout=60).stdout
        text = text.decode("utf-8")
        flat = "".join(text.split())
        assert "政府信息公开工作年度报告" in flat and "本年新收政府信息公开申请数量" in flat


@pytest.mark.slow
@needs_soffice
def test_fixture_pdf_round_trip(tmp_path):
    """A PDF fixture reads back (when the PDF reader is available)."""
    inp = random_consistent_input(random.Random(9), agency="某某市生态环境局", year=2024)
    m = render_fixture(inp, tmp_path, stem="fx", formats=("pdf",))
    assert set(m["files"]) == {"pdf"} and not (tmp_path / "fx.docx").exists()
    from nianbao.extract import extract_path
    report = extract_path(m["files"]["pdf"])
    got = report.values()
    wrong = {k: (v, got.get(k)) for k, v in inp.cells.items()
             if (v is None) != (got.get(k) is None) or (v is not None and float(v) != float(got[k]))}
    assert wrong == {}


@pytest.mark.slow
@needs_soffice
def test_cli_compose_pdf(tmp_path):
    from typer.testing import CliRunner
    from nianbao.cli import app
    out = tmp_path / "报告.pdf"
    r = CliRunner().invoke(app, ["compose", str(next(SAMPLES.glob("004_*.truth.json"))), "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert out.read_bytes()[:5] == b"%PDF-" and [p.name for p in tmp_path.iterdir()] == ["报告.pdf"]


def test_render_fixture_writes_files_and_truth(tmp_path):
    inp = load_cells_json(next(SAMPLES.glob("004_*.truth.json")))
    m = render_fixture(inp, tmp_path, formats=("docx", "html", "md"), mutations=["heji", "ascii_brackets"])
    assert m["stem"].startswith("004_") and m["stem"].endswith("_heji-ascii_brackets")
    assert set(m["files"]) == {"docx", "html", "md"}
    truth = json.loads(open(m["truth"], encoding="utf-8").read())
    assert truth["cells"]["t2.fees.amount"] == 0.6625 and truth["agency"] == inp.agency
    md = open(m["files"]["md"], encoding="utf-8").read()
    assert "合计" in md and "(一)予以公开" in md and "第二十条第(一)项" in md


def test_fixtures_command_line(tmp_path):
    assert fixtures_main([str(tmp_path), "--random", "2", "--formats", "html,md", "--mutations", "all"]) == 0
    lines = (tmp_path / "manifest.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 4
    assert json.loads(lines[1])["mutations"] == list(MUTATIONS)


def test_mutations_change_labels():
    from fixturegen import make_labels
    lab = make_labels(["spaces", "section_numbering"], seed=2)
    assert lab("t2.row", "rules", "规章") == "规 章"
    assert lab("section", "s1_overview", "一、总体情况").startswith("1、 ")
    assert make_labels(["line_breaks"])("t3.column", "commercial", "商业企业") == "商业\n企业"
    assert make_labels(["heji"])("t4.column", "total", "总计") == "合计"
    seen = {make_labels(["variants"], seed=s)("t3.row", "not_processed.excessive", "4.无正当理由大量反复申请")
            for s in range(20)}
    assert seen == {"4.无正当理由大量反复申请", "4.无正当理由反复申请"}
    with pytest.raises(ValueError):
        make_labels(["nope"])
