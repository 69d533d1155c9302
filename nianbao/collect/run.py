"""One collection run: start URLs → saved reports, the manifest, optionally the store.

Owns the walk:

- a start URL is fetched and read as a report page (saved), a wrapper page (saved, and
  its report attachments fetched and saved), or a column (not saved: its report links
  are followed, and its other pages up to ``max_pages`` list pages per start URL);
  a followed link that turns out to be a column itself (a column split by year) is
  walked the same way, ``MAX_COLUMN_DEPTH`` levels deep;
- resumption: a URL with a saved file in the manifest is not requested again (a
  wrapper's missing attachments are fetched); list pages are always fetched again, so
  new reports are found; ``refresh`` re-checks saved URLs with If-None-Match /
  If-Modified-Since and the content hash, and keeps a changed file as a new version;
- ``since``: links naming a year before it are not followed, and a column page whose
  every dated report link is older ends the walk through that column's pages;
- failures: every URL that could not be fetched becomes a ``failed`` manifest line with
  a Chinese message; the run goes on;
- ``--db``: the saved reports go through ``nianbao.store.ingest.ingest`` and the
  manifest into the table ``collect_manifest`` (see ``store_manifest``).
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence
from urllib.parse import urldefrag, urlsplit

from .defaults import DEFAULT_MAX_PAGES
from .fetch import FetchConfig, FetchError, PoliteClient, Response, RobotsDisallowed
from .links import (Link, Page, is_attachment, link_year, list_date, page_kind, pagination, parse_page,
                    report_attachments, report_links)
from .manifest import STATUS_FAILED, STATUS_ROBOTS, STATUS_SAVED, Entry, Manifest, write_durable
from .meta import disposition_filename, file_extension, is_html, query_filename, url_filename

MAX_COLUMN_DEPTH = 2          # a column of years of columns; deeper is a site map, not a 年报 column
MAX_STEM = 60                 # characters of a saved file's name taken from the URL or Content-Disposition
URL_HASH_LEN = 10             # hex digits of sha1(url) in a saved file's name: unique per URL, stable
_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|\s]+")

# Progress: (event, url, done, total); event is "start", "list", "saved", "skipped", "failed", "robots", "done".
ProgressFn = Callable[[str, str, int, int], None]


@dataclass
class CollectOptions:
    out_dir: Path
    delay: float = 1.0
    max_pages: int = DEFAULT_MAX_PAGES
    since: int | None = None
    refresh: bool = False
    fetch: FetchConfig | None = None        # None: FetchConfig(delay=delay)


@dataclass
class CollectResult:
    found: int = 0                 # report links (and report start URLs) met in this run
    saved: int = 0                 # files saved in this run (new URLs and changed versions)
    attachments: int = 0           # of which attachments
    already: int = 0               # report URLs skipped: saved by an earlier run
    unchanged: int = 0             # --refresh: re-checked, not changed
    changed: int = 0               # --refresh: a new version saved
    too_old: int = 0               # links before --since
    list_pages: int = 0            # column pages read
    requests: int = 0              # HTTP requests sent
    robots: list[tuple[str, str]] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)
    truncated: list[str] = field(default_factory=list)     # columns with more pages than --max-pages
    saved_paths: list[Path] = field(default_factory=list)
    ingest_summary: str | None = None
    seconds: float = 0.0

    @property
    def exit_code(self) -> int:
        return 2 if self.failures else 0

    def summary_zh(self) -> list[str]:
        lines = [f"发现报告链接 {self.found} 个：本次保存文件 {self.saved} 个（其中附件 {self.attachments} 个）"
                 f"，此前已保存 {self.already} 个"
                 + (f"，复查未变 {self.unchanged} 个、有更新 {self.changed} 个" if self.unchanged or self.changed else "")
                 + (f"，早于起始年份未抓取 {self.too_old} 个" if self.too_old else "")
                 + f"，robots.txt 禁止 {len(self.robots)} 个，失败 {len(self.failures)} 个"
                 + f"；读取栏目页 {self.list_pages} 个，发出请求 {self.requests} 次，用时 {self.seconds:.1f} 秒"]
        for url in self.truncated:
            lines.append(f"栏目页数超过 --max-pages 上限，未读完：{url}")
        for url, msg in self.robots:
            lines.append(f"跳过（robots.txt 禁止）：{url}")
        for url, msg in self.failures:
            lines.append(f"失败：{url} —— {msg}")
        if self.ingest_summary:
            lines.append(f"入库：{self.ingest_summary}")
        return lines


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()


def _safe_stem(name: str) -> str:
    stem = Path(name).stem if "." in name else name
    stem = _UNSAFE.sub("_", stem).strip("._")
    return stem[:MAX_STEM] or "index"


def _host_dir(url: str) -> str:
    netloc = urlsplit(url).netloc.lower()
    return _UNSAFE.sub("_", netloc.replace(":", "_")) or "site"


def saved_name(url: str, name_hint: str | None, ext: str, version: int) -> str:
    """``host/stem_urlhash[.vN].ext``: a function of the URL, so a re-run writes the same file."""
    stem = _safe_stem(name_hint or url_filename(url) or "index")
    h = hashlib.sha1(url.encode("utf-8")).hexdigest()[:URL_HASH_LEN]
    v = f".v{version}" if version > 1 else ""
    return f"{_host_dir(url)}/{stem}_{h}{v}{ext}"


@dataclass
class _Origin:
    """Where a target came from."""
    list_page: str | None = None
    parent: str | None = None
    link: Link | None = None
    unit: str | None = None


class Collector:
    def __init__(self, options: CollectOptions, progress: ProgressFn | None = None,
                 on_request: Callable[[str], None] | None = None) -> None:
        self.opt = options
        cfg = options.fetch or FetchConfig(delay=options.delay)
        self.client = PoliteClient(cfg, on_request=on_request)
        self.manifest = Manifest(options.out_dir)
        self.result = CollectResult()
        self._progress = progress
        self._done = 0
        self._total = 0
        self._handled: set[str] = set()          # URLs dealt with in this run (each once)

    # -- progress -------------------------------------------------------------------
    def _grow(self, n: int) -> None:
        self._total += n
        self._tick("start", "", 0)

    def _tick(self, event: str, url: str, n: int = 1) -> None:
        self._done += n
        if self._progress is not None:
            self._progress(event, url, self._done, max(self._total, self._done))

    # -- the walk --------------------------------------------------------------------------
    def run(self, starts: Sequence[tuple[str, str | None]]) -> CollectResult:
        import time
        t0 = time.perf_counter()
        try:
            self._grow(len(starts))
            for url, unit in starts:
                self._start(url.strip(), unit)
            self._total = self._done          # pages left unread (--max-pages) are not pending
            self._tick("done", "", 0)
        finally:
            self.manifest.compact()
            self.result.requests = self.client.requests
            self.client.close()
        self.result.seconds = time.perf_counter() - t0
        return self.result

    def _start(self, url: str, unit: str | None) -> None:
        origin = _Origin(unit=unit)
        if urlsplit(url).scheme.lower() not in ("http", "https"):
            self._fail(url, origin, f"不是 http/https 网址：{url}")
            return
        self._visit(url, url, origin, [self.opt.max_pages - 1], None)

    def _handle(self, resp: Response, origin: _Origin, budget: list[int], depth: int | None) -> None:
        """A fetched start URL (``depth`` None) or followed link (found on a list page of
        that column depth): a file, a report page, a wrapper page or a column."""
        if resp.status == 304:
            self.result.found += 1
            latest = self._save_response(resp, origin, attachment=False)
            if latest is not None and latest.attachments:
                self._attachments(latest, list(latest.attachments))
            return
        if not is_html(resp.content_type, resp.content, resp.final_url):
            self.result.found += 1
            self._save_response(resp, origin, attachment=True)
            return
        page = parse_page(resp.content, resp.final_url, resp.charset)
        kind = page_kind(page)
        if kind == "column" and (depth is None or depth + 1 < MAX_COLUMN_DEPTH):
            self.result.list_pages += 1
            self._tick("list", resp.url)
            self._column(page, origin, budget, 0 if depth is None else depth + 1)
            return
        self.result.found += 1
        self._page(resp, page, "report" if kind == "column" else kind, origin)

    def _column(self, first: Page, origin: _Origin, budget: list[int], depth: int) -> None:
        """Walk a column: its report links page by page, then its other pages."""
        queue: list[Page | str] = [first]
        seen: set[str] = {first.url}
        while queue:
            item = queue.pop(0)
            if isinstance(item, str):
                if budget[0] <= 0:
                    self.result.truncated.append(first.url)
                    break
                budget[0] -= 1
                resp = self._get(item, _Origin(list_page=first.url, unit=origin.unit), list_page=True)
                if resp is None or not is_html(resp.content_type, resp.content, resp.final_url):
                    continue
                self.result.list_pages += 1
                self._tick("list", item)
                page = parse_page(resp.content, resp.final_url, resp.charset)
            else:
                page = item
            links = report_links(page)
            self._grow(len(links))
            dated = [link_year(lk) for lk in links]
            for lk in links:
                self._target(lk, _Origin(list_page=page.url, link=lk, unit=origin.unit), budget, depth)
            since = self.opt.since
            if since is not None and dated and all(y is not None and y < since for y in dated):
                continue          # this page lists only older reports: the following pages are older still
            more = [u for u in pagination(page) if u not in seen]
            seen.update(more)
            self._grow(len(more))
            queue.extend(more)

    def _target(self, link: Link, origin: _Origin, budget: list[int], depth: int) -> None:
        url = link.url
        if url in self._handled:
            self._tick("skipped", url)
            return
        year = link_year(link)
        if self.opt.since is not None and year is not None and year < self.opt.since:
            self.result.too_old += 1
            self._handled.add(url)
            self._tick("skipped", url)
            return
        try:
            self.client.check_robots(url)
        except RobotsDisallowed as e:
            self.result.found += 1
            self._handled.add(url)
            self._robots(url, origin, e.message)
            return
        except FetchError:
            pass        # robots.txt unreachable: _get records the failure
        self._visit(url, link, origin, budget, depth)

    def _visit(self, url: str, link: Link | str, origin: _Origin, budget: list[int], depth: int | None) -> None:
        """A start URL or a followed ``link`` (``url`` as fetched): already collected, an
        attachment, or a page to handle."""
        if self.manifest.latest(url) is not None and not self.opt.refresh:
            self.result.found += 1
            self._already(url, origin)
            return
        if is_attachment(link):
            self.result.found += 1
            self._fetch_file(url, origin, attachment=True)
            return
        resp = self._get(url, origin, conditional=True)
        if resp is None:
            self.result.found += 1
            return
        self._handle(resp, origin, budget, depth)

    # -- one report ------------------------------------------------------------------------
    def _page(self, resp: Response, page: Page, kind: str, origin: _Origin) -> None:
        """Save a report page or a wrapper page (then its attachments)."""
        atts = [lk.url for lk in report_attachments(page)] if kind == "wrapper" else []
        entry = self._save_response(resp, origin, attachment=False, page=page, is_report=kind != "wrapper",
                                    attachments=atts)
        if entry is None:
            return
        self._attachments(entry, atts)

    def _attachments(self, wrapper: Entry, urls: list[str]) -> None:
        self._grow(len(urls))
        for u in urls:
            if u in self._handled:
                self._tick("skipped", u)
                continue
            origin = _Origin(list_page=wrapper.list_page, parent=wrapper.url, unit=wrapper.unit)
            origin.link = None
            if self.manifest.latest(u) is not None and not self.opt.refresh:
                self._handled.add(u)
                self._tick("skipped", u)
                continue
            try:
                self.client.check_robots(u)
            except RobotsDisallowed as e:
                self._handled.add(u)
                self._robots(u, origin, e.message)
                continue
            except FetchError:
                pass
            self._fetch_file(u, origin, attachment=True, wrapper=wrapper)

    def _already(self, url: str, origin: _Origin) -> None:
        """A URL saved by an earlier run: nothing is requested; a wrapper's missing
        attachments are fetched."""
        self._handled.add(url)
        self.result.already += 1
        self._tick("skipped", url)
        latest = self.manifest.latest(url)
        if latest is not None and latest.attachments:
            self._attachments(latest, list(latest.attachments))

    def _fetch_file(self, url: str, origin: _Origin, *, attachment: bool, wrapper: Entry | None = None) -> None:
        resp = self._get(url, origin, conditional=True)
        if resp is None:
            return
        self._save_response(resp, origin, attachment=attachment, wrapper=wrapper)

    def _get(self, url: str, origin: _Origin, *, conditional: bool = False,
             list_page: bool = False) -> Response | None:
        """Fetch; on failure record it and return None."""
        headers: dict[str, str] = {}
        if conditional and self.opt.refresh:
            latest = self.manifest.latest(url)
            if latest is not None:
                if latest.etag:
                    headers["If-None-Match"] = latest.etag
                if latest.last_modified:
                    headers["If-Modified-Since"] = latest.last_modified
        if not list_page:
            self._handled.add(url)
        try:
            return self.client.get(url, headers)
        except RobotsDisallowed as e:
            self._robots(url, origin, e.message)
        except FetchError as e:
            what = "栏目页" if list_page else ("附件" if origin.parent else "报告")
            self._fail(url, origin, f"{what}无法获取：{e.message}", e.status)
        return None

    def _save_response(self, resp: Response, origin: _Origin, *, attachment: bool, page: Page | None = None,
                       is_report: bool = True, attachments: list[str] | None = None,
                       wrapper: Entry | None = None) -> Entry | None:
        url = resp.url
        latest = self.manifest.latest(url)
        if resp.status == 304 and latest is not None:
            self.result.unchanged += 1
            self._tick("skipped", url)
            return latest
        if resp.status == 304:      # a 304 without a saved copy (we sent no validator): treat as failure
            self._fail(url, origin, "服务器返回 HTTP 304 但本地没有已保存的版本", 304)
            return None
        content = resp.content
        if not content:
            self._fail(url, origin, ("附件" if origin.parent else "报告") + "内容为空（服务器返回 0 字节）", resp.status)
            return None
        sha = hashlib.sha256(content).hexdigest()
        if latest is not None and latest.sha256 == sha:
            self.result.unchanged += 1
            self._tick("skipped", url)
            return latest
        name = disposition_filename(resp.headers) or query_filename(resp.final_url)
        ext = file_extension(name, resp.final_url, resp.content_type, content)
        versions = [e.version or 1 for e in self.manifest.saved(url)]
        version = max(versions) + 1 if versions else 1
        rel = saved_name(url, name, ext, version)
        write_durable(self.opt.out_dir / rel, content)
        link = origin.link
        if page is not None:
            title = page.title
        elif link is not None and link.text:
            title = link.text
        elif wrapper is not None and wrapper.title:
            title = wrapper.title
        else:
            title = Path(name).stem if name else None
        date_raw, date = (page.date_raw, page.date) if page is not None else (None, None)
        if date is None and link is not None:
            got = list_date(link)
            if got:
                date_raw, date = got
        if date is None and wrapper is not None:
            date_raw, date = wrapper.publish_date_raw, wrapper.publish_date
        year = link_year(link) if link is not None else None
        if year is None and title:
            year = link_year(Link(url, title))
        entry = Entry(
            url=url, status=STATUS_SAVED, list_page=origin.list_page, parent=origin.parent,
            kind="attachment" if attachment and page is None else "page", is_report=is_report,
            title=title, publish_date=date, publish_date_raw=date_raw, fetched_at=_now(),
            http_status=resp.status, content_type=resp.headers.get("content-type"), sha256=sha, size=len(content),
            file=rel, final_url=resp.final_url if resp.final_url != url else None,
            encoding=page.encoding if page is not None else None,
            etag=resp.headers.get("etag"), last_modified=resp.headers.get("last-modified"),
            version=version if version > 1 else None, attachments=list(attachments or []), year=year,
            unit=origin.unit or (wrapper.unit if wrapper is not None else None),
        )
        self.manifest.append(entry)
        self.result.saved += 1
        if entry.kind == "attachment":
            self.result.attachments += 1
        if latest is not None:
            self.result.changed += 1
        self.result.saved_paths.append(self.opt.out_dir / rel)
        self._tick("saved", url)
        return entry

    # -- outcomes ------------------------------------------------------------------------------
    def _fail(self, url: str, origin: _Origin, message: str, status: int | None = None) -> None:
        self._handled.add(url)
        self.manifest.append(Entry(url=url, status=STATUS_FAILED, list_page=origin.list_page, parent=origin.parent,
                                   fetched_at=_now(), http_status=status, error=message, unit=origin.unit))
        self.result.failures.append((url, message))
        self._tick("failed", url)

    def _robots(self, url: str, origin: _Origin, message: str) -> None:
        self.manifest.append(Entry(url=url, status=STATUS_ROBOTS, list_page=origin.list_page, parent=origin.parent,
                                   fetched_at=_now(), error=message, unit=origin.unit))
        self.result.robots.append((url, message))
        self._tick("robots", url)


def collect(urls: Sequence[str | tuple[str, str | None]], options: CollectOptions,
            progress: ProgressFn | None = None, on_request: Callable[[str], None] | None = None) -> CollectResult:
    """Collect the reports reachable from ``urls`` (each a URL or ``(url, unit name)``)."""
    starts: list[tuple[str, str | None]] = []
    seen: set[str] = set()
    for u in urls:
        url, unit = (u, None) if isinstance(u, str) else u
        url = urldefrag(url.strip())[0]
        if url and url not in seen:
            seen.add(url)
            starts.append((url, unit))
    return Collector(options, progress, on_request).run(starts)
