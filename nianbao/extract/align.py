"""Row alignment: a table's printed rows placed on the standard's rows as one sequence.

Owns placing the data rows of a table whose labels the label matcher alone could not
recognise (a PDF text layer dropped characters from the middle of a label, a stray
character joined it): the rows of the table are aligned, in document order, against
the rows of the standard in printed order (a monotone alignment, by dynamic
programming over the whole table). The standard's order is the prior, the similarity
of the printed label to the standard's label is the score. A row the matcher
recognised (exact, variant or keyword) is an anchor that can only stand on its own
row; a damaged row can only stand on a free row of the standard between its
neighbours, when its label is similar enough, its printed ordinal (``3.``) agrees,
and no other free row between the same neighbours is about as similar. A row that
fails any of these stays unplaced: the caller leaves it absent with a note.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz

from ..normalize import fold, split_ordinal
from ..standard import Entry, Match

# Score of an anchor on its own row: above any similarity (at most 1.0), so that the
# alignment never gives up an anchor to place a damaged row.
ANCHOR_SCORE = 2.0
# Least similarity (rapidfuzz ratio, 0–1) of a damaged label to a standard label for it
# to stand on that row between its neighbours. A label that lost a third of its
# characters still scores about 0.8; unrelated labels of 表三 score below 0.5.
MIN_SIMILARITY = 0.6
# How much better the chosen row must fit than any other free row between the same
# neighbours: below this margin the two rows are indistinguishable, and placing the
# row on either would be a guess.
MIN_MARGIN = 0.15
# Variant string of a row placed by the alignment (shown in the label note).
VARIANT_PREFIX = "aligned"


@dataclass(frozen=True)
class Placed:
    """A damaged row placed by the alignment: the standard row and how well it fits."""
    index: int                 # position of the row among the aligned rows
    slot: int                  # position of the standard row in printed order
    match: Match


@lru_cache(maxsize=1 << 14)
def similarity(label: str, entry: Entry) -> float:
    """Similarity (0–1) of a printed label to a standard row label, or 0 when their
    printed ordinals differ (``3.`` is not ``4.``: the ordinal is printed evidence)."""
    ord_l, rest = split_ordinal(fold(label))
    ord_e = split_ordinal(fold(entry.canonical))[0]
    if ord_l and ord_e and ord_l != ord_e:
        return 0.0
    return max(fuzz.ratio(rest, split_ordinal(fold(cand))[1]) / 100 for cand in (entry.canonical, *entry.variants))


def align(labels: list[str], anchors: list[int | None], slots: list[Entry]) -> list[Placed]:
    """Place the rows without an anchor on the standard rows ``slots`` (printed order).

    ``labels`` are the rows' printed labels in document order; ``anchors[i]`` is the
    slot the matcher recognised row ``i`` as (None: not recognised). Returns the placements of
    rows that had no anchor, each on a slot no anchor holds, in an order consistent with
    the anchors, only where the placement is unambiguous.
    """
    n, m = len(labels), len(slots)
    taken = {a for a in anchors if a is not None}
    weak = [i for i in range(n) if anchors[i] is None]
    if not weak or len(taken) == m:
        return []
    score: dict[tuple[int, int], float] = {}
    for i in range(n):
        a = anchors[i]
        if a is not None:
            score[(i, a)] = ANCHOR_SCORE
            continue
        for j in range(m):
            if j in taken:
                continue
            s = similarity(labels[i], slots[j])
            if s >= MIN_SIMILARITY:
                score[(i, j)] = s
    chain = _best_chain(n, m, score)
    anchored = sorted((i, j) for i, j in chain if anchors[i] is not None)
    weak_slots = {j for i, j in chain if anchors[i] is None}
    out: list[Placed] = []
    for i, j in chain:
        if anchors[i] is not None:
            continue
        lo = max((aj for ai, aj in anchored if ai < i), default=-1)
        hi = min((aj for ai, aj in anchored if ai > i), default=m)
        # the other rows this one could stand on between the same neighbours
        rivals = [score.get((i, k), 0.0) for k in range(lo + 1, hi) if k != j and k not in weak_slots]
        if rivals and max(rivals) > score[(i, j)] - MIN_MARGIN:
            continue    # two free rows fit about as well: either would be a guess
        out.append(Placed(i, j, Match(slots[j], f"{VARIANT_PREFIX}:{score[(i, j)]:.2f}", score[(i, j)])))
    return out


def _best_chain(n: int, m: int, score: dict[tuple[int, int], float]) -> list[tuple[int, int]]:
    """The increasing pairs (row, slot) of highest total score (a weighted LCS)."""
    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(1, n + 1):
        row, prev = best[i], best[i - 1]
        for j in range(1, m + 1):
            v = max(prev[j], row[j - 1])
            s = score.get((i - 1, j - 1))
            if s is not None and prev[j - 1] + s > v:
                v = prev[j - 1] + s
            row[j] = v
    chain: list[tuple[int, int]] = []
    i, j = n, m
    while i > 0 and j > 0:
        s = score.get((i - 1, j - 1))
        if s is not None and abs(best[i][j] - (best[i - 1][j - 1] + s)) < 1e-9:
            chain.append((i - 1, j - 1))
            i, j = i - 1, j - 1
        elif best[i][j] == best[i - 1][j]:
            i -= 1
        else:
            j -= 1
    return chain[::-1]
