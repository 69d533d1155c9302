"""Findings across reports: the same unit's consecutive years, and a parent against its members.

Owns: agency-name matching across years and levels (``agency_key``, ``same_agency``: the
usual forms — ``淮安市洪泽区人民政府`` = ``洪泽区人民政府``, ``…政府`` = ``…人民政府``,
``…街道办事处`` = ``…街道`` — and a user alias file, ``load_aliases``); the cross-year
findings ``cross_year_findings(prev, cur)`` — X-CARRY (上年结转(Y) = 结转下年度(Y−1) per
表三 column), X-INFORCE (现行有效(Y) = 现行有效(Y−1) + 本年制发(Y) − 本年废止(Y) for 规章 and
行政规范性文件), X-COPY (雷同: a section's text copied from last year's report, with the
share), X-AGENCY (the two reports are not of the same unit); ``batch_series_findings``
(groups a batch by unit and checks each pair of consecutive years);
``find_previous`` / ``PreviousIndex`` (last year's report of a unit among stored ones,
for ``check --db`` and the store);
and ``rollup_findings(parent, members)`` — X-ROLLUP (a region-wide report = Σ its
members, per cell). All findings are ordinary ``Finding`` objects (channel ``report``,
group ``series``), so JSON, HTML and Excel show them like every other finding. The rule
classes registered here carry the metadata (docs/rules.md); their single-report
``check`` returns nothing.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable, Mapping, Sequence

from ..model import FORMAT_2021, FORMAT_PRE2019, Report
from ..normalize import fold
from . import cells as C
from .finding import INFO, WARNING, Finding, sort_key
from .rules.base import Rule, register

Aliases = Mapping[str, str]          # folded name → canonical name (the same unit)

COPY_MIN_CHARS = 100                 # a section shorter than this is not judged for 雷同
COPY_SENT_MIN = 12                   # sentences shorter than this are ignored
COPY_SIMILAR = 90.0                  # rapidfuzz ratio at which a sentence counts as copied
COPY_SHARE = 0.6                     # share of a section's text copied that is reported
COPY_SECTIONS = ("s1_overview", "s5_problems", "s6_other")

_REGION_UNIT = r"[\u4e00-\u9fff]{1,10}?(?:省|自治区|特别行政区|市|自治州|州|盟|地区|县|自治县|旗|区)"
_REGION_PREFIX = re.compile(rf"^(?:{_REGION_UNIT})+$")
_LEVEL = re.compile(r"(?:省|自治区|市|州|盟|地区|县|旗|区|镇|乡|街道)")


# ---------------------------------------------------------------------------------------
# agency names

def load_aliases(path: str | Path) -> dict[str, str]:
    """A user alias file: one unit per line, its names separated by ``=``, a tab or ``,``/``，``;
    the first name is the canonical one. Blank lines and ``#`` comments are ignored."""
    out: dict[str, str] = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        names = [n.strip() for n in re.split(r"[=\t,，]", line) if n.strip()]
        if not names:
            continue
        for n in names:
            out[_fold_name(n)] = names[0]
    return out


def _fold_name(name: str) -> str:
    return re.sub(r"\s+", "", fold(name or ""))


def agency_key(name: str | None, aliases: Aliases | None = None) -> str:
    """The folded usual form of an agency name (aliases applied first)."""
    if not name:
        return ""
    n = _fold_name(name)
    if aliases and n in aliases:
        n = _fold_name(aliases[n])
    n = re.sub(r"(?<!人民)政府$", "人民政府", n)
    n = re.sub(r"街道办事处$", "街道", n)
    n = re.sub(r"^中共", "", n)
    return n


def same_agency(a: str | None, b: str | None, aliases: Aliases | None = None) -> bool:
    """The same unit: equal usual forms, or one is the other with its higher regions in front
    (淮安市洪泽区人民政府 = 洪泽区人民政府; 某市某县教育局 = 某县教育局, but not 教育局 alone)."""
    ka, kb = agency_key(a, aliases), agency_key(b, aliases)
    if not ka or not kb:
        return False
    if ka == kb:
        return True
    long, short = (ka, kb) if len(ka) > len(kb) else (kb, ka)
    if not long.endswith(short) or not _LEVEL.search(short):
        return False
    return bool(_REGION_PREFIX.match(long[: len(long) - len(short)]))


# ---------------------------------------------------------------------------------------
# rule metadata (the checks need two reports: see the functions below)

