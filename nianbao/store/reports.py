"""Reports read back from the store, as ``Report`` objects.

Owns ``reports_where(store, condition)`` and its two halves (``report_heads``: who and
which year, no cells; ``fill_reports``: the cells and sections), each rebuilt from the ``reports``, ``cells`` and ``sections`` tables with what the
cross-year checks need (agency, year, format, every cell with its kind and printed text,
every section's text). Used by ``check --db`` to find each unit's report of the year before.
"""
from __future__ import annotations

from ..model import CellValue, Report, Section
from .db import Store


def reports_where(store: Store, condition: str, params: list, *, current: bool = False) -> dict[str, Report]:
    """Report id → ``Report`` for the stored reports matching an SQL ``condition``."""
    reports = report_heads(store, condition, params, current=current)
    fill_reports(store, reports)
    return reports


def report_heads(store: Store, condition: str, params: list, *, current: bool = False) -> dict[str, Report]:
    """Report id → ``Report`` with only what identifies it (source, agency, year, format,
    title): enough to pair a unit's years before any cell is loaded."""
    table = "current_reports" if current else "reports"
    heads = store.con.execute(f"""SELECT report_id, source, agency, year, format_version, title, input_format
                                  FROM {table} WHERE {condition}""", params).fetchall()
    return {rid: Report(source=source, agency=agency, year=year, format_version=fmt, title=title,
                        input_format=input_format)
            for rid, source, agency, year, fmt, title, input_format in heads}


def fill_reports(store: Store, reports: dict[str, Report]) -> None:
    """Load the cells and sections of ``reports`` (as ``report_heads`` gave them)."""
    if not reports:
        return
    con = store.con
    ids = list(reports)
    for rid, key, value, kind, raw, label in con.execute(
            "SELECT report_id, key, value, kind, raw, label FROM cells WHERE report_id IN (SELECT unnest(?::VARCHAR[]))",
            [ids]).fetchall():
        if value is not None and float(value).is_integer():
            value = int(value)
        reports[rid].cells[key] = CellValue(key=key, value=value, kind=kind, raw=raw, label=label)
    for rid, key, idx, ordinal, title, text in con.execute(
            """SELECT report_id, key, idx, ordinal, title, text FROM sections WHERE report_id IN (SELECT unnest(?::VARCHAR[]))
               ORDER BY report_id, idx""", [ids]).fetchall():
        reports[rid].sections[key] = Section(key=key, title=title, text=text or "", ordinal=ordinal or "", index=idx)
    for r in reports.values():
        r.full_text = "\n".join(s.text for s in r.sections.values())


__all__ = ["reports_where", "report_heads", "fill_reports"]
