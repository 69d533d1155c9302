"""Fill-in templates: YAML (with comments) and Excel (locked labels, validation, formulas).

Owns: ``nianbao template`` output and reading a filled Excel template back.

- YAML: agency, year, title, the six section texts, and every cell key with its printed
  labels as a comment; total cells are ``null`` (``compute_totals: true`` makes the
  loader compute them from their parts).
- Excel: a sheet ``基本信息`` (agency, year, title, preamble, section texts), and one sheet
  per table laid out exactly like the printed table (``nianbao.render.excel``), with the labels in locked
  cells (sheet protection on, value cells unlocked), data validation (whole number ≥ 0,
  decimal ≥ 0 for 万元) and total cells as formulas. ``read_excel_template`` reads the
  value cells back by position, checks the labels, and recomputes formula cells.
"""
from __future__ import annotations

import datetime as _dt
from pathlib import Path

from typing import Any

from ..render.excel import BOLD, BORDER, FONT, LABEL_FILL, coordinates, write_grid
from ..render.layout import TABLES, LayoutCell, Role, grid
from ..standard import Standard, load
from .data import ComposeError, ComposeInput, Value, check_version, coerce_value, fill_totals

META_SHEET = "基本信息"
ROW0, COL0 = 3, 2   # the table's top-left cell in the sheet (B3); row 1 holds the sheet title

META_FIELDS = [
    ("format_version", "格式版本", "国办公开办函〔2021〕30号格式为 2021；2019、2020 年度报告为 2019"),
    ("agency", "发布机关全称", "如：××市××区××镇人民政府"),
    ("year", "报告年度", "统计期为该年 1 月 1 日至 12 月 31 日"),
    ("title", "报告标题", "可留空：自动生成“发布机关+年度+年政府信息公开工作年度报告”"),
    ("preamble", "引言", "可选：编制依据、报告组成、统计期限、发布网址、联系方式"),
]


def default_year() -> int:
    return _dt.date.today().year - 1


def blank_input(version: str = "2021", agency: str = "", year: int | None = None) -> ComposeInput:
    """A template's starting values: 0 for every input cell, blank for totals."""
    std = load()
    ver = check_version(version)
    totals = set(std.total_keys(ver))
    cells: dict[str, Value] = {k: (None if k in totals else 0) for k in std.all_keys(ver)}
    for k in std.decimal_keys(ver):
        cells[k] = coerce_value(k, 0, True)
    return ComposeInput(agency=agency, year=year if year is not None else default_year(), format_version=ver,
                        cells=cells)


# ---------------------------------------------------------------------------
# YAML

