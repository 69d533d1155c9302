"""HTTP hardening for the web front end.

Owns: ``SecurityHeaders`` (CSP, nosniff, no framing, no referrer on every response),
``BodyLimit`` (refuses a request body beyond a total size with 413, counting the bytes as
they arrive, so a missing or false Content-Length does not help) and
``content_disposition`` (an attachment header whose file name is RFC 5987 encoded, so
Chinese names survive, with an ASCII fallback).

Pure ASGI middlewares: they neither buffer the body nor depend on FastAPI.
"""
from __future__ import annotations

import json
import re
from urllib.parse import quote

CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
_OWN = {k for k, _ in HEADERS}


class SecurityHeaders:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in _OWN]
                message = {**message, "headers": headers + HEADERS}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class _TooLarge(Exception):
    pass


def _too_large_body(scope, limit: int) -> tuple[bytes, bytes]:
    size = f"{limit / (1024 * 1024):.0f} MB" if limit >= 1024 * 1024 else f"{limit / 1024:.0f} KB"
    msg = f"上传的内容过大（上限 {size}），请分批上传。"
    if scope.get("path", "").startswith("/api/"):
        return b"application/json", json.dumps({"error": msg}, ensure_ascii=False).encode()
    page = ("<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>上传内容过大</title></head>"
            f"<body><h1>上传内容过大</h1><p>{msg}</p><p><a href=\"/\">返回首页</a></p></body></html>")
    return b"text/html; charset=utf-8", page.encode()


class BodyLimit:
    """413 for a request body larger than ``limit`` bytes."""

    def __init__(self, app, limit: int):
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        for k, v in scope.get("headers", []):
            if k == b"content-length":
                try:
                    if int(v) > self.limit:
                        return await self._refuse(scope, send)
                except ValueError:
                    pass
        seen = 0
        started = False

        async def counting_receive():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _TooLarge()
            return message

        async def tracking_send(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _TooLarge:
            if not started:
                await self._refuse(scope, send)
        except Exception as e:  # starlette may wrap our exception while parsing a form
            if isinstance(e.__cause__, _TooLarge) or isinstance(e.__context__, _TooLarge):
                if not started:
                    await self._refuse(scope, send)
                return
            raise

    async def _refuse(self, scope, send):
        ctype, body = _too_large_body(scope, self.limit)
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", ctype), (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})


_UNSAFE_ASCII = re.compile(r"[^A-Za-z0-9._-]+")


def content_disposition(filename: str, fallback: str | None = None, disposition: str = "attachment") -> str:
    """``attachment; filename="ascii"; filename*=UTF-8''percent-encoded`` (RFC 6266 / 5987).

    ``fallback`` is the plain-ASCII name for old clients; by default the ASCII letters of
    ``filename`` (or ``download``) with its extension."""
    stem, dot, ext = filename.rpartition(".")
    if not dot:
        stem, ext = filename, ""
    if fallback is None:
        fallback = _UNSAFE_ASCII.sub("_", stem).strip("_") or "download"
        if ext:
            fallback += "." + (_UNSAFE_ASCII.sub("", ext) or "bin")
    fallback = _UNSAFE_ASCII.sub("_", fallback) or "download"
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
