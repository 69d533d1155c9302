"""The store: ingesting the samples and real reports, idempotence, unreadable files,
replacement rules, the process pool."""
from __future__ import annotations

import math
import shutil
from pathlib import Path

import pytest

from conftest import REAL, SAMPLES
from nianbao.extract import extract_path
from nianbao.store import Store, ingest, process_file
from nianbao.store.db import TABLES, Failure, Record, norm_agency, report_id_of, split_key
from nianbao import Limits


def _report_files():
    return sorted(p for d in (SAMPLES, REAL) for p in d.iterdir()
                  if p.is_file() and not p.name.endswith(".json") and p.suffix != ".md")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """The samples and real reports, plus three files that cannot be read."""
    d = tmp_path_factory.mktemp("corpus")
    for p in _report_files():
        shutil.copy(p, d / p.name)
    (d / "empty.txt").write_bytes(b"")
    (d / "broken.pdf").write_bytes(b"%PDF-1.7\n" + b"\x00garbage" * 50)
    (d / "binary.docx").write_bytes(b"PK\x03\x04 not a zip at all")
    return d


@pytest.fixture(scope="module")
def db(corpus, tmp_path_factory):
    path = tmp_path_factory.mktemp("db") / "t.duckdb"
    res = ingest([corpus], path)
    return path, res


def test_counts(db):
    path, res = db
    n = len(_report_files())
    assert res.files == n + 3
    assert res.reports == n
    assert len(res.failures) == 3
    with Store(path, read_only=True) as st:
        c = st.counts()
        assert c["reports"] == n
        assert c["errors"] == 3
        expected_cells = sum(len(extract_path(p).cells) for p in _report_files())
        assert c["cells"] == expected_cells
        assert c["sections"] == sum(len(extract_path(p).sections) for p in _report_files())
        assert c["legacy_items"] > 0                      # the 2018 report's statistics
        msgs = dict(st.con.execute("SELECT source, message FROM errors").fetchall())
    assert all(m for m in msgs.values())
    assert any("为空" in m for m in msgs.values())


def test_cells_equal_extractor(db):
    path, _ = db
    with Store(path, read_only=True) as st:
        for p in _report_files():
            r = extract_path(p)
            rows = st.con.execute("""
                SELECT c.key, c.value, c.kind, c.raw, c.label, c."table", c.row_key, c.col_key, c.line, c.page
                FROM cells c JOIN reports r USING (report_id) WHERE r.source LIKE ?""", [f"%/{p.name}"]).fetchall()
            got = {row[0]: row for row in rows}
            assert set(got) == set(r.cells), p.name
            for k, cv in r.cells.items():
                _, value, kind, raw, label, table, row_key, col_key, line, page = got[k]
                if cv.value is None:
                    assert value is None, (p.name, k)
                else:
                    assert math.isclose(value, float(cv.value), rel_tol=0, abs_tol=1e-12), (p.name, k)
                assert (kind, raw, label) == (cv.kind, cv.raw, cv.label), (p.name, k)
                assert (table, row_key, col_key) == split_key(k)
                if cv.source is not None:
                    assert (line, page) == (cv.source.line, cv.source.page)
            meta = st.con.execute("SELECT agency, year, format_version, input_format, title FROM reports "
                                  "WHERE source LIKE ?", [f"%/{p.name}"]).fetchall()[0]
            assert meta == (r.agency, r.year, r.format_version, r.input_format, r.title)
            secs = dict(st.con.execute("SELECT s.key, s.text FROM sections s JOIN reports r USING (report_id) "
                                       "WHERE r.source LIKE ?", [f"%/{p.name}"]).fetchall())
            assert secs == {k: s.text for k, s in r.sections.items()}


def test_findings_stored(db):
    from nianbao.audit.run import audit_report
    path, _ = db
    with Store(path, read_only=True) as st:
        for p in _report_files()[:3]:
            a = audit_report(extract_path(p))
            rows = st.con.execute("""
                SELECT f.rule, f.severity, f."where", r.n_errors, r.n_warnings FROM findings f
                JOIN reports r USING (report_id) WHERE r.source LIKE ? ORDER BY f.seq""", [f"%/{p.name}"]).fetchall()
            assert [(x[0], x[1], x[2]) for x in rows] == [(f.rule, f.severity, f.where) for f in a.findings]
            n = st.con.execute("SELECT n_errors, n_warnings FROM reports WHERE source LIKE ?",
                               [f"%/{p.name}"]).fetchall()[0]
            assert n == (a.summary["errors"], a.summary["warnings"])


def test_reingest_is_idempotent(corpus, tmp_path):
    path = tmp_path / "x.duckdb"
    ingest([corpus], path)
    with Store(path, read_only=True) as st:
        before = st.counts()
        ids = st.con.execute("SELECT report_id, sha256 FROM reports ORDER BY 1").fetchall()
    res = ingest([corpus], path, skip_existing=False)          # --force: read again and replace
    assert res.replaced == res.reports == before["reports"]
    with Store(path, read_only=True) as st:
        assert st.counts() == before
        assert st.con.execute("SELECT report_id, sha256 FROM reports ORDER BY 1").fetchall() == ids
        assert all(report_id_of(sha) == rid for rid, sha in ids)
    res = ingest([corpus], path)                                # the default: hashed, not read again
    assert res.skipped == before["reports"] and res.reports == 0 and len(res.failures) == 3
    assert res.per_second > 0 and res.files == before["reports"] + 3


