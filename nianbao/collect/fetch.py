"""The polite HTTP client of ``nianbao collect``.

Owns everything about talking to a government website:

- robots.txt (``urllib.robotparser`` fed with what httpx fetched, cached per origin;
  RFC 9309: a 4xx robots.txt allows everything, an unreachable or 5xx one stops the
  site for this run; ``Crawl-delay`` raises the delay for that host);
- one request at a time per host, with ``delay`` seconds between the end of one
  request and the start of the next (a lock and a clock per host);
- timeouts (connect, read, and a total per response), retries with exponential
  backoff on 5xx, timeouts and network errors, never on 4xx;
- a size limit per response (read as a stream, stopped as soon as it is exceeded);
- redirects followed by hand, within ``max_redirects``, each hop checked against
  robots.txt and limited to http/https;
- a User-Agent naming nianbao.

Every failure is a ``FetchError`` with a Chinese message for the summary and the
manifest; a URL that robots.txt forbids is a ``RobotsDisallowed`` (not a failure).
"""
from __future__ import annotations

import threading
import time
import urllib.robotparser
from dataclasses import dataclass, field
from email.message import Message
from typing import Callable
from urllib.parse import urljoin, urlsplit

import httpx

from .. import __version__
from .defaults import DEFAULT_BACKOFF, DEFAULT_DELAY, DEFAULT_MAX_BYTES, DEFAULT_RETRIES, DEFAULT_TIMEOUT

# The token robots.txt rules are matched against, and the full header we send: a site
# administrator who sees us in a log can tell who we are and what we do.
ROBOTS_AGENT = "nianbao"
USER_AGENT = (f"nianbao/{__version__} (+government information disclosure annual report collector; "
              f"obeys robots.txt; one request at a time)")

CONNECT_TIMEOUT = 10.0           # s to open a connection: a dead host should not hold the run
TOTAL_TIMEOUT = 300.0            # s for one whole response: a server dribbling bytes is given up
MAX_BACKOFF = 60.0               # s: the longest single wait before a retry (also caps Retry-After)
MAX_CRAWL_DELAY = 30.0           # s: a robots.txt Crawl-delay above this is capped (else a run never ends)
ROBOTS_MAX_BYTES = 512 * 1024    # RFC 9309 §2.5: crawlers must parse at least 500 KiB
MAX_REDIRECTS = 5                # hops; more is a loop or a login wall
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
CHUNK = 64 * 1024                # bytes per read of a streamed response


