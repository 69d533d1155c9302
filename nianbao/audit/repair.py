"""Repair suggestions for failed identities, ranked by plausibility.

Owns: the search for the smallest set of cells to change (one cell, then two) over the
identities of format.md §5.1 that can be evaluated; recognised patterns that count as
one repair however many cells they touch (a 总计 column or row left at 0; a number
entered in the wrong applicant column, i.e. moved within a row); the ranking of
candidates by plausibility — agreement with the figures stated in the narrative, then
agreement with last year's report (上年结转 = last year's 结转下年度), then the pattern,
then the size of the change — with ties said to be ties; and the Chinese explanation,
which names tables, rows and columns as printed (never rule codes or internal keys).
A suggestion never modifies the report: it is attached to findings and reported apart.
Decisions use codes and fields only (``Support.kind``, identity codes), never the text
of a message.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from itertools import combinations
from typing import Any, Callable, Sequence

from ..model import Report
from . import cells as C
from .rules.identities import FAIL, NA, Identity, evaluate, evaluate_all, identities
from .textnums import Support

MAX_CANDIDATES = 5
PATTERN_TOTAL_ZERO = "total-left-zero"      # 总计 cells printed 0 although their parts are not
PATTERN_MOVED = "wrong-column"              # one number entered in the wrong applicant column
PATTERN_ZH = {PATTERN_TOTAL_ZERO: "总计栏漏填（印为0）", PATTERN_MOVED: "数字填错申请人类别列"}

Agreement = Callable[[Report, dict[str, Any]], "tuple[int, Sequence[Support | str]]"]
Equation = tuple[Identity, dict[str, int], Any]


@dataclass
class Candidate:
    changes: dict[str, int]                 # key → suggested value
    current: dict[str, int | float]
    agreement: int = 0                      # text comparisons that hold after the change
    agreement_before: int = 0
    supported: list[str] = field(default_factory=list)   # Chinese descriptions of agreeing text figures
    last_year: int = 0                      # +1 per 上年结转 cell brought in line with last year, −1 per cell broken
    pattern: str | None = None

    @property
    def size(self) -> int:
        return len(self.changes)

    @property
    def magnitude(self) -> float:
        return sum(abs(v - self.current[k]) for k, v in self.changes.items())

    def rank(self) -> tuple[int, int, int, int, float]:
        """Smaller is more plausible: text, last year, cells (a recognised pattern counts as one
        repair), pattern, amount."""
        return (-self.agreement, -self.last_year, 1 if self.pattern else self.size, 0 if self.pattern else 1,
                self.magnitude)


@dataclass
class Repair:
    failed: list[tuple[str, str]]           # (rule, where) of the failed identities
    candidates: list[Candidate]
    explanation: str
    ambiguous: bool = False
    ties: int = 1                           # candidates ranked equal with the first

    def to_dict(self, report: Report) -> dict[str, Any]:
        return {
            "failed": [{"rule": r, "where": w} for r, w in self.failed],
            "candidates": [{
                "cells": [{"key": k, "label": C.cell_info(report, k)["label"], "current": c.current[k],
                           "suggested": v} for k, v in c.changes.items()],
                "text_agreement": c.agreement, "text_agreement_before": c.agreement_before,
                "text_support": c.supported, "last_year_agreement": c.last_year,
                **({"pattern": c.pattern} if c.pattern else {}),
            } for c in self.candidates],
            "ambiguous": self.ambiguous,
            "ties": self.ties,
            "explanation": self.explanation,
            "note": "仅为修正建议，不改变报告所印数值。",
        }


def _equations(report: Report) -> list[Equation]:
    """Assessable identities as (identity, coefficients, residual)."""
    eqs: list[Equation] = []
    for r in evaluate_all(report):
        if r.status == NA:
            continue
        eqs.append((r.identity, r.identity.coef(), (r.total or 0) - (r.parts or 0)))
    return eqs


def search(report: Report, max_cells: int = 2) -> list[Candidate] | None:
    """All minimal candidates (1 cell if any, else 2 cells); None when nothing fails."""
    eqs = _equations(report)
    failed = [i for i, e in enumerate(eqs) if e[2] != 0]
    if not failed:
        return None
    by_key: dict[str, list[int]] = {}
    for i, (_, coef, _) in enumerate(eqs):
        for k in coef:
            by_key.setdefault(k, []).append(i)
    failed_set = set(failed)
    cur: dict[str, Any] = {k: C.num(report, k) for k in by_key}

    def ok_value(k: str, d: int | Fraction) -> int | None:
        v = cur[k] + d
        if d == 0 or v < 0 or not isinstance(v, int) and Fraction(v).denominator != 1:
            return None
        return int(v)

    singles: list[Candidate] = []
    for k in sorted({k for i in failed for k in eqs[i][1]}):
        touched = set(by_key[k])
        if touched != failed_set:
            continue
        ds = {Fraction(-eqs[i][2], eqs[i][1][k]) for i in touched}
        if len(ds) != 1:
            continue
        v = ok_value(k, ds.pop())
        if v is not None:
            singles.append(Candidate({k: v}, {k: cur[k]}))
    if singles or max_cells < 2:
        return singles

    pairs: list[Candidate] = []
    seen: set[frozenset[str]] = set()
    fkeys = sorted({k for i in failed for k in eqs[i][1]})
    for k1 in fkeys:
        rest = failed_set - set(by_key[k1])
        if rest:
            cand2 = set.intersection(*(set(eqs[i][1]) for i in rest))
        else:
            cand2 = {k for i in by_key[k1] for k in eqs[i][1]}
        for k2 in sorted(cand2 - {k1}):
            pair = frozenset((k1, k2))
            if pair in seen:
                continue
            seen.add(pair)
            sol = _solve2(eqs, by_key, k1, k2)
            if sol is None:
                continue
            v1, v2 = ok_value(k1, sol[0]), ok_value(k2, sol[1])
            if v1 is None or v2 is None:
                continue
            c = Candidate({k1: v1, k2: v2}, {k1: cur[k1], k2: cur[k2]})
            c.pattern = _moved(c)
            pairs.append(c)
    return pairs


def _moved(c: Candidate) -> str | None:
    """Two cells of one 表三 row, one up and one down by the same amount: a number in the wrong column."""
    (k1, v1), (k2, v2) = c.changes.items()
    t1, r1, c1 = C.split_key(k1)
    t2, r2, c2 = C.split_key(k2)
    if t1 != "t3" or t1 != t2 or r1 != r2 or "total" in (c1, c2):
        return None
    return PATTERN_MOVED if v1 - c.current[k1] == -(v2 - c.current[k2]) else None


def _exact(x: int | float | Fraction) -> int | Fraction:
    return x if isinstance(x, int) else Fraction(x)


def _quotient(n: int | Fraction, d: int | Fraction) -> int | Fraction:
    """n / d exactly: an int when the printed integers divide (the common case, and the
    only one a repair of counts can use), else a Fraction."""
    if isinstance(n, int) and isinstance(d, int) and n % d == 0:
        return n // d
    return Fraction(n) / d


def _solve2(eqs: list[Equation], by_key: dict[str, list[int]], k1: str, k2: str) \
        -> tuple[int | Fraction, int | Fraction] | None:
    rows = sorted(set(by_key[k1]) | set(by_key[k2]))
    # Coefficients and residuals are the printed integers (exact as Fractions when not):
    # the elimination stays in them and only the quotient is a Fraction.
    system = [(_exact(eqs[i][1].get(k1, 0)), _exact(eqs[i][1].get(k2, 0)), _exact(-eqs[i][2])) for i in rows]
    sol = None
    for (a1, b1, c1), (a2, b2, c2) in combinations(system, 2):
        det = a1 * b2 - a2 * b1
        if det != 0:
            sol = (_quotient(c1 * b2 - c2 * b1, det), _quotient(a1 * c2 - a2 * c1, det))
            break
    if sol is None:
        return None
    if any(a * sol[0] + b * sol[1] != c for a, b, c in system):
        return None
    return sol


def totals_left_zero(report: Report) -> Candidate | None:
    """Every failed identity is a printed 总计 of 0 whose parts are not 0 (a 总计 column or row
    never filled in): one repair that fills them with the sums of their parts."""
    ver = C.version(report)
    idents = identities(ver)
    values: dict[str, Any] = {}
    for _ in range(3):
        progress = False
        for ident in idents:
            r = evaluate(report, ident, values)
            if r.status != FAIL or len(ident.total) != 1:
                continue
            k = ident.total[0]
            printed = values.get(k, C.num(report, k))
            if printed == 0 and r.parts and r.parts > 0 and k not in values:
                values[k] = r.parts
                progress = True
        if not progress:
            break
    if len(values) < 2:
        return None
    if any(evaluate(report, i, values).status == FAIL for i in idents):
        return None
    return Candidate({k: int(v) for k, v in values.items()}, {k: C.num(report, k) or 0 for k in values},
                     pattern=PATTERN_TOTAL_ZERO)


def last_year_agreement(report: Report, prev: Report | None, changes: dict[str, int]) -> int:
    """+1 for each changed 上年结转 cell that then equals last year's 结转下年度, −1 for each that stops equalling it."""
    if prev is None:
        return 0
    score = 0
    for k, v in changes.items():
        t, row, col = C.split_key(k)
        if t != "t3" or row != "carried_over":
            continue
        last = C.num(prev, f"t3.carry_forward.{col}")
        if last is None:
            continue
        now = C.num(report, k)
        score += (1 if v == last else 0) - (1 if now == last else 0)
    return score


