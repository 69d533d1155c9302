"""The review-season workspace over the store: every endpoint of the JSON API (docs/web.md),
the pages of the season, persistence across a restart, the CLI and the web app on one
database, and the security checks (same-origin, Host, password, formulas, no-store)."""
from __future__ import annotations

import base64
import io
import time
import warnings
import zipfile
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from docx import Document  # noqa: E402
from openpyxl import load_workbook  # noqa: E402
from synth import chain_inputs  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from conftest import SAMPLES  # noqa: E402
from nianbao.compose import render  # noqa: E402
from nianbao.web.app import WebConfig, create_app  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

BASE = "http://127.0.0.1"
COUNTY = "某某县人民政府"
EDU, FIN, HEALTH, TOWN = "某某县教育局", "某某县财政局", "某某县卫生健康委员会", "某某县城关镇人民政府"
UNITS_CSV = ("单位名称,上级单位,类别,别名,年报栏目网址\n"
             f"{COUNTY},,本级政府,,http://example.invalid/nb\n"
             f"{EDU},{COUNTY},政府部门,县教育局,\n"
             f"{FIN},{COUNTY},政府部门,,\n"
             f"{HEALTH},{COUNTY},政府部门,县卫健委,\n"
             f"{TOWN},{COUNTY},乡镇街道,城关镇,\n")
BROKEN_KEY = "t3.new.total"      # a total that no longer equals the sum of its row: an error


def report_files(out: Path) -> dict[str, Path]:
    """The season's reports: 教育局 2023 and 2024 (2024 on time, with a broken total), 财政局
    2024 (late), 教育局 2024 corrected (a new version), as Markdown files."""
    inputs = chain_inputs([EDU, FIN], [2023, 2024], seed=11)
    out.mkdir(parents=True, exist_ok=True)

    def write(name: str, key: tuple[str, int], date: str, broken: bool = False) -> Path:
        inp = inputs[key]
        if broken:
            inp.cells = {**inp.cells, BROKEN_KEY: int(inp.cells[BROKEN_KEY] or 0) + 5}
        p = out / name
        p.write_bytes(render(inp, "md") + f"\n\n{key[0]}\n{date}\n".encode("utf-8"))
        return p

    files = {"edu2023": write("教育局2023.md", (EDU, 2023), "2024年1月20日"),
             "edu2024": write("教育局2024.md", (EDU, 2024), "2025年1月15日", broken=True),
             "fin2024": write("财政局2024.md", (FIN, 2024), "2025年2月20日")}
    inputs = chain_inputs([EDU, FIN], [2023, 2024], seed=11)       # fresh, unbroken copies
    files["edu2024_fixed"] = write("教育局2024（更正）.md", (EDU, 2024), "2025年1月15日")
    return files


def upload(*paths: Path) -> list:
    return [("files", (p.name, p.read_bytes())) for p in paths]


def units_file() -> list:
    return [("file", ("单位名单.csv", UNITS_CSV.encode("utf-8")))]


def client_for(db: Path, **cfg) -> TestClient:
    return TestClient(create_app(WebConfig(db=str(db), **cfg)), base_url=BASE)


def by_name(units: list[dict]) -> dict[str, dict]:
    return {u["name"]: u for u in units}


def error_findings(detail: dict) -> list[dict]:
    return [f for f in detail["findings"] if f["severity"] == "error" and f["channel"] == "report"]


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    return report_files(tmp_path_factory.mktemp("season-reports"))


# ---------------------------------------------------------------------------- the season, end to end

