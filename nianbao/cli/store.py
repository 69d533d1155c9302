"""``nianbao ingest`` / ``nianbao analyze …`` / ``nianbao export``: the embedded store.

- ``ingest FILES|DIRS --db nianbao.duckdb [--workers N] [--dask [ADDRESS]]``: read, audit
  and store reports (a progress bar, unreadable files listed and recorded, a summary
  line). Exit status 2 when a file could not be read (it is recorded in ``errors``).
- ``analyze cross-year|rollup|duplication|coverage|indicators --db … [--out F.xlsx|.csv|.parquet]``:
  a cross-report analysis as a table in the terminal (first ``--limit`` rows) and,
  with ``--out``, the full result in a file.
- ``export --db … --to DIR --format parquet|csv|xlsx``: every table of the database.
"""
from __future__ import annotations

import math
import re
import time
from pathlib import Path
from typing import Any, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                           TimeRemainingColumn)
from rich.table import Table
from typer.core import TyperCommand

from .app import app
from .options import MAX_MEMORY, TIMEOUT, WORKERS, limits

DEFAULT_DB = Path("nianbao.duckdb")
_ADDRESS = re.compile(r"^(local|[a-z]+://\S+|[\w.\-]+:\d{2,5})$")


class _IngestCommand(TyperCommand):
    """``--dask`` takes an optional value: ``--dask`` alone (or followed by a file, a
    directory or another option) means a local cluster."""

    def parse_args(self, ctx, args):
        args = list(args)
        for i, a in enumerate(args):
            if a == "--dask":
                nxt = args[i + 1] if i + 1 < len(args) else None
                if nxt is None or not _ADDRESS.match(nxt):
                    args.insert(i + 1, "local")
                break
        return super().parse_args(ctx, args)


def _err() -> Console:
    return Console(stderr=True, highlight=False)


# ---------------------------------------------------------------------------
# ingest

