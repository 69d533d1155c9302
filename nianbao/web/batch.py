"""Processing of uploaded reports for the web front end.

Owns: ``Entry`` (one uploaded file's outcome: a ``ReportAudit`` or a Chinese error),
``process_one`` (read → extract → audit one file held in memory, never raising),
``safe_filename`` (the name a browser sent, reduced to a harmless base name) and
``ResultCache`` (a small thread-safe LRU of finished batches, so that the same results can
be downloaded as Excel / JSON without uploading again).

Nothing here touches the disk: ``nianbao.readers.read(path, data=bytes)`` reads from
memory (the .doc reader's LibreOffice temp dir is its own and is cleaned by it).
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

from ..audit.run import ReportAudit, audit_report
from ..extract import extract_path
from ..readers import ReadError

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


@dataclass
class Entry:
    """One uploaded file: its audit, or why it could not be read (Chinese)."""
    source: str
    audit: ReportAudit | None = None
    error: str | None = None

    def cells_record(self) -> dict[str, Any]:
        if self.audit is None:
            return {"source": self.source, "error": self.error}
        return self.audit.report.cells_record()

    def audit_record(self) -> dict[str, Any]:
        if self.audit is None:
            return {"source": self.source, "error": self.error}
        return self.audit.to_dict()


def process_one(name: str, data: bytes, *, audit: bool = True) -> Entry:
    """Read, extract and (optionally) audit one file held in memory. Never raises."""
    try:
        report = extract_path(name, data)
        report.source = name
    except ReadError as e:
        return Entry(name, error=str(e))
    except MemoryError:
        return Entry(name, error=f"文件过大，内存不足，已跳过：{name}")
    except Exception as e:  # noqa: BLE001 - an extractor bug must not end the batch
        return Entry(name, error=f"提取时出错，已跳过（{type(e).__name__}: {str(e)[:200]}）")
    if not audit:
        return Entry(name, audit=ReportAudit(report))
    try:
        return Entry(name, audit=audit_report(report))
    except Exception as e:  # noqa: BLE001 - audit_report catches rule errors; this is a last guard
        return Entry(name, error=f"审核时出错，已跳过（{type(e).__name__}: {str(e)[:200]}）")


@dataclass
class Batch:
    """A finished /check batch, kept for the downloads."""
    id: str
    entries: list[Entry]
    created: float = field(default_factory=time.time)

    @property
    def audits(self) -> list[ReportAudit]:
        return [e.audit for e in self.entries if e.audit is not None]

    @property
    def failures(self) -> list[tuple[str, str]]:
        return [(e.source, e.error or "") for e in self.entries if e.audit is None]

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

    def add(self, entries: list[Entry]) -> Batch:
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
