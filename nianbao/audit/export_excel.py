"""Excel export of audit results: a workbook an official can work from.

Owns: ``export_excel(audits, path, failures=())`` writing sheets 汇总 (one line per
report), 问题清单 (every finding), 表二 / 表三 / 表四 (each report's tables in the official
layout drawn by ``nianbao.render.excel``, offending cells highlighted, suggested values
as cell comments) and 无法读取 (files that could
not be read). Every text cell is written as text: anything starting with = + - @ is
forced to a string with a quote prefix, so document text can never become a formula.
The file is written atomically (temp file + os.replace).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill

from .. import standard
from ..fsutil import atomic_write
from ..render.excel import write_grid
from ..render.layout import LayoutCell, grids
from ..vocab import FormatVersion
from . import cells as C
from .finding import ERROR, INFO, SEVERITY_RANK, SEVERITY_ZH, STATUS_ZH, WARNING, GROUPS
from .run import ReportAudit

FILLS: dict[str | None, PatternFill] = {ERROR: PatternFill("solid", fgColor="FFC7CE"), WARNING: PatternFill("solid", fgColor="FFEB9C"),
         INFO: PatternFill("solid", fgColor="DDEBF7")}
HEAD_FILL = PatternFill("solid", fgColor="D9D9D9")
BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
MAX_CELL_TEXT = 32000


def put(ws: Any, row: int, col: int, value: Any, *, bold: bool = False, fill: PatternFill | None = None,
        wrap: bool = False) -> Any:
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


def _header(ws: Any, row: int, names: list[str], widths: list[int] | None = None) -> None:
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


def _write_tables(wb: Workbook, audits: list[ReportAudit]) -> None:
    """One sheet per table; each report's table in the official layout (``nianbao.render``),
    below a title line, offending cells filled by severity, suggestions as comments."""
    sheets = {name: wb.create_sheet(lay.name) for name, lay in standard.load().layouts.items()}
    rows = {name: 1 for name in sheets}
    for i, a in enumerate(audits, 1):
        rep = a.report
        if rep.format_version == FormatVersion.PRE2019:
            continue
        worst, sugg = _worst(a), _suggested(a)

        def value(c: LayoutCell, cell: Any) -> None:
            key = c.key or ""
            put(cell.parent, cell.row, cell.column, _value(a, key), fill=FILLS.get(worst.get(key)))
            if key in sugg:
                cell.comment = Comment(f"修正建议：改为{sugg[key]}（仅为建议，未改动原值）", "nianbao")

        for name, g in grids(C.version(rep)).items():
            ws = sheets[name]
            put(ws, rows[name], 1, _title(i, a), bold=True)
            rows[name] = write_grid(ws, g, rows[name] + 1, 1, value=value) + 1


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
