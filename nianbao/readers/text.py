"""Plain-text reader: reports copied around as text, in every rendering seen.

Owns turning text lines into paragraphs and tables. Table renderings recognised, line
by line (a document may mix them):

- *cell lines* (DOCX→text): one cell per line after a leading tab, a blank line ends a
  row, a line with no tab right after a cell continues that cell (``商业\\n企业``);
- *tab rows* (PDF→text, copy from Word): one row per line, cells separated by tabs,
  merged cells dropped so columns shift from row to row;
- *pipe cells* (HTML→text): each cell on its own line ending in `` |``, runs of empty
  cells as ``|||``; each row is padded to the table width, which gives the rows back;
- *markdown tables*: ``| a | b |`` rows with a ``|---|`` separator;
- *loose rows* (OCR text, ``pdftotext -layout``): a label followed by numbers separated
  by spaces, and rows of numbers only.

Column positions in text renderings do not reflect the real grid, so every table here
is ``columns_reliable=False``: the extractor aligns values by row.
"""
from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from ..grid import GridCell, GridDocument, GridTable, Paragraph, Source
from ..normalize import is_value_text
from ..vocab import ErrorCode
from .base import Limits, ReadError, Reader
from .encoding import decode, looks_binary

_HEADING_RAW = re.compile(r"^\s*(?:[一二三四五六七八九十]+\s*[、.．]|\d{1,2}\s*[、]\s|（[一二三四五六七八九十]+）|\([一二三四五六七八九十]+\))")


class _HeadingRe:
    """``_HEADING_RE.match(s)`` on the NFKC form (so ``四､`` with a half-width comma counts)."""

    @staticmethod
    def match(s: str):
        return _HEADING_RAW.match(unicodedata.normalize("NFKC", s))


_HEADING_RE = _HeadingRe()
# html2text's rule under a table's first row: ``---|---`` (or ``---`` for one column), no outer pipes
_BARE_SEP_RE = re.compile(r"^:?-{3,}:?(?:\s*\|\s*:?-{3,}:?)*$")
_MD_SEP_RE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_NUM_TOKEN = r"(?:[+\-]?\d[\d,]*(?:\.\d+)?|/|／|—|-|－)"
_LOOSE_ROW_RE = re.compile(r"^(?P<label>\S.*?[^\d\s,.+\-／/—－])\s+(?P<nums>" + _NUM_TOKEN + r"(?:\s+" + _NUM_TOKEN + r")*)\s*$")
_NUM_ONLY_RE = re.compile(r"^\s*" + _NUM_TOKEN + r"(?:\s+" + _NUM_TOKEN + r"){2,}\s*$")
# A cell of a table laid out with spaces: text with single spaces inside, two or more around.
_LAID_TOKEN = re.compile(r"\S+(?: \S+)*")
_LAID_MIN_GAP = 3            # two column offsets: one character of text and two spaces apart at least
# Paragraph mode (one blank line after every paragraph) needs this many separations, of
# which this share are single blank lines (the rest being empty paragraphs).
_PARAGRAPH_MODE_MIN_RUNS = 20
_PARAGRAPH_MODE_SHARE = 0.5
_SENTENCE_END = ("。", "；", "！", "？", "：")


def _decode(data: bytes) -> tuple[str, str]:
    if looks_binary(data):
        raise ReadError("文件内容不是文本（可能是二进制文件或已损坏），无法按文本读取")
    return decode(data)


# Markdown writers (mammoth, markdownify) escape ASCII punctuation: ``3\\.其他``, ``96171\\.6``.
# ``\\|`` stays: inside a pipe table it is a cell's own bar, not a column rule.
_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!<>~])")


def _unescape(line: str) -> str:
    return _MD_ESCAPE.sub(r"\1", line) if "\\" in line else line


