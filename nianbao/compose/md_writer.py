"""Markdown writer: GitHub-flavoured Markdown with pipe tables.

Owns: the Markdown rendering of a report. Pipe tables cannot merge cells, so the layout
grid is flattened: a label or header spanning several rows is repeated in every row it
covers (each data row carries its full row label: ``三、本年度办理结果 | （三）不予公开 |
1.属于国家秘密``); a cell spanning several columns is written once, in its first column,
and the columns it covers are left empty (a value is never repeated). The first grid row
is the pipe table's header row.
"""
from __future__ import annotations

from ..standard import load
from .data import ComposeInput
from .layout import GROUP, HEADER, LABEL, TABLE_AFTER_SECTION, Labels, Table, build_tables, section_texts

_REPEAT_DOWN = (GROUP, LABEL, HEADER)


def _esc(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def flatten(t: Table) -> list[list[str]]:
    grid = [["" for _ in range(t.n_cols)] for _ in range(t.n_rows)]
    for c in t.cells:
        rows = range(c.row, c.row + c.rowspan) if c.role in _REPEAT_DOWN else [c.row]
        for r in rows:
            grid[r][c.col] = c.text
    return grid


def table_md(t: Table) -> str:
    grid = flatten(t)
    lines = []
    for i, row in enumerate(grid):
        lines.append("| " + " | ".join(_esc(x) for x in row) + " |")
        if i == 0:
            lines.append("|" + "|".join(" --- " for _ in row) + "|")
    return "\n".join(lines)


def render_md(inp: ComposeInput, labels: Labels | None = None) -> bytes:
    std = load()
    labels = labels or Labels()
    tables = build_tables(inp, labels)
    texts = section_texts(inp)
    out = [f"# {_esc(labels('title', 'title', inp.display_title(std)))}", ""]
    for para in inp.preamble.split("\n"):
        if para.strip():
            out += [para.strip(), ""]
    for s in std.sections:
        out += [f"## {_esc(labels('section', s.key, s.canonical))}", ""]
        for para in texts[s.key].split("\n"):
            if para.strip():
                out += [para.strip(), ""]
        t = TABLE_AFTER_SECTION.get(s.key)
        if t:
            out += [table_md(tables[t]), ""]
    return ("\n".join(out).rstrip() + "\n").encode("utf-8")
