"""The audit finding: one observation about one report.

Owns: ``Finding`` (rule code, where, severity, status, channel, Chinese message, the
cells involved with their printed values and source positions, expected vs actual,
evidence, confidence, repair suggestion) and its JSON form; the severity/status
constants (aliases of ``nianbao.vocab.Severity`` / ``FindingStatus``), the two
channels — ``report`` (a problem of the report: the unit must fix it) and ``reading``
(nianbao could not read the document with certainty: goes to the 需人工核对 list, never
presented as the unit's error) — and the display groups ("by table") findings are
printed under.
Shaped after frictionless-py's error objects: a stable code, a note, and the
location; a finding never changes the report.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..vocab import FindingStatus, Severity

ERROR = Severity.ERROR
WARNING = Severity.WARNING
INFO = Severity.INFO
SEVERITIES: tuple[str, ...] = (ERROR, WARNING, INFO)
SEVERITY_ZH: dict[str, str] = {ERROR: "错误", WARNING: "警告", INFO: "提示"}
SEVERITY_RANK: dict[str, int] = {ERROR: 0, WARNING: 1, INFO: 2}

FAIL = FindingStatus.FAIL
NOT_ASSESSABLE = FindingStatus.NOT_ASSESSABLE
STATUSES: tuple[str, ...] = (FAIL, NOT_ASSESSABLE)
STATUS_ZH: dict[str, str] = {FAIL: "不通过", NOT_ASSESSABLE: "无法核对"}

# Channels: who has to act on a finding.
REPORT = "report"       # the report itself is wrong or incomplete: the unit must fix it
READING = "reading"     # nianbao could not read the document with certainty: 需人工核对
CHANNELS = (REPORT, READING)
CHANNEL_ZH = {REPORT: "报告问题", READING: "需人工核对"}

# Display groups: findings are printed "by table", then the non-table families.
def _table_title(zh: str, section_key: str) -> str:
    from .. import standard
    from ..normalize import norm_label
    return f"{zh} {norm_label(standard.load().section(section_key).canonical)}"


GROUPS = {
    "t2": _table_title("表二", "s2_proactive"),
    "t3": _table_title("表三", "s3_requests"),
    "t4": _table_title("表四", "s4_review_litigation"),
    "structure": "结构与格式",
    "labels": "标签表述",
    "text": "正文与表格",
    "rubric": "内容要点",
    "series": "跨年度与汇总",
    "meta": "其他",
    "reading": "需人工核对（读取问题）",
}
GROUP_ORDER = list(GROUPS)


@dataclass(slots=True)
class Finding:
    rule: str                                   # stable code (cells.md / docs/rules.md)
    where: str                                  # column key, row key, group key, section key, table …
    severity: str                               # error | warning | info
    message: str                                # Chinese, names table, row and column as printed
    status: str = FAIL                          # fail | not-assessable
    group: str = "meta"                         # display group, see GROUPS
    cells: list[dict[str, Any]] = field(default_factory=list)   # {key,label,value,kind,raw,source}
    expected: Any = None
    actual: Any = None
    evidence: dict[str, Any] = field(default_factory=dict)
    confidence: float = 1.0
    suggestion: dict[str, Any] | None = None
    sources: list[dict[str, Any]] = field(default_factory=list)  # text positions (sections, notes)
    channel: str = REPORT                       # report | reading (see CHANNELS)

    @property
    def keys(self) -> list[str]:
        return [c["key"] for c in self.cells if c.get("key")]

    def to_dict(self) -> dict[str, Any]:
        d = {
            "rule": self.rule, "where": self.where, "severity": str(self.severity), "status": str(self.status),
            "channel": self.channel, "group": self.group, "message": self.message, "cells": self.cells,
            "expected": self.expected, "actual": self.actual, "evidence": self.evidence,
            "confidence": round(self.confidence, 3),
        }
        if self.sources:
            d["sources"] = self.sources
        if self.suggestion is not None:
            d["suggestion"] = self.suggestion
        return d


def sort_key(f: Finding) -> tuple[int, int, int, str, str]:
    """Report problems first, then by display group, severity, rule and place."""
    g = GROUP_ORDER.index(f.group) if f.group in GROUPS else len(GROUP_ORDER)
    return (CHANNELS.index(f.channel) if f.channel in CHANNELS else 2, g, SEVERITY_RANK.get(f.severity, 9),
            f.rule, f.where)


def by_severity(f: Finding) -> tuple[int, int, int, str, str]:
    """Severity first (for exports that sort by severity), then channel, group, rule."""
    g = GROUP_ORDER.index(f.group) if f.group in GROUPS else len(GROUP_ORDER)
    return (SEVERITY_RANK.get(f.severity, 9), CHANNELS.index(f.channel) if f.channel in CHANNELS else 2, g,
            f.rule, f.where)
