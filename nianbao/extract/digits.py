"""Cells that ran together: a row printed as one digit run, split by the identities.

Owns the extraction stage after the tables are mapped (``infer_runs(report, std,
version)``). Page-text copies that crawlers save print a table row's numbers with no
separators (``5300008`` for the 表三 row 5/3/0/0/0/0/8, fifteen digits for 表四); the
mappers leave such a row null with an ``ambiguous-cells`` note (or, for a run too long
to be one number, the first cell unreadable with a ``missing-cell`` note). Here every
such row whose printed cells are all digit runs is enumerated: each run is split into
consecutive cells (no leading zero except a lone 0, at most ``MAX_DIGITS`` digits a
cell, every column one number), and a split is kept only while every identity of the
standard that can be evaluated on it — the row's own (表三 总计 = the six applicants,
表四 each group's 总计), the columns' (their total rows) with the neighbouring rows'
printed or still-open values — admits it. A row left with exactly one split gets its
cells as ``kind: inferred`` (the digits are printed, only their split is inferred) with
a confidence below 1 and an ``inferred-cells`` note naming the identities that fixed it;
``nianbao.audit.cells`` never takes an inferred cell as a number, so an identity used as
evidence is never audited as passing. Every other run stays null, its note saying why.

Blank cells leave no trace in a run (``10、空、0`` prints ``100``): the splits counted
include those with empty cells (counted as 0 by the identities, as a unit's own sums count
them), so a run is read only when no split with a blank fits as well — ``000`` is three
zeros, ``125`` under three columns of 表二 could be 12/空/5 and stays null. A table that
shows blanks or not-applicable marks anywhere, or a run too short to give every column a
digit, is not split at all.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..grid import GridTable, Paragraph
from ..model import CellValue, Note, Report
from ..normalize import KIND_BLANK, KIND_NA, MAX_DIGITS, squash
from ..standard import Identity, Standard
from ..vocab import NoteCode, ValueKind

# Confidence of an inferred cell and of its note: the digits are printed and the split is
# the only one the identities admit, but it holds only if the report itself is
# consistent, so a person should confirm it (above the 0.3 of an unplaceable row).
INFERRED_CONFIDENCE = 0.6
# A row whose splits take more steps than this to enumerate (with its own identities
# pruning them) is left null: a run that long is damage the identities cannot settle in
# reasonable time.
MAX_STEPS = 200_000
# Blank cells a row's run may hide that are tried against each split: a split is read
# only if no split with up to this many blank cells fits as well. Two keeps the search of
# a long row under a second; a row hiding more blanks almost always has too few digits to
# fill its columns, which rules its table out anyway.
MAX_HIDDEN_BLANKS = 2
# Sum sets (the totals the other rows of an identity can reach) larger than this are not
# used to filter: filtering is skipped for that identity, which only keeps more splits.
MAX_SUMS = 100_000
# Printed text quoted in a message is cut to this many characters.
QUOTE_CHARS = 40
# How a table is named to the user.
TABLE_ZH = {"t2": "表二", "t2v19": "表二", "t3": "表三", "t4": "表四"}
_FULL_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")

Split = tuple[int | None, ...]     # a cell's number, or None for a blank cell


@dataclass
class _Row:
    """One printed row whose cells ran together."""
    table: str                       # t2 | t2v19 | t3 | t4
    keys: list[str]                  # its cell keys in printed column order
    runs: list[str]                  # the digit runs as printed (ASCII digits)
    printed: list[str]               # the printed text of each run
    notes: list[Note]                # the mapper's notes this stage replaces when it splits the row
    splits: list[Split] = field(default_factory=list)   # the splits still possible (None: a blank cell)
    fixed_by: list[Identity] = field(default_factory=list)

    @property
    def digits(self) -> int:
        return sum(len(r) for r in self.runs)


@dataclass
class _Check:
    """An identity whose cells all lie in the row: checked as soon as its last cell is cut."""
    identity: Identity
    last: int                        # the index of its last cell in the row
    coef: list[tuple[int, int]]      # (cell index, +1 for a total, -1 for a part)


def _fewest_cells(runs: list[str]) -> list[list[int]]:
    """Per run and position, the fewest cells the digits from there to the end of all runs
    can be cut into (a 0 starts a cell of its own, a cell has at most ``MAX_DIGITS``)."""
    out: list[list[int]] = []
    later = 0
    for run in reversed(runs):
        best = [0] * (len(run) + 1)
        for p in range(len(run) - 1, -1, -1):
            longest = 1 if run[p] == "0" else min(MAX_DIGITS, len(run) - p)
            best[p] = 1 + min(best[p + size] for size in range(1, longest + 1))
        out.insert(0, [b + later for b in best[:-1]] + [later])
        later = out[0][0]
    return out


def splits(runs: list[str], n: int, checks: list[_Check] | None = None,
           blanks: int = 0) -> tuple[list[Split], list[Identity]] | None:
    """Every split of the runs into ``n`` cells (each run one or more consecutive cells; no
    leading zero but a lone 0; at most ``MAX_DIGITS`` digits a cell; up to ``blanks`` cells
    empty, ``None``, counted as 0 by the checks) that satisfies the ``checks``, with the
    identities that ruled a split out; None past ``MAX_STEPS``."""
    at: dict[int, list[_Check]] = {}
    for c in checks or ():
        at.setdefault(c.last, []).append(c)
    out: list[Split] = []
    used: list[Identity] = []
    steps = 0
    fewest = _fewest_cells(runs)
    digits_left = [[sum(len(r) for r in runs[i + 1:]) + len(runs[i]) - p for p in range(len(runs[i]) + 1)]
                   for i in range(len(runs))]

    def holds(cell: Split) -> bool:
        for c in at.get(len(cell) - 1, ()):
            if sum(k * (cell[j] or 0) for j, k in c.coef) != 0:
                if c.identity not in used:
                    used.append(c.identity)
                return False
        return True

    def go(ri: int, pos: int, acc: Split, empty: int) -> bool:
        nonlocal steps
        steps += 1
        if steps > MAX_STEPS:
            return False
        if len(acc) == n:
            if ri == len(runs):
                out.append(acc)
            return True
        cells_after = n - len(acc) - 1
        need = fewest[ri][pos] if ri < len(runs) else 0
        have = digits_left[ri][pos] if ri < len(runs) else 0
        if cells_after + 1 > have + blanks - empty:
            return True                   # more cells than digits and blanks left to fill them
        if empty < blanks and cells_after >= need:
            cell = acc + (None,)
            if holds(cell) and not go(ri, pos, cell, empty + 1):
                return False
        if ri == len(runs):
            return True
        run = runs[ri]
        longest = 1 if run[pos] == "0" else min(MAX_DIGITS, len(run) - pos)
        for size in range(1, longest + 1):
            end = pos + size
            nri, npos = (ri + 1, 0) if end == len(run) else (ri, end)
            if cells_after < (fewest[nri][npos] if nri < len(runs) else 0):
                continue
            cell = acc + (int(run[pos:end]),)
            if holds(cell) and not go(nri, npos, cell, empty):
                return False
        return True

    return (out, used) if go(0, 0, (), 0) else None


def _digit_run(text: str) -> str | None:
    t = squash(text).replace(" ", "").translate(_FULL_DIGITS)
    return t if t and t.isascii() and t.isdigit() else None


def _row_keys(std: Standard, version: str, note: Note) -> tuple[str, list[str]] | None:
    """(table, the row's keys in printed order) of a note about one row."""
    table = note.where.split(".", 1)[0]
    if table == "t4":
        return table, list(std.t4_keys)
    keys = [k for k in std.all_keys(version) if k.rsplit(".", 1)[0] == note.where]
    if not keys:
        return None
    if note.code == NoteCode.AMBIGUOUS_CELLS and sorted(note.keys) == sorted(keys):
        return table, list(note.keys)         # the printed header's column order
    if table != "t3":
        return None                           # a 表二 header may reorder its columns: only the note knows
    return table, keys


def _candidates(report: Report, std: Standard, version: str) -> list[_Row]:
    """The rows the mappers could not place whose printed cells are all digit runs."""
    decimal = std.decimal_keys(version)
    reordered = any(n.code == "column-order" for n in report.notes)
    rows: dict[str, _Row] = {}
    for n in report.notes:
        if n.code not in (NoteCode.AMBIGUOUS_CELLS, "missing-cell", "number-too-long"):
            continue
        if n.code == "number-too-long":
            continue
        printed = n.evidence.get("printed")
        found = _row_keys(std, version, n)
        if not isinstance(printed, list) or not printed or found is None:
            continue
        table, keys = found
        if (table == "t4" and reordered) or any(k in decimal for k in keys) or len(printed) >= len(keys):
            continue
        runs = [_digit_run(p) for p in printed]
        if any(r is None for r in runs) or _label_ends_in_digit(report, keys[0]):
            continue
        rows[n.where] = _Row(table, keys, [r for r in runs if r is not None], list(printed), [n])
    for n in report.notes:                       # a run too long to be one number: its note goes too
        if n.code == "number-too-long" and n.where in rows:
            rows[n.where].notes.append(n)
    return list(rows.values())


def _label_ends_in_digit(report: Report, key: str) -> bool:
    """A row label printed with a number after it (``规章 1``): the number may be the row's
    first value glued to its label, so the runs are not the whole row."""
    c = report.cells.get(key)
    label = (c.label or "").strip() if c is not None else ""
    return bool(label) and label[-1].translate(_FULL_DIGITS).isdigit()


def _blank_tables(report: Report, rows: list[_Row]) -> set[str]:
    """Tables that show blank cells or marks (a blank leaves no trace in a run)."""
    out = {r.table for r in rows if r.digits < len(r.keys)}
    for k, c in report.cells.items():
        if c.kind in (KIND_BLANK, KIND_NA):
            out.add(k.split(".", 1)[0])
    return out


def _sumset(sets: list[set[int]]) -> set[int] | None:
    acc = {0}
    for s in sets:
        acc = {a + b for a in acc for b in s}
        if len(acc) > MAX_SUMS:
            return None
    return acc


def _propagate(rows: list[_Row], report: Report, identities: tuple[Identity, ...]) -> bool:
    """Drop every split that no choice of the other rows' splits lets satisfy an identity.
    Returns False when some row has no split left (the report, or the premise that every
    cell printed a number, does not hold: nothing may be inferred then)."""
    owner = {k: (i, j) for i, r in enumerate(rows) for j, k in enumerate(r.keys)}
    usable: list[tuple[Identity, int | float, dict[int, list[tuple[int, int]]]]] = []
    for ident in identities:
        const: int | float = 0
        terms: dict[int, list[tuple[int, int]]] = {}
        for k, coef in ident.coef().items():
            if k in owner:
                i, j = owner[k]
                terms.setdefault(i, []).append((j, coef))
                continue
            c = report.cells.get(k)
            if c is None or not c.is_number or c.value is None:
                break
            const += coef * c.value
        else:
            if terms:
                usable.append((ident, const, terms))
    changed = True
    while changed:
        changed = False
        for ident, const, terms in usable:
            contrib = {i: {s: sum(coef * (s[j] or 0) for j, coef in t) for s in rows[i].splits} for i, t in terms.items()}
            for i in terms:
                others = _sumset([set(contrib[o].values()) for o in terms if o != i])
                if others is None:
                    continue
                keep = [s for s in rows[i].splits if -(const + contrib[i][s]) in others]
                if len(keep) < len(rows[i].splits):
                    rows[i].splits = keep
                    contrib[i] = {s: contrib[i][s] for s in keep}
                    if ident not in rows[i].fixed_by:
                        rows[i].fixed_by.append(ident)
                    changed = True
                if not keep:
                    return False
    return True


def _evidence_zh(std: Standard, version: str, row: _Row) -> str:
    if not row.fixed_by:
        if row.digits == len(row.keys):
            return f"位数（{row.digits} 位数字正好每列一位）"
        return f"位数（{row.digits} 位数字分成 {len(row.keys)} 列，不带前导零的分法只有一种）"
    titles: list[str] = []
    for ident in row.fixed_by:
        t = std.identity_spec(ident.code, version).title.split(" ", 1)[-1]
        if t not in titles:
            titles.append(t)
    return "勾稽关系（" + "；".join(titles) + "）"


def _label(report: Report, row: _Row) -> str:
    c = report.cells.get(row.keys[0])
    label = squash(c.label) if c is not None and c.label and row.table != "t4" else ""
    return f"“{label}”行" if label else "的数值行"


def _quote(row: _Row) -> str:
    text = "、".join(row.printed)
    return text if len(text) <= QUOTE_CHARS else text[:QUOTE_CHARS] + "…"


def _put(report: Report, row: _Row, split: Split) -> None:
    """The row's cells as inferred: each carries its number and, as its printed text, its
    digits (a split has no leading zeros, so the number's digits are the printed ones)."""
    for k, v in zip(row.keys, split):
        old = report.cells.get(k)
        report.cells[k] = CellValue(k, v, ValueKind.INFERRED, str(v), old.label if old else None,
                                    old.column_label if old else None, old.variant if old else None,
                                    old.source if old else None, INFERRED_CONFIDENCE)


def run_after(blocks: list[Paragraph | GridTable], tables: list[GridTable], n: int) -> Paragraph | None:
    """The paragraph right after the last of ``tables`` when it is one digit run of at
    least ``n`` digits: a 表四 whose value row ran together into one number, which a text
    reader prints as a paragraph below the table's header rows."""
    if not tables:
        return None
    last = max(i for i, b in enumerate(blocks) if any(b is t for t in tables))
    nxt = blocks[last + 1] if last + 1 < len(blocks) else None
    if isinstance(nxt, Paragraph) and (run := _digit_run(nxt.text)) is not None and len(run) >= n:
        return nxt
    return None


def _note_t4_paragraph(report: Report, std: Standard, para: Paragraph) -> None:
    """The 表四 value row found as a paragraph: its cells unplaced, the way the mapper notes
    a row it cannot place (this stage may then split it)."""
    keys = list(std.t4_keys)
    report.tables_found["t4"] = True
    for k in keys:
        report.cells[k] = CellValue(key=k, value=None, source=para.source, confidence=0.3)
    report.note(NoteCode.AMBIGUOUS_CELLS, f"表四的 {len(keys)} 列数值印成一串数字（{squash(para.text)[:QUOTE_CHARS]}），"
                "版面没有表明各列的分界：本行按无法确定处理，需人工核对", where="t4", keys=keys, source=para.source,
                evidence={"printed": [para.text.strip()], "columns": len(keys)}, confidence=0.3)


def infer_runs(report: Report, std: Standard, version: str, t4_paragraph: Paragraph | None = None) -> list[Note]:
    """Split the digit runs of the rows the mappers could not place, where the digit count
    and the identities admit exactly one split. ``t4_paragraph``: a 表四 value row the
    reader printed as a paragraph (``run_after``), when the mapper found no 表四 row.
    Returns the ``inferred-cells`` notes added."""
    if t4_paragraph is not None and not report.tables_found.get("t4"):
        _note_t4_paragraph(report, std, t4_paragraph)
    rows = _candidates(report, std, version)
    if not rows:
        return []
    blanks = _blank_tables(report, rows)
    identities = std.identities(version)
    open_rows: list[_Row] = []
    for r in rows:
        if r.table in blanks:
            _explain(report, r, "表中有空白单元格或不适用符号，连写的数字无法确定哪一列是空白")
            continue
        index = {k: i for i, k in enumerate(r.keys)}
        own = [_Check(i, max(index[k] for k in i.keys), [(index[k], c) for k, c in i.coef().items()])
               for i in identities if all(k in index for k in i.keys)]
        found = splits(r.runs, len(r.keys), own, blanks=min(MAX_HIDDEN_BLANKS, len(r.keys) - 1))
        if found is None:
            _explain(report, r, "数字过长，可能的拆分方式过多")
            continue
        r.splits, r.fixed_by = found
        if not r.splits:
            _explain(report, r, "无论怎样拆分都不能使本行的勾稽关系成立")
            continue
        open_rows.append(r)
    # the rows' own identities hold whatever the rest of the report says; the columns'
    # identities link rows, and a contradiction among them means one of the report's
    # identities fails (or a blank hides in a run): then only the rows' own evidence stands
    kept = [(list(r.splits), list(r.fixed_by)) for r in open_rows]
    if not _propagate(open_rows, report, identities):
        for r, (sp, fb) in zip(open_rows, kept):
            r.splits, r.fixed_by = sp, fb
    added: list[Note] = []
    for r in open_rows:
        if len(r.splits) != 1 or None in r.splits[0]:
            _explain(report, r, _why_open(r.splits))
            continue
        split = r.splits[0]
        _put(report, r, split)
        report.notes = [n for n in report.notes if not any(n is x for x in r.notes)]
        shown = "、".join(str(v) for v in split)
        added.append(report.note(
            NoteCode.INFERRED_CELLS,
            f"{TABLE_ZH[r.table]}{_label(report, r)}的数字连在一起印出（{_quote(r)}），按{_evidence_zh(std, version, r)}"
            f"只有一种拆分：{shown}。这些单元格记为推断值（数字是印出的，各列的分界是推断的），"
            "不作为勾稽核对的依据，需人工核对原件",
            where=r.keys[0].rsplit(".", 1)[0] if r.table != "t4" else "t4", keys=list(r.keys),
            source=r.notes[0].source, confidence=INFERRED_CONFIDENCE,
            evidence={"printed": r.printed, "split": list(split), "digits": r.digits,
                      "fixed_by": [f"{i.code}:{i.where}" for i in r.fixed_by] or ["digit-count"]}))
    return added


def _why_open(found: list[Split]) -> str:
    """Why the splits left of a row do not settle it, in Chinese."""
    with_blank = sum(None in s for s in found)
    if len(found) == 1:
        return "唯一符合的拆分含空白单元格，空白不能当作已印出的数字"
    return f"按位数及勾稽关系仍有 {len(found)} 种拆分方式" + (
        f"（其中 {with_blank} 种含空白单元格：空白在连写中不留痕迹）" if with_blank else "")


def _explain(report: Report, row: _Row, why: str) -> None:
    """Say in the row's own note why its run stays null."""
    n = row.notes[0]
    n.message = n.message.rstrip("。") + f"；数字连写（{_quote(row)}）未拆分：{why}"
    n.evidence = {**n.evidence, "run_not_split": why}


__all__ = ["infer_runs", "run_after", "splits", "INFERRED_CONFIDENCE"]
