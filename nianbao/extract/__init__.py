"""Extractor: ``GridDocument`` → ``Report``.

Public API:
- ``extract_document(doc) -> Report``
- ``extract_path(path) -> Report`` (reads with ``nianbao.readers.read``; raises ``ReadError``)
"""
from __future__ import annotations

from pathlib import Path

from ..grid import GridDocument
from ..model import Report
from ..readers import read


def extract_document(doc: GridDocument) -> Report:
    from .pipeline import run
    return run(doc)


def extract_path(path: str | Path, data: bytes | None = None) -> Report:
    return extract_document(read(path, data))


__all__ = ["extract_document", "extract_path"]
