"""Repairs ranked by plausibility: narrative, last year, recognised patterns, ties."""
from __future__ import annotations

import inspect
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from audit_helpers import build_report, consistent_cells, sample_report  # noqa: E402

from nianbao.audit import repair as R  # noqa: E402
from nianbao.audit.repair import PATTERN_MOVED, PATTERN_TOTAL_ZERO, suggest  # noqa: E402
from nianbao.audit.rules.text_tables import agreement  # noqa: E402
from nianbao.audit.textnums import Support  # noqa: E402


def test_total_column_left_at_zero_is_one_repair():
    cells = consistent_cells(outcomes={"granted": {"natural_person": 3, "commercial": 1}, "partial": {"natural_person": 2}})
    for k in list(cells):
        if k.startswith("t3.") and k.endswith(".total"):
            cells[k] = 0
    r = suggest(build_report(cells), agreement)
    assert r is not None and r.candidates and r.candidates[0].pattern == PATTERN_TOTAL_ZERO
    assert r.candidates[0].changes["t3.granted.total"] == 4 and "总计栏漏填" in r.explanation
    ok = consistent_cells(outcomes={"granted": {"natural_person": 3}})
    assert suggest(build_report(ok), agreement) is None


def test_number_in_wrong_applicant_column_is_one_repair():
    cells = consistent_cells(outcomes={"granted": {"natural_person": 3}})
    cells["t3.granted.natural_person"] = 0
    cells["t3.granted.commercial"] = 3
    r = suggest(build_report(cells), agreement)
    assert r is not None and r.candidates[0].pattern == PATTERN_MOVED
    assert r.candidates[0].changes == {"t3.granted.natural_person": 3, "t3.granted.commercial": 0}
    assert "移到" in r.explanation and "填错申请人类别列" in r.explanation


def test_narrative_preferred():
    # sample 000: text "收到2条，已公开1条，不予公开1条"; 表三 adds 无法提供 2 → T3-RES fails in two columns
    rep = sample_report("000")
    r = suggest(rep, agreement)
    assert r is not None and r.candidates[0].agreement > r.candidates[0].agreement_before
    assert set(r.candidates[0].changes) == {"t3.unavailable.not_held.natural_person", "t3.unavailable.not_held.total"}
    assert "与正文所述数字一致" in r.explanation
    without = suggest(build_report({k: c.value for k, c in rep.cells.items()}), agreement)
    assert without is not None and without.candidates[0].agreement == 0


def test_ties_are_said_to_be_ties():
    cells = consistent_cells(outcomes={"granted": {"natural_person": 2}})
    cells["t4.review.upheld"] = 1                      # 总计 0: fix the total, or the part?
    r = suggest(build_report(cells), agreement)
    assert r is not None
    if r.ambiguous:
        assert "并列" in r.explanation and r.ties >= 2
    one = consistent_cells(outcomes={"granted": {"natural_person": 2}})
    one["t3.granted.natural_person"] = 5
    r1 = suggest(build_report(one), agreement)
    assert r1 is not None and not r1.ambiguous and "并列" not in r1.explanation


def test_last_year_preferred():
    prev = build_report(consistent_cells(carry={"natural_person": 2}), year=2022)
    cells = consistent_cells(outcomes={"granted": {"natural_person": 2}}, carried={"natural_person": 2})
    cells["t3.carried_over.natural_person"] = 0        # printed 0; last year carried 2 forward
    cur = build_report(cells, year=2023)
    r = suggest(cur, agreement, prev=prev)
    assert r is not None and r.candidates[0].changes.get("t3.carried_over.natural_person") == 2
    assert r.candidates[0].last_year == 1 and "上年度报告" in r.explanation


def test_repair_does_not_branch_on_message_text():
    src = inspect.getsource(R)
    assert not re.search(r"startswith\(\s*[\"'](?:正文|[\u4e00-\u9fff])", src)
    assert not re.search(r"in\s+\w*\.?(?:message|explanation|text)\b", src)
    ok, support = agreement(build_report(consistent_cells(), {"s1_overview": "本年未收到政府信息公开申请。"}), {})
    assert all(isinstance(s, Support) and s.kind in ("num", "split", "upheld") for s in support)
