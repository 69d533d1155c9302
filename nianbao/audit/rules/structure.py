"""Document structure: sections, titles, tables, cells, format version (format.md §2–§4, §8).

Owns: STR-SECTION (six sections present), STR-ORDER (in the standard order),
STR-SECTITLE (section titles vs the standard), STR-TITLE (the report title),
STR-TABLE (表二/三/四 present), STR-IMAGE (tables published only as images: not
readable, never zeros), STR-CELL-MISSING / STR-CELL-EXTRA (cells missing or extra),
STR-FORMAT (2019 tables in a 2021-or-later report; unrecognised format),
STR-OTHER-ROW (（六）其他处理 printed as one row in the 2021 format) and EXT-NOTE (what
nianbao could not read with certainty: the 需人工核对 list, channel ``reading``, with the
source location). Each extractor note code is declared in ``handles`` of exactly one
rule (tests check it), so a note never gives two findings. ``reading_keys()`` says
which cells are uncertain because of a reading problem (run.py uses it to report the
identities they touch once, in one line).
"""
from __future__ import annotations

from ...model import FORMAT_2019, FORMAT_2021, FORMAT_PRE2019, SECTION_IMPLIED, Note, Report
from ...normalize import KIND_ABSENT, norm_label, squash
from ...vocab import NoteCode as N
from .. import cells as C
from ..finding import ERROR, FAIL, INFO, NOT_ASSESSABLE, READING, REPORT, WARNING, Finding
from .base import Rule, note_handlers, register
from .labels import PUNCT, WORDING, compare_label

TABLE_SECTION = {"t2": "s2_proactive", "t3": "s3_requests", "t4": "s4_review_litigation"}


def _notes(report: Report, *codes: str) -> list[Note]:
    return [n for n in report.notes if n.code in codes]


def _nsrc(n: Note) -> list[dict]:
    return [n.source.to_dict()] if n.source is not None else []


def place_zh(n: Note) -> str:
    """Where in the source a note was made, in Chinese (第3页第12行), or ""."""
    if n.source is None:
        return ""
    d = n.source.describe()
    return f"（原文{d}）" if d else ""


# Note codes that mean "nianbao could not read this with certainty".
READING_CODES = {N.READER_WARNING, N.TABLES_UNREADABLE, N.OCR_LOW_CONFIDENCE, N.AMBIGUOUS_CELLS,
                 N.UNKNOWN_ROW, N.DUPLICATE_ROW, N.INFERRED_CELLS}


def _unplaced_tables(report: Report) -> set[str]:
    """Tables with a row nianbao could not place (its values may belong to a 'missing' row)."""
    out = set()
    for n in _notes(report, N.UNKNOWN_ROW, N.AMBIGUOUS_CELLS):
        where, _ = note_place(n)
        out.add(where.split(".", 1)[0].replace("t2v19", "t2"))
    return out


def reading_keys(report: Report) -> set[str]:
    """Cells whose value is uncertain because of a reading problem (not the unit's doing)."""
    keys: set[str] = set()
    if _notes(report, N.TABLES_UNREADABLE):
        keys.update(C.all_keys(report))
    for n in report.notes:
        if n.code in READING_CODES:
            keys.update(n.keys)
    unplaced = _unplaced_tables(report)
    for n in _notes(report, N.MISSING_ROW, "missing-cell"):
        where, _ = note_place(n)
        if where.split(".", 1)[0].replace("t2v19", "t2") in unplaced:
            keys.update(n.keys)
    for k, c in report.cells.items():
        if c.kind == C.KIND_INFERRED or (c.confidence < 0.5 and c.kind != KIND_ABSENT):
            keys.add(k)
    return keys


_TABLE_WORDS = {"表二": "t2", "表三": "t3", "表四": "t4"}


def note_place(n: Note) -> tuple[str, str]:
    """(where, display group) of an extractor note; "表二.licensing" becomes "t2.licensing"."""
    where = n.where or n.code
    for zh, t in _TABLE_WORDS.items():
        if where.startswith(zh):
            where = t + where[len(zh):]
    head = where.split(".", 1)[0]
    if head in ("t2", "t2v19", "t3", "t4"):
        return where, C.group_of(where)
    return where, "structure"


def _sec_title(key: str) -> str:
    return C.std().section(key).canonical


class StructureRule(Rule):
    family = "structure"
    group = "structure"


