"""The review season in the store: reviews of findings, each unit's state for a year, notices.

Owns:
- ``fingerprint(...)``: a finding's stable identity — the sha256 of the unit (agency in its
  grouping form, or the file when the agency or year is unknown), the year, the rule, where,
  the cells involved with their values, expected and actual — never the report_id, so a
  review survives ingesting the file again and carries to the unchanged finding of a new
  version of the report;
- reviews (table ``reviews``, one row per fingerprint: 待核实 ``pending`` / 已确认 ``confirmed`` /
  已排除 ``dismissed``, a note, the reviewer's name and the time): ``set_review``,
  ``findings_of`` (stored findings with their fingerprint and review);
- ``season(store, year)``: every unit's state for a year — 未发布, 已发布（按时 / 逾期 by the
  deadline of its kind, ``audit.rules.rubric.DEADLINES``）, 有错误 (an error not dismissed, or
  any confirmed problem), 已发整改通知, 已整改 (a new version arrived after the notice and
  nothing confirmed or pending remains);
- ``notice_docx(store, unit_id, year)``: the 整改通知 (``nianbao.notice``) from the unit's
  confirmed report problems only, recorded in table ``notices``.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import io
import json
from dataclasses import dataclass, field
from typing import Any, Iterable

from ..audit.finding import READING, REPORT, Finding
from ..audit.rules.rubric import DEADLINES
from ..audit.run import ReportAudit
from ..model import Report
from .db import Store
from .units import KIND_ZH, Unit, get_unit, list_units, report_units

PENDING, CONFIRMED, DISMISSED = "pending", "confirmed", "dismissed"
REVIEW_STATUSES = (PENDING, CONFIRMED, DISMISSED)
REVIEW_ZH = {PENDING: "待核实", CONFIRMED: "已确认", DISMISSED: "已排除"}

NOT_PUBLISHED = "未发布"
PUBLISHED = "已发布"
ON_TIME = "已发布（按时）"
LATE = "已发布（逾期）"
HAS_ERRORS = "有错误"
NOTICE_SENT = "已发整改通知"
RECTIFIED = "已整改"
STATES = (NOT_PUBLISHED, ON_TIME, LATE, PUBLISHED, HAS_ERRORS, NOTICE_SENT, RECTIFIED)


class ReviewError(Exception):
    """A review that cannot be recorded; ``str(e)`` is Chinese."""


def _now() -> _dt.datetime:
    return _dt.datetime.now(_dt.timezone.utc).replace(tzinfo=None)


def _cell_value(c: dict) -> Any:
    v = c.get("value")
    return c.get("raw") if v is None else v


def fingerprint(unit: str | None, year: int | None, finding: dict[str, Any]) -> str:
    """16 hex digits naming one finding of one unit's report for a year (see the module doc)."""
    cells = sorted((str(c.get("key")), json.dumps(_cell_value(c), ensure_ascii=False, default=str))
                   for c in finding.get("cells") or [] if isinstance(c, dict))
    payload = [unit or "", year, finding.get("rule"), finding.get("where"), cells,
               finding.get("expected"), finding.get("actual")]
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass
class Review:
    status: str = PENDING
    note: str = ""
    reviewer: str = ""
    reviewed_at: _dt.datetime | None = None

    @property
    def status_zh(self) -> str:
        return REVIEW_ZH[self.status]

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, "status_zh": self.status_zh, "note": self.note, "reviewer": self.reviewer,
                "reviewed_at": self.reviewed_at.isoformat(timespec="seconds") + "Z" if self.reviewed_at else None}


@dataclass
class StoredFinding:
    report_id: str
    seq: int
    fingerprint: str
    data: dict[str, Any]                     # Finding.to_dict()
    review: Review = field(default_factory=Review)

    @property
    def channel(self) -> str:
        return str(self.data.get("channel") or REPORT)

    @property
    def severity(self) -> str:
        return str(self.data.get("severity"))

    @property
    def open(self) -> bool:
        """A problem the unit still has to fix: confirmed, or an error nobody dismissed."""
        if self.channel != REPORT:
            return False
        return self.review.status == CONFIRMED or (self.review.status == PENDING and self.severity == "error"
                                                   and self.data.get("status") == "fail")

    def to_dict(self) -> dict[str, Any]:
        return {**self.data, "fingerprint": self.fingerprint, "review": self.review.to_dict()}


