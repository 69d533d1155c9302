"""``nianbao web``: run the web front end (``nianbao.web``) with uvicorn.

Thin: checks that the ``web`` extra is installed, builds the app and serves it; by default
on 127.0.0.1 only (use ``--host 0.0.0.0`` deliberately, behind a reverse proxy).
"""
from __future__ import annotations

import typer
from rich.console import Console

from .app import app

err = Console(stderr=True, highlight=False)


@app.command("web")
def web_cmd(
    host: str = typer.Option("127.0.0.1", "--host", help="监听地址（默认只允许本机访问）"),
    port: int = typer.Option(8000, "--port", help="监听端口"),
    max_file_mb: int = typer.Option(50, "--max-file-mb", help="单个上传文件的大小上限（MB）"),
    max_files: int = typer.Option(200, "--max-files", help="每次请求最多上传的文件数"),
    workers: int = typer.Option(2, "--workers", help="同时处理的文件数（线程）"),
) -> None:
    """启动网页服务：上传报告审核、下载填报模板、编写报告，以及 JSON 接口。"""
    try:
        import uvicorn

        from ..web.app import WebConfig, create_app
    except ModuleNotFoundError as e:
        err.print(f"[red]错误：[/red]网页服务需要安装可选依赖：pip install 'nianbao[web]'（缺少 {e.name}）")
        raise typer.Exit(1)
    cfg = WebConfig(max_file_bytes=max_file_mb * 1024 * 1024, max_files=max_files, workers=max(1, workers))
    err.print(f"网页服务：http://{host}:{port}/  （按 Ctrl+C 停止）")
    uvicorn.run(create_app(cfg), host=host, port=port, log_level="info")
