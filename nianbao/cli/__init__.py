"""Command line: ``nianbao extract|check|compose|template|…``.

Thin: every command parses options and calls the library. Each feature owns one
module here (``extract.py``, ``check.py``, ``compose.py``) that registers its commands on
the shared ``app``.
"""
from __future__ import annotations

import importlib

from .app import app

for _mod in ("extract", "check", "compose", "store", "web", "collect", "notice"):
    try:
        importlib.import_module(f"{__name__}.{_mod}")
    except ModuleNotFoundError as _e:  # a feature module not present in this build
        if _e.name != f"{__name__}.{_mod}":
            raise

__all__ = ["app"]
