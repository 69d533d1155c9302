"""表三's data rows, as the table mapper places them.

Owns turning the rows attributed to 表三 into its data rows in document order, each
with the standard row it is: stray pieces of vertical group labels removed
(``vertical``); a row of values whose label held only such pieces given the label
printed beside it; labels and values printed as two blocks paired by count; each row
matched by its label (exact, variant, keyword; a group label and a row label printed in
one cell, or a label split over two cells), then the rows the labels did not decide
placed by their order (``align``). A row none of these places is left unmatched for
the mapper to note.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from ..grid import GridCell
from ..model import FORMAT_2019, FORMAT_2021
from ..normalize import fold
from ..standard import Entry, Match, Standard
from .align import align
from .rows import ORDINAL_START, LogicalRow
from .vertical import strip_row


def match_row(std: Standard, r: LogicalRow) -> Match | None:
    """The row label, or a label split over the last two label cells (a wrapped label
    in a rendering that put each line in its own cell): exact, variant or keyword."""
    if not r.labels:
        return None
    return _match_label(std, r.label_text, r.labels[-2].text if len(r.labels) >= 2 else None)


@lru_cache(maxsize=1 << 14)
def _match_label(std: Standard, label: str, before: str | None) -> Match | None:
    for c in (label, None if before is None else before + label):
        if c is not None and (m := std.t3_row_matcher.match(strip_group_prefix(std, c), fuzzy=False)):
            return m
    return None


@lru_cache(maxsize=4)
def _slots(std: Standard, version: str) -> tuple[Entry, ...]:
    """表三's rows of a format version, in printed order."""
    return tuple(std.t3_row_entry(k) for k in std.t3_row_keys(version))


@dataclass
class Candidate:
    """A data row of 表三 (vertical stray characters removed) and what it was matched to."""
    row: LogicalRow
    group_match: Match | None      # the row label is a group label (（六）其他处理 printed as one row)
    match: Match | None


def t3_candidates(std: Standard, rows: list[LogicalRow], version: str) -> list[Candidate]:
    """The data rows of 表三 in document order, each matched by its label where the label
    says which row it is, then the others placed by their order (``align``)."""
    vertical = vertical_labels(std)
    n_cols = len(std.t3_cols)
    group: str | None = None
    last_key: str | None = None
    found = False
    out: list[Candidate] = []
    stripped = [strip_stray(std, r, vertical) for r in rows]
    emptied = {id(s) for r, s in zip(rows, stripped) if r.labels and not s.labels}
    for r in pair_detached(std, adopt_labels(std, stripped, emptied)):
        if not r.labels:
            continue
        group = group_of(std, r.labels, group)
        gm = std.t3_group_matcher.match(r.label_text, fuzzy=False)
        if gm:
            group = gm.entry.key
            if fold(strip_group_prefix(std, r.label_text)) != fold(r.label_text):
                gm = None    # the group label, then the row's own label in the same cell
        if not r.filled_values():
            # a group label on its own row, or a header cell (总计, 其他) followed by spacers;
            # a blank data row still prints (almost) all of its cells
            if gm or len(r.values) < n_cols - 1 or not found or is_t3_header(std, r):
                continue
        match = match_row(std, r)
        in_other = group == "other" or (last_key or "").startswith("other.")
        if match and match.entry.key == "other.other" and not in_other:
            match = None
        if match is not None:
            last_key = match.entry.key
        found = found or match is not None or gm is not None
        out.append(Candidate(r, gm, match))
    slots = list(_slots(std, version))
    index = {e.key: i for i, e in enumerate(slots)}
    anchors: list[int | None] = []
    for c in out:
        if c.match is not None:
            key = c.match.entry.key
            # the 2019 format has one （六）其他处理 row where 2021 has three
            anchors.append(index[key] if key in index else index.get(OTHER_SINGLE[version]))
        elif c.group_match is not None and c.group_match.entry.key == "other":
            anchors.append(index[OTHER_SINGLE[version]])
        else:
            anchors.append(None)
    for p in align([strip_group_prefix(std, c.row.label_text) for c in out], anchors, slots):
        out[p.index].match = p.match
    return out


def is_group_only(std: Standard, r: LogicalRow) -> bool:
    """A row printing only a group label (（三）不予公开 on a line of its own)."""
    return std.t3_group_matcher.match(r.label_text, fuzzy=False) is not None \
        and fold(strip_group_prefix(std, r.label_text)) == fold(r.label_text)


