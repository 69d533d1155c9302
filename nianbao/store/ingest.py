"""Ingesting report files into the store.

Owns:
- ``process_file(path)``: read, hash, extract and audit one file into a ``db.Record``
  (or a ``db.Failure`` with the reader's Chinese message) — the unit of work, run in
  this process, in worker processes or on dask workers;
- ``ingest(paths, db_path, workers=1)``: files and directories → the database, in
  batches (one transaction each); ``workers > 1`` uses a ``ProcessPoolExecutor``
  (fork on Linux, workers started before DuckDB is opened; spawn elsewhere);
- ``ingest_dask(paths, db_path, scheduler_address=None)``: the same with a
  dask.distributed cluster (a ``LocalCluster`` when no address is given); workers
  extract and audit, the client writes. Workers must have nianbao installed and see
  the files (shared storage), or pass ``send_bytes=True`` to ship file contents.

A file that cannot be read never stops a batch: it becomes a row in ``errors``.
"""
from __future__ import annotations

import hashlib
import multiprocessing
import sys
import time
from collections import deque
from concurrent.futures import FIRST_COMPLETED, BrokenExecutor, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Sequence

from ..files import expand_inputs
from .db import Failure, Record, Store, StoreError, report_rows

try:  # the auditor may be absent from a build: then reports are stored without findings
    from ..audit.run import audit_report as _audit_report
except Exception:  # noqa: BLE001
    _audit_report = None

Progress = Callable[[int, int, str, bool], None]     # (done, total, source, ok)


def audit_available() -> bool:
    return _audit_report is not None


# ---------------------------------------------------------------------------
# One file

def _read_error(path: Path) -> str:
    """The reader's own message for a file we could not read ourselves."""
    from ..extract import extract_path
    from ..readers import ReadError
    try:
        extract_path(path)
    except ReadError as e:
        return str(e)
    except Exception as e:  # noqa: BLE001
        return f"无法读取文件：{path}（{type(e).__name__}: {str(e)[:200]}）"
    return f"无法读取文件：{path}"


def process_file(path: str | Path, data: bytes | None = None, audit: bool = True) -> Record | Failure:
    """Read, hash, extract and audit one file. Never raises for a bad file."""
    from ..extract import extract_path
    from ..readers import Limits, ReadError
    p = Path(path)
    src = str(path)
    if data is None:
        try:
            st = p.stat()
            if p.is_dir() or st.st_size == 0 or st.st_size > Limits.max_file_bytes:
                return Failure(src, None, _read_error(p))
            data = p.read_bytes()
        except OSError:
            return Failure(src, None, _read_error(p))
    sha = hashlib.sha256(data).hexdigest()
    try:
        report = extract_path(p, data)
        report.source = src
    except ReadError as e:
        return Failure(src, sha, str(e))
    except Exception as e:  # noqa: BLE001 - an extractor bug must not end the batch
        return Failure(src, sha, f"提取时出错，已跳过（{type(e).__name__}: {str(e)[:200]}）")
    res = None
    audit_error = None
    if audit and _audit_report is not None:
        try:
            res = _audit_report(report)
        except Exception as e:  # noqa: BLE001
            audit_error = f"审核时出错，本报告未保存审核结果（{type(e).__name__}: {str(e)[:200]}）"
    try:
        return report_rows(report, res, sha256=sha, file_size=len(data), source=src, audit_error=audit_error)
    except Exception as e:  # noqa: BLE001
        return Failure(src, sha, f"整理入库数据时出错，已跳过（{type(e).__name__}: {str(e)[:200]}）")


def process_chunk(items: Sequence[str | tuple[str, bytes]], audit: bool = True) -> list[Record | Failure]:
    """Several files in one task (fewer round trips to the workers)."""
    out = []
    for it in items:
        if isinstance(it, tuple):
            out.append(process_file(it[0], it[1], audit=audit))
        else:
            out.append(process_file(it, audit=audit))
    return out


def _warm() -> None:
    """Worker initializer: load the standard and build the matchers once."""
    from .. import standard
    standard.load()


# ---------------------------------------------------------------------------
# Batches

@dataclass
class IngestResult:
    files: int = 0                      # inputs after expanding directories
    reports: int = 0                    # reports written
    failures: list[tuple[str, str]] = field(default_factory=list)   # (source, message)
    skipped: int = 0                    # already in the database (skip_existing)
    replaced: int = 0                   # earlier rows replaced (same content ingested again)
    seconds: float = 0.0                # wall time
    db_seconds: float = 0.0             # time spent writing to DuckDB
    audited: bool = True

    @property
    def per_second(self) -> float:
        return (self.reports + len(self.failures)) / self.seconds if self.seconds else 0.0

    def summary_zh(self) -> str:
        s = (f"共 {self.files} 个文件：入库 {self.reports} 份报告，无法读取 {len(self.failures)} 个"
             + (f"，跳过已入库 {self.skipped} 个" if self.skipped else "")
             + (f"，替换旧记录 {self.replaced} 份" if self.replaced else "")
             + f"；用时 {self.seconds:.1f} 秒（{self.per_second:.1f} 份/秒，其中写库 {self.db_seconds:.2f} 秒）")
        if not self.audited:
            s += "；审核模块不可用，未保存审核结果"
        return s


