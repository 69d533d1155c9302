"""Identity rules (T3-BAL, T3-RES, T3-ROW, T4-SUM), blanks, and the repair search."""
from __future__ import annotations

import sys
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent))
from audit_helpers import build_report, consistent_cells, zero_cells  # noqa: E402

from nianbao import standard  # noqa: E402
from nianbao.audit import audit_report  # noqa: E402
from nianbao.audit.repair import suggest  # noqa: E402
from nianbao.audit.rules.identities import identities  # noqa: E402
from nianbao.audit.rules.text_tables import agreement  # noqa: E402

IDENT = ("T3-BAL", "T3-RES", "T3-ROW", "T4-SUM")
STD = standard.load()
COLS = STD.t3_cols
APPLICANT = [c for c in COLS if c != "total"]


def ident_findings(rep):
    return [f for f in audit_report(rep).findings if f.rule in IDENT]


def test_identity_counts():
    assert len(identities("2021")) == 42
    assert len(identities("2019")) == 40
    codes = [i.code for i in identities("2021")]
    assert codes.count("T3-BAL") == 7 and codes.count("T3-RES") == 7
    assert codes.count("T3-ROW") == 25 and codes.count("T4-SUM") == 3


def test_all_zero_report_passes():
    assert ident_findings(build_report(zero_cells())) == []


def test_t3_bal_fail_and_pass():
    cells = consistent_cells(outcomes={"granted": {"natural_person": 2}}, carry={"natural_person": 1},
                             carried={"natural_person": 1})
    assert ident_findings(build_report(cells)) == []
    # new and its total changed together: only the balance fails (rows still add up)
    cells["t3.new.natural_person"] += 1
    cells["t3.new.total"] += 1
    fs = ident_findings(build_report(cells))
    assert [(f.rule, f.where) for f in fs] == [("T3-BAL", "natural_person"), ("T3-BAL", "total")]
    f = fs[0]
    assert f.severity == "error" and f.status == "fail"
    assert f.expected == 4 and f.actual == 3
    assert "自然人" in f.message and "一、本年新收政府信息公开申请数量" in f.message
    assert {c["key"] for c in f.cells} >= {"t3.new.natural_person", "t3.result_total.natural_person"}
    assert all("source" in c for c in f.cells)


def test_t3_res_fail_names_row_and_column():
    cells = consistent_cells(outcomes={"granted": {"commercial": 1}, "withheld.third_party": {"commercial": 1}})
    cells["t3.result_total.commercial"] = 1
    cells["t3.carry_forward.commercial"] = 1   # keeps T3-BAL
    cells["t3.result_total.total"] = 1
    cells["t3.carry_forward.total"] = 1
    fs = ident_findings(build_report(cells))
    assert sorted((f.rule, f.where) for f in fs) == [("T3-RES", "commercial"), ("T3-RES", "total")]
    assert "商业企业" in fs[0].message or "商业企业" in fs[1].message


def test_t3_row_fail():
    cells = consistent_cells(outcomes={"granted": {"natural_person": 3}})
    cells["t3.partial.total"] = 1
    fs = ident_findings(build_report(cells))
    assert ("T3-ROW", "partial") in [(f.rule, f.where) for f in fs]
    f = next(f for f in fs if f.rule == "T3-ROW")
    assert "（二）部分公开" in f.message and f.actual == 1 and f.expected == 0


def test_t4_sum_fail_and_pass():
    cells = consistent_cells(t4={"review": {"upheld": 1, "corrected": 1, "other": 0, "pending": 1}})
    assert ident_findings(build_report(cells)) == []
    cells["t4.review.total"] = 2
    fs = ident_findings(build_report(cells))
    assert [(f.rule, f.where, f.expected, f.actual) for f in fs] == [("T4-SUM", "review", 3, 2)]
    assert "行政复议" in fs[0].message


def test_blank_is_not_zero():
    cells = zero_cells()
    cells["t3.granted.research"] = None          # blank
    cells["t3.partial.research"] = "/"            # not applicable
    fs = ident_findings(build_report(cells))
    assert fs and all(f.status == "not-assessable" for f in fs)
    rules = {(f.rule, f.where) for f in fs}
    assert ("T3-RES", "research") in rules and ("T3-ROW", "granted") in rules
    # everything else holds when blanks are 0: reported as info, not as a failure
    assert all(f.severity == "info" for f in fs)
    blank = [f for f in audit_report(build_report(cells)).findings if f.rule == "CELL-BLANK"]
    assert len(blank) == 1 and blank[0].status == "not-assessable"


def test_blank_with_inconsistency_is_warning():
    cells = zero_cells()
    cells["t3.granted.research"] = None
    cells["t3.granted.total"] = 2
    fs = [f for f in ident_findings(build_report(cells)) if f.where == "granted"]
    assert fs[0].status == "not-assessable" and fs[0].severity == "warning"


