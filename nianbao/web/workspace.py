"""The web app's persistent workspace: one DuckDB store shared by every request.

Owns ``Workspace``: the ``Store`` (``WebConfig.db``; ``:memory:`` by default for the
library, ``nianbao.duckdb`` for ``nianbao web``) behind one lock — DuckDB connections are
not shared between threads; a database file is opened per piece of work, so the CLI can
write it between requests — and every read and write the routes make:

- ``add(outcomes)``: uploaded files, already read and audited by the guarded worker pool,
  go through the store's own record path (``store.ingest.record_of`` → ``Store.write`` →
  ``refresh_series``), exactly what ``nianbao ingest`` writes; the batch is kept in table
  ``uploads`` so its results page survives a restart;
- summaries of reports (unit, counts by severity and by review), one report's detail
  (cells, findings with fingerprint and review), reviews, hand assignment to a unit, the
  units list and its states for a year, notices, and the Excel workbooks of a batch and a
  season (text cells only, never a formula).
"""
from __future__ import annotations

import datetime as _dt
import io
import secrets
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Iterator, TypeVar

from ..audit import cells as C
from ..audit.finding import GROUPS, READING, SEVERITY_RANK, SEVERITY_ZH, Finding
from ..audit.series import rollup_findings
from ..core import Outcome
from ..model import Report
from ..render.html import table_html
from ..render.layout import LayoutCell, Role, grids
from ..store.db import Failure, Record, Store, StoreError
from ..store.ingest import record_of
from ..store.reports import reports_where
from ..store.review import (REVIEW_ZH, StoredFinding, UnitState, counts, findings_of, notice_docx, season, set_review,
                            unit_reports, years)
from ..store.series import refresh_series
from ..store.units import ImportResult, Unit, assign, import_units, list_units, read_units, report_units
from ..vocab import FormatVersion
from .dashboard import Chart, dashboard

T = TypeVar("T")
BUSY_WAIT_S = 30.0        # how long work waits for a database file another process holds
BUSY_RETRY_S = 0.2
CELLS_SHOWN = 4           # cells of a finding named in its row (all are highlighted in the tables)
_RANK = {**SEVERITY_RANK, "verify": 3}          # a reading problem is drawn only where no report problem is
STATE_CLASS = {"未发布": "s-none", "已发布（按时）": "s-ok", "已发布": "s-ok", "已发布（逾期）": "s-late",
               "有错误": "s-err", "已发整改通知": "s-notice", "已整改": "s-fixed"}


def _iso(v: Any) -> str | None:
    return v.isoformat() if isinstance(v, (_dt.date, _dt.datetime)) else None


@dataclass
class BatchPage:
    batch_id: str
    page: int
    pages: int
    total: int
    reports: list[dict[str, Any]]          # summaries of this page's readable files
    failures: list[tuple[str, str]]        # (file name, Chinese reason) of this page