def _support_kind(d: Support | str) -> str:
    return d.kind if isinstance(d, Support) else "num"


def _support_key(d: Support | str) -> Any:
    return d.key if isinstance(d, Support) else d


def _support_text(d: Support | str) -> str:
    return d.text if isinstance(d, Support) else d


def suggest(report: Report, agreement: Agreement | None = None, max_cells: int = 2,
            prev: Report | None = None) -> Repair | None:
    """The repair suggestion for a report, or None when every assessable identity holds."""
    cands = search(report, max_cells)
    if cands is None:
        return None
    pat = totals_left_zero(report)
    if pat is not None and not any(set(c.changes) == set(pat.changes) for c in cands):
        cands = [pat] + cands
    failed = [(r.identity.code, r.identity.where) for r in evaluate_all(report) if r.status == FAIL]
    if not cands:
        return Repair(failed, [], f"共有{len(failed)}个勾稽关系不成立（{_failed_zh(report, failed)}），"
                                  "无法通过修改一至两个单元格使其全部成立，可能有多处填报错误或表格提取有误，请逐项核对。")
    if agreement is not None:
        base, before = agreement(report, {})
        before_keys = {_support_key(d) for d in before}
        for c in cands:
            c.agreement_before = base
            c.agreement, after = agreement(report, c.changes)
            # what the text states and the changed table now matches, plus what the change gains
            c.supported = [_support_text(d) for d in after
                           if _support_kind(d) == "num" or _support_key(d) not in before_keys]
    for c in cands:
        c.last_year = last_year_agreement(report, prev, c.changes)
    cands.sort(key=lambda c: (c.rank(), sorted(c.changes)))
    best = cands[0]
    ties = [c for c in cands if c.rank() == best.rank()]
    shown = cands[:MAX_CANDIDATES]
    rep = Repair(failed, shown, "", ambiguous=len(ties) > 1, ties=len(ties))
    rep.explanation = _explain(report, rep, len(cands))
    return rep


