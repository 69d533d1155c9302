"""``nianbao units import|list``: the office's list of units in the store (``nianbao.store.units``).

Owns the commands only: ``import FILE --db`` reads an Excel/CSV list (单位名称, 上级单位, 类别,
别名, 年报栏目网址) into table ``units`` (importing again updates the same units);
``list --db [--year Y]`` prints the units, and with a year each unit's state for that year
(``nianbao.store.review.season``). Exit status 2 when the file or the database cannot be used.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from .app import app

units_app = typer.Typer(help="单位名单：导入、查看各单位的年报状态。", no_args_is_help=True)
app.add_typer(units_app, name="units")
_DB = typer.Option(Path("nianbao.duckdb"), "--db", help="DuckDB 数据库文件（不存在时新建）")
err = Console(stderr=True, highlight=False)


@units_app.command("import")
def import_cmd(file: Path = typer.Argument(..., help="单位名单（.xlsx 或 .csv），列：单位名称、上级单位、类别、别名、年报栏目网址"),
               db: Path = _DB) -> None:
    """导入单位名单（已有的单位按名称更新）。"""
    from ..store import Store, StoreError
    from ..store.units import UnitsError, import_units, read_units
    try:
        units, problems = read_units(str(file))
        with Store(db) as st:
            res = import_units(st, units, problems)
    except (UnitsError, StoreError) as e:
        err.print(f"[red]错误：[/red]{escape(str(e))}")
        raise typer.Exit(2)
    for p in res.problems:
        err.print(f"[yellow]注意：[/yellow]{escape(p)}")
    err.print(res.summary_zh())


@units_app.command("list")
def list_cmd(db: Path = _DB,
             year: Optional[int] = typer.Option(None, "--year", help="同时列出该年度各单位的年报状态")) -> None:
    """列出单位（给出 --year 时列出该年度的状态）。"""
    from ..store import Store, StoreError
    from ..store.review import season
    from ..store.units import list_units
    try:
        with Store(db, read_only=True) as st:
            units = list_units(st)
            states = season(st, year) if year is not None else None
    except StoreError as e:
        err.print(f"[red]错误：[/red]{escape(str(e))}")
        raise typer.Exit(2)
    if not units:
        err.print("数据库中还没有单位名单：请先运行 nianbao units import 名单.xlsx --db …")
        raise typer.Exit(0)
    t = Table("单位名称", "上级单位", "类别", "编号", *(("状态", "错误", "已确认") if states else ("年报栏目网址",)))
    if states is not None:
        for s in states:
            t.add_row(escape(s.unit.name), escape(s.unit.parent), s.unit.kind_zh, s.unit.unit_id, s.state,
                      str(s.counts.get("errors", "")), str(s.counts.get("confirmed", "")))
    else:
        for u in units:
            t.add_row(escape(u.name), escape(u.parent), u.kind_zh, u.unit_id, escape(u.column_url))
    Console(highlight=False).print(t)
    if states is not None:
        from collections import Counter
        c = Counter(s.state for s in states)
        err.print(f"{year}年度：" + "，".join(f"{k} {v} 个" for k, v in c.items()))
