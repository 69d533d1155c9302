"""Sections: find the six section headings whatever their numbering, and split the text.

Owns heading recognition (``一、`` ``1、`` ``（一）`` ``(一)`` or none; spaces inside
titles; a title broken over two lines; the wording variants of the standard), and
choosing, among every paragraph that could be a heading, the one sequence that reads as
the report's outline: headings in the standard's order, scored by how closely each is
worded like its title, whether its printed number is the section's number, and whether
the section's table follows it. So a sub-heading of 总体情况 numbered ``二、`` like a
section (``二、主动公开情况``) does not take the place of the real ``二、主动公开政府信息情况``
that the table follows. Also owns two things the outline shows without a heading:

- a section whose heading is missing but whose first sub-heading plainly opens it
  (``（一）上年度问题整改情况`` after 表四: section 五, ``implied_by`` in the standard),
  kept with variant ``implied`` (``model.SECTION_IMPLIED``) and no title;
- a non-standard section between two standard ones (``五、信息处理费收取情况`` when the
  standard's 五 is printed as ``六、``): ``extra_sections``.

Text before the first heading is the preamble.
"""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from functools import lru_cache

from ..grid import GridTable, Paragraph
from ..model import SECTION_IMPLIED, Section
from ..normalize import fold, split_ordinal
from ..standard import Entry, Match, Matcher

_MAX_HEADING = 40           # folded characters: longer paragraphs are body text
_SUB_ORDINAL = re.compile(r"^（[一二三四五六七八九十\d]+）|^\d+[.．]")
_TOP_ORDINAL = re.compile(r"^([一二三四五六七八九十]+|\d{1,2})[、.．]")
_SENTENCE = re.compile(r"[，,；;。]")    # punctuation of a sentence, not of a title
_CN_DIGITS = {c: i for i, c in enumerate("一二三四五六七八九十", 1)}

# Scores of a heading candidate (their sum over the outline is maximised). A heading
# worded as a title or its variant outweighs one found by keywords; the printed number
# and a following table decide between two candidates for the same section (the
# sub-heading of 总体情况 numbered like a section has neither).
SCORE_WORDED = 3.0          # canonical title or a listed variant
SCORE_KEYWORDS = 2.0        # all the keywords of one of the title's ``match`` groups
SCORE_FUZZY = 1.5           # close to a title (rapidfuzz ratio ≥ the matcher's minimum)
SCORE_NUMBER_AGREES = 1.0   # 三、 before section 3
SCORE_NUMBER_DIFFERS = -1.0  # 五、 before section 2: possible (a skipped section), unlikely
SCORE_TABLE_FOLLOWS = 1.5   # the section has a table and a table stands before the next heading


@dataclass
class Heading:
    block: int
    key: str
    title: str
    ordinal: str
    variant: str
    consumed: int = 1        # paragraphs the heading spans (a title broken over lines; 0: implied)


@dataclass
class _Candidate:
    heading: Heading
    rank: int                # index of the key in the standard's order
    score: float


def _candidate(text: str, allow_sub: bool) -> tuple[str, str] | None:
    f = fold(text)
    if not f or len(f) > _MAX_HEADING:
        return None
    ordinal, rest = split_ordinal(f)
    if not allow_sub and _SUB_ORDINAL.match(ordinal or ""):
        return None         # （一）… and 1. … are sub-headings, not sections
    rest = rest.rstrip("：:。")
    return ordinal, rest


def ordinal_number(ordinal: str) -> int | None:
    """1–10 for a top-level ordinal (``三、``, ``3、``, ``3.``), else None."""
    m = _TOP_ORDINAL.match(ordinal or "")
    if not m:
        return None
    n = m.group(1)
    if n.isdigit():
        return int(n)
    if n in _CN_DIGITS:
        return _CN_DIGITS[n]
    if n.startswith("十") and len(n) == 2 and n[1] in _CN_DIGITS:
        return 10 + _CN_DIGITS[n[1]]
    return None


# Where a converter ran a heading into the text around it: at the start of a paragraph
# (after Markdown ``#``/``**`` marks) or after the end of a sentence (or of a bracketed one).
_RUN_IN_BEFORE = r"(?:^\s*(?:#{1,6}\s*)?(?:\*\*|__)?|(?<=[。；;！!？?])|(?<=[。！？][）)]))\s*"
_ORDINAL_FORMS = "一二三四五六七八九十"


@lru_cache(maxsize=8)
def _run_in_pattern(sections: tuple[tuple[str, ...], ...]) -> re.Pattern[str]:
    """One pattern for every section: its number (``二、`` / ``2、``) and one of its titles,
    spaces allowed between the characters (text layers letter-space), then a space or
    the end: a heading written into a paragraph."""
    alts = []
    for n, titles in enumerate(sections, 1):
        words = "|".join(r"\s*".join(map(re.escape, t)) for t in sorted(set(titles), key=len, reverse=True))
        alts.append(f"(?:{_ORDINAL_FORMS[n - 1]}|{n})\\s*[、.．]\\s*(?:{words})")
    return re.compile(f"{_RUN_IN_BEFORE}(?P<h>{'|'.join(alts)})(?:\\*\\*|__)?(?=\\s|$)")