def identity_zh(report: Report, code: str, where: str) -> str:
    """A failed identity in Chinese, by the printed labels: 表三「自然人」列的第一项加第二项之和…"""
    if code in ("T3-BAL", "T3-RES"):
        col = C.col_label(report, "t3", where, ["new", "result_total"])
        new, co, rt, cf = (C.row_label(report, "t3", k) for k in ("new", "carried_over", "result_total", "carry_forward"))
        what = f"“{new}”加“{co}”等于“{rt}”加“{cf}”" if code == "T3-BAL" else f"“{rt}”等于各项办理结果之和"
        return f"表三「{col}」列{what}"
    if code == "T3-ROW":
        tot = C.col_label(report, "t3", "total", [where])
        return f"表三「{C.row_label(report, 't3', where)}」行“{tot}”等于各类申请人之和"
    if code == "T4-SUM":
        grp, tot = C.printed_labels(report, f"t4.{where}.total")
        return f"表四「{grp}」“{tot}”等于各项结果之和"
    return where


def _failed_zh(report: Report, failed: list[tuple[str, str]]) -> str:
    shown = "；".join(identity_zh(report, r, w) for r, w in failed[:4])
    return shown + (f"等{len(failed)}处" if len(failed) > 4 else "")


def _changes_zh(report: Report, c: Candidate) -> str:
    if c.pattern == PATTERN_MOVED:
        (k1, v1), (k2, v2) = c.changes.items()
        src, dst = (k1, k2) if v1 < c.current[k1] else (k2, k1)
        n = abs(c.changes[src] - c.current[src])
        return (f"把{C.describe(report, src)}的{C.fmt(n)}移到{C.describe(report, dst)}"
                f"（前者由{C.fmt(c.current[src])}改为{c.changes[src]}，后者由{C.fmt(c.current[dst])}改为{c.changes[dst]}）")
    items = list(c.changes.items())
    s = "、".join(f"{C.describe(report, k)}由{C.fmt(c.current[k])}改为{v}" for k, v in items[:6])
    return s + (f"等{len(items)}个单元格" if len(items) > 6 else "")


def _explain(report: Report, rep: Repair, n: int) -> str:
    best = rep.candidates[0]
    s = f"不成立的勾稽关系：{_failed_zh(report, rep.failed)}。"
    if best.pattern == PATTERN_TOTAL_ZERO:
        s += f"看来是{PATTERN_ZH[best.pattern]}：{_changes_zh(report, best)}，即可使全部勾稽关系成立。"
    elif best.pattern == PATTERN_MOVED:
        s += f"看来是{PATTERN_ZH[best.pattern]}：{_changes_zh(report, best)}，即可使全部勾稽关系成立。"
    else:
        s += f"最少只需改动{best.size}个单元格即可使全部勾稽关系成立：{_changes_zh(report, best)}。"
    if best.agreement > best.agreement_before and best.supported:
        s += f"改动后与正文所述数字一致（{'；'.join(best.supported)}），因此最可能是这里填错。"
    elif best.supported:
        s += f"正文所述数字（{'；'.join(best.supported)}）与之不矛盾。"
    if best.last_year > 0:
        s += (f"改动后“{C.row_label(report, 't3', 'carried_over')}”与上年度报告的"
              f"“{C.row_label(report, 't3', 'carry_forward')}”一致。")
    if rep.ambiguous:
        others = "；".join(_changes_zh(report, c) for c in rep.candidates[1:rep.ties][:3])
        s += (f"另有{rep.ties - 1}种改法同样可能（并列，{others}），无法唯一确定出错的单元格，请对照原始台账核实。")
    elif n > 1:
        s += f"共找到{n}种改法，按与正文、上年度报告的一致程度和改动大小排序。"
    return s
