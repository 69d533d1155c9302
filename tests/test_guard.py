"""The per-file guard: time limit, memory limit, crash isolation, input order, workers
that are reused and that die with their parent.

Hangs, memory hogs and crashes are simulated with small top-level job functions (they
run in the worker processes, which import this module by name); real files go through
``nianbao.process_many``.
"""
from __future__ import annotations

import os
import re
import signal
import time
from pathlib import Path

import pytest

from nianbao import Limits, NianbaoError, process_many
from nianbao.guard import WorkerPool, guarded_map
from nianbao.model import Report

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
CJK = re.compile(r"[\u4e00-\u9fff]")


def safe_extract_many(items, timeout=60.0, mem_mb=2048, workers=None, *, func):
    """``(item, report, error message)`` per item: the guard's results unpacked."""
    for item, res in guarded_map(func, items, Limits(timeout=timeout, max_memory_mb=mem_mb, workers=workers)):
        if isinstance(res, NianbaoError):
            yield item, None, res
        else:
            yield item, res, None


# ---- job functions run inside the workers (must be importable top-level functions)

def job_sleepy(path: str) -> Report:
    """``slow-N``: sleep N seconds; anything else returns at once."""
    name = Path(path).name
    if name.startswith("slow-"):
        time.sleep(float(name.split("-")[1]))
    return Report(source=path, format_version="2021")


def job_memory(path: str) -> Report:
    """``hog``: try to allocate 4 GB (refused under the address-space limit)."""
    if Path(path).name == "hog":
        block = bytearray(4 * 1024 ** 3)
        block[0] = 1
    return Report(source=path)


def job_crash(path: str) -> Report:
    name = Path(path).name
    if name == "exit":
        os._exit(3)
    if name == "segv":
        os.kill(os.getpid(), signal.SIGSEGV)
    if name == "boom":
        raise ValueError("bad input")
    return Report(source=path)


def job_pid(path: str) -> Report:
    return Report(source=f"{path}:{os.getpid()}")


# ---- tests

def test_real_files_in_input_order():
    samples = sorted((EXAMPLES / "samples").glob("*.txt"))
    assert samples
    paths = samples + [EXAMPLES / "missing.txt"] + samples[:1]
    out = list(process_many(paths, limits=Limits(timeout=60, workers=2)))
    assert [o.source for o in out] == [str(p) for p in paths]
    for o in out[:len(samples)]:
        assert o.error is None and o.report is not None and o.audit is not None
        assert o.report.format_version == "2021"
        assert sum(v is not None for v in o.report.values().values()) > 100
        assert o.sha256 and o.size
    missing = out[len(samples)]
    assert missing.report is None and missing.error.code == "not-found" and "不存在" in missing.error.message
    assert out[-1].report is not None


def test_timeout_kills_only_the_slow_file():
    paths = ["a", "slow-30", "b", "c"]
    t0 = time.perf_counter()
    out = list(safe_extract_many(paths, timeout=1.5, workers=2, func=job_sleepy))
    elapsed = time.perf_counter() - t0
    assert [p for p, _, _ in out] == paths
    assert out[1][1] is None and out[1][2].code == "timeout"
    assert "超时" in out[1][2].message and "1.5" in out[1][2].message
    assert all(r is not None and e is None for i, (_, r, e) in enumerate(out) if i != 1)
    assert elapsed < 20, f"the hung file held the batch for {elapsed:.1f}s"


def test_order_kept_with_uneven_durations():
    paths = ["slow-0.6", "x1", "slow-0.3", "x2", "x3", "slow-0.1", "x4"]
    out = list(safe_extract_many(paths, timeout=20, workers=3, func=job_sleepy))
    assert [p for p, _, _ in out] == paths
    assert all(e is None for _, _, e in out)


def test_memory_limit():
    out = list(safe_extract_many(["ok1", "hog", "ok2"], timeout=60, mem_mb=600, workers=1, func=job_memory))
    assert out[1][1] is None and out[1][2].code == "memory"
    assert "内存超限" in out[1][2].message and "600" in out[1][2].message
    # the next file gets a fresh worker and succeeds
    assert out[0][2] is None and out[2][2] is None


def test_crashes_and_exceptions_are_per_file_errors():
    paths = ["a", "exit", "b", "segv", "boom", "c"]
    out = list(safe_extract_many(paths, timeout=30, workers=2, func=job_crash))
    assert [p for p, _, _ in out] == paths
    errors = {p: e for p, _, e in out if e}
    assert set(errors) == {"exit", "segv", "boom"}
    for e in errors.values():
        assert CJK.search(e.message)
    assert "ValueError" in errors["boom"].message and errors["boom"].code == "internal"
    assert errors["exit"].code == "worker-crash"
    assert all(r is not None for p, r, _ in out if p in ("a", "b", "c"))


def test_workers_are_reused():
    out = list(safe_extract_many([f"f{i}" for i in range(12)], workers=2, func=job_pid))
    pids = {r.source.split(":")[1] for _, r, _ in out}
    assert len(pids) <= 2


def test_lazy_input_and_empty_input():
    assert list(safe_extract_many([], func=job_pid)) == []
    gen = (f"g{i}" for i in range(5))
    assert [p for p, _, _ in safe_extract_many(gen, workers=1, func=job_pid)] == [f"g{i}" for i in range(5)]


def job_pid_slow(path: str) -> Report:
    time.sleep(0.3)
    return Report(source=f"{path}:{os.getpid()}")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:                            # a zombie of ours counts as gone
        return os.waitpid(pid, os.WNOHANG) == (0, 0)
    except ChildProcessError:
        return True


