"""Markdown writer: GitHub-flavoured Markdown with pipe tables.

Owns: the Markdown text of a report (title, section headings, paragraphs); the tables
are drawn by ``nianbao.render.markdown`` (flattened pipe tables).
"""
from __future__ import annotations

from ..render.layout import Labels
from ..render.markdown import esc, html_safe, table_md
from ..standard import load
from .body import section_texts, tables
from .data import ComposeInput


def render_md(inp: ComposeInput, labels: Labels | None = None) -> bytes:
    std = load()
    labels = labels or Labels()
    grids = tables(inp, labels)
    texts = section_texts(inp)
    out = [f"# {esc(labels('title', 'title', inp.display_title(std)))}", ""]
    for para in inp.preamble.split("\n"):
        if para.strip():
            out += [html_safe(para.strip()), ""]
    for s in std.sections:
        out += [f"## {esc(labels('section', s.key, s.canonical))}", ""]
        for para in texts[s.key].split("\n"):
            if para.strip():
                out += [html_safe(para.strip()), ""]
        g = grids.get(s.key)
        if g:
            out += [table_md(g), ""]
    return ("\n".join(out).rstrip() + "\n").encode("utf-8")
