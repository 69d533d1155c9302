"""The one unit of work: ``nianbao.process`` / ``process_many`` and the typed errors.

Every front end goes through it, so these are the checks of issue 8: a bad file is an
``Outcome`` with a stable ``code`` and a Chinese message, never an exception; a batch
with one enormous file ends with every other file's result and one timeout, through
``extract --cells``, ``check --json`` and ``ingest``.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

import nianbao
from nianbao import Limits, NianbaoError, process, process_many
from nianbao.vocab import ErrorCode

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SAMPLES = sorted((EXAMPLES / "samples").glob("*.txt"))
CJK = re.compile(r"[\u4e00-\u9fff]")


def test_examples_are_bundled():
    assert len(SAMPLES) == 5
    assert len(list((EXAMPLES / "real").glob("*.truth.json"))) == 3


def test_process_a_path_and_bytes_give_the_same_report():
    a = process(SAMPLES[0])
    b = process((SAMPLES[0].name, SAMPLES[0].read_bytes()))
    assert a.ok and b.ok and a.audit is not None
    assert a.report.values() == b.report.values()
    assert a.sha256 == b.sha256 and a.size == SAMPLES[0].stat().st_size
    assert a.cells_record()["cells"] == b.cells_record()["cells"]


def _file(name: str, data: bytes | None):
    def make(d: Path) -> Path:
        p = d / name
        if data is None:
            p.mkdir()
        else:
            p.write_bytes(data)
        return p
    return make


@pytest.mark.parametrize("make,code", [
    (lambda d: d / "missing.txt", ErrorCode.NOT_FOUND),
    (_file("empty.txt", b""), ErrorCode.EMPTY),
    (_file("sub", None), ErrorCode.UNREADABLE_FILE),
    (_file("x.xyz", b"\x00\x01\x02" * 100), ErrorCode.UNSUPPORTED_FORMAT),
    (_file("broken.pdf", b"%PDF-1.4\n%\xe2\xe3\n1 0 obj<</Type/Catalog>>endobj\n"), ErrorCode.CORRUPT),
])
def test_bad_files_are_typed_errors(tmp_path, make, code):
    path = make(tmp_path)
    out = process(path)
    assert out.report is None and isinstance(out.error, NianbaoError)
    assert CJK.search(out.error.message)
    assert out.error.code == code
    rec = out.cells_record()
    assert set(rec) == {"source", "error", "error_code"} and rec["error_code"] in {c.value for c in ErrorCode}


def test_errors_cross_the_process_boundary_with_their_code(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    (out,) = process_many([tmp_path / "empty.txt"], limits=Limits(workers=1))
    assert out.error.code == ErrorCode.EMPTY and "为空" in out.error.message


def test_public_api():
    assert nianbao.process is process and nianbao.process_many is process_many
    assert issubclass(nianbao.errors.NianbaoError, Exception)
    from nianbao.readers import ReadError
    assert issubclass(ReadError, NianbaoError)


# ---- a batch with one enormous file, through every front end

@pytest.fixture(scope="module")
def batch_with_a_huge_file(tmp_path_factory):
    d = tmp_path_factory.mktemp("batch")
    for i in range(4):
        for p in SAMPLES:          # 20 distinct files (a line of their own makes each unique)
            (d / f"{i}_{p.name}").write_text(p.read_text(encoding="utf-8") + f"\n（副本 {i}）\n", encoding="utf-8")
    text = re.sub(r"[^\u4e00-\u9fff\n]", "", SAMPLES[0].read_text(encoding="utf-8"))
    blob = text.encode("utf-8")
    with open(d / "huge.txt", "wb") as f:           # 48 MB of report-like Chinese text
        for _ in range(48 * 1024 * 1024 // len(blob) + 1):
            f.write(blob)
    return d


TIMEOUT = "8"


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nianbao", *args], capture_output=True, text=True, timeout=600)


@pytest.mark.slow
def test_huge_file_times_out_and_the_batch_goes_on(batch_with_a_huge_file, tmp_path):
    d = batch_with_a_huge_file
    for cmd in (["extract", "--cells"], ["check", "--json"]):
        r = _run(*cmd, str(d), "--timeout", TIMEOUT)
        lines = [json.loads(x) for x in r.stdout.splitlines()]
        assert len(lines) == 21, (cmd, r.stderr[-1500:])
        errors = [x for x in lines if "error" in x]
        assert [(Path(x["source"]).name, x["error_code"]) for x in errors] == [("huge.txt", "timeout")], cmd
        assert "超时" in errors[0]["error"]
        assert r.returncode == 2
    db = tmp_path / "b.duckdb"
    r = _run("ingest", str(d), "--db", str(db), "--timeout", TIMEOUT)
    assert r.returncode == 2, r.stderr[-1500:]
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM reports").fetchone() == (20,)
    assert [(Path(s).name, c) for s, c in con.execute("SELECT source, code FROM errors").fetchall()] == \
        [("huge.txt", "timeout")]


def test_unreadable_file_on_the_command_line_is_a_per_file_error(tmp_path):
    r = _run("extract", "--cells", str(SAMPLES[0]), str(tmp_path / "nope.pdf"), str(tmp_path))
    lines = [json.loads(x) for x in r.stdout.splitlines()]
    assert [("error" in x) for x in lines] == [False, True]
    assert lines[1]["error_code"] == "not-found" and CJK.search(lines[1]["error"])
    assert "Usage" not in r.stderr and "Traceback" not in r.stderr