def test_early_close_stops_workers():
    it = safe_extract_many(["a", "b", "c", "d", "e", "f"], workers=2, func=job_pid_slow)
    _, first, _ = next(it)
    pid = int(first.source.split(":")[1])
    assert _alive(pid)
    t0 = time.perf_counter()
    it.close()          # must not hang, must not leave the busy workers running
    assert time.perf_counter() - t0 < 10
    deadline = time.time() + 5
    while _alive(pid) and time.time() < deadline:
        time.sleep(0.05)
    assert not _alive(pid), "a worker kept running after the batch was closed"


def test_pool_keeps_workers_between_batches():
    with WorkerPool(job_pid, Limits(workers=1)) as pool:
        a = {r.source.split(":")[1] for _, r in pool.map(["x", "y"])}
        b = {r.source.split(":")[1] for _, r in pool.map(["z"])}
        assert a == b and len(a) == 1


def test_workers_die_with_a_killed_parent(tmp_path):
    """``kill -9`` of the process running a batch leaves no worker behind."""
    import subprocess
    import sys
    pidfile = tmp_path / "pids"
    code = (f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
            "from test_guard import job_pid_record, safe_extract_many\n"
            f"list(safe_extract_many(['slow-60', 'slow-60'], workers=2, func=job_pid_record))\n")
    env = dict(os.environ, NIANBAO_TEST_PIDFILE=str(pidfile))
    proc = subprocess.Popen([sys.executable, "-c", code], env=env)
    deadline = time.time() + 30
    while time.time() < deadline and (not pidfile.exists() or len(pidfile.read_text().split()) < 2):
        time.sleep(0.1)
    pids = [int(x) for x in pidfile.read_text().split()]
    assert len(pids) == 2 and all(_alive(p) for p in pids)
    proc.kill()
    proc.wait()
    deadline = time.time() + 10
    while any(_alive(p) for p in pids) and time.time() < deadline:
        time.sleep(0.1)
    assert not any(_alive(p) for p in pids), "orphan workers kept running after kill -9 of their parent"


def job_pid_record(path: str) -> Report:
    with open(os.environ["NIANBAO_TEST_PIDFILE"], "a") as f:
        f.write(f"{os.getpid()}\n")
    return job_sleepy(path)


def test_hostile_files_end_as_errors(tmp_path):
    junk = tmp_path / "junk.txt"
    junk.write_bytes(bytes(range(256)) * 50)
    empty = tmp_path / "empty.html"
    empty.write_bytes(b"")
    folder = tmp_path / "dir.txt"
    folder.mkdir()
    out = list(process_many([junk, empty, folder], limits=Limits(timeout=30, workers=2)))
    assert [o.error.code for o in out] == ["corrupt", "empty", "unreadable-file"]
    for o in out:
        assert o.report is None and CJK.search(o.error.message), (o.source, o.error)


def test_one_file_in_process_under_the_time_limit():
    sample = sorted((EXAMPLES / "samples").glob("*.txt"))[0]
    (out,) = process_many([sample], limits=Limits(workers=0))
    assert out.error is None and out.report.agency
    t0 = time.perf_counter()
    ((_, res),) = guarded_map(job_sleepy, ["slow-30"], Limits(timeout=0.5, workers=0))
    assert isinstance(res, NianbaoError) and res.code == "timeout"
    assert time.perf_counter() - t0 < 5


def job_noisy(path: str) -> Report:
    """Writes to file descriptor 1 directly, as C libraries do."""
    os.write(1, b"\x00\x01garbage from a C library\n")
    print("and a stray print")
    return Report(source=path)


def test_stray_output_does_not_corrupt_results():
    out = list(safe_extract_many(["a", "b", "c"], workers=1, func=job_noisy))
    assert [(p, e) for p, _, e in out] == [("a", None), ("b", None), ("c", None)]


def test_huge_numbers_still_give_valid_json(tmp_path):
    """A 5,000-digit cell and a 400-digit fee: every file still gets one valid JSON line."""
    import json
    import subprocess
    import sys
    good = sorted((EXAMPLES / "samples").glob("*.txt"))[0]
    text = good.read_text(encoding="utf-8")
    lines = text.splitlines()
    # this rendering prints each cell on its own line, after its label
    i = next(n for n, ln in enumerate(lines) if "本年新收政府信息公开申请数量" in ln) + 1
    assert lines[i].strip().isdigit()
    lines[i] = "\t" + "9" * 5000
    (tmp_path / "a_long_cell.txt").write_text("\n".join(lines), encoding="utf-8")
    j = next(n for n, ln in enumerate(lines) if "行政事业性收费" in ln) + 1
    assert lines[j].strip().isdigit()
    lines[j] = "\t" + "9" * 400
    (tmp_path / "b_long_fee.txt").write_text("\n".join(lines), encoding="utf-8")
    (tmp_path / "c_good.txt").write_text(text, encoding="utf-8")
    for cmd in (["extract", "--cells"], ["extract", "--json"], ["check", "--json"]):
        r = subprocess.run([sys.executable, "-m", "nianbao.cli", *cmd, str(tmp_path)], capture_output=True, text=True,
                           timeout=300)
        out = [json.loads(ln, parse_constant=lambda c: pytest.fail(f"{c} in JSON")) for ln in r.stdout.splitlines()]
        assert len(out) == 3, (cmd, r.stderr[-2000:])
        assert "Traceback" not in r.stderr
        assert all("cells" in o or "findings" in o or "error" in o for o in out)
