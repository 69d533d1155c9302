"""The one unit of work: read → extract → audit one file, never raising for a bad file.

Owns ``process(item)`` — one file (a path, or ``(name, bytes)`` held in memory) becomes an
``Outcome``: its ``Report`` and ``ReportAudit``, or a typed ``NianbaoError`` — and
``process_many(items, limits=...)``, the same for a batch under the per-file guard
(``nianbao.guard``: long-lived killable workers with a time and memory limit; input order
kept). The CLI (``extract``, ``check``), ``ingest`` and the web app all go through here, so
a file fails the same way, with the same code and Chinese message, wherever it is read.
"""
from __future__ import annotations

import functools
import hashlib
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Union

from .errors import NianbaoError, internal_error
from .guard import Limits, WorkerPool, guarded_map, run_in_process
from .jsonio import json_line
from .model import Report

if TYPE_CHECKING:
    from .audit.run import ReportAudit

Item = Union[str, Path, tuple[str, bytes]]


@dataclass
class Outcome:
    """What became of one file: exactly one of ``report`` / ``error`` is set."""
    source: str
    report: Report | None = None
    audit: "ReportAudit | None" = None
    error: NianbaoError | None = None
    sha256: str | None = None
    size: int | None = None
    seconds: float = 0.0
    audit_error: NianbaoError | None = None    # the report was read but an audit bug stopped its audit
    # The output line (one JSON Lines record, see ``LINES``) rendered where the file was
    # processed, when asked for with ``render=``; the report and its audit then stay in
    # the worker: a line crosses the process boundary, not the object graph.
    line: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def error_record(self) -> dict[str, Any]:
        """``{"source", "error", "error_code"}``: the line of a file that produced no report."""
        assert self.error is not None
        return {"source": self.source, "error": self.error.message, "error_code": str(self.error.code)}

    def cells_record(self) -> dict[str, Any]:
        """The ``extract --cells`` line (shared/spec/cells.md)."""
        return self.report.cells_record() if self.report is not None else self.error_record()

    def model_record(self) -> dict[str, Any]:
        """The ``extract --json`` line: the full model."""
        return self.report.to_dict() if self.report is not None else self.error_record()

    def audit_record(self) -> dict[str, Any]:
        """The ``check --json`` line."""
        if self.audit is not None:
            return self.audit.to_dict()
        return self.error_record()


# ``render=`` values: which record an Outcome renders as its ``line``.
LINES: dict[str, Callable[[Outcome], dict[str, Any]]] = {
    "cells": Outcome.cells_record,     # extract --cells
    "model": Outcome.model_record,     # extract --json
    "audit": Outcome.audit_record,     # check --json
}


def source_of(item: Item) -> str:
    return item[0] if isinstance(item, tuple) else str(item)


def process(item: Item, *, audit: bool = True, render: str | None = None) -> Outcome:
    """Read, extract and (optionally) audit one file here, in this process. A file that
    cannot be processed gives ``Outcome(error=...)``; this never raises for a bad file
    (only ``MemoryError``/``KeyboardInterrupt`` pass, for the guard to handle).
    ``render`` (a key of ``LINES``): return the rendered JSON line instead of the report."""
    from .audit.run import audit_report
    from .extract import extract_path
    from .readers import load_bytes
    t0 = time.perf_counter()
    src = source_of(item)
    name, data = (item if isinstance(item, tuple) else (src, None))
    out = Outcome(src)
    try:
        if data is None:
            data = load_bytes(name)
        out.size = len(data)
        out.sha256 = hashlib.sha256(data).hexdigest()
        report = extract_path(name, data)
    except NianbaoError as e:
        out.error = e
    except RecursionError:
        out.error = NianbaoError(f"文件结构嵌套过深，已放弃读取：{Path(name).name}", "too-deep")
    except MemoryError:
        raise
    except Exception as e:  # noqa: BLE001 - an extractor bug must not end the batch
        out.error = internal_error("提取", e)
    else:
        report.source = src
        out.report = report
        if audit:
            try:
                out.audit = audit_report(report)
            except MemoryError:
                raise
            except Exception as e:  # noqa: BLE001 - audit_report isolates rules; this is a last guard
                out.audit_error = internal_error("审核", e)
    out.seconds = time.perf_counter() - t0
    if render is not None:
        out.line = json_line(LINES[render](out))
        out.report = out.audit = None
    return out


def as_outcome(item: Item, result: Any) -> Outcome:
    """A guard result (an ``Outcome`` or the ``NianbaoError`` of a timeout/crash) as an Outcome."""
    if isinstance(result, Outcome):
        return result
    if isinstance(result, NianbaoError):
        return Outcome(source_of(item), error=result)
    return Outcome(source_of(item), error=internal_error("处理", TypeError(type(result).__name__)))


def process_many(items: Iterable[Item], *, audit: bool = True, limits: Limits = Limits(),
                 pool: WorkerPool | None = None, render: str | None = None) -> Iterator[Outcome]:
    """Every file under the guard, in input order. ``limits.workers == 0``: in this
    process (time limit only). ``pool``: long-lived workers of ``process_job(audit)``
    to reuse (the web app keeps one). ``render``: each Outcome carries its output line
    (see ``process``) instead of the report."""
    if pool is not None:
        for item, res in pool.map(items):
            yield as_outcome(item, res)
        return
    for item, res in guarded_map(process_job(audit, render), items, limits):
        out = as_outcome(item, res)
        if render is not None and out.line is None:    # the guard's own error (timeout, crash)
            out.line = json_line(LINES[render](out))
        yield out


def process_job(audit: bool = True, render: str | None = None) -> Callable[[Item], Outcome]:
    """The picklable job a worker runs for ``process_many``."""
    return functools.partial(process, audit=audit, render=render)


def process_one(item: Item, *, audit: bool = True, timeout: float | None = None) -> Outcome:
    """One file in this process under the time limit (a one-file CLI run, a dask task)."""
    return as_outcome(item, run_in_process(process_job(audit), item, timeout))


__all__ = ["Outcome", "Item", "process", "process_many", "process_one", "process_job", "as_outcome", "source_of"]