def reviews(store: Store, fingerprints: Iterable[str] | None = None) -> dict[str, Review]:
    fps = None if fingerprints is None else sorted(set(fingerprints))
    if fps is not None and not fps:
        return {}
    where = "" if fps is None else f"WHERE fingerprint IN ({', '.join('?' * len(fps))})"
    rows = store.con.execute(f"SELECT fingerprint, status, note, reviewer, reviewed_at FROM reviews {where}",
                             fps or []).fetchall()
    return {fp: Review(st, note or "", who or "", at) for fp, st, note, who, at in rows}


def findings_of(store: Store, report_ids: Iterable[str] | None = None) -> dict[str, list[StoredFinding]]:
    """Report id → its stored findings (in order), each with fingerprint and review."""
    ids = None if report_ids is None else sorted(set(report_ids))
    if ids is not None and not ids:
        return {}
    where = "" if ids is None else f"WHERE f.report_id IN ({', '.join('?' * len(ids))})"
    rows = store.con.execute(f"""SELECT f.report_id, f.seq, f.json, r.agency_norm, r.year, r.source
                                 FROM findings f JOIN reports r USING (report_id) {where}
                                 ORDER BY f.report_id, f.seq""", ids or []).fetchall()
    out: dict[str, list[StoredFinding]] = {rid: [] for rid in ids or []}
    for rid, seq, js, agency, year, source in rows:
        d = json.loads(js) if js else {}
        unit = agency if agency and year else f"file:{source}"
        out.setdefault(rid, []).append(StoredFinding(rid, seq, fingerprint(unit, year, d), d))
    revs = reviews(store, [f.fingerprint for fs in out.values() for f in fs])
    for fs in out.values():
        for f in fs:
            f.review = revs.get(f.fingerprint, Review())
    return out


def set_review(store: Store, fp: str, status: str, note: str = "", reviewer: str = "") -> Review:
    """Record a review of every finding with fingerprint ``fp``."""
    if status not in REVIEW_STATUSES:
        raise ReviewError("审核结论应为 confirmed（确认）、dismissed（排除）或 pending（待核实）")
    where = next((f for fs in findings_of(store).values() for f in fs if f.fingerprint == fp), None)
    if where is None:
        raise ReviewError("没有这条审核发现（可能报告已被替换），请刷新页面后再试")
    if where.channel == READING:
        raise ReviewError("读取问题是本系统未能确定读取的内容，请对照原文人工核对，无需确认或排除")
    rev = Review(status, (note or "").strip()[:2000], (reviewer or "").strip()[:100], _now())
    con = store.con
    con.execute("DELETE FROM reviews WHERE fingerprint = ?", [fp])
    con.execute("INSERT INTO reviews VALUES (?, ?, ?, ?, ?, ?)",
                [fp, rev.status, rev.note, rev.reviewer, rev.reviewed_at, where.report_id])
    return rev


def counts(fs: Iterable[StoredFinding]) -> dict[str, int]:
    """Report problems by severity and by review; reading problems apart."""
    c = {"errors": 0, "warnings": 0, "info": 0, "to_verify": 0, "confirmed": 0, "dismissed": 0, "pending": 0,
         "open": 0}
    for f in fs:
        if f.channel != REPORT:
            c["to_verify"] += 1
            continue
        key = {"error": "errors", "warning": "warnings", "info": "info"}.get(f.severity)
        if key:
            c[key] += 1
        c[f.review.status] += 1
        c["open"] += f.open
    return c


# ---------------------------------------------------------------------------------------
# the season: each unit's state for a year

@dataclass
class UnitState:
    unit: Unit
    year: int
    state: str
    report_id: str | None = None
    publish_date: _dt.date | None = None
    deadline: _dt.date | None = None
    timely: str | None = None              # 按时 | 逾期 | None (no date or no deadline)
    counts: dict[str, int] = field(default_factory=dict)
    notice_at: _dt.datetime | None = None
    children: list["UnitState"] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {**self.unit.to_dict(), "year": self.year, "state": self.state, "report_id": self.report_id,
                "publish_date": self.publish_date.isoformat() if self.publish_date else None,
                "deadline": self.deadline.isoformat() if self.deadline else None, "timely": self.timely,
                "counts": self.counts,
                "notice_sent_at": self.notice_at.isoformat(timespec="seconds") + "Z" if self.notice_at else None}


def deadline_of(kind: str, year: int) -> _dt.date | None:
    dl = DEADLINES.get(kind)
    return _dt.date(year + 1, dl[0], dl[1]) if dl else None


