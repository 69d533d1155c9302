"""Stated figures in the text (textnums) and the text-vs-table rules (TT-*)."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from audit_helpers import build_report, consistent_cells, sample_report, zero_cells  # noqa: E402

from nianbao.audit import audit  # noqa: E402
from nianbao.audit.textnums import analyse_text, cn_to_int, own_level  # noqa: E402


def base_sections(s1="", **over):
    d = {"s1_overview": s1, "s2_proactive": "", "s3_requests": "", "s4_review_litigation": "",
         "s5_problems": "上年度问题已整改。", "s6_other": "未收取信息处理费。"}
    d.update(over)
    return d


def rule(rep, code):
    return [f for f in audit(rep) if f.rule == code]


# textnums ---------------------------------------------------------------------------------

def test_figures_classified():
    t = analyse_text("2023年，本镇收到政府信息公开申请2条，已公开1条，不予公开1条，办结2件。", "s1_overview", year=2023)
    got = [(f.category, f.value) for f in t.figures]
    assert got == [("received", 2), ("granted", 1), ("withheld", 1), ("completed", 2)]


def test_figures_without_request_context_not_requests():
    t = analyse_text("主动公开政府信息219条，公开政策文件2条。", "s1_overview", year=2023)
    assert [f.category for f in t.figures] == ["proactive", None]


def test_article_numbers_and_prose_are_not_figures():
    t = analyse_text("依据《条例》第二十条第1条，推行一条龙服务，设立一个窗口。", "s1_overview")
    assert t.figures == []


def test_chinese_numerals():
    assert cn_to_int("十二") == 12 and cn_to_int("两") == 2 and cn_to_int("二十") == 20
    t = analyse_text("全年共收到政府信息公开申请两件。", "s1_overview")
    assert [(f.category, f.value) for f in t.figures] == [("received", 2)]


def test_scope_and_year():
    assert own_level("重庆市九龙坡区石板镇人民政府") == "镇"
    assert own_level("某某区教育局") is None
    t = analyse_text("全市共收到申请1200件；全镇收到申请3件。2022年收到申请5件。", "s1_overview",
                     year=2023, agency="某市某镇人民政府")
    f = t.figures
    assert f[0].other_scope == "全市" and not f[0].comparable
    assert f[1].comparable and f[1].value == 3
    assert f[2].other_year == 2022 and not f[2].comparable


def test_sums_parsed():
    t = analyse_text("2023年，主动公开政府信息219条，内容涵盖财政预决算等，公开政府信息公开指南1条、政策文件2条、"
                     "机关简介信息2条、预决算信息9条、基层政务公开信息168条、镇街动态信息37条；LED屏常态化播放。",
                     "s1_overview", year=2023)
    assert [(s.total.value, [p.value for p in s.parts]) for s in t.sums] == [(219, [1, 2, 2, 9, 168, 37])]
    t = analyse_text("全年主动公开政府信息121条：政府网站52条，其中指南1条、年报1条、群文活动2条、展演信息1条、"
                     "工作概况43条、政策文件4条；政务新媒体69条，其中微信公众号69条。", "s1_overview")
    assert sorted((s.total.value, s.parts_sum) for s in t.sums) == [(52, 52), (121, 121)]


def test_statements():
    t = analyse_text("我镇没有收到电话、网络等方式提出的政府信息公开；没有出现因政府信息公开被申请行政复议和行政诉讼的情况。",
                     "s1_overview")
    assert sorted(s.kind for s in t.statements) == ["no_requests", "no_review", "no_suit"]
    t = analyse_text("本年收到申请3件，均已办结，未发生行政复议。", "s1_overview")
    assert [s.kind for s in t.statements] == ["no_review"]


# rules ------------------------------------------------------------------------------------

def table_two_requests():
    return consistent_cells(outcomes={"granted": {"natural_person": 1}, "withheld.internal_affairs": {"commercial": 1}})


def test_tt_num_pass_and_fail():
    cells = table_two_requests()
    ok = build_report(cells, base_sections("本年收到政府信息公开申请2件，予以公开1件，不予公开1件。"))
    assert rule(ok, "TT-NUM") == [] and rule(ok, "TT-SPLIT") == []
    bad = build_report(cells, base_sections("本年收到政府信息公开申请5件，予以公开1件。"))
    fs = rule(bad, "TT-NUM")
    assert len(fs) == 1 and fs[0].expected == 5 and fs[0].actual == 2
    assert "一、本年新收政府信息公开申请数量" in fs[0].message and fs[0].where == "s1_overview:received"


def test_tt_num_other_scope_no_false_alarm():
    cells = table_two_requests()
    rep = build_report(cells, base_sections("全市共收到政府信息公开申请1200件。本镇收到政府信息公开申请2件。"),
                       agency="某市某镇人民政府")
    assert rule(rep, "TT-NUM") == []


def test_tt_split():
    cells = consistent_cells(outcomes={"granted": {"natural_person": 1}, "unavailable.not_held": {"natural_person": 1}})
    bad = build_report(cells, base_sections("本年收到政府信息公开申请2件，予以公开1件，不予公开1件。"))
    fs = rule(bad, "TT-SPLIT")
    assert len(fs) == 1 and fs[0].where == "s1_overview:unavailable" and "（四）无法提供" in fs[0].message
    ok = build_report(cells, base_sections("本年收到政府信息公开申请2件，予以公开1件，因本机关不掌握无法提供1件。"))
    assert rule(ok, "TT-SPLIT") == []


def test_tt_none():
    cells = table_two_requests()
    bad = build_report(cells, base_sections("本年度未收到政府信息公开申请。"))
    fs = rule(bad, "TT-NONE")
    assert len(fs) == 1 and fs[0].actual == 2
    assert rule(build_report(zero_cells(), base_sections("本年度未收到政府信息公开申请。")), "TT-NONE") == []
    cells = consistent_cells(t4={"review": {"upheld": 1, "corrected": 0, "other": 0, "pending": 0}})
    fs = rule(build_report(cells, base_sections("本年度未发生行政复议、行政诉讼。")), "TT-NONE")
    assert [f.where for f in fs] == ["s1_overview:no_review"]


def test_tt_norm():
    cells = zero_cells()
    cells["t2.normative.issued"] = 3
    cells["t2.normative.in_force"] = 10
    ok = build_report(cells, base_sections("全年制发行政规范性文件3件，现行有效规范性文件10件。"))
    assert rule(ok, "TT-NORM") == []
    bad = build_report(cells, base_sections("全年制发行政规范性文件5件。"))
    fs = rule(bad, "TT-NORM")
    assert len(fs) == 1 and fs[0].expected == 5 and fs[0].actual == 3


def test_tt_sum():
    ok = build_report(zero_cells(), base_sections("主动公开政府信息20条，其中政策文件15条、工作动态5条。"))
    assert rule(ok, "TT-SUM") == []
    bad = build_report(zero_cells(), base_sections("主动公开政府信息200条，其中政策文件150条、工作动态80条。"))
    fs = rule(bad, "TT-SUM")
    assert len(fs) == 1 and fs[0].severity == "warning" and fs[0].expected == 200 and fs[0].actual == 230
    partial = build_report(zero_cells(), base_sections("主动公开政府信息200条，其中政策文件15条、工作动态5条。"))
    assert [f.severity for f in rule(partial, "TT-SUM")] == ["info"]


def test_tt_year():
    ok = build_report(zero_cells(), base_sections("2023年，本镇扎实推进政务公开。"),
                      preamble="统计期限为2023年1月1日至2023年12月31日。")
    assert rule(ok, "TT-YEAR") == []
    bad = build_report(zero_cells(), base_sections("2023年，本镇扎实推进政务公开。"),
                       preamble="统计期限为2022年1月1日至2022年12月31日。")
    fs = rule(bad, "TT-YEAR")
    assert len(fs) == 1 and fs[0].evidence["years"]["统计期限"] == 2022
    stale = build_report(zero_cells(), base_sections("2021年，本镇推进公开。2021年，本镇加强培训。"))
    assert [f.where for f in rule(stale, "TT-YEAR")] == ["s1_overview"]


def test_tt_fee():
    cells = consistent_cells(outcomes={"other.no_fee": {"natural_person": 1}})
    bad = build_report(cells, base_sections(s6_other="未收取信息处理费。"))
    assert len(rule(bad, "TT-FEE")) == 1
    ok = build_report(cells, base_sections(s6_other="本年发出收费通知1件，金额200元，申请人未缴纳。"))
    assert rule(ok, "TT-FEE") == []


# samples (answer keys + sample text) ---------------------------------------------------------

def test_sample_000_sum_passes_and_split_fails():
    rep = sample_report("000")
    fs = audit(rep)
    assert not [f for f in fs if f.rule == "TT-SUM"]            # 219 = 1+2+2+9+168+37
    split = [f for f in fs if f.rule == "TT-SPLIT"]
    assert len(split) == 1 and "无法提供" in split[0].message and split[0].actual == 2
    assert not [f for f in fs if f.rule == "TT-NUM"]            # 收到2, 已公开1, 不予公开1 all match


def test_sample_004_sums_and_no_requests():
    fs = audit(sample_report("004"))
    assert not [f for f in fs if f.rule in ("TT-SUM", "TT-NONE", "TT-NUM")]


# by meaning: what a figure counts (issue 10) ---------------------------------------------------

def requests_report(s1, **cells_over):
    cells = consistent_cells(outcomes={"granted": {"natural_person": 100}, "partial": {"natural_person": 20},
                                       "unavailable.not_held": {"natural_person": 50},
                                       "unavailable.needs_creation": {"natural_person": 20},
                                       "unavailable.unclear": {"natural_person": 10}},
                             t4={"review": {"upheld": 3, "corrected": 0, "other": 0, "pending": 0},
                                 "suit_direct": {"upheld": 2, "corrected": 0, "other": 0, "pending": 0}})
    cells.update(cells_over)
    return build_report(cells, base_sections(s1), agency="某市某区人民政府")


DISTRACTORS = [
    "本年主动公开政府信息1000条，其中依申请公开信息数120条，不予公开40条。",       # attributes of documents
    "收到政府信息公开申请200件。公开政策文件类信息5条、工作动态类信息7条。",        # categories of published info
    "收到政府信息公开申请200件，开展3次专项清理，接听热线电话8通，答复申请人咨询15次。",  # events, other units
    "收到政府信息公开申请200件，落实“两个一”工作机制，建立“三审三校”制度。",      # named mechanisms
    "全市共收到政府信息公开申请12000件，本区收到政府信息公开申请200件。",            # another scope
]


def test_distractors_are_not_compared():
    for s1 in DISTRACTORS:
        fs = [f for f in audit(requests_report(s1)) if f.rule.startswith("TT-")]
        assert fs == [], (s1, [f.message for f in fs])


def test_negations_are_not_figures_or_request_statements():
    t = analyse_text("未发生因政府信息公开申请引起的行政复议3件。", "s1_overview", year=2023)
    assert [f.category for f in t.figures] == [None]
    cells = consistent_cells(outcomes={"granted": {"natural_person": 2}})
    rep = build_report(cells, base_sections("收到政府信息公开申请2件，予以公开2件。未发生因政府信息公开申请引起的行政复议、行政诉讼。"))
    assert [f for f in audit(rep) if f.rule.startswith("TT-")] == []
    bad = build_report(consistent_cells(), base_sections("本年未发生因政府信息公开引起的行政复议。"))
    bad.cells["t4.review.total"].value, bad.cells["t4.review.total"].kind = 1, "number"
    assert [f.where for f in audit(bad) if f.rule == "TT-NONE"] == ["s1_overview:no_review"]


def test_distractor_figures_not_classified_as_requests():
    t = analyse_text(DISTRACTORS[0], "s1_overview", year=2023)
    assert [f.category for f in t.figures] == ["proactive", None, None]
    t = analyse_text("建立“两个一”工作机制，开展3次专项清理。", "s1_overview", year=2023)
    assert [f.category for f in t.figures] == [None]


def test_combined_statements_compared_with_their_sums():
    ok = requests_report("收到政府信息公开申请200件，予以公开及部分公开120件，无法提供80件。")
    assert [f for f in audit(ok) if f.rule == "TT-NUM"] == []
    bad = requests_report("收到政府信息公开申请200件，予以公开及部分公开110件，无法提供70件。")
    fs = [f for f in audit(bad) if f.rule == "TT-NUM"]
    assert sorted((f.expected, f.actual) for f in fs) == [(70, 80), (110, 120)]
    un = next(f for f in fs if f.expected == 70)
    assert len(un.cells) == 3 and "无法提供70件" in un.message                 # the three rows, with the sentence


def test_all_upheld_against_pending():
    ok = requests_report("被申请行政复议3件，被提起行政诉讼2件，均获维持。")
    assert [f for f in audit(ok) if f.rule == "TT-NUM"] == []
    rep = requests_report("被申请行政复议3件，被提起行政诉讼2件，均获维持。",
                          **{"t4.review.upheld": 1, "t4.review.pending": 2})
    fs = [f for f in audit(rep) if f.rule == "TT-NUM"]
    assert len(fs) == 1 and fs[0].where.endswith(":upheld") and "尚未审结" in fs[0].message


def test_parenthesised_parts_and_list_ending_with_other():
    ok = build_report(zero_cells(), base_sections("共公布政府信息1500条（其中政策文件30条、工作动态1400条、人事信息70条）。"))
    assert rule(ok, "TT-SUM") == []
    bad = build_report(zero_cells(), base_sections("共公布政府信息1500条（其中政策文件30+45+25条）。"))
    fs = rule(bad, "TT-SUM")
    assert len(fs) == 1 and fs[0].expected == 1500 and fs[0].actual == 100
    ok = build_report(zero_cells(), base_sections("公开政府信息100条：政策文件类信息50条、工作动态类信息38条和其他类信息12条。"))
    assert rule(ok, "TT-SUM") == []
    bad = build_report(zero_cells(), base_sections("公开政府信息100条：政策文件类信息50条、工作动态类信息38条和其他类信息10条。"))
    fs = rule(bad, "TT-SUM")
    assert len(fs) == 1 and fs[0].actual == 98 and fs[0].severity == "warning"


def test_inclusion_in_parentheses_is_not_a_breakdown():
    # 淮安 2024: 答复3050件（含上年度结转申请34件，另有103件顺延到下年度答复）
    rep = build_report(zero_cells(), base_sections("全市共受理政府信息公开申请3119件，答复3050件（含上年度结转申请34件，"
                                                   "另有103件顺延到下年度答复），均在法定期限内予以答复。"))
    assert rule(rep, "TT-SUM") == []


def test_one_finding_per_difference():
    rep = requests_report("收到政府信息公开申请150件。全年共收到政府信息公开申请150件。")
    fs = [f for f in audit(rep) if f.rule == "TT-NUM"]
    assert len(fs) == 1 and fs[0].expected == 150 and fs[0].actual == 200 and fs[0].cells


def test_normative_stock_at_a_date_is_not_the_year_end_count():
    # 平潭 2023: 清理并集中发布现行有效行政规范性文件393件，动态更新本年度制发的规范性文件77件 (表二: 470)
    cells = zero_cells()
    cells["t2.normative.issued"] = 77
    cells["t2.normative.in_force"] = 470
    rep = build_report(cells, base_sections("设立规范性文件库，清理并集中发布现行有效行政规范性文件393件。"))
    assert rule(rep, "TT-NORM") == []
    bad = build_report(cells, base_sections("截至年底，本区现行有效行政规范性文件393件。"))
    assert len(rule(bad, "TT-NORM")) == 1


def test_tt_fee_partial_statement_is_info():
    cells = consistent_cells(outcomes={"other.no_fee": {"natural_person": 6}})
    rep = build_report(cells, base_sections(s6_other="全年收取政府信息公开信息处理费3940元。"))
    fs = rule(rep, "TT-FEE")
    assert len(fs) == 1 and fs[0].severity == "info"
