"""CLI commands of the composer: ``nianbao template`` and ``nianbao compose``.

Thin: parse options, call ``nianbao.compose``, print Chinese messages; exit code 1 when
the input is refused (inconsistent, unknown categories, unreadable).
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.markup import escape

from .app import app

err = Console(stderr=True, highlight=False, soft_wrap=True)
out = Console(highlight=False, soft_wrap=True)


@app.command("template")
def template_cmd(
    output: Path = typer.Option(..., "-o", "--output", help="模板文件：.xlsx（Excel 填报表）或 .yaml"),
    format_version: str = typer.Option("2021", "--format-version", help="格式版本：2021（默认）或 2019"),
    agency: str = typer.Option("", "--agency", help="预填的发布机关全称"),
    year: Optional[int] = typer.Option(None, "--year", help="预填的报告年度（默认为上一年）"),
) -> None:
    """生成填报模板：三张表的标准标签，以及发布机关、年度和各部分正文。"""
    from ..compose import ComposeError, atomic_write
    from ..compose.template_writer import render_yaml_template, write_excel_template
    try:
        suffix = output.suffix.lower()
        if suffix in (".xlsx", ".xlsm"):
            write_excel_template(output, format_version, agency, year)
        elif suffix in (".yaml", ".yml"):
            atomic_write(output, render_yaml_template(format_version, agency, year).encode("utf-8"))
        else:
            raise ComposeError(f"模板只能是 .xlsx 或 .yaml 文件：{output.name}")
    except ComposeError as e:
        err.print(f"[red]错误：[/red]{escape(str(e))}", markup=True)
        raise typer.Exit(1)
    out.print(f"已生成填报模板：{output}")


@app.command("compose")
def compose_cmd(
    input: Path = typer.Argument(..., help="输入：填好的模板（.yaml/.json/.xlsx）、单元格文件（.json）或申请台账（.csv/.xlsx）"),
    output: Path = typer.Option(..., "-o", "--output", help="输出报告：.docx、.html、.md 或 .pdf"),
    allow_inconsistent: bool = typer.Option(False, "--allow-inconsistent",
                                            help="数据不一致时仍然生成报告（并列出问题）"),
    format_version: Optional[str] = typer.Option(None, "--format-version", help="格式版本：2021 或 2019（默认取自输入）"),
    base: Optional[Path] = typer.Option(None, "--base", help="台账输入时：提供发布机关、年度、正文、表二和表四的模板文件"),
    carry_over: Optional[Path] = typer.Option(None, "--carry-over",
                                              help="上年结转：上年度的单元格文件/模板，或“申请人类型: 件数”的 YAML"),
    year: Optional[int] = typer.Option(None, "--year", help="报告年度（覆盖输入中的年度）"),
    agency: Optional[str] = typer.Option(None, "--agency", help="发布机关全称（覆盖输入中的名称）"),
) -> None:
    """由填好的模板、单元格文件或申请台账生成符合国家格式的年度报告。"""
    from ..compose import ComposeError, check, output_format, refusal_message, write_report
    from ..compose.body import PLACEHOLDER, section_texts
    try:
        output_format(output)
        from ..compose.data import load_input
        inp = load_input(input, version=format_version, base=base, year=year, carry_over=carry_over,
                         agency=agency)
        for w in inp.warnings:
            err.print(f"[yellow]提示：[/yellow]{escape(w)}", markup=True)
        findings = check(inp)
        if findings:
            if not allow_inconsistent:
                err.print(f"[red]错误：[/red]{escape(refusal_message(findings))}", markup=True)
                raise typer.Exit(1)
            err.print(f"[yellow]警告：[/yellow]输入数据有 {len(findings)} 处不一致，按 --allow-inconsistent 原样输出：",
                      markup=True)
            for f in findings:
                err.print(f"  - {f.message}", markup=False)
        if not inp.agency:
            err.print("[yellow]提示：[/yellow]未提供发布机关名称（agency），标题中将缺少机关名称", markup=True)
        from ..standard import load as load_standard
        titles = {s.key: s.canonical for s in load_standard().sections}
        missing = [titles[k] for k, v in section_texts(inp).items() if v == PLACEHOLDER]
        if missing:
            err.print(f"[yellow]提示：[/yellow]以下部分没有正文，已写入占位文字：{'、'.join(missing)}", markup=True)
        write_report(inp, output)
    except ComposeError as e:
        err.print(f"[red]错误：[/red]{escape(str(e))}", markup=True)
        raise typer.Exit(1)
    out.print(f"已生成报告：{output}")
