"""Text against tables (format.md §5.5): what the report says vs what its tables print.

Owns: TT-NUM (figures stated in the text vs 表三/表四), TT-SPLIT (a complete breakdown
in the text vs outcome categories the table adds), TT-NONE (未收到申请 / 未发生行政复议、
行政诉讼 vs the tables), TT-NORM (规范性文件 figures vs 表二), TT-SUM (sums stated in
the text vs their parts), TT-YEAR (report year across title, statistics period, text),
TT-FEE (（六）2 收费通知 lapses vs section 六). Also ``agreement()``, used by the repair
search to rank candidates by how well they fit the text (it returns ``Support`` items,
never text to be matched). Only figures that count 政府信息公开申请 or 复议/诉讼 cases (see
``textnums``) are compared; figures that refer to another scope (全市 … when the body is
a 镇) or another year are never compared; combined statements are compared with the sums
they name (``予以公开及部分公开`` = 予以公开 + 部分公开, ``无法提供`` = its three rows, ``均获维持`` =
结果维持); each difference is reported once, with the sentence and the cells.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from ...model import FORMAT_2019, FORMAT_PRE2019, Report
from ...normalize import squash
from .. import cells as C
from ..finding import INFO, WARNING, Finding
from ..textnums import OUTCOME_CATEGORIES, YEAR_RE, Figure, Support, analyse
from .base import Rule, register

Getter = Callable[[str], "int | float | None"]


def _rows(report: Report, prefix: str) -> list[str]:
    return [r for r in C.std().t3_row_keys(C.version(report)) if r == prefix or r.startswith(prefix + ".")]


def category_rows(report: Report) -> dict[str, list[str]]:
    """表三 row keys of each outcome category the text may state."""
    return {
        "granted": ["granted"], "partial": ["partial"],
        "withheld": _rows(report, "withheld"), "unavailable": _rows(report, "unavailable"),
        "not_processed": _rows(report, "not_processed"), "other": _rows(report, "other"),
    }


def category_label(report: Report, cat: str) -> str:
    s = C.std()
    rows = category_rows(report).get(cat) or [cat]
    if len(rows) == 1 and "." not in rows[0]:
        return C.row_label(report, "t3", rows[0])
    g = next((x for x in s.t3_groups if x.key == cat), None)
    return g.canonical if g else cat


def _t3_total(rows: list[str]) -> list[str]:
    return [f"t3.{r}.total" for r in rows]


def options(report: Report, f: Figure) -> list[list[str]]:
    """Table expressions (lists of keys to add) a stated figure may correspond to."""
    cats = category_rows(report)
    cat = f.category
    if cat == "received":
        return [["t3.new.total"], ["t3.new.total", "t3.carried_over.total"]]
    if cat == "granted":
        return [["t3.granted.total"], ["t3.granted.total", "t3.partial.total"]]
    if cat == "granted_partial":
        return [["t3.granted.total", "t3.partial.total"]]
    if cat in ("partial", "withheld", "unavailable", "not_processed"):
        return [_t3_total(cats[cat])]
    if cat == "completed":
        return [["t3.result_total.total"]]
    if cat == "carry_forward":
        return [["t3.carry_forward.total"]]
    if cat == "carried_over":
        return [["t3.carried_over.total"]]
    if cat == "review":
        return [["t4.review.total"]]
    if cat == "suit":
        return [["t4.suit_direct.total", "t4.suit_after_review.total"]]
    if cat == "normative":
        if NORM_ACTION_RE.search(f.clause):
            return []        # 清理并集中发布现行有效…393件: a stock at some date, not the year-end count
        if report.format_version == FORMAT_2019:
            m = {"issued": [["t2v19.normative.new_made"]], "in_force": [["t2v19.normative.total_published"]],
                 None: [["t2v19.normative.new_made"], ["t2v19.normative.total_published"]]}
        else:
            m = {"issued": [["t2.normative.issued"]], "repealed": [["t2.normative.repealed"]],
                 "in_force": [["t2.normative.in_force"]],
                 None: [["t2.normative.issued"], ["t2.normative.in_force"]]}
        return m.get(f.qualifier, [])
    return []


NORM_ACTION_RE = re.compile(r"清理|梳理|集中发布|汇编|文件库|数据库|动态更新|评估|审查|备案|审核")
UPHELD_KEYS = {"review": ["t4.review.upheld"], "suit": ["t4.suit_direct.upheld", "t4.suit_after_review.upheld"]}


def _sum(get: Getter, keys: list[str]):
    vals = [get(k) for k in keys]
    return None if any(v is None for v in vals) else sum(vals)


@dataclass
class Comparison:
    kind: str                 # num | split | upheld
    figure: Figure
    keys: list[str]           # the expression compared (or the unmentioned category's cells)
    table_value: int | float | None
    ok: bool | None           # None: not assessable
    detail: str = ""          # for split: the category key


def comparisons(report: Report, get: Getter, figures: list[Figure] | None = None) -> list[Comparison]:
    if report.format_version == FORMAT_PRE2019:
        return []
    figs = figures if figures is not None else analyse(report).figures
    out: list[Comparison] = []
    for f in figs:
        if not f.comparable or f.category is None:
            continue
        opts = options(report, f)
        if not opts:
            continue
        vals = [_sum(get, o) for o in opts]
        if all(v is None for v in vals):
            out.append(Comparison("num", f, opts[0], None, None))
            continue
        hit = next((o for o, v in zip(opts, vals) if v is not None and v == f.value), None)
        if hit is not None:
            out.append(Comparison("num", f, hit, f.value, True))
        else:
            o, v = next((o, v) for o, v in zip(opts, vals) if v is not None)
            out.append(Comparison("num", f, o, v, False))
        if f.all_upheld and f.category in UPHELD_KEYS:
            keys = UPHELD_KEYS[f.category]
            uv = _sum(get, keys)
            out.append(Comparison("upheld", f, keys, uv, None if uv is None else uv == f.value))
    # complete breakdowns: 收到N件, 公开a件, 不予公开b件 with a + b == N
    by_sent: dict[tuple[str, int], list[Figure]] = {}
    for f in figs:
        if f.comparable and f.category:
            by_sent.setdefault((f.section, f.offset - f.start), []).append(f)
    cats = category_rows(report)
    for fs in by_sent.values():
        rec = next((f for f in fs if f.category == "received"), None)
        outs = [f for f in fs if f.category in OUTCOME_CATEGORIES]
        if rec is None or not outs or sum(f.value for f in outs) != rec.value:
            continue
        stated = {f.category for f in outs}
        if "granted" in stated:
            stated.add("partial")
        for cat, rows in cats.items():
            if cat in stated or not rows:
                continue
            keys = _t3_total(rows)
            v = _sum(get, keys)
            out.append(Comparison("split", rec, keys, v, None if v is None else v == 0, cat))
    return out


def agreement(report: Report, changes: dict) -> tuple[int, list[Support]]:
    """How many text comparisons hold when ``changes`` (key → value) replace printed values,
    and which (``Support`` items: kind num | split | upheld, an identity key, a Chinese text)."""
    def get(k):
        return changes[k] if k in changes else C.num(report, k)
    ok, desc = 0, []
    for c in comparisons(report, get):
        if c.ok:
            ok += 1
            f = c.figure
            ident = (c.kind, f.section, f.offset, c.detail)
            if c.kind == "split":
                desc.append(Support("split", ident, f"正文未提及“{category_label(report, c.detail)}”，表中为0"))
            else:
                desc.append(Support(c.kind, ident, f"正文“{f.keyword}{C.fmt(f.value)}{f.unit}”"))
    return ok, desc


def _section_title(report: Report, key: str) -> str:
    sec = report.sections.get(key)
    if sec is not None and sec.title:
        return C.tidy(sec.title)
    return next((e.canonical for e in C.std().sections if e.key == key), key)


def _quote(f: Figure) -> str:
    t = squash(f.sentence).rstrip("。；;，,")
    return t if len(t) <= 80 else t[:78] + "…"


def _src(report: Report, section: str) -> list[dict]:
    sec = report.sections.get(section)
    if sec is not None and sec.source is not None:
        return [sec.source.to_dict()]
    return []


class TextRule(Rule):
    severity = WARNING
    family = "text"
    group = "text"


@register
class TextNumbers(TextRule):
    code = "TT-NUM"
    title = "正文所述申请、复议诉讼数字与表三、表四一致"
    description = ("正文中“收到/新收/受理……申请N件”“予以公开/已公开”“不予公开”“办结”“结转”“行政复议N件”等数字，"
                   "与表三、表四的对应单元格比对。指向其他范围（如镇级报告中的“全市”）或其他年度的数字不比对。")
    basis = "format.md §5.5 TT1；国办公开办函〔2021〕30号要求年报数据准确；条例第五十条。"

    def check(self, report: Report) -> list[Finding]:
        out = []
        seen: set[tuple[object, ...]] = set()
        for c in comparisons(report, lambda k: C.num(report, k)):
            if c.kind not in ("num", "upheld") or c.ok is not False or c.figure.category == "normative":
                continue      # normative: TT-NORM; not assessable: the blank cells are reported by CELL-BLANK
            f = c.figure
            ident = (c.kind, f.category, f.value, tuple(c.keys))
            if ident in seen:
                continue      # one difference, one finding
            seen.add(ident)
            where = f"{f.section}:{f.category}" + (":upheld" if c.kind == "upheld" else "")
            cells = [C.cell_info(report, k) for k in c.keys]
            names = " + ".join(C.describe(report, k) for k in c.keys)
            sec = _section_title(report, f.section)
            if c.kind == "upheld":
                grp = "t4.review" if f.category == "review" else "t4.suit"
                others = [k for k in C.table_keys(report, "t4") if k.startswith(grp) and
                          k.rsplit(".", 1)[1] in ("corrected", "other", "pending") and (C.num(report, k) or 0) > 0]
                why = "、".join(f"{C.describe(report, k)}{C.shown(report, k)}" for k in others)
                msg = (f"正文（{sec}）称“{_quote(f)}”（{f.keyword}{C.fmt(f.value)}{f.unit}，均获维持），"
                       f"但{names}为{C.fmt(c.table_value)}" + (f"，且{why}" if why else "") + "，正文与表四不一致。")
                cells += [C.cell_info(report, k) for k in others]
            else:
                msg = (f"正文（{sec}）称“{_quote(f)}”（{f.keyword}{C.fmt(f.value)}{f.unit}），"
                       f"但{names}为{C.fmt(c.table_value)}，正文与表格不一致。")
            out.append(self.finding(where, msg, cells=cells, expected=f.value, actual=c.table_value, confidence=0.8,
                                    evidence={"figure": f.to_dict(), "comparison": c.kind},
                                    sources=_src(report, f.section)))
        return out


@register
class TextSplit(TextRule):
    code = "TT-SPLIT"
    title = "正文所述办理结果构成与表三一致"
    description = ("正文列出收到申请数及各项办理结果、且各项之和等于收到数时，表三中正文未提及的办理结果类别应为0；"
                   "否则正文与表格相互矛盾（样本000：正文“收到2条，已公开1条，不予公开1条”，表三另有“无法提供”2件）。")
    basis = "format.md §5.5 TT1；§9 样本000。表三（七）总计是各办理结果之和，每件申请只计一种结果。"

    def check(self, report: Report) -> list[Finding]:
        out = []
        for c in comparisons(report, lambda k: C.num(report, k)):
            if c.kind != "split" or c.ok:
                continue
            f = c.figure
            sent_figs = [g for g in analyse_cached(report) if g.section == f.section and
                         g.offset - g.start == f.offset - f.start and g.category in OUTCOME_CATEGORIES]
            parts = "、".join(f"{g.keyword}{C.fmt(g.value)}{g.unit}" for g in sent_figs)
            label = category_label(report, c.detail)
            nonzero = [k for k in c.keys if C.num(report, k) not in (0, None)]
            rows = "、".join(f"{C.printed_labels(report, k)[0]} {C.shown(report, k)}" for k in nonzero)
            sec = _section_title(report, f.section)
            where = f"{f.section}:{c.detail}"
            if c.ok is None:
                continue      # blank cells: CELL-BLANK
            out.append(self.finding(
                where,
                f"正文（{sec}）称“{_quote(f)}”：{parts}，合计{C.fmt(f.value)}{f.unit}，与收到数相同；"
                f"但表三“{label}”合计为{C.fmt(c.table_value)}（{rows}），正文未提及，正文与表格相互矛盾。",
                cells=[C.cell_info(report, k) for k in nonzero], expected=0, actual=c.table_value,
                confidence=0.8, sources=_src(report, f.section),
                evidence={"received": f.to_dict(), "stated": [g.to_dict() for g in sent_figs], "category": c.detail}))
        return out


def analyse_cached(report: Report) -> list[Figure]:
    return analyse(report).figures


@register
class TextNone(TextRule):
    code = "TT-NONE"
    title = "“未收到申请”“未发生复议诉讼”等表述与表格一致"
    description = "正文称未收到政府信息公开申请时，表三“本年新收”总计应为0；称未发生行政复议、行政诉讼时，表四相应总计应为0。"
    basis = "format.md §5.5 TT2。"

    def check(self, report: Report) -> list[Finding]:
        if report.format_version == FORMAT_PRE2019:
            return []
        out, seen = [], set()
        targets = {"no_requests": ["t3.new.total"], "no_review": ["t4.review.total"],
                   "no_suit": ["t4.suit_direct.total", "t4.suit_after_review.total"]}
        for st in analyse(report).statements:
            if st.other_scope or st.other_year or st.kind in seen:
                continue
            keys = targets[st.kind]
            v = _sum(lambda k: C.num(report, k), keys)
            sec = _section_title(report, st.section)
            quote = squash(st.sentence).rstrip("。；;，,")[:80]
            names = " + ".join(C.describe(report, k) for k in keys)
            if v is None:
                continue      # blank cells: CELL-BLANK
            if v != 0:
                seen.add(st.kind)
                out.append(self.finding(
                    f"{st.section}:{st.kind}", f"正文（{sec}）称“{quote}”，但{names}为{C.fmt(v)}，正文与表格矛盾。",
                    cells=[C.cell_info(report, k) for k in keys], expected=0, actual=v, confidence=0.8,
                    sources=_src(report, st.section), evidence={"statement": st.kind, "text": quote}))
        return out


@register
class TextNormative(TextRule):
    code = "TT-NORM"
    title = "正文所述规范性文件数与表二一致"
    description = "正文中规范性文件的制发、废止、现行有效件数，与表二第二十条第（一）项“行政规范性文件”行比对。"
    basis = "format.md §5.5 TT3。"

    def check(self, report: Report) -> list[Finding]:
        out = []
        figs = [f for f in analyse(report).figures if f.category == "normative"]
        for c in comparisons(report, lambda k: C.num(report, k), figs):
            if c.ok:
                continue
            f = c.figure
            names = " 或 ".join(C.describe(report, k) for k in c.keys)
            sec = _section_title(report, f.section)
            if c.ok is None:
                continue      # blank cells: CELL-BLANK
            out.append(self.finding(
                f"{f.section}:normative", f"正文（{sec}）称“{_quote(f)}”（{C.fmt(f.value)}{f.unit}），"
                f"但{names}为{C.fmt(c.table_value)}，正文与表二不一致。",
                cells=[C.cell_info(report, k) for k in c.keys], expected=f.value, actual=c.table_value,
                confidence=0.7, sources=_src(report, f.section), evidence={"figure": f.to_dict()}))
        return out


@register
class TextSums(TextRule):
    code = "TT-SUM"
    title = "正文所述总数与分项之和一致"
    description = ("正文给出总数并列举分项时（如“主动公开政府信息219条……指南1条、政策文件2条……”），分项之和应等于总数；"
                   "分项之和超过总数一定有误，少于总数且用“其中”列举时可能只列了一部分（提示）。")
    basis = "format.md §5.5；国办公开办函〔2021〕30号要求数据准确。样本000：219 = 1+2+2+9+168+37。"

    def check(self, report: Report) -> list[Finding]:
        out = []
        for s in analyse(report).sums:
            tot, ps = s.total.value, s.parts_sum
            if tot == ps:
                continue
            parts = " + ".join(C.fmt(p.value) for p in s.parts)
            sec = _section_title(report, s.total.section)
            if not s.marker:
                sev, why = INFO, "分项之和与总数不同（原文未写明二者的包含关系，请人工核对）"
            elif ps > tot:
                sev, why = WARNING, "分项之和大于总数"
            elif s.exhaustive:
                sev, why = WARNING, "分项之和小于总数"
            else:
                sev, why = INFO, "分项之和小于总数（“其中”可能只列举了一部分）"
            out.append(self.finding(
                s.total.section, f"正文（{sec}）称“{_quote(s.total)}”：总数{C.fmt(tot)}{s.total.unit}，"
                f"分项{parts} = {C.fmt(ps)}{s.total.unit}，{why}。",
                severity=sev, expected=tot, actual=ps, confidence=0.7, sources=_src(report, s.total.section),
                evidence={"total": s.total.to_dict(), "parts": [p.to_dict() for p in s.parts], "marker": s.marker}))
        return out


PERIOD_RE = re.compile(r"统计(?:时限|期限|时间|期间|区间|周期|范围)?[^。]{0,12}?((?:19|20)\d{2})\s*年\s*1\s*月\s*1\s*日")


@register
class TextYear(TextRule):
    code = "TT-YEAR"
    title = "报告年度在标题、统计期限和正文中一致"
    description = "标题中的年度、前言所述统计期限的年度、报告年度应一致；总体情况正文应以报告年度为主。"
    basis = "format.md §5.5 TT4；统计期限为报告年度1月1日至12月31日（format.md §1）。"

    def check(self, report: Report) -> list[Finding]:
        found: dict[str, int] = {}
        if report.title:
            m = YEAR_RE.search(report.title)
            if m:
                found["标题"] = int(m.group(1))
        text = "\n".join([report.preamble or "", report.full_text or ""])
        m = PERIOD_RE.search(text)
        if m:
            found["统计期限"] = int(m.group(1))
        if report.year is not None:
            found["报告年度"] = report.year
        out = []
        if len(set(found.values())) > 1:
            desc = "、".join(f"{k}{v}年" for k, v in found.items())
            out.append(self.finding("year", f"报告年度前后不一致：{desc}。", expected=report.year,
                                    actual=found, evidence={"years": found}))
        s1 = report.sections.get("s1_overview")
        if s1 is not None and s1.text and report.year:
            years = [int(y) for y in YEAR_RE.findall(s1.text)]
            if years and report.year not in years:
                common = max(set(years), key=years.count)
                if years.count(common) >= 2:
                    out.append(self.finding(
                        "s1_overview", f"“{_section_title(report, 's1_overview')}”正文多次提到{common}年，"
                        f"却没有提到报告年度{report.year}年，可能沿用了其他年度的报告。",
                        expected=report.year, actual=common, confidence=0.6, sources=_src(report, "s1_overview"),
                        evidence={"years": years}))
        return out


FEE_NOTICE_RE = re.compile(r"收费通知|缴费通知")


@register
class TextFeeNotice(TextRule):
    code = "TT-FEE"
    title = "因逾期未缴费不再处理的申请与第六部分收费通知一致"
    description = "表三（六）2“申请人逾期未按收费通知要求缴纳费用”大于0时，必须先发出过收费通知，第六部分应报告收费通知件数。"
    basis = "format.md §5.2 I3、§7；《政府信息公开信息处理费管理办法》（国办函〔2020〕109号）。"

    def check(self, report: Report) -> list[Finding]:
        key = "t3.other.no_fee.total"
        if C.version(report) != "2021" or report.format_version == FORMAT_PRE2019:
            return []
        v = C.num(report, key)
        if not v:
            return []
        s6 = report.sections.get("s6_other")
        text = s6.text if s6 is not None else ""
        if FEE_NOTICE_RE.search(text or ""):
            return []
        partial = bool(re.search(r"信息处理费|处理费", text or ""))
        return [self.finding(
            "s6_other", f"{C.describe(report, key)}为{C.fmt(v)}，说明本年发出过收费通知，但“{_section_title(report, 's6_other')}”"
            + ("只报告了信息处理费的收取情况，没有报告收费通知的件数和金额。" if partial else "没有报告收费通知的件数和金额。"),
            severity=INFO if partial else WARNING,
            cells=[C.cell_info(report, key)], expected=f"≥{C.fmt(v)}件收费通知",
            actual="未提及", sources=_src(report, "s6_other"))]