class FetchError(Exception):
    """A URL that could not be fetched; ``message`` is the Chinese line for people."""

    def __init__(self, message: str, status: int | None = None, *, final_url: str | None = None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.final_url = final_url


class RobotsDisallowed(FetchError):
    """robots.txt forbids the URL: it is skipped, not failed."""


@dataclass
class FetchConfig:
    delay: float = DEFAULT_DELAY
    timeout: float = DEFAULT_TIMEOUT
    connect_timeout: float = CONNECT_TIMEOUT
    total_timeout: float = TOTAL_TIMEOUT
    retries: int = DEFAULT_RETRIES
    backoff: float = DEFAULT_BACKOFF
    max_bytes: int = DEFAULT_MAX_BYTES
    max_redirects: int = MAX_REDIRECTS
    user_agent: str = USER_AGENT
    trust_env: bool = True       # honour HTTP(S)_PROXY: offices often sit behind one


@dataclass
class Response:
    """One fetched resource (after redirects)."""
    url: str                       # as requested
    final_url: str                 # after redirects
    status: int
    headers: httpx.Headers
    content: bytes
    redirects: list[str] = field(default_factory=list)

    @property
    def content_type(self) -> str:
        """The media type without parameters, lower case ('' when the server sent none)."""
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def charset(self) -> str | None:
        """The charset parameter of Content-Type, if any."""
        value = self.headers.get("content-type")
        if not value:
            return None
        m = Message()
        m["content-type"] = value
        cs = m.get_content_charset()
        return cs or None


@dataclass
class _Host:
    lock: threading.Lock = field(default_factory=threading.Lock)
    last: float = 0.0              # monotonic time the last request to this host ended
    delay: float = 0.0


@dataclass
class _Robots:
    parser: urllib.robotparser.RobotFileParser | None   # None: everything allowed
    error: str | None = None                             # robots.txt unreachable: the whole site waits


def origin_of(url: str) -> str:
    p = urlsplit(url)
    return f"{p.scheme}://{p.netloc}".lower()


def _timeout_zh(seconds: float) -> str:
    return f"{seconds:g} 秒"


class PoliteClient:
    """Sequential, polite GETs. Use as a context manager, or call ``close()``."""

    def __init__(self, config: FetchConfig | None = None,
                 on_request: Callable[[str], None] | None = None) -> None:
        self.config = config or FetchConfig()
        c = self.config
        self._client = httpx.Client(
            headers={"User-Agent": c.user_agent,
                     "Accept": "text/html,application/xhtml+xml,application/pdf,*/*;q=0.8",
                     "Accept-Language": "zh-CN,zh;q=0.9"},
            timeout=httpx.Timeout(c.timeout, connect=min(c.connect_timeout, c.timeout * 4)),
            follow_redirects=False,
            trust_env=c.trust_env,
        )
        self._hosts: dict[str, _Host] = {}
        self._hosts_lock = threading.Lock()
        self._robots: dict[str, _Robots] = {}
        self._robots_lock = threading.Lock()
        self._on_request = on_request
        self.requests = 0          # HTTP requests sent (robots.txt and retries included)

    # -- lifecycle ---------------------------------------------------------------
    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> "PoliteClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- robots.txt ------------------------------------------------------------------
    def _host(self, url: str) -> _Host:
        key = origin_of(url)
        with self._hosts_lock:
            h = self._hosts.get(key)
            if h is None:
                h = self._hosts[key] = _Host(delay=self.config.delay)
            return h

    def _robots_for(self, url: str) -> _Robots:
        key = origin_of(url)
        with self._robots_lock:
            got = self._robots.get(key)
            if got is not None:
                return got
            got = self._load_robots(key)
            self._robots[key] = got
            return got

    def _load_robots(self, origin: str) -> _Robots:
        robots_url = origin + "/robots.txt"
        try:
            resp = self._get_following(robots_url, {}, check_robots=False, max_bytes=ROBOTS_MAX_BYTES)
        except FetchError as e:
            if e.status is not None and 400 <= e.status < 500:
                return _Robots(None)
            return _Robots(None, f"无法获取该网站的 robots.txt（{e.message}），按 robots 协议本次不抓取该网站")
        if resp.status >= 400:      # pragma: no cover - _get_following raises for these
            return _Robots(None)
        text = resp.content.decode("utf-8", errors="replace")
        rp = urllib.robotparser.RobotFileParser(robots_url)
        rp.parse(text.splitlines())
        cd = rp.crawl_delay(ROBOTS_AGENT)
        if cd is not None:
            try:
                wanted = min(float(cd), MAX_CRAWL_DELAY)
            except (TypeError, ValueError):
                wanted = 0.0
            h = self._host(origin)
            h.delay = max(h.delay, wanted)
        return _Robots(rp)

    def check_robots(self, url: str) -> None:
        """Raise ``RobotsDisallowed`` if robots.txt forbids ``url``, ``FetchError`` if the
        site's robots.txt could not be read."""
        r = self._robots_for(url)
        if r.error:
            raise FetchError(r.error)
        if r.parser is not None and not r.parser.can_fetch(ROBOTS_AGENT, url):
            raise RobotsDisallowed("robots.txt 禁止抓取，已跳过")

    def allowed(self, url: str) -> bool:
        try:
            self.check_robots(url)
        except FetchError:
            return False
        return True

    # -- requests ----------------------------------------------------------------------
    def get(self, url: str, headers: dict[str, str] | None = None) -> Response:
        """GET ``url`` politely. A 304 (conditional request) is returned; any other status
        ≥ 400 raises ``FetchError``; robots.txt is checked for every hop."""
        return self._get_following(url, headers or {}, check_robots=True, max_bytes=self.config.max_bytes)

    def _get_following(self, url: str, headers: dict[str, str], *, check_robots: bool,
                       max_bytes: int) -> Response:
        current = url
        hops: list[str] = []
        while True:
            scheme = urlsplit(current).scheme.lower()
            if scheme not in ("http", "https"):
                raise FetchError(f"不支持的网址协议“{scheme or '（无）'}”：只抓取 http/https 网址", final_url=current)
            if check_robots:
                self.check_robots(current)
            status, resp_headers, content = self._get_retrying(current, headers, max_bytes)
            if status in REDIRECT_STATUSES and resp_headers.get("location"):
                if len(hops) >= self.config.max_redirects:
                    raise FetchError(f"重定向超过 {self.config.max_redirects} 次（可能是循环跳转或登录页），已放弃",
                                     status, final_url=current)
                hops.append(current)
                current = urljoin(current, resp_headers["location"].strip())
                continue
            if status == 304:
                return Response(url, current, status, resp_headers, b"", hops)
            if status >= 400:
                raise FetchError(_status_zh(status), status, final_url=current)
            if 300 <= status < 400:
                raise FetchError(f"服务器返回 HTTP {status} 但没有给出跳转地址", status, final_url=current)
            return Response(url, current, status, resp_headers, content, hops)

    def _get_retrying(self, url: str, headers: dict[str, str], max_bytes: int) -> tuple[int, httpx.Headers, bytes]:
        c = self.config
        attempt = 0
        while True:
            wait_next: float | None = None
            try:
                status, resp_headers, content = self._get_once(url, headers, max_bytes)
            except httpx.TimeoutException:
                if attempt >= c.retries:
                    raise FetchError(f"服务器在 {_timeout_zh(c.timeout)}内没有响应（已重试 {attempt} 次）",
                                     final_url=url) from None
            except httpx.TransportError as e:
                if attempt >= c.retries:
                    raise FetchError(f"无法连接服务器：{_transport_zh(e)}（已重试 {attempt} 次）",
                                     final_url=url) from None
            else:
                if status < 500:
                    return status, resp_headers, content
                if attempt >= c.retries:
                    raise FetchError(f"{_status_zh(status)}（已重试 {attempt} 次）", status, final_url=url)
                wait_next = _retry_after(resp_headers.get("retry-after"))
            backoff = min(c.backoff * (2 ** attempt), MAX_BACKOFF)
            time.sleep(max(backoff, wait_next or 0.0))
            attempt += 1

    def _get_once(self, url: str, headers: dict[str, str], max_bytes: int) -> tuple[int, httpx.Headers, bytes]:
        host = self._host(url)
        with host.lock:
            pause = host.last + host.delay - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            self.requests += 1
            if self._on_request is not None:
                self._on_request(url)
            try:
                return self._stream(url, headers, max_bytes)
            finally:
                host.last = time.monotonic()

    def _stream(self, url: str, headers: dict[str, str], max_bytes: int) -> tuple[int, httpx.Headers, bytes]:
        started = time.monotonic()
        limit_zh = _size_zh(max_bytes)
        with self._client.stream("GET", url, headers=headers) as r:
            if r.status_code in REDIRECT_STATUSES or r.status_code == 304 or r.status_code >= 400:
                return r.status_code, r.headers, b""     # the body of an error page is not kept
            declared = r.headers.get("content-length")
            if declared and declared.strip().isdigit() and int(declared) > max_bytes:
                raise FetchError(f"文件大小 {_size_zh(int(declared))} 超过上限 {limit_zh}，未下载", r.status_code,
                                 final_url=url)
            buf = bytearray()
            for chunk in r.iter_bytes(CHUNK):
                buf += chunk
                if len(buf) > max_bytes:
                    raise FetchError(f"响应超过大小上限 {limit_zh}，已停止下载", r.status_code, final_url=url)
                if time.monotonic() - started > self.config.total_timeout:
                    raise FetchError(f"下载超过 {_timeout_zh(self.config.total_timeout)}仍未完成，已放弃",
                                     r.status_code, final_url=url)
            return r.status_code, r.headers, bytes(buf)


# ---------------------------------------------------------------------------- messages

_STATUS_ZH = {400: "请求无效", 401: "需要登录", 403: "禁止访问", 404: "页面不存在", 410: "页面已删除",
              429: "请求过于频繁，服务器拒绝", 500: "服务器内部错误", 502: "网关错误", 503: "服务暂不可用",
              504: "网关超时"}


def _status_zh(status: int) -> str:
    return f"服务器返回 HTTP {status}（{_STATUS_ZH.get(status, '错误')}）"


def _transport_zh(e: httpx.TransportError) -> str:
    if isinstance(e, httpx.ConnectError):
        return "连接被拒绝或域名无法解析"
    if isinstance(e, httpx.RemoteProtocolError):
        return "服务器提前断开连接或响应格式错误"
    return type(e).__name__


def _size_zh(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KB"


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header given as a number (dates are ignored), capped."""
    if not value or not value.strip().isdigit():
        return None
    return min(float(value.strip()), MAX_BACKOFF)
