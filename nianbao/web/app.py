"""The FastAPI application: ``create_app()``.

Owns the routes of the web front end, a thin layer over the library (like the CLI):

- ``GET /`` 首页（上传表单、模板下载、接口链接）; ``GET /api`` 接口说明;
- ``POST /check`` → the audit page of ``nianbao.audit.export_html`` with a download bar;
  the batch is kept in a small in-memory LRU so that ``GET /results/{id}`` (page),
  ``/results/{id}.xlsx`` (``export_excel.build_workbook``) and ``/results/{id}.json`` work
  without uploading again;
- ``POST /api/extract`` → cells records (shared/spec/cells.md); ``POST /api/check`` →
  ``ReportAudit.to_dict()`` per file; ``GET /api/health``;
- ``GET /template.xlsx`` / ``GET /template.yaml`` (``compose.template_writer``);
  ``POST /compose`` → the composed report as a download, or a Chinese page naming the
  inconsistent cells (checkbox 允许不一致 = ``--allow-inconsistent``).

Limits (per-file size, files per request, total body size) come from ``WebConfig``; every
per-file failure becomes a Chinese message and the batch goes on. Reading, extraction,
auditing, rendering and composing run in worker threads (at most ``workers`` at once), so
the event loop stays responsive. Uploads are processed in memory; ``/compose`` writes the
one uploaded file into a temporary directory that is removed at once.
Swagger UI / ReDoc are off (they load scripts from a CDN); ``/openapi.json`` stays.
"""
from __future__ import annotations

import functools
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import anyio
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import __version__
from ..core import Outcome, process_job, process_many
from ..guard import Limits, WorkerPool
from ..jsonio import to_json
from .batch import UNNAMED, ResultCache, mb, safe_filename, upload_error
from .security import BodyLimit, SecurityHeaders, content_disposition

TEMPLATES = Path(__file__).parent / "templates"
ACCEPTED = ".txt .md .html .htm .docx .pdf .doc .wps"
MEDIA = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "html": "text/html; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "yaml": "application/yaml; charset=utf-8",
    "json": "application/json; charset=utf-8",
}
FMT_ZH = {"docx": "Word（.docx）", "html": "网页（.html）", "md": "Markdown（.md）"}


@dataclass
class WebConfig:
    max_file_bytes: int = 50 * 1024 * 1024     # one uploaded file
    max_files: int = 200                       # files in one request
    max_body_bytes: int = 1024 * 1024 * 1024   # one request body in all
    workers: int = 2                           # CPU-bound jobs at once (threads; guarded worker processes)
    timeout: float = Limits().timeout          # per file, in the guarded workers
    max_memory_mb: int | None = Limits().max_memory_mb
    cache_batches: int = 32                    # /check batches kept for downloads
    cache_reports: int = 2000                  # … and reports in those batches
    cache_ttl: float = 3600.0                  # seconds


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


