"""The FastAPI application: ``create_app()``.

Owns the routes of the web front end, a thin layer over the library (like the CLI):

- pages: ``GET /`` 首页（上传、单位名单、模板）; ``GET /api`` 接口说明; ``POST /check``
  (upload → stored → 303 to the batch page) and ``GET /results/{id}`` (the batch, paginated;
  ``.xlsx`` / ``.json``); ``GET /season/{year}`` (the units tree with each unit's state,
  counts per 上级单位, filters; ``.xlsx``); ``GET /reports/{report_id}`` (the three tables in
  the official layout with finding cells highlighted, findings with 确认 / 排除 buttons,
  reading problems in their own list) and its forms ``POST /reports/{id}/review`` and
  ``POST /reports/{id}/unit``; ``POST /units`` (import the units list);
- the JSON API (docs/web.md): ``POST|GET /api/reports``, ``GET /api/reports/{id}``,
  ``POST /api/reports/{id}/unit``, ``POST /api/findings/{fingerprint}/review``,
  ``POST|GET /api/units``, ``GET /api/units/{unit_id}/notice.docx``; the stateless
  ``POST /api/extract`` / ``POST /api/check``; ``GET /api/health``;
- ``GET /template.xlsx`` / ``GET /template.yaml`` (``compose.template_writer``; query text
  always written as text, never as a formula); ``POST /compose``.

State lives in the store (``web.workspace``: ``WebConfig.db``, in memory unless given), so a
restart on the same database file shows the same reports, reviews and states. Uploaded files
are read, extracted and audited in the guarded worker pool (``nianbao.guard.WorkerPool``);
every per-file failure becomes a Chinese message and the batch goes on. Store work and
rendering run in worker threads (at most ``workers`` at once). Cross-site state-changing
requests are refused (``security.SameOrigin``); workspace pages are ``Cache-Control: no-store``.
Swagger UI / ReDoc are off (they load scripts from a CDN); ``/openapi.json`` stays.
"""
from __future__ import annotations

import asyncio
import datetime as _dt
import functools
import json
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Awaitable, Callable
from urllib.parse import quote, unquote

import anyio
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import __version__
from ..audit.finding import SEVERITY_RANK
from ..core import Outcome, process_job
from ..guard import Limits
from ..jsonio import to_json
from ..store.db import StoreError
from ..store.review import REVIEW_STATUSES, STATES, ReviewError, season_tree
from ..store.units import UnitsError
from .batch import UNNAMED, mb, safe_filename, upload_error
from .jobs import Job, Jobs, Pools
from .security import (CSP_WITH_SCRIPTS, LOOPBACK_HOSTS, BodyLimit, HostCheck, PasswordGate, SameOrigin, SecurityHeaders,
                       content_disposition)
from .workspace import (STATE_CLASS, Workspace, batch_xlsx, finding_view, season_xlsx, table_xlsx, tables_html,
                        where_zh)

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"          # the dashboard's scripts (ECharts vendored from npm)
ACCEPTED = ".txt .md .html .htm .docx .pdf .doc .wps"
MEDIA = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "html": "text/html; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "yaml": "application/yaml; charset=utf-8",
    "json": "application/json; charset=utf-8",
    "zip": "application/zip",
}
FMT_ZH = {"docx": "Word（.docx）", "html": "网页（.html）", "md": "Markdown（.md）"}
NO_STORE = {"Cache-Control": "no-store"}
REVIEWER_COOKIE = "nb_reviewer"
_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_FORMULA_START = ("=", "+", "-", "@")
JOB_REFRESH_S = 2               # the progress page reloads itself (a meta refresh: the pages have no scripts)
MAX_FORM_FIELDS = 1000          # a bulk review sends one field per checked finding
SORTS = {"": "名单顺序", "state": "状态", "errors": "错误多的在前", "date": "发布日期"}


@dataclass
class WebConfig:
    max_file_bytes: int = 50 * 1024 * 1024     # one uploaded file
    max_files: int = 200                       # files in one request
    max_body_bytes: int = 1024 * 1024 * 1024   # one request body in all
    workers: int = 2                           # CPU-bound jobs at once (threads; guarded worker processes)
    timeout: float = Limits().timeout          # per file, in the guarded workers
    max_memory_mb: int | None = Limits().max_memory_mb
    db: str = ":memory:"                       # the store (a DuckDB file keeps everything across restarts)
    page_size: int = 50                        # files per page of a batch
    hosts: tuple[str, ...] = LOOPBACK_HOSTS    # names the server is reached by (Host header check)
    password: str | None = None                # required beyond loopback (HTTP Basic, any user name)


class WebError(Exception):
    """A request that cannot be served; ``message`` is Chinese."""

    def __init__(self, message: str, status: int = 400, title: str = "无法处理请求"):
        super().__init__(message)
        self.message, self.status, self.title = message, status, title


