"""Two channels (report / reading), note codes handled once, layout is not wording, the
single-row （六）其他处理, and messages an official can send: a passing and a failing case each."""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from audit_helpers import build_report, consistent_cells, sample_report, zero_cells  # noqa: E402

from nianbao import standard  # noqa: E402
from nianbao.audit import audit, audit_report  # noqa: E402
from nianbao.audit.finding import FAIL, NOT_ASSESSABLE, Finding  # noqa: E402
from nianbao.audit.rules import note_handlers  # noqa: E402
from nianbao.grid import Source  # noqa: E402
from nianbao.model import CellValue, Note  # noqa: E402
from nianbao.vocab import FindingStatus, NoteCode, Severity  # noqa: E402

IDENT = ("T3-BAL", "T3-RES", "T3-ROW", "T4-SUM")
STD = standard.load()
S5 = "（二）上年度问题整改情况：针对上年度公开不及时的问题，已落实专人更新。"
S6 = "本年度未收取信息处理费，未发出收费通知。"


def secs(**over):
    d = {"s1_overview": "（一）主动公开。（二）依申请公开。（三）政府信息管理。（四）平台建设。（五）监督保障。",
         "s2_proactive": "", "s3_requests": "", "s4_review_litigation": "", "s5_problems": S5, "s6_other": S6}
    d.update(over)
    return d


# 1. channels and note codes ------------------------------------------------------------------

def test_every_note_code_handled_by_exactly_one_rule():
    handlers = note_handlers()
    for code in NoteCode:
        assert len(handlers.get(str(code), [])) == 1, f"{code} handled by {handlers.get(str(code))}"
    assert all(len(v) == 1 for v in handlers.values())          # legacy codes too


def test_severity_and_status_are_the_vocab_enums():
    f = Finding(rule="X", where="w", severity=Severity.ERROR, message="m")
    assert f.status == FindingStatus.FAIL == FAIL and NOT_ASSESSABLE == "not-assessable"
    d = f.to_dict()
    assert d["channel"] == "report" and json.loads(json.dumps(d))["severity"] == "error"


def _missing_row_report(extra_notes=()):
    cells = zero_cells()
    keys = [k for k in cells if k.startswith("t3.withheld.inquiry.")]
    for k in keys:
        del cells[k]
    rep = build_report(cells, secs())
    for k in keys:
        rep.cells[k] = CellValue(key=k, value=None, kind="absent")
    rep.notes = [Note(NoteCode.MISSING_ROW, "未找到“8.属于行政查询事项”行，相应单元格缺失",
                      where="t3.withheld.inquiry", keys=keys), *extra_notes]
    return rep


def test_missing_row_reported_once_as_report_problem():
    res = audit_report(_missing_row_report())
    miss = [f for f in res.findings if "行政查询事项" in f.message and f.rule != "READ-NA"
            and f.rule not in IDENT]
    assert len(miss) == 1 and miss[0].rule == "STR-CELL-MISSING" and miss[0].channel == "report"
    assert not [f for f in res.findings if f.rule == "EXT-NOTE"]       # not also as info


def test_missing_row_with_unplaced_row_is_a_reading_problem():
    unknown = Note(NoteCode.UNKNOWN_ROW, "表三出现无法识别的行“8.属于行政查讯事项”", where="t3",
                   source=Source("r.pdf", page=3, line=12), evidence={"label": "8.属于行政查讯事项"})
    res = audit_report(_missing_row_report([unknown]))
    report_side = [f for f in res.findings if f.channel == "report" and f.severity in ("error", "warning")]
    assert report_side == []                                           # never the unit's error
    reading = res.reading_findings
    ext = [f for f in reading if f.rule == "EXT-NOTE"]
    assert len(ext) == 1 and "第3页" in ext[0].message and "第12行" in ext[0].message
    na = [f for f in reading if f.rule == "READ-NA"]
    assert len(na) == 1                                                # once, in one line
    assert "\n" not in na[0].message and not [f for f in res.findings if f.rule in IDENT]


def test_ocr_low_confidence_goes_to_manual_check():
    cells = zero_cells()
    rep = build_report(cells, secs())
    rep.notes = [Note(NoteCode.OCR_LOW_CONFIDENCE, "表三“（一）予以公开”行“自然人”列OCR置信度低（0.41）",
                      where="t3.granted", keys=["t3.granted.natural_person"], source=Source("r.pdf", page=2),
                      confidence=0.41)]
    fs = audit(rep)
    ocr = [f for f in fs if f.rule == "EXT-NOTE"]
    assert len(ocr) == 1 and ocr[0].channel == "reading" and ocr[0].group == "reading" and "第2页" in ocr[0].message
    clean = audit(build_report(cells, secs()))
    assert not [f for f in clean if f.channel == "reading"]


def test_inferred_cells_are_not_evidence_for_identities():
    cells = consistent_cells(outcomes={"granted": {"natural_person": 12}})
    rep = build_report(cells, secs())
    c = rep.cells["t3.granted.natural_person"]
    rep.cells["t3.granted.natural_person"] = CellValue(c.key, 12, "inferred", "1212", c.label, c.column_label)
    rep.notes = [Note(NoteCode.INFERRED_CELLS, "表三“（一）予以公开”行数字连写“1212”，按勾稽关系拆分",
                      where="t3.granted", keys=["t3.granted.natural_person"])]
    res = audit_report(rep)
    assert not [f for f in res.findings if f.rule in IDENT]      # neither pass-as-evidence nor fail
    na = [f for f in res.findings if f.rule == "READ-NA"]
    assert len(na) == 1 and na[0].channel == "reading"
    assert res.summary["errors"] == 0 and res.summary["to_verify"] >= 2


