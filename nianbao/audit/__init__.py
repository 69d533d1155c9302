"""The auditor: checks a ``Report`` against the national format and itself.

Public API: ``audit(report) -> list[Finding]``, ``audit_report(report) -> ReportAudit``,
``Finding``, the rule registry (``rules()``), and the exports (``export_excel``,
``export_html``). Rule codes are documented in docs/rules.md.
"""
from __future__ import annotations

from .finding import Finding
from .run import ReportAudit, audit, audit_report
from .rules import REGISTRY, rules

__all__ = ["audit", "audit_report", "ReportAudit", "Finding", "REGISTRY", "rules"]
