"""Ruled (lattice) tables of a PDF page, for the PDF reader.

Owns: ruling edges → cell rectangles → tables on one page (``find_tables``), each cell
placed on the table's true grid with row/col spans taken from the table's distinct x/y
edges; filling cells with the characters whose centres fall inside them (``fill``);
and joining a table broken across pages (``continues``/``merge``).

Edges are snapped and joined with pdfplumber's ``merge_edges`` (the same settings as
its lattice strategy); intersections and cells are found here with indexed lookups,
which is several times faster than pdfplumber's quadratic search on large grids.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from .pdf_page import Char
from .pdf_text import text_lines

SNAP = 3.0           # pdfplumber snap_tolerance / join_tolerance
INTERSECT = 3.0      # pdfplumber intersection_tolerance
MIN_EDGE = 3.0       # pdfplumber edge_min_length
SAME_EDGE = 0.5      # cell coordinates closer than this are one grid line
MAX_EDGES = 20_000   # more ruling segments than this on a page: a drawing, not tables
MAX_PAIRS = 250_000  # horizontal × vertical rules tested for intersections, at most
# Column edges of two table pieces closer than this (points) are the same edge.
CONTINUATION_TOLERANCE = 4.0

Box = tuple[float, float, float, float]      # x0, top, x1, bottom
Point = tuple[float, float]
Rule = tuple[float, float, float]            # position across, start, end along the rule
Crossings = dict[Point, tuple[set[int], set[int]]]


@dataclass(slots=True)
class RawCell:
    row: int
    col: int
    rowspan: int
    colspan: int
    bbox: tuple[float, float, float, float]
    chars: list[Char] = field(default_factory=list)
    text: str = ""
    page: int = 0


@dataclass
class RawTable:
    """One table (or one page's piece of it) on the grid of its distinct edges."""
    page: int
    xs: list[float]
    ys: list[float]
    cells: list[RawCell]
    columns_reliable: bool = True

    @property
    def n_rows(self) -> int:
        return max((c.row + c.rowspan for c in self.cells), default=0)

    @property
    def top(self) -> float:
        return self.ys[0]



# ---------------------------------------------------------------- finding tables

def has_ruling(edges: list[dict]) -> bool:
    """Cheap test before the table search: at least two rules of each orientation."""
    h = v = 0
    for e in edges:
        if e["orientation"] == "h":
            h += 1
        else:
            v += 1
        if h >= 2 and v >= 2:
            return True
    return False


def find_tables(edges: list[dict], page: int, warnings: list[str] | None = None) -> list[RawTable]:
    """Ruled tables of one page, top to bottom.

    A page drawn with more rules than the limits (a map, a chart) is not searched; a
    note goes to ``warnings``.
    """
    if not has_ruling(edges):
        return []
    if len(edges) > MAX_EDGES:
        _note(warnings, f"第{page}页线条过多（{len(edges)} 条），未按表格读取")
        return []
    # imported on the first ruled page, not with the package: loading pdfplumber takes longer
    # than reading a whole text report, and most batches are not PDFs
    from pdfplumber.table import merge_edges
    merged = [e for e in merge_edges(edges, SNAP, SNAP, SNAP, SNAP)
              if (e["x1"] - e["x0"] if e["orientation"] == "h" else e["bottom"] - e["top"]) >= MIN_EDGE]
    h_edges = [(e["top"], e["x0"], e["x1"]) for e in merged if e["orientation"] == "h"]
    v_edges = [(e["x0"], e["top"], e["bottom"]) for e in merged if e["orientation"] == "v"]
    if len(h_edges) * len(v_edges) > MAX_PAIRS:
        _note(warnings, f"第{page}页线条过多（横线 {len(h_edges)} 条、竖线 {len(v_edges)} 条），未按表格读取")
        return []
    v_edges += _open_side_rules(h_edges, v_edges)
    h_edges += _open_side_rules(v_edges, h_edges)
    points = _intersections(h_edges, v_edges)
    boxes = _cells(points)
    tables = [_grid(group, page) for group in _connected(boxes) if len(group) > 1]
    tables.sort(key=lambda t: (t.top, t.xs[0]))
    return tables


def _open_side_rules(rules: list[tuple[float, float, float]], across: list[tuple[float, float, float]]
                     ) -> list[tuple[float, float, float]]:
    """Outer borders a table was drawn without (rows ruled, but no line down the left or
    right side; or the mirror case), so its first and last columns still get cells.

    ``rules`` are (position, start, end) of one orientation, ``across`` of the other. Rules
    that cross the table's lines and run on past the outermost crossing line, ending
    together (two or more), get a closing line where they end.
    """
    if not rules or not across:
        return []
    lo = min(a[0] for a in across)
    hi = max(a[0] for a in across)
    crossing = [r for r in rules if any(a[1] - INTERSECT <= r[0] <= a[2] + INTERSECT and r[1] <= a[0] <= r[2]
                                        for a in across)]
    added = []
    for ends, beyond in ((lambda r: r[1], lambda x: x < lo - SNAP), (lambda r: r[2], lambda x: x > hi + SNAP)):
        groups: dict[int, list[tuple[float, float, float]]] = {}
        for r in crossing:
            if beyond(ends(r)):
                groups.setdefault(round(ends(r) / SNAP), []).append(r)
        for group in groups.values():
            if len(group) >= 2:
                pos = sum(ends(r) for r in group) / len(group)
                added.append((pos, min(r[0] for r in group), max(r[0] for r in group)))
    return added


def _note(warnings: list[str] | None, message: str) -> None:
    if warnings is not None:
        warnings.append(message)


def _intersections(h_edges: list[Rule], v_edges: list[Rule]) -> Crossings:
    """(x, y) → (ids of horizontal edges, ids of vertical edges) meeting there."""
    points: Crossings = {}
    for vi, (x, y0, y1) in enumerate(v_edges):
        for hi, (y, x0, x1) in enumerate(h_edges):
            if y0 - INTERSECT <= y <= y1 + INTERSECT and x0 - INTERSECT <= x <= x1 + INTERSECT:
                hs, vs = points.setdefault((x, y), (set(), set()))
                hs.add(hi)
                vs.add(vi)
    return points


def _cells(points: Crossings) -> list[Box]:
    """The smallest rectangle closed by edges from each intersection (pdfplumber's rule)."""
    along_v: dict[int, list[tuple[float, float]]] = {}   # v edge → its points, top to bottom
    along_h: dict[int, list[tuple[float, float]]] = {}   # h edge → its points, left to right
    for pt, (hs, vs) in points.items():
        for vi in vs:
            along_v.setdefault(vi, []).append(pt)
        for hi in hs:
            along_h.setdefault(hi, []).append(pt)
    for lst in along_v.values():
        lst.sort(key=lambda p: p[1])
    for lst in along_h.values():
        lst.sort(key=lambda p: p[0])
    pos_v = {(pt, vi): i for vi, lst in along_v.items() for i, pt in enumerate(lst)}
    pos_h = {(pt, hi): i for hi, lst in along_h.items() for i, pt in enumerate(lst)}
    out = []
    for pt in sorted(points):
        hs, vs = points[pt]
        below = _following([along_v[vi][pos_v[(pt, vi)] + 1:] for vi in vs], 1)
        right = _following([along_h[hi][pos_h[(pt, hi)] + 1:] for hi in hs], 0)
        cell = _smallest_cell(pt, below, right, points)
        if cell:
            out.append(cell)
    return out


def _following(runs: list[list[tuple[float, float]]], axis: int) -> list[tuple[float, float]]:
    """Points after an intersection along its edge(s), nearest first."""
    if len(runs) == 1:
        return runs[0]
    return sorted({p for run in runs for p in run}, key=lambda p: p[axis])


def _smallest_cell(pt: Point, below: list[Point], right: list[Point], points: Crossings) -> Box | None:
    for b in below:
        for r in right:
            corner = (r[0], b[1])
            got = points.get(corner)
            if got is None:
                continue
            c_hs, c_vs = got
            if c_vs & points[r][1] and c_hs & points[b][0]:
                return (pt[0], pt[1], corner[0], corner[1])
    return None


def _connected(boxes: list[Box]) -> list[list[Box]]:
    """Cells grouped into tables: cells sharing a corner belong together (union-find)."""
    parent = list(range(len(boxes)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[tuple[float, float], int] = {}
    for i, (x0, y0, x1, y1) in enumerate(boxes):
        for corner in ((x0, y0), (x0, y1), (x1, y0), (x1, y1)):
            j = owner.setdefault(corner, i)
            if j != i:
                parent[find(i)] = find(j)
    groups: dict[int, list[Box]] = {}
    for i, b in enumerate(boxes):
        groups.setdefault(find(i), []).append(b)
    return list(groups.values())


def _distinct(values: list[float]) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if not out or v - out[-1] > SAME_EDGE:
            out.append(v)
    return out


def _index(edges: list[float], v: float) -> int:
    """Index of the grid line nearest to ``v``."""
    i = bisect.bisect_left(edges, v)
    if i == len(edges) or (i > 0 and v - edges[i - 1] < edges[i] - v):
        i -= 1
    return i


def _grid(boxes: list[Box], page: int) -> RawTable:
    xs = _distinct([b[0] for b in boxes] + [b[2] for b in boxes])
    ys = _distinct([b[1] for b in boxes] + [b[3] for b in boxes])
    cells = []
    for x0, y0, x1, y1 in boxes:
        c0, c1, r0, r1 = _index(xs, x0), _index(xs, x1), _index(ys, y0), _index(ys, y1)
        if c1 <= c0 or r1 <= r0:
            continue
        cells.append(RawCell(row=r0, col=c0, rowspan=r1 - r0, colspan=c1 - c0, bbox=(x0, y0, x1, y1), page=page))
    cells.sort(key=lambda c: (c.row, c.col))
    return RawTable(page=page, xs=xs, ys=ys, cells=cells)


# ---------------------------------------------------------------- cell text

def fill(table: RawTable, chars: list[Char]) -> list[Char]:
    """Put each char whose centre is inside the table into its cell; return the others.

    A grid slot no found cell covers (a rule missing from the drawing) that holds text
    gets a cell of its own, so no printed text is lost.
    """
    owner: dict[tuple[int, int], RawCell] = {}
    for cell in table.cells:
        for r in range(cell.row, cell.row + cell.rowspan):
            for c in range(cell.col, cell.col + cell.colspan):
                owner[(r, c)] = cell
    xs, ys = table.xs, table.ys
    left, right, top, bottom = xs[0], xs[-1], ys[0], ys[-1]
    outside: list[Char] = []
    for ch in chars:
        x, y = (ch.x0 + ch.x1) / 2, (ch.top + ch.bottom) / 2
        if not (left <= x <= right and top <= y <= bottom):
            outside.append(ch)
            continue
        slot = (min(len(ys) - 2, max(0, bisect.bisect_right(ys, y) - 1)),
                min(len(xs) - 2, max(0, bisect.bisect_right(xs, x) - 1)))
        target = owner.get(slot)
        if target is None:
            r, c = slot
            target = RawCell(row=r, col=c, rowspan=1, colspan=1, bbox=(xs[c], ys[r], xs[c + 1], ys[r + 1]),
                             page=table.page)
            owner[slot] = target
            table.cells.append(target)
        target.chars.append(ch)
    for cell in table.cells:
        cell.text = "\n".join(text_lines(cell.chars)) if cell.chars else ""
        cell.chars = []
    table.cells.sort(key=lambda c: (c.row, c.col))
    return outside


# ---------------------------------------------------------------- tables across pages

def _edge_map(a: list[float], b: list[float], tol: float) -> dict[int, int] | None:
    """Map b's edges onto a's (index → index) when the two edge lists agree."""
    if abs(a[0] - b[0]) > tol or abs(a[-1] - b[-1]) > tol:
        return None
    mapping: dict[int, int] = {}
    for j, x in enumerate(b):
        i = _index(a, x)
        if abs(a[i] - x) <= tol:
            mapping[j] = i
    if len(a) == len(b) and len(mapping) == len(b):
        return mapping
    # pieces with a different column structure (merged cells near the break): most
    # inner edges of the piece with fewer columns must exist in the other
    inner_matched = sum(1 for j in mapping if 0 < j < len(b) - 1)
    fewer = min(len(a), len(b)) - 2
    if fewer <= 0 or inner_matched < max(1, round(0.6 * fewer)):
        return None
    return mapping


def continues(prev: RawTable, nxt: RawTable) -> bool:
    """True when ``nxt`` (first table of a page) can continue ``prev`` (last of the page before)."""
    return prev.columns_reliable and nxt.columns_reliable and _edge_map(prev.xs, nxt.xs, CONTINUATION_TOLERANCE) is not None


def _row_texts(table: RawTable, row: int) -> list[str]:
    return ["".join(c.text.split()) for c in table.cells if c.row == row]


def _repeated_header_rows(prev: RawTable, nxt: RawTable) -> int:
    """How many leading rows of ``nxt`` repeat the leading rows of ``prev``."""
    n = 0
    while n < nxt.n_rows - 1 and n < prev.n_rows - 1:
        a, b = _row_texts(prev, n), _row_texts(nxt, n)
        if not b or a != b or not any(b):
            break
        n += 1
    return n


def merge(prev: RawTable, nxt: RawTable) -> RawTable:
    """``prev`` with ``nxt`` appended below it (rows renumbered, repeated header dropped).

    Columns are put on the union of both pieces' column edges, so a cell keeps spanning
    exactly the grid columns it covers on its own page.
    """
    mapping = _edge_map(prev.xs, nxt.xs, CONTINUATION_TOLERANCE) or {}
    xs = list(prev.xs)
    extra = sorted(x for j, x in enumerate(nxt.xs) if j not in mapping)
    union = sorted(xs + extra)
    old_to_union = {i: union.index(x) for i, x in enumerate(xs)}
    nxt_to_union = {j: (old_to_union[mapping[j]] if j in mapping else union.index(x)) for j, x in enumerate(nxt.xs)}
    for cell in prev.cells:
        c0 = old_to_union[cell.col]
        c1 = old_to_union[cell.col + cell.colspan]
        cell.col, cell.colspan = c0, max(1, c1 - c0)
    skip = _repeated_header_rows(prev, nxt)
    offset = prev.n_rows - skip
    for cell in nxt.cells:
        if cell.row < skip:
            continue
        c0 = nxt_to_union[cell.col]
        c1 = nxt_to_union[cell.col + cell.colspan]
        prev.cells.append(RawCell(row=cell.row + offset, col=c0, rowspan=cell.rowspan, colspan=max(1, c1 - c0),
                                  bbox=cell.bbox, text=cell.text, page=cell.page))
    prev.xs = union
    return prev