def _multipart(field: str, many: bool, extra: dict | None = None) -> dict:
    """OpenAPI description of a multipart body (the routes parse the form themselves)."""
    fp: dict[str, Any] = {"type": "string", "format": "binary"}
    props: dict[str, Any] = {field: {"type": "array", "items": fp} if many else fp, **(extra or {})}
    return {"requestBody": {"required": True, "content": {"multipart/form-data": {
        "schema": {"type": "object", "properties": props, "required": [field]}}}}}


def _dumps(obj: Any) -> bytes:
    return to_json(obj).encode("utf-8")


def _is_notice(path: str) -> bool:
    """GETs that record a notice's sending."""
    return (path.startswith("/api/units/") and path.endswith("/notice.docx")) or path.endswith("/notices.zip")


def _text_cells(data: bytes, text: str) -> bytes:
    """The workbook with every formula cell whose formula is ``text`` (a query parameter the
    template writer put in a cell) turned back into text."""
    import io

    from openpyxl import load_workbook
    wb = load_workbook(io.BytesIO(data))
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.data_type == "f" and c.value == text:
                    c.data_type = "s"
                    c.quotePrefix = True
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def create_app(config: WebConfig | None = None) -> FastAPI:
    cfg = config or WebConfig()
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(default=True, default_for_string=True))
    limiter: list[anyio.CapacityLimiter] = []       # store work and rendering
    readers: list[anyio.CapacityLimiter] = []       # files in the guarded workers
    ws = Workspace(cfg.db)            # StoreError (Chinese) when the database cannot be opened
    jobs = Jobs()
    running: set[asyncio.Task] = set()

    app = FastAPI(title="nianbao 政府信息公开工作年度报告 读取·审核·编写 接口", version=__version__,
                  description="上传年度报告文件，读取三张表的单元格、审核勾稽关系与格式，逐条确认审核发现，"
                              "查看各单位的年报状态并生成整改通知，或由模板编写报告。",
                  docs_url=None, redoc_url=None, openapi_url="/openapi.json")
    # Every uploaded file is read in guarded worker processes (time and memory limits), one
    # pool per worker so a slow file holds only its own; they end with the app.
    pools = Pools(process_job(audit=True), Limits(timeout=cfg.timeout, max_memory_mb=cfg.max_memory_mb), cfg.workers)
    app.state.config, app.state.pools, app.state.workspace, app.state.jobs = cfg, pools, ws, jobs
    app.router.on_shutdown.append(pools.close)
    app.router.on_shutdown.append(ws.close)
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    app.add_middleware(BodyLimit, limit=cfg.max_body_bytes)
    app.add_middleware(SameOrigin, recording=[_is_notice])
    if cfg.password:
        app.add_middleware(PasswordGate, password=cfg.password)
    app.add_middleware(HostCheck, allowed=cfg.hosts)
    app.add_middleware(SecurityHeaders)
    env.globals.update(state_class=STATE_CLASS, states=STATES)

    # ------------------------------------------------------------------ helpers

    def page(name: str, status: int = 200, headers: dict[str, str] | None = None, **ctx: Any) -> HTMLResponse:
        ctx.setdefault("version", __version__)
        ctx.setdefault("max_file", mb(cfg.max_file_bytes))
        ctx.setdefault("max_files", cfg.max_files)
        return HTMLResponse(env.get_template(name).render(**ctx), status_code=status, headers=headers)

    def message(title: str, status: int, lead: str = "", items: list[str] | None = None, **ctx: Any) -> HTMLResponse:
        return page("message.html", status, title=title, lead=lead, items=items or [], **ctx)

    def json_response(obj: Any, status: int = 200, filename: str | None = None, fallback: str | None = None,
                      no_store: bool = False, extra: dict[str, str] | None = None) -> Response:
        headers = {"Content-Disposition": content_disposition(filename, fallback)} if filename else {}
        if no_store:
            headers.update(NO_STORE)
        headers.update(extra or {})
        return Response(_dumps(obj), status_code=status, media_type="application/json", headers=headers)

    def download(data: bytes, filename: str, kind: str, fallback: str, headers: dict[str, str] | None = None) -> Response:
        return Response(data, media_type=MEDIA[kind],
                        headers={"Content-Disposition": content_disposition(filename, fallback), **(headers or {})})

    async def in_thread(fn: Callable, *args: Any, **kw: Any) -> Any:
        if not limiter:
            limiter.append(anyio.CapacityLimiter(cfg.workers))
        return await anyio.to_thread.run_sync(functools.partial(fn, *args, **kw), limiter=limiter[0])

    async def form_of(request: Request, max_files: int):
        ctype = request.headers.get("content-type", "")
        if not ctype.startswith("multipart/form-data"):
            raise WebError("请以 multipart/form-data 方式上传文件（网页表单或 curl -F）。", 415, "请求格式不正确")
        try:
            return await request.form(max_files=max_files, max_fields=100)
        except StarletteHTTPException as e:
            detail = str(e.detail)
            if "Too many files" in detail:
                raise WebError(f"一次最多上传 {max_files} 个文件，请分批上传。", 413, "文件过多") from None
            if "Too many fields" in detail:
                raise WebError("表单字段过多。", 400, "请求格式不正确") from None
            raise WebError(f"无法解析上传的表单（{detail[:200]}）。", 400, "请求格式不正确") from None

    async def read_upload(f: UploadFile) -> tuple[str, bytes | None, str | None]:
        name = safe_filename(f.filename)
        if f.size is not None and f.size > cfg.max_file_bytes:
            return name, None, f"文件过大（{mb(f.size)}，上限 {mb(cfg.max_file_bytes)}）：{name}"
        data = await f.read(cfg.max_file_bytes + 1)
        if len(data) > cfg.max_file_bytes:
            return name, None, f"文件过大（超过上限 {mb(cfg.max_file_bytes)}）：{name}"
        return name, data, None

    async def received(request: Request) -> list[tuple[str, bytes | None, str | None]]:
        """The uploaded files of field ``files``: (name, bytes or None, reason refused)."""
        form = await form_of(request, cfg.max_files)
        try:
            files = [f for f in form.getlist("files") if isinstance(f, UploadFile)]
            files = [f for f in files if f.filename or (f.size or 0) > 0]   # an empty <input type=file> sends one blank part
            if not files:
                raise WebError(f"请至少选择一个报告文件（支持 {ACCEPTED}），表单字段名为 files。", 400, "没有收到文件")
            out = []
            for f in files:
                out.append(await read_upload(f))
                await f.close()           # its spooled temp file goes at once
            return out
        finally:
            await form.close()

    async def read_all(items: list[tuple[str, bytes | None, str | None]],
                       on_done: Callable[[int, Outcome], Awaitable[None]] | None = None) -> list[Outcome]:
        """Every file in the guarded workers, ``workers`` at a time; ``on_done`` as each finishes."""
        if not readers:
            readers.append(anyio.CapacityLimiter(cfg.workers))
        out: list[Outcome] = [upload_error(n, e or "文件为空") for n, _, e in items]

        async def one(i: int, name: str, data: bytes | None, err: str | None) -> None:
            if err is None and data:
                out[i] = await anyio.to_thread.run_sync(pools.run, (name, data), limiter=readers[0])
            if on_done is not None:
                await on_done(i, out[i])
        async with anyio.create_task_group() as tg:
            for i, (name, data, err) in enumerate(items):
                tg.start_soon(one, i, name, data, err)
        return out

    async def run_batch(request: Request) -> list[Outcome]:
        return await read_all(await received(request))

    async def run_job(job: Job, items: list[tuple[str, bytes | None, str | None]]) -> None:
        async def store_one(i: int, o: Outcome) -> None:
            await in_thread(ws.add, [o], job.job_id, i)
            job.done += 1
            job.failed += o.error is not None
        try:
            await read_all(items, store_one)
        finally:
            job.finished_at = _dt.datetime.now(_dt.timezone.utc).replace(tzinfo=None)

    async def one_file(request: Request, field: str) -> tuple[str, bytes]:
        form = await form_of(request, 1)
        try:
            f = form.get(field)
            if not isinstance(f, UploadFile) or not (f.filename or (f.size or 0) > 0):
                raise WebError(f"请选择一个文件，表单字段名为 {field}。", 400, "没有收到文件")
            name, data, err = await read_upload(f)
        finally:
            await form.close()
        if err is not None or data is None:
            raise WebError(err or "文件为空", 413, "文件过大")
        return name, data

    async def json_body(request: Request) -> dict[str, Any]:
        if not request.headers.get("content-type", "").startswith("application/json"):
            raise WebError("请以 JSON 格式提交（Content-Type: application/json）。", 415, "请求格式不正确")
        try:
            body = json.loads(await request.body() or b"{}")
        except ValueError:
            raise WebError("请求内容不是有效的 JSON。", 400, "请求格式不正确") from None
        if not isinstance(body, dict):
            raise WebError("请求内容应为 JSON 对象。", 400, "请求格式不正确")
        return body

    def check_id(value: str, what: str) -> str:
        if not _ID.match(value):
            raise WebError(f"没有这个{what}。", 404, "页面不存在")
        return value

    async def year_or_latest(year: int | None) -> int:
        return year if year is not None else (await in_thread(ws.years))[0]

    # ------------------------------------------------------------------ errors

    @app.exception_handler(WebError)
    async def _web_error(request: Request, e: WebError):
        if request.url.path.startswith("/api/"):
            return json_response({"error": e.message}, e.status)
        return message(e.title, e.status, e.message)

    @app.exception_handler(StoreError)
    async def _store_error(request: Request, e: StoreError):
        if request.url.path.startswith("/api/"):
            return json_response({"error": str(e)}, 503)
        return message("数据库暂时无法使用", 503, str(e))

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, e: StarletteHTTPException):
        zh = {404: ("页面不存在", "没有这个页面，请从首页进入。"),
              405: ("请求方法不正确", "该地址不支持此请求方法（上传请使用首页的表单）。")}
        title, text = zh.get(e.status_code, ("无法处理请求", f"请求未能处理（HTTP {e.status_code}）。"))
        if request.url.path.startswith("/api/"):
            return json_response({"error": text}, e.status_code)
        return message(title, e.status_code, text)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, e: RequestValidationError):
        names = "、".join(str(err.get("loc", ["?"])[-1]) for err in e.errors()[:5])
        text = f"请求参数不正确：{names}（如年度应为整数）。"
        if request.url.path.startswith("/api/"):
            return json_response({"error": text}, 422)
        return message("请求参数不正确", 422, text)

    def domain_error(e: Exception) -> WebError:
        return WebError(str(e), 404 if "没有这" in str(e) else 400, "无法完成操作")

    # ------------------------------------------------------------------ pages

    @app.get("/", response_class=HTMLResponse, summary="首页")
    async def index():
        yrs = await in_thread(ws.years)
        return page("index.html", title="首页", years=yrs, n_reports=await in_thread(ws.n_reports))

    @app.get("/api", response_class=HTMLResponse, summary="接口说明（网页）")
    async def api_docs(request: Request):
        endpoints = [
            ("POST", "/api/reports", "上传报告并保存：读取、审核后存入数据库，返回每份报告的编号、发布机关、年度、所属单位和问题数",
             "JSON 列表，每个文件一项"),
            ("GET", "/api/reports?year=年度", "已保存的报告（每个机关每年一份，取最新上传的版本）", "JSON 列表"),
            ("GET", "/api/reports/{报告编号}", "一份报告：全部单元格、全部审核发现（每条带指纹 fingerprint 和审核结论）", "JSON"),
            ("POST", "/api/reports/{报告编号}/unit", "改派所属单位：JSON {\"unit_id\": \"单位编号\"}，null 表示按名称自动对应", "JSON"),
            ("POST", "/api/findings/{指纹}/review", "审核结论：JSON {\"status\": \"confirmed|dismissed|pending\", \"note\": \"备注\", \"reviewer\": \"审核人\"}",
             "JSON"),
            ("POST", "/api/units", "导入单位名单（字段 file：Excel 或 CSV，列为单位名称、上级单位、类别、别名、年报栏目网址）", "JSON"),
            ("GET", "/api/units?year=年度", "各单位该年度的状态：未发布、已发布（按时/逾期）、有错误、已发整改通知、已整改", "JSON 列表"),
            ("GET", "/api/units/{单位编号}/notice.docx?year=年度", "整改通知（只列已确认的问题），并记为已发整改通知", "docx"),
            ("POST", "/api/extract", "读取报告（不保存）：每个文件的发布机关、年度、格式版本和三张表的全部单元格", "JSON 列表，每个文件一项"),
            ("POST", "/api/check", "审核报告（不保存）：每个文件的全部发现和修正建议", "JSON 列表，每个文件一项"),
            ("GET", "/api/jobs", "上传任务列表（网页上传在后台运行）；/api/jobs/{任务编号} 为一个任务的进度", "JSON"),
            ("GET", "/api/health", "服务状态", "{\"status\": \"ok\"}"),
            ("GET", "/template.xlsx", "Excel 填报模板（参数 format_version=2021|2019、agency、year 可选）", "xlsx"),
            ("GET", "/template.yaml", "YAML 填报模板（参数同上）", "yaml"),
            ("POST", "/compose", "由填好的模板或单元格 JSON 生成报告：字段 file、fmt=docx|html|md、allow_inconsistent=1（允许不一致）",
             "报告文件；数据不一致时返回说明页（422）"),
        ]
        return page("api.html", title="接口说明", endpoints=endpoints, host=request.url.netloc or "127.0.0.1:8000")

    @app.get("/api/health", summary="服务状态")
    async def health():
        return json_response({"status": "ok", "version": __version__, "reports_stored": await in_thread(ws.n_reports)})

    @app.post("/api/extract", summary="读取报告的单元格（不保存）", openapi_extra=_multipart("files", True))
    async def api_extract(request: Request):
        entries = await run_batch(request)
        return json_response([e.cells_record() for e in entries])

    @app.post("/api/check", summary="审核报告（不保存）", openapi_extra=_multipart("files", True))
    async def api_check(request: Request):
        entries = await run_batch(request)
        return json_response([e.audit_record() for e in entries])

    # ------------------------------------------------------------------ uploads and batches

    @app.post("/check", response_class=HTMLResponse, summary="上传并审核报告（网页）", openapi_extra=_multipart("files", True))
    async def check_page(request: Request):
        items = await received(request)
        job = jobs.new([name for name, _, _ in items])
        task = asyncio.create_task(run_job(job, items))
        running.add(task)
        task.add_done_callback(running.discard)
        return RedirectResponse(f"/jobs/{job.job_id}", status_code=303)

    @app.get("/jobs", response_class=HTMLResponse, summary="上传任务列表")
    async def jobs_page():
        return page("jobs.html", title="上传任务", jobs=list(jobs), job=None, headers=NO_STORE)

    @app.get("/jobs/{jid}", response_class=HTMLResponse, summary="一个上传任务的进度")
    async def job_page(jid: str):
        job = jobs.get(check_id(jid, "上传任务"))
        if job is None or job.finished:
            return RedirectResponse(f"/results/{jid}", status_code=303)
        return page("jobs.html", title="正在审核", jobs=[], job=job, refresh=JOB_REFRESH_S, headers=NO_STORE)

    @app.get("/api/jobs", summary="上传任务列表（JSON）")
    async def api_jobs():
        return json_response([j.to_dict() for j in jobs], no_store=True)

    @app.get("/api/jobs/{jid}", summary="一个上传任务的进度（JSON）")
    async def api_job(jid: str):
        job = jobs.get(check_id(jid, "上传任务"))
        if job is None:
            raise WebError("没有这个上传任务（任务列表只保留到服务重启）。", 404, "任务不存在")
        return json_response(job.to_dict(), no_store=True)

    @app.get("/results/{bid}.xlsx", summary="一次上传的审核结果（Excel）")
    async def results_xlsx(bid: str):
        items = await in_thread(ws.batch_items, check_id(bid, "审核结果"))
        if items is None:
            raise WebError("没有这次上传的审核结果，请重新上传文件。", 404, "结果不存在")
        return download(await in_thread(batch_xlsx, items), "年报审核结果.xlsx", "xlsx", "nianbao-results.xlsx",
                        NO_STORE)

    @app.get("/results/{bid}.json", summary="一次上传的审核结果（JSON）")
    async def results_json(bid: str):
        items = await in_thread(ws.batch_items, check_id(bid, "审核结果"))
        if items is None:
            raise WebError("没有这次上传的审核结果，请重新上传文件。", 404, "结果不存在")
        return json_response(items, filename="年报审核结果.json", fallback="nianbao-results.json", no_store=True)

    @app.get("/results/{bid}", response_class=HTMLResponse, summary="一次上传的审核结果（网页，分页）")
    async def results(bid: str, page_no: int = 1):
        b = await in_thread(ws.batch, check_id(bid, "审核结果"), page_no, cfg.page_size)
        if b is None:
            raise WebError("没有这次上传的审核结果，请重新上传文件。", 404, "结果不存在")
        return page("results.html", title="审核结果", b=b, job=jobs.get(bid), headers=NO_STORE)

    @app.post("/api/reports", summary="上传并保存报告", openapi_extra=_multipart("files", True))
    async def api_add_reports(request: Request):
        entries = await run_batch(request)
        bid, items = await in_thread(ws.add, entries)
        return json_response(items, no_store=True, extra={"X-Nianbao-Batch": bid})

    @app.get("/api/reports", summary="已保存的报告")
    async def api_reports(year: int | None = None):
        return json_response(await in_thread(ws.reports, year), no_store=True)

    @app.get("/api/reports/{rid}", summary="一份报告：单元格与审核发现")
    async def api_report(rid: str):
        d = await in_thread(ws.report, check_id(rid, "报告"))
        if d is None:
            raise WebError("没有这份报告。", 404, "报告不存在")
        return json_response({**d["summary"], "cells": d["cells"], "findings": [f.to_dict() for f in d["findings"]]},
                             no_store=True)

    @app.post("/api/reports/{rid}/unit", summary="改派报告的所属单位")
    async def api_assign(rid: str, request: Request):
        body = await json_body(request)
        uid = body.get("unit_id")
        if uid is not None and not isinstance(uid, str):
            raise WebError("unit_id 应为单位编号（字符串）或 null。", 400, "请求格式不正确")
        try:
            out = await in_thread(ws.assign, check_id(rid, "报告"), uid or None, str(body.get("by") or ""))
        except UnitsError as e:
            raise domain_error(e) from None
        return json_response(out, no_store=True)

    @app.post("/api/findings/{fp}/review", summary="审核结论：确认、排除或待核实")
    async def api_review(fp: str, request: Request):
        body = await json_body(request)
        status = body.get("status")
        if status not in REVIEW_STATUSES:
            raise WebError("status 应为 confirmed（确认）、dismissed（排除）或 pending（待核实）。", 400, "请求格式不正确")
        try:
            rev = await in_thread(ws.review, check_id(fp, "审核发现"), status, str(body.get("note") or ""),
                                  str(body.get("reviewer") or ""))
        except ReviewError as e:
            raise domain_error(e) from None
        return json_response({"fingerprint": fp, "review": rev}, no_store=True)

    # ------------------------------------------------------------------ units and the season

    async def import_units(request: Request) -> Any:
        name, data = await one_file(request, "file")
        try:
            return await in_thread(ws.import_units, name, data)
        except (UnitsError, StoreError) as e:
            raise WebError(str(e), 400, "无法导入单位名单") from None

    @app.post("/api/units", summary="导入单位名单", openapi_extra=_multipart("file", False))
    async def api_import_units(request: Request):
        res = await import_units(request)
        return json_response({"units": res.units, "new": res.new, "updated": res.updated, "problems": res.problems})

    @app.post("/units", response_class=HTMLResponse, summary="导入单位名单（网页）", openapi_extra=_multipart("file", False))
    async def import_units_page(request: Request):
        res = await import_units(request)
        year = await year_or_latest(None)
        return message("单位名单已导入", 200, res.summary_zh() + "。", items=res.problems,
                       links=[(f"/season/{year}", f"查看{year}年度各单位年报状态")])

    @app.get("/api/units", summary="各单位某年度的年报状态")
    async def api_units(year: int | None = None):
        y = await year_or_latest(year)
        states = await in_thread(ws.season, y)
        return json_response([s.to_dict() for s in states], no_store=True)

    @app.get("/api/units/{uid}/notice.docx", summary="整改通知（只列已确认的问题）")
    async def api_notice(uid: str, year: int):
        try:
            data, filename, _ = await in_thread(ws.notice, check_id(uid, "单位"), year)
        except ReviewError as e:
            raise WebError(str(e), 404 if "没有这个单位" in str(e) else 409, "无法生成整改通知") from None
        return download(data, filename, "docx", "nianbao-notice.docx", NO_STORE)

    @app.get("/season/{year}/notices.zip", summary="有已确认问题的全部单位的整改通知（ZIP）")
    async def notices_zip(year: int):
        data, n = await in_thread(ws.notices_zip, year)
        if not n:
            raise WebError(f"{year}年度还没有单位有已确认的问题：请先在报告页确认需要整改的问题。", 409, "无法生成整改通知")
        return download(data, f"{year}年度整改通知.zip", "zip", f"nianbao-notices-{year}.zip", NO_STORE)

    @app.get("/dashboard", summary="年报审核概览（最新年度）")
    async def dashboard_latest():
        return RedirectResponse(f"/dashboard/{await year_or_latest(None)}", status_code=303)

    @app.get("/dashboard/{year}/{key}.xlsx", summary="概览中一张图的数据（Excel）")
    async def dashboard_table(year: int, key: str):
        chart = next((c for c in await in_thread(ws.dashboard, year) if c.key == key), None)
        if chart is None:
            raise WebError("没有这张图。", 404, "页面不存在")
        data = await in_thread(table_xlsx, chart.title, chart.header, chart.rows)
        return download(data, f"{year}年度{chart.title}.xlsx", "xlsx", f"nianbao-{key}-{year}.xlsx", NO_STORE)

    @app.get("/dashboard/{year}", response_class=HTMLResponse, summary="年报审核概览（图表）")
    async def dashboard_page(year: int):
        charts = await in_thread(ws.dashboard, year)
        yrs = await in_thread(ws.years)
        return page("dashboard.html", title=f"{year}年度概览", year=year, charts=charts,
                    data=[c.to_dict() for c in charts], years=sorted(set(yrs) | {year}, reverse=True),
                    headers={**NO_STORE, "Content-Security-Policy": CSP_WITH_SCRIPTS})

    @app.get("/season", summary="年报审核工作台（最新年度）")
    async def season_latest():
        return RedirectResponse(f"/season/{await year_or_latest(None)}", status_code=303)

    @app.get("/season/{year}.xlsx", summary="某年度各单位年报状态（Excel）")
    async def season_export(year: int):
        states = await in_thread(ws.season, year)
        return download(await in_thread(season_xlsx, year, states), f"{year}年度各单位年报状态.xlsx", "xlsx",
                        f"nianbao-season-{year}.xlsx", NO_STORE)

    @app.get("/season/{year}", response_class=HTMLResponse, summary="年报审核工作台（某年度）")
    async def season_page(year: int, state: str = "", parent: str = "", q: str = "", sort: str = ""):
        states = await in_thread(ws.season, year)
        totals = {s: 0 for s in STATES}
        for st in states:
            totals[st.state] += 1
        roots = season_tree(states)
        q = q.strip()[:50]

        def shown(st: Any) -> bool:
            return ((not state or st.state == state) and (not q or q in st.unit.name)
                    and (not parent or st.unit.parent == parent or st.unit.name == parent))

        rows: list[dict[str, Any]] = []

        def walk(nodes: list, depth: int) -> None:
            for n in nodes:
                below: dict[str, int] = {}

                def count(ch: list) -> None:
                    for c in ch:
                        below[c.state] = below.get(c.state, 0) + 1
                        count(c.children)
                count(n.children)
                if shown(n):
                    rows.append({"s": n, "depth": depth, "below": below, "n_below": sum(below.values())})
                walk(n.children, depth + 1)
        walk(roots, 0)
        if sort == "state":
            rows.sort(key=lambda r: STATES.index(r["s"].state))
        elif sort == "errors":
            rows.sort(key=lambda r: -(r["s"].counts.get("errors") or 0))
        elif sort == "date":
            rows.sort(key=lambda r: (r["s"].publish_date is None, r["s"].publish_date or ""))
        if sort in SORTS and sort:
            for r in rows:
                r["depth"] = 0              # a sorted list is flat
        parents = sorted({s.unit.parent for s in states if s.unit.parent})
        yrs = await in_thread(ws.years)
        return page("season.html", title=f"{year}年度年报审核", year=year, rows=rows, totals=totals,
                    n_units=len(states), years=sorted(set(yrs) | {year}, reverse=True), parents=parents,
                    f_state=state, f_parent=parent, f_q=q, f_sort=sort, sorts=list(SORTS.items()), query=f"state={quote(state)}&parent={quote(parent)}&q={quote(q)}",
                    headers=NO_STORE)

    # ------------------------------------------------------------------ the report page

    @app.get("/reports/{rid}", response_class=HTMLResponse, summary="一份报告（网页）")
    async def report_page(rid: str, request: Request):
        d = await in_thread(ws.report, check_id(rid, "报告"))
        if d is None:
            raise WebError("没有这份报告（可能已被新版本替换），请从工作台重新进入。", 404, "报告不存在")
        fs = d["findings"]
        problems = [finding_view(f) for f in sorted((f for f in fs if f.channel == "report"),
                                                    key=lambda f: SEVERITY_RANK.get(f.severity, 9))]
        reading = [finding_view(f) for f in fs if f.channel != "report"]
        tables = await in_thread(tables_html, d["report"], fs, d["prev"])
        rollup = [{"message": f.message, "where_zh": where_zh(f.to_dict())} for f in d["rollup"]]
        return page("report.html", title=f"{d['summary']['agency'] or '报告'} {d['summary']['year'] or ''}",
                    r=d["summary"], problems=problems, reading=reading, tables=tables, units=d["units"],
                    prev=d["prev_id"], rollup=rollup,
                    versions=d["versions"], reviewer=unquote(request.cookies.get(REVIEWER_COOKIE, ""))[:100], headers=NO_STORE)

    async def small_form(request: Request) -> tuple[dict[str, str], list[str]]:
        """The fields of a page's form, and its checked fingerprints (bulk review)."""
        ctype = request.headers.get("content-type", "")
        if not (ctype.startswith("application/x-www-form-urlencoded") or ctype.startswith("multipart/form-data")):
            raise WebError("请从报告页面提交。", 415, "请求格式不正确")
        form = await request.form(max_files=0, max_fields=MAX_FORM_FIELDS)
        try:
            fields = {k: str(v)[:2000] for k, v in form.items() if isinstance(v, str)}
            return fields, [str(v) for v in form.getlist("fingerprint") if isinstance(v, str)]
        finally:
            await form.close()

    @app.post("/reports/{rid}/review", summary="审核结论（网页表单，可多选）")
    async def review_form(rid: str, request: Request):
        f, fps = await small_form(request)
        status, who = f.get("status", ""), f.get("reviewer", "").strip()[:100]
        if status not in REVIEW_STATUSES:
            raise WebError("请选择“确认”“排除”或“待核实”。", 400, "无法保存审核结论")
        if not fps:
            raise WebError("请先勾选要确认或排除的审核发现。", 400, "无法保存审核结论")
        try:
            for fp in fps:
                await in_thread(ws.review, check_id(fp, "审核发现"), status, f.get("note", ""), who)
        except ReviewError as e:
            raise domain_error(e) from None
        resp = RedirectResponse(f"/reports/{check_id(rid, '报告')}#f-{fps[0]}", status_code=303)
        resp.set_cookie(REVIEWER_COOKIE, quote(who), max_age=180 * 86400, httponly=True, samesite="strict")
        return resp

    @app.post("/reports/{rid}/unit", summary="改派所属单位（网页表单）")
    async def assign_form(rid: str, request: Request):
        f, _ = await small_form(request)
        try:
            await in_thread(ws.assign, check_id(rid, "报告"), f.get("unit_id") or None, "网页")
        except UnitsError as e:
            raise domain_error(e) from None
        return RedirectResponse(f"/reports/{rid}", status_code=303)

    # ------------------------------------------------------------------ composing

    def _template(kind: str, format_version: str, agency: str, year: int | None) -> bytes:
        from ..compose.template_writer import render_yaml_template, write_excel_template
        if kind == "yaml":
            return render_yaml_template(format_version, agency, year).encode("utf-8")
        with tempfile.TemporaryDirectory(prefix="nianbao-web-") as tmp:
            p = Path(tmp, "template.xlsx")
            write_excel_template(p, format_version, agency, year)
            data = p.read_bytes()
        return _text_cells(data, agency) if agency.startswith(_FORMULA_START) else data

    async def template(kind: str, format_version: str, agency: str, year: int | None) -> Response:
        from ..compose import ComposeError
        try:
            data = await in_thread(_template, kind, format_version, agency[:200], year)
        except ComposeError as e:
            raise WebError(str(e), 400, "无法生成模板") from None
        return download(data, f"年度报告填报模板（{format_version}格式）.{kind}", kind,
                        f"nianbao-template-{format_version}.{kind}")

    @app.get("/template.xlsx", summary="Excel 填报模板")
    async def template_xlsx(format_version: str = "2021", agency: str = "", year: int | None = None):
        return await template("xlsx", format_version, agency, year)

    @app.get("/template.yaml", summary="YAML 填报模板")
    async def template_yaml(format_version: str = "2021", agency: str = "", year: int | None = None):
        return await template("yaml", format_version, agency, year)

    @app.post("/compose", summary="编写报告", openapi_extra=_multipart("file", False, {
        "fmt": {"type": "string", "enum": ["docx", "html", "md"], "default": "docx"},
        "allow_inconsistent": {"type": "string", "description": "1：数据不一致时仍然生成"}}))
    async def compose(request: Request):
        form = await form_of(request, 1)
        try:
            f = form.get("file")
            fmt = str(form.get("fmt") or "docx").lower().lstrip(".")
            allow = str(form.get("allow_inconsistent") or "").lower() in ("1", "on", "true", "yes")
            again: dict[str, Any] = {"compose_again": True, "fmt": fmt, "allow_checked": allow}
            if fmt not in FMT_ZH:
                raise WebError(f"不支持的输出格式：{fmt}（可选 docx、html、md）。", 400, "无法生成报告")
            if not isinstance(f, UploadFile) or not (f.filename or (f.size or 0) > 0):
                return message("没有收到文件", 400, "请上传填好的模板（.xlsx / .yaml）或单元格 JSON 文件，表单字段名为 file。",
                               **again)
            name, data, err = await read_upload(f)
        finally:
            await form.close()
        if err is not None:
            return message("无法生成报告", 413, err, **again)
        out = await in_thread(_compose, name, data, fmt, allow)
        if out["status"] == "error":
            return message("无法生成报告", 400, out["message"], **again)
        if out["status"] == "refused":
            n = len(out["findings"])
            return message("数据不一致，未生成报告", 422,
                           f"“{name}”中有 {n} 处数据不满足表内勾稽关系，已拒绝生成报告。请核对下列单元格后重新上传；"
                           "如确需按原样输出，请勾选“允许不一致”。", items=out["findings"], notes=out["warnings"], **again)
        headers = {"X-Nianbao-Inconsistent": str(len(out["findings"]))}
        return download(out["data"], out["filename"], fmt, f"nianbao-report.{fmt}", headers)

    return app


