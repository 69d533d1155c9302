"""Terminal rendering (``rich``): the tables of an extracted report, for a person.

Owns: ``print_report(report)`` — what ``nianbao extract`` prints without ``--cells`` or
``--json``: a heading line, 表二/表三/表四 drawn from their official layout, the items
of a report without the national tables, and the extractor's notes; ``grid_table``
draws one grid as a ``rich`` table (the label block folded into one column — a row
label carries the ordinals of the groups it sits in; header rows stacked over each
value column, a spanning heading printed once; 表二's caption and header rows as rows
of their own).
"""
from __future__ import annotations

from rich.console import Console
from rich.table import Table

from ..model import CellValue, Report
from ..normalize import fold, split_ordinal
from ..vocab import FormatVersion, ValueKind
from .layout import Grid, LayoutCell, Role, grids

LABEL_WIDTH = 30


def _fmt(cv: CellValue | None) -> str:
    if cv is None:
        return ""
    if cv.value is not None:
        return str(cv.value)
    shown: dict[str, str] = {ValueKind.BLANK: "（空）", ValueKind.NA: cv.raw or "/",
                             ValueKind.UNREADABLE: f"?{cv.raw}", ValueKind.ABSENT: "—"}
    return shown.get(cv.kind, "")


def _label(g: Grid, row: int) -> str:
    """The row label: the ordinals of the group cells covering the row, then its own label."""
    parts = []
    for col in range(g.label_columns):
        c = g.at(row, col)
        if c is None or c.col != col:
            continue
        if c.role == Role.GROUP:
            parts.append(split_ordinal(fold(c.text))[0] or c.text)
        else:
            parts.append(c.text)
    return "".join(parts)[:LABEL_WIDTH]


def _heading(g: Grid, col: int) -> str:
    """The header rows over a value column, one line each: a cell spanning columns is
    printed over its first one, a cell spanning rows on the line of its last row."""
    lines = []
    for r in range(g.header_rows):
        c = g.at(r, col)
        lines.append(c.text if c is not None and c.col == col and c.row + c.rowspan - 1 == r else "")
    return "\n".join(lines)


def grid_table(g: Grid) -> Table:
    t = Table(title=g.title, show_header=g.header_rows > 0)
    value_cols = range(g.label_columns, g.n_cols)
    if g.label_columns:
        t.add_column("")
    for col in value_cols:
        t.add_column(_heading(g, col), justify="right", overflow="fold")
    for r in range(g.header_rows, g.n_rows):
        first = g.at(r, 0)
        role = first.role if first is not None else Role.VALUE
        label = [_label(g, r)] if g.label_columns else []
        cells: list[LayoutCell | None] = [g.at(r, col) for col in value_cols]
        texts = [c.text if c is not None and c.col == col else "" for c, col in zip(cells, value_cols)]
        style = "bold" if role in (Role.CAPTION, Role.HEADER) else None
        t.add_row(*label, *texts, style=style)
    return t


def print_report(report: Report, con: Console | None = None) -> None:
    con = con or Console()
    ver = report.format_version
    con.rule(f"{report.agency or '（未识别机关）'} {report.year or '?'} 年度报告  格式：{ver or '未识别'}  来源：{report.source}")
    if ver not in (FormatVersion.V2021, FormatVersion.V2019):
        con.print("（没有全国统一格式的表格）")
        for it in report.pre2019_items[:40]:
            con.print(f"  {it['label']}  {' '.join(it['values'])} {it['unit'] or ''}")
        return
    for g in grids(ver).values():
        con.print(grid_table(g.with_values(lambda k: _fmt(report.cells.get(k)))))
    if report.notes:
        con.print("[bold]提取备注[/bold]")
        for n in report.notes:
            con.print(f"  [{n.code}] {n.message}")
