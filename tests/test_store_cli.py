"""The store's command line: ingest, analyze, export (Chinese messages, exit status)."""
from __future__ import annotations

import shutil

import pandas as pd
import pytest
from typer.testing import CliRunner

from conftest import SAMPLES
from nianbao.cli import app
from synth import agency_names, chain_inputs, write_corpus

runner = CliRunner()


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli_in")
    for p in sorted(SAMPLES.glob("*.txt"))[:2]:
        shutil.copy(p, d / p.name)
    write_corpus(chain_inputs(agency_names(2), [2022, 2023], seed=1).values(), d)
    (d / "empty.txt").write_bytes(b"")
    path = tmp_path_factory.mktemp("cli_db") / "c.duckdb"
    r = runner.invoke(app, ["ingest", str(d), "--db", str(path)])
    assert r.exit_code == 2, r.output                     # one file could not be read
    assert "入库 6 份报告" in r.output and "无法读取 1 个" in r.output and "为空" in r.output
    return path


def test_ingest_again_skip_existing(db):
    r = runner.invoke(app, ["ingest", str(next(SAMPLES.glob("000_*.txt"))), "--db", str(db), "--skip-existing"])
    assert r.exit_code == 0, r.output
    assert "已入库而跳过 1 个" in r.output


def test_ingest_no_files(tmp_path):
    (tmp_path / "d").mkdir()
    r = runner.invoke(app, ["ingest", str(tmp_path / "d"), "--db", str(tmp_path / "x.duckdb")])
    assert r.exit_code == 2 and "没有找到" in r.output


def test_dask_option_parsing(tmp_path, monkeypatch):
    import nianbao.store as store
    calls = []

    def fake(paths, db, addr, **kw):
        calls.append((list(paths), addr, kw["n_workers"]))
        return store.IngestResult(files=0)
    monkeypatch.setattr(store, "ingest_dask", fake)
    f = str(next(SAMPLES.glob("000_*.txt")))
    for args, addr in ((["--dask", f], None), ([f, "--dask"], None), ([f, "--dask", "tcp://10.0.0.1:8786"],
                                                                       "tcp://10.0.0.1:8786"),
                       ([f, "--dask", "--workers", "3"], None), (["--dask", "sched:8786", f], "sched:8786")):
        r = runner.invoke(app, ["ingest", *args, "--db", str(tmp_path / "x.duckdb")])
        assert r.exit_code == 0, r.output
        assert calls[-1][1] == addr and [str(p) for p in calls[-1][0]] == [f]
    assert calls[-2][2] == 3


def test_analyze_commands(db, tmp_path):
    r = runner.invoke(app, ["analyze", "cross-year", "--db", str(db), "--out", str(tmp_path / "x1.csv")])
    assert r.exit_code == 0, r.output
    assert "不一致 0 项" in r.output
    assert len(pd.read_csv(tmp_path / "x1.csv", encoding="utf-8-sig")) == 2 * 7
    r = runner.invoke(app, ["analyze", "duplication", "--db", str(db), "--out", str(tmp_path / "dup.xlsx")])
    assert r.exit_code == 0 and "发现 0 对" in r.output, r.output
    r = runner.invoke(app, ["analyze", "coverage", "--db", str(db), "--years", "2022-2023"])
    assert r.exit_code == 0 and "无法读取 1 个文件" in r.output, r.output
    r = runner.invoke(app, ["analyze", "indicators", "--db", str(db), "--by-year", "--out", str(tmp_path / "i.xlsx")])
    assert r.exit_code == 0 and "年度" in r.output, r.output
    from openpyxl import load_workbook
    assert load_workbook(tmp_path / "i.xlsx").sheetnames == ["指标_按年度", "指标_按报告"]
    names = agency_names(2)
    csv = tmp_path / "m.csv"
    csv.write_text(f"parent,member\n{names[0]},{names[1]}\n", encoding="utf-8")
    r = runner.invoke(app, ["analyze", "rollup", "--db", str(db), "--members", str(csv), "--year", "2023"])
    assert r.exit_code == 0 and "共核对 1 份汇总报告" in r.output, r.output
    r = runner.invoke(app, ["analyze", "coverage", "--db", str(tmp_path / "missing.duckdb")])
    assert r.exit_code == 2 and "数据库不存在" in r.output


def test_export_command(db, tmp_path):
    r = runner.invoke(app, ["export", "--db", str(db), "--to", str(tmp_path / "out"), "--format", "parquet"])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "out" / "cells.parquet").exists() and "已导出 7 个文件" in r.output
    r = runner.invoke(app, ["export", "--db", str(db), "--to", str(tmp_path / "out"), "--format", "json"])
    assert r.exit_code == 2 and "不支持的导出格式" in r.output
