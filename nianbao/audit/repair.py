"""Repair suggestions for failed identities: the smallest set of cells to change.

Owns: the minimal cell-change search (one cell, then two) over the identities of
format.md §5.1 that can be evaluated, the values those cells would need (non-negative
integers), the ranking of equally small candidates by agreement with the figures
stated in the text, and the Chinese explanation. A suggestion never modifies the
report: it is attached to findings and reported apart.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from itertools import combinations
from typing import Any, Callable

from ..model import Report
from . import cells as C
from .rules.identities import FAIL, NA, evaluate_all

MAX_CANDIDATES = 5


@dataclass
class Candidate:
    changes: dict[str, int]                 # key → suggested value
    current: dict[str, int | float]
    agreement: int = 0                      # text comparisons that hold after the change
    agreement_before: int = 0
    supported: list[str] = field(default_factory=list)   # Chinese descriptions of agreeing text figures

    @property
    def size(self) -> int:
        return len(self.changes)

    @property
    def magnitude(self) -> float:
        return sum(abs(v - self.current[k]) for k, v in self.changes.items())


@dataclass
class Repair:
    failed: list[tuple[str, str]]           # (rule, where) of the failed identities
    candidates: list[Candidate]
    explanation: str
    ambiguous: bool = False

    def to_dict(self, report: Report) -> dict[str, Any]:
        return {
            "failed": [{"rule": r, "where": w} for r, w in self.failed],
            "candidates": [{
                "cells": [{"key": k, "label": C.cell_info(report, k)["label"], "current": c.current[k],
                           "suggested": v} for k, v in c.changes.items()],
                "text_agreement": c.agreement, "text_agreement_before": c.agreement_before,
                "text_support": c.supported,
            } for c in self.candidates],
            "ambiguous": self.ambiguous,
            "explanation": self.explanation,
            "note": "仅为修正建议，不改变报告所印数值。",
        }


def _equations(report: Report):
    """Assessable identities as (identity, coefficients, residual); plus the failed ones."""
    eqs = []
    for r in evaluate_all(report):
        if r.status == NA:
            continue
        eqs.append((r.identity, r.identity.coef(), r.total - r.parts))
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
    cur = {k: C.num(report, k) for k in by_key}

    def ok_value(k, d) -> int | None:
        v = cur[k] + d
        if d == 0 or v < 0 or Fraction(v).denominator != 1:
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
    seen: set[frozenset] = set()
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
            pairs.append(Candidate({k1: v1, k2: v2}, {k1: cur[k1], k2: cur[k2]}))
    return pairs


def _solve2(eqs, by_key, k1, k2) -> tuple[Fraction, Fraction] | None:
    rows = sorted(set(by_key[k1]) | set(by_key[k2]))
    system = [(Fraction(eqs[i][1].get(k1, 0)), Fraction(eqs[i][1].get(k2, 0)), Fraction(-eqs[i][2])) for i in rows]
    sol = None
    for (a1, b1, c1), (a2, b2, c2) in combinations(system, 2):
        det = a1 * b2 - a2 * b1
        if det != 0:
            sol = ((c1 * b2 - c2 * b1) / det, (a1 * c2 - a2 * c1) / det)
            break
    if sol is None:
        return None
    if any(a * sol[0] + b * sol[1] != c for a, b, c in system):
        return None
    return sol


def suggest(report: Report, agreement: Callable[[Report, dict], tuple[int, list[str]]] | None = None,
            max_cells: int = 2) -> Repair | None:
    """The repair suggestion for a report, or None when every assessable identity holds."""
    cands = search(report, max_cells)
    if cands is None:
        return None
    failed = [(r.identity.code, r.identity.where) for r in evaluate_all(report) if r.status == FAIL]
    if not cands:
        return Repair(failed, [], f"共有{len(failed)}个勾稽关系不成立，无法通过修改一至两个单元格使其全部成立，"
                                  "可能有多处填报错误或表格提取有误，请逐项核对。")
    if agreement is not None:
        base, before = agreement(report, {})
        for c in cands:
            c.agreement_before = base
            c.agreement, after = agreement(report, c.changes)
            # what the text states and the changed table now matches, plus what the change gains
            c.supported = [d for d in after if d.startswith("正文“") or d not in before]
    cands.sort(key=lambda c: (-c.agreement, c.magnitude, sorted(c.changes)))
    best = cands[0]
    ties = [c for c in cands if c.agreement == best.agreement and c.magnitude == best.magnitude]
    shown = cands[:MAX_CANDIDATES]
    rep = Repair(failed, shown, "", ambiguous=len(ties) > 1)
    rep.explanation = _explain(report, rep, len(cands))
    return rep


def _explain(report: Report, rep: Repair, n: int) -> str:
    best = rep.candidates[0]
    changes = "、".join(f"{C.describe(report, k)}由{C.fmt(best.current[k])}改为{v}" for k, v in best.changes.items())
    fails = "、".join(f"{r}（{w}）" for r, w in rep.failed)
    s = f"不成立的勾稽关系：{fails}。最少只需改动{best.size}个单元格即可使全部勾稽关系成立：{changes}。"
    if best.agreement > best.agreement_before and best.supported:
        s += f"改动后与正文所述数字一致（{'；'.join(best.supported)}），因此最可能是这{best.size}个单元格填错。"
    elif best.supported:
        s += f"正文所述数字（{'；'.join(best.supported)}）与之不矛盾。"
    if rep.ambiguous:
        s += f"另有同样简单的改法（共{n}种），无法唯一确定出错的单元格，请对照原始台账核实。"
    elif n > 1:
        s += f"共找到{n}种改法，按与正文的一致程度和改动幅度排序。"
    return s
