"""Composer-side consistency check: the hard identities of format.md §5.1.

Owns: a small, self-contained check run before a report is written (T3-BAL, T3-RES,
T3-ROW, T4-SUM, plus DOM for negative values), returning findings with Chinese messages
that name the cells and the identity. The full auditor lives in ``nianbao.audit``; it may
replace this module later — keep it small and free of other dependencies.

Blank cells count as 0; an identity whose cells are all blank is skipped.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from ..normalize import norm_label
from ..standard import Standard, load
from .data import ComposeInput, format_value, outcome_rows


@dataclass
class Finding:
    rule: str            # T3-BAL | T3-RES | T3-ROW | T4-SUM | DOM
    where: str           # column key, row key, group key or cell key
    message: str         # Chinese, names the cells and the identity
    keys: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"rule": self.rule, "where": self.where, "message": self.message, "keys": self.keys}


def _n(v) -> Decimal | int:
    return 0 if v is None else v


def _lab(std: Standard, key: str, version: str) -> str:
    row, col = std.label_of(key, version)
    return f"“{row}”×“{col}”"


def check(inp: ComposeInput, std: Standard | None = None) -> list[Finding]:
    std = std or load()
    ver = inp.format_version
    cells = inp.cells
    out: list[Finding] = []
    cols6 = [c for c in std.t3_cols if c != "total"]
    rows = std.t3_row_keys(ver)
    outcomes = outcome_rows(std, ver)
    col_label = {c.key: c.canonical for c in std.t3_columns}
    row_label = {r.key: r.canonical for r in std.t3_rows}
    row_label[std.t3_other_single.key] = std.t3_other_single.canonical
    short = {k: norm_label(v) for k, v in row_label.items()}

    note = std.t3_header["header_note"].strip("（）()")
    results = next((g.canonical for g in std.t3_groups if g.extra.get("parent") is None), "")

    def blank(keys):
        return all(cells.get(k) is None for k in keys)

    # DOM: counts are non-negative (format.md §5.1)
    signed = std.signed_keys(ver)
    for k in std.all_keys(ver):
        v = cells.get(k)
        if v is not None and k not in signed and v < 0:
            r, c = std.label_of(k, ver)
            out.append(Finding("DOM", k, f"[DOM] 单元格 {k}（{r}｜{c}）为负数 {format_value(v)}：数值不能小于 0", [k]))

    for c in std.t3_cols:
        keys = [f"t3.{r}.{c}" for r in ("new", "carried_over", "result_total", "carry_forward")]
        if not blank(keys):
            a = _n(cells.get(keys[0])) + _n(cells.get(keys[1]))
            b = _n(cells.get(keys[2])) + _n(cells.get(keys[3]))
            if a != b:
                out.append(Finding("T3-BAL", c, (
                    f"[T3-BAL] 表三“{col_label[c]}”列：{short['new']}（{format_value(_n(cells.get(keys[0])))}）"
                    f"+ {short['carried_over']}（{format_value(_n(cells.get(keys[1])))}）= {a}，"
                    f"不等于 {short['result_total']}（{format_value(_n(cells.get(keys[2])))}）"
                    f"+ {short['carry_forward']}（{format_value(_n(cells.get(keys[3])))}）= {b}；"
                    f"{note}（单元格 {'、'.join(keys)}）"), keys))

    for c in std.t3_cols:
        parts = [f"t3.{r}.{c}" for r in outcomes]
        tot = f"t3.result_total.{c}"
        if not blank(parts + [tot]):
            s = sum(_n(cells.get(k)) for k in parts)
            if s != _n(cells.get(tot)):
                nz = [f"{short[k.split('.', 1)[1].rsplit('.', 1)[0]]} {format_value(cells.get(k))}"
                      for k in parts if cells.get(k)]
                out.append(Finding("T3-RES", c, (
                    f"[T3-RES] 表三“{col_label[c]}”列：{results}的“{row_label['result_total']}”为 "
                    f"{format_value(_n(cells.get(tot)))}，但（一）至（六）各项之和为 {s}"
                    f"（{'、'.join(nz) or '各项均为 0'}）；单元格 {tot}"), [tot] + parts))

    for r in rows:
        parts = [f"t3.{r}.{c}" for c in cols6]
        tot = f"t3.{r}.total"
        if not blank(parts + [tot]):
            s = sum(_n(cells.get(k)) for k in parts)
            if s != _n(cells.get(tot)):
                out.append(Finding("T3-ROW", r, (
                    f"[T3-ROW] 表三“{row_label[r]}”行：“{col_label['total']}”为 {format_value(_n(cells.get(tot)))}，"
                    f"但六类申请人之和为 {s}；单元格 {tot}"), [tot] + parts))

    for g in std.t4_groups:
        parts = [f"t4.{g.key}.{c.key}" for c in std.t4_columns if c.key != "total"]
        tot = f"t4.{g.key}.total"
        if not blank(parts + [tot]):
            s = sum(_n(cells.get(k)) for k in parts)
            if s != _n(cells.get(tot)):
                names = "、".join(c.canonical for c in std.t4_columns if c.key != "total")
                out.append(Finding("T4-SUM", g.key, (
                    f"[T4-SUM] 表四“{g.canonical}”：总计为 {format_value(_n(cells.get(tot)))}，"
                    f"但{names}之和为 {s}；单元格 {tot}"), [tot] + parts))
    return out


def refusal_message(findings: list[Finding]) -> str:
    head = f"输入数据不一致，共 {len(findings)} 处，已拒绝生成报告（如确需按原样输出，请加 --allow-inconsistent）："
    return "\n".join([head] + [f"  - {f.message}" for f in findings])
