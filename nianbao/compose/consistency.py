"""Composer-side consistency check: the hard identities of format.md §5.1.

Owns: the check run before a report is written — every identity of the standard
(``Standard.identities``: T3-BAL, T3-RES, T3-ROW, T4-SUM, the same definitions the
auditor evaluates), plus DOM for negative values — and its Chinese messages, which name
the cells and the identity. The full auditor lives in ``nianbao.audit``.

Blank cells count as 0; an identity whose cells are all blank is skipped.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Callable

from ..normalize import norm_label
from ..standard import Identity, Standard, load
from .data import ComposeInput, Value, format_value


@dataclass
class Finding:
    rule: str            # T3-BAL | T3-RES | T3-ROW | T4-SUM | DOM
    where: str           # column key, row key, group key or cell key
    message: str         # Chinese, names the cells and the identity
    keys: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {"rule": self.rule, "where": self.where, "message": self.message, "keys": self.keys}


def _n(v: Value) -> Decimal | int:
    return 0 if v is None else v


class _Messages:
    """The message of a failed identity, per rule code, with the labels of the standard."""

    def __init__(self, std: Standard, version: str, cells: dict[str, Value]):
        self.std, self.cells = std, cells
        self.col_label = {c.key: c.canonical for c in std.t3_columns}
        self.row_label = {r: std.t3_row_entry(r).canonical for r in std.t3_row_keys(version)}
        self.short = {k: norm_label(v) for k, v in self.row_label.items()}
        self.note = std.t3_header["header_note"].strip("（）()")
        self.results = next((g.canonical for g in std.t3_groups if g.extra.get("parent") is None), "")
        self.by_code: dict[str, Callable[[Identity, Decimal | int, Decimal | int], str]] = {
            "T3-BAL": self.balance, "T3-RES": self.results_sum, "T3-ROW": self.row_sum, "T4-SUM": self.t4_sum}

    def v(self, key: str) -> str:
        return format_value(_n(self.cells.get(key)))

    @staticmethod
    def row_of(key: str) -> str:
        return key.split(".", 1)[1].rsplit(".", 1)[0]

    def balance(self, i: Identity, total: Decimal | int, parts: Decimal | int) -> str:
        (new, co), (rt, cf) = i.parts, i.total
        s = self.short
        return (f"[T3-BAL] 表三“{self.col_label[i.where]}”列：{s[self.row_of(new)]}（{self.v(new)}）"
                f"+ {s[self.row_of(co)]}（{self.v(co)}）= {parts}，"
                f"不等于 {s[self.row_of(rt)]}（{self.v(rt)}）"
                f"+ {s[self.row_of(cf)]}（{self.v(cf)}）= {total}；"
                f"{self.note}（单元格 {'、'.join(i.parts + i.total)}）")

    def results_sum(self, i: Identity, total: Decimal | int, parts: Decimal | int) -> str:
        tot = i.total[0]
        nz = [f"{self.short[self.row_of(k)]} {format_value(self.cells.get(k))}" for k in i.parts if self.cells.get(k)]
        return (f"[T3-RES] 表三“{self.col_label[i.where]}”列：{self.results}的“{self.row_label[self.row_of(tot)]}”为 "
                f"{self.v(tot)}，但（一）至（六）各项之和为 {parts}"
                f"（{'、'.join(nz) or '各项均为 0'}）；单元格 {tot}")

    def row_sum(self, i: Identity, total: Decimal | int, parts: Decimal | int) -> str:
        tot = i.total[0]
        return (f"[T3-ROW] 表三“{self.row_label[i.where]}”行：“{self.col_label[tot.rsplit('.', 1)[1]]}”为 "
                f"{self.v(tot)}，但六类申请人之和为 {parts}；单元格 {tot}")

    def t4_sum(self, i: Identity, total: Decimal | int, parts: Decimal | int) -> str:
        group = next(g.canonical for g in self.std.t4_groups if g.key == i.where)
        col = {c.key: c.canonical for c in self.std.t4_columns}
        names = "、".join(col[k.rsplit(".", 1)[1]] for k in i.parts)
        return (f"[T4-SUM] 表四“{group}”：总计为 {self.v(i.total[0])}，"
                f"但{names}之和为 {parts}；单元格 {i.total[0]}")


def check(inp: ComposeInput, std: Standard | None = None) -> list[Finding]:
    std = std or load()
    ver = inp.format_version
    cells = inp.cells
    out: list[Finding] = []

    # DOM: counts are non-negative (format.md §5.1)
    signed = std.signed_keys(ver)
    for k in std.all_keys(ver):
        v = cells.get(k)
        if v is not None and k not in signed and v < 0:
            r, c = std.label_of(k, ver)
            out.append(Finding("DOM", k, f"[DOM] 单元格 {k}（{r}｜{c}）为负数 {format_value(v)}：数值不能小于 0", [k]))

    msg = _Messages(std, ver, cells)
    for i in std.identities(ver):
        if all(cells.get(k) is None for k in i.keys):
            continue
        total = sum((_n(cells.get(k)) for k in i.total), start=0)
        parts = sum((_n(cells.get(k)) for k in i.parts), start=0)
        if total != parts:
            keys = list(i.parts + i.total) if len(i.total) > 1 else list(i.total + i.parts)
            out.append(Finding(i.code, i.where, msg.by_code[i.code](i, total, parts), keys))
    return out


def refusal_message(findings: list[Finding]) -> str:
    head = f"输入数据不一致，共 {len(findings)} 处，已拒绝生成报告（如确需按原样输出，请加 --allow-inconsistent）："
    return "\n".join([head] + [f"  - {f.message}" for f in findings])
