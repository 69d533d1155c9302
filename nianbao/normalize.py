"""Text normalisation for label matching and value parsing (format.md §8.2).

Owns: how a printed label becomes a comparable string (NFKC, full-width punctuation,
no whitespace, unified quotes, ordinal split off) and how a printed cell text becomes a
value with its semantics (number, zero, blank, not-applicable, unreadable).
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from dataclasses import dataclass
from decimal import Decimal

import opencc

# After NFKC, ASCII punctuation is mapped to the full-width forms the standard prints.
_TO_FULL = str.maketrans({
    "(": "（", ")": "）", ":": "：", ",": "，", ";": "；", "?": "？", "!": "！",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2018": "'", "\u2019": "'",
    "\u300c": '"', "\u300d": '"', "\u300e": '"', "\u300f": '"', "\uff02": '"',
    "\u00b7": "·",
})
_SURROGATES = re.compile("[\ud800-\udfff]")
_WS = re.compile(r"[\s\u3000\u00a0\u200b\u200c\u200d\ufeff]+")

_CN_NUM = "一二三四五六七八九十"
# Leading ordinals: 一、 1、 1. 1． （一） (一) （1） 第一部分 …, optionally followed by 、 or .
ORDINAL_RE = re.compile(
    r"^(?:"
    r"第[" + _CN_NUM + r"]+(?:部分|章|节)?[、，.]?"
    r"|[" + _CN_NUM + r"]+[、.，]"
    r"|（[" + _CN_NUM + r"\d]+）[、.]?"
    r"|\d{1,2}(?:[、.]|）)(?!\d)"
    r")"
)


# Traditional → Simplified, so that a Big5 (Traditional) report matches the standard's labels
_T2S = opencc.OpenCC("t2s").convert


@lru_cache(maxsize=1 << 16)
def fold(text: str) -> str:
    """NFKC-fold, Traditional→Simplified characters, map ASCII punctuation to full width,
    unify quotes, drop whitespace. For matching only: printed text is kept as printed."""
    if not text:
        return ""
    t = unicodedata.normalize("NFKC", text)
    if not t.isascii():
        t = _T2S(_SURROGATES.sub("\ufffd", t))   # a lone surrogate (broken PDF font map) cannot be encoded
    t = t.translate(_TO_FULL)
    return _WS.sub("", t)


def split_ordinal(text: str) -> tuple[str, str]:
    """Return ``(ordinal, rest)`` of an already folded label."""
    m = ORDINAL_RE.match(text)
    if not m:
        return "", text
    return m.group(0), text[m.end():]


@lru_cache(maxsize=1 << 16)
def norm_label(text: str) -> str:
    """Folded label without its leading ordinal: the string labels are matched on."""
    return split_ordinal(fold(text))[1]


def squash(text: str) -> str:
    """Collapse whitespace runs to one space and strip (for display of printed text)."""
    return _WS.sub(" ", unicodedata.normalize("NFC", text or "")).strip()


# ---------------------------------------------------------------------------
# Cell values

KIND_NUMBER = "number"        # a printed number other than zero
KIND_ZERO = "zero"            # a printed zero
KIND_BLANK = "blank"          # an empty cell
KIND_NA = "na"                # a not-applicable mark: / - — 无 不适用
KIND_TEXT = "unreadable"      # text that is not a number (or OCR that could not be read)
KIND_ABSENT = "absent"        # the cell is not in the document at all

_NUM_RE = re.compile(r"^[+\-]?\d+(?:\.\d+)?$")
# Units printed after a number: counts (件 条 个 …) and amounts (元 万元). Longest first
# is not needed: the search anchors at the end and starts at the leftmost position.
_UNIT_RE = re.compile(r"(?:件|条|个|宗|人次|次|项|份|家|万元|元)$")
_CURRENCY = "¥"                 # NFKC form of ￥ and ¥: an amount in 元
_THOUSANDS_RE = re.compile(r"^[+\-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
# Minus signs NFKC leaves alone (U+2212 MINUS SIGN, U+2013 EN DASH before a digit).
_MINUS = str.maketrans({"\u2212": "-", "\u2013": "-"})
# The most digits a cell's number may have. 15 significant digits always survive a
# binary64 float unchanged (the JSON outputs carry floats), and they exceed any count or
# amount a report states (10^15 元 is a thousand times China's GDP). A longer run of
# digits is damage (several cells run together, a broken text layer), never a value:
# the cell is unreadable, never an Infinity or an int of thousands of digits.
MAX_DIGITS = 15

DEFAULT_NA_MARKS = frozenset(["/", "／", "-", "－", "—", "——", "–", "无", "不适用", "空", "×", "\\"])

NOTE_TOO_LONG = "数字位数过多"


@dataclass(frozen=True, slots=True)
class ParsedValue:
    kind: str
    value: int | float | None
    raw: str
    note: str | None = None     # e.g. "千位分隔符", "带单位“件”", "数字位数过多"
    unit: str | None = None     # a unit printed with the number (件, 元, 万元 …): the value is the printed number


@lru_cache(maxsize=1 << 16)
def parse_value(raw: str | None, decimal: bool = False, na_marks=DEFAULT_NA_MARKS) -> ParsedValue:
    """Parse one printed cell. Never invents: anything not clearly a number is not one.

    The value is the number as printed: a unit after it (``12件``, ``251000元``,
    ``3.5万元``) or a ``¥`` before it is set apart in ``unit`` and never converted;
    thousands separators (``1,234``, ``1，234``), full-width digits and a count's
    trailing ``.00`` are layout. More than ``MAX_DIGITS`` digits is unreadable.
    """
    if raw is None:
        return ParsedValue(KIND_ABSENT, None, "")
    t = unicodedata.normalize("NFKC", raw)
    t = _WS.sub("", t)
    if t == "":
        return ParsedValue(KIND_BLANK, None, raw)
    if t in na_marks or t.strip("-—－–−") == "" and t:
        return ParsedValue(KIND_NA, None, raw)
    t = t.translate(_MINUS)
    note = unit = None
    m = _UNIT_RE.search(t)
    if m and m.start() > 0:
        unit, t = m.group(0), t[: m.start()]
    elif t.startswith(_CURRENCY) and len(t) > 1:
        unit, t = "元", t[1:]
    if unit is not None:
        note = f"带单位“{unit}”"
    if _THOUSANDS_RE.match(t):
        t = t.replace(",", "")
        note = note or "千位分隔符"
    if not _NUM_RE.match(t):
        return ParsedValue(KIND_TEXT, None, raw)
    if sum(ch.isdigit() for ch in t) > MAX_DIGITS:
        return ParsedValue(KIND_TEXT, None, raw, NOTE_TOO_LONG, unit)
    if t.startswith("+"):
        t = t[1:]
    if "." in t:
        d = Decimal(t)
        if not decimal and d == d.to_integral_value():
            # "3.0" for a count: the document prints a whole number with a decimal point
            v: int | float = int(d)
            note = note or "整数带小数点"
        elif not decimal:
            return ParsedValue(KIND_TEXT, None, raw, "计数出现小数", unit)
        else:
            v = float(d)
    else:
        v = int(t)
    return ParsedValue(KIND_ZERO if v == 0 else KIND_NUMBER, v, raw, note, unit)


def is_value_text(raw: str | None, na_marks=DEFAULT_NA_MARKS) -> bool:
    """True when a cell holds a value (number, NA mark) or is empty: not a label."""
    return parse_value(raw, decimal=True, na_marks=na_marks).kind != KIND_TEXT
