"""Uploaded files before they are read, for the web front end.

Owns: ``upload_error`` (an upload refused before reading, as an ``Outcome``),
``safe_filename`` (the name a browser sent, reduced to a harmless base name) and ``mb``
(a size in plain words). Files themselves go through the one unit of work,
``nianbao.core.process_many``, in the app's guarded worker pool, and are then kept in the
store by ``web.workspace.Workspace.add``.
"""
from __future__ import annotations

import re
import unicodedata

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