def test_duplicates_in_one_batch_are_read_once(tmp_path):
    src = next(SAMPLES.glob("000_*.txt"))
    d = tmp_path / "dup"
    d.mkdir()
    for i in range(6):
        shutil.copy(src, d / f"{i}.txt")
    res = ingest([d], tmp_path / "x.duckdb", limits=Limits(workers=0))
    assert res.files == 6 and res.reports == 1 and res.skipped == 5


def test_same_content_two_paths_is_one_report(tmp_path):
    src = next(SAMPLES.glob("000_*.txt"))
    (tmp_path / "a").mkdir()
    shutil.copy(src, tmp_path / "a" / "x.txt")
    shutil.copy(src, tmp_path / "a" / "y.txt")
    path = tmp_path / "x.duckdb"
    res = ingest([tmp_path / "a"], path)
    assert res.files == 2
    with Store(path, read_only=True) as st:
        assert st.count("reports") == 1
        assert st.count("cells") == len(extract_path(src).cells)


def test_unreadable_then_fixed(tmp_path):
    f = tmp_path / "r.txt"
    f.write_bytes(b"")
    path = tmp_path / "x.duckdb"
    res = ingest([f], path)
    assert res.reports == 0 and res.failures and "为空" in res.failures[0][1]
    with Store(path, read_only=True) as st:
        assert st.con.execute("SELECT source FROM errors").fetchall() == [(str(f),)]
    ingest([f], path)                                   # the same failure again: still one row
    with Store(path, read_only=True) as st:
        assert st.count("errors") == 1
    shutil.copy(next(SAMPLES.glob("003_*.txt")), f)
    res = ingest([f], path)
    assert res.reports == 1 and not res.failures
    with Store(path, read_only=True) as st:
        assert st.count("errors") == 0 and st.count("reports") == 1


def test_changed_file_versions_and_replace_source(tmp_path):
    f = tmp_path / "r.txt"
    data = next(SAMPLES.glob("003_*.txt")).read_bytes()
    f.write_bytes(data)
    path = tmp_path / "x.duckdb"
    ingest([f], path)
    f.write_bytes(data + "\n（本报告于发布后更正）\n".encode("utf-8"))
    ingest([f], path)                                   # a revision: both versions kept
    with Store(path, read_only=True) as st:
        assert st.count("reports") == 2
        cur = st.con.execute("SELECT sha256 FROM current_reports").fetchall()
        assert len(cur) == 1
    f.write_bytes(data + b"\n")
    ingest([f], path, replace_source=True)              # replaces every earlier report from this path
    with Store(path, read_only=True) as st:
        assert st.count("reports") == 1
        assert st.count("cells") == len(extract_path(f).cells)


def test_process_file_failure_and_record():
    r = process_file("/nonexistent/x.txt")
    assert isinstance(r, Failure) and "不存在" in r.message
    rec = process_file(next(SAMPLES.glob("004_*.txt")))
    assert isinstance(rec, Record)
    for t, cols in rec.cols.items():
        assert len(cols) == len(TABLES[t])
    assert rec.rows["reports"][0][5] == norm_agency(rec.rows["reports"][0][4])


def test_norm_agency():
    assert norm_agency(" 余关镇 人民政府\u3000") == "余关镇人民政府"
    assert norm_agency("") is None and norm_agency(None) is None


def test_process_pool_matches_serial(db, corpus, tmp_path):
    serial, _ = db
    path = tmp_path / "p.duckdb"
    res = ingest([corpus], path, limits=Limits(workers=2))
    assert res.reports == len(_report_files()) and len(res.failures) == 3
    q = "SELECT report_id, key, value, kind, raw FROM cells ORDER BY 1, 2"
    with Store(serial, read_only=True) as a, Store(path, read_only=True) as b:
        assert a.con.execute(q).fetchall() == b.con.execute(q).fetchall()
        assert a.counts() == b.counts()


def dying_job(item):
    """An ingest job whose worker dies on ``killer.txt`` (a segfault, the OOM killer …)."""
    import os
    from nianbao.store.ingest import ingest_job
    if Path(str(item)).name == "killer.txt":
        os._exit(1)
    return ingest_job(item)


def test_worker_crash_is_recorded_and_batch_goes_on(tmp_path):
    src = sorted(SAMPLES.glob("*.txt"))
    d = tmp_path / "in"
    d.mkdir()
    for p in src[:3]:
        shutil.copy(p, d / p.name)
    (d / "killer.txt").write_bytes(src[3].read_bytes())
    res = ingest([d], tmp_path / "x.duckdb", limits=Limits(workers=2), job=dying_job)
    assert res.reports == 3
    assert [s for s, _ in res.failures] == [str(d / "killer.txt")]
    assert "工作进程异常退出" in res.failures[0][1]
    with Store(tmp_path / "x.duckdb", read_only=True) as st:
        assert st.con.execute("SELECT code FROM errors").fetchall() == [("worker-crash",)]
