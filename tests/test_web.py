"""The web front end (nianbao.web): pages, JSON API, downloads, compose, limits, security."""
from __future__ import annotations

import io
import json
import re
import time
import warnings
import zipfile
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

import yaml  # noqa: E402
from openpyxl import load_workbook  # noqa: E402

from conftest import REAL, SAMPLES, load_truth  # noqa: E402
from nianbao.web.app import WebConfig, create_app  # noqa: E402
from nianbao.web.batch import safe_filename  # noqa: E402
from nianbao.web.jobs import KEEP_JOBS, Jobs  # noqa: E402
from nianbao.web.security import content_disposition  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

SAMPLE_TXT = sorted(SAMPLES.glob("*.txt"))
HUAIAN = REAL / "001_huaian_2024.pdf"
S000 = next(SAMPLES.glob("000_*.txt"))
CJK = re.compile(r"[\u4e00-\u9fff]")
BASE = "http://127.0.0.1"
JOB_WAIT_S = 120          # the Host header check lets loopback names through


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app(), base_url=BASE) as c:
        yield c


def upload(*paths: Path, extra: list[tuple[str, bytes]] = ()) -> list:
    files = [("files", (p.name, p.read_bytes())) for p in paths]
    files += [("files", (name, data)) for name, data in extra]
    return files