@register
class Sections(StructureRule):
    code = "STR-SECTION"
    severity = ERROR
    title = "六个部分齐全"
    description = "年报应有六个部分：总体情况、主动公开、收到和处理申请、行政复议行政诉讼、存在的主要问题及改进情况、其他需要报告的事项。缺少任何一部分即报告。"
    basis = "《政府信息公开条例》第五十条（年报内容）；国办公开办函〔2021〕30号格式；format.md §3.2、§10.2 R3。"
    handles = ("section-missing", N.EXTRA_SECTION)

    def check(self, report: Report) -> list[Finding]:
        if report.format_version == FORMAT_PRE2019:
            return []
        out = [self.finding(n.where or "sections", n.message.rstrip("。") + "。" + place_zh(n), severity=INFO,
                            evidence=n.evidence, sources=_nsrc(n)) for n in _notes(report, N.EXTRA_SECTION)]
        noted = {n.where: n for n in _notes(report, "section-missing")}
        for e in C.std().sections:
            if e.key in report.sections:
                continue
            n = noted.get(e.key)
            out.append(self.finding(e.key, f"缺少“{e.canonical}”部分。", expected=e.canonical, actual="未找到",
                                    evidence={"note": n.message} if n else {}, sources=_nsrc(n) if n else []))
        return out


@register
class SectionOrder(StructureRule):
    code = "STR-ORDER"
    severity = WARNING
    title = "各部分顺序与格式一致"
    description = "六个部分应按格式规定的顺序排列。"
    basis = "国办公开办函〔2021〕30号格式；format.md §3.2。"

    def check(self, report: Report) -> list[Finding]:
        if report.format_version == FORMAT_PRE2019:
            return []
        std_order = [e.key for e in C.std().sections]
        present = sorted((s for s in report.sections.values() if s.key in std_order), key=lambda s: s.index)
        got = [s.key for s in present]
        want = [k for k in std_order if k in got]
        if got == want:
            return []
        names = " → ".join(squash(s.title) if s.title else _sec_title(s.key) for s in present)
        return [self.finding("sections", f"各部分顺序与格式不一致：报告中为 {names}。",
                             expected=want, actual=got)]


@register
class SectionTitles(StructureRule):
    code = "STR-SECTITLE"
    severity = WARNING
    title = "各部分标题与标准一致"
    description = ("各部分标题与标准标题比对：措辞不同为警告；只是标点不同为提示。序号写法（文字处理软件自动编号在文本中"
                   "显示为“1、”）、空格和换行是版式，不提示。某部分未印标题、内容由其第一个小标题开始（如“（一）上年度问题整改情况”）时为警告。")
    basis = "国办公开办函〔2021〕30号格式的六个标题；format.md §3.2、§8.1。"

    def check(self, report: Report) -> list[Finding]:
        if report.format_version == FORMAT_PRE2019:
            return []
        out = []
        for e in C.std().sections:
            s = report.sections.get(e.key)
            if s is not None and s.variant == SECTION_IMPLIED:
                opening = squash(s.text.split("\n", 1)[0])
                out.append(self.finding(e.key, f"“{e.canonical}”部分未印出标题，其内容从“{opening}”开始。",
                                        expected=e.canonical, actual="（无标题）",
                                        sources=[s.source.to_dict()] if s.source is not None else []))
                continue
            if s is None or not s.title:
                continue
            printed = C.tidy(s.title)
            cls = compare_label(printed, e.canonical)
            src = [s.source.to_dict()] if s.source is not None else []
            if cls == WORDING:
                known = "（常见变体）" if norm_label(printed) in {norm_label(v) for v in e.variants} else ""
                out.append(self.finding(e.key, f"标题印为“{printed}”，标准标题为“{e.canonical}”{known}。",
                                        expected=e.canonical, actual=printed, sources=src,
                                        evidence={"variant": s.variant}))
            elif cls == PUNCT:
                out.append(self.finding(e.key, f"标题印为“{printed}”，标准标题为“{e.canonical}”，仅标点不同。",
                                        severity=INFO, expected=e.canonical, actual=printed, sources=src))
        return out


