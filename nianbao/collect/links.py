"""Reading a fetched web page: its links, what kind of page it is, its pagination.

Owns:
- ``parse_page``: bytes → ``Page`` (text, title, publish date, every link made
  absolute against the page or its ``<base href>``; ``<a>``, ``<iframe>``, ``<embed>`` and
  ``<object>`` — a PDF viewer embeds the file — all parsed by lxml, never by regex);
- link classification: ``is_attachment`` (PDF/DOCX/WPS/DOC/XLS…, also behind a
  ``download.jsp?filename=….pdf``), ``is_report_link`` (text or target says
  ``年度报告``/``年报``/信息公开 with a year, or the text is a bare year such as
  ``2023年度`` — a column split by year), ``link_year``;
- ``page_kind``: report (the page holds the report text), wrapper (no report text,
  but attachments: the report is the attachment), column (a list of report links);
- ``pagination``: the other pages of a column — ``下一页``/``尾页``/page numbers,
  ``index_1.html``/``list_2.shtml`` next to ``index.html``, ``?page=2``/``pageNo=``/…, and
  the TRS CMS ``createPageHTML(n, cur, "index", "html")`` call read from the page's
  script text (the one JavaScript pattern most 政府网站 columns use for paging).
"""
from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote, urldefrag, urljoin, urlsplit

import lxml.html

from .meta import ATTACHMENT_SUFFIXES, clean, date_in, decode_html, page_title, publish_date

# Section headings of the national format (and of pre-2019 reports): a page showing three
# of them outside its links holds the report itself, not just a link to it (the nav of a
# 信息公开 platform links 主动公开 and 依申请公开 on every page, so link text is not counted).
REPORT_MARKERS = ("总体情况", "主动公开", "依申请公开", "收到和处理", "行政复议", "存在的主要问题",
                  "其他需要报告")
MIN_MARKERS = 3
REPORT_WORDS = ("年度报告", "年报")
DISCLOSURE_WORDS = ("信息公开", "政务公开")
# Attachments that sit beside a report but are not one (the 申请表 in a site's sidebar).
NOT_REPORT_WORDS = ("申请表", "申请书", "登记表")
NEXT_WORDS = frozenset({"下一页", "下页", "后页", "下一页>", "下一页>>", "下一页 >", ">", ">>", "»", "›",
                        "next", "next page", "尾页", "末页", "最后一页"})
# Query parameters CMSs page with (Hanweb pageIndex/currpage, TRS page, Jcms pageNo, …).
PAGE_PARAMS = frozenset({"page", "pageno", "pagenum", "pageindex", "pn", "p", "currpage", "curpage",
                         "currentpage", "cpage", "pageid", "start", "offset", "page_no", "pagenumber"})
PAGE_SUFFIXES = ("html", "htm", "shtml", "jsp", "php", "asp", "aspx", "jhtml")
_YEAR = re.compile(r"(?<!\d)((?:19[89]|20[0-9])\d)(?!\d)")
_BARE_YEAR = re.compile(r"^\s*((?:19[89]|20[0-9])\d)\s*(?:年度?|年年报|年报)?\s*$")
_NUMBER = re.compile(r"^\[?\s*\d{1,4}\s*\]?$")
# TRS WCM: createPageHTML(总页数, 当前页, "index", "html") writes index_1.html … index_{n-1}.html.
_TRS_PAGER = re.compile(r"createPageHTML\(\s*['\"]?(\d{1,4})['\"]?\s*,\s*['\"]?(\d{1,4})['\"]?\s*,\s*"
                        r"['\"]([\w.-]{1,40})['\"]\s*,\s*['\"](\w{2,6})['\"]")
_STEM_PAGE = re.compile(r"^(.*?)(?:_\d{1,4})?$")
MAX_TRS_PAGES = 500               # a createPageHTML page count above this is a typo, not a column


@dataclass
class Link:
    url: str                       # absolute, without fragment
    text: str                      # anchor text (and title attribute), whitespace folded
    context: str = ""              # the text of the enclosing list item / row (its date column)
    embedded: bool = False         # from <iframe>/<embed>/<object>: the page shows this file

    @property
    def label(self) -> str:
        return self.text or unquote(posixpath.basename(urlsplit(self.url).path))


