"""DOCX reader: a Word (or WPS) ``.docx`` → ``GridDocument``.

Owns: the ZIP safety checks (member count, total size, compression ratio, encryption,
damage), safe XML parsing (lxml, no entities, no network, no huge trees), and the walk
over the document body in order: paragraphs (with Word's automatic numbering rendered as
Word displays it, e.g. ``一、``) and tables. Table cells get their true grid columns:
``w:gridBefore`` offsets, ``w:gridSpan`` (colspan) and ``w:vMerge`` (rowspan) are
resolved into one ``GridCell`` per merged region. Deleted text (``w:del``), field
instructions (``w:instrText``) and bookmarks are ignored; inserted text is kept. A table
that contains tables is a layout container: its cells are read as blocks. HTML imported
whole (``w:altChunk``, written by some web systems) is read with the HTML reader.
"""
from __future__ import annotations

import io
import re
import zipfile
import zlib
from functools import lru_cache
from pathlib import Path, PurePosixPath

from lxml import etree

from ..grid import GridCell, GridDocument, GridTable, Paragraph, Source
from ..vocab import ErrorCode
from .base import Limits, ReadError, Reader

_W_NS = {"http://schemas.openxmlformats.org/wordprocessingml/2006/main",
         "http://purl.oclc.org/ooxml/wordprocessingml/main"}
_TBL_TAGS = tuple(f"{{{ns}}}tbl" for ns in sorted(_W_NS))   # a nested table, found by lxml
_MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"
_M_NS = "http://schemas.openxmlformats.org/officeDocument/2006/math"
_R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
_WS = re.compile(r"[ \u00a0\u200b\ufeff]+")


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False,
                           dtd_validation=False, remove_comments=True, remove_pis=True)


def is_encrypted_ooxml(data: bytes) -> bool:
    """A password-protected Office file: an OLE container holding an ``EncryptedPackage``."""
    return data.startswith(_OLE_MAGIC) and _ENCRYPTED_STREAM in data


def _encrypted_message(name: str) -> str:
    return f"文件已加密（设置了打开密码），无法读取：{name}。请在 Word/WPS 中取消密码后重新保存"


def _ln(el) -> str:
    """Local name of a WordprocessingML element ('' for other namespaces and comments)."""
    tag = el.tag
    return _local_name(tag) if isinstance(tag, str) else ""


@lru_cache(maxsize=1024)
def _local_name(tag: str) -> str:
    """Every element of a document is looked at several times: its tag is split once."""
    if tag[0] != "{":
        return ""
    ns, _, local = tag[1:].partition("}")
    return local if ns in _W_NS else ""


def _wattr(el, name: str) -> str | None:
    for ns in _W_NS:
        v = el.get(f"{{{ns}}}{name}")
        if v is not None:
            return v
    return None


def _wchild(el, name: str):
    if el is None:
        return None
    for c in el:
        if _ln(c) == name:
            return c
    return None


def _int(v: str | None, default: int) -> int:
    try:
        return int(v) if v is not None else default
    except ValueError:
        return default


class DocxReader(Reader):
    name = "docx"
    extensions = (".docx", ".docm", ".dotx", ".dotm")

    @classmethod
    def is_valid(cls, path: Path, head: bytes) -> bool:
        if not head.startswith(_ZIP_MAGIC):
            return False
        return Path(path).suffix.lower() in cls.extensions or b"word/" in head

    def convert(self, path: Path, data: bytes) -> GridDocument:
        name = Path(path).name
        if not data.startswith(_ZIP_MAGIC):
            if is_encrypted_ooxml(data):
                raise ReadError(_encrypted_message(name), ErrorCode.ENCRYPTED)
            if data.startswith(_OLE_MAGIC):
                raise ReadError(f"文件不是 DOCX 格式（可能是旧版 Word .doc 文件）：{name}")
            raise ReadError(f"DOCX 文件已损坏（不是有效的 ZIP 压缩包）：{name}")
        parts = _Package(data, name)
        doc_xml = parts.xml(parts.main_document())
        doc = GridDocument(source=str(path), format="docx")
        doc.title_hint = parts.core_title()
        body = _wchild(doc_xml, "body")
        if body is None:
            raise ReadError(f"DOCX 文件已损坏（缺少正文部分）：{name}")
        styles = _Styles(parts)
        numbering = _Numbering(parts)
        _BodyWalker(str(path), doc, styles, numbering, parts).blocks(body)
        if not doc.blocks:
            doc.warnings.append("DOCX 文件中没有找到文字（正文可能是图片或扫描件）")
        return doc


