"""``nianbao extract``: read reports and print their data.

``--cells``: one JSON object per file per shared/spec/cells.md (errors per file, the
other files go on); ``--json``: the full model with semantics and provenance; default:
the three tables printed for a person.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.markup import escape

from ..core import process_many
from ..files import expand_inputs
from ..render.terminal import print_report as _print_report
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
    render = "cells" if cells else "model" if as_json else None
    run = limits(len(inputs), timeout, max_memory_mb, workers)
    for out in process_many(inputs, audit=False, limits=run, render=render):
        if not out.ok:
            failed += 1
        if out.line is not None:
            sys.stdout.write(out.line)
            sys.stdout.flush()
        elif out.report is None:
            assert out.error is not None
            err.print(f"[red]无法读取[/red] {escape(out.source)}：{escape(out.error.message)}")
        else:
            _print_report(out.report)
    if failed and not (cells or as_json):
        err.print(f"{failed} 个文件无法读取")
    raise typer.Exit(2 if failed else 0)