def test_missing_table_single_not_assessable():
    cells = {k: v for k, v in zero_cells().items() if not k.startswith("t4.")}
    fs = [f for f in audit_report(build_report(cells)).findings if f.rule == "T4-SUM"]
    assert len(fs) == 1 and fs[0].status == "not-assessable" and fs[0].where == "t4"


def test_2019_format_identities():
    cells = consistent_cells(outcomes={"other": {"natural_person": 2}}, version="2019")
    rep = build_report(cells, format_version="2019", year=2020)
    assert ident_findings(rep) == []
    cells["t3.other.natural_person"] = 3
    fs = ident_findings(build_report(cells, format_version="2019", year=2020))
    assert sorted((f.rule, f.where) for f in fs) == [("T3-RES", "natural_person"), ("T3-ROW", "other")]


# ---------------------------------------------------------------------------------------
# repair

def test_repair_single_cell():
    cells = consistent_cells(outcomes={"granted": {"natural_person": 2}})
    cells["t3.granted.natural_person"] = 5
    rep = build_report(cells)
    r = suggest(rep, agreement)
    assert r is not None and r.candidates[0].changes == {"t3.granted.natural_person": 2}
    assert not r.ambiguous
    assert "由5改为2" in r.explanation
    assert rep.cells["t3.granted.natural_person"].value == 5   # never modifies the report


def test_repair_none_when_consistent():
    assert suggest(build_report(zero_cells()), agreement) is None


def test_repair_too_many_errors():
    cells = zero_cells()
    for k in ("t3.granted.natural_person", "t3.partial.commercial", "t3.withheld.inquiry.research",
              "t4.review.upheld"):
        cells[k] = 1
    r = suggest(build_report(cells), agreement)
    assert r is not None and r.candidates == [] and "无法通过修改一至两个单元格" in r.explanation


def test_repair_attached_to_identity_findings():
    cells = consistent_cells(outcomes={"granted": {"natural_person": 2}})
    cells["t3.granted.natural_person"] = 5
    res = audit_report(build_report(cells))
    fails = [f for f in res.findings if f.rule in IDENT]
    assert fails and all(f.suggestion is res.repair for f in fails)
    assert res.repair["candidates"][0]["cells"][0]["key"] == "t3.granted.natural_person"
    assert res.repair["candidates"][0]["cells"][0]["suggested"] == 2


# ---------------------------------------------------------------------------------------
# property tests

OUTCOME_ROWS = STD.t3_row_keys("2021")[2:23]
SMALL = st.integers(min_value=0, max_value=6)


@st.composite
def consistent(draw):
    outcomes = {r: {c: draw(SMALL) if draw(st.booleans()) else 0 for c in APPLICANT} for r in OUTCOME_ROWS}
    carry = {c: draw(SMALL) for c in APPLICANT}
    carried = {}
    for c in APPLICANT:
        s = sum(outcomes[r][c] for r in OUTCOME_ROWS) + carry[c]
        carried[c] = draw(st.integers(min_value=0, max_value=s))
    t4 = {g.key: {c: draw(SMALL) for c in ("upheld", "corrected", "other", "pending")} for g in STD.t4_groups}
    t2 = {k: draw(SMALL) for k in STD.t2_keys("2021") if k != "t2.fees.amount"}
    t2["t2.fees.amount"] = draw(st.sampled_from([0, 0.5, 1.25, 3]))
    return consistent_cells(outcomes, carry, carried, t4, t2)


def expected_identities(key: str) -> set[tuple[str, str]]:
    """Independent statement of which identities contain a cell."""
    parts = key.split(".")
    if parts[0] == "t4":
        return {("T4-SUM", parts[1])}
    row, col = ".".join(parts[1:-1]), parts[-1]
    out = {("T3-ROW", row)}
    if row in ("new", "carried_over", "result_total", "carry_forward"):
        out.add(("T3-BAL", col))
    if row not in ("new", "carried_over", "carry_forward"):
        out.add(("T3-RES", col))
    return out


IDENTITY_KEYS = sorted(STD.t3_keys("2021") + STD.t4_keys)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(consistent())
def test_consistent_report_has_no_identity_finding(cells):
    assert ident_findings(build_report(cells)) == []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(consistent(), st.sampled_from(IDENTITY_KEYS), st.integers(min_value=1, max_value=5), st.booleans())
def test_one_changed_cell_gives_expected_findings_and_repair(cells, key, delta, up):
    if not up and cells[key] - delta < 0:
        up = True
    cells = dict(cells)
    original = cells[key]
    cells[key] = original + (delta if up else -delta)
    res = audit_report(build_report(cells))
    got = {(f.rule, f.where) for f in res.findings if f.rule in IDENT}
    assert got == expected_identities(key)
    assert all(f.status == "fail" for f in res.findings if f.rule in IDENT)
    assert res.repair is not None
    named = [{c["key"]: c["suggested"] for c in cand["cells"]} for cand in res.repair["candidates"]]
    assert {key: original} in named
    assert len(res.repair["candidates"][0]["cells"]) == 1