def _q(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_yaml_template(version: str = "2021", agency: str = "", year: int | None = None) -> str:
    std = load()
    inp = blank_input(version, agency, year)
    ver = inp.format_version
    totals = set(std.total_keys(ver))
    table_sections = {lay.section for lay in std.layouts.values()}
    fees = next(r.canonical for r in std.t2[ver]["rows"] if r.key == "fees")
    lines = [
        f"# 政府信息公开工作年度报告填报模板（{ver} 格式）",
        "# 用法：填写后运行  nianbao compose 本文件.yaml -o 报告.docx",
        f"# 数值填写件数（整数）；{fees}金额单位为万元，可带小数。空白单元格写 null。",
        "# 合计单元格为 null 时由程序按表内勾稽关系自动计算；若填写了数值，程序会核对。",
        "",
        f"format_version: {_q(ver)}",
        "compute_totals: true",
    ]
    for key, name, hint in META_FIELDS[1:]:
        v = getattr(inp, key)
        if key == "year":
            lines.append(f"year: {v}  # {name}：{hint}")
        elif key == "title":
            lines.append(f"title: null  # {name}：{hint}")
        else:
            lines.append(f"{key}: {_q(v or '')}  # {name}：{hint}")
    lines += ["", "# 正文：每节可写多段，用 |- 块写法（每行缩进 4 个空格）。"]
    lines.append("sections:")
    for s in std.sections:
        note = "（本节之后自动插入表格）" if s.key in table_sections else ""
        lines.append(f"  # {s.canonical}{note}")
        lines.append(f"  {s.key}: |-")
        lines.append("    ")
    lines += ["", "cells:"]
    for name in TABLES:
        lay = std.layouts[name]
        lines.append(f"  # ===== {lay.name}：{std.section(lay.section).canonical.split('、', 1)[-1]} =====")
        for c in grid(name, ver, std=std).ordered():
            if c.role == Role.CAPTION:
                lines.append(f"  # {c.text}")
            if c.role != Role.VALUE or not c.key:
                continue
            row, col = std.label_of(c.key, ver)
            v = inp.cells.get(c.key)
            vs = "null" if v is None else str(v)
            extra = "（合计，留空自动计算）" if c.key in totals else ""
            lines.append(f"  {c.key}: {vs}  # {row}｜{col}{extra}")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------
# Excel

def _formula(key: str, pos: dict[str, str], std: Standard, ver: str) -> str | None:
    """Excel formula for a total cell: the sum of the parts of the identity defining it."""
    ident = dict(std.total_plan(ver)).get(key)
    if ident is None:
        return None
    coords = [pos[p] for p in ident.parts]
    # parts in one row or one column form a contiguous range
    return f"=SUM({coords[0]}:{coords[-1]})"


def write_excel_template(path: str | Path, version: str = "2021", agency: str = "", year: int | None = None,
                         inp: ComposeInput | None = None) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.worksheet.datavalidation import DataValidation

    from . import atomic_write
    std = load()
    inp = inp or blank_input(version, agency, year)
    ver = inp.format_version
    totals = set(std.total_keys(ver))
    dec = std.decimal_keys(ver)
    total_fill = PatternFill("solid", fgColor="DDEBF7")
    input_fill = PatternFill("solid", fgColor="FFFFFF")

    wb = Workbook()
    meta = wb.active
    meta.title = META_SHEET
    meta["A1"] = "政府信息公开工作年度报告填报模板"
    meta["A1"].font = Font(name="黑体", size=14)
    meta["A2"] = "请填写白色单元格；灰色单元格为标准标签，已锁定。填写后运行：nianbao compose 本文件.xlsx -o 报告.docx"
    meta.column_dimensions["A"].width = 34
    meta.column_dimensions["B"].width = 90
    meta.column_dimensions["C"].hidden = True
    fields = [(k, n, h) for k, n, h in META_FIELDS] + [(s.key, s.canonical, "") for s in std.sections]
    for i, (key, name, hint) in enumerate(fields, start=4):
        a = meta.cell(row=i, column=1, value=name if not hint else f"{name}\n（{hint}）")
        a.font = BOLD
        a.fill = LABEL_FILL
        a.alignment = Alignment(wrap_text=True, vertical="top")
        a.border = BORDER
        if key == "format_version":
            v = ver
        elif key in ("agency", "year", "title", "preamble"):
            v = getattr(inp, key)
        else:
            v = inp.sections.get(key, "")
        b = meta.cell(row=i, column=2, value=v if v is not None else "")
        b.alignment = Alignment(wrap_text=True, vertical="top")
        b.border = BORDER
        b.font = Font(name="仿宋", size=11)
        if key != "format_version":
            b.protection = Protection(locked=False)
        else:
            b.fill = LABEL_FILL
        meta.cell(row=i, column=3, value=key)
        if key.startswith("s") or key == "preamble":
            meta.row_dimensions[i].height = 120 if key.startswith("s") else 60
        else:
            meta.row_dimensions[i].height = 32
    yv = DataValidation(type="whole", operator="between", formula1="1990", formula2="2100", allow_blank=False,
                        showErrorMessage=True, errorTitle="年度无效", error="请填写四位数年份，如 2024")
    meta.add_data_validation(yv)
    yv.add("B6")
    meta.protection.sheet = True
    meta.protection.formatColumns = False
    meta.protection.formatRows = False

    for name in TABLES:
        lay = std.layouts[name]
        ws = wb.create_sheet(lay.name)
        t = grid(name, ver, std=std)
        ws.cell(row=1, column=COL0, value=std.section(lay.section).canonical).font = Font(name="黑体", size=13)
        pos = coordinates(t, ROW0, COL0)
        dv_int = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                                showErrorMessage=True, errorTitle="数值无效", error="请填写不小于 0 的整数（件数）")
        dv_dec = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                                showErrorMessage=True, errorTitle="数值无效", error="请填写不小于 0 的金额（单位：万元）")
        ws.add_data_validation(dv_int)
        ws.add_data_validation(dv_dec)

        def value(c: LayoutCell, cell: Any) -> None:
            key = c.key or ""
            if key in totals:
                cell.value = _formula(key, pos, std, ver)
                cell.fill = total_fill
                cell.font = BOLD
            else:
                v = inp.cells.get(key)
                cell.value = float(v) if key in dec and v is not None else v
                cell.protection = Protection(locked=False)
                cell.fill = input_fill
                cell.font = FONT
                (dv_dec if key in dec else dv_int).add(cell.coordinate)
                if key in dec:
                    cell.number_format = "0.######"
            cell.alignment = Alignment(horizontal="center", vertical="center")

        write_grid(ws, t, ROW0, COL0, value=value)
        ws.column_dimensions["A"].width = 2
        ws.protection.sheet = True
        ws.protection.formatColumns = False
        ws.protection.formatRows = False
        ws.freeze_panes = None
    wb.active = 0
    import io
    buf = io.BytesIO()
    wb.save(buf)
    return atomic_write(path, buf.getvalue())