class SeriesRule(Rule):
    family = "series"
    group = "series"
    severity = WARNING

    def check(self, report: Report) -> list[Finding]:
        return []          # needs last year's report or the members: cross_year_findings / rollup_findings


@register
class CarryOver(SeriesRule):
    code = "X-CARRY"
    title = "上年结转等于上年度报告的结转下年度"
    description = "表三每一列：本年“二、上年结转政府信息公开申请数量”应等于上年度报告“四、结转下年度继续办理”。"
    basis = "format.md §5.4 X1、§10.2 R6（跨年度一致）。"


@register
class InForceSeries(SeriesRule):
    code = "X-INFORCE"
    title = "现行有效件数与上年度衔接"
    description = ("表二第二十条第（一）项：本年“现行有效件数”应等于上年度现行有效件数 + 本年制发件数 − 本年废止件数"
                   "（规章、行政规范性文件分别核对）。少于此数时也可能有文件因有效期届满失效，请说明。")
    basis = "format.md §5.3 S1（跨年度）；国办公开办函〔2021〕30号格式表二。"


@register
class CopiedText(SeriesRule):
    code = "X-COPY"
    title = "与上年度报告内容雷同"
    description = (f"逐部分比对本年与上年度报告的正文（总体情况、存在的主要问题及改进情况、其他需要报告的事项）：某部分"
                   f"{int(COPY_SHARE * 100)}%以上的文字与上年相同（数字、年份不计）即报告，并给出雷同比例。")
    basis = "国办公开办函〔2021〕30号（四）“内容雷同、敷衍塞责”；format.md §5.4 X3、§10.1（与去年重复率达90%）。"


@register
class AgencyMismatch(SeriesRule):
    code = "X-AGENCY"
    severity = INFO
    title = "跨年度核对的两份报告不是同一机关"
    description = "指定的上年度报告与本报告的发布机关（按常用简称和别名比对）不同时，不作跨年度核对，并提示。"
    basis = "format.md §5.4（同一机关、同一列比对）。"


@register
class Rollup(SeriesRule):
    code = "X-ROLLUP"
    title = "汇总报告等于所属各单位之和"
    description = "报告本行政区域汇总数据的，表二件数与收费金额、表三、表四每个单元格应等于所属各单位报告对应单元格之和。"
    basis = "format.md §5.4 X2、§10.2 R11（本行政区域全貌）。"


def _rule(code: str) -> Rule:
    from .rules.base import REGISTRY
    return REGISTRY[code]


def _f(code: str, where: str, message: str, **kw: object) -> Finding:
    return _rule(code).finding(where, message, **kw)  # type: ignore[arg-type]


def _name(r: Report) -> str:
    return f"{r.agency or '（机关未识别）'}{r.year or '?'}年度报告"


# ---------------------------------------------------------------------------------------
# cross-year

def _carry(prev: Report, cur: Report) -> list[Finding]:
    out: list[Finding] = []
    for col in C.std().t3_cols:
        kp, kc = f"t3.carry_forward.{col}", f"t3.carried_over.{col}"
        vp, vc = C.num(prev, kp), C.num(cur, kc)
        if vp is None or vc is None or vp == vc:
            continue
        out.append(_f("X-CARRY", col, f"{C.describe(cur, kc)}为{C.fmt(vc)}，但上年度报告（{_name(prev)}）"
                      f"{C.describe(prev, kp)}为{C.fmt(vp)}，两者应相等。",
                      cells=[C.cell_info(cur, kc), {**C.cell_info(prev, kp), "report": prev.source}],
                      expected=vp, actual=vc, evidence={"previous": prev.source, "previous_year": prev.year}))
    return out


def _in_force(prev: Report, cur: Report) -> list[Finding]:
    if prev.format_version != FORMAT_2021 or cur.format_version != FORMAT_2021:
        return []
    out: list[Finding] = []
    for row in ("rules", "normative"):
        kp, ki, kr, kf = (f"t2.{row}.in_force", f"t2.{row}.issued", f"t2.{row}.repealed", f"t2.{row}.in_force")
        p, i, r, f = C.num(prev, kp), C.num(cur, ki), C.num(cur, kr), C.num(cur, kf)
        if None in (p, i, r, f):
            continue
        want = p + i - r      # type: ignore[operator]
        if f == want:
            continue
        label = C.row_label(cur, "t2", row)
        why = "" if f < want else "，多于可能的件数"   # type: ignore[operator]
        note = "（如有文件因有效期届满失效，应予说明）" if f < want else ""  # type: ignore[operator]
        out.append(_f("X-INFORCE", f"t2.{row}",
                      f"表二「{label}」行：上年度现行有效{C.fmt(p)}件 + 本年制发{C.fmt(i)}件 − 本年废止{C.fmt(r)}件 = "
                      f"{C.fmt(want)}件，但本年「现行有效件数」为{C.fmt(f)}件{why}{note}。",
                      cells=[{**C.cell_info(prev, kp), "report": prev.source}, C.cell_info(cur, ki),
                             C.cell_info(cur, kr), C.cell_info(cur, kf)],
                      expected=want, actual=f, evidence={"previous": prev.source, "previous_in_force": p}))
    return out


