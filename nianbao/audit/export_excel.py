"""Excel export of audit results: a workbook an official can work from.

Owns: ``export_excel(audits, path, failures=())`` writing sheets 汇总 (one line per
report), 问题清单 (every finding), 表二 / 表三 / 表四 (each report's tables, offending
cells highlighted, suggested values as cell comments) and 无法读取 (files that could
not be read). Every text cell is written as text: anything starting with = + - @ is
forced to a string with a quote prefix, so document text can never become a formula.
The file is written atomically (temp file + os.replace).
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Iterable

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill

from .. import standard
from . import cells as C
from .finding import ERROR, INFO, SEVERITY_RANK, SEVERITY_ZH, STATUS_ZH, WARNING, GROUPS
from .run import ReportAudit
from ..fsutil import atomic_write

FILLS = {ERROR: PatternFill("solid", fgColor="FFC7CE"), WARNING: PatternFill("solid", fgColor="FFEB9C"),
         INFO: PatternFill("solid", fgColor="DDEBF7")}
HEAD_FILL = PatternFill("solid", fgColor="D9D9D9")
BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
MAX_CELL_TEXT = 32000


def put(ws, row: int, col: int, value: Any, *, bold: bool = False, fill=None, wrap: bool = False):
    """Write one cell; text is always text (never a formula)."""
    c = ws.cell(row=row, column=col)
    if value is None:
        pass
    elif isinstance(value, bool):
        c.value = "是" if value else "否"
    elif isinstance(value, (int, float)):
        c.value = value
    else:
        if not isinstance(value, str):
            value = json.dumps(value, ensure_ascii=False, default=str)
        text = ILLEGAL_CHARACTERS_RE.sub("", value)[:MAX_CELL_TEXT]
        c.value = text
        c.data_type = "s"
        if text[:1] in FORMULA_START:
            c.quotePrefix = True
    if bold:
        c.font = BOLD
    if fill is not None:
        c.fill = fill
    if wrap:
        c.alignment = WRAP
    return c


def _header(ws, row: int, names: list[str], widths: list[int] | None = None) -> None:
    for i, n in enumerate(names, 1):
        put(ws, row, i, n, bold=True, fill=HEAD_FILL)
    for i, w in enumerate(widths or [], 1):
        ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = w
    ws.freeze_panes = ws.cell(row=row + 1, column=1)


def _worst(a: ReportAudit) -> dict[str, str]:
    """Cell key → worst severity of the findings naming it."""
    out: dict[str, str] = {}
    for f in a.findings:
        for k in f.keys:
            if k not in out or SEVERITY_RANK[f.severity] < SEVERITY_RANK[out[k]]:
                out[k] = f.severity
    return out


def _suggested(a: ReportAudit) -> dict[str, Any]:
    if not a.repair or not a.repair.get("candidates"):
        return {}
    return {c["key"]: c["suggested"] for c in a.repair["candidates"][0]["cells"]}


def _value(a: ReportAudit, key: str) -> Any:
    c = a.report.cells.get(key)
    if c is None:
        return "（缺失）"
    if c.is_number:
        return c.value
    return c.raw if c.raw not in (None, "") else f"（{C.KIND_ZH.get(c.kind, c.kind)}）"


def _title(i: int, a: ReportAudit) -> str:
    r = a.report
    return f"报告{i}：{r.agency or '（机关未识别）'} {r.year or ''}年 —— {r.source}"


def _table_cell(ws, row, col, a, key, worst, sugg):
    cell = put(ws, row, col, _value(a, key), fill=FILLS.get(worst.get(key)))
    if key in sugg:
        cell.comment = Comment(f"修正建议：改为{sugg[key]}（仅为建议，未改动原值）", "nianbao")
    return cell


def _write_tables(wb: Workbook, audits: list[ReportAudit]) -> None:
    s = standard.load()
    w2, w3, w4 = wb.create_sheet("表二"), wb.create_sheet("表三"), wb.create_sheet("表四")
    r2 = r3 = r4 = 1
    for ws in (w2, w3, w4):
        ws.column_dimensions["A"].width = 48
    for i, a in enumerate(audits, 1):
        rep = a.report
        if rep.format_version == "pre2019":
            continue
        ver = C.version(rep)
        worst, sugg = _worst(a), _suggested(a)
        # 表二: one line per cell
        put(w2, r2, 1, _title(i, a), bold=True)
        r2 += 1
        for j, n in enumerate(["信息内容", "项目", "数值"], 1):
            put(w2, r2, j, n, bold=True, fill=HEAD_FILL)
        r2 += 1
        for k in s.t2_keys(ver):
            row, col = C.printed_labels(rep, k)
            put(w2, r2, 1, row)
            put(w2, r2, 2, col)
            _table_cell(w2, r2, 3, a, k, worst, sugg)
            r2 += 1
        r2 += 1
        # 表三: the 25 (23) × 7 grid
        put(w3, r3, 1, _title(i, a), bold=True)
        r3 += 1
        put(w3, r3, 1, "申请人情况", bold=True, fill=HEAD_FILL)
        for j, c in enumerate(s.t3_columns, 2):
            put(w3, r3, j, c.canonical, bold=True, fill=HEAD_FILL)
        r3 += 1
        for rk in s.t3_row_keys(ver):
            put(w3, r3, 1, C.row_label(rep, "t3", rk))
            for j, c in enumerate(s.t3_cols, 2):
                _table_cell(w3, r3, j, a, f"t3.{rk}.{c}", worst, sugg)
            r3 += 1
        r3 += 1
        # 表四: 3 groups × 5 columns
        put(w4, r4, 1, _title(i, a), bold=True)
        r4 += 1
        put(w4, r4, 1, "", fill=HEAD_FILL)
        for j, c in enumerate(s.t4_columns, 2):
            put(w4, r4, j, c.canonical, bold=True, fill=HEAD_FILL)
        r4 += 1
        for g in s.t4_groups:
            put(w4, r4, 1, g.canonical)
            for j, c in enumerate(s.t4_columns, 2):
                _table_cell(w4, r4, j, a, f"t4.{g.key}.{c.key}", worst, sugg)
            r4 += 1
        r4 += 1


def build_workbook(audits: list[ReportAudit], failures: Iterable[tuple[str, str]] = ()) -> Workbook:
    wb = Workbook()
    ws = wb.active
    ws.title = "汇总"
    _header(ws, 1, ["序号", "文件", "发布机关", "年度", "格式", "错误", "警告", "提示", "无法核对", "结论"],
            [6, 40, 30, 8, 8, 8, 8, 8, 10, 16])
    for i, a in enumerate(audits, 1):
        r, sm = a.report, a.summary
        verdict = "有错误" if sm["errors"] else "有警告" if sm["warnings"] else "通过"
        vals = [i, r.source, r.agency or "（未识别）", r.year, r.format_version or "未识别",
                sm["errors"], sm["warnings"], sm["info"], sm["not_assessable"], verdict]
        for j, v in enumerate(vals, 1):
            put(ws, i + 1, j, v, fill=FILLS[ERROR] if j == 10 and sm["errors"] else
                FILLS[WARNING] if j == 10 and sm["warnings"] else None)
    fs = wb.create_sheet("问题清单")
    _header(fs, 1, ["报告序号", "文件", "分组", "规则", "严重程度", "状态", "位置", "说明", "涉及单元格",
                    "应为", "实为", "修正建议", "来源位置"], [8, 30, 16, 14, 8, 8, 22, 70, 50, 14, 14, 50, 24])
    row = 2
    for i, a in enumerate(audits, 1):
        for f in a.findings:
            cells = "；".join(f"{c.get('label')}={C.fmt(c.get('value')) if c.get('value') is not None else c.get('raw') or '（空）'}"
                             for c in f.cells)
            srcs = [c["source"] for c in f.cells if c.get("source")] + f.sources
            src = "；".join(" ".join(f"{k}={v}" for k, v in s.items()) for s in srcs[:6])
            sugg = f.suggestion.get("explanation") if f.suggestion else ""
            vals = [i, a.report.source, GROUPS.get(f.group, f.group), f.rule, SEVERITY_ZH.get(f.severity, f.severity),
                    STATUS_ZH.get(f.status, f.status), f.where, f.message, cells,
                    C.fmt(f.expected) if isinstance(f.expected, (int, float)) else f.expected,
                    C.fmt(f.actual) if isinstance(f.actual, (int, float)) else f.actual, sugg, src]
            for j, v in enumerate(vals, 1):
                put(fs, row, j, v, wrap=j in (8, 9, 12), fill=FILLS.get(f.severity) if j == 5 else None)
            row += 1
    _write_tables(wb, audits)
    failures = list(failures)
    if failures:
        us = wb.create_sheet("无法读取")
        _header(us, 1, ["文件", "原因"], [50, 80])
        for j, (src, err) in enumerate(failures, 2):
            put(us, j, 1, src)
            put(us, j, 2, err, wrap=True)
    return wb


def export_excel(audits: list[ReportAudit], path: str | Path, failures: Iterable[tuple[str, str]] = ()) -> None:
    wb = build_workbook(audits, failures)
    atomic_write(path, wb.save)
