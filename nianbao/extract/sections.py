"""Sections: find the six section headings whatever their numbering, and split the text.

Owns heading recognition (``一、`` ``1、`` ``（一）`` ``(一)`` or none; spaces inside
titles; a title broken over two lines), keeping the order of the standard, and giving
each section its paragraphs. Text before the first heading is the preamble.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..grid import GridTable, Paragraph
from ..model import Section
from ..normalize import fold, split_ordinal
from ..standard import Matcher

_MAX_HEADING = 40           # folded characters: longer paragraphs are body text
_SUB_ORDINAL = re.compile(r"^（[一二三四五六七八九十\d]+）|^\d+[.．]")


@dataclass
class Heading:
    block: int
    key: str
    title: str
    ordinal: str
    variant: str
    consumed: int = 1        # paragraphs the heading spans (a title broken over lines)


def _candidate(text: str, allow_sub: bool) -> tuple[str, str] | None:
    f = fold(text)
    if not f or len(f) > _MAX_HEADING:
        return None
    ordinal, rest = split_ordinal(f)
    if not allow_sub and _SUB_ORDINAL.match(ordinal or ""):
        return None         # （一）… and 1. … are sub-headings, not sections
    rest = rest.rstrip("：:。")
    return ordinal, rest


def find_headings(blocks: list, matcher: Matcher, keys: list[str]) -> list[Heading]:
    """Headings in document order, each key at most once, keys in the standard's order.

    Sections numbered （一）/1. are accepted only when the usual top-level numbering
    finds fewer than three sections (otherwise those are sub-headings of 总体情况).
    """
    found = _find(blocks, matcher, keys, allow_sub=False)
    if len(found) < 3:
        alt = _find(blocks, matcher, keys, allow_sub=True)
        if len(alt) > len(found):
            return alt
    return found


def _find(blocks: list, matcher: Matcher, keys: list[str], allow_sub: bool) -> list[Heading]:
    out: list[Heading] = []
    next_i = 0
    i = 0
    while i < len(blocks):
        b = blocks[i]
        if not isinstance(b, Paragraph):
            i += 1
            continue
        hit = _match(b.text, matcher, keys[next_i:], allow_sub)
        consumed = 1
        if hit is None and i + 1 < len(blocks) and isinstance(blocks[i + 1], Paragraph):
            joined = b.text + blocks[i + 1].text
            # a heading broken after its ordinal: "四、因" / "政府信息公开申请行政复议…"
            short = len(fold(b.text)) <= 12 and bool(split_ordinal(fold(b.text))[0])
            if short:
                hit = _match(joined, matcher, keys[next_i:], allow_sub)
                consumed = 2
        if hit is not None:
            ordinal, m = hit
            out.append(Heading(i, m.entry.key, b.text if consumed == 1 else b.text + blocks[i + 1].text,
                               ordinal, m.variant, consumed))
            next_i = keys.index(m.entry.key) + 1
            i += consumed
            if next_i >= len(keys):
                break
            continue
        i += 1
    return out


def _match(text: str, matcher: Matcher, allowed: list[str], allow_sub: bool):
    cand = _candidate(text, allow_sub)
    if cand is None or not allowed:
        return None
    ordinal, rest = cand
    if not rest:
        return None
    m = matcher.match(rest, allow=set(allowed), normalised=True)
    if m is None:
        return None
    # Body sentences that happen to contain the keywords are not headings: a heading
    # either carries an ordinal or is close to a known title.
    if not ordinal and m.variant.startswith("keyword") and len(rest) > len(m.entry.norm_canonical) + 6:
        return None
    # A section may be skipped, but a later section must not be taken for an earlier one
    # by keyword alone when the ordinal contradicts it (e.g. 五、 for s2).
    return ordinal, m


def split_sections(blocks: list, headings: list[Heading]) -> tuple[str, dict[str, Section]]:
    """Preamble text and the sections with their paragraphs (tables are left out)."""
    def text_of(lo: int, hi: int) -> str:
        return "\n".join(b.text for b in blocks[lo:hi] if isinstance(b, Paragraph) and b.text.strip())

    first = headings[0].block if headings else len(blocks)
    preamble = text_of(0, first)
    sections: dict[str, Section] = {}
    for n, h in enumerate(headings):
        end = headings[n + 1].block if n + 1 < len(headings) else len(blocks)
        b = blocks[h.block]
        sections[h.key] = Section(key=h.key, title=h.title.strip(), text=text_of(h.block + h.consumed, end),
                                  ordinal=h.ordinal, variant=h.variant, source=b.source, index=n)
    return preamble, sections


def block_section(headings: list[Heading], n_blocks: int) -> list[str | None]:
    """For each block index, the key of the section it falls in (None in the preamble)."""
    out: list[str | None] = [None] * n_blocks
    for n, h in enumerate(headings):
        end = headings[n + 1].block if n + 1 < len(headings) else n_blocks
        for i in range(h.block, end):
            out[i] = h.key
    return out


def tables_in(blocks: list, owner: list[str | None], key: str) -> list[GridTable]:
    return [b for b, k in zip(blocks, owner) if k == key and isinstance(b, GridTable)]
