"""Bytes → text for every text-based reader (plain text, HTML).

Owns the decision of which character encoding a file uses. Chinese government sites
publish GBK/GB2312, GB18030, Big5, UTF-8 (with or without BOM) and UTF-16 (Word "Unicode
text"), and their declared charset is sometimes wrong. Order of evidence:

1. a byte-order mark (UTF-32, UTF-8-SIG, UTF-16 LE/BE);
2. a declared charset (passed in, or sniffed from the first 4 KB: HTML ``<meta>``/XML
   declaration) when the bytes decode strictly with it; GB2312/GBK are read as GB18030
   (a superset). A legacy declaration is overruled when the bytes are clearly UTF-8;
3. strict UTF-8;
4. UTF-16 without BOM (many NULs at odd or even positions);
5. a plausibility score over the candidates GB18030, Big5, UTF-16 LE/BE (share of common
   Chinese characters, punctuation and ASCII vs control/private-use characters), with
   charset-normalizer (restricted to the same candidates) as a second opinion;
6. GB18030 with replacement characters, plus a warning.

Also owns ``looks_binary``/``check_text``: a ``.txt`` holding binary junk gets a clear
Chinese ``ReadError`` instead of a page of mojibake.
"""
from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from functools import lru_cache

from .base import ReadError

# --------------------------------------------------------------------------- names

_GB_ALIASES = {"gb2312", "gbk", "gb18030", "cp936", "ms936", "x-gbk", "gb_2312-80", "gb_2312",
               "euc-cn", "euccn", "csgb2312", "x-euc-cn", "chinese", "936", "windows-936"}
_BIG5_ALIASES = {"big5", "big-5", "cn-big5", "csbig5", "x-x-big5", "cp950", "ms950", "windows-950", "950"}
# Declarations that are never right for a Chinese report: old pages often carry a
# template's ISO-8859-1 header over GBK text. Such a declaration is ignored.
_UNTRUSTED = {"iso8859-1", "latin-1", "latin_1", "iso-8859-1", "cp1252", "windows-1252", "ascii",
              "us-ascii", "iso8859_1", "iso-8859-15", "iso8859-15"}

