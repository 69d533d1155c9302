"""Outputs of the auditor: JSON Lines, Excel, HTML, and the ``nianbao check`` command."""
from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

import openpyxl
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parent))
from audit_helpers import build_report, sample_path, sample_report, zero_cells  # noqa: E402

from nianbao.audit import audit_report  # noqa: E402
from nianbao.audit.export_excel import export_excel  # noqa: E402
from nianbao.audit.export_html import render_html  # noqa: E402
from nianbao.cli import app  # noqa: E402

runner = CliRunner()
EVIL = "=HYPERLINK(\"http://evil\")<script>alert(1)</script>"


def evil_report():
    cells = zero_cells()
    cells["t3.granted.natural_person"] = 1       # an identity failure
    labels = {"t3.granted.natural_person": "+予以公开<b>"}
    return build_report(cells, {"s1_overview": "@SUM(A1) <img src=x onerror=alert(1)>", "s6_other": "-无"},
                        agency=EVIL, labels=labels, source="-evil.txt")


def test_json_shape():
    d = audit_report(sample_report("000")).to_dict()
    json.dumps(d, ensure_ascii=False)
    assert set(d) >= {"source", "findings", "summary", "repair"}
    f = d["findings"][0]
    assert set(f) >= {"rule", "where", "severity", "status", "message", "cells", "expected", "actual",
                      "evidence", "confidence"}


def test_excel_workbook(tmp_path):
    out = tmp_path / "r.xlsx"
    audits = [audit_report(sample_report("000")), audit_report(evil_report())]
    export_excel(audits, out, failures=[("=bad.pdf", "-文件已损坏")])
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["汇总", "问题清单", "表二", "表三", "表四", "无法读取"]
    # nothing became a formula
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", (ws.title, c.coordinate, c.value)
                if isinstance(c.value, str) and c.value[:1] in "=+-@":
                    assert c.quotePrefix
    summary = [[c.value for c in r] for r in wb["汇总"].iter_rows(min_row=2)]
    assert summary[0][2] == "重庆市九龙坡区石板镇人民政府" and summary[0][5] == 2 and summary[0][9] == "有错误"
    assert summary[1][2] == EVIL
    # offending cells highlighted in 表三, with the suggestion as a comment
    ws = wb["表三"]
    flagged = [c for r in ws.iter_rows() for c in r if c.fill is not None and c.fill.fgColor.rgb in ("00FFC7CE", "FFFFC7CE")]
    assert flagged
    assert any(c.comment and "修正建议" in c.comment.text for r in ws.iter_rows() for c in r)
    assert wb["无法读取"]["A2"].value == "=bad.pdf"
    assert not list(tmp_path.glob(".*.tmp"))       # atomic write leaves no temp file


def test_html_is_escaped_and_offline():
    html = render_html([audit_report(sample_report("000")), audit_report(evil_report())],
                       failures=[("<x>.pdf", "<b>坏</b>")])
    assert "<script" not in html and "<img" not in html and "<b>" not in html
    assert "&lt;script&gt;" in html
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:|//)""", html)
    assert "<svg" in html and "<style>" in html
    assert "石板镇" in html and "T3-RES" in html and "修正建议" in html
    assert 'class="num error"' in html


# CLI ---------------------------------------------------------------------------------------

def test_cli_sample_000_exit_1():
    r = runner.invoke(app, ["check", str(sample_path("000"))])
    assert r.exit_code == 1, r.output
    assert "T3-RES" in r.output and "修正建议" in r.output and "共审核 1 份报告" in r.output


def test_cli_clean_exit_0():
    r = runner.invoke(app, ["check", str(sample_path("003"))])
    assert r.exit_code == 0, r.output


def test_cli_json_lines_and_unreadable(tmp_path):
    d = tmp_path / "batch"
    d.mkdir()
    shutil.copy(sample_path("000"), d / "a.txt")
    shutil.copy(sample_path("003"), d / "b.txt")
    (d / "empty.txt").write_bytes(b"")
    (d / "notes.json").write_text("{}")          # not a report: skipped by the walk
    xlsx, html = tmp_path / "o.xlsx", tmp_path / "o.html"
    r = runner.invoke(app, ["check", str(d), "--json", "--excel", str(xlsx), "--html", str(html)])
    assert r.exit_code == 2
    lines = [json.loads(l) for l in r.stdout.splitlines() if l.startswith("{")]
    assert [Path(l["source"]).name for l in lines] == ["a.txt", "b.txt", "empty.txt"]
    assert "error" in lines[2] and "文件为空" in lines[2]["error"]
    assert {f["rule"] for f in lines[0]["findings"]} >= {"T3-RES", "TT-SPLIT"}
    assert xlsx.exists() and html.exists()


def test_cli_no_input():
    r = runner.invoke(app, ["check", "/nonexistent/zzz.txt"])
    assert r.exit_code == 2 and "无法读取" in r.output