@dataclass
class Page:
    url: str
    text: str                      # the page's text outside links, scripts and styles
    encoding: str
    title: str | None
    date_raw: str | None
    date: str | None
    links: list[Link] = field(default_factory=list)
    scripts: str = ""

    @property
    def markers(self) -> int:
        return sum(1 for m in REPORT_MARKERS if m in self.text)

    @property
    def holds_report(self) -> bool:
        return self.markers >= MIN_MARKERS


def _enclosing_text(a: lxml.html.HtmlElement) -> str:
    """The text of the list item / table row around a link (where columns print dates)."""
    el = a.getparent()
    for _ in range(3):
        if el is None:
            break
        if el.tag in ("li", "tr", "dd", "dl", "p"):
            return clean(el.text_content())[:300]
        el = el.getparent()
    return ""


_NOT_TEXT = ("script", "style", "noscript", "template")


def _text_outside_links(root: lxml.html.HtmlElement) -> str:
    """The text of ``root`` without what its links, scripts and styles hold."""
    inside: set[lxml.html.HtmlElement] = set()
    for el in root.iter("a", *_NOT_TEXT):
        inside.update(el.iter())
    parts: list[str] = []
    for el in root.iter():
        if el not in inside and el.text and isinstance(el.tag, str):
            parts.append(el.text)
        parent = el.getparent()
        if el is not root and el.tail and (parent is None or parent not in inside):
            parts.append(el.tail)
    return clean(" ".join(parts))


def parse_page(content: bytes, url: str, declared_charset: str | None = None) -> Page:
    d = decode_html(content, declared_charset)
    root = d.root
    if root is None:
        return Page(url, "", d.encoding, None, None, None)
    base = url
    for b in root.iter("base"):
        href = (b.get("href") or "").strip()
        if href:
            base = urljoin(url, href)
            break
    links: list[Link] = []
    for el in root.iter("a", "area", "iframe", "embed", "object"):
        attr = {"iframe": "src", "embed": "src", "object": "data"}.get(str(el.tag), "href")
        href = (el.get(attr) or "").strip()
        if not href or href.startswith("#") or href.lower().startswith(("javascript:", "mailto:", "tel:", "data:")):
            continue
        absolute = urldefrag(urljoin(base, href))[0]
        if urlsplit(absolute).scheme not in ("http", "https"):
            continue
        if el.tag in ("a", "area"):
            text = clean(el.text_content() if el.tag == "a" else (el.get("alt") or ""))
            title = clean(el.get("title") or "")
            if title and title not in text:
                text = f"{text} {title}".strip() if text and not text.endswith(("...", "…")) else title
            links.append(Link(absolute, text, _enclosing_text(el)))
        else:
            links.append(Link(absolute, "", "", embedded=True))
    body = root.find("body")
    text = _text_outside_links(body if body is not None else root)
    scripts = "\n".join(s.text or "" for s in root.iter("script"))
    date_raw, date = publish_date(root)
    return Page(url, text, d.encoding, page_title(root), date_raw, date, links, scripts)


# ---------------------------------------------------------------------------- links

def _target_names(url: str) -> list[str]:
    """The path's file name and any query values (download.jsp?filename=年报.pdf)."""
    p = urlsplit(url)
    names = [unquote(posixpath.basename(p.path), errors="replace")]
    names += [v for _, v in parse_qsl(p.query, keep_blank_values=False)]
    return names


def is_attachment(link: Link | str) -> bool:
    url = link.url if isinstance(link, Link) else link
    names = _target_names(url)
    if isinstance(link, Link):
        names.append(link.text)
    return any(n.lower().rstrip().endswith(ATTACHMENT_SUFFIXES) for n in names if n)


def link_year(link: Link) -> int | None:
    """The report year a link names: the earliest year in its text (``2024年1月发布的2023年度
    报告`` → 2023), else in its file name."""
    for s in (link.text, " ".join(_target_names(link.url))):
        years = [int(y) for y in _YEAR.findall(s)]
        if years:
            return min(years)
    return None


def is_report_link(link: Link) -> bool:
    text = link.text
    if any(w in text for w in NOT_REPORT_WORDS):
        return False
    if _BARE_YEAR.match(text):
        return True
    has_year = bool(_YEAR.search(text))
    if has_year and (any(w in text for w in REPORT_WORDS) or any(w in text for w in DISCLOSURE_WORDS)):
        return True
    names = " ".join(_target_names(link.url))
    if any(w in names for w in REPORT_WORDS) and not any(w in names for w in NOT_REPORT_WORDS):
        return True          # an attachment named 2023年年报.pdf behind an icon or 「下载」
    return False


