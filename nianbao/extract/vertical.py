"""Stray pieces of vertical merged cells in row labels.

A merged cell printed down a label column (``三、本年度办理结果`` beside the rows of
表三, ``（三）不予公开`` beside its eight rows) is broken into lines, often one character
each; a PDF text layer (or a conversion of it) puts each piece into the row printed
beside it: as a cell of its own, or set off by a space before or after the row label
(``结 4.保护第三方合法权益``, ``（二）部分公开 年``, ``（三）不 4.保护第三方合法权益``). A row
whose label held only such pieces is left with none (its label is printed on a line
of its own next to it). Owns removing the pieces before a label is matched: a piece is
a part (not the whole) of one of the table's vertical labels, standing alone.
"""
from __future__ import annotations

import re

from ..grid import GridCell
from ..normalize import fold
from .rows import LogicalRow

_CJK = re.compile("[\u4e00-\u9fff]")
_TOKENS = re.compile(r"\s+")


def is_piece(text: str, labels: tuple[str, ...]) -> bool:
    """``text`` is a part, not the whole, of one of the (folded) vertical labels."""
    f = fold(text)
    return bool(f) and f not in labels and any(f in g for g in labels)


def strip_cell_text(text: str, labels: tuple[str, ...]) -> str:
    """``结 4.保护第三方合法权益`` → ``4.保护第三方合法权益``: the pieces set off by whitespace
    at the start and end of a label removed; the text itself when none is, or when
    nothing with a CJK character would be left."""
    tokens = [t for t in _TOKENS.split(text.strip()) if t]
    lo, hi = 0, len(tokens)
    while lo < hi - 1 and is_piece(tokens[lo], labels):
        lo += 1
    while hi - 1 > lo and is_piece(tokens[hi - 1], labels):
        hi -= 1
    if (lo, hi) == (0, len(tokens)):
        return text
    rest = " ".join(tokens[lo:hi])
    return rest if len(fold(rest)) >= 2 and _CJK.search(rest) else text


def strip_row(row: LogicalRow, labels: tuple[str, ...]) -> LogicalRow:
    """The row without its stray pieces (the row itself when it has none); a row whose
    labels were all pieces is returned with no labels."""
    kept: list[GridCell] = []
    changed = False
    for c in row.labels:
        if is_piece(c.text, labels):
            changed = True
            continue
        t = strip_cell_text(c.text, labels)
        if t != c.text:
            changed = True
            c = GridCell(t, c.row, c.col, c.rowspan, c.colspan, c.source, c.confidence)
        kept.append(c)
    if not changed:
        return row
    return LogicalRow(labels=kept, values=row.values, table=row.table)
