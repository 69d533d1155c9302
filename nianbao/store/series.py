"""Cross-year findings kept in the store.

Owns ``refresh_series(store, report_ids)``: after an ingest, every new report — and the
stored report of the year after, whose previous year may just have arrived — is checked
against the same unit's current report of the year before (``nianbao.audit.series``:
结转, 现行有效, 雷同); its ``X-*`` findings are replaced and the report's counts updated,
so ``check --db``, the analyses and the web app see them like any other finding.
"""
from __future__ import annotations

from typing import Any, Iterable

from ..audit.series import cross_year_findings, find_previous
from .db import Store, finding_rows
from .reports import reports_where, stored_reports

SERIES_PREFIX = "X-"
# The counts of a report are of the problems the unit must fix (not reading problems).
REPORT_CHANNEL = "coalesce(json_extract_string(f.json, '$.channel'), 'report') <> 'reading'"


def refresh_series(store: Store, report_ids: Iterable[str]) -> int:
    """Recompute the cross-year findings of ``report_ids`` and of the next year's reports
    of the same units; returns the number of findings written."""
    ids = sorted(set(report_ids))
    if not ids:
        return 0
    marks = ", ".join("?" * len(ids))
    new = reports_where(store, f"report_id IN ({marks})", ids)
    years = {r.year for r in new.values() if r.year}
    later = stored_reports(store, {y + 1 for y in years})
    targets = dict(new)
    con = store.con
    for r in later:
        row = con.execute("SELECT report_id FROM current_reports WHERE source = ? AND year = ?",
                          [r.source, r.year]).fetchone()
        if row:
            targets.setdefault(row[0], r)
    candidates = stored_reports(store, {r.year - 1 for r in targets.values() if r.year})
    rows: list[tuple] = []
    for rid, r in targets.items():
        prev = find_previous(r, [c for c in candidates if c.year == (r.year or 0) - 1])
        if prev is None:
            continue
        start: Any = con.execute("SELECT coalesce(max(seq) + 1, 0) FROM findings WHERE report_id = ? AND rule NOT LIKE ?",
                            [rid, SERIES_PREFIX + "%"]).fetchone()
        start = int(start[0]) if start else 0
        rows.extend(finding_rows(rid, cross_year_findings(prev, r), start))
    tids = list(targets)
    tmarks = ", ".join("?" * len(tids))
    con.begin()
    try:
        con.execute(f"DELETE FROM findings WHERE report_id IN ({tmarks}) AND rule LIKE ?", tids + [SERIES_PREFIX + "%"])
        if rows:
            con.executemany("INSERT INTO findings VALUES (" + ", ".join("?" * len(rows[0])) + ")", rows)
        con.execute(f"""UPDATE reports SET
                          n_errors = (SELECT count(*) FROM findings f WHERE f.report_id = reports.report_id
                                      AND f.severity = 'error' AND {REPORT_CHANNEL}),
                          n_warnings = (SELECT count(*) FROM findings f WHERE f.report_id = reports.report_id
                                        AND f.severity = 'warning' AND {REPORT_CHANNEL}),
                          n_info = (SELECT count(*) FROM findings f WHERE f.report_id = reports.report_id
                                    AND f.severity = 'info' AND {REPORT_CHANNEL})
                        WHERE audited AND report_id IN ({tmarks})""", tids)
        con.commit()
    except Exception:
        con.rollback()
        raise
    return len(rows)


__all__ = ["refresh_series", "SERIES_PREFIX"]
