"""The collection manifest: one JSON object per line in ``DIR/manifest.jsonl``.

Owns the record of what was fetched and the durability rules that make a run
resumable:

- a saved file is written to a temporary file, fsynced and moved into place *before*
  its manifest line is appended; each line is appended with ``flush`` + ``fsync``, so a
  ``kill -9`` loses at most the file being fetched (its name is a function of the URL,
  so the next run writes the same file again);
- on opening, a torn last line (the process died mid-write) is cut off and stale
  temporary files are removed;
- ``compact()`` (at the end of a run) rewrites the file atomically with one line per
  saved version and one per URL that failed or was skipped (the latest attempt, at
  the place of the first) — an interrupted run followed by a restart ends with the
  same manifest as one uninterrupted run.

A line's ``status`` is ``saved``, ``failed`` or ``robots`` (skipped: robots.txt forbids it).
"""
from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterator

from ..fsutil import atomic_write

MANIFEST_NAME = "manifest.jsonl"
STATUS_SAVED = "saved"
STATUS_FAILED = "failed"
STATUS_ROBOTS = "robots"


@dataclass
class Entry:
    """One manifest line."""
    url: str
    status: str                              # saved | failed | robots
    list_page: str | None = None             # the column page the link was found on
    parent: str | None = None                # for an attachment: the page that links it
    kind: str | None = None                  # page | attachment
    is_report: bool = False                  # the file is a report (ingested with --db); a wrapper page is not
    title: str | None = None
    publish_date: str | None = None          # ISO date
    publish_date_raw: str | None = None      # as the page shows it
    fetched_at: str | None = None            # ISO 8601 UTC
    http_status: int | None = None
    content_type: str | None = None
    sha256: str | None = None
    size: int | None = None
    file: str | None = None                  # relative to the output directory, '/'-separated
    final_url: str | None = None             # after redirects
    encoding: str | None = None              # of a saved web page
    etag: str | None = None
    last_modified: str | None = None
    version: int | None = None               # 1, 2, … when --refresh found a changed file
    attachments: list[str] = field(default_factory=list)   # a wrapper page's report attachments
    year: int | None = None                  # the report year the link or title names
    unit: str | None = None                  # the unit (from --from-units)
    error: str | None = None                 # Chinese message for failed / robots

    def to_json(self) -> str:
        d = {k: v for k, v in asdict(self).items() if v is not None and v != []}
        return json.dumps(d, ensure_ascii=False, sort_keys=False)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Entry":
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in d.items() if k in known})

    def key(self) -> tuple[str, str]:
        """The identity compaction keeps one line for."""
        if self.status == STATUS_SAVED:
            return (self.url, self.file or "")
        return (self.url, "")


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(str(path), os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_durable(path: Path, data: bytes) -> None:
    """Write a file atomically and durably (temporary file, fsync, rename)."""
    def _write(tmp: str) -> None:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
    atomic_write(path, _write)
    _fsync_dir(path.parent)


class Manifest:
    """The manifest of one output directory."""

    def __init__(self, out_dir: Path) -> None:
        self.dir = Path(out_dir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.path = self.dir / MANIFEST_NAME
        self.entries: list[Entry] = []
        self._saved: dict[str, list[Entry]] = {}     # url → saved versions, oldest first
        self.bad_lines = 0
        self._remove_temporaries()
        self._load()

    # -- reading ----------------------------------------------------------------------
    def _remove_temporaries(self) -> None:
        """Temporary files left by a killed run (``.name.xxxx.tmp``, see fsutil.atomic_write)."""
        for p in self.dir.rglob(".*.tmp"):
            try:
                if p.is_file():
                    p.unlink()
            except OSError:
                pass

    def _load(self) -> None:
        if not self.path.exists():
            return
        data = self.path.read_bytes()
        if data and not data.endswith(b"\n"):          # a line torn by kill -9
            data = data[: data.rfind(b"\n") + 1]
            write_durable(self.path, data)
        for line in data.splitlines():
            if not line.strip():
                continue
            try:
                d = json.loads(line)
                self._add(Entry.from_dict(d))
            except (ValueError, TypeError):
                self.bad_lines += 1

    def _add(self, entry: Entry) -> None:
        self.entries.append(entry)
        if entry.status == STATUS_SAVED:
            self._saved.setdefault(entry.url, []).append(entry)

    def saved(self, url: str) -> list[Entry]:
        """The saved versions of ``url`` (oldest first) whose file is still there."""
        return [e for e in self._saved.get(url, ()) if e.file and (self.dir / e.file).is_file()]

    def latest(self, url: str) -> Entry | None:
        got = self.saved(url)
        return got[-1] if got else None

    def saved_files(self) -> Iterator[Entry]:
        for e in self.entries:
            if e.status == STATUS_SAVED and e.file and (self.dir / e.file).is_file():
                yield e

    # -- writing ----------------------------------------------------------------------
    def append(self, entry: Entry) -> None:
        line = (entry.to_json() + "\n").encode("utf-8")
        new = not self.path.exists()
        with open(self.path, "ab") as f:
            f.write(line)
            f.flush()
            os.fsync(f.fileno())
        if new:
            _fsync_dir(self.dir)
        self._add(entry)

    def compacted(self) -> list[Entry]:
        """One entry per saved version, one per URL otherwise (latest wins, first place);
        a failure or skip for a URL that has since been saved is dropped."""
        saved_urls = {e.url for e in self.entries if e.status == STATUS_SAVED}
        order: list[tuple[str, str]] = []
        latest: dict[tuple[str, str], Entry] = {}
        for e in self.entries:
            if e.status != STATUS_SAVED and e.url in saved_urls:
                continue
            k = e.key()
            if k not in latest:
                order.append(k)
            latest[k] = e
        return [latest[k] for k in order]

    def compact(self) -> None:
        entries = self.compacted()
        data = "".join(e.to_json() + "\n" for e in entries).encode("utf-8")
        if self.path.exists() or data:
            write_durable(self.path, data)
        self.entries = []
        self._saved = {}
        for e in entries:
            self._add(e)