def _inputs(paths: Iterable[str | Path]) -> list[str]:
    seen: set[str] = set()
    out = []
    for p in expand_inputs(list(paths)):
        s = str(p)
        if s not in seen:
            seen.add(s)
            out.append(s)
    return out


def _sha_of(path: str) -> str | None:
    h = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    except OSError:
        return None
    return h.hexdigest()


class _Writer:
    """Collects results and writes them in batches of ``batch_size``."""

    def __init__(self, store: Store, result: IngestResult, total: int, batch_size: int,
                 replace_source: bool, progress: Progress | None):
        self.store, self.result, self.total = store, result, total
        self.batch_size, self.replace_source, self.progress = batch_size, replace_source, progress
        self.pending: list[Record | Failure] = []
        self.done = 0

    def add(self, items: Iterable[Record | Failure]) -> None:
        for it in items:
            self.pending.append(it)
            self.done += 1
            ok = isinstance(it, Record)
            if not ok:
                self.result.failures.append((it.source, it.message))
            if self.progress:
                self.progress(self.done, self.total, it.source, ok)
            if len(self.pending) >= self.batch_size:
                self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        batch, self.pending = self.pending, []
        st = self.store.write(batch, replace_source=self.replace_source)
        self.result.reports += st.reports
        self.result.replaced += st.replaced
        self.result.db_seconds += st.seconds


def _prepare(paths, store: Store, skip_existing: bool, result: IngestResult) -> list[str]:
    inputs = _inputs(paths)
    result.files = len(inputs)
    if skip_existing and inputs:
        have = store.existing_sha256()
        keep = []
        for s in inputs:
            sha = _sha_of(s)
            if sha is not None and sha in have:
                result.skipped += 1
            else:
                keep.append(s)
        inputs = keep
    return inputs


def _with_bytes(path: str) -> str | tuple[str, bytes]:
    """(path, contents) to ship to a worker; the bare path when unreadable here (the
    worker then reports the reader's message)."""
    try:
        data = Path(path).read_bytes()
    except OSError:
        return path
    return (path, data) if data else path


def _chunks(items: list, n: int) -> list[list]:
    return [items[i:i + n] for i in range(0, len(items), n)]


_CRASH = "处理该文件时工作进程异常退出（可能是文件损坏或内存不足），已跳过"
MAX_POOL_RESTARTS = 5


def _noop() -> None:
    return None


def _pool_context():
    """fork on Linux (no re-import of the caller's main module, so scripts need no
    ``if __name__ == "__main__"`` guard and stdin scripts work); spawn elsewhere."""
    if sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _new_pool(workers: int) -> ProcessPoolExecutor:
    """A process pool whose workers all exist when this returns: with fork, every worker is
    started by the first submit, so ``ingest`` starts them before it opens DuckDB (no
    worker inherits the connection)."""
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=_pool_context(), initializer=_warm)
    pool.submit(_noop).result()
    return pool


def _run_pool(pool: ProcessPoolExecutor, workers: int, inputs: list[str], chunk_size: int, audit: bool,
              writer: "_Writer") -> ProcessPoolExecutor | None:
    """Feed chunks to the pool (a bounded window in flight) and hand results to the writer.

    When a worker dies (a crash, the OOM killer), every task in flight fails with it, so
    their files become suspects: each is then run alone in a fresh pool, and a file that
    kills its worker when alone is recorded as unreadable. If pools keep breaking, the rest
    is processed in this process. Returns the pool in use at the end (None if given up)."""
    queue: deque[list[str]] = deque(_chunks(inputs, max(1, chunk_size)))
    suspects: deque[str] = deque()
    in_flight: dict = {}                                  # future → (chunk, suspect?, pool)
    window = workers * 3
    restarts = 0

    def restart(broken: ProcessPoolExecutor) -> ProcessPoolExecutor | None:
        nonlocal restarts
        broken.shutdown(wait=False, cancel_futures=True)
        restarts += 1
        if restarts > MAX_POOL_RESTARTS:
            return None
        try:
            return _new_pool(workers)
        except Exception:  # noqa: BLE001 - cannot start workers at all
            return None

    def submit(ch: list[str], suspect: bool) -> bool:
        nonlocal pool
        try:
            fut = pool.submit(process_chunk, ch, audit)
        except BrokenExecutor:
            pool = restart(pool)
            return False
        in_flight[fut] = (ch, suspect, pool)
        return True

    while queue or suspects or in_flight:
        if pool is not None:
            if suspects:                                  # one suspect at a time, alone
                if not in_flight and submit([suspects[0]], True):
                    suspects.popleft()
            else:
                while pool is not None and queue and len(in_flight) < window:
                    if submit(queue[0], False):
                        queue.popleft()
        if pool is None and not in_flight:                # give up on worker processes
            for s in list(suspects) + [s for ch in queue for s in ch]:
                writer.add([process_file(s, audit=audit)])
            break
        if not in_flight:
            continue
        done, _ = wait(list(in_flight), return_when=FIRST_COMPLETED)
        for f in done:
            ch, suspect, fpool = in_flight.pop(f)
            try:
                items = f.result()
            except Exception as e:  # noqa: BLE001 - a worker died or the task could not be sent
                if isinstance(e, BrokenExecutor) and fpool is pool and pool is not None:
                    pool = restart(pool)
                if suspect:                               # it ran alone: this file is the cause
                    writer.add([Failure(ch[0], None, f"{_CRASH}（{type(e).__name__}）")])
                else:
                    suspects.extend(ch)
                continue
            writer.add(items)
    return pool


