"""What a fetched resource says about itself: text, title, publish date, file name.

Owns:
- ``decode_html``: bytes as served → text (the HTTP charset, the page's ``<meta>``,
  then detection — ``nianbao.readers.encoding``, which uses charset-normalizer; GB2312
  and GBK are read as GB18030) and an lxml tree;
- ``page_title``: ``<meta name="ArticleTitle">`` and friends, the first ``<h1>``, then
  ``<title>`` without the site name;
- ``publish_date``: ``<meta>`` tags (PubDate, publishdate, article:published_time, …),
  then a ``发布时间：``/``发布日期：`` field in the page text; as shown (raw) and ISO;
- ``disposition_filename``: the file name in Content-Disposition — RFC 5987
  ``filename*=UTF-8''…``, plain UTF-8, or raw GBK bytes as many Chinese servers send;
- ``file_extension``: the suffix a saved file gets (from that name, the URL, the
  Content-Type, the first bytes), so the readers recognise it.
"""
from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from email.message import Message
from email.utils import collapse_rfc2231_value
from urllib.parse import parse_qsl, unquote, urlsplit

import httpx
import lxml.html

from ..readers.encoding import decode_detailed

# <meta> names that carry the title, in order of trust (CMS fields first: TRS, Hanweb and
# 大汉 CMSs write ArticleTitle; others use Open Graph or Dublin Core).
TITLE_META = ("articletitle", "og:title", "dc.title", "twitter:title", "title")
# <meta> names that carry the publish date (TRS/Hanweb PubDate, 政府网站 publishdate,
# Open Graph and Dublin Core).
DATE_META = ("pubdate", "publishdate", "publish_date", "publishtime", "article:published_time",
             "dc.date", "dc.date.issued", "dcterms.issued", "dcterms.created", "firstpublishedtime",
             "createdate", "releasedate")
# How far into the page text a 发布时间 field is looked for: it sits in the header block.
DATE_FIELD_SPAN = 20_000

_DATE = re.compile(r"((?:19|20)\d{2})\s*[-/年.]\s*(\d{1,2})\s*[-/月.]\s*(\d{1,2})(?:\s*日)?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?")
# The field label as pages print it: 发布时间 / 发布日期 / 发文日期 / 公开日期 / 成文日期 / 日期.
_DATE_FIELD = re.compile(r"(?:发布|发文|公开|成文|印发|生成)?(?:时间|日期)\s*[:：]\s*")
_TITLE_SPLIT = re.compile(r"\s*(?:_|\||｜|——|--|\s-\s|—)\s*")
_WS = re.compile(r"\s+")


def clean(s: str) -> str:
    """Whitespace (including full-width and non-breaking spaces) folded to one space."""
    return _WS.sub(" ", s.replace("\u3000", " ").replace("\xa0", " ")).strip()


@dataclass
class Decoded:
    text: str
    encoding: str
    root: lxml.html.HtmlElement | None


def decode_html(content: bytes, declared: str | None) -> Decoded:
    """Decode a page and parse it; ``root`` is None when lxml finds no document."""
    d = decode_detailed(content, declared)
    parser = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True)
    try:
        root = lxml.html.document_fromstring(d.text.encode("utf-8", errors="replace"), parser=parser)
    except (ValueError, lxml.etree.ParserError):
        root = None
    return Decoded(d.text, d.encoding, root)


def _meta(root: lxml.html.HtmlElement, names: tuple[str, ...]) -> str | None:
    found: dict[str, str] = {}
    for m in root.iter("meta"):
        key = (m.get("name") or m.get("property") or m.get("itemprop") or m.get("http-equiv") or "").strip().lower()
        value = clean(m.get("content") or "")
        if key in names and value and key not in found:
            found[key] = value
    for n in names:
        if n in found:
            return found[n]
    return None


def page_title(root: lxml.html.HtmlElement) -> str | None:
    t = _meta(root, TITLE_META)
    if t:
        return t
    for h in root.iter("h1", "h2"):
        s = clean(h.text_content())
        if 4 <= len(s) <= 200:
            return s
    el = root.find(".//title")
    if el is None:
        return None
    title = clean(el.text_content())
    parts = [p for p in _TITLE_SPLIT.split(title) if p]
    for p in parts:
        if "报告" in p or "年报" in p:
            return p
    return parts[0] if parts else (title or None)


def iso_date(s: str) -> str | None:
    """The first plausible date in ``s`` as YYYY-MM-DD."""
    for m in _DATE.finditer(s):
        y, mo, d = (int(g) for g in m.groups())
        if 1990 <= y <= 2100 and 1 <= mo <= 12 and 1 <= d <= 31:
            return f"{y:04d}-{mo:02d}-{d:02d}"
    return None


def date_in(text: str) -> tuple[str, str] | None:
    """``(raw, iso)`` of the first date in a short text (a list item's date column)."""
    m = _DATE.search(text)
    if not m:
        return None
    iso = iso_date(m.group(0))
    return (m.group(0).strip(), iso) if iso else None