def pair_detached(std: Standard, rows: list[LogicalRow]) -> list[LogicalRow]:
    """表三's labels printed as a block of label rows, then its numbers as a block of
    value rows (a converter that read the label column, then the number columns): the
    value rows are given the data labels in order, only when there are exactly as many
    value rows, each printing as many numbers as the table has columns, as data labels (rows that are not
    header or group-only rows). Otherwise the rows stay as printed."""
    n_cols = len(std.t3_cols)
    out: list[LogicalRow] = []
    i = 0
    while i < len(rows):
        j = i
        while j < len(rows) and rows[j].labels and not rows[j].filled_values():
            j += 1
        k = j
        while k < len(rows) and not rows[k].labels and rows[k].filled_values():
            k += 1
        if j - i < 2 or k - j < 2:
            out.append(rows[i])
            i += 1
            continue
        block = rows[i:j]
        data = [r for r in block if not is_t3_header(std, r) and not is_group_only(std, r)]
        values = rows[j:k]
        if len(data) == len(values) and all(len(v.filled_values()) == n_cols for v in values):
            paired = dict(zip(map(id, data), values))
            out += [LogicalRow(labels=r.labels, values=paired[id(r)].values, table=r.table) if id(r) in paired
                    else r for r in block]
        else:
            out += rows[i:k]
        i = k
    return out


def strip_stray(std: Standard, r: LogicalRow, vertical: tuple[str, ...]) -> LogicalRow:
    """The row without the stray pieces of a vertical group label, unless its label as
    printed is already recognised (a wrapped label's last character is no stray)."""
    if not r.labels or match_row(std, r) is not None or std.t3_group_matcher.match(r.label_text, fuzzy=False):
        return r
    return strip_row(r, vertical)


def adopt_labels(std: Standard, rows: list[LogicalRow], emptied: set[int]) -> list[LogicalRow]:
    """A row of values whose label held only stray pieces (``emptied``, by id) takes the label printed on a
    line of its own just above or just below it, when exactly one of the two is such a
    label (both: the label is wrapped around the values, and its two parts are joined
    when the second does not start with an ordinal). Rows left with nothing are dropped."""
    rows = [r for r in rows if r.labels or r.values]
    out: list[LogicalRow] = []
    i = 0

    def label_only(r: LogicalRow | None) -> bool:
        return r is not None and bool(r.labels) and not r.filled_values() and not is_t3_header(std, r) \
            and not is_group_only(std, r)
    while i < len(rows):
        r = rows[i]
        if id(r) not in emptied or not r.filled_values() or r.table is None or not r.table.rows_reliable:
            out.append(r)
            i += 1
            continue
        prev = out[-1] if out and out[-1].table is r.table else None
        nxt = rows[i + 1] if i + 1 < len(rows) and rows[i + 1].table is r.table else None
        after = rows[i + 2] if i + 2 < len(rows) else None
        above, below = label_only(prev), label_only(nxt) and not (after is not None and not after.labels)
        if above and below and prev is not None and nxt is not None and not ORDINAL_START.match(nxt.label_text):
            out.pop()
            last = prev.labels[-1]
            joined = GridCell(last.text + "\n" + nxt.label_text, last.row, last.col, last.rowspan, last.colspan,
                              last.source, last.confidence)
            out.append(LogicalRow(labels=prev.labels[:-1] + [joined], values=r.values, table=r.table))
            i += 2
        elif above and not below and prev is not None:
            out[-1] = LogicalRow(labels=prev.labels, values=r.values, table=r.table)
            i += 1
        elif below and not above and nxt is not None:
            out.append(LogicalRow(labels=nxt.labels, values=r.values, table=r.table))
            i += 2
        else:
            out.append(r)
            i += 1
    return out


# The row a （六）其他处理 printed as one row stands on in the standard's order: the 2019
# format's single row, the last of the three sub-rows of 2021 (where its values go).
OTHER_SINGLE = {FORMAT_2019: "other", FORMAT_2021: "other.other"}


@lru_cache(maxsize=4)
def vertical_labels(std: Standard) -> tuple[str, ...]:
    """The folded labels printed down 表三's label columns (its group labels)."""
    return tuple(fold(g.canonical) for g in std.t3_groups)


@lru_cache(maxsize=1 << 14)
def strip_group_prefix(std: Standard, label: str) -> str:
    """``（三）不予公开 1.属于国家秘密`` printed in one cell → ``1.属于国家秘密``."""
    f = fold(label)
    for g in std.t3_groups:
        for form in (fold(g.canonical), g.norm_canonical):
            if f.startswith(form) and len(f) > len(form):
                return strip_group_prefix(std, f[len(form):])
    return label if f == fold(label) else f


def is_t3_header(std: Standard, r: LogicalRow) -> bool:
    heads = {fold(std.t3_header["header_top"]), fold(std.t3_header["header_org"])}
    heads |= {c.norm_canonical for c in std.t3_columns if c.key not in ("total", "other_org")}
    return any(fold(c.text) in heads for c in r.labels)


def group_of(std: Standard, labels: list[GridCell], current: str | None) -> str | None:
    for c in labels[:-1]:
        g = std.t3_group_matcher.match(c.text, fuzzy=False)
        if g:
            current = g.entry.key
    return current
