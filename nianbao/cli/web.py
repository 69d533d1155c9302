"""``nianbao web``: run the review-season workspace (``nianbao.web``) with uvicorn.

Thin: checks that the ``web`` extra is installed, opens the store (``--db``, by default
``nianbao.duckdb`` in the working folder: the same file ``nianbao ingest --db`` writes),
builds the app and serves it. By default on 127.0.0.1 only; any other address requires a
password (``--password`` or the environment variable ``NIANBAO_WEB_PASSWORD``), and the
names the server is reached by must be listed with ``--allow-host`` (Host header check).
"""
from __future__ import annotations

import ipaddress
import os

import typer
from rich.console import Console

from .app import app

err = Console(stderr=True, highlight=False)
PASSWORD_ENV = "NIANBAO_WEB_PASSWORD"
DEFAULT_DB = "nianbao.duckdb"


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@app.command("web")
def web_cmd(
    db: str = typer.Option(DEFAULT_DB, "--db", help="数据库文件（与 nianbao ingest --db 相同；默认当前文件夹的 nianbao.duckdb）"),
    host: str = typer.Option("127.0.0.1", "--host", help="监听地址（默认只允许本机访问）"),
    port: int = typer.Option(8000, "--port", help="监听端口"),
    password: str = typer.Option("", "--password", help=f"访问密码（监听本机以外的地址时必须设置；也可用环境变量 {PASSWORD_ENV}）"),
    allow_host: list[str] = typer.Option([], "--allow-host", help="允许的访问主机名（可多次给出；本机地址总是允许）"),
    max_file_mb: int = typer.Option(50, "--max-file-mb", help="单个上传文件的大小上限（MB）"),
    max_files: int = typer.Option(200, "--max-files", help="每次请求最多上传的文件数"),
    workers: int = typer.Option(2, "--workers", help="同时处理的文件数（线程）"),
) -> None:
    """启动年报审核工作台：上传与审核报告、逐条确认、各单位年报状态、整改通知、编写报告，以及 JSON 接口。"""
    try:
        import uvicorn

        from ..store.db import StoreError
        from ..web.app import WebConfig, create_app
        from ..web.security import LOOPBACK_HOSTS
    except ModuleNotFoundError as e:
        err.print(f"[red]错误：[/red]网页服务需要安装可选依赖：pip install 'nianbao[web]'（缺少 {e.name}）")
        raise typer.Exit(1)
    secret = password or os.environ.get(PASSWORD_ENV, "")
    if not is_loopback(host) and not secret:
        err.print(f"[red]错误：[/red]监听 {host} 会让其他电脑访问本服务，必须设置访问密码："
                  f"--password 密码，或环境变量 {PASSWORD_ENV}。")
        raise typer.Exit(2)
    hosts = tuple(LOOPBACK_HOSTS) + tuple(allow_host) + (() if is_loopback(host) or host in ("0.0.0.0", "::") else (host,))
    cfg = WebConfig(max_file_bytes=max_file_mb * 1024 * 1024, max_files=max_files, workers=max(1, workers), db=db,
                    hosts=hosts, password=secret or None)
    try:
        application = create_app(cfg)
    except StoreError as e:
        err.print(f"[red]错误：[/red]{e}")
        raise typer.Exit(1)
    err.print(f"年报审核工作台：http://{host}:{port}/  数据库：{db}  （按 Ctrl+C 停止）")
    if secret:
        err.print("已启用访问密码（浏览器会提示输入，用户名任意）。")
    uvicorn.run(application, host=host, port=port, log_level="warning")