@register
class ReportTitle(StructureRule):
    code = "STR-TITLE"
    severity = WARNING
    title = "报告标题规范"
    description = ("报告应有标题“{机关全称}{年份}年政府信息公开工作年度报告”；缺少标题为警告。"
                   "标题中的空格、断行是版式，不提示。")
    basis = "format.md §3.1（标题惯例，样本001无标题）。"
    handles = (N.TITLE_MISSING,)

    def check(self, report: Report) -> list[Finding]:
        pattern = C.std().title_pattern
        n = next(iter(_notes(report, "title-missing")), None)
        if not report.title:
            return [self.finding("title", "报告没有标题行（应为“机关全称+年份+年" + pattern + "”）" +
                                 (place_zh(n) if n else "") + "。",
                                 expected=f"{{机关全称}}{{年份}}年{pattern}", actual=None,
                                 sources=_nsrc(n) if n else [])]
        t = C.tidy(report.title)
        if norm_label(pattern) not in norm_label(t):
            return [self.finding("title", f"标题“{t}”不含“{pattern}”。", expected=pattern, actual=t)]
        return []


@register
class Tables(StructureRule):
    code = "STR-TABLE"
    severity = ERROR
    title = "表二、表三、表四齐全"
    description = ("报告应包含表二（主动公开）、表三（收到和处理申请）、表四（行政复议、行政诉讼）三张表；缺表即为错误（若表格是图片，见STR-IMAGE）。"
                   "原文印有该表的行列名称却没有读成表格时是读取问题（需人工核对），不作为缺表。")
    basis = "国办公开办函〔2021〕30号格式；format.md §4、§10.2 R4。"
    handles = (N.TABLE_MISSING,)

    def check(self, report: Report) -> list[Finding]:
        if report.format_version == FORMAT_PRE2019 or _image_only(report):
            return []
        out = []
        noted = {n.where: n for n in _notes(report, "table-missing")}
        for t in ("t2", "t3", "t4"):
            if _table_present(report, t):
                continue
            n = noted.get(t)
            sec = _sec_title(TABLE_SECTION[t])
            printed = list(n.evidence.get("printed_labels") or ()) if n else []
            if printed:
                shown = "“" + "”“".join(sorted(printed, key=len)[:4]) + "”"
                out.append(self.finding(t, f"未能读取{C.TABLE_ZH[t]}：原文印有该表的行列名称（如{shown}），但没有读成表格"
                                        f"（可能在转换中被拆成了文字），请对照原文核对；不作为报告缺表。",
                                        severity=WARNING, status=NOT_ASSESSABLE, channel=READING, group=t,
                                        evidence={"labels": printed}, sources=_nsrc(n) if n else []))
                continue
            out.append(self.finding(t, f"未找到{C.TABLE_ZH[t]}（“{sec}”部分的表格），该表数据缺失，未按0处理。",
                                    group=t, expected="表格", actual="未找到",
                                    sources=_nsrc(n) if n else []))
        return out


def _table_present(report: Report, table: str) -> bool:
    if report.tables_found.get(table):
        return True
    prefixes = ("t2.", "t2v19.") if table == "t2" else (table + ".",)
    return any(k.startswith(prefixes) and c.kind != KIND_ABSENT for k, c in report.cells.items())


def _image_only(report: Report) -> bool:
    if _notes(report, N.TABLES_UNREADABLE):
        return True
    return False


@register
class ImageTables(StructureRule):
    code = "STR-IMAGE"
    severity = WARNING
    channel = READING
    title = "表格无法读取（仅以图片发布）"
    description = ("表格以图片形式发布、文本中只有标题没有数据时，表格无法机读：列入需人工核对，勾稽关系报告为无法核对"
                   "（一行说明），绝不当作全部为0，也不当作报告的错误。")
    basis = "format.md §8.1（浑南区国资局等2022年报仅有图片表格）、§10.2 R4（可获取性）。"
    handles = (N.TABLES_UNREADABLE,)

    def check(self, report: Report) -> list[Finding]:
        ns = _notes(report, N.TABLES_UNREADABLE)
        if not ns:
            return []
        n = ns[0]
        return [self.finding("tables", f"表格无法读取{place_zh(n)}：{n.message.rstrip('。')}。表格可能以图片形式发布，"
                             "请对照原件人工核对，未按0处理。",
                             status=NOT_ASSESSABLE, expected="可机读的表格", actual="图片或无数据",
                             evidence={"notes": [x.message for x in ns]}, sources=_nsrc(n))]


