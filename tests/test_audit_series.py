"""Cross-year and hierarchy findings (nianbao.audit.series) and agency-name matching."""
from __future__ import annotations

import sys
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent))
from audit_helpers import build_report, consistent_cells  # noqa: E402

from nianbao.audit import audit_report  # noqa: E402
from nianbao.audit.series import (agency_key, batch_series_findings, copied_share, cross_year_findings,  # noqa: E402
                                  find_previous, load_aliases, rollup_findings, same_agency)

S1_2022 = ("2022年，我区坚持以习近平新时代中国特色社会主义思想为指导，认真贯彻落实政府信息公开条例，全面推进决策、执行、管理、"
           "服务、结果公开。加强政策解读，围绕重点领域及时发布解读材料。完善依申请公开办理机制，规范答复文书。"
           "加强平台建设，优化政府门户网站栏目设置。强化监督保障，把政务公开纳入年度绩效考核。")
S1_2023 = S1_2022.replace("2022年", "2023年")
S1_NEW = ("2023年，区政府围绕优化营商环境开展专项公开，新增惠企政策专栏，累计发布惠企政策解读56篇。依申请公开方面，"
          "推行申请受理、审查、答复全流程线上办理，平均办理时间缩短至8个工作日。平台建设方面，完成政府网站集约化迁移，"
          "开通无障碍浏览。监督保障方面，开展两轮专项检查，通报问题12个并全部整改。")


def rep(year, agency="淮安市洪泽区人民政府", carry=None, carried=None, t2=None, s1="", source=None):
    cells = consistent_cells(outcomes={"granted": {"natural_person": 5}}, carry=carry, carried=carried, t2=t2)
    return build_report(cells, {"s1_overview": s1, "s5_problems": "上年度问题已整改。", "s6_other": "未收取信息处理费。"},
                        year=year, agency=agency, source=source or f"{agency}{year}.txt")


def test_agency_names_match_usual_forms(tmp_path):
    assert same_agency("淮安市洪泽区人民政府", "洪泽区人民政府")
    assert same_agency("洪泽区政府", "洪泽区人民政府")
    assert same_agency("新华区青石山街道办事处", "青石山街道")
    assert not same_agency("淮安市人民政府", "洪泽区人民政府")
    assert not same_agency("教育局", "淮安市教育局")          # a bare department name is not enough
    f = tmp_path / "aliases.txt"
    f.write_text("# 别名\n平潭综合实验区管理委员会 = 平潭综合实验区 = 平潭实验区\n", encoding="utf-8")
    al = load_aliases(f)
    assert same_agency("平潭实验区", "平潭综合实验区管理委员会", al) and not same_agency("平潭实验区", "平潭综合实验区管理委员会")
    assert agency_key("平潭实验区", al) == agency_key("平潭综合实验区", al)


def test_carry_over_pass_and_fail():
    prev = rep(2022, carry={"natural_person": 2})
    ok = rep(2023, agency="洪泽区人民政府", carried={"natural_person": 2})
    assert [f for f in cross_year_findings(prev, ok) if f.rule == "X-CARRY"] == []
    bad = rep(2023, agency="洪泽区人民政府", carried={"natural_person": 1})
    fs = [f for f in cross_year_findings(prev, bad) if f.rule == "X-CARRY"]
    assert sorted(f.where for f in fs) == ["natural_person", "total"]
    assert fs[0].expected == 2 and fs[0].actual == 1 and "上年度报告" in fs[0].message and fs[0].group == "series"


def test_in_force_series_pass_and_fail():
    prev = rep(2022, t2={"t2.normative.in_force": 10, "t2.rules.in_force": 0})
    ok = rep(2023, t2={"t2.normative.issued": 3, "t2.normative.repealed": 1, "t2.normative.in_force": 12})
    assert [f for f in cross_year_findings(prev, ok) if f.rule == "X-INFORCE"] == []
    bad = rep(2023, t2={"t2.normative.issued": 3, "t2.normative.repealed": 1, "t2.normative.in_force": 15})
    fs = [f for f in cross_year_findings(prev, bad) if f.rule == "X-INFORCE"]
    assert len(fs) == 1 and fs[0].where == "t2.normative" and fs[0].expected == 12 and fs[0].actual == 15
    assert "行政规范性文件" in fs[0].message