_MD_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_MD_EMPHASIS = re.compile(r"^(\*\*|__)(.+)\1$")
_MD_INLINE_BOLD = re.compile(r"\*\*(.+?)\*\*")   # pymupdf4llm bolds each PDF text span: ``**…年政** **府信息…**``


_MARK_STARTS = ("#", "*", "_")


def _cell_layout(text: str) -> str:
    """A cell's text without Markdown's layout marks (mammoth writes a heading or a bold
    label into the paragraph that became a cell: ``# 二、…``, ``__总计__``)."""
    s = text.strip()
    m = _MD_HEADING.match(s)
    if m:
        s = m.group(2)
    m = _MD_EMPHASIS.match(s)
    return m.group(2).strip() if m else s


def _paragraph(line: str, source: Source) -> Paragraph:
    """A text line; markdown heading marks and bold (whole-line or span by span) are layout, not text."""
    s = line.strip()
    m = _MD_HEADING.match(s)
    if m:
        return Paragraph(_MD_INLINE_BOLD.sub(r"\1", m.group(2)), source,
                         style="title" if len(m.group(1)) == 1 else "heading")
    m = _MD_EMPHASIS.match(s)
    if m and "**" not in m.group(2):
        return Paragraph(m.group(2).strip(), source, style="heading")
    return Paragraph(_MD_INLINE_BOLD.sub(r"\1", s), source)


class TextReader(Reader):
    name = "text"
    extensions = (".txt", ".text", ".md", ".markdown", ".csv", "")

    @classmethod
    def is_valid(cls, path: Path, head: bytes) -> bool:
        # The fallback reader: anything the other readers did not claim, by extension.
        return path.suffix.lower() in cls.extensions

    def convert(self, path: Path, data: bytes) -> GridDocument:
        text, enc = _decode(data)
        if len(text) > Limits.max_text_chars:
            raise ReadError(f"文本过长（{len(text)} 字符，上限 {Limits.max_text_chars}）", ErrorCode.FILE_TOO_LARGE)
        doc = GridDocument(source=str(path), format="text", encoding=enc)
        doc.blocks = parse_text(str(path), text)
        return doc


def parse_text(file: str, text: str, first_table: int = 0) -> list[Paragraph | GridTable]:
    """The blocks of a text rendering (any line ending). Also used by the HTML reader
    for a page whose report is preformatted text; ``first_table`` is the index the
    first table gets in the sources (tables already read before this text)."""
    blocks = _Parser(file, text.replace("\r\n", "\n").replace("\r", "\n").split("\n")).parse()
    if first_table:
        for b in blocks:
            if isinstance(b, GridTable):
                for s in [b.source, *(c.source for c in b.cells)]:
                    if s is not None and s.table is not None:
                        s.table += first_table
    return blocks


def _is_number(text: str) -> bool:
    return bool(text) and any(ch.isdigit() for ch in text) and is_value_text(text)


