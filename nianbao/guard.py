"""The per-file guard: a pool of long-lived, killable worker processes.

Owns running one picklable job per input so that no single file — damaged, enormous,
hostile, or one that sends a parser into a loop — can hang or exhaust a batch of 10⁵
reports:

- a small pool of long-lived workers, each a fresh ``python`` started with ``subprocess``
  (no ``fork`` of a parent that may hold threads or a DuckDB connection, no re-import of
  the caller's ``__main__``), talking length-prefixed pickles over its pipes; a worker is
  started once and serves file after file (the guard costs a pickle round trip, not a
  process per file);
- each worker runs under an address-space limit (``RLIMIT_AS`` = ``max_memory_mb``): a file
  that wants too much memory fails inside the worker (or the worker dies) instead of
  taking the machine down;
- each file has a wall-clock limit; a worker past it is killed and replaced, and the file
  becomes a ``timeout`` error;
- workers die with their parent: ``PR_SET_PDEATHSIG`` on Linux, and end-of-file on their
  input everywhere, so a ``kill -9`` of an ingest leaves no orphan running;
- results come back in input order as ``(item, result)``; ``result`` is the job's return
  value or a ``NianbaoError`` (timeout, memory, worker crash, or whatever the job raised).

Public API: ``Limits`` (the settings, resolved once), ``WorkerPool`` (reusable across
batches, e.g. by the web app) and ``guarded_map(job, items, limits)`` for one batch.
"""
from __future__ import annotations

import ctypes
import os
import pickle
import signal
import struct
import subprocess
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass
from multiprocessing.connection import wait
from pathlib import Path
from typing import IO, Any, Callable, Iterable, Iterator

from .errors import NianbaoError, crash_error, internal_error, memory_error, timeout_error
from .vocab import ErrorCode

# Defaults that suit real reports: the largest real PDFs read in a few seconds; an OCR of
# a 40-page scan takes well under a minute on one core.
DEFAULT_TIMEOUT = 60.0
DEFAULT_MEM_MB = 2048
# Time a new worker may take to start (interpreter, imports) before its first file's
# clock starts.
STARTUP_GRACE = 30.0
# Inputs handed out ahead of the output per worker: keeps every worker busy while the
# caller consumes results in order, without reading a whole directory ahead.
WINDOW_PER_WORKER = 4

_HEADER = struct.Struct(">Q")
_PR_SET_PDEATHSIG = 1

Job = Callable[[Any], Any]



def usable_cpus() -> int:
    """The CPUs this process may run on (``taskset``, a container's cpuset), not the
    machine's count: one worker per CPU it can actually use."""
    return max(1, len(os.sched_getaffinity(0)))


@dataclass(frozen=True)
class Limits:
    """How files are guarded, resolved once per run (CLI options, web config, tests).

    ``workers=0`` runs in this process (no memory limit; the time limit is enforced with
    ``SIGALRM`` when called from the main thread): for a one-file run, dask tasks and
    benchmarks of the core."""
    timeout: float = DEFAULT_TIMEOUT
    max_memory_mb: int | None = DEFAULT_MEM_MB
    workers: int | None = None          # None: one per CPU

    @property
    def n_workers(self) -> int:
        if self.workers is None:
            return usable_cpus()
        return max(0, int(self.workers))


# ---------------------------------------------------------------- framing

def _write_frame(f: IO[bytes], obj: object) -> None:
    payload = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    data = memoryview(_HEADER.pack(len(payload)) + payload)
    while data:                      # an unbuffered pipe may take part of it
        n = f.write(data)
        data = data[n if n is not None else 0:]
    f.flush()


def _read_exact(f: IO[bytes], n: int) -> bytes:
    buf = b""
    while len(buf) < n:
        chunk = f.read(n - len(buf))
        if not chunk:
            raise EOFError
        buf += chunk
    return buf


def _read_frame(f: IO[bytes]) -> Any:
    (n,) = _HEADER.unpack(_read_exact(f, _HEADER.size))
    return pickle.loads(_read_exact(f, n))


# ---------------------------------------------------------------- worker side

def _limit_memory(mem_mb: int | None) -> None:
    if not mem_mb:
        return
    import resource
    limit = int(mem_mb) * 1024 * 1024
    try:
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ValueError, OSError):  # pragma: no cover - a platform that refuses
        pass


