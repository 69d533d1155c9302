"""``nianbao collect`` against a fixture 政府网站 served on 127.0.0.1 (tests/collect_site.py).

No test reaches any address outside loopback: the site is started by the test on port 0,
every link in it is relative or points back to it, and proxies are switched off.
"""
from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import duckdb
import httpx
import pytest

from collect_site import PDF_BYTES, Resource, Site, report_html, serve
from nianbao.collect import CollectOptions, FetchConfig, FetchError, PoliteClient, RobotsDisallowed, collect
from nianbao.collect.links import Link, is_attachment, is_pagination, is_report_link, page_kind, pagination, parse_page
from nianbao.collect.manifest import MANIFEST_NAME, Entry, Manifest
from nianbao.collect.meta import disposition_filename, file_extension, publish_date, decode_html

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 0.5                # the client's timeout in these tests; the slow page sleeps 1.5 s
RETRIES = 1


def fast(**kw: object) -> FetchConfig:
    cfg = FetchConfig(delay=0, timeout=TIMEOUT, retries=RETRIES, backoff=0, trust_env=False)
    for k, v in kw.items():
        setattr(cfg, k, v)
    return cfg


def options(out: Path, **kw: object) -> CollectOptions:
    fetch = kw.pop("fetch", None) or fast()
    opt = CollectOptions(out_dir=out, delay=0, fetch=fetch)    # type: ignore[arg-type]
    for k, v in kw.items():
        setattr(opt, k, v)
    return opt


def entries(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / MANIFEST_NAME).read_text(encoding="utf-8").splitlines() if line]


def saved(out: Path) -> dict[str, dict]:
    return {e["url"]: e for e in entries(out) if e["status"] == "saved"}


def files(out: Path) -> dict[str, str]:
    return {str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(out.rglob("*")) if p.is_file() and p.name != MANIFEST_NAME}


@pytest.fixture
def site() -> Iterator[Site]:
    s = serve()
    yield s
    s.stop()


def starts(site: Site) -> list[str]:
    return [site.url("/xxgk/nb/index.html"), site.url("/bm/list.jsp?page=1")]


# ---------------------------------------------------------------------------- pieces

def test_content_disposition_names() -> None:
    def name(raw: bytes) -> str | None:
        return disposition_filename(httpx.Headers([(b"Content-Disposition", raw)]))
    assert name('attachment; filename="2021年年报.docx"'.encode("gbk")) == "2021年年报.docx"
    assert name('attachment; filename=2021年年报.pdf'.encode("gb18030")) == "2021年年报.pdf"
    assert name("attachment; filename=\"x.docx\"; filename*=UTF-8''2016%E5%B9%B4%E6%8A%A5.docx".encode()) \
        == "2016年报.docx"
    assert name("attachment; filename*=gbk''%C4%EA%B1%A8.doc".encode()) == "年报.doc"
    assert name('attachment; filename="年报.wps"'.encode("utf-8")) == "年报.wps"
    assert name(b'attachment; filename="..\\\\..\\\\etc\\\\evil.pdf"') == "evil.pdf"
    assert name(b"inline") is None
    assert file_extension(None, "http://x/a/download?id=1", "application/octet-stream", PDF_BYTES) == ".pdf"
    assert file_extension("年报.WPS", "http://x/d", "application/octet-stream", b"\xd0\xcf\x11\xe0") == ".wps"
    assert file_extension(None, "http://x/a/t1.shtml", "text/html", b"<html>") == ".html"


def test_gbk_page_without_charset_and_dates() -> None:
    html = report_html("某某县2022年政府信息公开工作年度报告", top="发布时间：2023-01-30 08:00", charset=None)
    page = parse_page(html.encode("gbk"), "http://127.0.0.1/a/t.html", None)
    assert page.encoding == "gb18030"
    assert page.title == "某某县2022年政府信息公开工作年度报告"
    assert (page.date, page.date_raw) == ("2023-01-30", "2023-01-30 08:00")
    assert page_kind(page) == "report"
    d = decode_html(b'<html><head><meta name="PubDate" content="2024/1/5"></head><body>x</body></html>', None)
    assert d.root is not None and publish_date(d.root) == ("2024/1/5", "2024-01-05")
    d = decode_html("<html><body><div>发布日期：2024年2月3日</div></body></html>".encode("utf-8"), "gb2312")
    assert d.root is not None and publish_date(d.root)[1] == "2024-02-03"


