"""Text lines and paragraphs of a PDF, for the PDF reader.

Owns: grouping characters into lines (``group_lines``) and a line's text with its word
spaces (``line_text``), dropping glyphs printed twice; splitting a line at wide gaps
(``segments``, for unruled tables); recognising running headers, footers and page
numbers (``furniture``); and deciding where a paragraph starts (``starts_paragraph``),
so that lines wrapped at the right margin are joined again.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from .pdf_page import Char

# A gap wider than this share of the character height is a space even between Chinese
# characters (第二十条 第（一）项); narrower gaps count only where PDFium saw a space and
# one side is not Chinese (2024 年).
WORD_GAP = 0.45
# The same character again within this distance (points) is a duplicate.
DUPLICATE = 1.0
# Chars whose vertical centres differ by less than this share of the height share a line.
SAME_LINE = 0.45


@dataclass(slots=True)
class Line:
    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    chars: list[Char]
    _size: float = -1.0

    @property
    def size(self) -> float:
        """Font size (one em), see ``_font_size``; computed on first use."""
        if self._size < 0:
            self._size = _font_size(self.chars)
        return self._size


def group_lines(chars: list[Char]) -> list[Line]:
    """Chars → lines, top to bottom; each line's chars left to right."""
    return [_make_line(g) for g in _line_groups(chars)]


def text_lines(chars: list[Char]) -> list[str]:
    """The texts of ``group_lines(chars)``, without building ``Line`` objects."""
    return [line_text(_left_to_right(g)) for g in _line_groups(chars)]


def _x0(c: Char) -> float:
    return c.x0


def _line_groups(chars: list[Char]) -> list[list[Char]]:
    if len(chars) <= 1:
        return [list(chars)] if chars else []
    ordered = sorted(chars, key=lambda c: c.top + c.bottom)
    groups: list[list[Char]] = []
    first = ordered[0]
    cur = [first]
    anchor = first.top + first.bottom            # twice the centre: no division per char
    height = first.bottom - first.top
    tol = 2 * SAME_LINE
    for c in ordered[1:]:
        h = c.bottom - c.top
        least = h if h < height else height
        if (c.top + c.bottom) - anchor <= tol * (least if least > 1.0 else 1.0):
            cur.append(c)
            if h > height:
                height = h
        else:
            groups.append(cur)
            cur = [c]
            anchor, height = c.top + c.bottom, h
    groups.append(cur)
    return groups


def _left_to_right(chars: list[Char]) -> list[Char]:
    """A line's chars sorted by x, without duplicates: a glyph printed again over itself
    (fake bold draws the text twice, slightly offset) would otherwise read 重重复复."""
    chars.sort(key=_x0)
    out = [chars[0]]
    for c in chars[1:]:
        p = out[-1]
        if c.text == p.text and c.x0 - p.x0 <= DUPLICATE and abs(c.top - p.top) <= DUPLICATE:
            continue
        out.append(c)
    return out


def _make_line(chars: list[Char]) -> Line:
    chars = _left_to_right(chars)
    top, x1, bottom = chars[0].top, chars[0].x1, chars[0].bottom
    for c in chars:
        if c.top < top:
            top = c.top
        if c.x1 > x1:
            x1 = c.x1
        if c.bottom > bottom:
            bottom = c.bottom
    return Line(text=line_text(chars), x0=chars[0].x0, top=top, x1=x1, bottom=bottom, chars=chars)