def test_season_through_the_api_and_kept_across_a_restart(tmp_path, files):
    db = tmp_path / "season.duckdb"
    with client_for(db) as c:
        r = c.post("/api/units", files=units_file())
        assert r.status_code == 200 and r.json()["units"] == 5 and r.json()["new"] == 5

        r = c.post("/api/reports", files=upload(files["edu2023"], files["edu2024"], files["fin2024"]))
        assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
        items = r.json()
        assert [i["source"] for i in items] == ["教育局2023.md", "教育局2024.md", "财政局2024.md"]
        for it in items:
            assert {"report_id", "agency", "year", "unit", "counts"} <= set(it)
        assert [(i["agency"], i["year"], i["unit"]["name"]) for i in items] == [
            (EDU, 2023, EDU), (EDU, 2024, EDU), (FIN, 2024, FIN)]
        assert items[1]["counts"]["errors"] >= 1 and items[1]["counts"]["pending"] >= 1

        listed = c.get("/api/reports", params={"year": 2024}).json()
        assert sorted(x["agency"] for x in listed) == [EDU, FIN]
        assert len(c.get("/api/reports").json()) == 3

        rid = items[1]["report_id"]
        detail = c.get(f"/api/reports/{rid}").json()
        assert detail["report_id"] == rid and any(x["key"] == BROKEN_KEY for x in detail["cells"])
        errors = error_findings(detail)
        assert errors and all(len(f["fingerprint"]) == 16 and f["review"]["status"] == "pending" for f in errors)
        fp = errors[0]["fingerprint"]

        states = by_name(c.get("/api/units", params={"year": 2024}).json())
        assert {k: v["state"] for k, v in states.items()} == {
            COUNTY: "未发布", EDU: "有错误", FIN: "已发布（逾期）", HEALTH: "未发布", TOWN: "未发布"}
        assert states[EDU]["parent"] == COUNTY and states[EDU]["类别"] == "政府部门" and states[EDU]["timely"] == "按时"
        uid = states[EDU]["unit_id"]

        r = c.get(f"/api/units/{uid}/notice.docx", params={"year": 2024})
        assert r.status_code == 409 and "已确认" in r.json()["error"]          # nothing confirmed yet

        r = c.post(f"/api/findings/{fp}/review", json={"status": "confirmed", "note": "请核对", "reviewer": "张三"})
        assert r.status_code == 200 and r.json()["review"]["status"] == "confirmed"
        for other in errors[1:]:
            c.post(f"/api/findings/{other['fingerprint']}/review", json={"status": "dismissed", "note": "口径不同"})
        again = {f["fingerprint"]: f["review"] for f in c.get(f"/api/reports/{rid}").json()["findings"]}
        assert again[fp]["status"] == "confirmed" and again[fp]["reviewer"] == "张三" and again[fp]["note"] == "请核对"

        # the same file again: same fingerprints, the review stays
        c.post("/api/reports", files=upload(files["edu2024"]))
        assert {f["fingerprint"]: f["review"]["status"] for f in c.get(f"/api/reports/{rid}").json()["findings"]}[fp] \
            == "confirmed"

        r = c.get(f"/api/units/{uid}/notice.docx", params={"year": 2024})
        assert r.status_code == 200 and r.content[:2] == b"PK" and r.headers["cache-control"] == "no-store"
        text = "\n".join(p.text for p in Document(io.BytesIO(r.content)).paragraphs)
        assert EDU in text and errors[0]["message"][:10] in text
        for dismissed in errors[1:]:
            assert dismissed["message"] not in text
        assert by_name(c.get("/api/units", params={"year": 2024}).json())[EDU]["state"] == "已发整改通知"

    with client_for(db) as c:                       # restart on the same file
        states = by_name(c.get("/api/units", params={"year": 2024}).json())
        assert states[EDU]["state"] == "已发整改通知" and states[FIN]["state"] == "已发布（逾期）"
        assert {f["fingerprint"]: f["review"]["status"] for f in c.get(f"/api/reports/{rid}").json()["findings"]}[fp] \
            == "confirmed"
        page = c.get("/season/2024")
        assert page.status_code == 200 and "已发整改通知" in page.text and page.headers["cache-control"] == "no-store"

        # the corrected version: the unit is 已整改
        fixed = c.post("/api/reports", files=upload(files["edu2024_fixed"])).json()[0]
        assert fixed["counts"]["errors"] == 0 and fixed["unit"]["name"] == EDU
        assert by_name(c.get("/api/units", params={"year": 2024}).json())[EDU]["state"] == "已整改"


