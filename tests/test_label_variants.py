"""Label variants observed in real reports (format.md §8.1) map to the right cells."""
from __future__ import annotations

import pytest

from nianbao.extract import extract_document
from nianbao.readers import read
from nianbao.standard import load
from textgen import render

STD = load()
# distinct values so that a wrong mapping cannot pass
CELLS = {k: i + 1 for i, k in enumerate(STD.all_keys("2021"))}
CELLS["t2.fees.amount"] = 0.6625

# (canonical text in the rendering, variant printed by real reports, a key on that row, note expected)
VARIANTS = [
    ("本年废止件数", "本年制废止数", "t2.rules.repealed", True),
    ("第二十条第（一）项", "第二十条第(一)项", "t2.rules.issued", False),
    ("本年收费金额（单位：万元）", "本年收费金额(单位:万元)", "t2.fees.amount", False),
    ("\n规章\t", "\n规 章\t", "t2.rules.issued", False),
    ("一、本年新收政府信息公开申请数量", "一、本年新收政府公开信息申请数量", "t3.new.total", True),
    ("（区分处理的，只计这一情形，不计其他情形）", "（区分处理的，只计这一情形。不计其他情形）", "t3.partial.total", True),
    ("1.信访举报投诉类申请", "1.信访举报投诉申请", "t3.not_processed.petition.total", True),
    ("4.无正当理由大量反复申请", "4.无正当理由反复申请", "t3.not_processed.excessive.total", True),
    ("（一）予以公开", "(一) 予以公开", "t3.granted.total", False),
    ("3.危及“三安全一稳定”", '3.危及"三安全一稳定"', "t3.withheld.security_stability.total", False),
    ("\t其他\t", "\t其他组织\t", "t3.new.other_org", False),
    ("\t总计\n", "\t合计\n", "t3.new.total", False),
    ("（七）总计", "（七）合计", "t3.result_total.total", True),
    ("结果维持", "结果 维持", "t4.review.upheld", False),
    ("1.本机关不掌握相关政府信息", "1、本机关不掌握相关政府信息", "t3.unavailable.not_held.total", False),
    ("四、结转下年度继续办理", "四、结转下年度继续办理申请数量", "t3.carry_forward.total", True),
]


@pytest.mark.parametrize("canonical,variant,key,noted", VARIANTS, ids=[v[1] for v in VARIANTS])
def test_variant(canonical, variant, key, noted):
    text = render(CELLS, style="tabs")
    assert canonical in text, canonical
    text = text.replace(canonical, variant)
    r = extract_document(read("r.txt", text.encode()))
    assert r.values() == CELLS
    if noted:
        assert any(n.code in ("label-variant", "label-fuzzy") for n in r.notes), [n.message for n in r.notes]


def test_sample_004_reports_its_five_nonstandard_labels():
    from conftest import SAMPLES
    from nianbao.extract import extract_path
    r = extract_path(SAMPLES / "004_bd4d68dcca3e3128.txt")
    printed = {n.evidence["printed"] for n in r.notes if n.code == "label-variant"}
    assert printed == {"本年制废止数", "一、本年新收政府公开信息申请数量", "（二）部分公开（区分处理的，只计这一情形。不计其他情形）",
                       "1.信访举报投诉申请", "4.无正当理由反复申请"}
