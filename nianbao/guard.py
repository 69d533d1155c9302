"""Per-file time limit and memory guard for batch runs.

Owns running ``extract_path`` over many files so that no single file — damaged, enormous,
hostile, or one that sends a parser into a loop — can hang or exhaust a batch of 10⁵
reports:

- every file is read in a worker process: a small pool of long-lived workers, each a fresh
  ``python`` started with ``subprocess`` (no ``fork`` of a parent that may hold threads, no
  re-import of the caller's ``__main__``), talking length-prefixed pickles over its pipes;
- each worker runs under an address-space limit (``resource.RLIMIT_AS`` = ``mem_mb``), so
  a file that wants too much memory fails with ``MemoryError`` inside the worker (or the
  worker dies) instead of taking the machine down;
- each file has a wall-clock limit (``timeout`` seconds); a worker past it is killed and
  replaced, and the file is reported as skipped;
- results come back in input order as ``(path, Report | None, error | None)``, the error
  a Chinese message ("处理超时（超过 60 秒），已跳过", "内存超限（超过 2048 MB），已跳过", or the
  reader's ``ReadError`` text).

Public API: ``safe_extract_many(paths, timeout=60, mem_mb=2048, workers=None)`` and
``safe_extract(path, ...)`` for one file.
"""
from __future__ import annotations

import os
import pickle
import struct
import subprocess
import sys
import time
from collections import deque
from multiprocessing.connection import wait
from pathlib import Path
from typing import Iterable, Iterator

from .model import Report

DEFAULT_TIMEOUT = 60.0
DEFAULT_MEM_MB = 2048
# Time a new worker may take to start (interpreter, imports) before its first file's
# clock starts.
STARTUP_GRACE = 30.0

_HEADER = struct.Struct(">Q")


def timeout_message(timeout: float) -> str:
    return f"处理超时（超过 {timeout:g} 秒），已跳过"


def memory_message(mem_mb: int) -> str:
    return f"内存超限（超过 {mem_mb} MB），已跳过"


def crash_message(code: int | None) -> str:
    return f"处理该文件时工作进程异常退出（退出码 {code}，可能内存超限或文件触发了解析库错误），已跳过"


# ---------------------------------------------------------------- framing

def _write_frame(f, obj) -> None:
    payload = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    data = memoryview(_HEADER.pack(len(payload)) + payload)
    while data:                      # an unbuffered pipe may take part of it
        n = f.write(data)
        data = data[n if n is not None else 0:]
    f.flush()


def _read_exact(f, n: int) -> bytes:
    buf = b""
    while len(buf) < n:
        chunk = f.read(n - len(buf))
        if not chunk:
            raise EOFError
        buf += chunk
    return buf


def _read_frame(f):
    (n,) = _HEADER.unpack(_read_exact(f, _HEADER.size))
    return pickle.loads(_read_exact(f, n))


# ---------------------------------------------------------------- worker side

def _limit_memory(mem_mb: int | None) -> None:
    if not mem_mb:
        return
    try:
        import resource
    except ImportError:  # pragma: no cover - not on POSIX
        return
    limit = int(mem_mb) * 1024 * 1024
    try:
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ValueError, OSError):  # pragma: no cover - a platform that refuses
        pass


def _serve() -> None:
    """Worker process: read the setup frame, then ``(index, path)`` frames; answer each
    with ``(index, "ok", report)``, ``(index, "error", message)`` or ``(index, "memory",
    None)``. ``None`` ends it."""
    inp = sys.stdin.buffer
    # The protocol gets its own copy of the pipe; file descriptor 1 then points to stderr,
    # so stray prints — Python's or a C library's — cannot corrupt the frames.
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    setup = _read_frame(inp)
    _limit_memory(setup.get("mem_mb"))
    from .extract import extract_path
    from .readers import ReadError
    func = setup.get("func") or extract_path
    _write_frame(out, ("ready",))    # the first file's clock starts now, not at launch
    while True:
        try:
            task = _read_frame(inp)
        except (EOFError, OSError):
            return
        if task is None:
            return
        index, path = task
        try:
            msg = (index, "ok", func(path))
        except ReadError as e:
            msg = (index, "error", str(e))
        except MemoryError:
            msg = (index, "memory", None)
        except RecursionError:
            msg = (index, "error", f"文件结构嵌套过深，已放弃读取：{Path(path).name}")
        except Exception as e:  # an extractor bug must not take the batch down
            msg = (index, "error", f"处理失败：{Path(path).name}（{type(e).__name__}: {str(e)[:200]}）")
        try:
            _write_frame(out, msg)
        except MemoryError:
            _write_frame(out, (index, "memory", None))
        except (pickle.PicklingError, TypeError, AttributeError) as e:
            _write_frame(out, (index, "error", f"处理结果无法传回：{type(e).__name__}: {str(e)[:200]}"))
        if msg[1] == "memory":
            return          # a worker that ran out of memory is not trusted with more work


# ---------------------------------------------------------------- parent side

def _child_env() -> dict[str, str]:
    """The worker sees the same modules as the caller (its ``sys.path``, this package)."""
    env = dict(os.environ)
    here = str(Path(__file__).resolve().parent.parent)
    paths = [here] + [p for p in sys.path if p and os.path.isdir(p)]
    if env.get("PYTHONPATH"):
        paths.append(env["PYTHONPATH"])
    env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    return env


