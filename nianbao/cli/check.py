"""``nianbao check FILE|DIR...``: audit annual reports.

Prints, per report, its findings grouped by table and a repair suggestion when the
identities fail, then a summary line (reports, errors, warnings); a progress bar for
batches. ``--json`` writes JSON Lines ({"source", "findings": [...], …} per report;
{"source", "error"} for a file that cannot be read). ``--excel FILE`` / ``--html FILE``
write a workbook / a self-contained page (atomically). A file that cannot be read is
reported in Chinese and counted; the batch goes on.
Exit status: 2 if any input could not be read (or an output could not be written),
else 1 if any finding has severity error, else 0.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from ..audit.finding import ERROR, GROUPS, INFO, NOT_ASSESSABLE, SEVERITY_ZH, WARNING
from ..audit.finding import Finding, sort_key
from ..audit.run import ReportAudit
from ..audit.series import Aliases, PreviousIndex, batch_series_findings, cross_year_findings, load_aliases
from ..core import Outcome, process_many
from ..guard import Limits
from ..model import Report
from ..files import expand_inputs
from ..jsonio import json_line
from .app import app
from .options import MAX_MEMORY, TIMEOUT, WORKERS, limits

STYLE: dict[str, str] = {ERROR: "bold red", WARNING: "yellow", INFO: "cyan"}
MARK: dict[str, str] = {ERROR: "✗", WARNING: "!", INFO: "·"}


def _emit(obj: dict) -> None:
    sys.stdout.write(json_line(obj))
    sys.stdout.flush()


def print_audit(con: Console, a: ReportAudit, verbose_info: bool = True) -> None:
    r = a.report
    sm = a.summary
    con.rule(escape(f"{r.agency or '（机关未识别）'} {r.year or '?'}年  格式：{r.format_version or '未识别'}  文件：{r.source}"))
    if not a.findings:
        con.print("[green]未发现问题。[/green]")
        return
    for g, title in GROUPS.items():
        fs = [f for f in a.findings if f.group == g and (verbose_info or f.severity != INFO)]
        if not fs:
            continue
        con.print(f"[bold]{escape(title)}[/bold]（{len(fs)}）")
        for f in fs:
            st = "，无法核对" if f.status == NOT_ASSESSABLE else ""
            con.print(f"  [{STYLE[f.severity]}]{MARK[f.severity]} {SEVERITY_ZH[f.severity]}{st}[/] "
                      f"[dim]{escape(f.rule)} {escape(f.where)}[/dim]  {escape(f.message)}")
    if a.repair:
        con.print(f"[bold blue]修正建议[/bold blue]（仅为建议，不改变报告原值）：{escape(a.repair['explanation'])}")
    con.print(f"[dim]本报告：错误 {sm['errors']} 条，警告 {sm['warnings']} 条，提示 {sm['info']} 条。[/dim]")


def _previous_report(path: Path, err: Console) -> Report:
    (out,) = process_many([path], audit=False, limits=Limits(workers=0))
    if out.report is None:
        assert out.error is not None
        err.print(f"[red]无法读取上一年度报告[/red] {escape(str(path))}：{escape(out.error.message)}")
        raise typer.Exit(2)
    return out.report


def _add_series(outcomes: list[Outcome], prev: Report | None, db: Path | None, aliases: Aliases | None,
                err: Console) -> None:
    """Cross-year findings: against ``--prev``, against last year's report of the same unit
    in the batch itself, or in the store (``--db``)."""
    audits = [o.audit for o in outcomes if o.audit is not None]
    extra: dict[str, list[Finding]] = {}
    if prev is not None:
        for a in audits:
            extra[a.report.source] = cross_year_findings(prev, a.report, aliases)
    else:
        extra = batch_series_findings([a.report for a in audits], aliases)
        if db is not None:
            from ..store.db import StoreError, open_db
            from ..store.reports import fill_reports, report_heads
            try:
                store, _ = open_db(db, read_only=True)
            except StoreError as e:
                err.print(f"[red]{escape(str(e))}[/red]")
                raise typer.Exit(2)
            todo = [a for a in audits if a.report.source not in extra]
            with store:
                years = sorted({a.report.year - 1 for a in todo if a.report.year})
                heads = report_heads(store, "year IN (SELECT unnest(?::INTEGER[]))", [years], current=True)
                index = PreviousIndex(heads.values(), aliases)
                pairs = [(a, last) for a in todo if (last := index.find(a.report)) is not None]
                rid_of = {id(r): rid for rid, r in heads.items()}
                fill_reports(store, {rid_of[id(last)]: last for _, last in pairs})
            for a, last in pairs:
                extra[a.report.source] = cross_year_findings(last, a.report, aliases)
    for a in audits:
        found = extra.get(a.report.source)
        if found:
            a.findings = sorted(a.findings + found, key=sort_key)


@app.command("check")
def check_cmd(
    files: list[Path] = typer.Argument(..., help="报告文件或目录（目录下的 txt/md/html/htm/docx/pdf/doc/wps 文件）"),
    as_json: bool = typer.Option(False, "--json", help="每份报告输出一行 JSON（JSON Lines）"),
    excel: Optional[Path] = typer.Option(None, "--excel", help="把审核结果写入 Excel 工作簿"),
    html: Optional[Path] = typer.Option(None, "--html", help="把审核结果写成一个可离线打开的网页"),
    no_info: bool = typer.Option(False, "--no-info", help="屏幕输出中不显示“提示”级别的发现"),
    timeout: float = TIMEOUT,
    max_memory_mb: int = MAX_MEMORY,
    workers: Optional[int] = WORKERS,
    prev: Optional[Path] = typer.Option(None, "--prev", help="同一单位上一年度的报告：核对两年数据的衔接与内容雷同"),
    db: Optional[Path] = typer.Option(None, "--db", help="在数据库（nianbao ingest）中查找各单位上一年度的报告"),
    alias_file: Optional[Path] = typer.Option(None, "--aliases", help="单位别名文件（每行一个单位，名称之间用 = 分隔）"),
) -> None:
    """审核年度报告：勾稽关系、取值、结构、标签、正文与表格、内容要点。"""
    screen = Console(stderr=as_json, highlight=False)
    err = Console(stderr=True, highlight=False)
    inputs = expand_inputs(files)
    if not inputs:
        err.print("[red]没有找到可审核的文件。[/red]")
        raise typer.Exit(2)
    audits: list[ReportAudit] = []
    failures: list[tuple[str, str]] = []
    keep = excel is not None or html is not None
    n_err = n_warn = n_info = n_reports = 0
    aliases = load_aliases(alias_file) if alias_file else None
    last_year = _previous_report(prev, err) if prev else None

    # Read and audit every file (guarded), keeping the outcomes in input order: the
    # cross-year findings of a batch need the unit's other years.
    progress = Progress(TextColumn("[progress.description]{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TimeRemainingColumn(), console=err, transient=True, disable=len(inputs) < 2)
    outcomes: list[Outcome] = []
    with progress:
        task = progress.add_task("审核中", total=len(inputs))
        for out in process_many(inputs, audit=True, limits=limits(len(inputs), timeout, max_memory_mb, workers)):
            progress.update(task, description=escape(f"审核 {Path(out.source).name[:30]}"), advance=1)
            outcomes.append(out)
    _add_series(outcomes, last_year, db, aliases, err)

    for out in outcomes:
        con = err if out.audit is None and len(inputs) == 1 else screen
        if out.audit is None:
            error = out.error or out.audit_error
            assert error is not None
            failures.append((out.source, error.message))
            if as_json:
                _emit(out.error_record() if out.error is not None
                      else {"source": out.source, "error": error.message, "error_code": str(error.code)})
            else:
                con.print(f"[red]无法读取[/red] {escape(out.source)}：{escape(error.message)}")
            continue
        a = out.audit
        n_reports += 1
        sm = a.summary
        n_err, n_warn, n_info = n_err + sm["errors"], n_warn + sm["warnings"], n_info + sm["info"]
        if as_json:
            _emit(a.to_dict())
        else:
            print_audit(con, a, verbose_info=not no_info)
        if keep:
            audits.append(a)

    write_failed = False
    for target, kind in ((excel, "excel"), (html, "html")):
        if target is None:
            continue
        try:
            if kind == "excel":
                from ..audit.export_excel import export_excel
                export_excel(audits, target, failures)
            else:
                from ..audit.export_html import export_html
                export_html(audits, target, failures)
            err.print(f"已写入 {escape(str(target))}")
        except OSError as e:
            write_failed = True
            err.print(f"[red]无法写入[/red] {escape(str(target))}：{escape(e.strerror or str(e))}")

    summary = (f"共审核 {n_reports} 份报告：错误 {n_err} 条，警告 {n_warn} 条，提示 {n_info} 条"
               + (f"；{len(failures)} 个文件无法读取" if failures else "") + "。")
    (err if as_json else screen).print(f"[bold]{summary}[/bold]")
    if failures or write_failed:
        raise typer.Exit(2)
    raise typer.Exit(1 if n_err else 0)