def test_cli_ingest_shows_up_in_the_web_app(tmp_path, files):
    from nianbao.cli import app
    db = tmp_path / "cli.duckdb"
    with client_for(db) as c:                       # the server is running while the CLI writes
        assert c.get("/api/reports").json() == []
        res = CliRunner().invoke(app, ["ingest", str(files["fin2024"]), "--db", str(db)])
        assert res.exit_code == 0, res.output
        res = CliRunner().invoke(app, ["units", "import", str(_units_csv(tmp_path)), "--db", str(db)])
        assert res.exit_code == 0, res.output
        (rep,) = c.get("/api/reports", params={"year": 2024}).json()
        assert rep["agency"] == FIN and rep["unit"]["name"] == FIN
        assert by_name(c.get("/api/units", params={"year": 2024}).json())[FIN]["state"] == "已发布（逾期）"


def _units_csv(tmp_path: Path) -> Path:
    p = tmp_path / "单位名单.csv"
    p.write_text(UNITS_CSV, encoding="utf-8")
    return p


def test_api_errors_are_chinese(tmp_path):
    with client_for(tmp_path / "e.duckdb") as c:
        r = c.post("/api/findings/0123456789abcdef/review", json={"status": "confirmed"})
        assert r.status_code == 404 and "没有这条审核发现" in r.json()["error"]
        r = c.post("/api/findings/0123456789abcdef/review", json={"status": "approve"})
        assert r.status_code == 400 and "confirmed" in r.json()["error"]
        r = c.post("/api/findings/0123456789abcdef/review", content=b"status=confirmed",
                   headers={"content-type": "application/x-www-form-urlencoded"})
        assert r.status_code == 415
        assert c.get("/api/reports/nope").status_code == 404
        r = c.get("/api/units/000000000000/notice.docx", params={"year": 2024})
        assert r.status_code == 404 and "没有这个单位" in r.json()["error"]
        r = c.post("/api/units", files=[("file", ("x.csv", "名称不对\n甲\n".encode()))])
        assert r.status_code == 400 and "单位" in r.json()["error"]
        assert c.get("/api/jobs/nope").status_code == 404


# ---------------------------------------------------------------------------- the pages

def test_pages_review_in_bulk_season_filters_exports_and_zip(tmp_path, files):
    with client_for(tmp_path / "p.duckdb", page_size=2) as c:
        assert c.post("/units", files=units_file()).status_code == 200
        r = c.post("/check", files=upload(files["edu2023"], files["edu2024"], files["fin2024"]),
                   follow_redirects=False)
        jid = r.headers["location"].rsplit("/", 1)[1]
        deadline = time.monotonic() + 120
        while not c.get(f"/api/jobs/{jid}").json()["finished"]:
            assert time.monotonic() < deadline
            time.sleep(0.1)
        assert jid in c.get("/jobs").text
        first = c.get(f"/results/{jid}")
        assert "第 1 / 2 页" in first.text and "教育局2024.md" in first.text and "财政局2024.md" not in first.text
        assert "财政局2024.md" in c.get(f"/results/{jid}", params={"page_no": 2}).text

        rid = next(x["report_id"] for x in c.get("/api/reports", params={"year": 2024}).json() if x["agency"] == EDU)
        page = c.get(f"/reports/{rid}")
        assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
        assert "表二" in page.text and "表三" in page.text and "表四" in page.text
        assert "2023年度" in page.text                       # last year's tables beside this year's
        assert "第" in page.text and "行" in page.text       # where the cells were read
        fps = [f["fingerprint"] for f in error_findings(c.get(f"/api/reports/{rid}").json())]
        r = c.post(f"/reports/{rid}/review", data={"fingerprint": fps, "status": "confirmed", "note": "批量确认",
                                                   "reviewer": "李四"}, follow_redirects=False)
        assert r.status_code == 303 and "nb_reviewer" in r.headers["set-cookie"]
        page = c.get(f"/reports/{rid}")
        assert page.text.count("批量确认") == len(fps) and 'value="%E6%9D%8E%E5%9B%9B"' not in page.text
        assert 'name="reviewer" value="李四"' in page.text        # typed once per browser
        assert c.post(f"/reports/{rid}/review", data={"status": "confirmed"}).status_code == 400

        season = c.get("/season/2024")
        assert EDU in season.text and "有错误" in season.text and "下级 4 个" in season.text
        only = c.get("/season/2024", params={"state": "未发布"}).text
        assert HEALTH in only and f">{FIN}<" not in only
        assert c.get("/season/2024", params={"sort": "errors"}).status_code == 200
        x = c.get("/season/2024.xlsx")
        ws = load_workbook(io.BytesIO(x.content)).active
        rows = {r[0]: r for r in ws.iter_rows(min_row=2, values_only=True)}
        assert rows[EDU][3] == "有错误" and rows[FIN][3] == "已发布（逾期）" and len(rows) == 5

        z = c.get("/season/2024/notices.zip")
        assert z.status_code == 200
        names = zipfile.ZipFile(io.BytesIO(z.content)).namelist()
        assert len(names) == 1 and names[0].endswith(".docx")
        assert by_name(c.get("/api/units", params={"year": 2024}).json())[EDU]["state"] == "已发整改通知"


