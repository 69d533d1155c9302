"""The arithmetic identities of format.md §5.1 (codes fixed by cells.md).

Owns: the list of identities for a format version (42 for 2021, 40 for 2019), their
evaluation on a report (pass / fail / not-assessable — a blank is never read as 0
silently) and the rules T3-BAL, T3-RES, T3-ROW, T4-SUM. ``repair`` reuses
``identities()`` and ``evaluate()``.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from ...model import FORMAT_2021, FORMAT_PRE2019, Report
from .. import cells as C
from ..finding import ERROR, INFO, NOT_ASSESSABLE, WARNING, Finding
from .base import Rule, register

PASS = "pass"
FAIL = "fail"
NA = "not-assessable"


@dataclass(frozen=True)
class Identity:
    """sum(total) == sum(parts). ``total`` is the printed side, ``parts`` what it should equal."""
    code: str
    where: str
    table: str
    total: tuple[str, ...]
    parts: tuple[str, ...]

    @property
    def keys(self) -> tuple[str, ...]:
        return self.total + self.parts

    def coef(self) -> dict[str, int]:
        d = {k: 1 for k in self.total}
        d.update({k: -1 for k in self.parts})
        return d


@dataclass
class Result:
    identity: Identity
    status: str                       # pass | fail | not-assessable
    total: int | float | None         # printed side (blank as 0 when not assessable)
    parts: int | float | None         # computed side (blank as 0 when not assessable)
    missing: tuple[str, ...] = ()     # keys that are not numbers

    @property
    def residual(self) -> int | float:
        return (self.total or 0) - (self.parts or 0)


@lru_cache(maxsize=4)
def identities(version: str = FORMAT_2021) -> tuple[Identity, ...]:
    s = C.std()
    rows = s.t3_row_keys(version)
    cols = s.t3_cols
    applicant = [c for c in cols if c != "total"]
    outcome = rows[rows.index("carried_over") + 1: rows.index("result_total")]
    out: list[Identity] = []
    for c in cols:
        out.append(Identity("T3-BAL", c, "t3", (f"t3.result_total.{c}", f"t3.carry_forward.{c}"),
                            (f"t3.new.{c}", f"t3.carried_over.{c}")))
    for c in cols:
        out.append(Identity("T3-RES", c, "t3", (f"t3.result_total.{c}",), tuple(f"t3.{r}.{c}" for r in outcome)))
    for r in rows:
        out.append(Identity("T3-ROW", r, "t3", (f"t3.{r}.total",), tuple(f"t3.{r}.{c}" for c in applicant)))
    t4cols = [c.key for c in s.t4_columns]
    for g in s.t4_groups:
        out.append(Identity("T4-SUM", g.key, "t4", (f"t4.{g.key}.total",),
                            tuple(f"t4.{g.key}.{c}" for c in t4cols if c != "total")))
    return tuple(out)


def evaluate(report: Report, ident: Identity, values: dict | None = None) -> Result:
    """Evaluate one identity; ``values`` (key → number) overrides the report (repair)."""
    def get(k):
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


def _terms(report: Report, keys) -> str:
    return " + ".join(C.shown(report, k) for k in keys)


class IdentityRule(Rule):
    severity = ERROR
    family = "identities"
    # one finding per table when the table has no numbers at all
    _scope = ""

    def check(self, report: Report) -> list[Finding]:
        if report.format_version == FORMAT_PRE2019:
            return []
        results = [r for r in evaluate_all(report) if r.identity.code == self.code]
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

    def formula(self, i: Identity) -> str:
        return f"{' + '.join(i.total)} == {' + '.join(i.parts)}"


@register
class T3Balance(IdentityRule):
    code = "T3-BAL"
    group = "t3"
    title = "表三 第一项加第二项之和等于第三项加第四项之和"
    description = "表三每一列：一、本年新收 + 二、上年结转 = （七）总计 + 四、结转下年度继续办理。"
    basis = "表三表头印明的勾稽关系“第一项加第二项之和，等于第三项加第四项之和”（国办公开办函〔2021〕30号格式；format.md §5.1）。"

    def describe(self, report, r):
        s, i = C.std(), r.identity
        col = C.col_label(report, "t3", i.where, ["new", "result_total"])
        new, co = (C.row_label(report, "t3", k) for k in ("new", "carried_over"))
        rt, cf = (C.row_label(report, "t3", k) for k in ("result_total", "carry_forward"))
        return (f"表三「{col}」列",
                f"“{new}”与“{co}”之和为{_terms(report, i.parts)} = {C.fmt(r.parts)}，"
                f"但“{rt}”与“{cf}”之和为{_terms(report, i.total)} = {C.fmt(r.total)}")


@register
class T3Results(IdentityRule):
    code = "T3-RES"
    group = "t3"
    title = "表三 （七）总计等于（一）至（六）各项之和"
    description = "表三每一列：（七）总计 = （一）予以公开 + （二）部分公开 + （三）不予公开8项 + （四）无法提供3项 + （五）不予处理5项 + （六）其他处理各项。"
    basis = "（七）总计是本年度办理结果（一）至（六）的合计；部分公开的注释“只计这一情形，不计其他情形”使每件申请只计一次（format.md §5.1）。"

    def describe(self, report, r):
        i = r.identity
        col = C.col_label(report, "t3", i.where, ["new", "result_total"])
        rt = C.row_label(report, "t3", "result_total")
        nonzero = [k for k in i.parts if C.num(report, k) != 0]
        listed = "、".join(f"{C.printed_labels(report, k)[0]} {C.shown(report, k)}" for k in nonzero[:8]) or "均为0"
        return (f"表三「{col}」列",
                f"“{rt}”为{C.shown(report, i.total[0])}，但（一）至（六）各项之和为{C.fmt(r.parts)}（{listed}）")


@register
class T3Row(IdentityRule):
    code = "T3-ROW"
    group = "t3"
    title = "表三 总计列等于各类申请人之和"
    description = "表三每一行：总计 = 自然人 + 商业企业 + 科研机构 + 社会公益组织 + 法律服务机构 + 其他。"
    basis = "表头“总计”列是各类申请人的合计（format.md §5.1，结构性等式）。"

    def describe(self, report, r):
        i = r.identity
        row = C.row_label(report, "t3", i.where)
        tot = C.printed_labels(report, i.total[0])[1]
        return (f"表三「{row}」行",
                f"“{tot}”列为{C.shown(report, i.total[0])}，但各类申请人之和为"
                f"{_terms(report, i.parts)} = {C.fmt(r.parts)}")


@register
class T4Sum(IdentityRule):
    code = "T4-SUM"
    group = "t4"
    title = "表四 总计等于结果维持、结果纠正、其他结果、尚未审结之和"
    description = "表四行政复议、未经复议直接起诉、复议后起诉三组：总计 = 结果维持 + 结果纠正 + 其他结果 + 尚未审结。"
    basis = "表四每组“总计”是四种结果的合计（format.md §5.1，结构性等式）。"

    def describe(self, report, r):
        i = r.identity
        grp, tot = C.printed_labels(report, i.total[0])
        names = "、".join(C.printed_labels(report, k)[1] for k in i.parts)
        return (f"表四「{grp}」",
                f"“{tot}”为{C.shown(report, i.total[0])}，但{names}之和为"
                f"{_terms(report, i.parts)} = {C.fmt(r.parts)}")
