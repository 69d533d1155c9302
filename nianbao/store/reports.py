"""Reports read back from the store, as ``Report`` objects.

Owns ``stored_reports(store, years)`` (the current report of each unit for the given
years) and ``reports_where(store, condition)``, each rebuilt from the ``reports``, ``cells`` and ``sections`` tables with what the
cross-year checks need (agency, year, format, every cell with its kind and printed text,
every section's text). Used by ``check --db`` to find each unit's report of the year before.
"""
from __future__ import annotations

from typing import Iterable

from ..model import CellValue, Report, Section
from .db import Store


def stored_reports(store: Store, years: Iterable[int]) -> list[Report]:
    """The current report of each unit for ``years``."""
    ys = sorted({int(y) for y in years})
    if not ys:
        return []
    marks = ", ".join("?" * len(ys))
    return list(reports_where(store, f"year IN ({marks})", ys, current=True).values())


def reports_where(store: Store, condition: str, params: list, *, current: bool = False) -> dict[str, Report]:
    """Report id → ``Report`` for the stored reports matching an SQL ``condition``."""
    con = store.con
    table = "current_reports" if current else "reports"
    heads = con.execute(f"""SELECT report_id, source, agency, year, format_version, title, input_format
                            FROM {table} WHERE {condition}""", params).fetchall()
    reports: dict[str, Report] = {}
    for rid, source, agency, year, fmt, title, input_format in heads:
        reports[rid] = Report(source=source, agency=agency, year=year, format_version=fmt, title=title,
                              input_format=input_format)
    if not reports:
        return {}
    ids = list(reports)
    id_marks = ", ".join("?" * len(ids))
    for rid, key, value, kind, raw, label in con.execute(
            f"SELECT report_id, key, value, kind, raw, label FROM cells WHERE report_id IN ({id_marks})", ids).fetchall():
        if value is not None and float(value).is_integer():
            value = int(value)
        reports[rid].cells[key] = CellValue(key=key, value=value, kind=kind, raw=raw, label=label)
    for rid, key, idx, ordinal, title, text in con.execute(
            f"""SELECT report_id, key, idx, ordinal, title, text FROM sections WHERE report_id IN ({id_marks})
                ORDER BY report_id, idx""", ids).fetchall():
        reports[rid].sections[key] = Section(key=key, title=title, text=text or "", ordinal=ordinal or "", index=idx)
    for r in reports.values():
        r.full_text = "\n".join(s.text for s in r.sections.values())
    return reports


__all__ = ["stored_reports", "reports_where"]
