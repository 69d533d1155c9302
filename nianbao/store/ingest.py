"""Ingesting report files into the store.

Owns:
- ``process_file(path)``: one file through the unit of work (``nianbao.core.process``)
  into a ``db.Record`` (or a ``db.Failure`` with the error's code and Chinese message) —
  run in this process, in the guard's worker processes or on dask workers;
- ``ingest(paths, db_path, limits=...)``: files and directories → the database, in
  batches (one transaction each); every file under the per-file guard
  (``nianbao.guard``: long-lived killable workers, time and memory limits; the workers
  are fresh processes, so none inherits the DuckDB connection);
- ``ingest_dask(paths, db_path, scheduler_address=None)``: the same with a
  dask.distributed cluster (a ``LocalCluster`` when no address is given); workers
  extract and audit, the client writes. Workers must have nianbao installed and see
  the files (shared storage), or pass ``send_bytes=True`` to ship file contents.

A file that cannot be read never stops a batch: it becomes a row in ``errors``.
"""
from __future__ import annotations

import functools
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from ..core import Item, Outcome, as_outcome, process, source_of
from ..errors import NianbaoError, internal_error
from ..files import expand_inputs
from ..guard import Limits, guarded_map, run_in_process
from .db import Failure, Record, Store, StoreError, report_rows
from .series import refresh_series

Progress = Callable[[int, int, str, bool], None]     # (done, total, source, ok)


def failure_of(out: Outcome | NianbaoError, source: str) -> Failure:
    err = out if isinstance(out, NianbaoError) else out.error
    assert err is not None
    sha = None if isinstance(out, NianbaoError) else out.sha256
    return Failure(source, sha, err.message, str(err.code))


def record_of(out: Outcome) -> Record | Failure:
    """The rows of one processed file (or its failure)."""
    if out.report is None:
        return failure_of(out, out.source)
    assert out.sha256 is not None
    try:
        return report_rows(out.report, out.audit, sha256=out.sha256, file_size=out.size, source=out.source,
                           audit_error=out.audit_error.message if out.audit_error else None)
    except Exception as e:  # noqa: BLE001 - one odd report must not end the batch
        err = internal_error("整理入库数据", e)
        return Failure(out.source, out.sha256, err.message, str(err.code))


def process_file(path: str | Path, data: bytes | None = None, audit: bool = True) -> Record | Failure:
    """Read, hash, extract and audit one file here into its rows. Never raises for a bad file."""
    item: Item = (str(path), data) if data is not None else str(path)
    return record_of(process(item, audit=audit))


def ingest_job(item: Item, audit: bool = True) -> Record | Failure:
    """The picklable job of a guarded worker: one file → its rows."""
    return record_of(process(item, audit=audit))


def process_chunk(items: Sequence[Item], audit: bool = True, timeout: float | None = None) -> list[Record | Failure]:
    """Several files in one dask task, each under the time limit."""
    out: list[Record | Failure] = []
    for it in items:
        res = run_in_process(functools.partial(ingest_job, audit=audit), it, timeout)
        out.append(res if isinstance(res, (Record, Failure)) else failure_of(as_outcome(it, res), source_of(it)))
    return out


# ---------------------------------------------------------------------------
# Batches