class _Worker:
    def __init__(self, mem_mb: int | None, func, env: dict[str, str]):
        stderr = None if os.environ.get("NIANBAO_GUARD_STDERR") else subprocess.DEVNULL
        # unbuffered: a frame read must never leave the next one in a Python buffer that
        # ``wait`` cannot see
        self.proc = subprocess.Popen([sys.executable, "-c", "from nianbao.guard import _serve; _serve()"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr, env=env,
                                     bufsize=0)
        self._send({"mem_mb": mem_mb, "func": func})
        self.task: tuple[int, object] | None = None
        self.deadline = 0.0
        self.timeout = 0.0
        self.ready = False

    def give(self, index: int, path, timeout: float) -> None:
        self.task = (index, path)
        self.timeout = timeout
        # until the worker says it is ready (interpreter and imports), allow for its start
        self.deadline = time.monotonic() + timeout + (0.0 if self.ready else STARTUP_GRACE)
        self._send((index, str(path)))

    def _send(self, obj) -> None:
        # a worker that died before reading shows up as end-of-file on its output, which
        # the batch loop turns into a per-file error: nothing to raise here
        try:
            _write_frame(self.proc.stdin, obj)
        except (OSError, ValueError):
            pass

    def started(self) -> None:
        self.ready = True
        self.deadline = time.monotonic() + self.timeout

    def kill(self) -> None:
        try:
            self.proc.kill()
        except OSError:  # pragma: no cover - already gone
            pass
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:  # pragma: no cover
            pass
        for f in (self.proc.stdin, self.proc.stdout):
            try:
                f.close()
            except OSError:
                pass

    def stop(self) -> None:
        try:
            _write_frame(self.proc.stdin, None)
            self.proc.stdin.close()
            self.proc.wait(2)
        except (OSError, ValueError, subprocess.TimeoutExpired):
            pass
        self.kill()


def safe_extract_many(paths: Iterable, timeout: float = DEFAULT_TIMEOUT, mem_mb: int = DEFAULT_MEM_MB,
                      workers: int | None = None, *, func=None) -> Iterator[tuple[object, Report | None, str | None]]:
    """Extract every file in a guarded worker; yield ``(path, report, error)`` in input
    order, exactly one of ``report``/``error`` set. ``func`` (a picklable top-level
    function taking a path, default ``extract_path``) is for tests and other per-file jobs.
    Files are read lazily from ``paths``, a bounded number ahead of the output."""
    it = iter(paths)
    n_workers = max(1, int(workers) if workers else (os.cpu_count() or 1))
    env = _child_env()
    pool: list[_Worker] = []
    queue: deque[tuple[int, object]] = deque()
    results: dict[int, tuple[object, Report | None, str | None]] = {}
    next_out = submitted = 0
    exhausted = False
    window = n_workers * 4

    def refill() -> None:
        nonlocal submitted, exhausted
        while not exhausted and len(queue) + sum(w.task is not None for w in pool) + len(results) < window:
            try:
                p = next(it)
            except StopIteration:
                exhausted = True
                return
            queue.append((submitted, p))
            submitted += 1

    def drop(w: _Worker) -> None:
        w.kill()
        pool.remove(w)

    try:
        while True:
            refill()
            for w in pool:
                if w.task is None and queue:
                    w.give(*queue.popleft(), timeout)
            while queue and len(pool) < n_workers:
                w = _Worker(mem_mb, func, env)
                pool.append(w)
                w.give(*queue.popleft(), timeout)
            while next_out in results:
                yield results.pop(next_out)
                next_out += 1
                refill()
            busy = [w for w in pool if w.task is not None]
            if not busy:
                if exhausted and not queue:
                    break
                continue
            wait_for = max(0.0, min(w.deadline for w in busy) - time.monotonic())
            ready = wait([w.proc.stdout for w in busy], timeout=wait_for)
            for w in busy:
                index, path = w.task
                if w.proc.stdout in ready:
                    try:
                        frame = _read_frame(w.proc.stdout)
                        if frame == ("ready",):
                            w.started()
                            continue
                        _, status, payload = frame
                    except (EOFError, OSError, pickle.UnpicklingError, ValueError):
                        code = w.proc.wait(5) if w.proc.poll() is None else w.proc.returncode
                        # killed for memory under RLIMIT_AS: SIGKILL/SIGSEGV/SIGABRT
                        msg = memory_message(mem_mb) if code is not None and code < 0 else crash_message(code)
                        results[index] = (path, None, msg)
                        drop(w)
                        continue
                    if status == "ok":
                        results[index] = (path, payload, None)
                        w.task = None
                    elif status == "memory":
                        results[index] = (path, None, memory_message(mem_mb))
                        drop(w)
                    else:
                        results[index] = (path, None, payload)
                        w.task = None
                elif time.monotonic() >= w.deadline:
                    results[index] = (path, None, timeout_message(timeout))
                    drop(w)
        while next_out in results:
            yield results.pop(next_out)
            next_out += 1
    finally:
        for w in list(pool):
            if w.task is None:
                w.stop()
            else:
                w.kill()


def safe_extract(path, timeout: float = DEFAULT_TIMEOUT, mem_mb: int = DEFAULT_MEM_MB) -> tuple[Report | None, str | None]:
    """One file under the same guards: ``(report, None)`` or ``(None, error)``."""
    for _, report, error in safe_extract_many([path], timeout=timeout, mem_mb=mem_mb, workers=1):
        return report, error
    return None, "未处理"  # pragma: no cover - one input always yields one result


__all__ = ["safe_extract_many", "safe_extract", "timeout_message", "memory_message", "crash_message",
           "DEFAULT_TIMEOUT", "DEFAULT_MEM_MB"]
