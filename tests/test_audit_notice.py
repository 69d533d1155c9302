"""整改通知 (nianbao.notice, ``nianbao notice``): official form, report problems only, editable template."""
from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

from docx import Document
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parent))
from audit_helpers import build_report, sample_report, zero_cells  # noqa: E402

from nianbao.audit import audit_report  # noqa: E402
from nianbao.cli import app  # noqa: E402
from nianbao.grid import Source  # noqa: E402

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
from nianbao.model import Note  # noqa: E402
from nianbao.notice import TEMPLATE, NoticeOptions, notice_items, write_notice, write_notices  # noqa: E402
from nianbao.vocab import NoteCode  # noqa: E402


def text_of(path: Path) -> str:
    return "\n".join(p.text for p in Document(str(path)).paragraphs)


def test_template_shipped_with_placeholders():
    assert TEMPLATE.is_file()
    t = text_of(TEMPLATE)
    for ph in ("{{受文单位}}", "{{问题清单}}", "{{整改期限}}", "{{发文机关}}", "{{成文日期}}", "{{报告名称}}"):
        assert ph in t


def test_notice_lists_report_problems_only(tmp_path):
    a = audit_report(sample_report("000"))
    a.report.notes.append(Note(NoteCode.UNKNOWN_ROW, "表三出现无法识别的行“某某”", where="t3",
                               source=Source("x", page=1)))
    a = audit_report(a.report)
    assert a.reading_findings
    out = write_notice(a, tmp_path / "整改通知.docx",
                       NoticeOptions(office="重庆市九龙坡区人民政府办公室", issued=date(2024, 2, 10),
                                     deadline=date(2024, 2, 29), contact="张三 023-12345678"))
    t = text_of(out)
    assert t.count("重庆市九龙坡区石板镇人民政府") >= 2                        # title and addressee
    assert "表三「自然人」列" in t and "标准要求" in t and "重新发布" in t
    assert "2024年2月29日" in t and "重庆市九龙坡区人民政府办公室" in t and "2024年2月10日" in t
    assert "无法识别的行" not in t and "{{" not in t
    assert len(notice_items(a)) == sum(1 for f in a.findings if f.channel == "report" and f.status == "fail"
                                       and f.severity in ("error", "warning"))


def test_clean_report_gets_no_notice_in_batch(tmp_path):
    s = {"s1_overview": "（一）主动公开。（二）依申请公开。（三）政府信息管理。（四）平台建设。（五）监督保障。",
         "s2_proactive": "", "s3_requests": "", "s4_review_litigation": "",
         "s5_problems": "上年度问题已整改。", "s6_other": "未收取信息处理费。"}
    clean = audit_report(build_report(zero_cells(), s, agency="甲镇人民政府"))
    dirty = audit_report(sample_report("000"))
    paths = write_notices([clean, dirty], tmp_path / "out")
    assert len(paths) == 1 and "石板镇" in paths[0].name


def test_custom_template_edited_by_the_office(tmp_path):
    tpl = tmp_path / "tpl.docx"
    d = Document()
    d.add_paragraph("致{{受文单位}}：请于{{整改期限}}前整改。")
    d.add_paragraph("{{问题清单}}")
    d.add_paragraph("{{发文机关}}")
    d.save(str(tpl))
    out = write_notice(audit_report(sample_report("000")), tmp_path / "n.docx",
                       NoticeOptions(office="某办", deadline=date(2024, 3, 1)), template=tpl)
    t = text_of(out)
    assert t.startswith("致重庆市九龙坡区石板镇人民政府：请于2024年3月1日前整改。") and "1. " in t and t.endswith("某办")


def test_cli_notice_single_and_batch(tmp_path):
    r = CliRunner().invoke(app, ["notice", str(EXAMPLES / "samples" / "000_33ff4c3c35a3d77b.txt"), "-o",
                                 str(tmp_path / "整改通知.docx"), "--office", "某区政务公开办", "--date", "2024-02-01"])
    assert r.exit_code == 0, r.output
    assert "某区政务公开办" in text_of(tmp_path / "整改通知.docx")
    r = CliRunner().invoke(app, ["notice", str(EXAMPLES / "samples"), "-o", str(tmp_path / "dir")])
    assert r.exit_code == 0, r.output
    assert len(list((tmp_path / "dir").glob("*.docx"))) >= 3
    r = CliRunner().invoke(app, ["notice", str(EXAMPLES / "samples" / "000_33ff4c3c35a3d77b.txt"), "--deadline", "x"])
    assert r.exit_code != 0