_SENT = re.compile(r"[^。！？；\n]+[。！？；]?")


def _norm_sentence(s: str) -> str:
    return re.sub(r"\d+(?:\.\d+)?", "#", re.sub(r"\s+", "", s))


def copied_share(prev_text: str, cur_text: str) -> float:
    """Share of ``cur_text`` (by characters) in sentences found, nearly unchanged, in ``prev_text``
    (numbers and years are ignored)."""
    from rapidfuzz import fuzz, process
    cur = [_norm_sentence(s) for s in _SENT.findall(cur_text or "")]
    cur = [s for s in cur if len(s) >= COPY_SENT_MIN]
    prev = [s for s in (_norm_sentence(x) for x in _SENT.findall(prev_text or "")) if len(s) >= COPY_SENT_MIN]
    if not cur or not prev:
        return 0.0
    total = sum(len(s) for s in cur)
    same = 0
    prev_set = set(prev)
    for s in cur:
        if s in prev_set:
            same += len(s)
            continue
        best = process.extractOne(s, prev, scorer=fuzz.ratio, score_cutoff=COPY_SIMILAR)
        if best is not None:
            same += len(s)
    return same / total if total else 0.0


def _copy(prev: Report, cur: Report) -> list[Finding]:
    out: list[Finding] = []
    for key in COPY_SECTIONS:
        sp, sc = prev.sections.get(key), cur.sections.get(key)
        if sp is None or sc is None or len(re.sub(r"\s+", "", sc.text or "")) < COPY_MIN_CHARS:
            continue
        share = copied_share(sp.text, sc.text)
        if share < COPY_SHARE:
            continue
        title = C.tidy(sc.title) if sc.title else C.std().section(key).canonical
        out.append(_f("X-COPY", key, f"“{title}”有{share:.0%}的文字与上年度报告（{_name(prev)}）相同（数字、年份不计），"
                      "内容雷同。", expected=f"<{COPY_SHARE:.0%}", actual=round(share, 3),
                      evidence={"previous": prev.source, "share": round(share, 3)},
                      sources=[sc.source.to_dict()] if sc.source is not None else []))
    return out


def cross_year_findings(prev: Report, cur: Report, aliases: Aliases | None = None) -> list[Finding]:
    """Findings of ``cur`` against last year's report ``prev`` of the same unit.

    Nothing (but an X-AGENCY note) when the two are not of the same unit; nothing when
    ``prev`` is not of the year before ``cur`` (when both years are known)."""
    if prev.agency and cur.agency and not same_agency(prev.agency, cur.agency, aliases):
        return [_f("X-AGENCY", "agency", f"上年度报告的发布机关为“{prev.agency}”，与本报告“{cur.agency}”不是同一机关，"
                   "未作跨年度核对。", expected=cur.agency, actual=prev.agency, evidence={"previous": prev.source})]
    if prev.year is not None and cur.year is not None and prev.year != cur.year - 1:
        return []
    out: list[Finding] = []
    if prev.format_version != FORMAT_PRE2019 and cur.format_version != FORMAT_PRE2019:
        out += _carry(prev, cur)
        out += _in_force(prev, cur)
    out += _copy(prev, cur)
    out.sort(key=sort_key)
    return out


def series_groups(reports: Iterable[Report], aliases: Aliases | None = None) -> list[list[Report]]:
    """Reports grouped by unit (same_agency), each group sorted by year."""
    groups: list[list[Report]] = []
    for r in reports:
        if not r.agency:
            continue
        g = next((g for g in groups if same_agency(g[0].agency, r.agency, aliases)), None)
        if g is None:
            groups.append([r])
        else:
            g.append(r)
    for g in groups:
        g.sort(key=lambda r: (r.year or 0, r.source))
    return groups