@register
class MissingCells(StructureRule):
    code = "STR-CELL-MISSING"
    severity = ERROR
    title = "表格单元格缺失"
    description = "表格存在但部分单元格没有印出（行缺失或列数不足）时报告缺失的单元格；缺失不按0处理。"
    basis = "format.md §4（表二10个、表三175个、表四15个单元格）、§10.2 R4。"
    handles = (N.MISSING_ROW, "missing-cell")

    def check(self, report: Report) -> list[Finding]:
        if report.format_version == FORMAT_PRE2019 or _image_only(report):
            return []
        out = []
        covered: set[str] = set()
        unplaced = _unplaced_tables(report)
        single = report.format_version == FORMAT_2021 and bool(_notes(report, N.OTHER_SINGLE_ROW))
        for t in ("t2", "t3", "t4"):
            if not _table_present(report, t):
                continue
            keys = C.table_keys(report, t)
            miss = [k for k in keys if k not in report.cells or report.cells[k].kind == KIND_ABSENT]
            if single:
                miss = [k for k in miss if not (k.startswith("t3.other.no_correction.") or k.startswith("t3.other.no_fee."))]
            if not miss:
                continue
            covered.update(miss)
            names = "、".join(C.describe(report, k) for k in miss[:5]) + (f"等{len(miss)}个" if len(miss) > 5 else "")
            if t in unplaced:
                # a row nianbao could not place is probably this one: a reading problem
                out.append(self.finding(t, f"{C.TABLE_ZH[t]}有{len(miss)}个单元格未能读取（{names}）；表中另有无法识别的行，"
                                        "可能就是这些行，请对照原件人工核对。未按0处理。", severity=WARNING,
                                        channel=READING, status=NOT_ASSESSABLE,
                                        cells=[C.cell_info(report, k) for k in miss],
                                        expected=len(keys), actual=len(keys) - len(miss)))
                continue
            out.append(self.finding(t, f"{C.TABLE_ZH[t]}缺少{len(miss)}个单元格：{names}。缺失不按0处理。", group=t,
                                    cells=[C.cell_info(report, k) for k in miss],
                                    expected=len(keys), actual=len(keys) - len(miss)))
        for n in _notes(report, "missing-cell", N.MISSING_ROW):
            if not n.keys or set(n.keys) <= covered:
                continue
            if single and n.where in ("t3.other.no_correction", "t3.other.no_fee"):
                continue
            where, grp = note_place(n)
            out.append(self.finding(where, n.message.rstrip("。") + place_zh(n) + "。", group=grp,
                                    confidence=n.confidence,
                                    cells=[C.cell_info(report, k) for k in n.keys if k in report.cells],
                                    evidence=n.evidence, sources=_nsrc(n)))
        return out


@register
class ExtraCells(StructureRule):
    code = "STR-CELL-EXTRA"
    severity = WARNING
    title = "表格有多余单元格"
    description = "某行印出的数值多于表头列数（如样本004“行政许可”在一列表头下印了“0 0 0”），按表头取值并提示人工核对。"
    basis = "format.md §8.1（样本004）、§8.2。"
    handles = (N.EXTRA_CELL,)

    def check(self, report: Report) -> list[Finding]:
        out = []
        for n in _notes(report, N.EXTRA_CELL):
            where, grp = note_place(n)
            # 表二 prints values beyond a one-column header (the unit's doing); in 表三 nianbao had to
            # choose which values belong to the row: a reading uncertainty
            ch = REPORT if n.confidence >= 0.9 else READING
            out.append(self.finding(where, f"{n.message.rstrip('。')}{place_zh(n)}。", group=grp, confidence=n.confidence,
                                    channel=ch,
                                    cells=[C.cell_info(report, k) for k in n.keys if k in report.cells],
                                    expected=len(n.keys), actual=len(n.keys) + len(n.evidence.get("extra", [])),
                                    evidence=n.evidence, sources=_nsrc(n)))
        return out


