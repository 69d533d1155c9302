"""Page-text copies whose table cells ran together (issue 9), made from an answer key.

Test fixture generator: renders the cells with ``textgen`` (tab rows, one table row a
line) and then prints chosen data rows of 表二, 表三 and 表四 the way crawlers' saved page
text does: the numbers of the row with no separator (``5300008`` for 5/3/0/0/0/0/8), or
in fewer runs than the row has columns (``53 00008``); a blank cell leaves nothing. The
row label stays apart from the numbers (by ``sep``).

- ``run_together(cells, tables=…, runs=…, sep=…, rng=…)`` → the text;
- ``data_rows(cells)`` → (table, label line prefix, values) of every data row, for tests.
"""
from __future__ import annotations

import random
from typing import Iterable

from nianbao.normalize import is_value_text
from textgen import _table_grid, render, t2_rows, t3_rows, t4_values

# the number of value cells of a 表三 row (the standard's seven columns)
T3_COLUMNS = 7


def data_rows(cells: dict, version: str = "2021") -> list[tuple[str, list[str], list[str]]]:
    """(table, label cells, value cells) of every data row as ``textgen`` prints it."""
    out: list[tuple[str, list[str], list[str]]] = []
    for row in _table_grid("t2", t2_rows(cells, version=version)):
        n = _t2_values(row)
        if n:
            out.append(("t2", row[:-n], row[-n:]))
    grid3 = _table_grid("t3", t3_rows(cells, version=version))
    for row in grid3[3:]:                     # after the three header rows
        out.append(("t3", row[:-T3_COLUMNS], row[-T3_COLUMNS:]))
    out.append(("t4", [], t4_values(cells)))
    return out


def _t2_values(row: list[str]) -> int:
    """How many value cells a 表二 grid row has (0 for captions and headers)."""
    n = 0
    for c in reversed(row):
        if c != "" and not is_value_text(c):
            break
        n += 1
    return n if n < len(row) else 0


def _runs(values: list[str], runs: int | None, rng: random.Random) -> list[str]:
    """The printed numbers of a row (blanks leave nothing) cut into ``runs`` runs (None:
    one run; more runs than numbers: one number a run)."""
    printed = [v for v in values if v != ""]
    if not printed:
        return []
    k = 1 if runs is None else max(1, min(runs, len(printed)))
    cuts = sorted(rng.sample(range(1, len(printed)), k - 1)) if k > 1 else []
    bounds = [0, *cuts, len(printed)]
    return ["".join(printed[a:b]) for a, b in zip(bounds, bounds[1:])]


def run_together(cells: dict, *, tables: Iterable[str] = ("t2", "t3", "t4"), runs: int | None = None,
                 sep: str = "\t", rng: random.Random | None = None, version: str = "2021",
                 rows: float = 1.0) -> str:
    """The ``textgen`` tab rendering with the data rows of ``tables`` run together.

    ``runs``: the runs a row is printed in (None: one); ``rows``: the share of rows
    damaged (drawn with ``rng``); ``sep``: between the label cells and the first run.
    """
    rng = rng or random.Random(0)
    wanted = set(tables)
    text = render(cells, style="tabs", version=version)
    lines = text.split("\n")
    done: set[int] = set()
    for table, labels, values in data_rows(cells, version):
        if table not in wanted or rng.random() >= rows:
            continue
        line = "\t".join(labels + values)
        i = next((j for j, ln in enumerate(lines) if ln == line and j not in done), None)
        if i is None:
            raise AssertionError(f"no line {line!r}")
        head = "\t".join(labels)
        body = "\t".join(_runs(values, runs, rng))
        lines[i] = (head + sep + body) if head else body
        done.add(i)
    return "\n".join(lines)