def _die_with_parent(parent: int) -> None:
    """Linux: the kernel kills this worker when its parent dies (even by ``kill -9``)."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):  # pragma: no cover - no prctl
            pass
    if os.getppid() != parent:      # the parent died before prctl took effect
        os._exit(1)


def run_job(job: Job, item: Any) -> tuple[str, Any]:
    """Run one job, turning every failure into a ``NianbaoError`` (also used in process)."""
    try:
        return "ok", job(item)
    except NianbaoError as e:
        return "error", e
    except MemoryError:
        return "memory", None
    except RecursionError:
        return "error", NianbaoError("文件结构嵌套过深，已放弃读取", ErrorCode.TOO_DEEP)
    except Exception as e:  # noqa: BLE001 - a bug must not take the batch down
        return "error", internal_error("处理", e)


def _serve() -> None:
    """Worker process: read the setup frame, then ``(index, item)`` frames; answer each
    with ``(index, status, payload)``. ``None`` or end-of-file ends it."""
    inp = sys.stdin.buffer
    # The protocol gets its own copy of the pipe; file descriptor 1 then points to stderr,
    # so stray prints — Python's or a C library's — cannot corrupt the frames.
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    setup = _read_frame(inp)
    _die_with_parent(setup["parent"])
    _limit_memory(setup.get("mem_mb"))
    job: Job = setup["job"]
    from .standard import load
    load()                           # the standard and its matchers, once per worker
    _write_frame(out, ("ready",))    # the first file's clock starts now, not at launch
    while True:
        try:
            task = _read_frame(inp)
        except (EOFError, OSError):
            task = None
        if task is None:
            # every answer is written (frames are flushed): skip the interpreter's teardown,
            # which only frees memory the kernel reclaims anyway
            out.close()
            os._exit(0)
        index, item = task
        status, payload = run_job(job, item)
        try:
            _write_frame(out, (index, status, payload))
        except MemoryError:
            _write_frame(out, (index, "memory", None))
        except (pickle.PicklingError, TypeError, AttributeError) as e:
            _write_frame(out, (index, "error", internal_error("传回处理结果", e)))
        if status == "memory":
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
    def __init__(self, limits: Limits, job: Job, env: dict[str, str]):
        stderr = None if os.environ.get("NIANBAO_GUARD_STDERR") else subprocess.DEVNULL
        # unbuffered: a frame read must never leave the next one in a Python buffer that
        # ``wait`` cannot see
        self.proc = subprocess.Popen([sys.executable, "-c", "from nianbao.guard import _serve; _serve()"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr, env=env,
                                     bufsize=0)
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.stdin: IO[bytes] = self.proc.stdin
        self.stdout: IO[bytes] = self.proc.stdout
        self._send({"mem_mb": limits.max_memory_mb, "job": job, "parent": os.getpid()})
        self.task: tuple[int, Any] | None = None
        self.deadline = 0.0
        self.timeout = 0.0
        self.ready = False

    def give(self, index: int, item: Any, timeout: float) -> None:
        self.task = (index, item)
        self.timeout = timeout
        # until the worker says it is ready (interpreter and imports), allow for its start
        self.deadline = time.monotonic() + timeout + (0.0 if self.ready else STARTUP_GRACE)
        self._send((index, item))

    def _send(self, obj: object) -> None:
        # a worker that died before reading shows up as end-of-file on its output, which
        # the batch loop turns into a per-file error: nothing to raise here
        try:
            _write_frame(self.stdin, obj)
        except (OSError, ValueError):
            pass

    def started(self) -> None:
        self.ready = True
        self.deadline = time.monotonic() + self.timeout

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        try:
            self.proc.kill()
        except OSError:  # pragma: no cover - already gone
            pass
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:  # pragma: no cover
            pass
        for f in (self.stdin, self.stdout):
            try:
                f.close()
            except OSError:
                pass

    def ask_to_stop(self) -> None:
        try:
            _write_frame(self.stdin, None)
            self.stdin.close()
        except (OSError, ValueError):
            pass

    def stop(self) -> None:
        """End the worker (after ``ask_to_stop``, which lets several end at once)."""
        self.ask_to_stop()
        try:
            self.proc.wait(2)
        except subprocess.TimeoutExpired:
            pass
        self.kill()


class WorkerPool:
    """Long-lived guarded workers for one job function; ``map`` may be called again and
    again (one batch at a time: calls are serialised by a lock), ``close`` ends them.

    ``job`` is a picklable top-level function of one item; workers import it by name."""

    def __init__(self, job: Job, limits: Limits = Limits()):
        self.job, self.limits = job, limits
        self._env = _child_env()
        self._idle: list[_Worker] = []
        self._lock = threading.Lock()
        self._closed = False

    def __enter__(self) -> "WorkerPool":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            for w in self._idle:
                w.ask_to_stop()
            for w in self._idle:
                w.stop()
            self._idle.clear()

    def map(self, items: Iterable[Any]) -> Iterator[tuple[Any, Any]]:
        """``(item, result)`` in input order; ``result`` is the job's value or a
        ``NianbaoError``. Items are taken lazily, a bounded number ahead of the output."""
        with self._lock:
            if self._closed:
                raise RuntimeError("WorkerPool is closed")
            yield from self._map(iter(items))

    def _map(self, it: Iterator[Any]) -> Iterator[tuple[Any, Any]]:
        limits = self.limits
        n_workers = max(1, limits.n_workers)
        pool: list[_Worker] = [w for w in self._idle if w.alive()]
        self._idle = []
        queue: deque[tuple[int, Any]] = deque()
        results: dict[int, tuple[Any, Any]] = {}
        next_out = submitted = 0
        exhausted = False
        window = n_workers * WINDOW_PER_WORKER

        def refill() -> None:
            nonlocal submitted, exhausted
            while not exhausted and len(queue) + sum(w.task is not None for w in pool) + len(results) < window:
                try:
                    item = next(it)
                except StopIteration:
                    exhausted = True
                    return
                queue.append((submitted, item))
                submitted += 1

        def drop(w: _Worker) -> None:
            w.kill()
            pool.remove(w)

        finished = False
        try:
            while True:
                refill()
                for w in pool:
                    if w.task is None and queue:
                        w.give(*queue.popleft(), limits.timeout)
                while queue and len(pool) < n_workers:
                    w = _Worker(limits, self.job, self._env)
                    pool.append(w)
                    w.give(*queue.popleft(), limits.timeout)
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
                ready = wait([w.stdout.fileno() for w in busy], timeout=wait_for)
                for w in busy:
                    assert w.task is not None
                    index, item = w.task
                    if w.stdout.fileno() in ready:
                        try:
                            frame = _read_frame(w.stdout)
                            if frame == ("ready",):
                                w.started()
                                continue
                            _, status, payload = frame
                        except (EOFError, OSError, pickle.UnpicklingError, ValueError):
                            code = w.proc.wait(5) if w.proc.poll() is None else w.proc.returncode
                            # killed for memory under RLIMIT_AS: SIGKILL/SIGSEGV/SIGABRT
                            err = memory_error(limits.max_memory_mb) if code is not None and code < 0 else crash_error(code)
                            results[index] = (item, err)
                            drop(w)
                            continue
                        if status == "memory":
                            results[index] = (item, memory_error(limits.max_memory_mb))
                            drop(w)
                        else:
                            results[index] = (item, payload)
                            w.task = None
                    elif time.monotonic() >= w.deadline:
                        results[index] = (item, timeout_error(limits.timeout))
                        drop(w)
            while next_out in results:
                yield results.pop(next_out)
                next_out += 1
            finished = True
        finally:
            for w in pool:
                if finished and w.task is None and w.alive():
                    self._idle.append(w)      # kept for the next batch
                elif w.task is None:
                    w.stop()
                else:
                    w.kill()                  # the caller stopped early: busy workers go


class _Expired(BaseException):
    """Raised by the alarm: a ``BaseException``, so no ``except Exception`` of a reader
    can swallow it."""


class _Alarm:
    """The time limit for a job run in this process (main thread only: ``SIGALRM``)."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.armed = False

    def __enter__(self) -> "_Alarm":
        if self.seconds and threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer"):
            self._old = signal.signal(signal.SIGALRM, self._fire)
            signal.setitimer(signal.ITIMER_REAL, self.seconds)
            self.armed = True
        return self

    def _fire(self, signum: int, frame: object) -> None:
        raise _Expired

    def __exit__(self, *exc: object) -> None:
        if self.armed:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self._old)


def run_in_process(job: Job, item: Any, timeout: float | None) -> Any:
    """One job here, under the time limit where it can be enforced; a result or error."""
    try:
        with _Alarm(timeout or 0.0):
            status, payload = run_job(job, item)
    except _Expired:
        return timeout_error(timeout or 0.0)
    if status == "memory":
        return memory_error(None)
    return payload


def guarded_map(job: Job, items: Iterable[Any], limits: Limits = Limits()) -> Iterator[tuple[Any, Any]]:
    """One batch under the guard: ``(item, result | NianbaoError)`` in input order."""
    if limits.n_workers == 0:
        for item in items:
            yield item, run_in_process(job, item, limits.timeout)
        return
    with WorkerPool(job, limits) as pool:
        yield from pool.map(items)


__all__ = ["Limits", "WorkerPool", "guarded_map", "run_in_process", "run_job", "DEFAULT_TIMEOUT", "DEFAULT_MEM_MB"]