def ingest(paths: Iterable[str | Path], db_path: str | Path, workers: int = 1, *, batch_size: int = 500,
           chunk_size: int = 8, audit: bool = True, skip_existing: bool = False, replace_source: bool = False,
           progress: Progress | None = None) -> IngestResult:
    """Read, audit and store every report file of ``paths`` (files or directories).

    ``workers > 1``: extraction and audit run in that many processes; the database is
    written by this process only, one transaction per ``batch_size`` files.
    ``skip_existing``: files whose sha256 is already stored are not read again.
    ``replace_source``: a changed file replaces the earlier report from the same path.
    """
    t0 = time.perf_counter()
    result = IngestResult(audited=audit and audit_available())
    pool = None
    if workers and workers > 1:
        pool = _new_pool(workers)          # before the database is opened
    try:
        with Store(db_path) as store:
            inputs = _prepare(paths, store, skip_existing, result)
            writer = _Writer(store, result, len(inputs), batch_size, replace_source, progress)
            if pool is None:
                for s in inputs:
                    writer.add([process_file(s, audit=audit)])
            else:
                pool = _run_pool(pool, workers, inputs, chunk_size, audit, writer)
            writer.flush()
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    result.seconds = time.perf_counter() - t0
    return result


def ingest_dask(paths: Iterable[str | Path], db_path: str | Path, scheduler_address: str | None = None, *,
                n_workers: int = 2, processes: bool = True, batch_size: int = 500, chunk_size: int = 8,
                audit: bool = True, skip_existing: bool = False, replace_source: bool = False,
                send_bytes: bool = False, progress: Progress | None = None) -> IngestResult:
    """Like ``ingest``, with extraction and audit on a dask.distributed cluster.

    ``scheduler_address``: an existing scheduler (``tcp://host:8786``); ``None`` starts a
    ``LocalCluster`` of ``n_workers`` single-threaded workers (``processes=False``: threads
    in this process, for tests). Results are written by this client as they arrive.
    ``send_bytes``: read files here and send their contents (workers without the files).
    """
    try:
        from distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise StoreError("未安装 dask.distributed：请执行 pip install 'nianbao[analytics]'") from None
    t0 = time.perf_counter()
    result = IngestResult(audited=audit and audit_available())
    cluster = None
    try:
        if scheduler_address:
            try:
                client = Client(scheduler_address, timeout="30s")
            except (OSError, TimeoutError) as e:
                raise StoreError(f"无法连接 dask 调度器 {scheduler_address}：{e}") from None
        else:
            cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=processes,
                                   dashboard_address=None)
            client = Client(cluster)
        with client, Store(db_path) as store:
            inputs = _prepare(paths, store, skip_existing, result)
            writer = _Writer(store, result, len(inputs), batch_size, replace_source, progress)
            chunks = _chunks(inputs, max(1, chunk_size))
            nthreads = max(1, sum(client.nthreads().values()))
            window = nthreads * 3
            it = iter(chunks)
            ac = as_completed(with_results=False)
            owner = {}

            def submit(ch: list[str]) -> None:
                arg = [_with_bytes(s) for s in ch] if send_bytes else ch
                fut = client.submit(process_chunk, arg, audit, pure=False)
                owner[fut.key] = ch
                ac.add(fut)

            for ch in it:
                submit(ch)
                if ac.count() >= window:
                    break
            for fut in ac:
                ch = owner.pop(fut.key)
                try:
                    items = fut.result()
                except Exception as e:  # noqa: BLE001 - the task failed (e.g. KilledWorker)
                    fut.release()
                    if len(ch) > 1:                       # find the file: one task per file
                        for s in ch:
                            submit([s])
                        continue
                    items = [Failure(ch[0], None, f"分布式任务失败（{type(e).__name__}: {str(e)[:200]}）")]
                fut.release()
                writer.add(items)
                for ch2 in it:
                    submit(ch2)
                    break
            writer.flush()
    finally:
        if cluster is not None:
            cluster.close()
    result.seconds = time.perf_counter() - t0
    return result
