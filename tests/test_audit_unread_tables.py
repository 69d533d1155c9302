"""A table the document prints but nianbao could not read is a reading problem, not a
missing table (issue 10's rule "a reading problem is not the unit's error").

Fixtures: the bundled text samples with 表二 turned into the shape PDF-to-text converters
give (pdfminer: every cell on its own line, numbers scattered away from their labels), and
with 表二 left out altogether. The first is a 需人工核对 warning naming the labels seen;
the second stays the unit's error.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import SAMPLES
from nianbao.audit.run import audit_report
from nianbao.extract import extract_path

TEXTS = sorted(SAMPLES.glob("*.txt"))
S2 = re.compile(r"^\s*(二|2)\s*、\s*主动公开政府信息情况")
S3 = re.compile(r"^\s*(三|3)\s*、\s*收到和处理政府信息公开申请情况")


def _table2_region(lines: list[str]) -> tuple[int, int]:
    a = next(i for i, ln in enumerate(lines) if S2.match(ln))
    b = next(i for i, ln in enumerate(lines) if S3.match(ln))
    return a + 1, b


def _scatter(lines: list[str]) -> list[str]:
    """Labels one per line, numbers collected at the end (as pdfminer prints columns)."""
    labels, numbers = [], []
    for ln in lines:
        for cell in re.split(r"\t|\|", ln):
            cell = cell.strip()
            if not cell:
                continue
            (numbers if re.fullmatch(r"[\d.]+", cell) else labels).append(cell)
    return labels + [" ".join(numbers)]


def _findings(path: Path):
    return [f for f in audit_report(extract_path(path)).findings if f.rule == "STR-TABLE" and f.where == "t2"]


@pytest.mark.parametrize("path", TEXTS, ids=lambda p: p.name[:3])
def test_scattered_table_is_a_reading_problem(path, tmp_path):
    lines = path.read_text(encoding="utf-8").split("\n")
    a, b = _table2_region(lines)
    out = tmp_path / path.name
    out.write_text("\n".join(lines[:a] + _scatter(lines[a:b]) + lines[b:]), encoding="utf-8")
    fs = _findings(out)
    assert len(fs) == 1
    f = fs[0]
    assert f.channel == "reading" and f.severity == "warning"
    assert "未能读取表二" in f.message and "不作为报告缺表" in f.message


@pytest.mark.parametrize("path", TEXTS, ids=lambda p: p.name[:3])
def test_absent_table_is_the_units_error(path, tmp_path):
    lines = path.read_text(encoding="utf-8").split("\n")
    a, b = _table2_region(lines)
    out = tmp_path / path.name
    out.write_text("\n".join(lines[:a] + ["本年度主动公开政府信息情况见门户网站。"] + lines[b:]), encoding="utf-8")
    fs = _findings(out)
    assert len(fs) == 1 and fs[0].channel == "report" and fs[0].severity == "error"
    assert "未找到表二" in fs[0].message
