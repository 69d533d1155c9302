"""Running the audit on one report.

Owns: ``audit(report) -> list[Finding]`` and ``audit_report(report, prev=None) ->
ReportAudit`` (findings, repair suggestion, counts per channel). Every registered rule
runs on the *audit view* of the report (``audit_view``: a 2021-format （六）其他处理
printed as one row is assessed with that row, its two unprinted sub-rows counting 0); a
rule that raises becomes an internal-error finding (SYS-ERROR), so an audit never
aborts. Identities that cannot be assessed only because of a reading problem are
reported once, in one line (READ-NA, channel ``reading``). With ``prev`` (last year's
report of the same unit) the cross-year findings of ``series`` are added and the repair
ranking prefers fixes that agree with last year. The repair suggestion is attached to
every failed identity finding; it never changes the report.
"""
from __future__ import annotations

import dataclasses
import traceback
from dataclasses import dataclass, field
from typing import Any

from ..model import FORMAT_2021, CellValue, Report
from ..normalize import KIND_ABSENT, KIND_ZERO
from ..vocab import NoteCode
from . import cells as C
from . import repair as R
from .finding import ERROR, FAIL, INFO, NOT_ASSESSABLE, READING, REPORT, WARNING, Finding, sort_key
from .rules import REGISTRY, rules
from .rules.structure import reading_keys
from .rules.text_tables import agreement

IDENTITY_CODES = ("T3-BAL", "T3-RES", "T3-ROW", "T4-SUM")
SYS_ERROR = "SYS-ERROR"
READ_NA = "READ-NA"
SINGLE_ROW_IMPLIED = "implied-by-single-row"


@dataclass
class ReportAudit:
    report: Report
    findings: list[Finding] = field(default_factory=list)
    repair: dict[str, Any] | None = None

    def count(self, severity: str, channel: str | None = REPORT) -> int:
        """Findings of a severity in a channel (report problems by default; None: both)."""
        return sum(1 for f in self.findings if f.severity == severity and (channel is None or f.channel == channel))

    @property
    def report_findings(self) -> list[Finding]:
        """What the unit must fix (the 整改通知 lists only these)."""
        return [f for f in self.findings if f.channel == REPORT]

    @property
    def reading_findings(self) -> list[Finding]:
        """What nianbao could not read with certainty: the 需人工核对 list."""
        return [f for f in self.findings if f.channel == READING]

    @property
    def summary(self) -> dict[str, int]:
        return {"errors": self.count(ERROR), "warnings": self.count(WARNING), "info": self.count(INFO),
                "not_assessable": sum(1 for f in self.findings if f.status == NOT_ASSESSABLE),
                "to_verify": len(self.reading_findings)}

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
    rule = REGISTRY.get(code)
    name = f"“{rule.title}”" if rule is not None and rule.title else "（修正建议）" if code == "REPAIR" else "（跨年度核对）"
    return Finding(rule=SYS_ERROR, where=code, severity=WARNING, status=NOT_ASSESSABLE, group="reading",
                   channel=READING,
                   message=f"审核项{name}运行出错，该项未能核对（{type(e).__name__}: {str(e)[:120]}）。",
                   evidence={"rule": code, "exception": type(e).__name__, "at": at})


def audit_view(report: Report) -> Report:
    """The report as the rules audit it: a 2021-format （六）其他处理 printed as one row
    (note other-single-row, value in 3.其他) has its two unprinted sub-rows counted as 0, so
    the 表三 identities are assessed with that row. The report itself is not changed."""
    if report.format_version != FORMAT_2021 or not any(n.code == NoteCode.OTHER_SINGLE_ROW for n in report.notes):
        return report
    cells = dict(report.cells)
    changed = False
    for k in C.std().t3_keys(FORMAT_2021):
        if not (k.startswith("t3.other.no_correction.") or k.startswith("t3.other.no_fee.")):
            continue
        c = cells.get(k)
        if c is None or c.kind == KIND_ABSENT:
            cells[k] = CellValue(key=k, value=0, kind=KIND_ZERO, raw=None, variant=SINGLE_ROW_IMPLIED)
            changed = True
    return dataclasses.replace(report, cells=cells) if changed else report


def collapse_reading_na(report: Report, findings: list[Finding]) -> list[Finding]:
    """Identity findings that are not assessable only because of a reading problem become
    one READ-NA line (channel reading) instead of a paragraph per column."""
    rk = reading_keys(report)
    if not rk:
        return findings
    keep: list[Finding] = []
    hit: dict[str, list[str]] = {}
    for f in findings:
        if f.rule in IDENTITY_CODES and f.status == NOT_ASSESSABLE:
            missing = set(f.evidence.get("not_numbers") or [])
            table_level = not missing and f.where in ("t2", "t3", "t4")
            if (missing and missing <= rk) or (table_level and any(k.startswith(f.where + ".") for k in rk)):
                hit.setdefault(f.rule, []).append(f.where)
                continue
        keep.append(f)
    if not hit:
        return keep
    n = sum(len(v) for v in hit.values())
    parts = "；".join(f"{_identity_name_code(code)}（{len(ws)}处）" for code, ws in hit.items())
    keep.append(Finding(
        rule=READ_NA, where="identities", severity=INFO, status=NOT_ASSESSABLE, group="reading", channel=READING,
        message=f"因上列读取问题，{n}个勾稽关系无法核对：{parts}。请人工核对原件后再判断。",
        evidence={"identities": hit}))
    return keep


def _identity_name_code(code: str) -> str:
    rule = REGISTRY.get(code)
    return rule.title if rule is not None else code


def unrecognised(report: Report) -> bool:
    """Nothing of a report was recognised (no format, no section, no cell): not a report."""
    return report.format_version is None and not report.sections and \
        not any(c.kind != "absent" for c in report.cells.values())


# Rules that still say something useful about a document that was not recognised at all.
UNRECOGNISED_RULES = {"STR-FORMAT", "EXT-NOTE", "STR-IMAGE"}


def audit_report(report: Report, only: set[str] | None = None, prev: Report | None = None) -> ReportAudit:
    """Audit one report. ``prev``: last year's report of the same unit (adds the X-* findings
    of ``nianbao.audit.series`` and lets the repair ranking use last year)."""
    res = ReportAudit(report)
    view = audit_view(report)
    if unrecognised(report):
        only = UNRECOGNISED_RULES if only is None else only & UNRECOGNISED_RULES
    for rule in rules():
        if only is not None and rule.code not in only:
            continue
        try:
            res.findings.extend(rule.check(view))
        except Exception as e:  # noqa: BLE001 - a broken rule must not stop the audit
            res.findings.append(_internal(rule.code, e))
    res.findings = collapse_reading_na(view, res.findings)
    if prev is not None:
        try:
            from .series import cross_year_findings
            res.findings.extend(cross_year_findings(prev, report))
        except Exception as e:  # noqa: BLE001
            res.findings.append(_internal("SERIES", e))
    failed = [f for f in res.findings if f.rule in IDENTITY_CODES and f.status == FAIL]
    if failed:
        try:
            rep = R.suggest(view, agreement, prev=prev)
            if rep is not None:
                res.repair = rep.to_dict(view)
                for f in failed:
                    f.suggestion = res.repair
        except Exception as e:  # noqa: BLE001
            res.findings.append(_internal("REPAIR", e))
    res.findings.sort(key=sort_key)
    return res


def audit(report: Report, prev: Report | None = None) -> list[Finding]:
    """All findings for one report (never raises for a rule's failure)."""
    return audit_report(report, prev=prev).findings
