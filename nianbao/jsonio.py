"""JSON as nianbao writes it: strict and always valid.

Owns ``to_json`` (``allow_nan=False``: ``NaN``/``Infinity`` are not JSON, a value that
cannot be written is an error, never a broken line; dates and paths as strings) and
``json_line`` for JSON Lines outputs, which turns a record that cannot be written into
that file's error record so the rest of the batch still gets its lines.
"""
from __future__ import annotations

import json
from typing import Any

from .vocab import ErrorCode


def to_json(obj: Any, *, indent: int | None = None) -> str:
    return json.dumps(obj, ensure_ascii=False, allow_nan=False, default=str, indent=indent)


def json_line(obj: dict[str, Any]) -> str:
    """One JSON Lines record (with the newline); a record holding a value JSON cannot
    carry (a non-finite number, a 5,000-digit integer) becomes ``{"source", "error",
    "error_code"}`` for its file."""
    try:
        return to_json(obj) + "\n"
    except (ValueError, TypeError, RecursionError) as e:
        return to_json({"source": obj.get("source"), "error": f"结果无法写成 JSON（{type(e).__name__}: {str(e)[:120]}）",
                        "error_code": str(ErrorCode.INTERNAL)}) + "\n"


__all__ = ["to_json", "json_line"]