def _compose(name: str, data: bytes, fmt: str, allow: bool) -> dict[str, Any]:
    """Load one uploaded template / cells file, check it and render it (runs in a thread)."""
    from ..compose import ComposeError, check, load_input, render
    with tempfile.TemporaryDirectory(prefix="nianbao-web-") as tmp:
        p = Path(tmp, name if name != UNNAMED else "upload")

        def clean(text: str) -> str:
            return text.replace(str(p), name).replace(tmp + "/", "").replace(tmp, "")
        try:
            p.write_bytes(data)
            inp = load_input(p)
            inp.source = name
            findings = check(inp)
            warnings = [clean(w) for w in inp.warnings]
            if findings and not allow:
                return {"status": "refused", "findings": [clean(x.message) for x in findings], "warnings": warnings}
            body = render(inp, fmt)
        except ComposeError as e:
            return {"status": "error", "message": clean(str(e))}
        except Exception as e:  # noqa: BLE001 - a damaged upload must give a message, not a 500
            return {"status": "error", "message": clean(f"无法读取或生成（{type(e).__name__}: {str(e)[:200]}）：{name}")}
    filename = safe_filename(f"{inp.display_title()}.{fmt}")
    return {"status": "ok", "data": body, "filename": filename, "findings": [x.message for x in findings],
            "warnings": warnings}