def batch_series_findings(reports: Iterable[Report], aliases: Aliases | None = None) -> dict[str, list[Finding]]:
    """For a batch: source of each report that has last year's report in the batch → its
    cross-year findings (only pairs of consecutive years of the same unit)."""
    out: dict[str, list[Finding]] = {}
    for g in series_groups(reports, aliases):
        by_year: dict[int, Report] = {}
        for r in g:
            if r.year is not None:
                by_year.setdefault(r.year, r)
        for y, cur in by_year.items():
            prev = by_year.get(y - 1)
            if prev is not None:
                out[cur.source] = cross_year_findings(prev, cur, aliases)
    return out


def find_previous(report: Report, candidates: Iterable[Report], aliases: Aliases | None = None) -> Report | None:
    """Last year's report of the same unit among ``candidates`` (e.g. loaded from the store)."""
    return PreviousIndex(candidates, aliases).find(report)


class PreviousIndex:
    """``find_previous`` over many candidates: the first candidate (in their order) of the
    year before, of the same unit, for each report in a few dictionary lookups, where a
    scan of every candidate per report is quadratic over a national year.

    ``same_agency`` holds when the usual forms are equal or one is the other with regions
    in front, so a candidate is indexed under its usual form and under each ending left
    after a run of regions (``淮安市洪泽区人民政府`` also as ``洪泽区人民政府``), and a report
    looks up its own form, its endings after regions, and the candidates indexed under
    its form; every hit is confirmed by ``same_agency`` itself."""

    def __init__(self, candidates: Iterable[Report], aliases: Aliases | None = None):
        self.aliases = aliases
        self._order: dict[int, int] = {}
        self._by_key: dict[tuple[int, str], list[Report]] = {}     # (year, usual form)
        self._by_ending: dict[tuple[int, str], list[Report]] = {}  # (year, form after its regions)
        for i, r in enumerate(candidates):
            k = agency_key(r.agency, aliases)
            if r.year is None or not k:
                continue
            self._order[id(r)] = i
            self._by_key.setdefault((r.year, k), []).append(r)
            for end in _endings_after_regions(k):
                self._by_ending.setdefault((r.year, end), []).append(r)

    def find(self, report: Report) -> Report | None:
        k = agency_key(report.agency, self.aliases)
        if report.year is None or not k:
            return None
        y = report.year - 1
        pool = [*self._by_key.get((y, k), ()), *self._by_ending.get((y, k), ())]
        for end in _endings_after_regions(k):
            pool.extend(self._by_key.get((y, end), ()))
        hits = [r for r in pool if r.source != report.source and same_agency(r.agency, report.agency, self.aliases)]
        return min(hits, key=lambda r: self._order[id(r)]) if hits else None


def _endings_after_regions(key: str) -> list[str]:
    """The proper endings of a usual form that follow a run of region names."""
    return [key[j:] for j in range(1, len(key)) if _REGION_PREFIX.match(key[:j])]


# ---------------------------------------------------------------------------------------
# hierarchy

def _rollup_keys(parent: Report) -> list[str]:
    s, v = C.std(), C.version(parent)
    return s.t2_keys(v) + s.t3_keys(v) + s.t4_keys


def rollup_findings(parent: Report, members: Sequence[Report]) -> list[Finding]:
    """X-ROLLUP: each cell of a region-wide report against the sum of its members' cells
    (counts add, fee amounts in 万元 add directly). A cell is compared only when the parent
    and every member print a number there."""
    if not members or parent.format_version == FORMAT_PRE2019:
        return []
    dec = C.std().decimal_keys(C.version(parent))
    out: list[Finding] = []
    for k in _rollup_keys(parent):
        pv = C.num(parent, k)
        vals = [C.num(m, k) for m in members]
        if pv is None or any(v is None for v in vals):
            continue
        total = sum(v for v in vals if v is not None)
        if (abs(pv - total) < 1e-6) if k in dec else pv == total:
            continue
        total_s = f"{total:.6f}".rstrip("0").rstrip(".") if k in dec else C.fmt(total)
        out.append(_f("X-ROLLUP", k, f"{C.describe(parent, k)}为{C.fmt(pv)}，但所属{len(members)}个单位之和为{total_s}，"
                      "汇总数与各单位之和不一致。",
                      cells=[C.cell_info(parent, k)], expected=total, actual=pv,
                      evidence={"members": [{"source": m.source, "agency": m.agency, "value": C.num(m, k)}
                                            for m in members]}))
    return out


__all__ = ["load_aliases", "agency_key", "same_agency", "cross_year_findings", "batch_series_findings",
           "series_groups", "find_previous", "PreviousIndex", "rollup_findings", "copied_share"]