def unit_reports(store: Store, year: int) -> dict[str, str]:
    """Unit id → its report for ``year`` (the most recently ingested version)."""
    rows = store.con.execute("SELECT report_id FROM reports WHERE year = ? ORDER BY ingested_at, source",
                             [year]).fetchall()
    links = report_units(store, [r[0] for r in rows])
    out: dict[str, str] = {}
    for (rid,) in rows:
        uid = links.get(rid, (None, "none"))[0]
        if uid:
            out[uid] = rid                     # later versions overwrite
    return out


def season(store: Store, year: int) -> list[UnitState]:
    """Every unit's state for ``year``, in the order of the imported list."""
    units = list_units(store)
    reps = unit_reports(store, year)
    fs = findings_of(store, reps.values())
    heads = {rid: (pd, at) for rid, pd, at in store.con.execute(
        "SELECT report_id, publish_date, ingested_at FROM reports WHERE year = ?", [year]).fetchall()}
    notices = {uid: at for uid, at in store.con.execute(
        "SELECT unit_id, max(sent_at) FROM notices WHERE year = ? GROUP BY unit_id", [year]).fetchall()}
    out = []
    for u in units:
        st = UnitState(u, year, NOT_PUBLISHED, deadline=deadline_of(u.kind, year), notice_at=notices.get(u.unit_id))
        rid = reps.get(u.unit_id)
        if rid is not None:
            pd, ingested = heads[rid]
            st.report_id, st.publish_date = rid, pd
            st.counts = counts(fs.get(rid, []))
            if pd is not None and st.deadline is not None:
                st.timely = "按时" if pd <= st.deadline else "逾期"
            if st.notice_at is not None:
                st.state = RECTIFIED if ingested > st.notice_at and not st.counts["open"] else NOTICE_SENT
            elif st.counts["open"]:
                st.state = HAS_ERRORS
            else:
                st.state = {"按时": ON_TIME, "逾期": LATE}.get(st.timely or "", PUBLISHED)
        out.append(st)
    return out


def season_tree(states: list[UnitState]) -> list[UnitState]:
    """The states as a tree by 上级单位: the roots, each with its ``children`` (any depth)."""
    by_name = {s.unit.name: s for s in states}
    roots = []
    for s in states:
        s.children = []
    for s in states:
        parent = by_name.get(s.unit.parent)
        if parent is not None and parent is not s:
            parent.children.append(s)
        else:
            roots.append(s)
    return roots


def years(store: Store) -> list[int]:
    """The years with stored reports, newest first (the year before this one when none)."""
    ys = [int(r[0]) for r in store.con.execute(
        "SELECT DISTINCT year FROM reports WHERE year IS NOT NULL ORDER BY year DESC").fetchall()]
    return ys or [_dt.date.today().year - 1]


# ---------------------------------------------------------------------------------------
# notices

def _report_of(store: Store, report_id: str) -> Report:
    from .reports import reports_where
    return reports_where(store, "report_id = ?", [report_id])[report_id]


def notice_docx(store: Store, unit_id: str, year: int, opts: Any = None) -> tuple[bytes, str, int]:
    """The 整改通知 for a unit's report of ``year`` from its confirmed problems (docx bytes,
    file name, number of problems); the sending is recorded in ``notices``."""
    from ..notice import NoticeOptions, fill_template, notice_context, notice_filename
    unit = get_unit(store, unit_id)
    if unit is None:
        raise ReviewError("没有这个单位")
    rid = unit_reports(store, year).get(unit_id)
    if rid is None:
        raise ReviewError(f"{unit.name}尚未发布（或尚未上传）{year}年度报告，无法生成整改通知")
    confirmed = [f for f in findings_of(store, [rid]).get(rid, [])
                 if f.channel == REPORT and f.review.status == CONFIRMED]
    if not confirmed:
        raise ReviewError(f"{unit.name}的{year}年度报告还没有已确认的问题：请先在报告页逐条确认需要整改的问题")
    report = _report_of(store, rid)
    report.agency = unit.name
    audit = ReportAudit(report, [Finding(**f.data) for f in confirmed])
    o = opts or NoticeOptions()
    o.include_info = True                     # the office confirmed each one
    doc = fill_template(notice_context(audit, o))
    buf = io.BytesIO()
    doc.save(buf)
    store.con.execute("INSERT INTO notices VALUES (?, ?, ?, ?, ?)", [unit_id, year, rid, len(confirmed), _now()])
    return buf.getvalue(), notice_filename(audit), len(confirmed)


__all__ = ["fingerprint", "Review", "StoredFinding", "ReviewError", "findings_of", "reviews", "set_review", "counts",
           "UnitState", "season", "season_tree", "years", "notice_docx", "unit_reports", "deadline_of",
           "REVIEW_STATUSES", "REVIEW_ZH", "STATES", "KIND_ZH"]