def _font_size(chars: list[Char]) -> float:
    """A line's font size: the median advance of its Chinese characters (one em), else
    the median box height. Box heights vary with each font's ascent and descent."""
    widths = sorted(c.x1 - c.x0 for c in chars if _is_cjk(c.text))
    if widths:
        return widths[len(widths) // 2]
    heights = sorted(c.bottom - c.top for c in chars)
    return heights[len(heights) // 2]


def line_text(chars: list[Char]) -> str:
    """The text of chars already ordered left to right, with one space between words."""
    parts: list[str] = []
    prev: Char | None = None
    for c in chars:
        if prev is not None:
            gap = c.x0 - prev.x1
            h, hp = c.bottom - c.top, prev.bottom - prev.top
            if hp < h:
                h = hp
            if gap > WORD_GAP * h:
                parts.append(" ")
            elif c.space_before and gap > -0.1 * h and not (_is_cjk(prev.text) and _is_cjk(c.text)):
                parts.append(" ")
        parts.append(c.text)
        prev = c
    return "".join(parts)


def _is_cjk(ch: str) -> bool:
    """Chinese characters and full-width punctuation: spacing between them is typography,
    not a word break (cells with distributed alignment spread 商业企业 over the width)."""
    o = ord(ch)
    return 0x2E80 <= o <= 0x9FFF or 0xF900 <= o <= 0xFAFF or 0xFF00 <= o <= 0xFF60 or 0x20000 <= o <= 0x3FFFF


def segments(line: Line, min_gap: float) -> list[list[Char]]:
    """The line's chars split wherever the gap between two chars is at least ``min_gap``."""
    out: list[list[Char]] = [[line.chars[0]]]
    for prev, c in zip(line.chars, line.chars[1:]):
        if c.x0 - prev.x1 >= min_gap:
            out.append([c])
        else:
            out[-1].append(c)
    return out


# ---------------------------------------------------------------- headers and footers

_PAGE_NUMBER = re.compile(
    r"""^(?:
        [-—–－‐―─~～]+\s*\d{1,4}\s*[-—–－‐―─~～]+            # - 3 -, — 3 —, －3－
      | \d{1,3}                                              # a bare 3
      | 第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?   # 第 3 页, 第3页 共6页
      | 共\s*\d{1,4}\s*页\s*第\s*\d{1,4}\s*页
      | \d{1,4}\s*/\s*\d{1,4}                                 # 3/6
      | (?:page|p\.)\s*\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?      # Page 3 of 6
    )$""", re.X | re.I)

# Running headers and footers live in these shares of the page height (top, bottom).
HEADER_ZONE = 0.12
FOOTER_ZONE = 0.12
# A page number is the first line in the top share or the last line in the bottom share.
NUMBER_TOP_ZONE = 0.20
NUMBER_BOTTOM_ZONE = 0.25


def is_page_number(text: str) -> bool:
    return bool(_PAGE_NUMBER.match(text.strip()))


def _furniture_key(line: Line, top_zone: bool) -> tuple[bool, str, int]:
    """Same zone, same text once digits are ignored, same font size."""
    return top_zone, re.sub(r"\d+", "#", re.sub(r"\s+", "", line.text)), round(line.size)


def furniture(pages_lines: list[list[Line]], heights: list[float]) -> list[set[int]]:
    """For each page, the indexes of its lines (top to bottom) that are page furniture.

    Furniture is a page number printed as the page's first or last line, or a line in the
    top or bottom zone that repeats (digits ignored, same size) on at least half of the
    pages and on two or more. A title on page 1 printed larger than the running header
    that repeats it is therefore kept.
    """
    n_pages = len(pages_lines)
    zone_keys: list[list[tuple[int, tuple]]] = []
    counts: Counter[tuple] = Counter()
    for lines, h in zip(pages_lines, heights):
        keys = []
        for i, ln in enumerate(lines):
            if ln.bottom <= h * HEADER_ZONE:
                keys.append((i, _furniture_key(ln, True)))
            elif ln.top >= h * (1 - FOOTER_ZONE):
                keys.append((i, _furniture_key(ln, False)))
        zone_keys.append(keys)
        counts.update({k for _, k in keys})
    repeated = {k for k, n in counts.items() if n >= 2 and n * 2 >= n_pages and k[1]}
    out: list[set[int]] = []
    for lines, keys, h in zip(pages_lines, zone_keys, heights):
        drop = {i for i, k in keys if k in repeated}
        live = [i for i in range(len(lines)) if i not in drop]
        if live and lines[live[0]].bottom <= h * NUMBER_TOP_ZONE and is_page_number(lines[live[0]].text):
            drop.add(live[0])
        if live and lines[live[-1]].top >= h * (1 - NUMBER_BOTTOM_ZONE) and is_page_number(lines[live[-1]].text):
            drop.add(live[-1])
        out.append(drop)
    return out


# ---------------------------------------------------------------- paragraphs

# A line opening with an ordinal starts a paragraph: 一、 （一） (一) 1、 1. 1． （1） ① 第一章
_ORDINAL = re.compile(
    r"^\s*(?:[一二三四五六七八九十]{1,3}[、.．]"
    r"|[（(]\s*[一二三四五六七八九十\d]{1,3}\s*[)）]"
    r"|\d{1,2}(?:[、．]|\.(?!\d))"
    r"|[①-⑳]"
    r"|第[一二三四五六七八九十\d]{1,3}[章节部分条]"
    r"|附件)")
_ENDS_SENTENCE = tuple("。：；！？:;!?")


def starts_paragraph(prev: Line, line: Line, right_margin: float, left_margin: float, *,
                     same_page: bool = True) -> bool:
    """True when ``line`` does not continue ``prev`` (a wrapped line continues).

    ``right_margin`` is that of ``prev``'s page, ``left_margin`` that of ``line``'s page.
    """
    h = max(1.0, min(prev.size, line.size))
    if _ORDINAL.match(line.text):
        return True
    if prev.text.rstrip().endswith(_ENDS_SENTENCE):
        return True
    if prev.x1 < right_margin - 2.0 * h:                 # short line: the paragraph ended
        return True
    if line.x0 > left_margin + 1.2 * h:                  # first-line indent
        return True
    if same_page and line.top - prev.bottom > 1.2 * h:   # blank line between
        return True
    if abs(line.size - prev.size) > 0.2 * h:             # font size changes
        return True
    return False


def margins(lines: list[Line]) -> tuple[float, float]:
    """Left and right text margins of a page's body lines (most common extremes)."""
    if not lines:
        return 0.0, 0.0
    lefts = Counter(round(ln.x0) for ln in lines)
    rights = sorted(ln.x1 for ln in lines)
    left = min(x for x, n in lefts.items() if n == max(lefts.values()))
    # the right margin is where most full lines end: the 80th percentile of line ends
    right = rights[min(len(rights) - 1, int(len(rights) * 0.8))]
    return float(left), right
