"""The season's dashboard: the tables behind its charts, from the store.

Owns ``dashboard(store, year)``: a list of ``Chart`` — each a title, a note, its header and
rows (what the page shows as a table and offers as Excel), and how to draw it (``kind``,
the columns on the axes). The charts:

- coverage and on-time rate per 上级单位 (its units below: published, on time, by the
  deadline of each unit's 类别);
- errors per family of findings (the display groups of ``audit.finding.GROUPS``), report
  problems only, dismissed ones left out;
- the indicators — 实质公开率 = (予以公开 + 部分公开) / 办理结果总计, 复议纠错率 and 诉讼纠错率
  (结果纠正 / 已审结, ``store.analysis.indicators``) — with P25 / P50 / P75 across the
  units' reports of the year;
- the same indicators' medians year by year (the trend).

A rate is computed only where the report prints its numerator and denominator; a unit
without a value is left out of the percentiles, never counted as 0.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..audit.finding import GROUPS, REPORT
from ..store.analysis import indicators
from ..store.db import Store
from ..store.review import DISMISSED, findings_of, season, unit_reports

QUARTILES = (0.25, 0.5, 0.75)
# indicator column of store.analysis.indicators (or computed here) → the name an official uses
INDICATORS = {"substantive_rate": "实质公开率", "review_corrected_rate": "复议纠错率",
              "suit_corrected_rate": "诉讼纠错率", "corrected_rate": "复议诉讼合计纠错率"}


@dataclass
class Chart:
    key: str                        # its name in the download address
    title: str
    note: str
    header: list[str]
    rows: list[list[Any]]
    kind: str = "bar"               # bar | line
    x: int = 0                      # the column on the category axis
    series: list[int] = field(default_factory=list)   # the columns drawn
    percent: bool = False           # the drawn values are shares (shown as %)

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "title": self.title, "kind": self.kind, "percent": self.percent,
                "categories": [str(r[self.x]) for r in self.rows],
                "series": [{"name": self.header[i], "data": [_num(r[i]) for r in self.rows]} for i in self.series]}


def _num(v: Any) -> float | None:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    return float(v)


def _pct(n: int, d: int) -> float | None:
    return round(100.0 * n / d, 1) if d else None


def coverage_chart(store: Store, year: int) -> Chart:
    states = season(store, year)
    parents = {s.unit.parent for s in states if s.unit.parent}
    rows = []
    for p in sorted(parents):
        below = [s for s in states if s.unit.parent == p]
        published = [s for s in below if s.report_id]
        judged = [s for s in published if s.timely]
        on_time = [s for s in judged if s.timely == "按时"]
        rows.append([p, len(below), len(published), len(on_time), _pct(len(published), len(below)),
                     _pct(len(on_time), len(judged))])
    return Chart("coverage", "各上级单位所属单位的年报发布情况",
                 "覆盖率 = 已发布单位数 / 所属单位数；按时率 = 按时发布数 / 有发布期限且有发布日期的已发布单位数（乡镇街道无法定期限，不计入）。",
                 ["上级单位", "所属单位数", "已发布", "按时发布", "覆盖率（%）", "按时率（%）"], rows,
                 series=[4, 5], percent=True)


def errors_chart(store: Store, year: int) -> Chart:
    reps = unit_reports(store, year)
    ids = list(reps.values()) or [r[0] for r in store.con.execute(
        "SELECT report_id FROM current_reports WHERE year = ?", [year]).fetchall()]
    counts: dict[str, list[int]] = {}
    for fs in findings_of(store, ids).values():
        for f in fs:
            if f.channel != REPORT or f.severity != "error" or f.review.status == DISMISSED:
                continue
            label = GROUPS.get(str(f.data.get("group")), "其他")
            c = counts.setdefault(label, [0, 0])
            c[0] += 1
            c[1] += f.review.status == "confirmed"
    rows: list[list[Any]] = [[g, n, k] for g, (n, k) in sorted(counts.items(), key=lambda kv: -kv[1][0])]
    return Chart("errors", "审核发现的错误（按类别）",
                 f"{year}年度各单位报告中的错误（已排除的不计），其中已确认的另列。",
                 ["类别", "错误数", "其中已确认"], rows, series=[1, 2])


def _indicator_frame(store: Store) -> pd.DataFrame:
    df = indicators(store)
    granted = pd.to_numeric(df["granted"], errors="coerce")
    partial = pd.to_numeric(df["partial"], errors="coerce")
    total = pd.to_numeric(df["results_total"], errors="coerce")
    df["substantive_rate"] = (granted + partial) / total.where(total > 0)
    return df


def quartiles_chart(df: pd.DataFrame, year: int) -> Chart:
    rows = []
    now = df[df["year"] == year]
    for col, name in INDICATORS.items():
        vals = pd.to_numeric(now[col], errors="coerce").dropna()
        qs = [round(100 * float(vals.quantile(q)), 1) if len(vals) else None for q in QUARTILES]
        rows.append([name, int(len(vals)), *qs])
    return Chart("indicators", "主要指标的分布（各单位）",
                 "实质公开率 = 全部或部分公开的件数 / 办理结果的总件数；纠错率 = 被纠正的件数 / 已审结的件数。"
                 "P25、P50（中位数）、P75 为各单位数值的四分位数，未填报或分母为 0 的单位不计入。",
                 ["指标", "单位数", "P25（%）", "P50（%）", "P75（%）"], rows, series=[2, 3, 4], percent=True)


def trend_chart(df: pd.DataFrame) -> Chart:
    rows = []
    for y in sorted(int(v) for v in df["year"].dropna().unique()):
        part = df[df["year"] == y]
        row: list[Any] = [y, int(len(part))]
        for col in INDICATORS:
            vals = pd.to_numeric(part[col], errors="coerce").dropna()
            row.append(round(100 * float(vals.median()), 1) if len(vals) else None)
        rows.append(row)
    return Chart("trend", "主要指标的逐年变化（中位数）", "各年度各单位数值的中位数。",
                 ["年度", "报告数", *[f"{n}（%）" for n in INDICATORS.values()]], rows, kind="line",
                 series=list(range(2, 2 + len(INDICATORS))), percent=True)


def dashboard(store: Store, year: int) -> list[Chart]:
    df = _indicator_frame(store)
    return [coverage_chart(store, year), errors_chart(store, year), quartiles_chart(df, year), trend_chart(df)]


__all__ = ["Chart", "dashboard", "INDICATORS", "QUARTILES"]
