"""Output safety: report text is data, never code.

A report whose agency, labels, section text and cell text carry HTML/JS and spreadsheet
formulas (``<script>``, ``onerror=``, ``javascript:``, ``=HYPERLINK(…)``, ``+1+1``,
``-2+3``, ``@SUM(…)``, DDE) goes through extraction, audit and the exports:

- the HTML report (``nianbao.audit.export_html.render_html``) and the web app's pages
  (``/check`` and the cached ``/results/{id}``) contain no executable element, event
  handler or script URL coming from the document, only its escaped text;
- the Excel export (``nianbao.audit.export_excel.build_workbook``) has no formula cell:
  every text cell is a string, the dangerous ones quote-prefixed, and the saved XML has
  no ``<f>`` element.

"""
from __future__ import annotations

import importlib
import io
import re
import time
import zipfile
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1] / "examples"
SAMPLE = SHARED / "samples" / "000_33ff4c3c35a3d77b.txt"

XSS = [
    "<script>alert('xss')</script>",
    "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(2)>',
    "<a href=\"javascript:alert(3)\">点此</a>",
    "<iframe src=//evil.example></iframe>",
    "</textarea><script>alert(4)</script>",
    "{{7*7}}{% raw %}",
]
FORMULAS = ["=HYPERLINK(\"http://evil.example\",\"点击\")", "+1+1", "-2+3", "@SUM(1,1)",
            "=cmd|' /C calc'!A0", "=1+2"]


def hostile_text() -> str:
    """The sample with hostile strings in the title (agency), a section, a table label
    and value cells."""
    text = SAMPLE.read_text(encoding="utf-8")
    lines = text.split("\n")
    lines[0] = XSS[0] + lines[0] + XSS[1]                       # the title line: agency, title
    body = "\n".join(lines)
    body = body.replace("（一）主动公开情况", "（一）主动公开情况" + "".join(XSS), 1)
    body = body.replace("行政规范性文件", "行政规范性文件" + XSS[2], 1)
    # value cells of 表二 (one per line after a tab in this rendering) become formulas
    values = [m.start() for m in re.finditer(r"(?m)^\t0$", body)]
    for pos, formula in zip(reversed(values[:len(FORMULAS)]), FORMULAS):
        body = body[:pos] + "\t" + formula + body[pos + 2:]
    return body + "\n六、其他需要报告的事项\n" + "\n".join(XSS + FORMULAS) + "\n"


@pytest.fixture(scope="module")
def audit():
    assert SAMPLE.exists(), "shared/samples missing"
    run = importlib.import_module("nianbao.audit.run")
    from nianbao.extract import extract_path
    report = extract_path("hostile.txt", hostile_text().encode("utf-8"))
    a = run.audit_report(report)
    # the hostile strings really are in the data the exports see
    everything = repr(report.to_dict())
    assert "<script>" in everything and "onerror" in everything
    assert any(c.raw and c.raw.startswith(("=", "+", "-", "@")) for c in report.cells.values()) or \
        any(s.startswith(("=", "+", "-", "@")) for s in everything.split("'"))
    return a


FAILURES = [("<script>alert(5)</script>.pdf", "<img src=x onerror=alert(6)> =1+1"),
            ("=HYPERLINK(\"x\").docx", "@SUM(1) 文件已损坏")]


def _parse_html(html: str):
    lxml_html = importlib.import_module("lxml.html")
    return lxml_html.document_fromstring(html)


def assert_inert(html: str, shown: bool = True) -> None:
    """No element, attribute or URL from the document can run; ``shown``: the hostile
    text is there, as escaped text (a page that quotes the document)."""
    root = _parse_html(html)
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        tag = el.tag.lower()
        if tag == "script":
            assert "alert" not in (el.text or ""), "a document <script> made it into the page"
        assert tag not in ("iframe", "object", "embed"), f"<{tag}> in the page"
        if tag == "svg":
            assert not any(k.lower().startswith("on") for k in el.attrib)
        for k, v in el.attrib.items():
            assert not k.lower().startswith("on"), f"event handler {k}={v!r} on <{tag}>"
            if k.lower() in ("href", "src", "action", "formaction", "xlink:href"):
                assert not v.strip().lower().startswith(("javascript:", "data:text/html")), f"{k}={v!r}"
    if not shown:
        return
    # the hostile text is there, shown as escaped text
    assert "&lt;script&gt;" in html or "&lt;/script&gt;" in html or "&lt;svg" in html
    assert "alert(" in html