# ---------------------------------------------------------------------------- security

def test_cross_site_state_changes_are_refused(tmp_path):
    with client_for(tmp_path / "s.duckdb") as c:
        body = {"status": "confirmed"}
        for headers in ({"origin": "http://evil.example"}, {"sec-fetch-site": "cross-site"}, {"origin": "null"}):
            r = c.post("/api/findings/0123456789abcdef/review", json=body, headers=headers)
            assert r.status_code == 403 and "其他网站" in r.json()["error"]
            assert c.post("/api/units", files=units_file(), headers=headers).status_code == 403
            assert c.get("/api/units/000000000000/notice.docx?year=2024", headers=headers).status_code == 403
            assert c.get("/season/2024/notices.zip", headers=headers).status_code == 403
        for headers in ({"origin": BASE, "sec-fetch-site": "same-origin"}, {"origin": BASE}, {"sec-fetch-site": "none"},
                        {"origin": "null", "sec-fetch-site": "same-origin"}):     # the browser's word wins
            assert c.post("/api/units", files=units_file(), headers=headers).status_code == 200


def test_host_header_is_checked(tmp_path):
    with client_for(tmp_path / "h.duckdb") as c:
        assert c.get("/", headers={"host": "127.0.0.1:8000"}).status_code == 200
        assert c.get("/", headers={"host": "localhost:8000"}).status_code == 200
        assert c.get("/", headers={"host": "[::1]:8000"}).status_code == 200
        r = c.get("/api/reports", headers={"host": "rebind.evil.example:8000"})
        assert r.status_code == 421 and "主机名" in r.json()["error"]
    with TestClient(create_app(WebConfig(db=str(tmp_path / "h2.duckdb"), hosts=("nb.example.gov.cn",))),
                    base_url="http://nb.example.gov.cn") as c:
        assert c.get("/").status_code == 200 and c.get("/", headers={"host": "127.0.0.1"}).status_code == 421


def test_password_gate(tmp_path):
    with client_for(tmp_path / "pw.duckdb", password="口令123") as c:
        r = c.get("/season/2024")
        assert r.status_code == 401 and "Basic" in r.headers["www-authenticate"] and "密码" in r.text
        assert c.get("/", auth=("任意", "错的")).status_code == 401
        token = base64.b64encode("x:口令123".encode()).decode()
        assert c.get("/", headers={"authorization": f"Basic {token}"}).status_code == 200


def test_cli_refuses_a_public_address_without_password(monkeypatch):
    from nianbao.cli import app
    monkeypatch.delenv("NIANBAO_WEB_PASSWORD", raising=False)
    res = CliRunner().invoke(app, ["web", "--host", "0.0.0.0", "--db", ":memory:"])
    assert res.exit_code == 2 and "必须设置访问密码" in res.output
    from nianbao.cli.web import is_loopback
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5")