def test_link_classification_and_pagination() -> None:
    col = "http://h/xxgk/nb/index.html"

    def lk(href: str, text: str = "") -> Link:
        return Link(httpx.URL(col).join(href).__str__(), text)
    assert is_pagination(col, lk("index_1.html", "2"))
    assert is_pagination(col, lk("index_12.html", "下一页"))
    assert is_pagination("http://h/bm/list.jsp?page=1", lk("/bm/list.jsp?page=2", "下一页"))
    assert is_pagination("http://h/col/", lk("/col/?pageIndex=3", "3"))
    assert not is_pagination(col, lk("/index.html", "首页"))
    assert not is_pagination(col, lk("202401/t20240120_1.html", "2023年年报"))
    assert not is_pagination(col, Link("http://other/xxgk/nb/index_1.html", "下一页"))
    assert is_report_link(lk("t1.html", "某某局2023年政府信息公开工作年度报告"))
    assert is_report_link(lk("t1.html", "2022年度"))
    assert is_report_link(lk("/up/2021年年报.pdf", "下载"))
    assert not is_report_link(lk("/xxgk/nb/index.html", "政府信息公开年报"))
    assert not is_report_link(lk("t.html", "关于印发2023年政务工作要点的通知"))
    assert not is_report_link(lk("/sqb.doc", "政府信息公开申请表.doc"))
    assert is_attachment(lk("/module/download/downfile.jsp?classid=0&filename=a.pdf", "附件"))
    assert is_attachment(lk("/attach/fileDown.do?id=88", "2021年年报.docx"))
    trs = parse_page(b"<html><body><a href='t.html'>2023\xe5\xb9\xb4\xe5\xb9\xb4\xe6\x8a\xa5</a>"
                     b"<script>createPageHTML(4, 0, \"index\", \"shtml\");</script></body></html>", col, "utf-8")
    assert pagination(trs) == [f"http://h/xxgk/nb/index_{i}.shtml" for i in (1, 2, 3)] \
        or pagination(trs)[1:] == [f"http://h/xxgk/nb/index_{i}.shtml" for i in (1, 2, 3)]


def test_manifest_survives_a_torn_line(tmp_path: Path) -> None:
    m = Manifest(tmp_path)
    m.append(Entry(url="http://h/a", status="failed", error="x"))
    with open(tmp_path / MANIFEST_NAME, "ab") as f:
        f.write(b'{"url": "http://h/b", "sta')          # kill -9 in the middle of a line
    (tmp_path / "h").mkdir()
    (tmp_path / "h" / ".t.html.abc.tmp").write_bytes(b"half")
    m2 = Manifest(tmp_path)
    assert [e.url for e in m2.entries] == ["http://h/a"]
    assert (tmp_path / MANIFEST_NAME).read_bytes().endswith(b"\n")
    assert not (tmp_path / "h" / ".t.html.abc.tmp").exists()


def test_client_retries_redirects_robots_and_limits(site: Site) -> None:
    site.resources["/r/loop"] = Resource(status=302, headers={"Location": "/r/loop"})
    site.resources["/r/moved"] = Resource(status=301, headers={"Location": "/xxgk/nb/2015/t1.html"})
    site.resources["/r/to-private"] = Resource(status=302, headers={"Location": "/private/x.html"})
    site.resources["/r/big"] = Resource(body=b"x" * 5000, headers={"Content-Type": "application/pdf"})
    with PoliteClient(fast(max_bytes=4000)) as c:
        r = c.get(site.url("/r/moved"))
        assert r.status == 200 and r.final_url.endswith("/xxgk/nb/2015/t1.html")
        with pytest.raises(FetchError, match="重定向超过"):
            c.get(site.url("/r/loop"))
        with pytest.raises(RobotsDisallowed):
            c.get(site.url("/r/to-private"))
        with pytest.raises(FetchError, match="超过上限"):
            c.get(site.url("/r/big"))
        with pytest.raises(FetchError, match="404") as e404:
            c.get(site.url("/xxgk/nb/missing.html"))
        assert e404.value.status == 404
        assert c.get(site.url("/xxgk/nb/flaky.html")).status == 200      # 500, then 200 on the retry
        with pytest.raises(FetchError, match="没有响应"):
            c.get(site.url("/xxgk/nb/slow.html"))
        ua = c._client.headers["user-agent"]
        assert ua.startswith("nianbao/")
    paths = site.paths_requested()
    assert paths.count("/xxgk/nb/missing.html") == 1          # no retry on 4xx
    assert paths.count("/xxgk/nb/flaky.html") == 2
    assert paths.count("/xxgk/nb/slow.html") == RETRIES + 1
    assert "/private/x.html" not in paths and paths.count("/robots.txt") == 1


