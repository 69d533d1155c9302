"""Damaged renderings of an answer key, as PDF text layers and converters make them.

Test fixture generator (issue 9): starts from the text renderings of ``textgen`` (tab
rows as ``pdftotext`` gives, space-separated rows as OCR gives, Markdown as converters
give) and applies one class of damage:
- ``drop_middle``: characters dropped from the middle of a label (``3.危及“三安全”``);
- ``vertical``: the group label ``三、本年度办理结果`` printed down the left column, its
  characters landing in the rows beside it (a cell of their own, or set off by a space
  before or after the label);
- ``split_t4``: 表四 as three 5-column tables, each under a heading naming its group;
- ``split_t3``: 表三 as one small table per row under generic headers (``列1…``), and
  ``generic_t3``: 表三 as one table under a generic header row;
- ``t2_floating``: 表二's captions and headers away from the rows they head;
- ``detach_t3``: 表三's labels printed as a block, then its numbers as a block of rows;
- ``footers``: a page footer (``— 7 —``) and a page header line inside 表三.
"""
from __future__ import annotations

from nianbao.normalize import split_ordinal
from textgen import STD, t2_rows, t3_header, t3_rows, t4_values

GROUPS = {g.key: g.canonical for g in STD.t3_groups}
T3_LABEL = {r.key: r.canonical for r in STD.t3_rows}
VERTICAL_MODES = ("cell", "cell_after", "before", "after")


def drop_middle(label: str, frac: float) -> str:
    """The label without ``frac`` of its characters (at least one), taken from the middle
    of the text after its ordinal (the ordinal and both ends stay, as in a text layer
    that lost the glyphs of one line of a wrapped label)."""
    o, rest = split_ordinal(label)
    n = len(rest)
    k = max(1, int(n * frac))
    if n - k < 1:
        return label
    i = (n - k) // 2
    return o + rest[:i] + rest[i + k:]


def dropped_labels(frac: float, rows: list[str] | None = None) -> dict[str, str]:
    """``textgen`` label overrides: every (or the given) 表三 row with characters dropped."""
    keys = rows if rows is not None else [r.key for r in STD.t3_rows]
    return {f"t3.{k}": drop_middle(T3_LABEL[k], frac) for k in keys}


def dropped_t2_labels(frac: float, rows: list[str] | None = None, version: str = "2021") -> dict[str, str]:
    """``textgen`` label overrides: every (or the given) 表二 row with characters dropped."""
    prefix = "t2" if version == "2021" else "t2v19"
    return {f"{prefix}.{r.key}": drop_middle(r.canonical, frac) for r in STD.t2[version]["rows"]
            if rows is None or r.key in rows}


def _span(version: str = "2021") -> list[str]:
    keys = STD.t3_row_keys(version)
    return keys[keys.index("granted"): keys.index("result_total") + 1]


def vertical(text: str, mode: str, sep: str = "\t", version: str = "2021",
             labels: dict[str, str] | None = None) -> str:
    """Move the characters of ``三、本年度办理结果`` into the rows beside it (``mode``: a
    cell of its own before or after the label, or joined by a space before or after it);
    ``labels``: the ``textgen`` label overrides the text was rendered with."""
    group = GROUPS["results"]
    span = _span(version)
    chars = [ch for ch in group]
    start = (len(span) - len(chars)) // 2
    at = {span[start + i]: ch for i, ch in enumerate(chars)}
    printed = {k: (STD.t3_other_single.canonical if k == "other" else T3_LABEL[k]) for k in span}
    printed |= {k: (labels or {}).get(f"t3.{k}", v) for k, v in printed.items()}
    lines = text.split("\n")
    out = []
    for ln in lines:
        cells = ln.split(sep)
        cells = [c for c in cells if c != group]
        key = next((k for k in span if printed[k] in cells), None)
        if key is not None and key in at:
            j = cells.index(printed[key])
            ch = at[key]
            if mode == "cell":
                cells.insert(j, ch)
            elif mode == "cell_after":
                cells.insert(j + 1, ch)
            elif mode == "before":
                cells[j] = f"{ch} {cells[j]}"
            else:
                cells[j] = f"{cells[j]} {ch}"
        out.append(sep.join(cells))
    return "\n".join(out)