def _grid_value_rows(rows: list[list[tuple[str, int]]], width: int) -> list[list[tuple[str, int]]]:
    """The value rows of a Markdown table drawn from an HTML/DOCX grid (markitdown,
    markdownify): a spanned cell is followed by empty cells up to its span, and a cell
    covered by a row span from above is left out, so a short row is short at its left.

    Rows of the full width say which columns hold values (a number in some row). A value
    row, aligned to the right edge, keeps its labels (the text left of those columns: the
    empty cells there are a label's span) and exactly its cells in those columns, blank ones
    included, so a blank cell keeps its place. A row that does not fit this reading (text in
    a value column, a number among the labels) is left as printed, and so is a table whose
    rows all have the full width: a writer that pads short rows at their end (so a row
    that lost a covered cell ends in an empty cell) cannot be read right-aligned.
    """
    if all(len(r) >= width for r in rows):
        return rows           # a writer that pads every row to the width: its short rows are not told apart
    value_rows = [r for r in rows if len(r) <= width and any(_is_number(t) for t, _ in r)]
    is_value_row = {id(r) for r in value_rows}
    numbers = [c for r in value_rows if len(r) == width for c, (t, _) in enumerate(r) if _is_number(t)]
    labels_at = [c for r in value_rows for c, (t, _) in enumerate(r, width - len(r)) if not is_value_text(t)]
    if not numbers or not labels_at or max(labels_at) >= min(numbers):
        return rows           # not the shape of a drawn grid: leave the table as printed
    # The value columns start at the first number, or before it at a header printed right
    # of every label (申请人情况 over the first applicant column). Columns left between
    # the labels and that start hold nothing but empty cells: a label's span or a blank
    # column, which cannot be told apart, so they are dropped (the row then reads short,
    # and a short row is never filled from the left).
    heads = [c for r in rows if len(r) == width and id(r) not in is_value_row
             for c, (t, _) in enumerate(r) if t and c > max(labels_at)]
    first = min(numbers + heads)
    out: list[list[tuple[str, int]]] = []
    for r in rows:
        shift = width - len(r)
        labels = [(t, ln) for c, (t, ln) in enumerate(r, shift) if c < first and t]
        values = [(t, ln) for c, (t, ln) in enumerate(r, shift) if c >= first]
        if id(r) not in is_value_row or not labels or any(is_value_text(t) for t, _ in labels) \
                or not all(is_value_text(t) for t, _ in values):
            out.append(r)
        else:
            out.append(labels + values)
    return out


