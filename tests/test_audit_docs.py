"""docs/rules.md documents every rule code the auditor can emit."""
from __future__ import annotations

import re
from pathlib import Path

from nianbao.audit import rules

DOC = Path(__file__).resolve().parent.parent / "docs" / "rules.md"


def test_every_rule_documented():
    text = DOC.read_text(encoding="utf-8")
    codes = [r.code for r in rules()] + ["SYS-ERROR"]
    for code in codes:
        m = re.search(rf"^### `{re.escape(code)}`.*?(?=^### |\Z)", text, re.M | re.S)
        assert m, f"{code} 未在 docs/rules.md 中说明"
        block = m.group(0)
        for item in ("检查什么", "为什么", "依据", "示例"):
            assert item in block, f"{code} 缺少“{item}”"


def test_fixed_identity_codes():
    codes = {r.code for r in rules()}
    assert {"T3-BAL", "T3-RES", "T3-ROW", "T4-SUM"} <= codes


def test_rules_have_metadata():
    for r in rules():
        assert r.code and r.title and r.description and r.basis
        assert r.severity in ("error", "warning", "info")
