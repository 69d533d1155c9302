"""HTML rendering of a table grid: a real ``<table>`` with ``rowspan``/``colspan``.

Owns: ``table_html(grid)`` — one ``<td>`` per origin cell, classed by its role (callers
may add classes and a tooltip per cell, e.g. the auditor's severity highlighting);
every text is escaped and a newline inside a label becomes ``<br>``. No scripts, no
external resources.
"""
from __future__ import annotations

from typing import Callable

from markupsafe import Markup, escape

from .layout import Grid, LayoutCell

CellFn = Callable[[LayoutCell], str]


def lines_html(text: str) -> Markup:
    """Escaped text, a newline as ``<br>``."""
    return Markup("<br>").join(escape(x) for x in text.split("\n"))


def table_html(g: Grid, *, classes: CellFn | None = None, title: CellFn | None = None,
               table_class: str | None = None) -> Markup:
    """The grid as ``<table>``; ``classes``/``title`` give extra classes and a tooltip per cell."""
    out = [Markup('<table class="{}" border="1" cellspacing="0" cellpadding="3">\n<tbody>\n').format(
        table_class or g.name)]
    for row in g.rows():
        tds = []
        for c in row:
            cls = " ".join(x for x in (str(c.role), classes(c) if classes else "") if x)
            attrs = Markup(' class="{}"').format(cls)
            if c.rowspan > 1:
                attrs += Markup(' rowspan="{}"').format(c.rowspan)
            if c.colspan > 1:
                attrs += Markup(' colspan="{}"').format(c.colspan)
            tip = title(c) if title else ""
            if tip:
                attrs += Markup(' title="{}"').format(tip)
            tds.append(Markup("<td{}>{}</td>").format(attrs, lines_html(c.text)))
        out.append(Markup("<tr>") + Markup("").join(tds) + Markup("</tr>\n"))
    out.append(Markup("</tbody>\n</table>\n"))
    return Markup("").join(out)
