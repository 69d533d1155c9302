"""HTML reader: a saved web page (or an HTML fragment) → ``GridDocument``.

Owns: content sniffing for HTML, safe parsing (lxml's HTML parser, no network, no entity
expansion), removal of scripts/styles/navigation, finding the report's main content
container inside site chrome, and turning that container into blocks in document order:
``Paragraph`` for each block-level line and ``GridTable`` for each data table, with
rowspan/colspan resolved on a grid-occupancy map. A table that contains other tables is
a layout container: its cells are read as blocks, so it never swallows the data tables.
Text is copied as printed (whitespace collapsed, ``&nbsp;`` → space); nothing is guessed.

A report published as preformatted text (a ``<pre>`` block, or a text rendering wrapped
in a minimal page: lines separated by ``<br>`` or one per ``<p>``, tabs and pipes kept)
is read by the text reader's parsing (``text.parse_text``), so its tab rows, pipe cells
and markdown tables become tables as they would in a ``.txt`` file. A page nested deeper
than libxml2 parses (it then silently drops the rest) is refused with ``too-deep``.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from lxml import etree

from ..grid import GridCell, GridDocument, GridTable, Paragraph, Source
from ..vocab import ErrorCode
from .base import Limits, ReadError, Reader
from .encoding import decode_detailed, looks_binary
from .text import parse_text

# Elements whose content is never report text.
_DROP = {"script", "style", "noscript", "template", "iframe", "frame", "frameset", "object", "embed",
         "svg", "math", "canvas", "video", "audio", "map", "select", "option", "button", "input",
         "textarea", "head", "title", "meta", "link", "base", "nav"}
# Elements that start a new line of text.
_BLOCK = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "dl", "dt", "dd",
          "section", "article", "main", "aside", "header", "footer", "blockquote", "pre", "center",
          "address", "figure", "figcaption", "form", "fieldset", "legend", "hr", "caption",
          "tr", "td", "th", "tbody", "thead", "tfoot", "body", "html", "details", "summary", "table"}
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_WS = re.compile(r"[ \t\n\r\f\v\u00a0\u200b\ufeff]+")
_WEIGHTY = re.compile(r"[\u3400-\u9fff\uf900-\ufaff0-9\uff10-\uff19]")
_MARKERS = ("总体情况", "主动公开", "依申请公开", "收到和处理", "行政复议", "存在的主要问题", "其他需要报告")
_SNIFF = re.compile(rb"^(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|table|p[\s>]|div[\s>]|meta|title|h[1-6][\s>])",
                    re.I | re.S)


def _text(el) -> str:
    return "".join(el.itertext())


def _clean(s: str) -> str:
    return _WS.sub(" ", s).strip()


class HtmlReader(Reader):
    name = "html"
    extensions = (".html", ".htm", ".shtml", ".xhtml")

    @classmethod
    def is_valid(cls, path: Path, head: bytes) -> bool:
        ext = Path(path).suffix.lower()
        if ext in cls.extensions:
            return True
        h = head[:2048]
        if h.startswith((b"\xff\xfe", b"\xfe\xff")):
            h = h[2:].decode("utf-16-le" if head[:2] == b"\xff\xfe" else "utf-16-be", "ignore").encode("utf-8")
        elif h[:1] in (b"\x00",) or h[1:2] == b"\x00":  # UTF-16 without BOM
            h = h.replace(b"\x00", b"")
        h = h.removeprefix(b"\xef\xbb\xbf").lstrip()
        if h.startswith(b"<?xml"):
            end = h.find(b"?>")
            h = h[end + 2:].lstrip() if end >= 0 else h
        return bool(_SNIFF.match(h))

    def convert(self, path: Path, data: bytes) -> GridDocument:
        name = Path(path).name
        if looks_binary(data):
            raise ReadError(f"文件内容不是文本（可能是二进制文件、图片或已损坏），无法按网页读取：{name}")
        dec = decode_detailed(data)
        text = dec.text
        if len(text) > Limits.max_text_chars:
            raise ReadError(f"网页过大（{len(text) / 1e6:.1f} 百万字符，上限 {Limits.max_text_chars / 1e6:.0f} 百万字符）：{name}",
                            ErrorCode.FILE_TOO_LARGE)
        doc = GridDocument(source=str(path), format="html", encoding=dec.encoding)
        doc.warnings.extend(dec.warnings)
        root = _parse(text, name)
        n_cells = sum(1 for _ in root.iter("td", "th"))
        if n_cells > Limits.max_table_cells:
            raise ReadError(f"网页中的表格单元格过多（{n_cells} 个，上限 {Limits.max_table_cells} 个）：{name}",
                            ErrorCode.FILE_TOO_LARGE)
        doc.title_hint = _title_hint(root)
        meta_date = _meta_date(root)
        _strip_chrome(root)
        body = root.find("body")
        if body is None:
            body = root
        doc.date_hint = meta_date or _line_date(body)
        container = _main_container(body)
        _Walker(str(path), doc).run(container)
        if not doc.tables and container.find(".//table") is None:
            # no HTML tables: a text rendering wrapped in a page keeps its tables in its lines
            blocks = parse_text(str(path), _raw_lines(container))
            if any(isinstance(b, GridTable) for b in blocks):
                doc.blocks = blocks
        if not doc.blocks:
            doc.warnings.append("网页中没有找到正文文字（正文可能是图片、附件或由脚本生成）")
        elif not doc.tables and container.find(".//img") is not None:
            doc.warnings.append("正文中没有文字表格但有图片：表格可能以图片形式发布，图片中的文字未读取")
        return doc


# --------------------------------------------------------------------------- parsing

# libxml2's depth limit without XML_PARSE_HUGE (which nianbao never sets: hostile input).
_MAX_DEPTH = 256


def _parse(text: str, name: str):
    parser = etree.HTMLParser(encoding="utf-8", no_network=True, remove_comments=True, remove_pis=True,
                              huge_tree=False, recover=True, default_doctype=False)
    try:
        root = etree.fromstring(text.encode("utf-8", "surrogatepass"), parser=parser)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as e:
        if not text.strip():
            raise ReadError(f"网页内容为空：{name}") from None
        raise ReadError(f"网页结构损坏，无法解析：{name}（{e}）") from None
    if any(e.type_name == "ERR_RESOURCE_LIMIT" for e in parser.error_log):
        # libxml2 stops building the tree past its depth limit and drops the rest
        raise ReadError(f"网页结构嵌套过深（超过 {_MAX_DEPTH} 层），解析库无法完整读取，已放弃读取：{name}",
                        ErrorCode.TOO_DEEP)
    if root is None:
        raise ReadError(f"网页内容为空：{name}")
    return root


def _raw_lines(el) -> str:
    """A subtree's text as lines with its whitespace kept (tabs, runs of spaces): a
    ``<br>`` ends a line, a block element ends the current line, an empty block is a
    blank line. Outside ``<pre>`` a source line break next to a ``<br>`` or between
    blocks is markup layout, not a line of the text. The input of the text parser for
    a text rendering inside HTML."""
    out: list[str] = []

    def end_line() -> None:
        if out and not out[-1].endswith("\n"):
            out.append("\n")

    def walk(e, pre: bool) -> None:
        tag = e.tag if isinstance(e.tag, str) else ""
        if tag == "br":
            out.append("\n")
            return
        pre = pre or tag == "pre"
        block = tag in _BLOCK and tag not in ("html", "body")
        if block:
            end_line()
        mark = len(out)
        if e.text:
            out.append(e.text)
        for child in e:
            walk(child, pre)
            tail = child.tail
            if tail and not pre and (child.tag == "br" or child.tag in _BLOCK):
                tail = "" if not tail.strip() else tail.removeprefix("\r").removeprefix("\n")
            if tail:
                out.append(tail)
        if block:
            if not "".join(out[mark:]).strip():
                out.append("\n")          # an empty <p></p>: a blank line
            end_line()

    walk(el, el.tag == "pre")
    return "".join(out).replace("\u00a0", " ")


def _strip_chrome(root) -> None:
    doomed = [el for el in root.iter() if not isinstance(el.tag, str)
              or el.tag in _DROP
              or (el.get("role") or "").lower() in ("navigation", "menubar", "search")
              or (el.get("aria-hidden") or "").lower() == "true" and el.tag not in _BLOCK]
    for el in doomed:
        _remove_keep_tail(el)


def _remove_keep_tail(el) -> None:
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail
    if tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(el)


# --------------------------------------------------------------------------- hints

def _meta(root, *names: str) -> str | None:
    wanted = {n.lower() for n in names}
    for m in root.iter("meta"):
        key = (m.get("name") or m.get("property") or m.get("itemprop") or "").strip().lower()
        if key in wanted:
            v = _clean(m.get("content") or "")
            if v:
                return v
    return None


_TITLE_SPLIT = re.compile(r"\s*(?:_|\||｜|——|--|\s-\s|(?<!\d)-|-(?!\d)|—)\s*")


def _title_hint(root) -> str | None:
    t = _meta(root, "ArticleTitle", "og:title", "twitter:title", "dc.title")
    if t:
        return t
    el = root.find(".//title")
    if el is None:
        return None
    title = _clean(_text(el))
    if not title:
        return None
    parts = [p for p in _TITLE_SPLIT.split(title) if p]
    for p in parts:
        if "报告" in p:
            return p
    return parts[0] if parts else title


_DATE = re.compile(r"(\d{4})\s*[-/年.]\s*(\d{1,2})\s*[-/月.]\s*(\d{1,2})")
_DATE_LINE = re.compile(r"(?:发布|成文|印发|更新)?(?:时间|日期)\s*[:：]\s*(\d{4}\s*[-/年.]\s*\d{1,2}\s*[-/月.]\s*\d{1,2})")


def _iso(s: str) -> str | None:
    m = _DATE.search(s)
    if not m:
        return None
    y, mo, d = (int(g) for g in m.groups())
    if not (1990 <= y <= 2100 and 1 <= mo <= 12 and 1 <= d <= 31):
        return None
    return f"{y:04d}-{mo:02d}-{d:02d}"


def _meta_date(root) -> str | None:
    v = _meta(root, "PubDate", "publishdate", "pubdate", "publish_date", "article:published_time",
              "dc.date", "dcterms.created", "firstpublishedtime")
    return _iso(v) if v else None


def _line_date(body) -> str | None:
    """A ``发布时间：2024-03-08`` line near the top of the page."""
    m = _DATE_LINE.search(_clean(_text(body))[:20000])
    return _iso(m.group(1)) if m else None


# --------------------------------------------------------------------------- main content

_CHROME_TAGS = {"header", "footer", "aside"}
_CHROME_TOKENS = {"header", "head", "footer", "foot", "nav", "navbar", "navigation", "menu", "menus",
                  "breadcrumb", "breadcrumbs", "crumb", "crumbs", "position", "location", "sidebar", "side",
                  "copyright", "share", "bdshare", "related", "relate", "xglj", "link", "links", "toolbar",
                  "topbar", "banner", "bottom", "weizhi", "dqwz", "sitemap", "search", "login", "print",
                  "qrcode", "ewm", "comment", "comments", "friendlink", "yqlj"}
_GUARD = _MARKERS + ("概述", "年度报告")


@lru_cache(maxsize=4096)
def _chrome_names(names: str) -> bool:
    """True when class/id names mark site chrome (tokens like header, menu, breadcrumb)."""
    names = re.sub(r"([a-z])([A-Z])", r"\1 \2", names).lower()
    tokens = {t.rstrip("0123456789") for t in re.split(r"[^a-z0-9]+", names) if t}
    return bool(tokens & _CHROME_TOKENS)


def _is_chrome(el, memo: dict | None = None) -> bool:
    """Site chrome by tag or class/id (header, footer, menu, breadcrumb, share…), unless it
    holds report headings."""
    if el.tag not in _CHROME_TAGS:
        cls, ident = el.get("class"), el.get("id")
        if not cls and not ident:
            return False
        if not _chrome_names(f"{cls or ''} {ident or ''}"):
            return False
    text = _text_outside_links(el, memo)
    return not any(m in text for m in _GUARD)


def _text_outside_links(el, memo: dict | None = None) -> str:
    """Text of a subtree without link texts; ``memo`` (element → text) makes repeated
    calls over nested subtrees linear instead of quadratic."""
    if memo is not None:
        hit = memo.get(el)
        if hit is not None:
            return hit
    out = [] if el.tag == "a" else [el.text or ""]
    for child in el:
        if isinstance(child.tag, str):
            out.append(_text_outside_links(child, memo))
        out.append(child.tail or "")
    text = "".join(out)
    if memo is not None:
        memo[el] = text
    return text


def _weights(root, memo: dict) -> dict:
    """Report-text weight of every subtree: CJK characters and digits outside links and chrome."""
    out: dict = {}

    def visit(el, in_link: bool) -> int:
        link = in_link or el.tag == "a"
        total = 0 if link else _score_text(el.text or "")
        for child in el:
            if not isinstance(child.tag, str):
                continue
            total += visit(child, link)
            if child.tail and not link:
                total += _score_text(child.tail)
        if total and _is_chrome(el, memo):     # (a subtree without report text weighs 0 anyway)
            total = 0
        out[el] = total
        return total

    visit(root, False)
    return out


def _score_text(s: str) -> int:
    return len(_WEIGHTY.findall(s)) if s else 0


def _markers(el, memo: dict) -> frozenset:
    key = ("markers", el)
    hit = memo.get(key)
    if hit is not None:
        return hit
    text = _text_outside_links(el, memo)
    found = {m for m in _MARKERS if m in text}
    n_tables = sum(1 for t in el.iter("table") if t.find(".//table") is None and _score_text(_text(t)) > 0)
    res = memo[key] = frozenset(found | {f"table{i}" for i in range(n_tables)})
    return res


def _main_container(body):
    """Descend from <body> while one child holds nearly all the report text.

    A child is taken when it holds at least 90 % of the current element's weight and all
    its report markers (section headings, data tables); site chrome (menus, footers, link
    lists) is thereby left out, and a report split over sibling blocks is kept whole.
    """
    memo: dict = {}
    weights = _weights(body, memo)

    def w(el) -> int:
        return weights.get(el, 0)

    cur = body
    while True:
        total = w(cur)
        if total == 0:
            return cur
        children = [c for c in cur if isinstance(c.tag, str)]
        if not children:
            return cur
        best = max(children, key=w)
        if w(best) < 0.9 * total:
            return cur
        own = _markers(cur, memo)
        if own and not own <= _markers(best, memo):
            return cur
        if best.tag in ("li", "p") or best.tag in _HEADINGS:
            return cur
        if best.tag == "table" and best.find(".//table") is None:
            return cur  # a data table is never the container (layout tables are descended)
        cur = best


# --------------------------------------------------------------------------- blocks

def _rows_of(table) -> list:
    rows = []
    for child in table:
        if not isinstance(child.tag, str):
            continue
        if child.tag == "tr":
            rows.append(child)
        elif child.tag in ("tbody", "thead", "tfoot"):
            rows.extend(r for r in child if isinstance(r.tag, str) and r.tag == "tr")
    return rows


def _cells_of(tr) -> list:
    return [c for c in tr if isinstance(c.tag, str) and c.tag in ("td", "th")]


def _span(el, attr: str, limit: int) -> int:
    raw = el.get(attr)
    if not raw:
        return 1
    if not raw.isdigit():
        raw = re.sub(r"[^\d]", "", raw)
        if not raw:
            return 1
    return max(1, min(int(raw), limit))


class _Walker:
    """Turns a container element into blocks: lines of text and data tables."""

    def __init__(self, file: str, doc: GridDocument):
        self.file = file
        self.doc = doc
        self.buf: list[str] = []
        self.style: str | None = None
        self.n_par = 0
        self.n_table = 0
        self.n_slots = 0
        self.root = None

    def run(self, el) -> None:
        self.root = el
        self._walk(el)
        self._flush()

    # paragraphs ---------------------------------------------------------
    def _flush(self) -> None:
        text = _clean("".join(self.buf))
        self.buf = []
        if text:
            self.n_par += 1
            self.doc.blocks.append(Paragraph(text, Source(self.file, line=self.n_par), self.style))

    def _walk(self, el) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag == "table":
            self._flush()
            if el.find(".//table") is not None:
                for tr in _rows_of(el):
                    for cell in _cells_of(tr):
                        self._walk(cell)
                        self._flush()
            else:
                self._table(el)
            return
        if tag == "br":
            self._flush()
            return
        if el is not self.root and tag and _is_chrome(el):
            return
        if tag == "pre":
            self._flush()
            self._text_rendering(el)
            return
        block = tag in _BLOCK
        if block:
            self._flush()
        prev_style = self.style
        if tag in _HEADINGS:
            self.style = "heading"
        if el.text:
            self.buf.append(el.text)
        for child in el:
            self._walk(child)
            if child.tail:
                self.buf.append(child.tail)
        if block:
            self._flush()
        self.style = prev_style

    def _text_rendering(self, el) -> None:
        """A ``<pre>`` block: the text reader's parsing of the text it holds."""
        blocks = parse_text(self.file, _raw_lines(el), first_table=self.n_table)
        for b in blocks:
            if isinstance(b, GridTable):
                self.n_table += 1
            else:
                self.n_par += 1
        self.doc.blocks.extend(blocks)

    # tables -------------------------------------------------------------
    def _table(self, table) -> None:
        rows = _rows_of(table)
        if not rows:
            return
        n_rows = len(rows)
        occupied: set[tuple[int, int]] = set()
        cells: list[GridCell] = []
        index = self.n_table
        for r, tr in enumerate(rows):
            col = 0
            for td in _cells_of(tr):
                while (r, col) in occupied:
                    col += 1
                rowspan = _span(td, "rowspan", n_rows - r) if td.get("rowspan", "").strip() != "0" else n_rows - r
                colspan = _span(td, "colspan", 1000)
                self.n_slots += rowspan * colspan
                if self.n_slots > Limits.max_table_cells:
                    raise ReadError(f"网页中的表格过大（合并单元格展开后超过 {Limits.max_table_cells} 格）："
                                    f"{Path(self.file).name}", ErrorCode.FILE_TOO_LARGE)
                for dr in range(rowspan):
                    for dc in range(colspan):
                        occupied.add((r + dr, col + dc))
                cells.append(GridCell(_cell_text(td), r, col, rowspan, colspan,
                                      Source(self.file, table=index, row=r, col=col)))
                col += colspan
        if not cells:
            return
        self.n_table += 1
        self.doc.blocks.append(GridTable(cells, Source(self.file, table=index),
                                         columns_reliable=True, rows_reliable=True))


def _cell_text(td) -> str:
    """A cell's lines (its <p>, <div>, <br>-separated parts) joined with newlines."""
    if len(td) == 0:                       # the common case: plain text in the cell
        return _clean(td.text or "")
    if len(td) == 1 and not (td.text or "").strip() and not (td[0].tail or "").strip() \
            and len(td[0]) == 0 and td[0].tag != "br":
        return _clean(td[0].text or "")   # <td><p>text</p></td>
    lines: list[str] = []
    buf: list[str] = []

    def flush():
        t = _clean("".join(buf))
        buf.clear()
        if t:
            lines.append(t)

    def walk(el):
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag == "br":
            flush()
            return
        block = tag in _BLOCK and el is not td
        if block:
            flush()
        if el.text:
            buf.append(el.text)
        for child in el:
            walk(child)
            if child.tail:
                buf.append(child.tail)
        if block:
            flush()

    walk(td)
    flush()
    return "\n".join(lines)
