"""HTTP hardening for the web front end.

Owns: ``SecurityHeaders`` (CSP — no scripts at all, except this server's own script files
on the dashboard, ``CSP_WITH_SCRIPTS`` —, nosniff, no framing, same-origin referrer on
every response),
``SameOrigin`` (refuses, with 403, a state-changing request a browser sends on behalf of
another site: any POST/PUT/PATCH/DELETE, and the GETs that record something, whose
``Sec-Fetch-Site`` is not same-origin / none, or, from a browser that does not send it,
whose ``Origin`` is not this host — the pages' forms and the API used from scripts or
curl, which send neither, pass),
``HostCheck`` (421 for a ``Host`` header that is not one of the names the server is
reached by — a DNS-rebinding page gets its own host name there), ``PasswordGate`` (HTTP
Basic authentication with one shared password, required when the server listens beyond
this machine), ``BodyLimit`` (refuses a request body beyond a total size with 413, counting the bytes as
they arrive, so a missing or false Content-Length does not help) and
``content_disposition`` (an attachment header whose file name is RFC 5987 encoded, so
Chinese names survive, with an ASCII fallback).

Pure ASGI middlewares: they neither buffer the body nor depend on FastAPI.
"""
from __future__ import annotations

import base64
import hmac
import json
import re
from urllib.parse import quote

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")

CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")
# The dashboard alone runs scripts, and only this server's own files (no inline script).
CSP_WITH_SCRIPTS = CSP.replace("default-src 'none';", "default-src 'none'; script-src 'self';")
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),      # no-referrer would make a browser send "Origin: null" on our own forms
    (b"cross-origin-opener-policy", b"same-origin"),
]
_OWN = {k for k, _ in HEADERS}
_OTHER = [h for h in HEADERS if h[0] != b"content-security-policy"]
_CSP, _WIDE = CSP.encode(), CSP_WITH_SCRIPTS.encode()


class SecurityHeaders:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                given = [(k.lower(), v) for k, v in message.get("headers", [])]
                # a route may ask for the one wider policy (the dashboard's); any other is replaced
                wide = (b"content-security-policy", _WIDE) in given
                headers = [(k, v) for k, v in given if k not in _OWN]
                message = {**message, "headers": headers + _OTHER + [(b"content-security-policy", _WIDE if wide else _CSP)]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def _json_or_page(scope, title: str, msg: str) -> tuple[bytes, bytes]:
    if scope.get("path", "").startswith("/api/"):
        return b"application/json", json.dumps({"error": msg}, ensure_ascii=False).encode()
    page = (f"<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{title}</title></head>"
            f"<body><h1>{title}</h1><p>{msg}</p><p><a href=\"/\">返回首页</a></p></body></html>")
    return b"text/html; charset=utf-8", page.encode()


async def _send_simple(send, status: int, ctype: bytes, body: bytes) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", ctype), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


class SameOrigin:
    """403 for a cross-site state-changing request (CSRF). ``recording``: predicates on the
    path of GET requests that change state (e.g. a notice download that records the sending)."""

    def __init__(self, app, recording=()):
        self.app, self.recording = app, tuple(recording)

    def allowed(self, scope) -> bool:
        method = scope.get("method", "GET")
        path = scope.get("path", "")
        if method not in UNSAFE_METHODS and not any(p(path) for p in self.recording):
            return True
        headers = {k.lower(): v for k, v in scope.get("headers", [])}
        site = headers.get(b"sec-fetch-site")
        if site is not None:                 # the browser's own word (a page cannot forge it)
            return site in (b"same-origin", b"none")
        origin = headers.get(b"origin")
        if origin is not None:
            host = headers.get(b"host", b"")
            netloc = origin.split(b"://", 1)[-1]
            if origin == b"null" or netloc != host:
                return False
        return True

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or self.allowed(scope):
            return await self.app(scope, receive, send)
        ctype, body = _json_or_page(scope, "请求被拒绝",
                                    "该操作只能在本系统的页面上进行（请求来自其他网站，已拒绝）。")
        await _send_simple(send, 403, ctype, body)


def _host_name(host: bytes) -> str:
    """The name part of a Host header (no port; IPv6 without brackets), lower case."""
    h = host.decode("latin-1").strip().lower()
    if h.startswith("["):
        return h[1:].split("]", 1)[0]
    return h.rsplit(":", 1)[0] if h.count(":") == 1 else h


class HostCheck:
    """421 unless the request's Host is one of ``allowed`` (names, without port)."""

    def __init__(self, app, allowed):
        self.app, self.allowed = app, {a.lower().strip("[]") for a in allowed}

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        host = dict(scope.get("headers", [])).get(b"host", b"")
        if _host_name(host) in self.allowed:
            return await self.app(scope, receive, send)
        ctype, body = _json_or_page(scope, "地址不正确",
                                    "请通过本系统的地址访问（请求中的主机名不是本服务的地址，已拒绝）。")
        await _send_simple(send, 421, ctype, body)


class PasswordGate:
    """401 with a Basic challenge unless the request carries the shared password (any user name)."""

    def __init__(self, app, password: str):
        self.app, self.password = app, password.encode("utf-8")

    def ok(self, scope) -> bool:
        auth = dict(scope.get("headers", [])).get(b"authorization", b"")
        scheme, _, token = auth.partition(b" ")
        if scheme.lower() != b"basic":
            return False
        try:
            _, _, given = base64.b64decode(token.strip(), validate=True).partition(b":")
        except ValueError:
            return False
        return hmac.compare_digest(given, self.password)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or self.ok(scope):
            return await self.app(scope, receive, send)
        ctype, body = _json_or_page(scope, "需要密码", "请输入访问密码（用户名任意）。")
        await send({"type": "http.response.start", "status": 401,
                    "headers": [(b"content-type", ctype), (b"content-length", str(len(body)).encode()),
                                (b"www-authenticate", b'Basic realm="nianbao", charset="UTF-8"')]})
        await send({"type": "http.response.body", "body": body})


class _TooLarge(Exception):
    pass


def _too_large_body(scope, limit: int) -> tuple[bytes, bytes]:
    size = f"{limit / (1024 * 1024):.0f} MB" if limit >= 1024 * 1024 else f"{limit / 1024:.0f} KB"
    return _json_or_page(scope, "上传内容过大", f"上传的内容过大（上限 {size}），请分批上传。")


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