class _Parser:
    def __init__(self, file: str, lines: list[str]):
        self.file = file
        self.lines = [_unescape(ln.replace("\ufeff", "")) for ln in lines]
        self.blocks: list[Paragraph | GridTable] = []
        n_single = sum(1 for ln in self.lines if ln.startswith("\t") and ln.count("\t") == 1)
        n_multi = sum(1 for ln in self.lines if ln.count("\t") >= 2 or ("\t" in ln and not ln.startswith("\t")))
        self.cell_line_mode = n_single > n_multi
        self.bare_pipe = self._bare_pipe_lines()
        self.paragraph_mode = self._paragraph_mode()
        self.laid_out_failed = 0            # end of the last block refused as a laid-out table
        self.kinds = [self._kind(i) for i in range(len(self.lines))]

    def _paragraph_mode(self) -> bool:
        """Every paragraph is followed by one blank line (mammoth's raw text, python-docx
        scripts): then an empty paragraph, such as an empty table cell, shows as two more
        blank lines, and a run of ``2k + 1`` blank lines stands for ``k`` empty cells."""
        runs: list[int] = []
        run = 0
        for ln in self.lines:
            if ln.strip():
                if run:
                    runs.append(run)
                run = 0
            else:
                run += 1
        if len(runs) < _PARAGRAPH_MODE_MIN_RUNS:
            return False
        return all(r % 2 == 1 for r in runs) and sum(r == 1 for r in runs) >= _PARAGRAPH_MODE_SHARE * len(runs)

    def _bare_pipe_lines(self) -> dict[int, str]:
        """The lines of html2text tables: ``a| b| c`` rows without the outer pipes, a
        header row, then a ``---|---`` rule, then rows until a blank line; a row of one
        merged cell has no pipe at all. Line → ``"bpipe"`` or ``"bpsep"``."""
        out: dict[int, str] = {}
        lines, n = self.lines, len(self.lines)
        for i in (k for k in range(1, n) if "---" in lines[k]):
            s = lines[i].strip()
            if not _BARE_SEP_RE.match(s) or not lines[i - 1].strip() or lines[i - 1].lstrip().startswith("|"):
                continue
            j = i + 1
            while j < n and lines[j].strip() and not _MD_SEP_RE.match(lines[j].strip()):
                j += 1
            body = range(i + 1, j)
            # a lone "---" under a line is also a setext heading: a table needs rows with pipes
            if "|" not in s and not any("|" in lines[k] for k in body):
                continue
            out[i - 1] = "bpipe"
            out[i] = "bpsep"
            out.update((k, "bpipe") for k in body)
        return out

    # -- line kinds ----------------------------------------------------------------
    def kind(self, i: int) -> str:
        return self.kinds[i]

    def _kind(self, i: int) -> str:
        ln = self.lines[i]
        if i in self.bare_pipe:
            return self.bare_pipe[i]
        if "\t" in ln:
            if self.cell_line_mode and ln.startswith("\t") and ln.count("\t") == 1:
                return "cell"
            return "tabrow"
        s = ln.strip()
        if not s:
            return "blank"
        if "|" not in s:
            return "text"
        if s.startswith("|") and s.endswith("|") and s.count("|") >= 3 and s.strip("|").strip():
            return "md"
        if s and set(s) <= {"|", " "}:
            return "pipepad"
        if s.endswith("|") and not s.startswith("|"):
            return "pipecell"
        return "text"

    def parse(self) -> list[Paragraph | GridTable]:
        i, n = 0, len(self.lines)
        while i < n:
            k = self.kind(i)
            if k == "blank":
                i += 1
            elif k == "cell":
                i = self._cell_lines(i)
            elif k == "tabrow":
                i = self._tab_rows(i)
            elif k in ("pipecell", "pipepad"):
                i = self._pipe_cells(i)
            elif k == "md":
                i = self._md_rows(i)
            elif k in ("bpipe", "bpsep"):
                i = self._bare_pipe_rows(i)
            else:
                j = self._laid_out(i)
                if j == i:
                    j = self._loose_rows(i)
                if j == i:
                    j = self._bare_cells(i)
                if j > i:
                    i = j
                else:
                    self.blocks.append(_paragraph(self.lines[i], Source(self.file, line=i + 1)))
                    i += 1
        return self.blocks

    def _src(self, line: int, row: int | None = None, col: int | None = None) -> Source:
        return Source(self.file, line=line + 1, table=len(self.tables_so_far()), row=row, col=col)

    def tables_so_far(self) -> list[GridTable]:
        return [b for b in self.blocks if type(b) is GridTable]

    def _emit(self, rows: list[list[tuple[str, int]]], start: int, *, rows_reliable: bool = True) -> None:
        rows = [r for r in rows if r]
        if not rows:
            return
        t_index = len(self.tables_so_far())
        f = self.file
        # positional arguments: this loop runs for every cell of every table
        cells = [GridCell(_cell_layout(text) if text[:1] in _MARK_STARTS else text, r, c, 1, 1,
                          Source(f, None, line + 1, t_index, r, c))
                 for r, row in enumerate(rows) for c, (text, line) in enumerate(row)]
        if len(cells) > Limits.max_table_cells:
            raise ReadError(f"表格过大（{len(cells)} 个单元格），疑似异常文件", ErrorCode.FILE_TOO_LARGE)
        self.blocks.append(GridTable(cells=cells, source=Source(self.file, line=start + 1, table=t_index),
                                     columns_reliable=False, rows_reliable=rows_reliable))

    # -- DOCX→text: one cell per tab-prefixed line ----------------------------------------
    def _cell_lines(self, i: int) -> int:
        start, n = i, len(self.lines)
        rows: list[list[tuple[str, int]]] = [[]]
        last = None  # kind of the previous line
        while i < n:
            k = self.kind(i)
            ln = self.lines[i]
            if k == "cell":
                rows[-1].append((ln[1:].strip(), i))
            elif k == "blank":
                if rows[-1]:
                    rows.append([])
            elif k == "text" and last in ("cell", "cont") and self._is_continuation(i):
                text, line = rows[-1][-1]
                rows[-1][-1] = (text + "\n" + ln.strip(), line)
                k = "cont"
            else:
                break
            last = k
            i += 1
        self._emit(rows, start)
        return i

    def _is_continuation(self, i: int) -> bool:
        s = self.lines[i].strip()
        if len(s) > 40 or _HEADING_RE.match(s):
            return False
        # The line after must keep the table going (another cell, or the row's end).
        nxt = self.kind(i + 1) if i + 1 < len(self.lines) else "blank"
        return nxt in ("cell", "blank", "text") and not s.endswith(_SENTENCE_END)

    # -- tab rows ---------------------------------------------------------------------------
    def _tab_rows(self, i: int) -> int:
        start, n = i, len(self.lines)
        rows: list[list[tuple[str, int]]] = []
        while i < n:
            k = self.kind(i)
            if k in ("tabrow", "cell"):
                rows.append([(c.strip(), i) for c in self.lines[i].split("\t")])
                i += 1
            elif k == "blank":
                j = i
                while j < n and self.kind(j) == "blank":
                    j += 1
                if j < n and self.kind(j) in ("tabrow", "cell"):
                    i = j
                    continue
                break
            else:
                break
        self._emit(rows, start)
        return i

    # -- HTML→text: "cell |" lines and "|||" padding -------------------------------------------
    def _pipe_cells(self, i: int) -> int:
        start, n = i, len(self.lines)
        stream: list[tuple[str, int]] = []
        first_pad_at: int | None = None
        carry: tuple[str, int] | None = None
        while i < n:
            k = self.kind(i)
            s = self.lines[i].strip()
            if k == "pipecell":
                text, line = s[:-1].strip(), i
                if carry is not None:
                    text, line = carry[0] + "\n" + text, carry[1]
                    carry = None
                stream.append((text, line))
            elif k == "pipepad":
                count = s.count("|")
                if first_pad_at is None:
                    first_pad_at = len(stream) + count
                stream.extend(("", i) for _ in range(count))
            elif k == "text" and stream and self._pipe_continuation(i):
                # a label broken over two lines: the first part has no pipe yet
                carry = (s, i)
            else:
                break
            i += 1
        width = first_pad_at or 0
        # The last row loses its padding at the end of the table.
        if width >= 2 and len(stream) > width:
            rows = [stream[r:r + width] for r in range(0, len(stream), width)]
            self._emit(rows, start)
        else:
            self._emit([stream], start, rows_reliable=False)
        return i

    def _pipe_continuation(self, i: int) -> bool:
        nxt = self.kind(i + 1) if i + 1 < len(self.lines) else "blank"
        s = self.lines[i].strip()
        # a section heading (numbered, or a Markdown ``#`` line) ends the table, it never continues a label
        return nxt == "pipecell" and len(s) <= 40 and not _HEADING_RE.match(s) and not _MD_HEADING.match(s)

    # -- markdown tables ------------------------------------------------------------------------
    def _md_rows(self, i: int) -> int:
        start, n = i, len(self.lines)
        rows: list[list[tuple[str, int]]] = []
        width = 0
        while i < n:
            s = self.lines[i].strip()
            if _MD_SEP_RE.match(s) and "-" in s:
                width = width or s.strip("|").count("|") + 1
                i += 1
                continue
            if self.kind(i) != "md":
                break
            inner = s[1:-1] if s.endswith("|") else s[1:]
            rows.append([(c.strip().replace("<br>", "\n").replace("<br/>", "\n"), i) for c in inner.split("|")])
            i += 1
        self._emit(_grid_value_rows(rows, width) if width else rows, start)
        return i

    # -- html2text tables: "a| b| c" rows, cells of merged spans dropped ----------------------------
    def _bare_pipe_rows(self, i: int) -> int:
        start, n = i, len(self.lines)
        rows: list[list[tuple[str, int]]] = []
        while i < n and self.kind(i) in ("bpipe", "bpsep"):
            if self.kind(i) == "bpipe":
                rows.append([(c.strip(), i) for c in self.lines[i].strip().split("|")])
            i += 1
        self._emit(rows, start)
        return i

    # -- tables laid out with spaces at fixed offsets (inscriptis) ----------------------------------
    def _laid_out(self, i: int) -> int:
        """A table drawn with spaces, every cell starting at its column's offset (inscriptis
        puts the k-th cell of an HTML row in the k-th column, whatever its span). The offset
        says which cell a text is, so an empty cell between two printed ones keeps its place.

        Read so only when the layout is exact: the block has two rows with numbers, and every
        number starts where a number or label of another line starts. An empty cell after a
        row's last printed cell cannot be told from a row with fewer cells, so it is left out
        (the row reads short, never shifted). Any other block is left to the loose rows.
        """
        if i < self.laid_out_failed or "  " not in self.lines[i].strip():
            return i           # inside a block already refused, or not two cells apart
        n = len(self.lines)
        lines: list[tuple[int, list[tuple[int, str]]]] = []
        starts: dict[int, set[int]] = {}
        j = i
        while j < n:
            if self.kind(j) == "blank":
                j += 1
                continue
            if self.kind(j) != "text":
                break
            toks = [(m.start(), m.group()) for m in _LAID_TOKEN.finditer(self.lines[j])]
            if len(toks) < 2 and not (lines and toks[0][0] in starts and not toks[0][1].endswith(_SENTENCE_END)):
                break
            lines.append((j, toks))
            for at, _ in toks:
                starts.setdefault(at, set()).add(j)
            j += 1
        numeric = [(ln, toks) for ln, toks in lines if any(_is_number(t) for _, t in toks)]
        if len(numeric) < 2:
            return self._laid_out_refused(i, j)
        # the columns are those of the value rows (a header's cells span and sit elsewhere)
        cols = sorted({at for _, toks in numeric for at, _ in toks})
        if any(b - a < _LAID_MIN_GAP for a, b in zip(cols, cols[1:])):
            return self._laid_out_refused(i, j)
        if any(_is_number(t) and len(starts[at]) < 2 for _, toks in numeric for at, t in toks):
            return self._laid_out_refused(i, j)   # a number where no other line starts a cell: not an exact grid
        while lines and not any(_is_number(t) for _, t in lines[-1][1]):
            lines.pop()        # trailing label lines belong to the text after the table
        index = {at: c for c, at in enumerate(cols)}
        rows: list[list[tuple[str, int]]] = []
        for ln, toks in lines:
            if not any(_is_number(t) for _, t in toks):
                rows.append([(t, ln) for _, t in toks])      # header or label lines: their texts in order
                continue
            placed = {index[at]: t for at, t in toks}
            # inscriptis pads a row to the end of its last cell: the columns the padding reaches
            # are cells of the row, so a blank last cell keeps its place too
            last = max(max(placed), max(c for c, at in enumerate(cols) if at < len(self.lines[ln])))
            rows.append([(placed.get(c, ""), ln) for c in range(last + 1)])
        self._emit(rows, i)
        return lines[-1][0] + 1

    def _laid_out_refused(self, i: int, end: int) -> int:
        """Remember a refused block: the lines of it are not tried again one by one."""
        self.laid_out_failed = end
        return i

    # -- loose rows: "label 1 2 3" (OCR, pdftotext -layout) ---------------------------------------
    def _loose_row(self, i: int) -> list[str] | None:
        s = self.lines[i].strip()
        if not s or len(s) > 160:
            return None
        if _NUM_ONLY_RE.match(s):
            return re.split(r"\s+", s)
        if re.search(r"\S\s{2,}\S", s):
            parts = re.split(r"\s{2,}", s)
            if len(parts) >= 2 and all(is_value_text(p) for p in parts[1:]):
                return parts
        m = _LOOSE_ROW_RE.match(s)
        if m and not m.group("label").endswith(_SENTENCE_END) and len(m.group("label")) <= 80:
            label = m.group("label")
            if re.search(r"[，,。]", label) and len(label) > 30:
                return None
            return [label] + re.split(r"\s+", m.group("nums"))
        return None

    def _next_loose(self, i: int) -> bool:
        """The next non-blank line is a row of numbers (so line ``i`` is inside a table)."""
        for j in range(i + 1, min(i + 4, len(self.lines))):
            if self.kind(j) == "blank":
                continue
            return self.kind(j) == "text" and self._loose_row(j) is not None
        return False

    def _loose_rows(self, i: int) -> int:
        """A run of loose rows (at least two with numbers) becomes one table."""
        start, n = i, len(self.lines)
        rows: list[list[tuple[str, int]]] = []
        numeric_rows = 0
        j = i
        while j < n:
            k = self.kind(j)
            if k == "blank":
                j += 1
                continue
            if k != "text":
                break
            cells = self._loose_row(j)
            s = self.lines[j].strip()
            if cells is not None:
                rows.append([(c, j) for c in cells])
                numeric_rows += 1
            elif rows and len(re.sub(r"\s+", "", s)) <= 40 and not s.endswith(_SENTENCE_END) and (
                    not _HEADING_RE.match(s) or self._next_loose(j)):
                rows.append([(s, j)])         # a header, group label or wrapped label inside the table
            else:
                break
            j += 1
        # drop trailing label-only rows: they belong to the text after the table
        while rows and len(rows[-1]) == 1:
            rows.pop()
        wide_numbers = any(len(r) >= 10 and all(is_value_text(c) for c, _ in r) for r in rows)
        if not rows or (numeric_rows < 2 and not wide_numbers):
            return i
        end = rows[-1][0][1] + 1
        self._emit(rows, start)
        return end

    # -- bare cells: one cell per line, no separators (plain pdftotext, copy from a viewer) ----
    def _bare_kind(self, i: int) -> str | None:
        s = self.lines[i].strip()
        if not s:
            return "blank"
        if self.kind(i) != "text":
            return None
        if is_value_text(s) and len(s) <= 20:
            return "value"
        if len(s) <= 40 and not s.endswith(_SENTENCE_END):
            return "label"
        return None

    def _next_is_value(self, i: int, within: int = 2) -> bool:
        seen = 0
        for j in range(i + 1, len(self.lines)):
            k = self._bare_kind(j)
            if k == "blank":
                continue
            if k == "value":
                return True
            seen += 1
            if seen >= within:
                return False
        return False

    def _bare_cells(self, i: int) -> int:
        """A run of one-cell lines with many numbers becomes a table with no row breaks.

        A heading-like line (``三、收到和处理…``) ends the run unless a number follows it
        closely (then it is a row label such as ``一、本年新收…``); a Markdown heading
        (``# 三、…``, mammoth's) always ends it.
        """
        n = len(self.lines)
        cells: list[tuple[str, int]] = []
        values = 0
        blanks = 0
        j = i
        while j < n:
            k = self._bare_kind(j)
            if k is None:
                break
            if k == "label" and _MD_HEADING.match(self.lines[j]):
                if not cells:
                    return i             # a Markdown heading is a heading, never a table's first cell
                break
            if k == "label" and _HEADING_RE.match(self.lines[j].strip()) and cells \
                    and not self._next_is_value(j):
                break
            if k == "blank":
                blanks += 1
            else:
                if self.paragraph_mode and cells and blanks > 1:
                    cells.extend(("", j - blanks + e) for e in range(blanks // 2))   # empty cells
                blanks = 0
                cells.append((self.lines[j].strip(), j))
                values += k == "value"
            j += 1
        while cells and not cells[-1][0].strip() or cells and not is_value_text(cells[-1][0]):
            cells.pop()          # trailing labels (and empty paragraphs) belong to the text after the table
        if values < 6 or values < 0.3 * len(cells):
            return i
        end = cells[-1][1] + 1
        self._emit([cells], i, rows_reliable=False)
        return end