def test_copied_text_pass_and_fail():
    assert copied_share(S1_2022, S1_2023) == 1.0           # only the year changed
    prev = rep(2022, s1=S1_2022)
    fs = [f for f in cross_year_findings(prev, rep(2023, s1=S1_2023)) if f.rule == "X-COPY"]
    assert len(fs) == 1 and fs[0].where == "s1_overview" and "100%" in fs[0].message
    assert [f for f in cross_year_findings(prev, rep(2023, s1=S1_NEW)) if f.rule == "X-COPY"] == []


def test_not_same_unit_or_not_consecutive():
    prev = rep(2022, agency="淮安市人民政府", carry={"natural_person": 2})
    fs = cross_year_findings(prev, rep(2023))
    assert [f.rule for f in fs] == ["X-AGENCY"]
    assert cross_year_findings(rep(2021, carry={"natural_person": 2}), rep(2023)) == []


def test_batch_groups_same_unit_consecutive_years():
    a22 = rep(2022, carry={"natural_person": 2}, source="a22")
    a23 = rep(2023, agency="洪泽区人民政府", carried={"natural_person": 1}, source="a23")
    b23 = rep(2023, agency="淮安市人民政府", carried={"natural_person": 1}, source="b23")
    out = batch_series_findings([a23, b23, a22])
    assert set(out) == {"a23"} and {f.rule for f in out["a23"]} == {"X-CARRY"}
    assert find_previous(a23, [b23, a22]) is a22 and find_previous(b23, [a22, a23]) is None


def test_audit_report_with_prev():
    prev = rep(2022, carry={"natural_person": 2})
    res = audit_report(rep(2023, carried={"natural_person": 1}), prev=prev)
    assert {f.rule for f in res.findings if f.group == "series"} == {"X-CARRY"}
    assert not [f for f in audit_report(rep(2023, carried={"natural_person": 2}), prev=prev).findings
                if f.group == "series"]


def test_rollup_pass_and_fail():
    m1 = rep(2023, agency="某县某镇人民政府", t2={"t2.fees.amount": 0.25})
    m2 = rep(2023, agency="某县某乡人民政府", t2={"t2.fees.amount": 0.5})
    parent_ok = build_report(consistent_cells(outcomes={"granted": {"natural_person": 10}}, t2={"t2.fees.amount": 0.75}),
                             agency="某县人民政府", year=2023)
    assert rollup_findings(parent_ok, [m1, m2]) == []
    parent_bad = build_report(consistent_cells(outcomes={"granted": {"natural_person": 9}}, t2={"t2.fees.amount": 0.75}),
                              agency="某县人民政府", year=2023)
    fs = rollup_findings(parent_bad, [m1, m2])
    assert {f.where for f in fs} == {"t3.granted.natural_person", "t3.granted.total", "t3.new.natural_person",
                                     "t3.new.total", "t3.result_total.natural_person", "t3.result_total.total"}
    assert all(f.rule == "X-ROLLUP" and f.expected == 10 and f.actual == 9 for f in fs)


def _scan_previous(report, candidates, aliases=None):
    """The definition PreviousIndex must agree with: the first candidate of the year before
    that is the same unit under another source."""
    from nianbao.audit.series import same_agency
    if report.year is None:
        return None
    for r in candidates:
        if r.year == report.year - 1 and r.source != report.source and same_agency(r.agency, report.agency, aliases):
            return r
    return None


_REGIONS = ["", "江苏省", "淮安市", "淮安市洪泽区", "洪泽区", "某县", "某市某县"]
_UNITS = ["人民政府", "政府", "教育局", "财政局", "老子山镇人民政府", "街道办事处", "交通运输局"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_REGIONS), st.sampled_from(_UNITS), st.sampled_from([2022, 2023, None])),
                min_size=1, max_size=25))
def test_previous_index_agrees_with_a_scan(specs):
    from nianbao.audit.series import PreviousIndex
    from nianbao.model import Report
    reports = [Report(source=f"f{i}", agency=region + unit, year=year) for i, (region, unit, year) in enumerate(specs)]
    index = PreviousIndex(reports)
    for r in reports:
        assert index.find(r) is _scan_previous(r, reports)
