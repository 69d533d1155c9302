"""Options shared by every batch command (``extract``, ``check``, ``ingest``, ``notice``…).

Owns the per-file guard's options — ``--timeout``, ``--max-memory-mb``, ``--workers`` —
declared once, and ``limits(...)``, which resolves them into one ``nianbao.guard.Limits``
(a one-file run stays in this process; a batch gets guarded workers).
"""
from __future__ import annotations

import typer

from ..guard import DEFAULT_MEM_MB, DEFAULT_TIMEOUT, Limits

TIMEOUT = typer.Option(DEFAULT_TIMEOUT, "--timeout", min=1.0, help="每个文件的处理时限（秒），超时的文件记为错误，其余继续")
MAX_MEMORY = typer.Option(DEFAULT_MEM_MB, "--max-memory-mb", min=256, help="每个工作进程的内存上限（MB）")
WORKERS = typer.Option(None, "--workers", "-j", min=1, help="并行工作进程数（默认每个 CPU 一个）")


def limits(n_files: int, timeout: float, max_memory_mb: int, workers: int | None) -> Limits:
    """The guard for a run over ``n_files`` files: one file stays in this process (time
    limit only, no process start); more go to guarded worker processes."""
    if n_files <= 1 and workers is None:
        return Limits(timeout=timeout, max_memory_mb=max_memory_mb, workers=0)
    n = workers if workers is not None else None
    if n is None:
        n = Limits().n_workers
    return Limits(timeout=timeout, max_memory_mb=max_memory_mb, workers=max(1, min(n, n_files)))


__all__ = ["TIMEOUT", "MAX_MEMORY", "WORKERS", "limits"]