def split_run_in(blocks: list, entries: list[Entry]) -> list:
    """A paragraph holding a numbered section title written into its text (pymupdf4llm's
    ``## 一、总体情况 2023年，本机关…``, a line joined to the next heading ``…0 件。
    二、主动公开政府信息情况``) is split so the title stands alone: only the standard's
    titles and variants, each with its own number, at a paragraph's start or after a
    sentence."""
    pattern = _run_in_pattern(tuple((e.canonical.split("、", 1)[-1], *e.variants) for e in entries))
    out: list = []
    for b in blocks:
        if not isinstance(b, Paragraph) or len(b.text) <= _MAX_HEADING:
            out.append(b)
            continue
        pieces, at = [], 0
        for m in pattern.finditer(b.text):
            pieces += [b.text[at:m.start("h")], m.group("h")]
            at = m.end()
        pieces.append(b.text[at:])
        kept = [t.strip() for t in pieces if t.strip(" \t#*_")]
        if len(kept) == 1:
            out.append(b)
            continue
        out.extend(dataclasses.replace(b, text=t) for t in kept)
    return out


def lift_headings(blocks: list, matcher: Matcher, keys: list[str]) -> list:
    """A section heading that a rendering put into the table after it (text with one cell
    per paragraph, a Markdown table whose first cell is ``二、主动公开政府信息情况``) becomes
    the paragraph before that table again. Only a table's first cell (or its first row,
    when that row is only this cell) and only a numbered heading that matches a section
    title: ``三、本年度办理结果`` inside 表三 matches none."""
    out: list = []
    every = set(keys)
    for b in blocks:
        if not isinstance(b, GridTable) or not b.cells:
            out.append(b)
            continue
        first = min(b.cells, key=lambda c: (c.row, c.col))
        cand = _candidate(first.text, allow_sub=False)
        row0 = [c for c in b.cells if c.row == first.row and c.text.strip()]
        alone = not b.rows_reliable or row0 == [first]
        if cand is None or not cand[0] or ordinal_number(cand[0]) is None or not alone \
                or matcher.match(cand[1], allow=every, normalised=True, fuzzy=False) is None:
            out.append(b)
            continue
        gone = {id(first)} if not b.rows_reliable else {id(c) for c in b.cells if c.row == first.row}
        out.append(Paragraph(first.text.strip(), first.source))
        out.append(dataclasses.replace(b, cells=[c for c in b.cells if id(c) not in gone]))
    return out


def find_headings(blocks: list, matcher: Matcher, keys: list[str],
                  table_sections: frozenset[str] = frozenset()) -> list[Heading]:
    """Headings in document order, each key at most once, keys in the standard's order.

    ``table_sections``: keys of the sections a table follows (表二–表四). Sections numbered
    （一）/1. are accepted only when the usual top-level numbering finds fewer than three
    sections (otherwise those are sub-headings of 总体情况).
    """
    found = _outline(blocks, _candidates(blocks, matcher, keys, allow_sub=False), table_sections)
    if len(found) < 3:
        alt = _outline(blocks, _candidates(blocks, matcher, keys, allow_sub=True), table_sections)
        if len(alt) > len(found):
            found = alt
    return _implied(blocks, found, matcher.entries, keys)


def _candidates(blocks: list, matcher: Matcher, keys: list[str], allow_sub: bool) -> list[_Candidate]:
    out: list[_Candidate] = []
    every = set(keys)
    for i, b in enumerate(blocks):
        if not isinstance(b, Paragraph):
            continue
        texts = [(b.text, 1)]
        if i + 1 < len(blocks) and isinstance(blocks[i + 1], Paragraph):
            # a heading broken after its ordinal: "四、因" / "政府信息公开申请行政复议…"
            f = fold(b.text)
            if len(f) <= 12 and split_ordinal(f)[0]:
                texts.append((b.text + blocks[i + 1].text, 2))
        parsed = [(text, consumed, cand) for text, consumed in texts
                  if (cand := _candidate(text, allow_sub)) is not None and cand[1]]
        # one lookup over every title first: most paragraphs are body text and match none
        parsed = [x for x in parsed if matcher.match(x[2][1], allow=every, normalised=True) is not None]
        if not parsed:
            continue
        for rank, key in enumerate(keys):
            for text, consumed, cand in parsed:
                hit = _match(text, cand, matcher, key)
                if hit is None:
                    continue
                ordinal, m = hit
                out.append(_Candidate(Heading(i, key, text, ordinal, m.variant, consumed), rank,
                                      _score(m, ordinal, rank)))
                break
    return out