def create_app(config: WebConfig | None = None) -> FastAPI:
    cfg = config or WebConfig()
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(default=True, default_for_string=True))
    cache = ResultCache(cfg.cache_batches, cfg.cache_ttl, cfg.cache_reports)
    limiter: list[anyio.CapacityLimiter] = []

    app = FastAPI(title="nianbao 政府信息公开工作年度报告 读取·审核·编写 接口", version=__version__,
                  description="上传年度报告文件，读取三张表的单元格、审核勾稽关系与格式，或由模板编写报告。",
                  docs_url=None, redoc_url=None, openapi_url="/openapi.json")
    # Every uploaded file is read in guarded worker processes (time and memory limits),
    # kept alive between requests; they end with the app (or with this process).
    pool = WorkerPool(process_job(audit=True), Limits(timeout=cfg.timeout, max_memory_mb=cfg.max_memory_mb,
                                                      workers=cfg.workers))
    app.state.config, app.state.cache, app.state.pool = cfg, cache, pool
    app.router.on_shutdown.append(pool.close)
    app.add_middleware(BodyLimit, limit=cfg.max_body_bytes)
    app.add_middleware(SecurityHeaders)

    # ------------------------------------------------------------------ helpers

    def page(name: str, status: int = 200, **ctx: Any) -> HTMLResponse:
        ctx.setdefault("version", __version__)
        ctx.setdefault("max_file", mb(cfg.max_file_bytes))
        ctx.setdefault("max_files", cfg.max_files)
        return HTMLResponse(env.get_template(name).render(**ctx), status_code=status)

    def message(title: str, status: int, lead: str = "", items: list[str] | None = None, **ctx: Any) -> HTMLResponse:
        return page("message.html", status, title=title, lead=lead, items=items or [], **ctx)

    def json_response(obj: Any, status: int = 200, filename: str | None = None, fallback: str | None = None) -> Response:
        headers = {"Content-Disposition": content_disposition(filename, fallback)} if filename else None
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

    async def run_batch(request: Request, audit: bool) -> list[Outcome]:
        form = await form_of(request, cfg.max_files)
        try:
            files = [f for f in form.getlist("files") if isinstance(f, UploadFile)]
            files = [f for f in files if f.filename or (f.size or 0) > 0]   # an empty <input type=file> sends one blank part
            if not files:
                raise WebError(f"请至少选择一个报告文件（支持 {ACCEPTED}），表单字段名为 files。", 400, "没有收到文件")
            entries: list[Outcome] = []
            for f in files:
                name, data, err = await read_upload(f)
                await f.close()           # its spooled temp file goes at once
                if err is not None or data is None:
                    entries.append(upload_error(name, err or "文件为空"))
                    continue
                entries.extend(await in_thread(lambda item: list(process_many([item], pool=pool)), (name, data)))
                del data
            return entries
        finally:
            await form.close()

    async def results_page(batch) -> HTMLResponse:
        def render() -> str:
            html = batch.html()
            bar = env.get_template("results_bar.html").render(
                id=batch.id, n_reports=len(batch.audits), n_failed=len(batch.failures),
                ttl_min=int(cfg.cache_ttl // 60), keep=cfg.cache_batches)
            i = html.find("<body>")
            return html[: i + 6] + bar + html[i + 6:] if i >= 0 else bar + html
        return HTMLResponse(await in_thread(render))

    def batch_or_404(bid: str):
        b = cache.get(bid)
        if b is None:
            raise WebError("该审核结果不存在或已过期（结果只在服务器内存中短暂保留），请重新上传文件。", 404, "结果已过期")
        return b

    # ------------------------------------------------------------------ errors

    @app.exception_handler(WebError)
    async def _web_error(request: Request, e: WebError):
        if request.url.path.startswith("/api/"):
            return json_response({"error": e.message}, e.status)
        return message(e.title, e.status, e.message)

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

    # ------------------------------------------------------------------ pages

    @app.get("/", response_class=HTMLResponse, summary="首页")
    async def index():
        return page("index.html", title="首页")

    @app.get("/api", response_class=HTMLResponse, summary="接口说明（网页）")
    async def api_docs(request: Request):
        endpoints = [
            ("POST", "/api/extract", "读取报告：每个文件的发布机关、年度、格式版本和三张表的全部单元格", "JSON 列表，每个文件一项"),
            ("POST", "/api/check", "审核报告：每个文件的全部发现（规则代码、位置、严重程度、说明）和修正建议", "JSON 列表，每个文件一项"),
            ("GET", "/api/health", "服务状态", "{\"status\": \"ok\"}"),
            ("POST", "/check", "审核报告（网页）：按报告、按表格分组列出问题，标出有问题的单元格", "网页"),
            ("GET", "/results/{id}.xlsx", "下载一次审核的结果（Excel 工作簿）", "xlsx"),
            ("GET", "/results/{id}.json", "下载一次审核的结果（JSON）", "JSON"),
            ("GET", "/template.xlsx", "Excel 填报模板（参数 format_version=2021|2019、agency、year 可选）", "xlsx"),
            ("GET", "/template.yaml", "YAML 填报模板（参数同上）", "yaml"),
            ("POST", "/compose", "由填好的模板或单元格 JSON 生成报告：字段 file、fmt=docx|html|md、allow_inconsistent=1（允许不一致）",
             "报告文件；数据不一致时返回说明页（422）"),
        ]
        return page("api.html", title="接口说明", endpoints=endpoints, host=request.url.netloc or "127.0.0.1:8000")

    @app.get("/api/health", summary="服务状态")
    async def health():
        return json_response({"status": "ok", "version": __version__, "results_kept": len(cache)})

    # ------------------------------------------------------------------ reading and auditing

    @app.post("/check", response_class=HTMLResponse, summary="审核报告（网页）", openapi_extra=_multipart("files", True))
    async def check_page(request: Request):
        entries = await run_batch(request, audit=True)
        return await results_page(cache.add(entries))

    @app.get("/results/{bid}.xlsx", summary="审核结果（Excel）")
    async def results_xlsx(bid: str):
        b = batch_or_404(bid)
        return download(await in_thread(b.xlsx), "年报审核结果.xlsx", "xlsx", "nianbao-results.xlsx")

    @app.get("/results/{bid}.json", summary="审核结果（JSON）")
    async def results_json(bid: str):
        b = batch_or_404(bid)
        return json_response(await in_thread(b.records), filename="年报审核结果.json",
                             fallback="nianbao-results.json")

    @app.get("/results/{bid}", response_class=HTMLResponse, summary="审核结果（网页）")
    async def results(bid: str):
        return await results_page(batch_or_404(bid))

    @app.post("/api/extract", summary="读取报告的单元格", openapi_extra=_multipart("files", True))
    async def api_extract(request: Request):
        entries = await run_batch(request, audit=False)
        return json_response([e.cells_record() for e in entries])

    @app.post("/api/check", summary="审核报告", openapi_extra=_multipart("files", True))
    async def api_check(request: Request):
        entries = await run_batch(request, audit=True)
        return json_response([e.audit_record() for e in entries])

    # ------------------------------------------------------------------ composing

    def _template(kind: str, format_version: str, agency: str, year: int | None) -> bytes:
        from ..compose.template_writer import render_yaml_template, write_excel_template
        if kind == "yaml":
            return render_yaml_template(format_version, agency, year).encode("utf-8")
        with tempfile.TemporaryDirectory(prefix="nianbao-web-") as tmp:
            p = Path(tmp, "template.xlsx")
            write_excel_template(p, format_version, agency, year)
            return p.read_bytes()

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
