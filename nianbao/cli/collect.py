"""``nianbao collect``: fetch reports from the units' websites (see docs/collect.md).

Thin: parses the options, shows a progress bar (stderr) and the Chinese summary
(stdout), and calls ``nianbao.collect``. Exit status 0 when every report link found was
saved (robots.txt skips are not failures), 2 when some URL could not be fetched, 1 for
unusable options (no URL, a store without units).
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ..collect.defaults import DEFAULT_BACKOFF, DEFAULT_MAX_BYTES, DEFAULT_MAX_PAGES, DEFAULT_RETRIES, DEFAULT_TIMEOUT
from .app import app

_EVENT_ZH = {"start": "开始", "list": "栏目页", "saved": "已保存", "skipped": "跳过", "failed": "失败",
             "robots": "robots 禁止", "done": "完成"}
URL_SHOWN = 70              # characters of the current URL shown beside the progress bar


@app.command("collect")
def collect_cmd(
    urls: Optional[list[str]] = typer.Argument(None, help="年报栏目网址或报告网址（可多个）"),
    out: Path = typer.Option(..., "--out", help="保存目录（报告文件和 manifest.jsonl）"),
    db: Optional[Path] = typer.Option(None, "--db", help="同时入库到此数据库，并写入采集清单表 collect_manifest"),
    delay: float = typer.Option(1.0, "--delay", min=0.0, help="同一网站两次请求之间的间隔（秒）"),
    max_pages: int = typer.Option(DEFAULT_MAX_PAGES, "--max-pages", min=1, help="每个栏目最多读取的列表页数"),
    since: Optional[int] = typer.Option(None, "--since", help="只抓取该年度及以后的报告（如 2021）"),
    refresh: bool = typer.Option(False, "--refresh", help="复查已保存的报告，有更新时另存为新版本"),
    from_units: bool = typer.Option(False, "--from-units", help="从 --db 数据库的单位表读取年报栏目网址"),
    timeout: float = typer.Option(DEFAULT_TIMEOUT, "--timeout", min=0.05, help="等待服务器响应的超时（秒）"),
    retries: int = typer.Option(DEFAULT_RETRIES, "--retries", min=0, help="服务器错误或超时后的重试次数"),
    backoff: float = typer.Option(DEFAULT_BACKOFF, "--backoff", min=0.0, help="第一次重试前等待的秒数（之后逐次加倍）"),
    max_size: float = typer.Option(DEFAULT_MAX_BYTES / 1024 / 1024, "--max-size", min=0.01,
                                   help="单个文件的大小上限（MB）"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="不显示进度条"),
) -> None:
    """从政府网站的政府信息公开年报栏目采集年度报告（遵守 robots.txt，可中断续采）。"""
    err = Console(stderr=True)
    con = Console()
    starts: list[str | tuple[str, str | None]] = list(urls or [])
    if from_units:
        if db is None:
            err.print("[red]--from-units 需要同时用 --db 指定数据库[/red]")
            raise typer.Exit(1)
        from ..collect.store import StoreSideError, units_start_urls
        try:
            starts.extend(units_start_urls(db))
        except StoreSideError as e:
            err.print(f"[red]{e}[/red]")
            raise typer.Exit(1)
    if not starts:
        err.print("[red]请给出至少一个年报栏目网址或报告网址（或使用 --from-units）[/red]")
        raise typer.Exit(1)
    from ..collect import CollectOptions, FetchConfig, collect   # the HTTP client, only when collecting
    fetch = FetchConfig(delay=delay, timeout=timeout, retries=retries, backoff=backoff,
                        max_bytes=int(max_size * 1024 * 1024))
    options = CollectOptions(out_dir=out, delay=delay, max_pages=max_pages, since=since, refresh=refresh, fetch=fetch)

    progress = Progress(TextColumn("[bold]采集[/bold]"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                        TextColumn("{task.description}"), console=err, disable=quiet, transient=False)
    task = progress.add_task("", total=None)

    def on_progress(event: str, url: str, done: int, total: int) -> None:
        shown = url if len(url) <= URL_SHOWN else "…" + url[-URL_SHOWN:]
        progress.update(task, completed=done, total=total,
                        description=f"{_EVENT_ZH.get(event, event)} {shown}" if url else "")

    try:
        with progress:
            result = collect(starts, options, progress=on_progress)
    except KeyboardInterrupt:
        err.print("已中断：已保存的文件和清单都已保留，再次运行同一命令即可从中断处继续")
        raise typer.Exit(130)
    if db is not None:
        from ..collect.manifest import Manifest
        from ..collect.store import StoreSideError, ingest_saved, store_manifest
        manifest = Manifest(out)
        try:
            result.ingest_summary = ingest_saved(manifest, db)
            n = store_manifest(manifest, db)
            result.ingest_summary += f"；采集清单 {n} 行已写入 collect_manifest"
        except StoreSideError as e:
            err.print(f"[red]{e}[/red]")
            result.failures.append((str(db), str(e)))
    for line in result.summary_zh():
        con.print(line, markup=False, highlight=False, soft_wrap=True)
    con.print(f"清单：{Path(out) / 'manifest.jsonl'}", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(result.exit_code)
