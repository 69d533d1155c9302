"""Upload batches as background jobs, and the guarded workers they run in.

Owns:
- ``Pools``: ``n`` guarded worker pools of one worker each (``nianbao.guard.WorkerPool``).
  A file takes whichever pool is free, so a slow or hostile file holds one worker until its
  time limit and the other files — of the same batch or of other requests — go on in the
  others (one shared pool would serialise every batch behind it);
- ``Job`` / ``Jobs``: the job list of this server run — files received, files done,
  failures, the batch id its results are stored under (table ``uploads``, so the results
  page survives a restart; a job cut short by a restart keeps the files it finished).
"""
from __future__ import annotations

import datetime as _dt
import queue
import secrets
import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from ..core import Item, Outcome, process_many
from ..guard import Limits, WorkerPool

KEEP_JOBS = 100            # finished jobs listed on /jobs (the results themselves stay in the store)


class Pools:
    def __init__(self, job: Callable[[Item], Outcome], limits: Limits, n: int):
        one = Limits(timeout=limits.timeout, max_memory_mb=limits.max_memory_mb, workers=1)
        self._all = [WorkerPool(job, one) for _ in range(max(1, n))]
        self._free: queue.Queue[WorkerPool] = queue.Queue()
        for p in self._all:
            self._free.put(p)

    def run(self, item: Item) -> Outcome:
        """One file in a free guarded worker (blocks the calling thread until one is free)."""
        pool = self._free.get()
        try:
            return next(iter(process_many([item], pool=pool)))
        finally:
            self._free.put(pool)

    def close(self) -> None:
        for p in self._all:
            p.close()


def _now() -> _dt.datetime:
    return _dt.datetime.now(_dt.timezone.utc).replace(tzinfo=None)


@dataclass
class Job:
    job_id: str
    names: list[str]
    started_at: _dt.datetime = field(default_factory=_now)
    done: int = 0
    failed: int = 0
    finished_at: _dt.datetime | None = None

    @property
    def total(self) -> int:
        return len(self.names)

    @property
    def percent(self) -> int:
        return 100 if not self.total else int(100 * self.done / self.total)

    @property
    def finished(self) -> bool:
        return self.finished_at is not None

    def to_dict(self) -> dict[str, Any]:
        return {"job_id": self.job_id, "batch_id": self.job_id, "total": self.total, "done": self.done,
                "failed": self.failed, "percent": self.percent, "finished": self.finished,
                "started_at": self.started_at.isoformat(timespec="seconds") + "Z",
                "finished_at": self.finished_at.isoformat(timespec="seconds") + "Z" if self.finished_at else None}


class Jobs:
    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def new(self, names: list[str]) -> Job:
        job = Job(secrets.token_urlsafe(12), names)
        with self._lock:
            self._jobs[job.job_id] = job
            done = [j for j in self._jobs.values() if j.finished]
            for old in done[: max(0, len(done) - KEEP_JOBS)]:
                del self._jobs[old.job_id]
        return job

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def __iter__(self) -> Iterator[Job]:
        with self._lock:
            jobs = list(self._jobs.values())
        return iter(sorted(jobs, key=lambda j: j.started_at, reverse=True))


__all__ = ["Pools", "Job", "Jobs", "KEEP_JOBS"]