def test_unreachable_robots_stops_the_site(tmp_path: Path) -> None:
    s = Site()
    s.resources["/robots.txt"] = Resource(status=503, body=b"busy")
    s.start()
    try:
        r = collect([s.url("/bm/list.jsp?page=1")], options(tmp_path))
    finally:
        s.stop()
    assert r.exit_code == 2
    assert "robots.txt" in r.failures[0][1]
    assert s.paths_requested() == ["/robots.txt", "/robots.txt"]        # retried once, then nothing else


# ---------------------------------------------------------------------------- whole runs

def test_collect_column_then_second_run_requests_no_report(site: Site, tmp_path: Path) -> None:
    out = tmp_path / "out"
    r = collect(starts(site), options(out))
    paths = site.paths_requested()
    got = saved(out)
    # every report (and the wrapper's two attachments) saved once, as served
    want = {site.url(p) for p in Site.REPORT_PATHS + Site.BM_REPORT_PATHS}
    assert {u.split("?")[0] for u in got} == want
    assert len(got) == len(want) == r.saved == 12
    for p in Site.REPORT_PATHS + Site.BM_REPORT_PATHS:
        assert paths.count(p) == (2 if p.endswith("flaky.html") else 1), p
    for url, e in got.items():
        res = site.lookup(url[len(site.base):])
        assert res is not None and (out / e["file"]).read_bytes() == res.body
        assert e["sha256"] == hashlib.sha256(res.body).hexdigest() and e["http_status"] == 200
    # robots.txt: the disallowed reports are never requested, and are not failures
    for p in Site.DISALLOWED_PATHS:
        assert p not in paths
    assert sorted(u for u, _ in r.robots) == sorted(site.url(p) for p in Site.DISALLOWED_PATHS)
    # failures: a clear Chinese line each, in the result and the manifest; the run went on
    fails = dict(r.failures)
    assert "没有响应" in fails[site.url("/xxgk/nb/slow.html")]
    assert "404" in fails[site.url("/xxgk/nb/missing.html")] and "页面不存在" in fails[site.url("/xxgk/nb/missing.html")]
    assert {e["url"] for e in entries(out) if e["status"] == "failed"} == set(fails)
    assert r.exit_code == 2
    # links that are not reports are not followed
    for p in ("/index.html", "/xxgk/zcwj/index.html", "/xxgk/znzn.html", "/xxgk/sqb.doc", "/xxgk/tzgg/t20230301_1.html",
              "/xxgk/fdzdgk/index.html", "/xxgk/ysqgk/index.html", "/xxgk/xzfy/index.html"):
        assert p not in paths
    assert {"/xxgk/nb/index_1.html", "/xxgk/nb/index_2.html"} <= set(paths)
    # titles, dates, names
    e = got[site.url("/xxgk/nb/202401/t20240120_101.html")]
    assert e["title"] == "某某市人民政府2023年政府信息公开工作年度报告" and e["publish_date"] == "2024-01-20"
    assert e["publish_date_raw"] == "2024-01-20 09:30" and e["list_page"] == site.url("/xxgk/nb/index.html")
    assert got[site.url("/xxgk/nb/202301/t20230115_102.html")]["publish_date"] == "2023-01-15"
    g = got[site.url("/xxgk/nb/gbk/t20210128_105.html")]
    assert g["title"] == "某某市人民政府2020年政府信息公开工作年度报告" and g["encoding"] == "gb18030"
    assert g["publish_date"] == "2021-01-28"
    w = got[site.url("/xxgk/nb/202201/t20220118_104.html")]
    assert not w["is_report"] and len(w["attachments"]) == 2
    docx = got[site.url("/attach/fileDown.do?id=88")]
    assert docx["file"].split("/")[-1].startswith("2021年政府信息公开年报_") and docx["file"].endswith(".docx")
    assert docx["parent"] == w["url"] and docx["publish_date"] == "2022-01-18" and docx["is_report"]
    assert docx["content_type"] == "application/octet-stream"
    rfc = got[site.url("/attach/download?id=99")]
    assert rfc["file"].split("/")[-1].startswith("2016年年报_") and rfc["publish_date"] == "2017-01-10"
    assert got[site.url("/module/download/downfile.jsp?classid=0&filename=2021nb.pdf")]["file"].endswith(".pdf")
    assert got[site.url("/xxgk/nb/2015/t2.html")]["list_page"] == site.url("/xxgk/nb/2015/index.html")
    for key in ("url", "list_page", "title", "publish_date", "fetched_at", "http_status", "content_type",
                "sha256", "file"):
        assert all(key in e for e in got.values() if e["kind"] == "page" and e["is_report"]), key
    before = files(out)

    # second run: nothing saved is requested again, the same files and manifest
    site.clear()
    r2 = collect(starts(site), options(out))
    paths2 = site.paths_requested()
    for p in Site.REPORT_PATHS + Site.BM_REPORT_PATHS:
        assert p not in paths2, p
    assert r2.saved == 0 and r2.already == 10 and files(out) == before
    assert set(paths2) - set(Site.FAILING_PATHS) <= {"/robots.txt", "/xxgk/nb/index.html", "/xxgk/nb/index_1.html",
                                                    "/xxgk/nb/index_2.html", "/xxgk/nb/2015/index.html", "/bm/list.jsp"}
    assert {(e["url"], e.get("file")) for e in entries(out)} == {(u, e["file"]) for u, e in got.items()} | \
        {(u, None) for u in fails} | {(u, None) for u, _ in r.robots}


