"""Cross-year findings kept in the store.

Owns ``refresh_series(store, report_ids)``: after an ingest, every new report — and the
stored report of the year after, whose previous year may just have arrived — is checked
against the same unit's current report of the year before (``nianbao.audit.series``:
结转, 现行有效, 雷同); its ``X-*`` findings are replaced and the report's counts updated,
so ``check --db``, the analyses and the web app see them like any other finding.
"""
from __future__ import annotations

from typing import Any, Iterable

from ..audit.series import PreviousIndex, cross_year_findings
from .db import Store, finding_rows
from .reports import fill_reports, report_heads

SERIES_PREFIX = "X-"
# The counts of a report are of the problems the unit must fix (not reading problems).
REPORT_CHANNEL = "coalesce(json_extract_string(f.json, '$.channel'), 'report') <> 'reading'"


def refresh_series(store: Store, report_ids: Iterable[str]) -> int:
    """Recompute the cross-year findings of ``report_ids`` and of the next year's reports
    of the same units; returns the number of findings written. Units are paired by name
    on the reports' heads (``PreviousIndex``); cells are loaded only for the pairs found."""
    ids = sorted(set(report_ids))
    if not ids:
        return 0
    con = store.con
    new = report_heads(store, "report_id IN (SELECT unnest(?::VARCHAR[]))", [ids])
    years = sorted({r.year for r in new.values() if r.year})
    targets = dict(new)
    if years:
        for rid, r in report_heads(store, "year IN (SELECT unnest(?::INTEGER[]))", [[y + 1 for y in years]], current=True).items():
            targets.setdefault(rid, r)
    prev_years = sorted({r.year - 1 for r in targets.values() if r.year})
    candidates = report_heads(store, "year IN (SELECT unnest(?::INTEGER[]))", [prev_years], current=True) if prev_years else {}
    index = PreviousIndex(candidates.values())
    rid_of = {id(r): rid for rid, r in candidates.items()}
    pairs = [(rid, r, prev) for rid, r in targets.items() if (prev := index.find(r)) is not None]
    fill_reports(store, {rid: r for rid, r, _ in pairs} | {rid_of[id(p)]: p for _, _, p in pairs})
    tids = list(targets)
    start = dict(con.execute("""SELECT report_id, coalesce(max(seq) + 1, 0) FROM findings
                                WHERE report_id IN (SELECT unnest(?::VARCHAR[])) AND rule NOT LIKE ? GROUP BY report_id""",
                             [[rid for rid, _, _ in pairs], SERIES_PREFIX + "%"]).fetchall()) if pairs else {}
    rows: list[tuple] = []
    for rid, r, prev in pairs:
        rows.extend(finding_rows(rid, cross_year_findings(prev, r), int(start.get(rid, 0))))
    con.begin()
    try:
        con.execute("DELETE FROM findings WHERE report_id IN (SELECT unnest(?::VARCHAR[])) AND rule LIKE ?", [tids, SERIES_PREFIX + "%"])
        if rows:
            con.executemany("INSERT INTO findings VALUES (" + ", ".join("?" * len(rows[0])) + ")", rows)
        # the counts of every target from its findings (a report left without any gets 0)
        con.execute(f"""UPDATE reports SET n_errors = c.e, n_warnings = c.w, n_info = c.i
                        FROM (SELECT t.report_id,
                                     count(f.rule) FILTER (WHERE f.severity = 'error') AS e,
                                     count(f.rule) FILTER (WHERE f.severity = 'warning') AS w,
                                     count(f.rule) FILTER (WHERE f.severity = 'info') AS i
                              FROM (SELECT unnest(?::VARCHAR[]) AS report_id) t
                              LEFT JOIN findings f ON f.report_id = t.report_id AND {REPORT_CHANNEL}
                              GROUP BY t.report_id) c
                        WHERE reports.report_id = c.report_id AND reports.audited""", [tids])
        con.commit()
    except Exception:
        con.rollback()
        raise
    return len(rows)


__all__ = ["refresh_series", "SERIES_PREFIX"]
