"""Domain, structure, label, rubric and plausibility rules: a passing and a failing case each."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from audit_helpers import build_report, consistent_cells, zero_cells  # noqa: E402

from nianbao.audit import audit, audit_report  # noqa: E402
from nianbao.audit.rules import REGISTRY  # noqa: E402
from nianbao.grid import Source  # noqa: E402
from nianbao.model import Note  # noqa: E402

GOOD_S1 = ("（一）主动公开。本年主动公开政府信息120条。（二）依申请公开。本年未收到政府信息公开申请。"
           "（三）政府信息管理。严格审核。（四）平台建设。维护门户网站。（五）监督保障。加强考核。")
GOOD_S5 = "（一）存在的主要问题：公开不够及时。（二）上年度问题整改情况：针对上年度公开不及时的问题，已落实专人更新。"
GOOD_S6 = "本年度未收取信息处理费，未发出收费通知。"


def sections(**over):
    base = {"s1_overview": GOOD_S1, "s2_proactive": "", "s3_requests": "", "s4_review_litigation": "",
            "s5_problems": GOOD_S5, "s6_other": GOOD_S6}
    base.update(over)
    return {k: v for k, v in base.items() if v is not None}


def codes(rep, code=None):
    fs = audit(rep)
    return [f for f in fs if f.rule == code] if code else fs


def clean(**kw):
    return build_report(zero_cells(), sections(), **kw)


def test_clean_report_has_no_findings():
    assert [(f.rule, f.message) for f in audit(clean())] == []


# domain --------------------------------------------------------------------------------

def test_dom_int():
    assert codes(clean(), "DOM-INT") == []
    cells = zero_cells()
    cells["t3.granted.natural_person"] = "-1"
    cells["t4.review.upheld"] = "1.5"
    cells["t2.penalty.decisions"] = "两件"
    fs = codes(build_report(cells, sections()), "DOM-INT")
    assert {f.where for f in fs} == {"t3.granted.natural_person", "t4.review.upheld", "t2.penalty.decisions"}
    assert all(f.severity == "error" for f in fs)
    assert any("负数" in f.message for f in fs)


def test_dom_fee():
    cells = zero_cells()
    cells["t2.fees.amount"] = 0.6625
    assert codes(build_report(cells, sections()), "DOM-FEE") == []
    cells["t2.fees.amount"] = "-0.5"
    fs = codes(build_report(cells, sections()), "DOM-FEE")
    assert len(fs) == 1 and fs[0].where == "t2.fees.amount" and "收费金额" in fs[0].message


def test_signed_change_in_2019_is_allowed():
    cells = zero_cells("2019")
    cells["t2v19.penalty.change"] = "-15"
    assert codes(build_report(cells, sections(), format_version="2019", year=2020), "DOM-INT") == []


# structure ----------------------------------------------------------------------------

def test_sections_missing_and_order():
    rep = build_report(zero_cells(), sections(s6_other=None))
    fs = codes(rep, "STR-SECTION")
    assert [f.where for f in fs] == ["s6_other"] and "其他需要报告的事项" in fs[0].message
    assert codes(clean(), "STR-SECTION") == []
    secs = sections()
    order = ["s1_overview", "s2_proactive", "s3_requests", "s5_problems", "s4_review_litigation", "s6_other"]
    rep = build_report(zero_cells(), {k: secs[k] for k in order})
    assert len(codes(rep, "STR-ORDER")) == 1
    assert codes(clean(), "STR-ORDER") == []


def test_section_titles():
    rep = build_report(zero_cells(), sections(), section_titles={"s5_problems": "五、存在的主要问题及改进措施",
                                                                 "s1_overview": "1、 总体情况"})
    fs = codes(rep, "STR-SECTITLE")
    wording = [f for f in fs if f.where == "s5_problems"]
    assert wording and wording[0].severity == "warning"
    # "1、" is how Word auto-numbering comes out in text: layout, not a finding
    assert not [f for f in fs if f.where in ("sections", "s1_overview")]


def test_report_title():
    assert codes(clean(), "STR-TITLE") == []
    fs = codes(clean(title=None), "STR-TITLE")
    assert len(fs) == 1 and fs[0].severity == "warning"
    # spaces and a line break inside the title are layout, never a finding
    assert codes(clean(title="某镇人民政府 2023 年政府信息公开工作年度报 告"), "STR-TITLE") == []
    assert codes(clean(title="某镇人民政府2023年\n政府信息公开工作年度报告"), "STR-TITLE") == []
    fs = codes(clean(title="某镇人民政府2023年政务公开工作总结"), "STR-TITLE")
    assert len(fs) == 1 and fs[0].severity == "warning"


def test_tables_missing_and_image_only():
    cells = {k: v for k, v in zero_cells().items() if not k.startswith("t4.")}
    fs = codes(build_report(cells, sections()), "STR-TABLE")
    assert [f.where for f in fs] == ["t4"] and fs[0].severity == "error"
    note = Note("tables-unreadable", "三张表格在文本中只有标题、没有数据", where="tables")
    rep = build_report({}, sections(), notes=[note], tables_found={"t2": False, "t3": False, "t4": False})
    res = audit(rep)
    img = [f for f in res if f.rule == "STR-IMAGE"]
    assert len(img) == 1 and img[0].status == "not-assessable" and img[0].channel == "reading"
    assert not [f for f in res if f.rule == "STR-TABLE"]          # not reported twice
    # a reading problem: the identities are reported not assessable once, in one line (never zeros)
    assert not [f for f in res if f.rule in ("T3-BAL", "T3-RES", "T3-ROW", "T4-SUM")]
    na = [f for f in res if f.rule == "READ-NA"]
    assert len(na) == 1 and na[0].status == "not-assessable" and na[0].channel == "reading"
    assert not [f for f in res if f.channel == "report" and f.severity in ("error", "warning")]


def test_missing_cells():
    cells = zero_cells()
    del cells["t3.result_total.research"]
    fs = codes(build_report(cells, sections()), "STR-CELL-MISSING")
    assert len(fs) == 1 and fs[0].where == "t3" and fs[0].keys == ["t3.result_total.research"]
    assert codes(clean(), "STR-CELL-MISSING") == []


def test_extra_cells_from_note():
    n = Note("extra-cell", "表二“行政许可”行多出 2 个单元格（0、0），按表头只取前 1 个", where="表二.licensing",
             keys=["t2.licensing.decisions"], evidence={"extra": ["0", "0"]}, source=Source("x.txt", line=40))
    fs = codes(build_report(zero_cells(), sections(), notes=[n]), "STR-CELL-EXTRA")
    assert len(fs) == 1 and fs[0].where == "t2.licensing" and fs[0].group == "t2"
    assert fs[0].sources == [{"file": "x.txt", "line": 40}]
    assert codes(clean(), "STR-CELL-EXTRA") == []


def test_outdated_format():
    fs = codes(build_report(zero_cells("2019"), sections(), format_version="2019", year=2022), "STR-FORMAT")
    assert len(fs) == 1 and fs[0].severity == "error" and "未按新格式" in fs[0].message
    assert codes(build_report(zero_cells("2019"), sections(), format_version="2019", year=2020), "STR-FORMAT") == []
    assert codes(clean(), "STR-FORMAT") == []


def test_other_single_row_note():
    n = Note("other-single-row", "表三“（六）其他处理”只印了一行", where="t3.other")
    fs = codes(build_report(zero_cells(), sections(), notes=[n]), "STR-OTHER-ROW")
    assert len(fs) == 1 and fs[0].group == "t3"


# labels -------------------------------------------------------------------------------

def test_label_wording_and_punct():
    labels = {"t3.not_processed.petition.natural_person": "1.信访举报投诉申请",
              "t3.partial.natural_person": "（二）部分公开（区分处理的，只计这一情形。不计其他情形）",
              "t3.granted.natural_person": "(一) 予以公开"}
    cols = {"t2.rules.repealed": "本年制废止数", "t2.normative.repealed": "本年制废止数"}
    rep = build_report(zero_cells(), sections(), labels=labels, column_labels=cols)
    w = codes(rep, "LBL-WORDING")
    assert sorted(f.actual for f in w) == ["1.信访举报投诉申请", "本年制废止数"]   # one per printed header
    assert all(f.severity == "warning" for f in w)
    p = codes(rep, "LBL-PUNCT")
    assert any(f.where == "t3.partial" for f in p)
    assert any(f.where == "t3" and "半角" in f.message for f in p)
    assert all(f.severity == "info" for f in p)
    assert codes(clean(), "LBL-WORDING") == [] and codes(clean(), "LBL-PUNCT") == []


def test_label_variant_note_not_in_cells():
    n = Note("label-variant", "表四“结果纠正”…", where="t4", keys=[],
             evidence={"printed": "结果改正", "canonical": "结果纠正", "variant": "fuzzy:0.88"})
    fs = codes(build_report(zero_cells(), sections(), notes=[n]), "LBL-WORDING")
    assert len(fs) == 1 and fs[0].actual == "结果改正"


# rubric -------------------------------------------------------------------------------

def test_rubric_s1_topics():
    assert codes(clean(), "RUB-S1") == []
    fs = codes(build_report(zero_cells(), sections(s1_overview="本年主动公开信息10条。")), "RUB-S1")
    assert len(fs) == 1 and "监督保障" in fs[0].message and "主动公开" not in fs[0].evidence["missing"]


def test_rubric_s5_last_year():
    assert codes(clean(), "RUB-S5") == []
    ok = build_report(zero_cells(), sections(s5_problems="（二）2022 年度改进情况：针对问题，已整改。"))
    assert codes(ok, "RUB-S5") == []
    bad = build_report(zero_cells(), sections(s5_problems="存在问题。2024年，我们将改进工作。"))
    assert len(codes(bad, "RUB-S5")) == 1


def test_rubric_s6_fee_statement():
    assert codes(clean(), "RUB-S6") == []
    for text in ("按照国办函〔2020〕109号规定，本年度没有产生政府信息公开处理费。", "未收取信息处理费。"):
        assert codes(build_report(zero_cells(), sections(s6_other=text)), "RUB-S6") == []
    fs = codes(build_report(zero_cells(), sections(s6_other="无")), "RUB-S6")
    assert len(fs) == 1 and "只写了“无”" in fs[0].message
    # 表二's 行政事业性收费 is not the 信息处理费
    fs = codes(build_report(zero_cells(), sections(s6_other="本年行政事业性收费0.66万元。")), "RUB-S6")
    assert len(fs) == 1 and "不是信息处理费" in fs[0].message


def test_rubric_timeliness():
    rep = clean(agency="某市某区人民政府", year=2023)
    rep.publish_date = "2024-03-20"
    assert codes(rep, "RUB-TIME") == []                     # 本级政府: 3月31日
    rep.publish_date = "2024-04-15"
    assert len(codes(rep, "RUB-TIME")) == 1
    dept = clean(agency="某市某区教育局", year=2023)
    dept.publish_date = "2024-01-30"
    assert codes(dept, "RUB-TIME") == []                    # 部门: 1月31日
    dept.publish_date = "2024-02-20"
    fs = codes(dept, "RUB-TIME")
    assert len(fs) == 1 and "2024-01-31" in fs[0].message
    zone = clean(agency="平潭综合实验区", year=2023)
    zone.publish_date = "2024-03-08"
    assert codes(zone, "RUB-TIME") == []                    # a zone's own report: 本级政府
    town = clean(agency="某县某镇人民政府", year=2023)
    town.publish_date = "2024-04-20"
    assert codes(town, "RUB-TIME") == []                    # 乡镇: no statutory date, not checked by default


def test_rubric_timeliness_township_configurable(monkeypatch):
    from nianbao.audit.rules import rubric
    monkeypatch.setitem(rubric.DEADLINES, "township", (2, 20))
    town = clean(agency="某县某镇人民政府", year=2023)
    town.publish_date = "2024-02-19"
    assert codes(town, "RUB-TIME") == []
    town.publish_date = "2024-02-21"
    assert len(codes(town, "RUB-TIME")) == 1


# plausibility --------------------------------------------------------------------------

def test_rules_without_power():
    cells = zero_cells()
    cells["t2.rules.in_force"] = 5
    fs = codes(build_report(cells, sections(), agency="某县某镇人民政府"), "PLA-RULES")
    assert len(fs) == 1 and "规章" in fs[0].message
    assert codes(build_report(cells, sections(), agency="某省人民政府"), "PLA-RULES") == []


def test_in_force_zero():
    cells = zero_cells()
    cells["t2.normative.issued"] = 3
    cells["t2.normative.in_force"] = 3
    assert codes(build_report(cells, sections()), "PLA-INFORCE") == []
    cells["t2.normative.in_force"] = 0
    assert len(codes(build_report(cells, sections()), "PLA-INFORCE")) == 1


def test_suit_without_review():
    cells = consistent_cells(t4={"suit_after_review": {"upheld": 1, "corrected": 0, "other": 0, "pending": 0}})
    assert len(codes(build_report(cells, sections()), "PLA-SUIT")) == 1
    cells = consistent_cells(t4={"suit_after_review": {"upheld": 1, "corrected": 0, "other": 0, "pending": 0},
                                 "review": {"upheld": 1, "corrected": 0, "other": 0, "pending": 0}})
    assert codes(build_report(cells, sections()), "PLA-SUIT") == []


def test_fee_scale():
    cells = zero_cells()
    cells["t2.fees.amount"] = 0.6625
    assert codes(build_report(cells, sections()), "PLA-FEE") == []
    cells["t2.fees.amount"] = 6625
    fs = codes(build_report(cells, sections(), agency="某县某镇人民政府"), "PLA-FEE")
    assert len(fs) == 1 and fs[0].severity == "warning"
    # six decimals of 万元 is to the 分, not a sign of 元: 平潭综合实验区 prints 5949.088667
    cells["t2.fees.amount"] = "5949.088667"
    assert codes(build_report(cells, sections(), agency="平潭综合实验区"), "PLA-FEE") == []
    cells["t2.fees.amount"] = "0.123456"
    assert codes(build_report(cells, sections()), "PLA-FEE") == []


def test_fee_s6_against_t2():
    cells = zero_cells()
    cells["t2.fees.amount"] = 0.1
    rep = build_report(cells, sections(s6_other="本年收取信息处理费3000元。"))
    assert len(codes(rep, "PLA-FEE-S6")) == 1
    rep = build_report(cells, sections(s6_other="本年收取信息处理费500元。"))
    assert codes(rep, "PLA-FEE-S6") == []


def test_template_scope():
    rep = build_report(zero_cells(), sections(s1_overview=GOOD_S1 + "组织推动全省政府信息公开工作。"),
                       agency="某市某镇人民政府")
    assert len(codes(rep, "PLA-TEMPLATE")) == 1
    assert codes(clean(agency="某市某镇人民政府"), "PLA-TEMPLATE") == []


# run -------------------------------------------------------------------------------------

def test_crashing_rule_becomes_internal_finding(monkeypatch):
    rule = REGISTRY["RUB-S1"]

    def boom(report):
        raise RuntimeError("坏了")
    monkeypatch.setattr(rule, "check", boom)
    res = audit_report(clean())
    sys_f = [f for f in res.findings if f.rule == "SYS-ERROR"]
    assert len(sys_f) == 1 and sys_f[0].where == "RUB-S1" and sys_f[0].status == "not-assessable"


def test_every_finding_is_well_formed():
    cells = zero_cells()
    cells["t3.granted.natural_person"] = 3
    rep = build_report(cells, sections(s6_other="无"), title=None)
    for f in audit(rep):
        d = f.to_dict()
        assert d["severity"] in ("error", "warning", "info")
        assert d["status"] in ("fail", "not-assessable")
        assert d["rule"] and d["where"] and d["message"]
        assert any("\u4e00" <= ch <= "\u9fff" for ch in d["message"])   # Chinese
        for c in d["cells"]:
            assert set(c) >= {"key", "label", "value"}


def test_pre2019_report_skips_tables():
    rep = build_report({}, {"p_overview": "概述"}, format_version="pre2019", year=2018)
    fs = audit(rep)
    assert not [f for f in fs if f.rule in ("T3-BAL", "T3-RES", "T3-ROW", "T4-SUM", "STR-SECTION", "STR-TABLE")]
    assert any(f.rule == "STR-FORMAT" and f.severity == "info" for f in fs)


# issue 10: rubric forms and copy tells -----------------------------------------------------------

def test_rubric_s5_common_forms():
    for text in ("针对上年度报告中指出的不足，今年我局着力加强政策解读。", "上一年度存在的问题已全部整改到位。",
                 "（三）2022年度改进情况：加强培训。", "对照上年度年报反映的问题，逐项抓好落实。"):
        assert codes(build_report(zero_cells(), sections(s5_problems=text)), "RUB-S5") == [], text
    for text in ("下一步，我局将着力加强政策解读。", "上年结转的2件申请已办结。2024年，我们将改进工作。"):
        assert len(codes(build_report(zero_cells(), sections(s5_problems=text)), "RUB-S5")) == 1, text


def test_copy_year_tell():
    bad = build_report(zero_cells(), sections(s5_problems=GOOD_S5 + "2021年，我单位将继续加大公开力度。"), year=2021)
    fs = codes(bad, "PLA-COPY-YEAR")
    assert len(fs) == 1 and "2021年" in fs[0].message and fs[0].severity == "warning"
    for text in ("2022年，我单位将继续加大公开力度。", "2021年，我局将政务公开工作纳入绩效考核。"):
        ok = build_report(zero_cells(), sections(s5_problems=GOOD_S5 + text), year=2021)
        assert codes(ok, "PLA-COPY-YEAR") == [], text