def test_html_report_escapes_document_text(audit):
    export_html = importlib.import_module("nianbao.audit.export_html")
    html = export_html.render_html([audit], FAILURES)
    assert_inert(html)
    assert "<script>alert" not in html and "<img src=x onerror" not in html


def test_html_export_writes_the_same_inert_page(audit, tmp_path):
    export_html = importlib.import_module("nianbao.audit.export_html")
    out = tmp_path / "report.html"
    export_html.export_html([audit], out, FAILURES)
    assert_inert(out.read_text(encoding="utf-8"))


def _formula_like(v) -> bool:
    return isinstance(v, str) and v[:1] in ("=", "+", "-", "@")


def test_excel_export_has_no_formulas(audit, tmp_path):
    export_excel = importlib.import_module("nianbao.audit.export_excel")
    openpyxl = importlib.import_module("openpyxl")
    wb = export_excel.build_workbook([audit], FAILURES)
    seen = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.value is None:
                    continue
                assert c.data_type != "f", f"{ws.title}!{c.coordinate} is a formula: {c.value!r}"
                if _formula_like(c.value):
                    seen += 1
                    assert c.data_type == "s" and c.quotePrefix, f"{ws.title}!{c.coordinate} {c.value!r}"
    assert seen >= 3, "the hostile formula strings did not reach the workbook"
    path = tmp_path / "report.xlsx"
    export_excel.export_excel([audit], path, FAILURES)
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                assert not re.search(rb"<f[ >]", z.read(name)), f"formula element in {name}"
    wb2 = openpyxl.load_workbook(path)
    for ws in wb2.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", f"{ws.title}!{c.coordinate} reloads as a formula: {c.value!r}"


def test_excel_put_forces_text():
    export_excel = importlib.import_module("nianbao.audit.export_excel")
    openpyxl = importlib.import_module("openpyxl")
    ws = openpyxl.Workbook().active
    for i, v in enumerate(FORMULAS + ["\t=1+1", "\r=1", "正常文本", "\x00=1"], 1):
        c = export_excel.put(ws, i, 1, v)
        assert c.data_type == "s"
        if _formula_like(c.value) or str(c.value)[:1] in "\t\r":
            assert c.quotePrefix
    assert export_excel.put(ws, 20, 1, 5).value == 5          # numbers stay numbers


def test_web_app_pages_are_inert():
    assert SAMPLE.exists(), "shared/samples missing"
    importlib.import_module("fastapi")
    importlib.import_module("httpx")
    web = importlib.import_module("nianbao.web.app")
    from fastapi.testclient import TestClient
    with TestClient(web.create_app(), base_url="http://127.0.0.1") as client:   # a loopback Host (the Host check)
        files = [("files", ("<img src=x onerror=alert(7)>.txt", hostile_text().encode("utf-8"), "text/plain")),
                 ("files", ("junk=1+1.txt", bytes(range(256)) * 20, "text/plain"))]
        r = client.post("/check", files=files)
        for _ in range(600):                  # the upload runs as a background job
            if all(j["finished"] for j in client.get("/api/jobs").json()):
                break
            time.sleep(0.1)
        r = client.get(r.url)
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/html")
        reports = [client.get(f"/reports/{rid}").text for rid in re.findall(r'href="/reports/([0-9a-f]+)"', r.text)]
        assert_inert(r.text + "".join(reports))          # the report's text is shown on its own page
        m = re.search(r"/results/([A-Za-z0-9_-]+)", r.text)
        if m:
            page = client.get(f"/results/{m.group(1)}")
            assert page.status_code == 200
            assert_inert(page.text, shown=False)         # the batch's summary need not quote the document
            x = client.get(f"/results/{m.group(1)}.xlsx")
            if x.status_code == 200:
                with zipfile.ZipFile(io.BytesIO(x.content)) as z:
                    for name in z.namelist():
                        if name.startswith("xl/worksheets/"):
                            assert not re.search(rb"<f[ >]", z.read(name))
        j = client.post("/api/extract", files=files[:1])
        assert j.status_code == 200
        assert j.headers["content-type"].startswith("application/json")