def test_image_tables_are_reading_problems():
    note = Note(NoteCode.TABLES_UNREADABLE, "文档中没有可读取的表格（可能以图片形式发布）", where="tables")
    rep = build_report({}, secs(), notes=[note], tables_found={"t2": False, "t3": False, "t4": False})
    res = audit_report(rep)
    assert res.summary["errors"] == 0 and res.summary["warnings"] == 0
    assert {f.rule for f in res.reading_findings} == {"STR-IMAGE", "READ-NA"}
    table_missing = audit_report(build_report({k: v for k, v in zero_cells().items() if not k.startswith("t4.")},
                                              secs()))
    assert [f.rule for f in table_missing.findings if f.severity == "error"] == ["STR-TABLE"]


# 2. layout is not wording --------------------------------------------------------------------

def test_layout_inside_cells_never_gives_label_findings():
    cols = {"t4.review.upheld": "结 果 维 持", "t4.review.corrected": "结果\n纠正", "t3.new.commercial": "商业<br>企业".replace("<br>", "\n"),
            "t3.new.research": "科研 机构"}
    labels = {"t3.unavailable.not_held.natural_person": "1.本机关不掌握相关\n政府信息",
              "t3.not_processed.reconfirm.natural_person": "5.要求行政机关确认或重新出具已获取\n信息"}
    rep = build_report(zero_cells(), secs(), labels=labels, column_labels=cols)
    assert not [f for f in audit(rep) if f.rule.startswith("LBL-")]
    n = Note(NoteCode.SPLIT_LABEL, "表三标签“商业 企业”跨行打印", where="t3.new", keys=["t3.new.commercial"],
             evidence={"printed": "商业\n企业"})
    assert not [f for f in audit(build_report(zero_cells(), secs(), notes=[n])) if f.group in ("labels", "reading")]


def test_printed_halfwidth_or_wording_still_reported():
    rep = build_report(zero_cells(), secs(), labels={"t3.granted.natural_person": "(一)予以公开",
                                                     "t3.not_processed.excessive.natural_person": "4.无正当理由反复申请"})
    fs = audit(rep)
    assert [f.severity for f in fs if f.rule == "LBL-PUNCT"] == ["info"]
    assert [f.actual for f in fs if f.rule == "LBL-WORDING"] == ["4.无正当理由反复申请"]


# 4. the single-row （六）其他处理 -----------------------------------------------------------------

def _single_row(value_other=2, total_extra=0):
    cells = consistent_cells(outcomes={"other.other": {"natural_person": value_other}})
    rep = build_report(cells, secs())
    for k in list(rep.cells):
        if k.startswith("t3.other.no_correction.") or k.startswith("t3.other.no_fee."):
            rep.cells[k] = CellValue(key=k, value=None, kind="absent")
    if total_extra:
        c = rep.cells["t3.result_total.natural_person"]
        rep.cells[c.key] = CellValue(c.key, c.value + total_extra, "number", str(c.value + total_extra), c.label,
                                     c.column_label)
    rep.notes = [Note(NoteCode.OTHER_SINGLE_ROW, "表三“（六）其他处理”只印了一行（2021 年格式应分 3 个子行），数值记在“3.其他”",
                      where="t3.other", keys=[f"t3.other.other.{c}" for c in STD.t3_cols])]
    return rep


def test_single_row_other_is_assessed():
    res = audit_report(_single_row())
    assert not [f for f in res.findings if f.rule in IDENT or f.rule == "READ-NA"]     # all 42 identities assessed
    assert [f.rule for f in res.findings if f.severity != "info"] == ["STR-OTHER-ROW"]
    assert res.report.cells["t3.other.no_fee.total"].kind == "absent"                 # the report is unchanged


def test_single_row_other_hides_no_error():
    res = audit_report(_single_row(total_extra=1))
    fails = {(f.rule, f.where) for f in res.findings if f.rule in IDENT and f.status == "fail"}
    assert ("T3-RES", "natural_person") in fails and ("T3-BAL", "natural_person") in fails


# 8. messages -----------------------------------------------------------------------------------

INTERNAL = re.compile(r"natural_person|commercial|research|social_welfare|legal_service|other_org|keyword:|fuzzy:"
                      r"|\bt[234]\.|\b(?:T3|T4|STR|LBL|TT|RUB|PLA|DOM|CELL|EXT|X)-[A-Z0-9]+")


def test_messages_name_printed_labels_never_internal_keys():
    cells = consistent_cells(outcomes={"unavailable.not_held": {"natural_person": 2}})
    cells["t3.unavailable.not_held.natural_person"] = 3
    labels = {"t3.granted.natural_person": "(一) 予以公开"}
    n = Note("label-variant", "表三“（一）予以公开”与标准表述不一致（keyword:予以公开）", where="t3.granted",
             keys=["t3.granted.natural_person"], evidence={"printed": "(一)予以公开了", "canonical": "（一）予以公开",
                                                           "variant": "keyword:予以公开"})
    res = audit_report(build_report(cells, secs(s5_problems="存在问题。"), labels=labels, notes=[n]))
    assert res.findings
    for f in res.findings:
        assert not INTERNAL.search(f.message), f.message
    assert not INTERNAL.search(res.repair["explanation"]), res.repair["explanation"]
    f = next(f for f in res.findings if f.rule == "T3-RES")
    assert f.where == "natural_person" and f.rule == "T3-RES"                  # machine fields kept
    row = next(r for r in STD.t3_rows if r.key == "unavailable.not_held").canonical
    assert "表三「自然人」列" in f.message
    assert f"表三「自然人」列「（四）无法提供 {row}」行" in res.repair["explanation"]


def test_sample_messages_are_clean():
    for prefix in ("000", "001", "002", "003", "004"):
        for f in audit(sample_report(prefix)):
            assert not INTERNAL.search(f.message), f.message
