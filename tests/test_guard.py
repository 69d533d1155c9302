"""The batch guard: per-file time limit, memory limit, crash isolation, input order.

Hangs, memory hogs and crashes are simulated with small top-level functions passed as
``func`` (they run in the worker processes, which import this module by name); real
files go through the default ``extract_path``.
"""
from __future__ import annotations

import os
import re
import signal
import time
from pathlib import Path

import pytest

from nianbao.guard import memory_message, safe_extract, safe_extract_many, timeout_message
from nianbao.model import Report

SHARED = Path(__file__).resolve().parents[2] / "shared"
CJK = re.compile(r"[\u4e00-\u9fff]")


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
    samples = sorted((SHARED / "samples").glob("*.txt"))
    if not samples:
        pytest.skip("shared/samples not present")
    paths = samples + [SHARED / "missing.txt"] + samples[:1]
    out = list(safe_extract_many(paths, timeout=60, mem_mb=2048, workers=2))
    assert [p for p, _, _ in out] == paths
    for p, report, error in out[:len(samples)]:
        assert error is None and report is not None
        assert report.format_version == "2021"
        assert sum(v is not None for v in report.values().values()) > 100
    _, report, error = out[len(samples)]
    assert report is None and "不存在" in error
    assert out[-1][1] is not None


def test_timeout_kills_only_the_slow_file():
    paths = ["a", "slow-30", "b", "c"]
    t0 = time.perf_counter()
    out = list(safe_extract_many(paths, timeout=1.5, workers=2, func=job_sleepy))
    elapsed = time.perf_counter() - t0
    assert [p for p, _, _ in out] == paths
    assert out[1][1] is None and out[1][2] == timeout_message(1.5)
    assert "超时" in out[1][2] and "跳过" in out[1][2]
    assert all(r is not None and e is None for i, (_, r, e) in enumerate(out) if i != 1)
    assert elapsed < 20, f"the hung file held the batch for {elapsed:.1f}s"


def test_order_kept_with_uneven_durations():
    paths = ["slow-0.6", "x1", "slow-0.3", "x2", "x3", "slow-0.1", "x4"]
    out = list(safe_extract_many(paths, timeout=20, workers=3, func=job_sleepy))
    assert [p for p, _, _ in out] == paths
    assert all(e is None for _, _, e in out)


def test_memory_limit():
    out = list(safe_extract_many(["ok1", "hog", "ok2"], timeout=60, mem_mb=600, workers=1, func=job_memory))
    assert out[1][1] is None and out[1][2] == memory_message(600)
    assert "内存超限" in out[1][2]
    # the next file gets a fresh worker and succeeds
    assert out[0][2] is None and out[2][2] is None


def test_crashes_and_exceptions_are_per_file_errors():
    paths = ["a", "exit", "b", "segv", "boom", "c"]
    out = list(safe_extract_many(paths, timeout=30, workers=2, func=job_crash))
    assert [p for p, _, _ in out] == paths
    errors = {p: e for p, _, e in out if e}
    assert set(errors) == {"exit", "segv", "boom"}
    for e in errors.values():
        assert CJK.search(e)
    assert "ValueError" in errors["boom"]
    assert all(r is not None for p, r, _ in out if p in ("a", "b", "c"))


def test_workers_are_reused():
    out = list(safe_extract_many([f"f{i}" for i in range(12)], workers=2, func=job_pid))
    pids = {r.source.split(":")[1] for _, r, _ in out}
    assert len(pids) <= 2


def test_lazy_input_and_empty_input():
    assert list(safe_extract_many([], func=job_pid)) == []
    gen = (f"g{i}" for i in range(5))
    assert [p for p, _, _ in safe_extract_many(gen, workers=1, func=job_pid)] == [f"g{i}" for i in range(5)]


def test_early_close_stops_workers():
    it = safe_extract_many(["slow-0.2"] * 6, workers=2, func=job_sleepy)
    next(it)
    it.close()          # must not hang, must not leave the busy workers running


def test_hostile_files_end_as_errors(tmp_path):
    junk = tmp_path / "junk.txt"
    junk.write_bytes(bytes(range(256)) * 50)
    empty = tmp_path / "empty.html"
    empty.write_bytes(b"")
    folder = tmp_path / "dir.txt"
    folder.mkdir()
    out = list(safe_extract_many([junk, empty, folder], timeout=30, workers=2))
    for p, report, error in out:
        assert report is None and error and CJK.search(error), (p, error)


def test_safe_extract_single():
    sample = next(iter(sorted((SHARED / "samples").glob("*.txt"))), None)
    if sample is None:
        pytest.skip("shared/samples not present")
    report, error = safe_extract(sample, timeout=60)
    assert error is None and report.agency


def job_noisy(path: str) -> Report:
    """Writes to file descriptor 1 directly, as C libraries do."""
    os.write(1, b"\x00\x01garbage from a C library\n")
    print("and a stray print")
    return Report(source=path)


def test_stray_output_does_not_corrupt_results():
    out = list(safe_extract_many(["a", "b", "c"], workers=1, func=job_noisy))
    assert [(p, e) for p, _, e in out] == [("a", None), ("b", None), ("c", None)]