def read_excel_template(path: str | Path, *, version: str | None = None) -> ComposeInput:
    """Read a filled Excel template back into a ComposeInput."""
    import openpyxl
    p = Path(path)
    try:
        wb = openpyxl.load_workbook(p)
    except FileNotFoundError:
        raise ComposeError(f"文件不存在：{p}") from None
    except Exception as e:
        raise ComposeError(f"无法读取 Excel 模板 {p.name}：{e}") from None
    if META_SHEET not in wb.sheetnames:
        raise ComposeError(f"{p.name} 不是本程序生成的填报模板（缺少“{META_SHEET}”工作表）")
    std = load()
    meta = wb[META_SHEET]
    fields: dict[str, object] = {}
    for row in meta.iter_rows(min_row=1, max_col=3):
        key = row[2].value
        if isinstance(key, str) and key:
            fields[key] = row[1].value
    ver = str(fields.get("format_version") or "2021")
    if version and version != ver:
        raise ComposeError(f"{p.name}：模板的格式版本为 {ver}，与指定的 --format-version {version} 不一致")
    ver = check_version(ver)
    year = fields.get("year")
    try:
        year = int(str(year).strip().rstrip("年")) if year not in (None, "") else None
    except ValueError:
        raise ComposeError(f"{p.name}：年度“{year}”不是有效的年份") from None
    inp = ComposeInput(
        agency=str(fields.get("agency") or "").strip(), year=year, format_version=ver,
        title=str(fields.get("title")).strip() if fields.get("title") else None,
        preamble=str(fields.get("preamble") or "").strip(),
        sections={s.key: str(fields.get(s.key) or "").strip() for s in std.sections if fields.get(s.key)},
        source=str(path),
    )
    dec = std.decimal_keys(ver)
    errors: list[str] = []
    cells: dict = {}
    for name in TABLES:
        sheet = std.layouts[name].name
        if sheet not in wb.sheetnames:
            raise ComposeError(f"{p.name} 缺少“{sheet}”工作表")
        ws = wb[sheet]
        for c in grid(name, ver, std=std).cells:
            v = ws.cell(row=ROW0 + c.row, column=COL0 + c.col).value
            if c.role != Role.VALUE:
                if str(v or "").strip() != c.text:
                    errors.append(f"“{sheet}”工作表 {ws.cell(row=ROW0 + c.row, column=COL0 + c.col).coordinate} "
                                  f"的标签应为“{c.text}”，实际为“{v}”（模板被改动或版本不符）")
                continue
            if not c.key:
                continue
            if isinstance(v, str) and v.startswith("="):
                cells[c.key] = None       # a formula: recomputed below
                continue
            try:
                cells[c.key] = coerce_value(c.key, v, c.key in dec)
            except ComposeError as e:
                coord = ws.cell(row=ROW0 + c.row, column=COL0 + c.col).coordinate
                r, col = std.label_of(c.key, ver)
                errors.append(f"“{sheet}”工作表 {coord}（{r}｜{col}）：{e}")
    if errors:
        raise ComposeError(f"Excel 模板 {p.name} 有错误：\n" + "\n".join(f"  - {e}" for e in errors[:30]))
    inp.cells = {k: cells.get(k) for k in std.all_keys(ver)}
    fill_totals(inp.cells, std, ver)
    return inp