def test_refresh_keeps_changed_versions(site: Site, tmp_path: Path) -> None:
    collect(starts(site), options(tmp_path))
    old = saved(tmp_path)
    url = site.url("/xxgk/nb/202301/t20230115_102.html")
    site.html("/xxgk/nb/202301/t20230115_102.html",
              report_html("某某市人民政府2022年政府信息公开工作年度报告（更正）", top="发布日期：2023年1月16日"))
    r = collect(starts(site), options(tmp_path, refresh=True))
    assert r.changed == 1 and r.saved == 1 and r.unchanged >= 9
    versions = [e for e in entries(tmp_path) if e["url"] == url and e["status"] == "saved"]
    assert len(versions) == 2 and versions[1]["version"] == 2 and versions[1]["file"] != versions[0]["file"]
    assert (tmp_path / versions[0]["file"]).read_bytes() != (tmp_path / versions[1]["file"]).read_bytes()
    assert versions[1]["title"].endswith("（更正）") and versions[1]["publish_date"] == "2023-01-16"
    assert all((tmp_path / e["file"]).exists() for e in old.values())


def test_robots_skip_is_not_a_failure(site: Site, tmp_path: Path) -> None:
    r = collect([site.url("/bm/list.jsp?page=1")], options(tmp_path))
    assert r.exit_code == 0 and r.saved == 2 and r.failures == []
    assert [u for u, _ in r.robots] == [site.url("/private/bm_2022.html")]
    assert "/private/bm_2022.html" not in site.paths_requested()


def test_since_max_pages_and_direct_urls(site: Site, tmp_path: Path) -> None:
    r = collect([site.url("/xxgk/nb/index.html")], options(tmp_path / "since", since=2021))
    years = sorted(e.get("year") for e in saved(tmp_path / "since").values() if e["kind"] == "page")
    assert years == [2021, 2022, 2023] and r.too_old >= 5 and r.exit_code == 0
    assert "/xxgk/nb/slow.html" not in site.paths_requested()
    site.clear()
    r = collect([site.url("/xxgk/nb/index.html")], options(tmp_path / "one", max_pages=1))
    assert r.list_pages == 1 and "/xxgk/nb/index_1.html" not in site.paths_requested()
    assert r.truncated == [site.url("/xxgk/nb/index.html")] and r.exit_code == 0
    # a report page and a wrapper page given directly
    r = collect([site.url("/xxgk/nb/2015/t1.html"), site.url("/xxgk/nb/202201/t20220118_104.html")],
                options(tmp_path / "direct"))
    got = saved(tmp_path / "direct")
    assert r.exit_code == 0 and len(got) == 4 and r.list_pages == 0