class Workspace:
    """The store of the app. A database file is opened for each piece of work and closed
    after it, so ``nianbao ingest --db`` on the same file can write between requests (DuckDB
    lets one process hold a file); while the CLI holds it, work waits up to ``BUSY_WAIT_S``
    and then fails with a Chinese ``StoreError``. ``:memory:`` stays open (it is the store)."""

    def __init__(self, path: str):
        self.path = path
        self.lock = threading.RLock()
        self.keep_open = path == ":memory:"
        self._store: Store | None = Store(path)        # creates the schema; StoreError at once if unusable
        if not self.keep_open:
            self._store.close()
            self._store = None

    @property
    def store(self) -> Store:
        """The open store; only inside ``session()``."""
        if self._store is None:
            raise StoreError("数据库未打开")
        return self._store

    @contextmanager
    def session(self) -> Iterator[Store]:
        with self.lock:
            opened = self._store is None
            if opened:
                self._store = _open(self.path)
            try:
                yield self.store
            finally:
                if opened and self._store is not None:
                    self._store.close()
                    self._store = None

    def close(self) -> None:
        with self.lock:
            if self._store is not None:
                self._store.close()
                self._store = None

    def _locked(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(store, *args)`` in a session."""
        with self.session() as st:
            return fn(st, *args)

    # ------------------------------------------------------------------ uploads

    def add(self, entries: list[Outcome], bid: str | None = None, first: int = 0) -> tuple[str, list[dict[str, Any]]]:
        """Store files of an upload batch (``bid``, a new one by default; ``first``: the
        position of the first of them in the batch); returns the batch id and one item per
        file (summary or error)."""
        items: list[Record | Failure] = [record_of(e) for e in entries]
        bid = bid or secrets.token_urlsafe(12)
        now = _dt.datetime.now(_dt.timezone.utc).replace(tzinfo=None)
        with self.session():
            st = self.store
            st.write(items)
            ids = [r.report_id for r in items if isinstance(r, Record)]
            refresh_series(st, ids)
            st.con.executemany("INSERT INTO uploads VALUES (?, ?, ?, ?, ?, ?)", [
                (bid, i, it.source, it.report_id if isinstance(it, Record) else None,
                 None if isinstance(it, Record) else it.message, now) for i, it in enumerate(items, first)])
            sums = {s["report_id"]: s for s in self._summaries(ids)}
        out: list[dict[str, Any]] = []
        for it in items:
            if isinstance(it, Record):
                out.append({**sums[it.report_id], "source": it.source})
            else:
                out.append({"source": it.source, "error": it.message, "error_code": it.code})
        return bid, out

    def batch(self, bid: str, page: int, size: int) -> BatchPage | None:
        with self.session():
            con = self.store.con
            total = con.execute("SELECT count(*) FROM uploads WHERE batch_id = ?", [bid]).fetchall()[0][0]
            if not total:
                return None
            pages = max(1, -(-total // size))
            page = min(max(1, page), pages)
            rows = con.execute("SELECT source, report_id, message FROM uploads WHERE batch_id = ? ORDER BY seq "
                               "LIMIT ? OFFSET ?", [bid, size, (page - 1) * size]).fetchall()
            sums = {s["report_id"]: s for s in self._summaries([r[1] for r in rows if r[1]])}
        reports = [{**sums[rid], "source": src} for src, rid, _ in rows if rid and rid in sums]
        failures = [(src, msg or "") for src, rid, msg in rows if not rid]
        return BatchPage(bid, page, pages, total, reports, failures)

    def batch_items(self, bid: str) -> list[dict[str, Any]] | None:
        """Every file of a batch: the report's detail (findings included) or its error."""
        with self.session():
            rows = self.store.con.execute("SELECT source, report_id, message FROM uploads WHERE batch_id = ? "
                                          "ORDER BY seq", [bid]).fetchall()
            if not rows:
                return None
            ids = [r[1] for r in rows if r[1]]
            sums = {s["report_id"]: s for s in self._summaries(ids)}
            fs = findings_of(self.store, ids)
        out: list[dict[str, Any]] = []
        for src, rid, msg in rows:
            if rid and rid in sums:
                out.append({**sums[rid], "source": src, "findings": [f.to_dict() for f in fs.get(rid, [])]})
            else:
                out.append({"source": src, "error": msg or "该报告已被替换"})
        return out

    # ------------------------------------------------------------------ reports

    def _summaries(self, ids: list[str] | None = None, year: int | None = None) -> list[dict[str, Any]]:
        con = self.store.con
        params: list[Any]
        if ids is not None:
            if not ids:
                return []
            cond, params, table = f"report_id IN ({', '.join('?' * len(set(ids)))})", sorted(set(ids)), "reports"
        elif year is not None:
            cond, params, table = "year = ?", [year], "current_reports"
        else:
            cond, params, table = "TRUE", [], "current_reports"
        heads = con.execute(f"""SELECT report_id, source, agency, year, format_version, publish_date, ingested_at, title
                                FROM {table} WHERE {cond} ORDER BY agency, year, report_id""", params).fetchall()
        rids = [h[0] for h in heads]
        links = report_units(self.store, rids)
        names = {u.unit_id: u.name for u in list_units(self.store)}
        fs = findings_of(self.store, rids)
        out = []
        for rid, src, agency, yr, fmt, pd, at, title in heads:
            uid, basis = links.get(rid, (None, "none"))
            out.append({"report_id": rid, "source": src, "agency": agency, "year": yr, "format_version": fmt,
                        "title": title, "publish_date": _iso(pd), "ingested_at": _iso(at),
                        "unit": {"unit_id": uid, "name": names.get(uid, "")} if uid else None,
                        "unit_basis": basis, "counts": counts(fs.get(rid, []))})
        return out

    def reports(self, year: int | None) -> list[dict[str, Any]]:
        with self.session():
            return self._summaries(None, year)

    def report(self, rid: str) -> dict[str, Any] | None:
        """One report: summary, Report (cells, sections), stored findings, units to choose from."""
        with self.session():
            sums = self._summaries([rid])
            if not sums:
                return None
            rep = reports_where(self.store, "report_id = ?", [rid])[rid]
            fs = findings_of(self.store, [rid]).get(rid, [])
            cells = self.store.con.execute("SELECT key, label, value, kind, raw, column_label, page FROM cells "
                                           "WHERE report_id = ? ORDER BY key", [rid]).fetchall()
            units = list_units(self.store)
            versions = self.store.con.execute(
                """SELECT count(*) FROM reports WHERE agency_norm = (SELECT agency_norm FROM reports WHERE report_id = ?)
                   AND year = (SELECT year FROM reports WHERE report_id = ?)""", [rid, rid]).fetchall()[0][0]
            prev_id, prev, rollup = self._neighbours(rid, sums[0], units)
        return {"summary": sums[0], "report": rep, "findings": fs, "units": units, "versions": versions,
                "prev_id": prev_id, "prev": prev, "rollup": rollup,
                "cells": [{"key": k, "label": lb, "value": v, "kind": kd, "raw": raw, "column_label": cl, "page": pg}
                          for k, lb, v, kd, raw, cl, pg in cells]}

    def _neighbours(self, rid: str, summary: dict[str, Any], units: list[Unit]
                    ) -> tuple[str | None, Report | None, list[Finding]]:
        """The unit's report of the year before (id and Report), and the roll-up findings of
        this report against the sum of its units' reports — only when every unit below it
        has a report for the year (a partial sum would give a wrong difference)."""
        year = summary["year"]
        if not year:
            return None, None, []
        con = self.store.con
        uid = (summary.get("unit") or {}).get("unit_id")
        prev_id: str | None
        if uid:
            prev_id = unit_reports(self.store, year - 1).get(uid)
        else:
            row = con.execute("""SELECT report_id FROM current_reports WHERE year = ? AND agency_norm =
                                 (SELECT agency_norm FROM reports WHERE report_id = ?)""", [year - 1, rid]).fetchone()
            prev_id = row[0] if row else None
        prev = reports_where(self.store, "report_id = ?", [prev_id])[prev_id] if prev_id else None
        rollup: list[Finding] = []
        unit = next((u for u in units if u.unit_id == uid), None)
        below = [u for u in units if unit is not None and u.parent == unit.name]
        if below:
            reps = unit_reports(self.store, year)
            member_ids = [reps.get(u.unit_id) for u in below]
            if all(member_ids):
                ids = [m for m in member_ids if m]
                members = reports_where(self.store, f"report_id IN ({', '.join('?' * len(ids))})", ids)
                me = reports_where(self.store, "report_id = ?", [rid])[rid]
                rollup = rollup_findings(me, list(members.values()))
        return prev_id, prev, rollup

    def review(self, fp: str, status: str, note: str, reviewer: str) -> dict[str, Any]:
        return self._locked(set_review, fp, status, note, reviewer).to_dict()

    def assign(self, rid: str, unit_id: str | None, by: str = "") -> dict[str, Any]:
        with self.session():
            assign(self.store, rid, unit_id, by)
            return self._summaries([rid])[0]

    # ------------------------------------------------------------------ units and the season

    def import_units(self, name: str, data: bytes) -> ImportResult:
        units, problems = read_units(name, data)
        return self._locked(import_units, units, problems)

    def units(self) -> list[Unit]:
        return self._locked(list_units)

    def season(self, year: int) -> list[UnitState]:
        return self._locked(season, year)

    def years(self) -> list[int]:
        return self._locked(years)

    def notice(self, unit_id: str, year: int) -> tuple[bytes, str, int]:
        return self._locked(notice_docx, unit_id, year)

    def notices_zip(self, year: int) -> tuple[bytes, int]:
        """The notices of every unit whose report of ``year`` has confirmed problems, as one ZIP
        (each sending recorded); returns the bytes and the number of notices."""
        import zipfile
        buf = io.BytesIO()
        n = 0
        with self.session(), zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for st in season(self.store, year):
                if st.counts.get("confirmed"):
                    data, name, _ = notice_docx(self.store, st.unit.unit_id, year)
                    z.writestr(name if name not in z.namelist() else f"{st.unit.unit_id}-{name}", data)
                    n += 1
        return buf.getvalue(), n

    def dashboard(self, year: int) -> list[Chart]:
        return self._locked(dashboard, year)

    def n_reports(self) -> int:
        return self._locked(Store.count, "reports")


def _open(path: str) -> Store:
    """The store at ``path``, waiting while another process (the CLI) holds the file."""
    give_up = time.monotonic() + BUSY_WAIT_S
    while True:
        try:
            return Store(path)
        except StoreError:
            if time.monotonic() > give_up:
                raise StoreError("数据库正被其他程序（例如正在运行的 nianbao ingest）使用，请稍后刷新页面再试。") from None
            time.sleep(BUSY_RETRY_S)


# ---------------------------------------------------------------------------------------
# views for the pages


def finding_view(f: StoredFinding) -> dict[str, Any]:
    """A finding as the report page shows it: plain Chinese, no rule code or internal key."""
    d = f.data
    cells = [c for c in d.get("cells") or [] if isinstance(c, dict)]
    shown = "；".join(f"{c.get('label') or '单元格'}：{_cell_text(c)}" for c in cells[:CELLS_SHOWN])
    if len(cells) > CELLS_SHOWN:
        shown += f"（共 {len(cells)} 个单元格，已在表中标出）"
    return {"fingerprint": f.fingerprint, "severity": f.severity, "severity_zh": SEVERITY_ZH.get(f.severity, "提示"),
            "group": GROUPS.get(str(d.get("group")), "其他"), "message": d.get("message") or "",
            "cells": shown, "not_assessable": d.get("status") == "not-assessable", "where_zh": where_zh(d),
            "review": f.review, "review_zh": REVIEW_ZH[f.review.status],
            "reviewed_at": f.review.reviewed_at.strftime("%Y-%m-%d %H:%M") if f.review.reviewed_at else ""}


def where_zh(d: dict[str, Any]) -> str:
    """Where in the original file a finding's cells (or text) were read: 第N页 / 第N行."""
    places: list[str] = []
    srcs = [c.get("source") for c in d.get("cells") or [] if isinstance(c, dict)] + list(d.get("sources") or [])
    for src in srcs:
        if not isinstance(src, dict):
            continue
        bits = [f"第{src[k]}{zh}" for k, zh in (("page", "页"), ("line", "行")) if src.get(k)]
        text = "".join(bits)
        if text and text not in places:
            places.append(text)
    return "、".join(places[:4]) + ("等" if len(places) > 4 else "")


def _cell_text(c: dict[str, Any]) -> str:
    v = c.get("value")
    if v is not None:
        return C.fmt(v)
    return str(c.get("raw") or f"（{C.KIND_ZH.get(str(c.get('kind')), '空白')}）")


def tables_html(report: Report, findings: list[StoredFinding], prev: Report | None = None) -> list[dict[str, Any]]:
    """表二/表三/表四 in the official layout (``nianbao.render``), each cell of a finding highlighted
    by its worst severity (dismissed findings not), its messages as the tooltip; with ``prev``
    (the unit's report of the year before, same format) each table also as it was that year."""
    if report.format_version == FormatVersion.PRE2019:
        return []
    same = prev is not None and prev.format_version == report.format_version
    before = {t["title"]: t["html"] for t in tables_html(prev, [])} if prev is not None and same else {}
    worst: dict[str, str] = {}
    tips: dict[str, list[str]] = {}
    for f in findings:
        if f.review.status == "dismissed":
            continue
        cls = "verify" if f.channel == READING else f.severity
        for c in f.data.get("cells") or []:
            k = c.get("key") if isinstance(c, dict) else None
            if not k:
                continue
            tips.setdefault(k, []).append(str(f.data.get("message") or ""))
            if k not in worst or _RANK.get(cls, 9) < _RANK.get(worst[k], 9):
                worst[k] = cls
    out = []
    for g in grids(C.version(report)).values():
        def value(k: str) -> str:
            c = report.cells.get(k)
            if c is None:
                return "（缺失）"
            if c.is_number:
                return C.fmt(c.value)
            return c.raw if c.raw else ""

        filled = g.with_values(value)

        def css(c: LayoutCell) -> str:
            return f"num {worst.get(c.key, '')}".strip() if c.role == Role.VALUE and c.key else ""

        def tip(c: LayoutCell) -> str:
            return "；".join(tips.get(c.key, [])[:3]) if c.role == Role.VALUE and c.key else ""
        out.append({"title": g.title, "html": table_html(filled, classes=css, title=tip), "prev_html": before.get(g.title)})
    return out


def _book(sheets: list[tuple[str, list[str], list[list[Any]]]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import PatternFill

    from ..audit.export_excel import put
    wb = Workbook()
    wb.remove(wb.active)
    head = PatternFill("solid", fgColor="DDEBF7")
    for title, header, rows in sheets:
        ws = wb.create_sheet(title)
        for j, h in enumerate(header, 1):
            put(ws, 1, j, h, bold=True, fill=head)
            ws.column_dimensions[ws.cell(row=1, column=j).column_letter].width = max(10, min(60, len(h) * 3))
        for i, r in enumerate(rows, 2):
            for j, v in enumerate(r, 1):
                put(ws, i, j, v)
        ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def table_xlsx(title: str, header: list[str], rows: list[list[Any]]) -> bytes:
    """One table (a dashboard chart's data) as a workbook; the sheet name within Excel's 31 characters."""
    return _book([(title[:31], header, rows)])


def season_xlsx(year: int, states: list[UnitState]) -> bytes:
    header = ["单位名称", "上级单位", "类别", "状态", "发布日期", "发布期限", "错误", "警告", "已确认", "待核实", "已排除",
              "整改通知发出时间"]
    rows = [[s.unit.name, s.unit.parent, s.unit.kind_zh, s.state, _iso(s.publish_date) or "", _iso(s.deadline) or "",
             s.counts.get("errors"), s.counts.get("warnings"), s.counts.get("confirmed"), s.counts.get("pending"),
             s.counts.get("dismissed"), s.notice_at.strftime("%Y-%m-%d %H:%M") if s.notice_at else ""] for s in states]
    return _book([(f"{year}年度", header, rows)])


def batch_xlsx(items: list[dict[str, Any]]) -> bytes:
    head1 = ["文件", "发布机关", "年度", "所属单位", "错误", "警告", "提示", "需人工核对", "已确认", "已排除", "无法读取的原因"]
    rows1, rows2 = [], []
    for it in items:
        c = it.get("counts") or {}
        unit = (it.get("unit") or {}).get("name", "")
        rows1.append([it["source"], it.get("agency") or "", it.get("year"), unit, c.get("errors"), c.get("warnings"),
                      c.get("info"), c.get("to_verify"), c.get("confirmed"), c.get("dismissed"), it.get("error") or ""])
        for f in it.get("findings") or []:
            rows2.append([it.get("agency") or it["source"], it.get("year"),
                          "需人工核对" if f.get("channel") == READING else SEVERITY_ZH.get(str(f.get("severity")), ""),
                          GROUPS.get(str(f.get("group")), "其他"), f.get("message") or "",
                          REVIEW_ZH.get(f["review"]["status"], ""), f["review"].get("note") or ""])
    head2 = ["发布机关", "年度", "严重程度", "类别", "说明", "审核结论", "备注"]
    return _book([("报告", head1, rows1), ("问题清单", head2, rows2)])


__all__ = ["Workspace", "BatchPage", "finding_view", "tables_html", "season_xlsx", "batch_xlsx", "table_xlsx",
           "where_zh", "STATE_CLASS"]
