"""The body of a composed report: section texts and the filled tables, in printed order.

Owns: the six sections' texts (a missing 总体情况 gets a summary of 表三, other missing
texts a placeholder the CLI warns about) and the three tables of ``nianbao.render``
filled with a ``ComposeInput``'s values, each after the section the standard places
it under. The DOCX, HTML and Markdown writers render this body.
"""
from __future__ import annotations

from ..normalize import norm_label
from ..render.layout import Grid, Labels, grids
from ..standard import load
from .data import ComposeInput, format_value

PLACEHOLDER = "（本部分内容待填写。）"


def tables(inp: ComposeInput, labels: Labels | None = None) -> dict[str, Grid]:
    """Section key → the table printed after it, filled with the input's values."""
    return {g.section: g.with_values(lambda k: format_value(inp.cells.get(k)))
            for g in grids(inp.format_version, labels).values()}


def section_texts(inp: ComposeInput) -> dict[str, str]:
    """The six sections' texts; a missing 总体情况 gets a summary of the tables, other
    missing texts a placeholder (the CLI warns about them)."""
    std = load()
    out = {}
    for s in std.sections:
        text = inp.sections.get(s.key)
        if text is None or not text.strip():
            text = default_text(inp, s.key)
        out[s.key] = text
    return out


def default_text(inp: ComposeInput, section_key: str) -> str:
    std = load()
    if section_key == "s1_overview":
        def row(k: str) -> str:
            return norm_label(std.t3_row_entry(k).canonical)

        def tot(k: str) -> str:
            v = inp.cells.get(f"t3.{k}.total")
            return "—" if v is None else format_value(v)
        year = f"{inp.year}年" if inp.year else "本年度"
        results = norm_label(next(g.canonical for g in std.t3_groups if g.extra.get("parent") is None))
        parts = [f"{row(k)}{tot(k)}件" for k in ("new", "carried_over", "result_total", "carry_forward")]
        return (f"{year}，本机关认真贯彻落实《中华人民共和国政府信息公开条例》，依法做好政府信息主动公开和依申请公开工作。"
                f"{parts[0]}，{parts[1]}，{results}{parts[2]}，{parts[3]}。")
    if section_key in {lay.section for lay in std.layouts.values()}:
        return ""
    return PLACEHOLDER
