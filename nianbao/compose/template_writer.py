"""Fill-in templates: YAML (with comments) and Excel (locked labels, validation, formulas).

Owns: ``nianbao template`` output and reading a filled Excel template back.

- YAML: agency, year, title, the six section texts, and every cell key with its printed
  labels as a comment; total cells are ``null`` (``compute_totals: true`` makes the
  loader compute them from their parts).
- Excel: a sheet ``基本信息`` (agency, year, title, preamble, section texts), and one sheet
  per table laid out exactly like the printed table (``layout``), with the labels in locked
  cells (sheet protection on, value cells unlocked), data validation (whole number ≥ 0,
  decimal ≥ 0 for 万元) and total cells as formulas. ``read_excel_template`` reads the
  value cells back by position, checks the labels, and recomputes formula cells.
"""
from __future__ import annotations

import datetime as _dt
from pathlib import Path

from ..standard import Standard, load
from .data import ComposeError, ComposeInput, check_version, coerce_value, fill_totals, outcome_rows, total_keys
from .layout import CAPTION, GROUP, HEADER, LABEL, NOTE, VALUE, Table, build_t2, build_t3, build_t4

META_SHEET = "基本信息"
TABLE_SHEETS = {"t2": "表二", "t3": "表三", "t4": "表四"}
TABLE_SECTION = {"t2": "s2_proactive", "t3": "s3_requests", "t4": "s4_review_litigation"}
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
    totals = set(total_keys(std, ver))
    cells = {k: (None if k in totals else 0) for k in std.all_keys(ver)}
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
    totals = set(total_keys(std, ver))
    lines = [
        f"# 政府信息公开工作年度报告填报模板（{ver} 格式）",
        "# 用法：填写后运行  nianbao compose 本文件.yaml -o 报告.docx",
        "# 数值填写件数（整数）；行政事业性收费金额单位为万元，可带小数。空白单元格写 null。",
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
        note = "（本节之后自动插入表格）" if s.key in TABLE_SECTION.values() else ""
        lines.append(f"  # {s.canonical}{note}")
        lines.append(f"  {s.key}: |-")
        lines.append("    ")
    lines += ["", "cells:"]
    tables = {"t2": build_t2(inp, std=std), "t3": build_t3(inp, std=std), "t4": build_t4(inp, std=std)}
    for name, t in tables.items():
        sec = std.section(TABLE_SECTION[name])
        lines.append(f"  # ===== {TABLE_SHEETS[name]}：{sec.canonical.split('、', 1)[-1]} =====")
        for c in sorted(t.cells, key=lambda c: (c.row, c.col)):
            if c.role == CAPTION:
                lines.append(f"  # {c.text}")
            if c.role != VALUE or not c.key:
                continue
            row, col = std.label_of(c.key, ver)
            v = inp.cells.get(c.key)
            vs = "null" if v is None else str(v)
            extra = "（合计，留空自动计算）" if c.key in totals else ""
            lines.append(f"  {c.key}: {vs}  # {row}｜{col}{extra}")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------
# Excel

def _table_for(name: str, inp: ComposeInput, std: Standard) -> Table:
    return {"t2": build_t2, "t3": build_t3, "t4": build_t4}[name](inp, std=std)


def _formula(key: str, pos: dict[str, str], std: Standard, ver: str) -> str | None:
    """Excel formula for a total cell, from the coordinates of its parts."""
    parts = None
    if key.startswith("t3.result_total.") and not key.endswith(".total"):
        col = key.rsplit(".", 1)[1]
        parts = [f"t3.{r}.{col}" for r in outcome_rows(std, ver)]
    elif key.startswith("t3.") and key.endswith(".total"):
        row = key[3:-6]
        parts = [f"t3.{row}.{c}" for c in std.t3_cols if c != "total"]
    elif key.startswith("t4.") and key.endswith(".total"):
        g = key.split(".")[1]
        parts = [f"t4.{g}.{c.key}" for c in std.t4_columns if c.key != "total"]
    if not parts:
        return None
    coords = [pos[p] for p in parts]
    # parts in one row or one column form a contiguous range
    return f"=SUM({coords[0]}:{coords[-1]})"


def write_excel_template(path: str | Path, version: str = "2021", agency: str = "", year: int | None = None,
                         inp: ComposeInput | None = None) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    from . import atomic_write
    std = load()
    inp = inp or blank_input(version, agency, year)
    ver = inp.format_version
    totals = set(total_keys(std, ver))
    dec = std.decimal_keys(ver)
    thin = Side(style="thin", color="000000")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    label_fill = PatternFill("solid", fgColor="EDEDED")
    total_fill = PatternFill("solid", fgColor="DDEBF7")
    input_fill = PatternFill("solid", fgColor="FFFFFF")
    font = Font(name="宋体", size=10)
    bold = Font(name="宋体", size=10, bold=True)

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
        a.font = bold
        a.fill = label_fill
        a.alignment = Alignment(wrap_text=True, vertical="top")
        a.border = border
        if key == "format_version":
            v = ver
        elif key in ("agency", "year", "title", "preamble"):
            v = getattr(inp, key)
        else:
            v = inp.sections.get(key, "")
        b = meta.cell(row=i, column=2, value=v if v is not None else "")
        b.alignment = Alignment(wrap_text=True, vertical="top")
        b.border = border
        b.font = Font(name="仿宋", size=11)
        if key != "format_version":
            b.protection = Protection(locked=False)
        else:
            b.fill = label_fill
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

    for name, sheet in TABLE_SHEETS.items():
        ws = wb.create_sheet(sheet)
        t = _table_for(name, inp, std)
        sec = std.section(TABLE_SECTION[name])
        ws.cell(row=1, column=COL0, value=sec.canonical).font = Font(name="黑体", size=13)
        pos = {c.key: f"{get_column_letter(COL0 + c.col)}{ROW0 + c.row}" for c in t.cells
               if c.role == VALUE and c.key}
        dv_int = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                                showErrorMessage=True, errorTitle="数值无效", error="请填写不小于 0 的整数（件数）")
        dv_dec = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                                showErrorMessage=True, errorTitle="数值无效", error="请填写不小于 0 的金额（单位：万元）")
        ws.add_data_validation(dv_int)
        ws.add_data_validation(dv_dec)
        for c in t.cells:
            r, k = ROW0 + c.row, COL0 + c.col
            if c.rowspan > 1 or c.colspan > 1:
                ws.merge_cells(start_row=r, start_column=k, end_row=r + c.rowspan - 1,
                               end_column=k + c.colspan - 1)
            for rr in range(r, r + c.rowspan):
                for kk in range(k, k + c.colspan):
                    ws.cell(row=rr, column=kk).border = border
            cell = ws.cell(row=r, column=k)
            if c.role == VALUE:
                if not c.key:
                    cell.fill = label_fill
                    continue
                if c.key in totals:
                    cell.value = _formula(c.key, pos, std, ver)
                    cell.fill = total_fill
                    cell.font = bold
                else:
                    v = inp.cells.get(c.key)
                    cell.value = float(v) if c.key in dec and v is not None else v
                    cell.protection = Protection(locked=False)
                    cell.fill = input_fill
                    cell.font = font
                    (dv_dec if c.key in dec else dv_int).add(cell.coordinate)
                    if c.key in dec:
                        cell.number_format = "0.######"
                cell.alignment = Alignment(horizontal="center", vertical="center")
            else:
                cell.value = c.text
                cell.fill = label_fill
                cell.font = bold if c.role in (HEADER, CAPTION) else font
                left = c.role in (LABEL, NOTE) and name == "t3"
                cell.alignment = Alignment(horizontal="left" if left else "center", vertical="center",
                                           wrap_text=True)
        total_w = sum(t.widths)
        scale = {"t2": 70, "t3": 110, "t4": 120}[name]
        ws.column_dimensions["A"].width = 2
        for j, w in enumerate(t.widths):
            ws.column_dimensions[get_column_letter(COL0 + j)].width = max(6, scale * w / total_w)
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
    layout_inp = blank_input(ver)
    dec = std.decimal_keys(ver)
    errors: list[str] = []
    cells: dict = {}
    for name, sheet in TABLE_SHEETS.items():
        if sheet not in wb.sheetnames:
            raise ComposeError(f"{p.name} 缺少“{sheet}”工作表")
        ws = wb[sheet]
        t = _table_for(name, layout_inp, std)
        for c in t.cells:
            v = ws.cell(row=ROW0 + c.row, column=COL0 + c.col).value
            if c.role in (LABEL, HEADER, GROUP, CAPTION, NOTE):
                if str(v or "").strip() != c.text:
                    errors.append(f"“{sheet}”工作表 {ws.cell(row=ROW0 + c.row, column=COL0 + c.col).coordinate} "
                                  f"的标签应为“{c.text}”，实际为“{v}”（模板被改动或版本不符）")
                continue
            if c.role != VALUE or not c.key:
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
