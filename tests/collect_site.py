"""A fixture government website for the ``nianbao collect`` tests, served on 127.0.0.1.

Shaped like the common 政府网站 CMSs (TRS WCM, Hanweb, 大汉 Jcms):

- ``/xxgk/nb/index.html`` → ``index_1.html`` → ``index_2.html``: a 政府信息公开年报 column
  with 下一页/尾页/page-number links and a TRS ``createPageHTML`` call; nav links that are
  not reports; a duplicate link; a sub-column by year (``2015年度`` → two reports);
- report pages with the report text (``<meta name="PubDate">``, ``发布日期：``, the list's
  date column); a wrapper page that only links a PDF and a DOCX attachment (the DOCX
  served as application/octet-stream with a raw GBK Content-Disposition name); an
  attachment behind ``download?id=99`` with an RFC 5987 ``filename*=`` name; a GBK page
  without any declared charset;
- ``/robots.txt`` disallowing ``/private/``, where a report is linked;
- a page slower than the client's timeout, a 404, a 500 that recovers on the next try;
- ``/bm/list.jsp?page=1``: a second column paged with ``?page=2``, without failures.

Every request is logged (``Site.requests``); report pages answer If-None-Match with 304.
"""
from __future__ import annotations

import hashlib
import io
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable
from urllib.parse import urlsplit

SLOW_SECONDS = 1.5          # longer than the tests' client timeout (0.5 s)

_BODY = """一、总体情况
本机关认真贯彻落实《中华人民共和国政府信息公开条例》，全面推进政务公开。
（一）主动公开。全年主动公开政府信息 1234 条。
（二）依申请公开。全年收到政府信息公开申请 56 件。
二、主动公开政府信息情况
三、收到和处理政府信息公开申请情况
四、政府信息公开行政复议、行政诉讼情况
五、存在的主要问题及改进情况
六、其他需要报告的事项"""


def report_html(title: str, *, head: str = "", top: str = "", charset: str | None = "utf-8") -> str:
    meta = f'<meta charset="{charset}">' if charset else ""
    paras = "".join(f"<p>{line}</p>" for line in _BODY.splitlines())
    return (f"<!DOCTYPE html><html><head>{meta}<title>{title}_某某市人民政府门户网站</title>{head}</head>"
            f"<body><div class='header'><a href='/index.html'>首页</a></div>"
            f"<div class='article'><h1>{title}</h1><div class='info'>{top}</div>{paras}</div>"
            f"<div class='footer'>主办：某某市人民政府办公室</div></body></html>")


def docx_bytes(title: str) -> bytes:
    import docx
    d = docx.Document()
    d.add_heading(title, level=1)
    for line in _BODY.splitlines():
        d.add_paragraph(line)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


