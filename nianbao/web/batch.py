"""Processing of uploaded reports for the web front end.

Owns: ``upload_error`` (an upload refused before reading, as an ``Outcome``),
``safe_filename`` (the name a browser sent, reduced to a harmless base name) and
``ResultCache`` (a small thread-safe LRU of finished batches, so that the same results can
be downloaded as Excel / JSON without uploading again). Files themselves go through the
one unit of work, ``nianbao.core.process_many``, in the app's guarded worker pool.
"""
from __future__ import annotations

import io
import re
import secrets
import threading
import time
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from ..audit.run import ReportAudit
from ..core import Outcome
from ..errors import NianbaoError
from ..vocab import ErrorCode

UNNAMED = "未命名文件"
_CTRL = re.compile(r"[\x00-\x1f\x7f]")


def safe_filename(name: str | None, limit: int = 120) -> str:
    """The base name of an uploaded file: no directories, no control characters, bounded length."""
    name = unicodedata.normalize("NFC", name or "")
    name = _CTRL.sub("", name).replace("\\", "/").rsplit("/", 1)[-1].strip().lstrip(".")
    if not name:
        return UNNAMED
    if len(name) > limit:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: limit - len(ext) - 1] + "." + ext) if dot and len(ext) <= 10 else name[:limit]
    return name


def mb(n: int) -> str:
    return f"{n / (1024 * 1024):.0f} MB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KB"


def upload_error(name: str, message: str) -> Outcome:
    """An upload refused before it is read (too large)."""
    return Outcome(name, error=NianbaoError(message, ErrorCode.FILE_TOO_LARGE))


@dataclass
class Batch:
    """A finished /check batch, kept for the downloads."""
    id: str
    entries: list[Outcome]
    created: float = field(default_factory=time.time)

    @property
    def audits(self) -> list[ReportAudit]:
        return [e.audit for e in self.entries if e.audit is not None]

    @property
    def failures(self) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        for e in self.entries:
            if e.audit is None:
                err = e.error or e.audit_error
                out.append((e.source, err.message if err is not None else ""))
        return out

    def html(self) -> str:
        from ..audit.export_html import render_html
        return render_html(self.audits, self.failures)

    def xlsx(self) -> bytes:
        from ..audit.export_excel import build_workbook
        buf = io.BytesIO()
        build_workbook(self.audits, self.failures).save(buf)
        return buf.getvalue()

    def records(self) -> list[dict[str, Any]]:
        return [e.audit_record() for e in self.entries]


class ResultCache:
    """Finished batches by an unguessable id; least recently used dropped beyond ``limit``
    batches (or ``max_reports`` reports in all), and any batch older than ``ttl`` seconds."""

    def __init__(self, limit: int = 32, ttl: float = 3600.0, max_reports: int = 2000):
        self.limit, self.ttl, self.max_reports = limit, ttl, max_reports
        self._d: OrderedDict[str, Batch] = OrderedDict()
        self._lock = threading.Lock()

    def _expire(self) -> None:
        now = time.time()
        for k in [k for k, b in self._d.items() if now - b.created > self.ttl]:
            del self._d[k]
        while self._d and (len(self._d) > self.limit
                           or sum(len(b.entries) for b in self._d.values()) > self.max_reports):
            if len(self._d) == 1:
                break
            self._d.popitem(last=False)

    def add(self, entries: list[Outcome]) -> Batch:
        b = Batch(secrets.token_urlsafe(16), entries)
        with self._lock:
            self._d[b.id] = b
            self._expire()
        return b

    def get(self, bid: str) -> Batch | None:
        with self._lock:
            self._expire()
            b = self._d.get(bid)
            if b is not None:
                self._d.move_to_end(bid)
            return b

    def __len__(self) -> int:
        with self._lock:
            return len(self._d)