# --------------------------------------------------------------------------- package

class _Package:
    """The ZIP archive, checked against zip bombs before anything is decompressed."""

    def __init__(self, data: bytes, name: str):
        self.name = name
        try:
            self.zf = zipfile.ZipFile(io.BytesIO(data))
            infos = self.zf.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
            raise ReadError(f"DOCX 文件已损坏（ZIP 结构无效）：{name}") from None
        if len(infos) > Limits.max_zip_members:
            raise ReadError(f"DOCX 文件异常：包含 {len(infos)} 个部件，超过上限 {Limits.max_zip_members}：{name}")
        total = sum(i.file_size for i in infos)
        if total > Limits.max_zip_uncompressed:
            raise ReadError(f"DOCX 文件解压后过大（{total / 1e6:.0f} MB，上限 "
                            f"{Limits.max_zip_uncompressed / 1e6:.0f} MB），疑似压缩炸弹：{name}")
        for i in infos:
            if i.flag_bits & 0x1:
                raise ReadError(_encrypted_message(name), ErrorCode.ENCRYPTED)
            if i.file_size > 1_000_000 and i.file_size > Limits.max_zip_ratio * max(i.compress_size, 1):
                raise ReadError(f"DOCX 文件压缩比异常（{i.filename}），疑似压缩炸弹，已拒绝读取：{name}")
        self.names = {i.filename for i in infos}
        self._budget = Limits.max_zip_uncompressed

    def read(self, member: str) -> bytes | None:
        if member not in self.names:
            return None
        try:
            with self.zf.open(member) as f:
                out = f.read(self._budget + 1)
        except RuntimeError:  # zipfile: "File ... is encrypted, password required"
            raise ReadError(_encrypted_message(self.name), ErrorCode.ENCRYPTED) from None
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError):
            raise ReadError(f"DOCX 文件已损坏（部件 {member} 无法解压）：{self.name}") from None
        self._budget -= len(out)
        if self._budget < 0:
            raise ReadError(f"DOCX 文件解压后过大，疑似压缩炸弹：{self.name}", ErrorCode.FILE_TOO_LARGE)
        return out

    def xml(self, member: str):
        raw = self.read(member)
        if raw is None:
            raise ReadError(f"DOCX 文件已损坏（缺少 {member}）：{self.name}")
        try:
            root = etree.fromstring(raw, parser=_parser())
        except etree.XMLSyntaxError as e:
            raise ReadError(f"DOCX 文件已损坏（{member} 不是有效的 XML：{e}）：{self.name}") from None
        if root is None:
            raise ReadError(f"DOCX 文件已损坏（{member} 为空）：{self.name}")
        return root

    def optional_xml(self, member: str | None):
        if not member or member not in self.names:
            return None
        try:
            return self.xml(member)
        except ReadError:
            return None

    def _rels(self, rels_member: str, by: str = "Type") -> dict[str, str]:
        """Relationship type suffix (or Id) → target part name (resolved against its source)."""
        root = self.optional_xml(rels_member)
        out: dict[str, str] = {}
        if root is None:
            return out
        src_dir = PurePosixPath(rels_member).parent.parent
        for rel in root:
            if not isinstance(rel.tag, str) or (rel.get("TargetMode") or "") == "External":
                continue
            key = (rel.get(by) or "").rsplit("/", 1)[-1]
            target = rel.get("Target") or ""
            if not key or not target:
                continue
            path = target.lstrip("/") if target.startswith("/") else str(_norm(src_dir / target))
            out.setdefault(key, path)
        return out

    def main_document(self) -> str:
        target = self._rels("_rels/.rels").get("officeDocument")
        if target and target in self.names:
            return target
        if "word/document.xml" in self.names:
            return "word/document.xml"
        raise ReadError(f"DOCX 文件已损坏（找不到正文 word/document.xml）：{self.name}")

    def document_part(self, rtype: str) -> str | None:
        p = PurePosixPath(self.main_document())
        return self._rels(str(p.parent / "_rels" / (p.name + ".rels"))).get(rtype)

    def document_part_by_id(self, rid: str) -> str | None:
        p = PurePosixPath(self.main_document())
        return self._rels(str(p.parent / "_rels" / (p.name + ".rels")), by="Id").get(rid)

    def core_title(self) -> str | None:
        root = self.optional_xml(self._rels("_rels/.rels").get("core-properties") or "docProps/core.xml")
        if root is None:
            return None
        for el in root:
            if isinstance(el.tag, str) and el.tag.endswith("}title"):
                t = _WS.sub(" ", "".join(el.itertext())).strip()
                return t or None
        return None


