"""Command line: ``nianbao extract|check|compose|template|…``.

Thin: every command parses options and calls the library. Each feature owns one
module here (``extract.py``, ``check.py``, ``compose.py``, …) that registers its commands
on the shared ``app`` when imported.
"""
from __future__ import annotations

from . import check, collect, compose, extract, notice, store, web  # noqa: F401  (register the commands)
from .app import app

__all__ = ["app"]
