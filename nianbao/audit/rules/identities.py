"""The arithmetic identities of format.md §5.1 as audit rules (codes fixed by cells.md).

Owns: their evaluation on a report (pass / fail / not-assessable — a blank is never
read as 0 silently) and the rules T3-BAL, T3-RES, T3-ROW, T4-SUM with their messages.
Which cells sum to which, and each rule's title, description and basis, are data in
``standard.yaml`` (``Standard.identities``); ``repair`` reuses ``identities()`` and
``evaluate()``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from ...model import FORMAT_2021, FORMAT_PRE2019, Report
from ...standard import Identity, IdentitySpec
from .. import cells as C
from ..finding import ERROR, INFO, NOT_ASSESSABLE, WARNING, Finding
from .base import Rule, register

PASS = "pass"
FAIL = "fail"
NA = "not-assessable"


def identities(version: str = FORMAT_2021) -> tuple[Identity, ...]:
    """Every identity of a format version (42 for 2021, 40 for 2019), from the standard."""
    return C.std().identities(version)


# rows whose cells carry the printed column label named in a 表三 column's message
_COLUMN_LABEL_ROWS = ("new", "result_total")


def _spec(code: str) -> IdentitySpec:
    return C.std().identity_spec(code)


@dataclass
class Result:
    identity: Identity
    status: str                       # pass | fail | not-assessable
    total: int | float                # printed side (blank as 0 when not assessable)
    parts: int | float                # computed side (blank as 0 when not assessable)
    missing: tuple[str, ...] = ()     # keys that are not numbers

    @property
    def residual(self) -> int | float:
        return self.total - self.parts


def evaluate(report: Report, ident: Identity, values: dict[str, int | float] | None = None) -> Result:
    """Evaluate one identity; ``values`` (key → number) overrides the report (repair)."""
    def get(k: str) -> int | float | None:
        if values is not None and k in values:
            return values[k]
        return C.num(report, k)
    vals = {k: get(k) for k in ident.keys}
    missing = tuple(k for k, v in vals.items() if v is None)
    tot = sum(vals[k] or 0 for k in ident.total)
    parts = sum(vals[k] or 0 for k in ident.parts)
    if missing:
        return Result(ident, NA, tot, parts, missing)
    return Result(ident, PASS if tot == parts else FAIL, tot, parts)


def evaluate_all(report: Report) -> list[Result]:
    if report.format_version == FORMAT_PRE2019:
        return []
    return [evaluate(report, i) for i in identities(C.version(report))]


def _terms(report: Report, keys: Iterable[str]) -> str:
    return " + ".join(C.shown(report, k) for k in keys)


class IdentityRule(Rule):
    """One identity family; its title, description, basis and table come from the standard."""
    severity = ERROR
    family = "identities"

    def __init_subclass__(cls, **kw: object) -> None:
        super().__init_subclass__(**kw)
        spec = _spec(cls.code)
        cls.title, cls.description, cls.basis, cls.group = spec.title, spec.description, spec.basis, spec.table

    def check(self, report: Report) -> list[Finding]:
        if report.format_version == FORMAT_PRE2019:
            return []
        results = [evaluate(report, i) for i in identities(C.version(report)) if i.code == self.code]
        if not results:
            return []
        table = results[0].identity.table
        if not C.table_has_numbers(report, table):
            return [self.finding(
                table, f"{C.TABLE_ZH[table]}没有可读取的数字（缺失、空白或为图片），无法核对“{self.title}”，未按0处理。",
                severity=INFO, status=NOT_ASSESSABLE, group=table,
                evidence={"identities": len(results)})]
        out = []
        for r in results:
            if r.status == PASS:
                continue
            out.append(self.make(report, r))
        return out

    def make(self, report: Report, r: Result) -> Finding:
        i = r.identity
        cells = [C.cell_info(report, k) for k in i.keys]
        head, text = self.describe(report, r)
        if r.status == FAIL:
            diff = r.total - r.parts
            msg = f"{head}：{text}（相差{C.fmt(abs(diff))}）。"
            return self.finding(i.where, msg, group=i.table, cells=cells, expected=r.parts, actual=r.total,
                                evidence={"identity": self.formula(i), "difference": diff})
        blanks = "、".join(C.describe(report, k) + C.shown(report, k) for k in r.missing[:6])
        more = f"等{len(r.missing)}个单元格" if len(r.missing) > 6 else ""
        holds = r.total == r.parts
        msg = (f"{head}：{blanks}{more}不是数字，无法核对（若按0计，{text.replace('，但', '，')}"
               f"{'，等式成立' if holds else '，等式不成立'}）。")
        return self.finding(i.where, msg, severity=INFO if holds else WARNING, status=NOT_ASSESSABLE,
                            group=i.table, cells=cells, expected=r.parts, actual=r.total,
                            evidence={"identity": self.formula(i), "not_numbers": list(r.missing),
                                      "holds_if_blank_is_zero": holds},
                            confidence=0.5)

    def describe(self, report: Report, r: Result) -> tuple[str, str]:
        """(where, what is wrong) of a failed identity, with the printed labels."""
        raise NotImplementedError

    def formula(self, i: Identity) -> str:
        return f"{' + '.join(i.total)} == {' + '.join(i.parts)}"


@register
class T3Balance(IdentityRule):
    code = "T3-BAL"

    def describe(self, report: Report, r: Result) -> tuple[str, str]:
        i = r.identity
        col = C.col_label(report, "t3", i.where, _COLUMN_LABEL_ROWS)
        new, co = (C.row_label(report, "t3", C.split_key(k)[1]) for k in i.parts)
        rt, cf = (C.row_label(report, "t3", C.split_key(k)[1]) for k in i.total)
        return (f"表三「{col}」列",
                f"“{new}”与“{co}”之和为{_terms(report, i.parts)} = {C.fmt(r.parts)}，"
                f"但“{rt}”与“{cf}”之和为{_terms(report, i.total)} = {C.fmt(r.total)}")


@register
class T3Results(IdentityRule):
    code = "T3-RES"

    def describe(self, report: Report, r: Result) -> tuple[str, str]:
        i = r.identity
        col = C.col_label(report, "t3", i.where, _COLUMN_LABEL_ROWS)
        rt = C.row_label(report, "t3", C.split_key(i.total[0])[1])
        nonzero = [k for k in i.parts if C.num(report, k) != 0]
        listed = "、".join(f"{C.printed_labels(report, k)[0]} {C.shown(report, k)}" for k in nonzero[:8]) or "均为0"
        return (f"表三「{col}」列",
                f"“{rt}”为{C.shown(report, i.total[0])}，但（一）至（六）各项之和为{C.fmt(r.parts)}（{listed}）")


@register
class T3Row(IdentityRule):
    code = "T3-ROW"

    def describe(self, report: Report, r: Result) -> tuple[str, str]:
        i = r.identity
        row = C.row_label(report, "t3", i.where)
        tot = C.printed_labels(report, i.total[0])[1]
        return (f"表三「{row}」行",
                f"“{tot}”列为{C.shown(report, i.total[0])}，但各类申请人之和为"
                f"{_terms(report, i.parts)} = {C.fmt(r.parts)}")


@register
class T4Sum(IdentityRule):
    code = "T4-SUM"

    def describe(self, report: Report, r: Result) -> tuple[str, str]:
        i = r.identity
        grp, tot = C.printed_labels(report, i.total[0])
        names = "、".join(C.printed_labels(report, k)[1] for k in i.parts)
        return (f"表四「{grp}」",
                f"“{tot}”为{C.shown(report, i.total[0])}，但{names}之和为"
                f"{_terms(report, i.parts)} = {C.fmt(r.parts)}")