def _cli_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env["COLUMNS"] = "120"
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _cli(site: Site, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "nianbao", "collect", *starts(site), "--out", str(out), "--delay", "0",
            "--timeout", str(TIMEOUT), "--retries", str(RETRIES), "--backoff", "0", "--quiet", *extra]


def _normal(out: Path) -> list[dict]:
    return [{k: v for k, v in e.items() if k != "fetched_at"} for e in entries(out)]


def test_killed_run_resumes_to_the_same_result(tmp_path: Path) -> None:
    site = serve(report_delay=0.1)
    try:
        whole, killed = tmp_path / "whole", tmp_path / "killed"
        assert collect(starts(site), options(whole)).exit_code == 2        # the uninterrupted run

        proc = subprocess.Popen(_cli(site, killed), env=_cli_env(), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        n = 0
        while time.monotonic() < deadline:
            m = killed / MANIFEST_NAME
            n = m.read_bytes().count(b'"status": "saved"') if m.exists() else 0
            if n >= 3:
                break
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        assert proc.returncode == -signal.SIGKILL and n >= 3
        before_kill = saved(killed)
        assert 3 <= len(before_kill) < 12

        site.clear()
        again = subprocess.run(_cli(site, killed), env=_cli_env(), capture_output=True, text=True, timeout=60)
        assert again.returncode == 2, again.stderr
        assert "失败：" in again.stdout and "页面不存在" in again.stdout
        paths = site.paths_requested()
        for url in before_kill:                         # nothing saved before the kill is fetched again
            assert url[len(site.base):].split("?")[0] not in paths, url
        assert files(killed) == files(whole)
        assert _normal(killed) == _normal(whole)
        assert not list(killed.rglob("*.tmp"))
    finally:
        site.stop()


def test_db_ingest_and_from_units(site: Site, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from nianbao.cli import app
    db = tmp_path / "nb.duckdb"
    runner = CliRunner()
    res = runner.invoke(app, ["collect", site.url("/bm/list.jsp?page=1"), "--out", str(tmp_path / "o"), "--db",
                              str(db), "--delay", "0", "--timeout", str(TIMEOUT), "--quiet"])
    assert res.exit_code == 0, res.output
    assert "robots.txt 禁止 1 个" in res.output and "入库" in res.output
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute("SELECT m.url, m.publish_date, m.status, r.year FROM collect_manifest m "
                           "LEFT JOIN reports r USING (report_id) ORDER BY m.url").fetchall()
    finally:
        con.close()
    assert [(u[len(site.base):], str(d) if d else None, s) for u, d, s, _ in rows] == [
        ("/bm/art/2022/1/10/art_2.html", "2022-01-10", "saved"),
        ("/bm/art/2024/1/20/art_1.html", "2024-01-20", "saved"),
        ("/private/bm_2022.html", None, "robots")]
    assert [y for *_, y in rows[:2]] == [2021, 2023]          # ingested and joined by report_id

    # --from-units: a store whose unit list has no column URL → a clear error; with
    # units.column_url (nianbao units import) → those columns
    res = runner.invoke(app, ["collect", "--from-units", "--db", str(db), "--out", str(tmp_path / "u")])
    assert res.exit_code == 1 and "年报栏目网址" in res.output
    con = duckdb.connect(str(db))
    con.execute("INSERT INTO units (unit_id, name, column_url) VALUES ('1', '某某局', ?), ('2', '某某镇', NULL)",
                [site.url("/bm/list.jsp?page=1")])
    con.close()
    res = runner.invoke(app, ["collect", "--from-units", "--db", str(db), "--out", str(tmp_path / "u"), "--delay", "0",
                              "--quiet"])
    assert res.exit_code == 0, res.output
    assert {e["unit"] for e in saved(tmp_path / "u").values()} == {"某某局"}
    res = runner.invoke(app, ["collect", "--out", str(tmp_path / "x")])
    assert res.exit_code == 1 and "至少一个" in res.output
