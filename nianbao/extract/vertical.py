"""Stray characters of vertical merged cells in row labels.

A merged cell printed down a label column (``三、本年度办理结果`` beside the rows of
表三) is one character per line; a PDF text layer (or a conversion of it) puts each of
those characters into the row printed beside it: as a cell of its own, or joined to
the row label by a space (``结 4.保护第三方合法权益``, ``（二）部分公开 年``). Owns removing
them before the label is matched: a single CJK character standing alone (a cell of its
own, or set off by whitespace at the start or end of a label) that is a character of
one of the table's vertical labels (the standard's group labels).
"""
from __future__ import annotations

import re
from functools import lru_cache

from ..grid import GridCell
from ..normalize import fold
from .rows import LogicalRow

# One CJK character (ideographs of the basic block, as the standard's labels use).
_CJK = "\u4e00-\u9fff"


def vertical_chars(labels: list[str]) -> frozenset[str]:
    """The CJK characters of the vertical labels (group labels) of a table."""
    return frozenset(ch for t in labels for ch in fold(t) if "\u4e00" <= ch <= "\u9fff")


@lru_cache(maxsize=64)
def _edges(chars: frozenset[str]) -> tuple[re.Pattern[str], re.Pattern[str]]:
    cls = "[" + "".join(sorted(chars)) + "]"
    return (re.compile(rf"^(?:\s*{cls}(?=\s))+\s*"), re.compile(rf"(?:(?<=\s){cls}\s*)+$"))


def strip_cell_text(text: str, chars: frozenset[str]) -> str:
    """``结 4.保护第三方合法权益`` → ``4.保护第三方合法权益``; the text when nothing is stray,
    or when nothing but stray characters would be left."""
    if not chars:
        return text
    head, tail = _edges(chars)
    out = tail.sub("", head.sub("", text)).strip()
    if len(fold(out)) < 2 or not re.search(f"[{_CJK}]", out):
        return text
    return out if out != text.strip() else text


def strip_row(row: LogicalRow, chars: frozenset[str]) -> LogicalRow:
    """The row without its stray vertical characters (the row itself when it has none)."""
    labels: list[GridCell] = []
    changed = False
    for c in row.labels:
        f = fold(c.text)
        if len(f) == 1 and f in chars:
            changed = True
            continue
        t = strip_cell_text(c.text, chars)
        if t != c.text:
            changed = True
            c = GridCell(t, c.row, c.col, c.rowspan, c.colspan, c.source, c.confidence)
        labels.append(c)
    if not changed or not labels:
        return row
    return LogicalRow(labels=labels, values=row.values, table=row.table)
