"""Table shapes that conversions give, as the table finder and mapper recognise them.

Owns the signs, in the text around a table, that place it: a table after only page
numbers continues the one before (a page break); a table under a 表二 caption and
header that a reader left as text is 表二; a small table under a heading (or with a
first row) naming a 表四 group is that group's part of 表四, when 表四 is split into one
table per group — and reading such parts (``t4_split_cells``).
"""
from __future__ import annotations

import re

from ..grid import GridCell
from ..normalize import fold
from ..standard import Standard
from .rows import PAGE_NUMBER_FORMS, LogicalRow


# Folded text made only of page numbers (or nothing): what a page break leaves between
# two parts of one table.
PAGE_NUMBERS_ONLY = re.compile(rf"(?:{PAGE_NUMBER_FORMS})*")
# Most characters between a 表二 caption printed as text above a table and the table:
# the caption, a header row (信息内容 and at most three column labels) and a damaged row
# the reader left as text. Prose that cites 第二十条 is not followed by 信息内容 so soon.
T2_HEADER_REACH = 80


def ends_with_t2_header(std: Standard, before: str) -> bool:
    """The folded text before a table ends with a 表二 caption and header row."""
    tm = std.table_markers
    at = max(before.rfind(m) for m in tm["t2"])
    return at >= 0 and len(before) - at <= T2_HEADER_REACH and tm["t2_header_first"] in before[at:]


# Row index of the heading row given to a split 表四 table (the heading printed above
# the table, naming its group): before any row of the table.
HEADING_ROW = -1
# Words that may follow a group's name in its heading (``行政复议情况``, ``复议后起诉：``).
_HEADING_TAIL = re.compile(r"(?:情况|[：:。])+$")


def t4_group_heading(std: Standard, before: str) -> str | None:
    """The key of the 表四 group a heading names, when the folded text printed just before
    a table ends with that group's name (``……行政诉讼情况`` names none); None otherwise."""
    tail = _HEADING_TAIL.sub("", before)
    hits = [g.key for g in std.t4_groups if any(tail.endswith("".join(kw)) for kw in g.match)]
    return hits[0] if len(hits) == 1 else None


def t4_columns_only(std: Standard, rows: list[LogicalRow]) -> bool:
    """Every label of the table is a 表四 result column (or names a group), and it has values."""
    labels = [c for r in rows for c in r.labels]
    return bool(labels) and any(r.filled_values() for r in rows) \
        and all(std.t4_col_matcher.match(c.text, fuzzy=False) or std.t4_group_matcher.match(c.text, fuzzy=False)
                for c in labels)


def t4_split_cells(std: Standard, rows: list[LogicalRow], data: list[LogicalRow]) -> dict[str, GridCell] | None:
    """表四 split into small tables, one per group, each naming its group: in a heading
    above it (``classify`` gives the table a heading row) or in a row of its own. Each
    table must print one data row (``data``) of exactly as many cells as a group has
    columns, under a header naming every column once, and the tables must name distinct
    groups: then the cell of each key; otherwise None."""
    n = len(std.t4_columns)
    if len(data) < 2 or len({id(r.table) for r in data}) != len(data):
        return None
    placed: list[tuple[str, LogicalRow, list[str]]] = []
    for r in data:
        own = [c for x in rows if x.table is r.table and not x.filled_values() for c in x.labels]
        names = [c for c in own + r.labels if std.t4_col_matcher.match(c.text, fuzzy=False) is None]
        group = t4_group_heading(std, "".join(fold(c.text) for c in names))
        # the header: the row's own label cells (a text stream), or a row of labels above it
        cols = [std.t4_col_matcher.match(c.text, fuzzy=False) for c in (r.labels or own)]
        order = [c.entry.key for c in cols if c is not None]
        if group is None or len(r.values) != n or len(order) != n or len(set(order)) != n:
            return None
        placed.append((group, r, order))
    if len({g for g, _, _ in placed}) != len(placed):
        return None
    return {f"t4.{group}.{ck}": c for group, r, order in placed for ck, c in zip(order, r.values)}