def report_attachments(page: Page) -> list[Link]:
    """The attachments of a page that are the report: those that look like one, else
    every attachment the page shows (a wrapper page names its file 附件1.pdf)."""
    atts = [lk for lk in page.links if is_attachment(lk) or lk.embedded and is_attachment(lk.url)]
    atts = [lk for lk in atts if not any(w in lk.label for w in NOT_REPORT_WORDS)]
    looks = [lk for lk in atts if is_report_link(lk)]
    chosen = looks or atts
    out: list[Link] = []
    seen: set[str] = set()
    for lk in chosen:
        if lk.url not in seen:
            seen.add(lk.url)
            out.append(lk)
    return out


def report_links(page: Page) -> list[Link]:
    """The links of a column page to follow as reports (in page order, each URL once)."""
    out: list[Link] = []
    seen = {page.url}
    for lk in page.links:
        if lk.url in seen or lk.embedded:
            continue
        if is_report_link(lk) and not is_pagination(page.url, lk):
            seen.add(lk.url)
            out.append(lk)
    return out


def page_kind(page: Page) -> str:
    """``report``, ``wrapper`` or ``column``."""
    if page.holds_report:
        return "report"
    if report_attachments(page) and not _many_reports(page):
        return "wrapper"
    if report_links(page) or pagination(page):
        return "column"
    return "report"


def _many_reports(page: Page) -> bool:
    """A column that links its reports' attachments directly (several report links)."""
    return len(report_links(page)) >= 3


# ---------------------------------------------------------------------------- pagination

def _dir_of(path: str) -> str:
    return path if path.endswith("/") else posixpath.dirname(path) + "/"


def _page_stem(path: str) -> str:
    name = posixpath.basename(path)
    stem = posixpath.splitext(name)[0] if name else "index"
    m = _STEM_PAGE.match(stem)
    return (m.group(1) if m else stem) or "index"


def is_pagination(column_url: str, link: Link) -> bool:
    """Whether ``link`` is another page of the column at ``column_url``."""
    c, u = urlsplit(column_url), urlsplit(link.url)
    if (c.scheme, c.netloc.lower()) != (u.scheme, u.netloc.lower()):
        return False
    same_dir = _dir_of(c.path) == _dir_of(u.path)
    if not same_dir:
        return False
    name = posixpath.basename(u.path)
    stem = re.escape(_page_stem(c.path))
    if re.fullmatch(rf"{stem}_\d{{1,4}}\.(?:{'|'.join(PAGE_SUFFIXES)})", name, re.I):
        return True
    same_path = posixpath.basename(c.path) == name or (not name and _page_stem(c.path) == "index")
    if same_path and u.query:
        keys = {k.lower() for k, v in parse_qsl(u.query) if v.isdigit()}
        if keys & PAGE_PARAMS:
            return True
    text = link.text.lower()
    if text in NEXT_WORDS or _NUMBER.match(text):
        return same_path or bool(u.query) or name.startswith(_page_stem(c.path))
    return False


def pagination(page: Page) -> list[str]:
    """The URLs of the column's other pages that ``page`` links to (each once)."""
    out: list[str] = []
    seen = {page.url}
    for lk in page.links:
        if lk.url not in seen and not lk.embedded and is_pagination(page.url, lk):
            seen.add(lk.url)
            out.append(lk.url)
    for m in _TRS_PAGER.finditer(page.scripts):
        total, stem, suffix = int(m.group(1)), m.group(3), m.group(4)
        base = _dir_of(urlsplit(page.url).path)
        for i in range(min(total, MAX_TRS_PAGES)):
            name = f"{stem}.{suffix}" if i == 0 else f"{stem}_{i}.{suffix}"
            u = urljoin(page.url, base + name)
            if u not in seen:
                seen.add(u)
                out.append(u)
    return out


def list_date(link: Link) -> tuple[str, str] | None:
    """The date a column prints beside a link (``(raw, iso)``), if any."""
    rest = link.context.replace(link.text, " ") if link.text else link.context
    return date_in(rest) if rest else None