def _md(rows: list[list[str]]) -> list[str]:
    width = max(len(r) for r in rows)
    out = []
    for i, r in enumerate(rows):
        r = r + [""] * (width - len(r))
        out.append("| " + " | ".join(r) + " |")
        if i == 0:
            out.append("|" + "---|" * width)
    return out


def split_t4(cells: dict, heading_fmt: str = "{}", inside: bool = False) -> list[str]:
    """Markdown lines: 表四 as three 5-column tables, each under a heading naming its group
    (the two 行政诉讼 groups with 行政诉讼 before the group's name); ``inside``: the
    heading as the first row of its table."""
    vals = t4_values(cells)
    leaf = [c.canonical for c in STD.t4_columns]
    n = len(leaf)
    out: list[str] = []
    for i, g in enumerate(STD.t4_groups):
        name = heading_fmt.format(g.canonical if g.key == "review" else f"{STD.t4_top[1]['canonical']} {g.canonical}")
        body = [leaf, vals[n * i: n * i + n]]
        out += [""] + (_md([[name] + [""] * (n - 1)] + body) if inside else [name, ""] + _md(body))
    return out


def split_t3(cells: dict, header_at: int | None = None, version: str = "2021") -> list[str]:
    """Markdown lines: 表三 as one small table per row, under generic column headers
    (``列1…``); ``header_at``: the applicant header row repeated inside that table."""
    out: list[str] = []
    cols = [c.canonical for c in STD.t3_columns]
    for n, (g1, g2, label, vals) in enumerate(t3_rows(cells, version=version)):
        lead = [x for x in (g1, g2) if x]
        row = lead + [label] + vals
        head = [f"列{i + 1}" for i in range(len(row))]
        body = [row]
        if n == header_at:
            body = [[""] * len(lead) + [""] + cols] + body
        out += [""] + _md([head] + body)
    return out


def generic_t3(cells: dict, version: str = "2021") -> list[str]:
    """Markdown lines: 表三 as one table whose header row is generic (``列1…列10``), the
    standard's header rows lost."""
    n = len(STD.t3_cols) + 3
    grid = [[f"列{i + 1}" for i in range(n)]]
    for g1, g2, label, vals in t3_rows(cells, version=version):
        grid.append([g1, g2, label] + list(vals))
    return [""] + _md(grid)


def t2_floating(cells: dict, shape: str) -> list[str]:
    """Markdown lines: 表二 with its captions and headers away from their rows: all of
    them first (``first``), or each block's caption and header below its rows (``below``)."""
    rows = t2_rows(cells)
    first = STD.t2["2021"]["header_first"]
    heads = [r for r in rows if len(r) == 1 or r[0] == first]
    if shape == "first":
        return [""] + _md(heads + [r for r in rows if r not in heads])
    out: list[list[str]] = []
    block: list[list[str]] = []
    for r in rows:
        if len(r) == 1:
            out += block
            block = [r]
        elif r[0] == first:
            block.append(r)
        else:
            out.append(r)
    return [""] + _md(out + block)


def detach_t3(cells: dict, version: str = "2021") -> list[str]:
    """Markdown lines: 表三 with its label rows as a block (value cells empty), then its
    value rows as a block (label cells empty), as a converter that read the label
    column, then the number columns, writes it."""
    rows = t3_rows(cells, version=version)
    n = len(STD.t3_cols)
    lead = 3
    grid = [r + [""] * (lead + n - len(r)) for r in t3_header()]
    grid += [[g1, g2, label] + [""] * n for g1, g2, label, _ in rows]
    grid += [[""] * lead + list(vals) for *_, vals in rows]
    return [""] + _md(grid)


def with_footer(text: str, after_label: str, footer: str = "— 7 —", header: str | None = None) -> str:
    """A page footer (and page header) line after the line printing ``after_label``."""
    lines = text.split("\n")
    i = next(i for i, ln in enumerate(lines) if after_label in ln)
    extra = [footer] + ([header] if header else [])
    return "\n".join(lines[: i + 1] + extra + lines[i + 1:])