PDF_BYTES = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
             b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def _column(items: str, pager: str, script: str = "") -> str:
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>政府信息公开年报_某某市人民政府</title></head>
<body>
<div class="nav"><a href="/index.html">首页</a> <a href="/xxgk/zcwj/index.html">政策文件</a>
<a href="/xxgk/nb/index.html">政府信息公开年报</a> <a href="/xxgk/znzn.html">政府信息公开指南</a>
<a href="/xxgk/fdzdgk/index.html">法定主动公开内容</a> <a href="/xxgk/ysqgk/index.html">依申请公开</a>
<a href="/xxgk/xzfy/index.html">行政复议</a></div>
<div class="crumb">当前位置：首页 &gt; 政府信息公开 &gt; 年报（含总体情况）</div>
<div class="side"><a href="/xxgk/sqb.doc">政府信息公开申请表.doc</a></div>
<ul class="list">{items}</ul>
<div class="page">{pager}</div>
<script>{script}</script>
</body></html>"""


def _li(href: str, text: str, date: str, title: str = "") -> str:
    t = f' title="{title}"' if title else ""
    return f'<li><a href="{href}"{t} target="_blank">{text}</a><span class="date">{date}</span></li>'


@dataclass
class Resource:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    etag: bool = False             # answer If-None-Match with 304
    slow: float = 0.0              # seconds to sleep before answering
    flaky: bool = False            # every odd-numbered request gets a 500


class Site:
    """The fixture site. ``start()`` → base URL; ``stop()``."""

    def __init__(self, report_delay: float = 0.0) -> None:
        self.report_delay = report_delay
        self.requests: list[str] = []
        self.lock = threading.Lock()
        self.hits: dict[str, int] = {}
        self.resources: dict[str, Resource] = {}
        self.server: ThreadingHTTPServer | None = None
        self.base = ""
        self._build()

    # -- content ---------------------------------------------------------------------
    def html(self, path: str, text: str, *, charset: str | None = "utf-8", etag: bool = True,
             report: bool = True) -> None:
        enc = "gbk" if charset is None or charset.lower() in ("gbk", "gb2312") else "utf-8"
        ctype = "text/html" if charset is None else f"text/html; charset={charset}"
        self.resources[path] = Resource(body=text.encode(enc), headers={"Content-Type": ctype}, etag=etag,
                                        slow=self.report_delay if report else 0.0)

    def _build(self) -> None:
        h = self.html
        h("/robots.txt", "User-agent: *\nDisallow: /private/\n", charset="utf-8", etag=False, report=False)
        self.resources["/robots.txt"].headers["Content-Type"] = "text/plain"
        trs = 'createPageHTML(3, 0, "index", "html");'
        page1 = _column(
            _li("./202401/t20240120_101.html", "某某市人民政府2023年政府信息公开工作年度报告", "2024-01-20")
            + _li("202301/t20230115_102.html", "某某市人民政府2022年政府信息公开工作...", "2023-01-15",
                  title="某某市人民政府2022年政府信息公开工作年度报告")
            + _li("/private/t20220110_103.html", "某某市人民政府2021年政府信息公开工作年度报告（内部）", "2022-01-10")
            + _li("/xxgk/tzgg/t20230301_1.html", "关于印发2023年政务工作要点的通知", "2023-03-01"),
            '<a href="index.html">首页</a> <a href="index_1.html">下一页</a> <a href="index_1.html">2</a>'
            ' <a href="index_2.html">尾页</a>', trs)
        h("/xxgk/nb/index.html", page1, report=False)
        h("/xxgk/nb/", page1, report=False)
        page2 = _column(
            _li("./202201/t20220118_104.html", "2021年度政府信息公开工作年度报告（附件下载）", "2022-01-18")
            + _li("gbk/t20210128_105.html", "2020年政府信息公开年报", "2021-01-28")
            + _li("slow.html", "2019年政府信息公开工作年度报告", "2020-01-20")
            + _li("missing.html", "2018年政府信息公开工作年度报告", "2019-01-20")
            + _li("flaky.html", "2017年政府信息公开工作年度报告", "2018-01-20"),
            '<a href="index.html">首页</a> <a href="index.html">上一页</a> <a href="index_2.html">下一页</a>', trs)
        h("/xxgk/nb/index_1.html", page2, report=False)
        page3 = _column(
            _li("/attach/download?id=99", "2016年政府信息公开工作年度报告", "2017-01-10")
            + _li("./202401/t20240120_101.html", "某某市人民政府2023年政府信息公开工作年度报告", "2024-01-20")
            + _li("2015/index.html", "2015年度", ""),
            '<a href="index.html">首页</a> <a href="index_1.html">上一页</a>', trs)
        h("/xxgk/nb/index_2.html", page3, report=False)
        h("/xxgk/nb/2015/index.html", _column(
            _li("t1.html", "某某市发展和改革委员会2015年政府信息公开工作年度报告", "2016-03-01")
            + _li("t2.html", "某某镇人民政府2015年政府信息公开年报", "2016-03-05"), ""), report=False)
        h("/xxgk/nb/2015/t1.html", report_html("某某市发展和改革委员会2015年政府信息公开工作年度报告"))
        h("/xxgk/nb/2015/t2.html", report_html("某某镇人民政府2015年政府信息公开年报"))

        h("/xxgk/nb/202401/t20240120_101.html", report_html(
            "某某市人民政府2023年政府信息公开工作年度报告",
            head='<meta name="PubDate" content="2024-01-20 09:30">'
                 '<meta name="ArticleTitle" content="某某市人民政府2023年政府信息公开工作年度报告">'))
        h("/xxgk/nb/202301/t20230115_102.html", report_html(
            "某某市人民政府2022年政府信息公开工作年度报告", top="发布日期：2023年1月15日 来源：市政府办公室"))
        h("/private/t20220110_103.html", report_html("某某市人民政府2021年政府信息公开工作年度报告"))
        wrapper = ("<!DOCTYPE html><html><head><meta charset='utf-8'>"
                   "<title>2021年度政府信息公开工作年度报告_某某市人民政府</title></head><body>"
                   "<h1>某某市人民政府2021年政府信息公开工作年度报告</h1><div>发布时间：2022-01-18 10:00:00</div>"
                   "<p>附件：<a href='/module/download/downfile.jsp?classid=0&amp;filename=2021nb.pdf'>"
                   "2021年年报.pdf</a></p>"
                   "<p><a href='/attach/fileDown.do?id=88'>2021年政府信息公开年报.docx</a></p>"
                   "<div class='side'><a href='/xxgk/sqb.doc'>政府信息公开申请表.doc</a></div></body></html>")
        h("/xxgk/nb/202201/t20220118_104.html", wrapper)
        self.resources["/module/download/downfile.jsp"] = Resource(
            body=PDF_BYTES, headers={"Content-Type": "application/pdf"}, slow=self.report_delay)
        gbk_name = "2021年政府信息公开年报.docx".encode("gbk").decode("latin-1")
        self.resources["/attach/fileDown.do"] = Resource(
            body=docx_bytes("某某市人民政府2021年政府信息公开工作年度报告"),
            headers={"Content-Type": "application/octet-stream",
                     "Content-Disposition": f'attachment; filename="{gbk_name}"'}, slow=self.report_delay)
        self.resources["/attach/download"] = Resource(
            body=docx_bytes("某某市人民政府2016年政府信息公开工作年度报告"),
            headers={"Content-Type": "application/octet-stream",
                     "Content-Disposition": "attachment; filename=\"download.docx\"; "
                                            "filename*=UTF-8''2016%E5%B9%B4%E5%B9%B4%E6%8A%A5.docx"},
            slow=self.report_delay)
        # no declared charset anywhere: neither the header nor the page
        h("/xxgk/nb/gbk/t20210128_105.html",
          report_html("某某市人民政府2020年政府信息公开工作年度报告", top="发布时间：2021-01-28", charset=None),
          charset=None, etag=False)
        h("/xxgk/nb/slow.html", report_html("2019年政府信息公开工作年度报告"))
        self.resources["/xxgk/nb/slow.html"].slow = SLOW_SECONDS
        self.resources["/xxgk/nb/missing.html"] = Resource(status=404, body=b"<h1>404</h1>")
        h("/xxgk/nb/flaky.html", report_html("2017年政府信息公开工作年度报告"))
        self.resources["/xxgk/nb/flaky.html"].flaky = True

        # a Hanweb-style column paged with ?page=N
        h("/bm/list.jsp?page=1", _column(
            _li("/bm/art/2024/1/20/art_1.html", "某某局2023年政府信息公开工作年度报告", "2024-01-20")
            + _li("/private/bm_2022.html", "某某局2022年政府信息公开工作年度报告", "2023-01-20"),
            '<a href="list.jsp?page=1">1</a> <a href="list.jsp?page=2">下一页</a>'), report=False)
        h("/bm/list.jsp?page=2", _column(
            _li("/bm/art/2022/1/10/art_2.html", "某某局2021年年报", "2022-01-10"),
            '<a href="list.jsp?page=1">上一页</a>'), report=False)
        h("/bm/art/2024/1/20/art_1.html", report_html("某某局2023年政府信息公开工作年度报告"))
        h("/bm/art/2022/1/10/art_2.html", report_html("某某局2021年政府信息公开工作年度报告"))

    # -- what the tests check -----------------------------------------------------------
    REPORT_PATHS = ("/xxgk/nb/202401/t20240120_101.html", "/xxgk/nb/202301/t20230115_102.html",
                    "/xxgk/nb/202201/t20220118_104.html", "/module/download/downfile.jsp", "/attach/fileDown.do",
                    "/xxgk/nb/gbk/t20210128_105.html", "/xxgk/nb/flaky.html", "/attach/download",
                    "/xxgk/nb/2015/t1.html", "/xxgk/nb/2015/t2.html")
    BM_REPORT_PATHS = ("/bm/art/2024/1/20/art_1.html", "/bm/art/2022/1/10/art_2.html")
    FAILING_PATHS = ("/xxgk/nb/slow.html", "/xxgk/nb/missing.html")
    DISALLOWED_PATHS = ("/private/t20220110_103.html", "/private/bm_2022.html")

    def url(self, path: str) -> str:
        return self.base + path

    def paths_requested(self) -> list[str]:
        with self.lock:
            return [urlsplit(r).path for r in self.requests]

    def clear(self) -> None:
        with self.lock:
            self.requests.clear()

    # -- serving --------------------------------------------------------------------------
    def lookup(self, target: str) -> Resource | None:
        if target in self.resources:
            return self.resources[target]
        return self.resources.get(urlsplit(target).path)

    def start(self) -> str:
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:   # quiet
                pass

            def do_GET(self) -> None:
                with site.lock:
                    site.requests.append(self.path)
                    n = site.hits[self.path] = site.hits.get(self.path, 0) + 1
                res = site.lookup(self.path)
                try:
                    if res is None:
                        self._send(404, b"not found", {"Content-Type": "text/html"})
                        return
                    if res.slow:
                        time.sleep(res.slow)
                    if res.flaky and n % 2 == 1:
                        self._send(500, b"<h1>500</h1>", {"Content-Type": "text/html"})
                        return
                    headers = dict(res.headers)
                    if res.etag and res.status == 200:
                        tag = '"' + hashlib.sha1(res.body).hexdigest()[:16] + '"'
                        headers["ETag"] = tag
                        if self.headers.get("If-None-Match") == tag:
                            self._send(304, b"", headers)
                            return
                    self._send(res.status, res.body, headers)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                if status != 304:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if status != 304:
                    self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        return self.base

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


def serve(report_delay: float = 0.0) -> Site:
    s = Site(report_delay)
    s.start()
    return s


Mutator = Callable[[Site], None]