def _norm(p: PurePosixPath) -> PurePosixPath:
    parts: list[str] = []
    for part in p.parts:
        if part == "..":
            if parts:
                parts.pop()
        elif part not in (".", ""):
            parts.append(part)
    return PurePosixPath(*parts) if parts else PurePosixPath(".")


# --------------------------------------------------------------------------- styles

class _Styles:
    """Paragraph style → (style hint, numbering properties)."""

    def __init__(self, parts: _Package):
        self.by_id: dict[str, object] = {}
        root = parts.optional_xml(parts.document_part("styles") or "word/styles.xml")
        if root is None:
            return
        for st in root:
            if _ln(st) == "style" and _wattr(st, "type") in (None, "paragraph"):
                sid = _wattr(st, "styleId")
                if sid:
                    self.by_id[sid] = st

    def _chain(self, style_id: str | None):
        seen = set()
        while style_id and style_id in self.by_id and style_id not in seen:
            seen.add(style_id)
            st = self.by_id[style_id]
            yield st
            based = _wchild(st, "basedOn")
            style_id = _wattr(based, "val") if based is not None else None

    def hint(self, style_id: str | None, outline: int | None) -> str | None:
        for st in self._chain(style_id):
            name_el = _wchild(st, "name")
            name = (_wattr(name_el, "val") or "").strip().lower() if name_el is not None else ""
            if name in ("title", "标题"):
                return "title"
            if re.fullmatch(r"(heading|标题)\s*\d", name):
                return "heading"
            lvl = _wchild(_wchild(st, "pPr"), "outlineLvl")
            if outline is None and lvl is not None:
                outline = _int(_wattr(lvl, "val"), 9)
        if outline is not None and 0 <= outline <= 8:
            return "heading"
        return None

    def numbering(self, style_id: str | None) -> tuple[str | None, int]:
        for st in self._chain(style_id):
            num_pr = _wchild(_wchild(st, "pPr"), "numPr")
            if num_pr is not None:
                num_id = _wchild(num_pr, "numId")
                ilvl = _wchild(num_pr, "ilvl")
                if num_id is not None:
                    return _wattr(num_id, "val"), _int(_wattr(ilvl, "val") if ilvl is not None else None, 0)
        return None, 0


# --------------------------------------------------------------------------- numbering

_CN_DIGITS = "零一二三四五六七八九"
_CN_LEGAL = "零壹贰叁肆伍陆柒捌玖"
_HEAVENLY = "甲乙丙丁戊己庚辛壬癸"
_ZODIAC = "子丑寅卯辰巳午未申酉戌亥"