@pytest.mark.parametrize("payload", ['=HYPERLINK("http://evil.example","点我")', "+1+1", "-2+3", "@SUM(A1)"])
def test_template_never_writes_a_formula_from_the_query(tmp_path, payload):
    with client_for(tmp_path / "t.duckdb") as c:
        r = c.get("/template.xlsx", params={"agency": payload, "year": 2024})
        assert r.status_code == 200
        wb = load_workbook(io.BytesIO(r.content))
        cells = [cell for ws in wb.worksheets for row in ws.iter_rows() for cell in row]
        assert not [cl.coordinate for cl in cells if cl.data_type == "f" and cl.value == payload]
        assert any(cl.value == payload and cl.data_type == "s" for cl in cells)


def test_markdown_output_escapes_html(tmp_path):
    import json
    doc = {"agency": "某县<script>alert(1)</script>局", "year": 2024, "cells": {}}
    with client_for(tmp_path / "m.duckdb") as c:
        r = c.post("/compose", files=[("file", ("x.json", json.dumps(doc).encode()))],
                   data={"fmt": "md", "allow_inconsistent": "1"})
        assert r.status_code == 200
        md = r.content.decode("utf-8")
        assert "<script>" not in md and "alert(1)" in md


def test_sample_report_page_has_no_internal_codes(tmp_path):
    s000 = next(SAMPLES.glob("000_*.txt"))
    with client_for(tmp_path / "x.duckdb") as c:
        (item,) = c.post("/api/reports", files=upload(s000)).json()
        page = c.get(f"/reports/{item['report_id']}").text
        for code in {f["rule"] for f in c.get(f"/api/reports/{item['report_id']}").json()["findings"]}:
            assert code not in page
        assert "t3." not in page


# ---------------------------------------------------------------------------- the dashboard

def test_dashboard_charts_and_their_tables(tmp_path, files):
    inputs = chain_inputs([EDU, FIN], [2023, 2024], seed=11)
    rates = sorted(100 * (inputs[(a, 2024)].cells["t3.granted.total"] + inputs[(a, 2024)].cells["t3.partial.total"])
                   / inputs[(a, 2024)].cells["t3.result_total.total"] for a in (EDU, FIN))
    with client_for(tmp_path / "d.duckdb") as c:
        c.post("/api/units", files=units_file())
        c.post("/api/reports", files=upload(files["edu2023"], files["edu2024"], files["fin2024"]))
        r = c.get("/dashboard/2024")
        assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
        assert "script-src 'self'" in r.headers["content-security-policy"]
        assert "script-src" not in c.get("/season/2024").headers["content-security-policy"]
        for name in ("实质公开率", "复议纠错率", "各上级单位所属单位的年报发布情况", "审核发现的错误（按类别）", "P50"):
            assert name in r.text
        assert '<script src="/static/echarts.min.js"></script>' in r.text and "<script>" not in r.text
        js = c.get("/static/echarts.min.js")
        assert js.status_code == 200 and len(js.content) > 500_000
        assert c.get("/static/echarts.LICENSE").status_code == 200

        ind = load_workbook(io.BytesIO(c.get("/dashboard/2024/indicators.xlsx").content)).active
        rows = {r[0]: r for r in ind.iter_rows(min_row=2, values_only=True)}
        n, p25, p50, p75 = rows["实质公开率"][1:]
        assert n == 2 and p50 == round((rates[0] + rates[1]) / 2, 1) and p25 <= p50 <= p75
        cov = load_workbook(io.BytesIO(c.get("/dashboard/2024/coverage.xlsx").content)).active
        assert list(cov.iter_rows(min_row=2, values_only=True)) == [(COUNTY, 4, 2, 1, 50.0, 50.0)]
        err = load_workbook(io.BytesIO(c.get("/dashboard/2024/errors.xlsx").content)).active
        assert sum(r[1] for r in err.iter_rows(min_row=2, values_only=True)) >= 2
        trend = load_workbook(io.BytesIO(c.get("/dashboard/2024/trend.xlsx").content)).active
        assert [r[:2] for r in trend.iter_rows(min_row=2, values_only=True)] == [(2023, 1), (2024, 2)]   # 2023: 教育局 only
        assert c.get("/dashboard/2024/nothing.xlsx").status_code == 404