@dataclass
class IngestResult:
    files: int = 0                      # inputs after expanding directories
    reports: int = 0                    # reports written
    failures: list[tuple[str, str]] = field(default_factory=list)   # (source, message)
    skipped: int = 0                    # content already stored or met earlier in the batch
    replaced: int = 0                   # earlier rows replaced (same content ingested again)
    seconds: float = 0.0                # wall time
    db_seconds: float = 0.0             # time spent writing to DuckDB
    audited: bool = True

    @property
    def per_second(self) -> float:
        """Files processed per second (read, or hashed and found already stored)."""
        return self.files / self.seconds if self.seconds else 0.0

    def summary_zh(self) -> str:
        s = (f"共 {self.files} 个文件：入库 {self.reports} 份报告，无法读取 {len(self.failures)} 个"
             + (f"，内容已入库而跳过 {self.skipped} 个" if self.skipped else "")
             + (f"，替换旧记录 {self.replaced} 份" if self.replaced else "")
             + f"；用时 {self.seconds:.1f} 秒（{self.per_second:.1f} 份/秒，其中写库 {self.db_seconds:.2f} 秒）")
        if not self.audited:
            s += "；未审核（--no-audit）"
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
    import hashlib
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
        self.written: list[str] = []          # report ids written (for the cross-year findings)

    def add(self, items: Iterable[Record | Failure]) -> None:
        for it in items:
            self.pending.append(it)
            self.done += 1
            ok = isinstance(it, Record)
            if isinstance(it, Failure):
                self.result.failures.append((it.source, it.message))
            if self.progress:
                self.progress(self.done, self.total, it.source, ok)
            if len(self.pending) >= self.batch_size:
                self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        batch, self.pending = self.pending, []
        self.written.extend(r.report_id for r in batch if isinstance(r, Record))
        st = self.store.write(batch, replace_source=self.replace_source)
        self.result.reports += st.reports
        self.result.replaced += st.replaced
        self.result.db_seconds += st.seconds


def _prepare(paths: Iterable[str | Path], store: Store, skip_existing: bool, result: IngestResult) -> list[str]:
    """The files to read: with ``skip_existing``, each file is hashed first and a content
    already stored — or met earlier in this batch — is not read again."""
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
                if sha is not None:
                    have.add(sha)
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


def ingest(paths: Iterable[str | Path], db_path: str | Path, *, limits: Limits = Limits(), batch_size: int = 500,
           audit: bool = True, skip_existing: bool = True, replace_source: bool = False,
           progress: Progress | None = None, job: Callable[[Item], Record | Failure] | None = None) -> IngestResult:
    """Read, audit and store every report file of ``paths`` (files or directories).

    Every file runs under the guard (``limits``: time, memory, number of workers;
    ``workers=0`` in this process); the database is written by this process only, one
    transaction per ``batch_size`` files.
    ``skip_existing`` (default): a file whose sha256 is already stored, or met earlier in
    this batch, is hashed but not read again (``False``: read and replace it).
    ``replace_source``: a changed file replaces the earlier report from the same path.
    ``job``: the per-file job (a picklable top-level function; tests).
    """
    t0 = time.perf_counter()
    result = IngestResult(audited=audit)
    work = job or functools.partial(ingest_job, audit=audit)
    with Store(db_path) as store:
        inputs = _prepare(paths, store, skip_existing, result)
        writer = _Writer(store, result, len(inputs), batch_size, replace_source, progress)
        for item, res in guarded_map(work, inputs, limits):
            if not isinstance(res, (Record, Failure)):
                res = failure_of(as_outcome(item, res), source_of(item))
            writer.add([res])
        writer.flush()
        if audit:
            refresh_series(store, writer.written)
    result.seconds = time.perf_counter() - t0
    return result


def ingest_dask(paths: Iterable[str | Path], db_path: str | Path, scheduler_address: str | None = None, *,
                n_workers: int = 2, processes: bool = True, batch_size: int = 500, chunk_size: int = 8,
                audit: bool = True, skip_existing: bool = True, replace_source: bool = False,
                send_bytes: bool = False, progress: Progress | None = None,
                timeout: float | None = Limits().timeout) -> IngestResult:
    """Like ``ingest``, with extraction and audit on a dask.distributed cluster (each
    file under the time limit ``timeout`` where the worker can enforce it).

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
    result = IngestResult(audited=audit)
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
                fut = client.submit(process_chunk, arg, audit, timeout, pure=False)
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
                    items = [Failure(ch[0], None, f"分布式任务失败（{type(e).__name__}: {str(e)[:200]}），已跳过",
                                     "worker-crash")]
                fut.release()
                writer.add(items)
                for ch2 in it:
                    submit(ch2)
                    break
            writer.flush()
            if audit:
                refresh_series(store, writer.written)
    finally:
        if cluster is not None:
            cluster.close()
    result.seconds = time.perf_counter() - t0
    return result