def _chinese(n: int, digits: str = _CN_DIGITS, units: str = "十百千") -> str:
    if n <= 0 or n >= 10000:
        return str(n)
    out = ""
    zero = False
    for power, unit in ((1000, units[2]), (100, units[1]), (10, units[0]), (1, "")):
        d, n = divmod(n, power)
        if d:
            if zero:
                out += digits[0]
                zero = False
            out += digits[d] + unit
        elif out:
            zero = True
    if out.startswith(digits[1] + units[0]) and len(out) <= 3 and digits is _CN_DIGITS:
        out = out[1:]  # 十, 十一 … 十九 (not 一十一)
    return out


def _roman(n: int) -> str:
    if not 0 < n < 4000:
        return str(n)
    vals = ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"),
            (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))
    out = ""
    for v, s in vals:
        while n >= v:
            out += s
            n -= v
    return out


def _letters(n: int) -> str:
    if n <= 0:
        return str(n)
    return chr(ord("A") + (n - 1) % 26) * ((n - 1) // 26 + 1)


def format_number(n: int, fmt: str) -> str:
    """A list counter as Word renders it for ``w:numFmt``."""
    if fmt in ("chineseCounting", "chineseCountingThousand", "japaneseCounting", "taiwaneseCounting",
               "taiwaneseCountingThousand"):
        return _chinese(n)
    if fmt == "ideographDigital":
        return "".join("〇一二三四五六七八九"[int(d)] for d in str(n)) if n >= 0 else str(n)
    if fmt == "chineseLegalSimplified":
        return _chinese(n, _CN_LEGAL, "拾佰仟")
    if fmt == "ideographTraditional":
        return _HEAVENLY[(n - 1) % 10] if n > 0 else str(n)
    if fmt == "ideographZodiac":
        return _ZODIAC[(n - 1) % 12] if n > 0 else str(n)
    if fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese"):
        return chr(0x2460 + n - 1) if 1 <= n <= 20 else str(n)
    if fmt == "decimalEnclosedParen":
        return chr(0x2474 + n - 1) if 1 <= n <= 20 else f"({n})"
    if fmt == "decimalEnclosedFullstop":
        return chr(0x2488 + n - 1) if 1 <= n <= 20 else f"{n}."
    if fmt == "decimalFullWidth" or fmt == "decimalFullWidth2":
        return str(n).translate({ord(c): 0xFF10 + i for i, c in enumerate("0123456789")})
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt == "upperRoman":
        return _roman(n)
    if fmt == "lowerRoman":
        return _roman(n).lower()
    if fmt == "upperLetter":
        return _letters(n)
    if fmt == "lowerLetter":
        return _letters(n).lower()
    return str(n)


class _Numbering:
    """Renders Word's automatic list numbers (``w:numPr``) the way Word displays them.

    Counters belong to the abstract list; a ``w:num`` with ``w:startOverride`` restarts
    its levels the first time it is used. Bullets render as nothing.
    """

    def __init__(self, parts: _Package):
        self.abstract: dict[str, dict[int, dict]] = {}
        self.nums: dict[str, tuple[str, dict[int, dict], dict[int, int]]] = {}
        self.counters: dict[str, dict[int, int]] = {}
        self.started: set[str] = set()
        root = parts.optional_xml(parts.document_part("numbering") or "word/numbering.xml")
        if root is None:
            return
        for el in root:
            if _ln(el) == "abstractNum":
                self.abstract[_wattr(el, "abstractNumId") or ""] = {
                    _int(_wattr(lvl, "ilvl"), 0): self._level(lvl) for lvl in el if _ln(lvl) == "lvl"}
        for el in root:
            if _ln(el) == "num":
                aid = _wchild(el, "abstractNumId")
                levels: dict[int, dict] = {}
                starts: dict[int, int] = {}
                for ov in el:
                    if _ln(ov) != "lvlOverride":
                        continue
                    i = _int(_wattr(ov, "ilvl"), 0)
                    so = _wchild(ov, "startOverride")
                    if so is not None:
                        starts[i] = _int(_wattr(so, "val"), 1)
                    lvl = _wchild(ov, "lvl")
                    if lvl is not None:
                        levels[i] = self._level(lvl)
                self.nums[_wattr(el, "numId") or ""] = (_wattr(aid, "val") or "" if aid is not None else "",
                                                      levels, starts)

    @staticmethod
    def _level(lvl) -> dict:
        def val(name, default=None):
            c = _wchild(lvl, name)
            return _wattr(c, "val") if c is not None else default
        return {"start": _int(val("start"), 1), "fmt": val("numFmt", "decimal"),
                "text": val("lvlText"), "suff": val("suff", "tab"),
                "legal": _wchild(lvl, "isLgl") is not None}

    def prefix(self, num_id: str | None, ilvl: int) -> str:
        if not num_id or num_id == "0" or num_id not in self.nums:
            return ""
        aid, own_levels, starts = self.nums[num_id]
        levels = {**self.abstract.get(aid, {}), **own_levels}
        level = levels.get(ilvl)
        if level is None:
            return ""
        counters = self.counters.setdefault(aid, {})
        if num_id not in self.started:
            self.started.add(num_id)
            for i, s in starts.items():
                counters[i] = s - 1
                for deeper in [k for k in counters if k > i]:
                    del counters[deeper]
        counters[ilvl] = counters.get(ilvl, level["start"] - 1) + 1
        for deeper in [k for k in counters if k > ilvl]:
            del counters[deeper]
        if level["fmt"] == "bullet" or level["text"] is None:
            return ""

        def repl(m: re.Match) -> str:
            k = int(m.group(1)) - 1
            lv = levels.get(k, {"start": 1, "fmt": "decimal"})
            n = counters.get(k, lv["start"])
            return format_number(n, "decimal" if level["legal"] else lv["fmt"])

        text = re.sub(r"%([1-9])", repl, level["text"])
        if not text:
            return ""
        return text + {"tab": " ", "space": " "}.get(level["suff"], "")


# --------------------------------------------------------------------------- body

_SKIP = {"del", "moveFrom", "instrText", "delText", "delInstrText", "pPr", "rPr", "bookmarkStart",
         "bookmarkEnd", "proofErr", "permStart", "permEnd", "commentRangeStart", "commentRangeEnd",
         "commentReference", "footnoteReference", "endnoteReference", "annotationRef", "lastRenderedPageBreak",
         "fldChar", "sectPr", "sdtPr", "sdtEndPr", "tblPr", "tblGrid", "trPr", "tcPr"}
_WRAPPERS = {"sdt", "sdtContent", "customXml", "smartTag", "ins", "moveTo", "hyperlink", "fldSimple", "dir", "bdo"}


class _BodyWalker:
    def __init__(self, file: str, doc: GridDocument, styles: _Styles, numbering: _Numbering,
                 parts: _Package | None = None):
        self.parts = parts
        self.file = file
        self.doc = doc
        self.styles = styles
        self.numbering = numbering
        self.n_par = 0
        self.n_table = 0
        self.n_cells = 0

    # blocks ----------------------------------------------------------------
    def blocks(self, parent) -> None:
        for el in parent:
            ln = _ln(el)
            if ln == "p":
                self._paragraph(el)
            elif ln == "tbl":
                self._table(el)
            elif ln in ("sdt", "sdtContent", "customXml", "ins", "moveTo", "txbxContent"):
                self.blocks(el)
            elif ln == "altChunk":
                self._alt_chunk(el)
            elif _is_alternate(el):
                choice = _choice(el)
                if choice is not None:
                    self.blocks(choice)

    def _alt_chunk(self, el) -> None:
        """Content imported as a whole part (``w:altChunk``), e.g. HTML written by a web system."""
        rid = el.get(f"{{{_R_NS}}}id")
        member = self.parts.document_part_by_id(rid) if (self.parts is not None and rid) else None
        data = self.parts.read(member) if (member and self.parts is not None) else None
        if not data or member is None:
            self.doc.warnings.append("DOCX 中有嵌入内容（altChunk）但找不到对应部件，已跳过")
            return
        from .html import HtmlReader   # local import: the HTML reader is only needed here
        suffix = PurePosixPath(member).suffix.lower()
        if suffix in (".htm", ".html", ".xhtml") or HtmlReader.is_valid(Path("chunk"), data[:2048]):
            try:
                sub = HtmlReader().convert(Path(self.file), data)
            except ReadError as e:
                self.doc.warnings.append(f"DOCX 中嵌入的网页内容无法读取：{e}")
                return
        elif suffix == ".txt":
            from .encoding import decode_detailed
            text = decode_detailed(data).text
            sub = GridDocument(source=self.file, format="docx",
                               blocks=[Paragraph(line.strip()) for line in text.splitlines() if line.strip()])
        else:
            self.doc.warnings.append(f"DOCX 中嵌入了 {suffix or '未知'} 格式的内容（altChunk），未读取")
            return
        self.doc.warnings.extend(sub.warnings)
        for b in sub.blocks:
            if isinstance(b, Paragraph):
                self.n_par += 1
                b.source = Source(self.file, line=self.n_par)
            else:
                index = self.n_table
                self.n_table += 1
                b.source = Source(self.file, table=index)
                for c in b.cells:
                    c.source = Source(self.file, table=index, row=c.row, col=c.col)
            self.doc.blocks.append(b)

    def _paragraph(self, p) -> None:
        self.n_par += 1
        text, boxes = self.paragraph_text(p)
        text = text.strip()
        if text:
            self.doc.blocks.append(Paragraph(text, Source(self.file, line=self.n_par), self._style(p)))
        for box in boxes:
            self.blocks(box)

    def _style(self, p) -> str | None:
        ppr = _wchild(p, "pPr")
        ps = _wchild(ppr, "pStyle")
        lvl = _wchild(ppr, "outlineLvl")
        return self.styles.hint(_wattr(ps, "val") if ps is not None else None,
                                _int(_wattr(lvl, "val"), 9) if lvl is not None else None)

    def paragraph_text(self, p) -> tuple[str, list]:
        """The paragraph's displayed text (numbering prefix included) and its text boxes."""
        out: list[str] = []
        boxes: list = []
        self._runs(p, out, boxes)
        ppr = _wchild(p, "pPr")
        num_pr = _wchild(ppr, "numPr")
        ps = _wchild(ppr, "pStyle")
        num_id, ilvl = self.styles.numbering(_wattr(ps, "val") if ps is not None else None)
        if num_pr is not None:
            nid = _wchild(num_pr, "numId")
            lv = _wchild(num_pr, "ilvl")
            if nid is not None:
                num_id = _wattr(nid, "val")
            if lv is not None:
                ilvl = _int(_wattr(lv, "val"), 0)
        text = _WS.sub(" ", "".join(out))
        if num_id:
            prefix = self.numbering.prefix(num_id, ilvl)  # counts even when the text is empty
            if text.strip():
                text = prefix + text.strip()
        return text, boxes

    def _runs(self, el, out: list[str], boxes: list) -> None:
        for c in el:
            ln = _ln(c)
            if ln == "t":
                out.append(c.text or "")
            elif ln == "tab" or ln == "ptab":
                out.append("\t")
            elif ln == "br":
                if _wattr(c, "type") not in ("page", "column"):
                    out.append("\n")
            elif ln == "cr":
                out.append("\n")
            elif ln == "noBreakHyphen":
                out.append("-")
            elif ln == "sym":
                ch = _wattr(c, "char") or ""
                try:
                    cp = int(ch, 16)
                except ValueError:
                    continue
                if not 0xE000 <= cp <= 0xF8FF and cp >= 0x20:
                    out.append(chr(cp))
            elif ln == "txbxContent":
                boxes.append(c)
            elif ln in _SKIP:
                continue
            elif ln in ("r", "drawing", "pict", "object") or ln in _WRAPPERS:
                self._runs(c, out, boxes)
            elif _is_alternate(c):
                choice = _choice(c)
                if choice is not None:
                    self._runs(choice, out, boxes)
            elif isinstance(c.tag, str) and c.tag.startswith(f"{{{_M_NS}}}"):
                if c.tag == f"{{{_M_NS}}}t":
                    out.append(c.text or "")
                else:
                    self._runs(c, out, boxes)
            elif not ln and isinstance(c.tag, str):
                # drawing/VML wrappers (wp:inline, a:graphic, v:shape, …): look for text boxes
                self._runs(c, out, boxes)

    # tables ----------------------------------------------------------------
    def _table(self, tbl) -> None:
        rows = list(_rows(tbl))
        if any(_has_table(tc) for tr in rows for tc in _cells(tr)):
            for tr in rows:
                for tc in _cells(tr):
                    self.blocks(tc)
            return
        index = self.n_table
        cells: list[GridCell] = []
        owner: dict[tuple[int, int], GridCell] = {}
        for r, tr in enumerate(rows):
            trpr = _wchild(tr, "trPr")
            gb = _wchild(trpr, "gridBefore")
            col = max(0, _int(_wattr(gb, "val"), 0)) if gb is not None else 0
            for tc in _cells(tr):
                tcpr = _wchild(tc, "tcPr")
                gs = _wchild(tcpr, "gridSpan")
                span = max(1, min(_int(_wattr(gs, "val"), 1), 1000)) if gs is not None else 1
                vm = _wchild(tcpr, "vMerge")
                hm = _wchild(tcpr, "hMerge")
                text = self._cell_text(tc)
                self.n_cells += 1
                if self.n_cells > Limits.max_table_cells:
                    raise ReadError(f"DOCX 中的表格单元格过多（上限 {Limits.max_table_cells} 个）："
                                    f"{Path(self.file).name}")
                target = None
                if vm is not None and (_wattr(vm, "val") or "continue") == "continue":
                    above = owner.get((r - 1, col))
                    if above is not None and above.col == col and above.row + above.rowspan == r:
                        above.rowspan += 1
                        target = above
                elif hm is not None and (_wattr(hm, "val") or "continue") == "continue":
                    left = owner.get((r, col - 1))
                    if left is not None and left.row == r and left.col + left.colspan == col:
                        left.colspan += span
                        target = left
                if target is not None:
                    if text:
                        target.text = f"{target.text}\n{text}" if target.text else text
                else:
                    target = GridCell(text, r, col, 1, span, Source(self.file, table=index, row=r, col=col))
                    cells.append(target)
                for c in range(col, col + span):
                    owner[(r, c)] = target
                col += span
        if not cells:
            return
        self.n_table += 1
        self.doc.blocks.append(GridTable(cells, Source(self.file, table=index),
                                         columns_reliable=True, rows_reliable=True))

    def _cell_text(self, tc) -> str:
        lines: list[str] = []

        def walk(parent):
            for el in parent:
                ln = _ln(el)
                if ln == "p":
                    text, boxes = self.paragraph_text(el)
                    lines.extend(text.replace("\t", " ").split("\n"))
                    for box in boxes:
                        walk(box)
                elif ln in ("sdt", "sdtContent", "customXml", "ins", "moveTo"):
                    walk(el)
                elif _is_alternate(el):
                    choice = _choice(el)
                    if choice is not None:
                        walk(choice)

        walk(tc)
        return "\n".join(s for s in (_WS.sub(" ", line).strip() for line in lines) if s)


def _is_alternate(el) -> bool:
    return el.tag == f"{{{_MC_NS}}}AlternateContent"


def _choice(el):
    for c in el:
        if c.tag == f"{{{_MC_NS}}}Choice":
            return c
    for c in el:
        if c.tag == f"{{{_MC_NS}}}Fallback":
            return c
    return None


def _rows(tbl):
    for el in tbl:
        ln = _ln(el)
        if ln == "tr":
            yield el
        elif ln in ("sdt", "sdtContent", "customXml", "ins", "moveTo"):
            yield from _rows(el)


def _cells(tr):
    for el in tr:
        ln = _ln(el)
        if ln == "tc":
            yield el
        elif ln in ("sdt", "sdtContent", "customXml", "ins", "moveTo"):
            yield from _cells(el)


def _has_table(tc) -> bool:
    return next(tc.iter(*_TBL_TAGS), None) is not None