def check(client, files) -> tuple[str, str]:
    """Upload through the page: a background job, its progress page, then the results page."""
    r = client.post("/check", files=files, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/jobs/"), r.text[:300]
    jid = r.headers["location"].rsplit("/", 1)[1]
    deadline = time.monotonic() + JOB_WAIT_S
    while not client.get(f"/api/jobs/{jid}").json()["finished"]:
        assert time.monotonic() < deadline, "the job did not finish"
        time.sleep(0.1)
    page = client.get(f"/jobs/{jid}")                      # a finished job shows its results
    assert page.status_code == 200 and page.url.path == f"/results/{jid}"
    return jid, page.text


def report_ids(page: str) -> list[str]:
    return re.findall(r'href="/reports/([0-9a-f]+)"', page)


def truth_of(report: Path) -> dict:
    stem = report.name.rsplit(".", 1)[0]
    return load_truth(report.parent / f"{stem}.truth.json")


def assert_secure_headers(r) -> None:
    csp = r.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "form-action 'self'" in csp and "script-src" not in csp
    assert r.headers["x-content-type-options"] == "nosniff"


# ---------------------------------------------------------------------------- pages

def test_index_is_chinese_offline_and_has_links(client):
    r = client.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert_secure_headers(r)
    t = r.text
    assert "审核" in t and "上传" in t and 'enctype="multipart/form-data"' in t and 'name="files" multiple' in t
    for link in ('href="/template.xlsx"', 'href="/template.yaml"', 'href="/api"', 'action="/check"', 'action="/compose"'):
        assert link in t
    assert "<script" not in t.lower()
    assert not re.search(r'(src|href)="(https?:)?//', t), "no external resources"


def test_api_docs_page_openapi_and_no_cdn_docs(client):
    r = client.get("/api")
    assert r.status_code == 200 and "/api/extract" in r.text and "/api/check" in r.text and "接口说明" in r.text
    spec = client.get("/openapi.json").json()
    assert {"/api/extract", "/api/check", "/api/health", "/compose"} <= set(spec["paths"])
    assert client.get("/docs").status_code == 404      # Swagger UI would load scripts from a CDN
    assert client.get("/api/health").json()["status"] == "ok"


def test_not_found_is_chinese_and_secured(client):
    r = client.get("/no-such-page")
    assert r.status_code == 404 and "页面不存在" in r.text
    assert_secure_headers(r)
    r = client.get("/api/nothing")
    assert r.status_code == 404 and CJK.search(r.json()["error"])


# ---------------------------------------------------------------------------- /check (HTML) and downloads

def test_check_page_samples_and_real_pdf(client):
    paths = SAMPLE_TXT + [HUAIAN]
    bid, t = check(client, upload(*paths))
    for p in paths:
        assert truth_of(p)["agency"] in t, p.name
        assert p.name in t
    assert "<script" not in t.lower()
    assert f'href="/results/{bid}.xlsx"' in t
    rp = client.get(f"/reports/{report_ids(t)[0]}")
    assert rp.status_code == 200 and rp.headers["cache-control"] == "no-store"
    assert_secure_headers(rp)
    assert "表三" in rp.text and 'class="value num error"' in rp.text     # highlighted cells
    assert "T3-RES" not in rp.text                                        # no bare rule code for a user

    x = client.get(f"/results/{bid}.xlsx")
    assert x.status_code == 200 and x.content[:2] == b"PK"
    assert "filename*=UTF-8''" in x.headers["content-disposition"]
    wb = load_workbook(io.BytesIO(x.content))
    assert {"报告", "问题清单"} <= set(wb.sheetnames)
    assert wb["报告"].max_row == len(paths) + 1

    j = client.get(f"/results/{bid}.json")
    recs = j.json()
    assert [d["source"] for d in recs] == [p.name for p in paths]
    assert any(f["rule"] == "T3-RES" for f in recs[0]["findings"])

    again = client.get(f"/results/{bid}")
    assert again.status_code == 200 and truth_of(S000)["agency"] in again.text


def test_check_junk_file_is_reported_and_batch_goes_on(client):
    _, t = check(client, upload(S000, extra=[("坏文件.docx", b"PK\x03\x04 not really a docx"), ("empty.txt", b"")]))
    assert truth_of(S000)["agency"] in t
    assert "无法读取的文件" in t and "坏文件.docx" in t and "文件为空" in t


def test_expired_result_is_a_chinese_404(client):
    r = client.get("/results/nonexistent.xlsx")
    assert r.status_code == 404 and "没有这次上传的审核结果" in r.text


def test_check_without_files_is_a_chinese_error(client):
    r = client.post("/check", files=[("files", ("", b""))])
    assert r.status_code == 400 and "请至少选择一个报告文件" in r.text
    r = client.post("/api/check", data={"x": "1"})
    assert r.status_code in (400, 415) and CJK.search(r.json()["error"])


# ---------------------------------------------------------------------------- JSON API

def test_api_extract_matches_cells_contract(client):
    paths = SAMPLE_TXT + [HUAIAN]
    r = client.post("/api/extract", files=upload(*paths))
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    assert_secure_headers(r)
    recs = r.json()
    assert len(recs) == len(paths)
    for p, rec in zip(paths, recs):
        truth = truth_of(p)
        assert set(rec) == {"source", "format_version", "agency", "year", "cells"}
        assert rec["source"] == p.name
        for k in ("format_version", "agency", "year"):
            assert rec[k] == truth[k], (p.name, k)
        assert rec["cells"] == truth["cells"], p.name


def test_api_extract_junk_error_in_chinese_other_file_succeeds(client):
    r = client.post("/api/extract", files=upload(S000, extra=[("junk.pdf", b"%PDF-1.4\nthis is not a pdf")]))
    assert r.status_code == 200
    ok, bad = r.json()
    assert ok["cells"] == truth_of(S000)["cells"]
    assert set(bad) == {"source", "error", "error_code"} and bad["source"] == "junk.pdf" and CJK.search(bad["error"])


def test_api_check_returns_audits(client):
    r = client.post("/api/check", files=upload(S000, extra=[("x.bin", b"\x00\x01\x02 garbage")]))
    assert r.status_code == 200
    audit, bad = r.json()
    assert {"source", "format_version", "agency", "year", "summary", "findings"} <= set(audit)
    assert audit["summary"]["errors"] >= 1
    assert any(f["rule"] == "T3-RES" and f["severity"] == "error" for f in audit["findings"])
    assert "error" in bad and CJK.search(bad["error"])


# ---------------------------------------------------------------------------- security

def test_xss_payloads_render_inert(client):
    text = S000.read_text(encoding="utf-8")
    text = text.replace("重庆市九龙坡区石板镇人民政府2023年",
                        "重庆市<script>alert(1)</script>人民政府2023年", 1)
    text = text.replace("1、 总体情况\n", "1、 总体情况\n<script>alert(1)</script> <img src=x onerror=alert(1)>\n", 1)
    files = [("files", ("<img src=x onerror=alert(3)>.txt", text.encode("utf-8"))),
             ("files", ("<script>alert(2).txt", text.encode("utf-8")))]
    _, t = check(client, files)
    low = t.lower()
    assert "<script" not in low and "<img" not in low
    assert "&lt;script&gt;" in t and "&lt;img" in t        # the text is there, escaped
    for rid in report_ids(t):
        page = client.get(f"/reports/{rid}").text.lower()
        assert "<script" not in page and "<img" not in page and "&lt;script&gt;" in page
    # the API returns the text as data, as JSON
    j = client.post("/api/extract", files=files)
    assert j.headers["content-type"].startswith("application/json")
    assert "<script>" in j.json()[0]["agency"]


def test_content_disposition_rfc5987():
    h = content_disposition("年报审核结果.xlsx", "nianbao-results.xlsx")
    assert h.startswith('attachment; filename="nianbao-results.xlsx"; filename*=UTF-8\'\'')
    assert "%E5%B9%B4" in h
    h.encode("latin-1")
    h2 = content_disposition('a"b\r\nc 报告.docx')
    assert "\r" not in h2 and "\n" not in h2 and h2.count('"') == 2
    h2.encode("latin-1")


def test_safe_filename():
    assert safe_filename("C:\\Users\\x\\报告.pdf") == "报告.pdf"
    assert safe_filename("../../etc/passwd") == "passwd"
    assert safe_filename("") == "未命名文件"
    assert safe_filename("a\x00b.txt") == "ab.txt"
    long = safe_filename("长" * 500 + ".pdf")
    assert len(long) <= 120 and long.endswith(".pdf")


# ---------------------------------------------------------------------------- limits

def test_per_file_limit_and_file_count_limit():
    cfg = WebConfig(max_file_bytes=S000.stat().st_size + 10, max_files=3)
    with TestClient(create_app(cfg), base_url=BASE) as c:
        r = c.post("/api/extract", files=upload(S000, extra=[("big.txt", b"x" * (cfg.max_file_bytes + 1))]))
        ok, big = r.json()
        assert ok["agency"] == truth_of(S000)["agency"]
        assert "文件过大" in big["error"]
        r = c.post("/api/extract", files=upload(S000, S000, S000, S000))
        assert r.status_code == 413 and "最多上传 3 个文件" in r.json()["error"]
        r = c.post("/check", files=upload(S000, S000, S000, S000))
        assert r.status_code == 413 and "最多上传 3 个文件" in r.text


def test_total_body_limit():
    with TestClient(create_app(WebConfig(max_body_bytes=20_000)), base_url=BASE) as c:
        r = c.post("/api/check", files=[("files", ("a.txt", b"x" * 50_000))])
        assert r.status_code == 413 and "上传的内容过大" in r.json()["error"]
        r = c.post("/check", files=[("files", ("a.txt", b"x" * 50_000))])
        assert r.status_code == 413 and "上传的内容过大" in r.text
        assert c.get("/api/health").status_code == 200


def test_total_body_limit_without_content_length():
    def chunks():
        yield b'--xyz\r\nContent-Disposition: form-data; name="files"; filename="a.txt"\r\n\r\n'
        for _ in range(10):
            yield b"x" * 5000
        yield b"\r\n--xyz--\r\n"
    with TestClient(create_app(WebConfig(max_body_bytes=20_000)), base_url=BASE) as c:
        r = c.post("/api/check", content=chunks(), headers={"content-type": "multipart/form-data; boundary=xyz"})
        assert r.request.headers.get("transfer-encoding") == "chunked"
        assert r.status_code == 413 and "20 KB" in r.json()["error"]


def test_job_list_keeps_running_jobs_and_a_bounded_number_of_finished_ones():
    jobs = Jobs()
    running = jobs.new(["a.txt"])
    done = [jobs.new([f"{i}.txt"]) for i in range(KEEP_JOBS + 5)]
    for j in done:
        j.finished_at = j.started_at
    latest = jobs.new(["b.txt"])
    kept = {j.job_id for j in jobs}
    assert running.job_id in kept and latest.job_id in kept and len(kept) == KEEP_JOBS + 2
    assert done[0].job_id not in kept and done[-1].job_id in kept
    assert running.to_dict()["percent"] == 0 and not running.to_dict()["finished"]


# ---------------------------------------------------------------------------- templates and compose

def test_template_downloads(client):
    r = client.get("/template.xlsx", params={"agency": "某某县人民政府", "year": 2024})
    assert r.status_code == 200 and r.content[:2] == b"PK"
    assert "filename*=UTF-8''" in r.headers["content-disposition"]
    wb = load_workbook(io.BytesIO(r.content))
    assert {"基本信息", "表二", "表三", "表四"} <= set(wb.sheetnames)
    y = client.get("/template.yaml")
    assert y.status_code == 200
    d = yaml.safe_load(y.text)
    assert d["format_version"] == "2021" and "t3.new.natural_person" in d["cells"]
    bad = client.get("/template.xlsx", params={"format_version": "1999"})
    assert bad.status_code == 400 and "格式版本" in bad.text
    assert client.get("/template.yaml", params={"year": "abc"}).status_code == 422


def compose(client, path: Path | None = None, *, name=None, data=None, fmt="docx", allow=False):
    files = {"file": (name or path.name, data if data is not None else path.read_bytes())}
    form = {"fmt": fmt}
    if allow:
        form["allow_inconsistent"] = "1"
    return client.post("/compose", files=files, data=form)


def test_compose_docx_from_truth_json(client):
    t = next(SAMPLES.glob("001_*.truth.json"))
    r = compose(client, t)
    assert r.status_code == 200 and r.content[:4] == b"PK\x03\x04"
    cd = r.headers["content-disposition"]
    assert cd.startswith("attachment;") and "filename*=UTF-8''" in cd
    names = zipfile.ZipFile(io.BytesIO(r.content)).namelist()
    assert "word/document.xml" in names
    md = compose(client, t, fmt="md")
    assert md.status_code == 200 and md.headers["content-type"].startswith("text/markdown")
    assert load_truth(t)["agency"] in md.content.decode("utf-8")


def test_compose_inconsistent_refused_unless_allowed(client):
    t = next(SAMPLES.glob("000_*.truth.json"))
    r = compose(client, t)
    assert r.status_code == 422
    assert "T3-RES" in r.text and "不一致" in r.text and "允许不一致" in r.text
    assert "t3.result_total.total" in r.text                # names the cells
    assert "/tmp" not in r.text
    ok = compose(client, t, allow=True)
    assert ok.status_code == 200 and ok.content[:4] == b"PK\x03\x04"
    assert ok.headers["x-nianbao-inconsistent"] == "2"


def test_compose_from_filled_excel_template_and_bad_input(client):
    tpl = client.get("/template.xlsx", params={"agency": "某某县人民政府", "year": 2024}).content
    r = compose(client, name="模板.xlsx", data=tpl, fmt="html")
    assert r.status_code == 200 and "某某县人民政府" in r.content.decode("utf-8")
    bad = compose(client, name="坏.json", data=b"{not json")
    assert bad.status_code == 400 and "不是有效的 JSON" in bad.text and "/tmp" not in bad.text
    unknown = compose(client, name="x.json", data=json.dumps({"cells": {"t9.nope": 1}}).encode())
    assert unknown.status_code == 400 and "未知的单元格键" in unknown.text
    fmt = compose(client, name="x.json", data=b"{}", fmt="exe")
    assert fmt.status_code == 400 and "不支持的输出格式" in fmt.text


# ---------------------------------------------------------------------------- CLI

def test_cli_web_command_registered():
    from typer.testing import CliRunner

    from nianbao.cli import app
    res = CliRunner().invoke(app, ["web", "--help"])
    assert res.exit_code == 0 and "--port" in res.output and "--host" in res.output
