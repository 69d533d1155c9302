"""Markdown rendering of a table grid: a GitHub-flavoured pipe table.

Owns: flattening the grid (pipe tables cannot merge cells): a label, group or header
spanning several rows is repeated in every row it covers (each data row carries its
full row label: ``三、本年度办理结果 | （三）不予公开 | 1.属于国家秘密``); a cell spanning
several columns is written once, in its first column, and the columns it covers are
left empty (a value is never repeated). The first grid row is the pipe table's header.
"""
from __future__ import annotations

from .layout import Grid, Role

_REPEAT_DOWN = (Role.GROUP, Role.LABEL, Role.HEADER)


def html_safe(text: str) -> str:
    """Text that a Markdown viewer shows as written: ``&``, ``<`` and ``>`` as character
    references, so a report's text can never become HTML (a script, an image) when shown."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def esc(text: str) -> str:
    """Text safe inside a pipe-table cell (one line, pipes and backslashes escaped, no HTML)."""
    return html_safe(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def flatten(g: Grid) -> list[list[str]]:
    grid = [["" for _ in range(g.n_cols)] for _ in range(g.n_rows)]
    for c in g.cells:
        rows = range(c.row, c.row + c.rowspan) if c.role in _REPEAT_DOWN else [c.row]
        for r in rows:
            grid[r][c.col] = c.text
    return grid


def table_md(g: Grid) -> str:
    lines = []
    for i, row in enumerate(flatten(g)):
        lines.append("| " + " | ".join(esc(x) for x in row) + " |")
        if i == 0:
            lines.append("|" + "|".join(" --- " for _ in row) + "|")
    return "\n".join(lines)