_BOMS = (  # longest first: the UTF-32 LE BOM starts with the UTF-16 LE BOM
    (codecs.BOM_UTF32_LE, "utf-32-le", "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "utf-32"),
    (codecs.BOM_UTF8, "utf-8", "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16"),
)

_META_CHARSET = re.compile(rb"""<meta[^>]{0,400}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]{2,40})""", re.I)
_XML_DECL = re.compile(rb"""<\?xml[^>]{0,200}?encoding\s*=\s*["']([A-Za-z0-9_.:\-]{2,40})["']""", re.I)


@dataclass(slots=True)
class Decoded:
    text: str
    encoding: str
    warnings: list[str] = field(default_factory=list)


# A CSV saved by Excel or WPS on a Chinese system: UTF-8 (with or without BOM) or GB18030.
CSV_ENCODINGS = ("utf-8-sig", "gb18030")


def decode_csv(data: bytes) -> str | None:
    """The text of a CSV file a user saved (unit lists, ledgers), or None when it is in
    neither of ``CSV_ENCODINGS``."""
    for enc in CSV_ENCODINGS:
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    return None


def normalize_encoding(name: str | None) -> str | None:
    """A charset label as written → the Python codec we decode with (None if unknown)."""
    if not name:
        return None
    n = name.strip().strip("\"'").lower()
    if n in _GB_ALIASES:
        return "gb18030"
    if n in _BIG5_ALIASES:
        return "big5"
    if n in ("big5-hkscs", "big5hkscs"):
        return "big5hkscs"
    try:
        return codecs.lookup(n).name
    except LookupError:
        return None


def sniff_declared(data: bytes) -> str | None:
    """The charset a page declares in its first 4 KB (HTML meta or XML declaration)."""
    head = data[:4096]
    m = _XML_DECL.search(head) or _META_CHARSET.search(head)
    return m.group(1).decode("ascii", "replace") if m else None


# --------------------------------------------------------------------------- scoring

@lru_cache(maxsize=1)
def _common_cjk() -> frozenset[str]:
    """Frequent Han characters: GB2312 level 1 (3755) ∪ Big5 level 1 (5401)."""
    chars: set[str] = set()
    for lead in range(0xB0, 0xD8):
        for trail in range(0xA1, 0xFF):
            try:
                chars.add(bytes((lead, trail)).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    for lead in range(0xA4, 0xC7):
        for trail in (*range(0x40, 0x7F), *range(0xA1, 0xFF)):
            try:
                chars.add(bytes((lead, trail)).decode("big5"))
            except UnicodeDecodeError:
                pass
    return frozenset(chars)


def plausibility(text: str) -> float:
    """How much ``text`` looks like a Chinese document (about -5 … 1, higher is better)."""
    if not text:
        return 0.0
    common = _common_cjk()
    good = bad = 0
    for ch in text:
        o = ord(ch)
        if ch in common:
            good += 1
        elif 0x20 <= o < 0x7F or ch in "\t\n\r\f":
            good += 1
        elif 0x3000 <= o <= 0x303F or 0xFF01 <= o <= 0xFF5E or ch in "“”‘’…—·":
            good += 1
        elif o < 0x20 or 0x7F <= o < 0xA0 or 0xE000 <= o <= 0xF8FF or o == 0xFFFD \
                or 0xD800 <= o <= 0xDFFF or 0xF0000 <= o:
            bad += 1
    return (good - 5 * bad) / len(text)


def _utf16_by_nuls(data: bytes) -> str | None:
    """'utf-16-le'/'utf-16-be' when NULs sit overwhelmingly at odd/even positions."""
    sample = data[:65536]
    n = len(sample) // 2
    if n < 2:
        return None
    even = sample[0:2 * n:2].count(0)
    odd = sample[1:2 * n:2].count(0)
    if odd >= max(2, n * 0.05) and even <= odd * 0.25:
        return "utf-16-le"
    if even >= max(2, n * 0.05) and odd <= even * 0.25:
        return "utf-16-be"
    return None


def _strict(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _decode_big5(data: bytes) -> tuple[str, str] | None:
    # Python's big5 is the standard table; cp950 (Windows) and HKSCS add characters.
    for codec in ("big5", "cp950", "big5hkscs"):
        t = _strict(data, codec)
        if t is not None:
            return t, codec
    return None


def _decode_as(data: bytes, codec: str) -> tuple[str, str] | None:
    if codec == "big5":
        return _decode_big5(data)
    t = _strict(data, codec)
    return (t, codec) if t is not None else None


def _utf8_multibyte(data: bytes) -> int:
    """Number of multi-byte UTF-8 lead bytes (only meaningful for valid UTF-8)."""
    return sum(1 for b in data[:65536] if b >= 0xC2)


_CANDIDATES = ("gb18030", "big5", "utf-16-le", "utf-16-be")


def _charset_normalizer_guess(data: bytes) -> str | None:
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - it is a declared dependency
        return None
    try:
        best = from_bytes(data[:200_000], cp_isolation=["gb18030", "big5", "utf_16_le", "utf_16_be"]).best()
    except Exception:  # pragma: no cover - a detector bug must not stop decoding
        return None
    return normalize_encoding(best.encoding) if best is not None else None


# --------------------------------------------------------------------------- decode

def decode_detailed(data: bytes, declared: str | None = None) -> Decoded:
    """Decode ``data``; see the module docstring for the order of evidence."""
    for bom, codec, label in _BOMS:
        if data.startswith(bom):
            body = data[len(bom):]
            t = _strict(body, codec)
            if t is not None:
                return Decoded(t, label)
            return Decoded(body.decode(codec, errors="replace"), label,
                           [f"文件以 {label.upper()} 字节顺序标记开头，但部分内容不是有效的 {label.upper()}，已用 � 替代无法识别的字符"])

    warnings: list[str] = []
    raw_declared = declared or sniff_declared(data)
    codec = normalize_encoding(raw_declared)  # type: ignore[assignment]  # the BOM loop's name, reused
    utf8 = _strict(data, "utf-8")
    if raw_declared and codec is None:
        warnings.append(f"网页声明的字符编码“{raw_declared}”无法识别，已自动判断编码")
    elif codec and codec.replace("_", "-") not in _UNTRUSTED and not codec.startswith("utf-16") \
            and not codec.startswith("utf-32"):
        if codec in ("gb18030", "big5", "big5hkscs") and utf8 is not None and _utf8_multibyte(data) >= 8:
            warnings.append(f"网页声明的字符编码为 {raw_declared}，但内容实际是 UTF-8，已按 UTF-8 读取")
            return Decoded(utf8, "utf-8", warnings)
        got = _decode_as(data, codec)
        if got is not None:
            return Decoded(got[0], got[1], warnings)
        warnings.append(f"网页声明的字符编码 {raw_declared} 与内容不符，已自动判断编码")

    if utf8 is not None:
        return Decoded(utf8, "utf-8", warnings)

    if _utf16_by_nuls(data):
        # NULs at one parity mean UTF-16; which byte order is for the text to tell (CJK
        # characters such as 一 U+4E00 put their NUL on the other side from ASCII's).
        even = data[: len(data) // 2 * 2]
        options = [(plausibility(t[:100_000]), c, t) for c in ("utf-16-le", "utf-16-be")
                   if (t := _strict(even, c)) is not None]
        options.sort(key=lambda o: -o[0])
        if options and options[0][0] >= 0.3:
            return Decoded(options[0][2], options[0][1], warnings)

    scored: list[tuple[float, str, str]] = []
    for cand in _CANDIDATES:
        got = _decode_as(data[: len(data) // 2 * 2] if cand.startswith("utf-16") else data, cand)
        if got is not None:
            scored.append((plausibility(got[0][:100_000]), got[1], got[0]))
    scored.sort(key=lambda s: -s[0])
    if scored and scored[0][0] >= 0.6:
        return Decoded(scored[0][2], scored[0][1], warnings)

    guess = _charset_normalizer_guess(data)
    if guess:
        got = _decode_as(data, guess)
        if got is not None:
            return Decoded(got[0], got[1], warnings)
    if scored and scored[0][0] > 0:
        warnings.append(f"无法可靠判断文件编码，已按 {scored[0][1]} 读取，部分文字可能是乱码")
        return Decoded(scored[0][2], scored[0][1], warnings)

    # Last resort: the most likely encoding, with replacement characters.
    fallback = [(plausibility(data.decode(c, errors="replace")[:100_000]), c) for c in ("gb18030", "big5")]
    fallback.sort(key=lambda s: -s[0])
    guess = fallback[0][1] if fallback[0][0] > fallback[1][0] + 0.1 else "gb18030"
    warnings.append(f"无法判断文件编码，已按 {guess.upper()} 读取，无法识别的字符已用 � 替代，请核对原文")
    return Decoded(data.decode(guess, errors="replace"), guess, warnings)


def decode(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """``(text, encoding name)``; see ``decode_detailed`` for the warnings too."""
    d = decode_detailed(data, declared)
    return d.text, d.encoding


# --------------------------------------------------------------------------- binary junk

_BINARY_MAGIC = (b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04", b"%PDF", b"\x7fELF", b"MZ",
                 b"\xd0\xcf\x11\xe0", b"Rar!", b"7z\xbc\xaf", b"\x1f\x8b", b"BM", b"II*\x00", b"MM\x00*")


_CONTROL_BYTES = bytes(b for b in range(256) if b < 0x20 and b not in (9, 10, 12, 13, 27) or b == 0x7F)


def looks_binary(data: bytes) -> bool:
    """True when the bytes are not text in any encoding we read (NULs, control characters)."""
    sample = data[:8192]
    if not sample:
        return False
    if any(sample.startswith(bom) for bom, _, _ in _BOMS):
        return False
    if any(sample.startswith(m) for m in _BINARY_MAGIC if m != b"BM") or \
            (sample.startswith(b"BM") and b"\x00" in sample[:64]):
        return True
    if b"\x00" in sample:  # text only if it is UTF-16 that reads as text
        even = sample[: len(sample) // 2 * 2]
        return max(plausibility(even.decode(c, errors="replace")) for c in ("utf-16-le", "utf-16-be")) < 0.5
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    return controls / len(sample) > 0.05


def check_text(data: bytes, name: str) -> None:
    """Raise ``ReadError`` when ``data`` is binary junk rather than text."""
    if looks_binary(data):
        raise ReadError(f"文件内容不是文本（可能是二进制文件、图片或已损坏）：{name}")


__all__ = ["decode", "decode_detailed", "Decoded", "sniff_declared", "normalize_encoding",
           "plausibility", "looks_binary", "check_text"]
