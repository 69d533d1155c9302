"""Running the audit on one report.

Owns: ``audit(report) -> list[Finding]`` and ``audit_report(report) -> ReportAudit``
(findings, repair suggestion, counts). Every registered rule runs; a rule that raises
becomes an internal-error finding (SYS-ERROR), so an audit never aborts. The repair
suggestion is attached to every failed identity finding; it never changes the report.
"""
from __future__ import annotations

import traceback
from dataclasses import dataclass, field
from typing import Any

from ..model import Report
from . import repair as R
from .finding import ERROR, FAIL, INFO, NOT_ASSESSABLE, WARNING, Finding, sort_key
from .rules import rules
from .rules.text_tables import agreement

IDENTITY_CODES = ("T3-BAL", "T3-RES", "T3-ROW", "T4-SUM")
SYS_ERROR = "SYS-ERROR"


@dataclass
class ReportAudit:
    report: Report
    findings: list[Finding] = field(default_factory=list)
    repair: dict[str, Any] | None = None

    def count(self, severity: str) -> int:
        return sum(1 for f in self.findings if f.severity == severity)

    @property
    def summary(self) -> dict[str, int]:
        return {"errors": self.count(ERROR), "warnings": self.count(WARNING), "info": self.count(INFO),
                "not_assessable": sum(1 for f in self.findings if f.status == NOT_ASSESSABLE)}

    def to_dict(self) -> dict[str, Any]:
        r = self.report
        d = {"source": r.source, "format_version": r.format_version, "agency": r.agency, "year": r.year,
             "summary": self.summary, "findings": [f.to_dict() for f in self.findings]}
        if self.repair is not None:
            d["repair"] = self.repair
        return d


def _internal(code: str, e: BaseException) -> Finding:
    tb = traceback.extract_tb(e.__traceback__)
    at = f"{tb[-1].filename.rsplit('/', 1)[-1]}:{tb[-1].lineno}" if tb else ""
    return Finding(rule=SYS_ERROR, where=code, severity=WARNING, status=NOT_ASSESSABLE, group="meta",
                   message=f"审核规则 {code} 运行出错，该项未能核对（{type(e).__name__}: {str(e)[:120]}）。",
                   evidence={"rule": code, "exception": type(e).__name__, "at": at})


def unrecognised(report: Report) -> bool:
    """Nothing of a report was recognised (no format, no section, no cell): not a report."""
    return report.format_version is None and not report.sections and \
        not any(c.kind != "absent" for c in report.cells.values())


# Rules that still say something useful about a document that was not recognised at all.
UNRECOGNISED_RULES = {"STR-FORMAT", "EXT-NOTE", "STR-IMAGE"}


def audit_report(report: Report, only: set[str] | None = None) -> ReportAudit:
    res = ReportAudit(report)
    if unrecognised(report):
        only = UNRECOGNISED_RULES if only is None else only & UNRECOGNISED_RULES
    for rule in rules():
        if only is not None and rule.code not in only:
            continue
        try:
            res.findings.extend(rule.check(report))
        except Exception as e:  # noqa: BLE001 - a broken rule must not stop the audit
            res.findings.append(_internal(rule.code, e))
    failed = [f for f in res.findings if f.rule in IDENTITY_CODES and f.status == FAIL]
    if failed:
        try:
            rep = R.suggest(report, agreement)
            if rep is not None:
                res.repair = rep.to_dict(report)
                for f in failed:
                    f.suggestion = res.repair
        except Exception as e:  # noqa: BLE001
            res.findings.append(_internal("REPAIR", e))
    res.findings.sort(key=sort_key)
    return res


def audit(report: Report) -> list[Finding]:
    """All findings for one report (never raises for a rule's failure)."""
    return audit_report(report).findings
