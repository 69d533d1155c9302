"""``nianbao notice FILE... -o 整改通知.docx``: write 整改通知 (rectification notices).

Owns the command only: it reads and audits each report (``nianbao.extract.extract_path``,
``nianbao.audit.run.audit_report``) and writes, from the editable DOCX template, one
notice listing the report's own problems (never reading problems). With one report and
an ``-o`` ending in ``.docx`` it writes that file; otherwise ``-o`` is a directory that
gets one notice per unit (reports without problems are skipped). Exit status: 2 if a
file could not be read or a notice not written, else 0.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.markup import escape

from ..audit.run import ReportAudit, audit_report
from ..files import expand_inputs
from .app import app


def _date(s: str | None, what: str) -> date | None:
    if not s:
        return None
    try:
        return date.fromisoformat(s)
    except ValueError:
        raise typer.BadParameter(f"{what}应写成 YYYY-MM-DD，例如 2025-03-31")


@app.command("notice")
def notice_cmd(
    files: list[Path] = typer.Argument(..., help="报告文件或目录"),
    out: Path = typer.Option(Path("整改通知.docx"), "-o", "--out",
                             help="输出的 .docx 文件（一份报告时）或目录（每个单位一份）"),
    template: Optional[Path] = typer.Option(None, "--template", help="自定义 DOCX 模板（含 {{占位符}}）"),
    office: str = typer.Option("××市人民政府办公室（政务公开办）", "--office", help="发文机关"),
    deadline: Optional[str] = typer.Option(None, "--deadline", help="整改期限 YYYY-MM-DD（默认成文日期后15天）"),
    issued: Optional[str] = typer.Option(None, "--date", help="成文日期 YYYY-MM-DD（默认今天）"),
    contact: str = typer.Option("", "--contact", help="联系人及电话"),
    number: str = typer.Option("", "--number", help="文号"),
    include_info: bool = typer.Option(False, "--include-info", help="把“提示”级别的问题也列入通知"),
) -> None:
    """根据审核结果生成整改通知（Word 文档，只列报告本身的问题）。"""
    from ..extract import extract_path
    from ..notice import NoticeOptions, write_notice, write_notices
    err = Console(stderr=True, highlight=False)
    inputs = expand_inputs(files)
    if not inputs:
        err.print("[red]没有找到报告文件。[/red]")
        raise typer.Exit(2)
    opts = NoticeOptions(office=office, deadline=_date(deadline, "整改期限"), issued=_date(issued, "成文日期"),
                         contact=contact, number=number, include_info=include_info)
    if template is not None and not template.is_file():
        err.print(f"[red]找不到模板[/red] {escape(str(template))}")
        raise typer.Exit(2)
    audits: list[ReportAudit] = []
    failed = False
    for p in inputs:
        try:
            rep = extract_path(p)
        except Exception as e:  # noqa: BLE001 - a file that cannot be read is reported, the batch goes on
            failed = True
            err.print(f"[red]无法读取[/red] {escape(str(p))}：{escape(str(e))}")
            continue
        audits.append(audit_report(rep))
    try:
        if len(audits) == 1 and out.suffix.lower() == ".docx":
            path = write_notice(audits[0], out, opts, template)
            err.print(f"已写入 {escape(str(path))}")
        elif audits:
            paths = write_notices(audits, out, opts, template)
            for pth in paths:
                err.print(f"已写入 {escape(str(pth))}")
            skipped = len(audits) - len(paths)
            if skipped:
                err.print(f"{skipped} 份报告没有需要整改的问题，未生成通知。")
    except OSError as e:
        err.print(f"[red]无法写入[/red] {escape(str(out))}：{escape(e.strerror or str(e))}")
        raise typer.Exit(2)
    raise typer.Exit(2 if failed else 0)