def publish_date(root: lxml.html.HtmlElement) -> tuple[str | None, str | None]:
    """``(as shown, ISO date)`` of the page's publish date, or ``(None, None)``."""
    v = _meta(root, DATE_META)
    if v and iso_date(v):
        return v, iso_date(v)
    body = root.find("body")
    text = clean((body if body is not None else root).text_content())[:DATE_FIELD_SPAN]
    for m in _DATE_FIELD.finditer(text):
        d = _DATE.match(text, m.end())
        if d:
            iso = iso_date(d.group(0))
            if iso:
                return d.group(0).strip(), iso
    return None, None


# ---------------------------------------------------------------------------- file names

def disposition_filename(headers: httpx.Headers) -> str | None:
    """The file name a Content-Disposition header gives, decoded."""
    raw = None
    for k, v in headers.raw:
        if k.lower() == b"content-disposition":
            raw = v
            break
    if raw is None:
        return None
    try:
        value = raw.decode("utf-8")
    except UnicodeDecodeError:
        value = raw.decode("gb18030", errors="replace")     # raw GBK bytes, as many Chinese servers send
    msg = Message()
    msg["content-disposition"] = value
    plain: str | None = None
    extended: str | None = None       # filename*= (RFC 5987/2231): preferred (RFC 6266 §4.3)
    for key, param in msg.get_params(header="content-disposition") or []:
        if key.lower() != "filename":
            continue
        if isinstance(param, tuple):
            extended = extended or str(collapse_rfc2231_value(param, errors="replace"))
        elif param:
            plain = plain or str(param)
    name = extended or plain
    if not name:
        return None
    if "%" in name:                   # some servers percent-encode a plain filename=
        name = unquote(name, encoding="utf-8", errors="strict") if _valid_pct_utf8(name) else name
    name = posixpath.basename(name.replace("\\", "/")).strip()
    return name or None


def _valid_pct_utf8(s: str) -> bool:
    try:
        unquote(s, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        return False
    return True


def url_filename(url: str) -> str:
    """The last path segment of ``url``, percent-decoded ('' for a directory)."""
    path = urlsplit(url).path
    return unquote(posixpath.basename(path), errors="replace")


def query_filename(url: str) -> str | None:
    """A file name carried in the query (``downfile.jsp?filename=2021nb.pdf``)."""
    for _, v in parse_qsl(urlsplit(url).query):
        name = posixpath.basename(v.replace("\\", "/")).strip()
        if name.lower().endswith(ATTACHMENT_SUFFIXES):
            return name
    return None


ATTACHMENT_SUFFIXES = (".pdf", ".docx", ".doc", ".wps", ".xls", ".xlsx", ".et", ".rtf", ".odt")
HTML_SUFFIXES = (".html", ".htm", ".shtml", ".xhtml")
_TYPE_SUFFIX = {
    "text/html": ".html", "application/xhtml+xml": ".html", "application/pdf": ".pdf",
    "application/msword": ".doc", "application/vnd.ms-works": ".wps", "application/kswps": ".wps",
    "application/wps-office.wps": ".wps", "application/vnd.ms-excel": ".xls",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/rtf": ".rtf", "text/rtf": ".rtf", "application/vnd.oasis.opendocument.text": ".odt",
    "text/plain": ".txt",
}


def sniff_suffix(content: bytes) -> str | None:
    """A suffix from the first bytes (for application/octet-stream without a name)."""
    head = content[:8]
    if head.startswith(b"%PDF"):
        return ".pdf"
    if head.startswith(b"PK\x03\x04"):
        return ".docx" if b"word/" in content[:65536] else (".xlsx" if b"xl/" in content[:65536] else ".docx")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return ".doc"
    if head.startswith(b"{\\rtf"):
        return ".rtf"
    low = content[:512].lstrip().lower()
    if low.startswith((b"<!doctype html", b"<html", b"<head", b"<meta")):
        return ".html"
    return None


def file_extension(name: str | None, url: str, content_type: str, content: bytes) -> str:
    """The suffix the saved file gets."""
    for candidate in (name or "", url_filename(url)):
        suf = posixpath.splitext(candidate)[1].lower()
        if suf in ATTACHMENT_SUFFIXES or suf in HTML_SUFFIXES or suf == ".txt":
            return ".html" if suf in HTML_SUFFIXES else suf
    by_type = _TYPE_SUFFIX.get(content_type)
    if by_type:
        return by_type
    return sniff_suffix(content) or ".bin"


def is_html(content_type: str, content: bytes, url: str) -> bool:
    """Whether a response is a web page (to parse) rather than a document."""
    if content_type in ("text/html", "application/xhtml+xml"):
        return sniff_suffix(content) in (None, ".html")
    if content_type in ("", "application/octet-stream", "text/plain"):
        return sniff_suffix(content) == ".html"
    return False