def _score(m: Match, ordinal: str, rank: int) -> float:
    if m.variant.startswith("keyword"):
        s = SCORE_KEYWORDS
    elif m.variant.startswith("fuzzy"):
        s = SCORE_FUZZY
    else:
        s = SCORE_WORDED
    n = ordinal_number(ordinal)
    if n is not None:
        s += SCORE_NUMBER_AGREES if n == rank + 1 else SCORE_NUMBER_DIFFERS
    return s


def _outline(blocks: list, cands: list[_Candidate], table_sections: frozenset[str]) -> list[Heading]:
    """The best-scoring sequence of candidates, increasing in position and in the
    standard's order (a longest-path over the candidates; on a tie the later heading,
    which is the one a table of contents or a sub-heading comes before)."""
    if not cands:
        return []
    table_at = [i for i, b in enumerate(blocks) if isinstance(b, GridTable)]

    def table_between(lo: int, hi: int) -> bool:
        return any(lo < t < hi for t in table_at)

    def bonus(c: _Candidate, next_block: int) -> float:
        h = c.heading
        return SCORE_TABLE_FOLLOWS if h.key in table_sections and table_between(h.block, next_block) else 0.0

    n = len(cands)
    best = [c.score for c in cands]          # best chain ending at j (bonus of j not yet counted)
    prev: list[int | None] = [None] * n
    for j in range(n):
        cj = cands[j]
        for i in range(j):
            ci = cands[i]
            if ci.rank >= cj.rank or ci.heading.block + ci.heading.consumed > cj.heading.block:
                continue
            s = best[i] + bonus(ci, cj.heading.block) + cj.score
            if s >= best[j]:
                best[j], prev[j] = s, i
    total = [best[j] + bonus(cands[j], len(blocks)) for j in range(n)]
    at: int | None = max(range(n), key=lambda k: (total[k], cands[k].heading.block))
    chain: list[Heading] = []
    while at is not None:
        chain.append(cands[at].heading)
        at = prev[at]
    return chain[::-1]


def _implied(blocks: list, found: list[Heading], entries: list[Entry], keys: list[str]) -> list[Heading]:
    """Add a section whose heading is missing but whose first sub-heading opens it."""
    have = {h.key for h in found}
    out = list(found)
    for e in entries:
        cues = e.extra.get("implied_by")
        if not cues or e.key in have or e.key not in keys:
            continue
        rank = keys.index(e.key)
        before = [h for h in out if keys.index(h.key) < rank]
        after = [h for h in out if keys.index(h.key) > rank]
        if not before:
            continue
        lo = before[-1].block + before[-1].consumed
        hi = after[0].block if after else len(blocks)
        for i in range(lo, hi):
            b = blocks[i]
            if not isinstance(b, Paragraph):
                continue
            f = fold(b.text)
            if len(f) > _MAX_HEADING or not _SUB_ORDINAL.match(split_ordinal(f)[0] or ""):
                continue
            if any(all(w in f for w in group) for group in cues):
                out.append(Heading(i, e.key, "", "", SECTION_IMPLIED, 0))
                break
    return sorted(out, key=lambda h: h.block)


def extra_sections(blocks: list, headings: list[Heading]) -> list[tuple[int, str]]:
    """Top-level headings that are not sections of the standard, where the outline's
    numbering shows them as one: ``五、信息处理费收取情况`` between a ``四、`` and a ``六、``
    printed for the standard's 五. (block index, text) each."""
    out: list[tuple[int, str]] = []
    numbered = [(h, ordinal_number(h.ordinal)) for h in headings]
    for (a, na), (b, nb) in zip(numbered, numbered[1:]):
        if na is None or nb is None or nb - na < 2:
            continue
        for i in range(a.block + max(a.consumed, 1), b.block):
            p = blocks[i]
            if not isinstance(p, Paragraph):
                continue
            f = fold(p.text)
            n = ordinal_number(split_ordinal(f)[0])
            if n is not None and na < n < nb and len(f) <= _MAX_HEADING:
                out.append((i, p.text.strip()))
    return out


def _match(text: str, cand: tuple[str, str], matcher: Matcher, key: str) -> tuple[str, Match] | None:
    """The candidate (ordinal, folded title) of a paragraph as a heading of ``key``."""
    ordinal, rest = cand
    m = matcher.match(rest, allow={key}, normalised=True)
    if m is None:
        return None
    # Body sentences that happen to contain the keywords are not headings: a heading
    # either carries an ordinal or is close to a known title.
    if not ordinal and m.variant.startswith("keyword") and (len(rest) > len(m.entry.norm_canonical) + 6
                                                          or _SENTENCE.search(text.strip())):
        return None
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