@app.command("ingest", cls=_IngestCommand)
def ingest_cmd(
    files: list[Path] = typer.Argument(..., help="报告文件或目录（目录下的 txt/md/html/docx/pdf/doc/wps 等文件）"),
    db: Path = typer.Option(DEFAULT_DB, "--db", help="DuckDB 数据库文件（不存在时新建）"),
    workers: Optional[int] = WORKERS,
    timeout: float = TIMEOUT,
    max_memory_mb: int = MAX_MEMORY,
    dask: Optional[str] = typer.Option(None, "--dask", metavar="[ADDRESS]",
                                       help="用 dask 分布式计算：不带地址时启动本机集群，或给出调度器地址 tcp://主机:8786"),
    skip_existing: bool = typer.Option(True, "--skip-existing", hidden=True, help="（默认）跳过库中已有的相同文件"),
    force: bool = typer.Option(False, "--force", help="库中已有相同内容（SHA256）的文件也重新读取、审核并替换"),
    replace_source: bool = typer.Option(False, "--replace-source", help="同一路径的文件内容变化时，删除该路径的旧报告"),
    no_audit: bool = typer.Option(False, "--no-audit", help="只提取、不审核"),
    batch_size: int = typer.Option(500, "--batch-size", min=1, help="每个事务写入的文件数"),
) -> None:
    """读取并审核年度报告，写入数据库（内容已入库的文件按 SHA256 跳过，--force 重新导入）。"""
    from ..files import expand_inputs
    from ..store import StoreError, ingest, ingest_dask
    err = _err()
    n = len(expand_inputs(files))
    if n == 0:
        err.print("[red]没有找到可入库的文件。[/red]")
        raise typer.Exit(2)
    progress = Progress(TextColumn("[progress.description]{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), TimeRemainingColumn(), console=err, transient=True, disable=n < 2,
                        auto_refresh=False)
    last = [0.0]

    with progress:
        task = progress.add_task("入库中", total=n)

        def on_item(done: int, total: int, source: str, ok: bool) -> None:
            progress.update(task, completed=done, total=total, description=escape(f"入库 {Path(source).name[:30]}"))
            now = time.monotonic()
            if now - last[0] >= 0.1 or done == total:
                last[0] = now
                progress.refresh()

        kw: dict[str, Any] = dict(audit=not no_audit, skip_existing=skip_existing and not force, replace_source=replace_source,
                  batch_size=batch_size, progress=on_item)
        try:
            if dask is not None:
                addr = None if dask == "local" else dask
                res = ingest_dask(files, db, addr, n_workers=max(workers or 2, 2), timeout=timeout, **kw)
            else:
                res = ingest(files, db, limits=limits(n, timeout, max_memory_mb, workers), **kw)
        except StoreError as e:
            err.print(f"[red]{escape(str(e))}[/red]")
            raise typer.Exit(2)
    for src, msg in res.failures:
        err.print(f"[red]无法读取[/red] {escape(src)}：{escape(msg)}")
    err.print(escape(res.summary_zh()) + f"。数据库：{escape(str(db))}")
    if res.failures:
        raise typer.Exit(2)


# ---------------------------------------------------------------------------
# analyze

analyze_app = typer.Typer(help="跨报告分析：跨年度结转核对、汇总核对、内容雷同、覆盖情况、指标。",
                          no_args_is_help=True)
app.add_typer(analyze_app, name="analyze")

_DB_OPT = typer.Option(DEFAULT_DB, "--db", help="DuckDB 数据库文件（nianbao ingest 生成）")
_OUT_OPT = typer.Option(None, "--out", "-o", help="把完整结果写入文件（.xlsx / .csv / .parquet）")
_LIMIT_OPT = typer.Option(30, "--limit", help="终端中最多显示的行数（0 表示全部）")


def _cell(v, col: str) -> str:
    if v is None:
        return "—"
    try:
        if v is __import__("pandas").NA or (isinstance(v, float) and math.isnan(v)):
            return "—"
    except TypeError:
        pass
    if isinstance(v, bool):
        return "是" if v else "否"
    if col.endswith("_rate") or col == "similarity":
        return f"{float(v) * 100:.1f}%"
    if isinstance(v, float):
        if v.is_integer():
            return str(int(v))
        return (f"{v:.2f}" if abs(v) >= 100 else f"{v:.4f}").rstrip("0").rstrip(".")
    if hasattr(v, "item"):
        return _cell(v.item(), col)
    return str(v)


_STATUS_STYLE = {"mismatch": "bold red", "incomplete": "yellow", "not-assessable": "dim", "ok": "green",
                 "missing": "bold red", "unreadable": "red", "unidentified": "yellow", "present": "green"}


def _show(df, columns: list[str], title: str, limit: int) -> None:
    from ..store.labels import STATUS_ZH, zh
    con = Console(highlight=False)
    if df.empty:
        con.print(f"[bold]{escape(title)}[/bold]：没有结果。")
        return
    cols = [c for c in columns if c in df.columns]
    t = Table(title=title, show_lines=False, header_style="bold")
    shown = df if not limit else df.head(limit)
    numeric = {c: df[c].dtype.kind in "if" or c.endswith("_rate") or c == "similarity" for c in cols}
    widths = {c: min(max([len(_cell(v, c)) for v in shown[c]] + [4]), 14) for c in cols if numeric[c]}
    # keep numbers on one line when they all fit beside a few characters of each text column
    fit = sum(widths.values()) + 6 * (len(cols) - len(widths)) + 3 * len(cols) + 1 <= con.width
    for c in cols:
        t.add_column(zh(c), overflow="fold", min_width=widths.get(c) if fit else None,
                     justify="right" if numeric[c] else "left")
    for row in shown[cols].itertuples(index=False):
        vals = []
        for c, v in zip(cols, row):
            s = escape(_cell(v, c))
            if c == "status":
                s = f"[{_STATUS_STYLE.get(v, '')}]{escape(STATUS_ZH.get(v, str(v)))}[/]"
            vals.append(s)
        t.add_row(*vals)
    con.print(t)
    if limit and len(df) > limit:
        con.print(f"[dim]（仅显示前 {limit} 行，共 {len(df)} 行；用 --out 保存完整结果，或 --limit 0 显示全部）[/dim]")


def _save(df, out: Optional[Path], sheet: str, extra=None) -> None:
    if out is None:
        return
    from ..store.export import ExportError, write_frame
    try:
        write_frame(df, out, sheet=sheet, extra=extra)
    except (ExportError, OSError) as e:
        _err().print(f"[red]无法写入 {escape(str(out))}：{escape(str(e))}[/red]")
        raise typer.Exit(2)
    _err().print(f"已写入 {escape(str(out))}（{len(df)} 行）")


def _run(fn, *a, **kw):
    from ..store import StoreError
    try:
        return fn(*a, **kw)
    except (StoreError, FileNotFoundError, ValueError) as e:
        _err().print(f"[red]{escape(str(e))}[/red]")
        raise typer.Exit(2)


@analyze_app.command("cross-year")
def cross_year_cmd(db: Path = _DB_OPT, out: Optional[Path] = _OUT_OPT, limit: int = _LIMIT_OPT,
                   show_all: bool = typer.Option(False, "--all", help="终端中也显示一致的项"),
                   tolerance: float = typer.Option(0.0, "--tolerance", help="允许的差额")) -> None:
    """跨年度核对：本年“上年结转”应等于上一年度报告的“结转下年度继续办理”（逐列）。"""
    from ..store.analysis import cross_year
    from ..store.labels import TABLE_ZH
    df = _run(cross_year, db, tolerance=tolerance)
    shown = df if show_all else df[df["status"] != "ok"]
    order = {"mismatch": 0, "not-assessable": 1, "ok": 2}
    shown = shown.sort_values(["status", "agency_norm", "year"], key=lambda s: s.map(order) if s.name == "status" else s)
    _show(shown, ["agency", "prev_year", "year", "col_label", "carry_forward_prev", "carried_over", "diff", "status"],
          "跨年度结转核对（X1）", limit)
    pairs = df.drop_duplicates(["agency_norm", "year"]) if not df.empty else df
    Console(highlight=False).print(
        f"共 {len(pairs)} 组相邻年度报告（{df['agency_norm'].nunique() if not df.empty else 0} 个机关）："
        f"不一致 {int((df['status'] == 'mismatch').sum())} 项，无法核对 {int((df['status'] == 'not-assessable').sum())} 项，"
        f"一致 {int((df['status'] == 'ok').sum())} 项。")
    _save(df, out, TABLE_ZH["cross_year"])


@analyze_app.command("rollup")
def rollup_cmd(db: Path = _DB_OPT, out: Optional[Path] = _OUT_OPT, limit: int = _LIMIT_OPT,
               members: Optional[Path] = typer.Option(None, "--members", help="成员名单 CSV/Excel：汇总机关,成员机关"),
               parent: Optional[str] = typer.Option(None, "--parent", help="只核对这个汇总机关"),
               member: Optional[list[str]] = typer.Option(None, "--member", help="成员机关（可重复；与 --parent 一起用）"),
               year: Optional[int] = typer.Option(None, "--year", help="只核对这一年度"),
               show_all: bool = typer.Option(False, "--all", help="终端中也显示一致的项")) -> None:
    """汇总核对：本行政区域报告的各项数据应等于成员单位报告之和（逐单元格）。"""
    from ..store.analysis import rollup
    from ..store.labels import TABLE_ZH
    if members is None and not member:
        _err().print("[red]请用 --members 指定成员名单文件，或用 --parent 与 --member 指定机关。[/red]")
        raise typer.Exit(2)
    df = _run(rollup, db, parent_agency=parent, year=year, members=member or None,
              membership=members if not member else None)
    shown = df if show_all else df[df["status"] != "ok"]
    _show(shown, ["parent", "year", "row_label", "column_label_std", "parent_value", "members_sum", "diff", "status"],
          "汇总核对（X2）", limit)
    Console(highlight=False).print(
        f"共核对 {df[['parent', 'year']].drop_duplicates().shape[0] if not df.empty else 0} 份汇总报告、{len(df)} 个单元格："
        f"不一致 {int((df['status'] == 'mismatch').sum())}，成员数据不全 {int((df['status'] == 'incomplete').sum())}，"
        f"无法核对 {int((df['status'] == 'not-assessable').sum())}。")
    miss = df.attrs.get("members_without_report") or []
    if miss:
        Console(highlight=False).print("[yellow]没有报告的成员：[/yellow]" + escape("；".join(
            f"{m['parent']} {m['year']}年：{m['member']}" for m in miss[:20])) + ("……" if len(miss) > 20 else ""))
    _save(df, out, TABLE_ZH["rollup"])


@analyze_app.command("duplication")
def duplication_cmd(db: Path = _DB_OPT, out: Optional[Path] = _OUT_OPT, limit: int = _LIMIT_OPT,
                    threshold: float = typer.Option(0.9, "--threshold", min=0.5, max=1.0, help="相似度阈值（0.5–1）"),
                    min_chars: int = typer.Option(100, "--min-chars", help="短于此字数的章节不比较"),
                    scope: str = typer.Option("all", "--scope", help="all | prev（本机关上一年度） | peer（同年度其他机关）")) -> None:
    """内容雷同：总体情况、存在的主要问题、其他事项三节与本机关上一年度、同年度其他机关的相似度。"""
    from ..store.analysis import duplication
    from ..store.labels import TABLE_ZH
    scopes = {"all": ("prev_year", "peer"), "prev": ("prev_year",), "peer": ("peer",)}.get(scope)
    if scopes is None:
        _err().print("[red]--scope 只能是 all、prev 或 peer。[/red]")
        raise typer.Exit(2)
    df = _run(duplication, db, threshold=threshold, min_chars=min_chars, scopes=scopes)
    _show(df, ["section_title", "scope_zh", "agency_a", "year_a", "agency_b", "year_b", "similarity"],
          f"内容雷同（X3，相似度 ≥ {threshold:.0%}）", limit)
    n_prev = int((df["scope"] == "prev_year").sum()) if not df.empty else 0
    Console(highlight=False).print(f"发现 {len(df)} 对相似章节：与本机关上一年度 {n_prev} 对，与同年度其他机关 {len(df) - n_prev} 对。")
    _save(df, out, TABLE_ZH["duplication"])


def _read_list(path: Path) -> list[str]:
    from ..readers.encoding import decode
    text, _ = decode(path.read_bytes())
    out = []
    for line in text.splitlines():
        name = re.split(r"[,\t，]", line, maxsplit=1)[0].strip()
        if name and name not in ("机关", "agency", "名称", "单位"):
            out.append(name)
    return out


def _years(spec: Optional[str]) -> Optional[list[int]]:
    if not spec:
        return None
    out: list[int] = []
    for part in re.split(r"[,，\s]+", spec.strip()):
        m = re.fullmatch(r"(\d{4})(?:[-–~](\d{4}))?", part)
        if not m:
            raise ValueError(f"年度写法不正确：{part}（例：2021-2024 或 2022,2023）")
        a, b = int(m.group(1)), int(m.group(2) or m.group(1))
        out.extend(range(min(a, b), max(a, b) + 1))
    return out


@analyze_app.command("coverage")
def coverage_cmd(db: Path = _DB_OPT, out: Optional[Path] = _OUT_OPT, limit: int = _LIMIT_OPT,
                 expected: Optional[Path] = typer.Option(None, "--expected", help="应报机关名单（每行一个，或 CSV 第一列）"),
                 years: Optional[str] = typer.Option(None, "--years", help="年度范围，例：2021-2024"),
                 show_all: bool = typer.Option(False, "--all", help="终端中也显示已入库的项")) -> None:
    """覆盖情况：哪些机关、年度的报告已入库、缺失、无法读取或未识别。"""
    from ..store.analysis import coverage
    from ..store.labels import TABLE_ZH
    try:
        names = _read_list(expected) if expected else None
        ys = _years(years)
    except (OSError, ValueError) as e:
        _err().print(f"[red]{escape(str(e))}[/red]")
        raise typer.Exit(2)
    df = _run(coverage, db, names, ys)
    shown = df if show_all else df[df["status"] != "present"]
    _show(shown, ["agency", "year", "status", "n_versions", "source", "closest", "message"], "覆盖情况", limit)
    c = df["status"].value_counts()
    Console(highlight=False).print(
        f"已入库 {int(c.get('present', 0))} 项，缺失 {int(c.get('missing', 0))} 项，无法读取 {int(c.get('unreadable', 0))} 个文件，"
        f"未识别机关或年度 {int(c.get('unidentified', 0))} 份。")
    _save(df, out, TABLE_ZH["coverage"])


@analyze_app.command("indicators")
def indicators_cmd(db: Path = _DB_OPT, out: Optional[Path] = _OUT_OPT, limit: int = _LIMIT_OPT,
                   by_year: bool = typer.Option(False, "--by-year", help="按年度汇总（终端显示；--out 为 Excel 时两张表都写）")) -> None:
    """指标：申请量、予以公开率、不予公开率、无法提供率、复议诉讼及纠正率、收费金额、审核发现数。"""
    from ..store.analysis import indicators
    from ..store.labels import TABLE_ZH
    per_report = _run(indicators, db, by="report")
    per_year = _run(indicators, db, by="year")
    if by_year:
        _show(per_year, ["year", "n_reports", "requests_new", "results_total", "granted_rate", "withheld_rate",
                         "unavailable_rate", "review_total", "suit_total", "corrected_rate", "fee_amount", "n_errors"],
              "指标（按年度）", limit)
    else:
        _show(per_report, ["agency", "year", "requests_new", "results_total", "granted_rate", "withheld_rate",
                           "unavailable_rate", "review_total", "suit_total", "corrected_rate", "fee_amount",
                           "n_errors", "n_warnings"], "指标（按报告）", limit)
    Console(highlight=False).print(f"共 {len(per_report)} 份报告，{len(per_year)} 个年度。")
    if out is not None:
        if out.suffix.lower() == ".xlsx":
            main, extra = (per_year, {TABLE_ZH["indicators"]: per_report}) if by_year else \
                (per_report, {TABLE_ZH["indicators_year"]: per_year})
            _save(main, out, TABLE_ZH["indicators_year" if by_year else "indicators"], extra)
        else:
            _save(per_year if by_year else per_report, out, "")


# ---------------------------------------------------------------------------
# export

@app.command("export")
def export_cmd(db: Path = _DB_OPT,
               to: Path = typer.Option(..., "--to", help="输出目录"),
               fmt: str = typer.Option("parquet", "--format", "-f", help="parquet | csv | xlsx")) -> None:
    """导出数据库的全部表：Parquet（每表一个文件）、CSV（每表一个文件）或 Excel 工作簿。"""
    from ..store import StoreError
    from ..store.export import ExportError, export
    try:
        files = export(db, to, fmt)
    except (StoreError, ExportError, OSError) as e:
        _err().print(f"[red]{escape(str(e))}[/red]")
        raise typer.Exit(2)
    _err().print(f"已导出 {len(files)} 个文件到 {escape(str(to))}：" + "、".join(escape(f.name) for f in files))
