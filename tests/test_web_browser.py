"""The review season walked in a real, headless Chromium against ``nianbao web --db`` run as
a subprocess: import units, upload reports of two years, review findings one by one and in
bulk, restart the server and see the state kept, download a notice and open it with
python-docx. Screenshots at 1366×768 go to a temporary folder (printed) to be looked at."""
from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from docx import Document

from conftest import ROOT
from test_web_api import EDU, FIN, HEALTH, UNITS_CSV, report_files

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
WINDOW = (1366, 768)                 # the screen of an office PC
START_WAIT_S = 60
STEP_WAIT_S = 60


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """``nianbao web --db DB`` on a free loopback port, in a subprocess."""

    def __init__(self, db: Path, cwd: Path):
        self.db, self.cwd, self.port = db, cwd, free_port()
        self.proc: subprocess.Popen | None = None
        self.url = f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        env.pop("NIANBAO_WEB_PASSWORD", None)
        self.proc = subprocess.Popen([sys.executable, "-m", "nianbao", "web", "--db", str(self.db),
                                      "--port", str(self.port)], cwd=self.cwd, env=env,
                                     stdout=subprocess.DEVNULL, stderr=open(self.cwd / "server.log", "ab"))
        deadline = time.monotonic() + START_WAIT_S
        while True:
            assert self.proc.poll() is None, (self.cwd / "server.log").read_text(errors="replace")
            try:
                with urllib.request.urlopen(self.url + "/api/health", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.2)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


@pytest.fixture()
def browser(tmp_path):
    assert CHROMIUM.exists() and CHROMEDRIVER.exists(), "the browser test needs Debian's chromium and chromedriver"
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    opts = webdriver.ChromeOptions()
    opts.binary_location = str(CHROMIUM)
    for a in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
              f"--window-size={WINDOW[0]},{WINDOW[1]}", "--lang=zh-CN"):
        opts.add_argument(a)
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    opts.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                           "download.prompt_for_download": False})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=opts)
    driver.set_window_size(*WINDOW)
    driver.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    driver.downloads = downloads          # type: ignore[attr-defined]
    yield driver
    driver.quit()


def wait_for(fn, what: str, timeout: float = STEP_WAIT_S):
    deadline = time.monotonic() + timeout
    while True:
        got = fn()
        if got:
            return got
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def test_season_in_chromium(tmp_path, browser):
    from selenium.webdriver.common.by import By
    shots = Path(os.environ.get("NIANBAO_SHOTS") or tmp_path / "screenshots")
    shots.mkdir(parents=True, exist_ok=True)
    print(f"\nscreenshots: {shots}")

    def shot(name: str) -> None:
        browser.save_screenshot(str(shots / f"{name}.png"))

    def body() -> str:
        from selenium.common.exceptions import StaleElementReferenceException
        try:
            return str(browser.find_element(By.TAG_NAME, "body").text)
        except StaleElementReferenceException:     # the page was replaced while being read: read again
            return ""

    files = report_files(tmp_path / "reports")
    units = tmp_path / "单位名单.csv"
    units.write_text(UNITS_CSV, encoding="utf-8")
    server = Server(tmp_path / "season.duckdb", tmp_path)
    server.start()
    try:
        b = browser
        b.get(server.url + "/")
        shot("01-home")
        b.find_element(By.ID, "ufile").send_keys(str(units))
        b.find_element(By.CSS_SELECTOR, "form[action='/units'] button").click()
        wait_for(lambda: "单位名单已导入" in body(), "the units import")
        assert "新增 5 个" in body()

        b.get(server.url + "/")
        b.find_element(By.ID, "files").send_keys("\n".join(str(files[k]) for k in ("edu2023", "edu2024", "fin2024")))
        b.find_element(By.CSS_SELECTOR, "form[action='/check'] button").click()
        wait_for(lambda: "/results/" in b.current_url, "the batch to finish")
        shot("02-results")
        assert "教育局2024.md" in body() and "财政局2024.md" in body()

        b.get(server.url + "/season/2024")
        shot("03-season")
        text = body()
        assert "有错误" in text and "已发布（逾期）" in text and "未发布" in text and HEALTH in text

        b.find_element(By.LINK_TEXT, EDU).click()
        wait_for(lambda: "/reports/" in b.current_url, "the report page")
        report_url = b.current_url
        shot("04-report")
        assert "表三" in body() and "审核发现" in body()
        assert b.find_elements(By.CSS_SELECTOR, "td.error"), "the cells of an error are highlighted"

        boxes = b.find_elements(By.CSS_SELECTOR, "tr.sev-error input[name=fingerprint]")
        assert len(boxes) >= 2
        b.find_element(By.NAME, "reviewer").send_keys("王审核")
        boxes[0].click()
        b.find_element(By.NAME, "note").send_keys("合计数与分项之和不符，请更正")
        b.find_element(By.CSS_SELECTOR, "button[value=confirmed]").click()
        wait_for(lambda: "已确认" in body(), "the confirmation")
        assert b.find_element(By.NAME, "reviewer").get_attribute("value") == "王审核"      # typed once per browser
        for box in b.find_elements(By.CSS_SELECTOR, "tr.sev-error input[name=fingerprint]")[1:]:
            box.click()
        b.find_element(By.CSS_SELECTOR, "button[value=dismissed]").click()
        wait_for(lambda: "已排除" in body(), "the bulk dismissal")
        shot("05-reviewed")

        server.stop()
        server.start()                                    # the same database file
        b.get(report_url)
        text = body()
        assert "已确认" in text and "王审核" in text and "合计数与分项之和不符" in text and "已排除" in text
        b.get(server.url + "/season/2024")
        assert "有错误" in body()

        b.find_element(By.LINK_TEXT, "整改通知").click()
        notice = wait_for(lambda: next((p for p in b.downloads.glob("*.docx")), None), "the notice download")
        time.sleep(0.5)
        doc = Document(io.BytesIO(notice.read_bytes()))
        text = "\n".join(p.text for p in doc.paragraphs)
        assert EDU in text and "整改" in text
        b.get(server.url + "/season/2024")
        shot("06-season-after-notice")
        assert "已发整改通知" in body() and FIN in body()
        b.get(server.url + "/season/2024?state=未发布")
        shot("07-season-filtered")
        b.get(server.url + "/dashboard/2024")
        shot("08-dashboard")
        assert "实质公开率" in body()
    finally:
        server.stop()
