"""The one Typer application; each command module registers its commands on ``app``."""
from __future__ import annotations

import typer

app = typer.Typer(
    name="nianbao",
    help="政府信息公开工作年度报告：读取、审核、汇总、编写。",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _main() -> None:
    """政府信息公开工作年度报告：读取（extract）、审核（check）、编写（template / compose）。"""