@register
class FormatVersion(StructureRule):
    code = "STR-FORMAT"
    severity = ERROR
    title = "使用现行年报格式"
    description = ("报告年度为2021年及以后的，应使用2021年格式（国办公开办函〔2021〕30号）；仍使用2019年试行格式的表二"
                   "（本年新制作数量、上一年项目数量、第二十条第（九）项等）即“未按新格式”。无法识别格式时报告为无法核对。")
    basis = "国办公开办函〔2021〕30号；国办公开办函〔2019〕60号；format.md §2.1 第4条、§10.2 R2。"
    handles = (N.PRE2019, N.NOT_A_REPORT)

    def check(self, report: Report) -> list[Finding]:
        v, y = report.format_version, report.year
        if v is None:
            if not report.sections and not any(c.kind != KIND_ABSENT for c in report.cells.values()):
                return [self.finding("format", "未识别出年度报告的任何部分或表格，可能不是政府信息公开工作年度报告，未作其他核对。",
                                     severity=WARNING, status=NOT_ASSESSABLE, expected="年度报告", actual=None)]
            return [self.finding("format", "无法识别年报格式（既不像2021年格式，也不像2019年格式或2019年以前的格式），表格未能核对。",
                                 severity=WARNING, status=NOT_ASSESSABLE, expected="2021", actual=None)]
        if v == FORMAT_2019 and y is not None and y >= 2021:
            return [self.finding("format", f"{y}年度报告仍使用2019年试行格式的表格（未按新格式），应使用国办公开办函〔2021〕30号格式。",
                                 expected="2021", actual=v)]
        if v == FORMAT_PRE2019 and y is not None and y >= 2019:
            return [self.finding("format", f"{y}年度报告没有国家统一格式的表格，使用的是2019年以前的统计表格式。",
                                 expected="2021" if y >= 2021 else "2019", actual=v)]
        if v == FORMAT_2021 and y is not None and y <= 2020:
            return [self.finding("format", f"{y}年度报告使用了2021年格式；该年度应使用2019年试行格式。",
                                 severity=INFO, expected="2019", actual=v)]
        if v == FORMAT_PRE2019:
            return [self.finding("format", "2019年以前格式的报告：没有国家统一表格，勾稽关系等表格核对不适用。",
                                 severity=INFO, status=NOT_ASSESSABLE, expected=None, actual=v)]
        return []


@register
class OtherSingleRow(StructureRule):
    code = "STR-OTHER-ROW"
    severity = WARNING
    title = "（六）其他处理未分三个子行"
    description = "2021年格式的表三“（六）其他处理”应分为逾期不补正、逾期未缴费、其他三个子行；只印一行时数值记在“3.其他”，另两行为空。"
    basis = "国办公开办函〔2021〕30号格式表三；format.md §2.2、cells.md。"
    handles = (N.OTHER_SINGLE_ROW,)

    def check(self, report: Report) -> list[Finding]:
        if report.format_version != FORMAT_2021:
            return []
        return [self.finding(n.where or "t3.other", n.message.rstrip("。") + "；表三勾稽关系按这一行核对。", group="t3",
                             evidence=n.evidence, cells=[C.cell_info(report, k) for k in n.keys if k in report.cells],
                             sources=_nsrc(n), confidence=n.confidence)
                for n in _notes(report, N.OTHER_SINGLE_ROW)]


# Reading observations that need a person; the others are only for the record.
_NOTE_SEVERITY: dict[str, str] = {N.UNKNOWN_ROW: WARNING, N.DUPLICATE_ROW: WARNING, N.AMBIGUOUS_CELLS: WARNING,
                  N.OCR_LOW_CONFIDENCE: WARNING, N.INFERRED_CELLS: WARNING, N.READER_WARNING: WARNING}


@register
class ExtractorNotes(StructureRule):
    code = "EXT-NOTE"
    severity = INFO
    channel = READING
    title = "需人工核对的读取情况"
    description = ("nianbao未能确定读取结果的情况，列入需人工核对清单并注明原文位置：无法识别的行、重复的行、数值无法分配到行、"
                   "OCR识别置信度低、连写数字按勾稽关系拆分、读取器的警告；以及仅供参考的情况（表格列错位已按行对齐、"
                   "表四列组顺序、发布机关或年度系推断所得）。这些不是报告单位的错误。")
    basis = "提取器的Note记录（nianbao.model.Note、nianbao.vocab.NoteCode）；format.md §8.1 版式噪声。"
    handles = (N.READER_WARNING, N.OCR_LOW_CONFIDENCE, N.AMBIGUOUS_CELLS, N.SHIFTED_COLUMNS, N.COLUMN_ORDER,
               N.UNKNOWN_ROW, N.DUPLICATE_ROW, N.INFERRED_CELLS, N.AGENCY_INFERRED, N.YEAR_INFERRED)

    def check(self, report: Report) -> list[Finding]:
        out = []
        declared = note_handlers()
        for n in report.notes:
            owner = declared.get(str(n.code))
            if owner and owner != [self.code]:
                continue          # another rule reports it
            where, _ = note_place(n)
            sev: str = _NOTE_SEVERITY.get(str(n.code), INFO)
            out.append(self.finding(where, n.message.rstrip("。") + place_zh(n) + "。",
                                    severity=sev, status=NOT_ASSESSABLE if sev == WARNING else FAIL,
                                    confidence=n.confidence, evidence={"note": str(n.code), **n.evidence},
                                    cells=[C.cell_info(report, k) for k in n.keys[:10] if k in report.cells],
                                    sources=_nsrc(n)))
        return out
