"""``nianbao extract``: read reports and print their data.

``--cells``: one JSON object per file per shared/spec/cells.md (errors per file, the
other files go on); ``--json``: the full model with semantics and provenance; default:
the three tables printed for a person.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..core import process_many
from ..files import expand_inputs
from ..jsonio import json_line
from ..normalize import fold, split_ordinal
from ..standard import load
from .app import app
from .options import MAX_MEMORY, TIMEOUT, WORKERS, limits


@app.command("extract")
def extract_cmd(
    files: list[Path] = typer.Argument(..., help="报告文件或目录（txt/html/docx/pdf/doc…）"),
    cells: bool = typer.Option(False, "--cells", help="每个文件输出一行 JSON（单元格键值，见 cells.md）"),
    as_json: bool = typer.Option(False, "--json", help="输出完整模型（值的语义、匹配的标签、出处）"),
    timeout: float = TIMEOUT,
    max_memory_mb: int = MAX_MEMORY,
    workers: Optional[int] = WORKERS,
) -> None:
    """读取年度报告并输出结构化数据。"""
    err = Console(stderr=True)
    inputs = expand_inputs(files)
    failed = 0
    for out in process_many(inputs, audit=False, limits=limits(len(inputs), timeout, max_memory_mb, workers)):
        if out.report is None:
            failed += 1
        if cells or as_json:
            sys.stdout.write(json_line(out.cells_record() if cells else out.model_record()))
            sys.stdout.flush()
        elif out.report is None:
            assert out.error is not None
            err.print(f"[red]无法读取[/red] {escape(out.source)}：{escape(out.error.message)}")
        else:
            _print_report(out.report)
    if failed and not (cells or as_json):
        err.print(f"{failed} 个文件无法读取")
    raise typer.Exit(2 if failed else 0)


def _fmt(cv) -> str:
    if cv is None:
        return ""
    if cv.value is not None:
        return str(cv.value)
    return {"blank": "（空）", "na": cv.raw or "/", "unreadable": f"?{cv.raw}", "absent": "—"}.get(cv.kind, "")


def _print_report(report) -> None:
    std = load()
    con = Console()
    ver = report.format_version
    con.rule(f"{report.agency or '（未识别机关）'} {report.year or '?'} 年度报告  格式：{ver or '未识别'}  来源：{report.source}")
    if ver not in ("2021", "2019"):
        con.print("（没有全国统一格式的表格）")
        for it in report.pre2019_items[:40]:
            con.print(f"  {it['label']}  {' '.join(it['values'])} {it['unit'] or ''}")
        return
    t2 = Table(title="表二 主动公开政府信息情况", show_lines=False)
    t2.add_column("信息内容")
    t2.add_column("数值")
    prefix = "t2" if ver == "2021" else "t2v19"
    for row in std.t2[ver]["rows"]:
        vals = [f"{std.t2[ver]['columns'][c].canonical}={_fmt(report.cells.get(f'{prefix}.{row.key}.{c}'))}"
                for c in row.extra["columns"]]
        t2.add_row(row.canonical, "  ".join(vals))
    con.print(t2)
    t3 = Table(title="表三 收到和处理政府信息公开申请情况")
    t3.add_column("")
    for c in std.t3_columns:
        t3.add_column(c.canonical, justify="right")
    groups = {g.key: split_ordinal(fold(g.canonical))[0] for g in std.t3_groups}
    row_group = {r.key: r.group for r in std.t3_rows}
    for rk in std.t3_row_keys(ver):
        label, _ = std.label_of(f"t3.{rk}.total", ver)
        label = groups.get(row_group.get(rk), "") + label     # （三）1.属于国家秘密
        t3.add_row(label[:26], *[_fmt(report.cells.get(f"t3.{rk}.{c}")) for c in std.t3_cols])
    con.print(t3)
    t4 = Table(title="表四 政府信息公开行政复议、行政诉讼情况")
    t4.add_column("")
    for c in std.t4_columns:
        t4.add_column(c.canonical, justify="right")
    for g in std.t4_groups:
        t4.add_row(g.canonical, *[_fmt(report.cells.get(f"t4.{g.key}.{c.key}")) for c in std.t4_columns])
    con.print(t4)
    if report.notes:
        con.print("[bold]提取备注[/bold]")
        for n in report.notes:
            con.print(f"  [{n.code}] {n.message}")
