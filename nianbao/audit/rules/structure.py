"""Document structure: sections, titles, tables, cells, format version (format.md §2–§4, §8).

Owns: STR-SECTION (six sections present), STR-ORDER (in the standard order),
STR-SECTITLE (section titles vs the standard), STR-TITLE (the report title),
STR-TABLE (表二/三/四 present), STR-IMAGE (tables published only as images: not
readable, never zeros), STR-CELL-MISSING / STR-CELL-EXTRA (cells missing or extra),
STR-FORMAT (2019 tables in a 2021-or-later report; unrecognised format),
STR-OTHER-ROW (（六）其他处理 printed as one row in the 2021 format) and EXT-NOTE (other
extractor observations). Extractor notes (section-missing, title-missing,
table-missing, tables-unreadable, missing-cell, extra-cell, other-single-row …) are
turned into these findings, without duplicates.
"""
from __future__ import annotations

from ...model import FORMAT_2019, FORMAT_2021, FORMAT_PRE2019, Note, Report
from ...normalize import KIND_ABSENT, fold, norm_label, split_ordinal, squash
from .. import cells as C
from ..finding import ERROR, INFO, NOT_ASSESSABLE, WARNING, Finding
from .base import Rule, register
from .labels import PUNCT, WORDING, compare_label

TABLE_SECTION = {"t2": "s2_proactive", "t3": "s3_requests", "t4": "s4_review_litigation"}


def _notes(report: Report, *codes: str) -> list[Note]:
    return [n for n in report.notes if n.code in codes]


def _nsrc(n: Note) -> list[dict]:
    return [n.source.to_dict()] if n.source is not None else []


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

    def check(self, report: Report) -> list[Finding]:
        if report.format_version == FORMAT_PRE2019:
            return []
        out = []
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
    description = "各部分标题与标准标题比对：措辞不同为警告；只是序号写法（如“1、”代替“一、”）、标点或空格不同为提示。"
    basis = "国办公开办函〔2021〕30号格式的六个标题；format.md §3.2、§8.1。"

    def check(self, report: Report) -> list[Finding]:
        if report.format_version == FORMAT_PRE2019:
            return []
        out, ordinals = [], []
        for e in C.std().sections:
            s = report.sections.get(e.key)
            if s is None or not s.title:
                continue
            printed = squash(s.title)
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
            ord_p = split_ordinal(fold(printed))[0]
            ord_c = split_ordinal(fold(e.canonical))[0]
            if ord_p and ord_c and ord_p != ord_c:
                ordinals.append((e.key, printed))
        if ordinals:
            shown = "、".join(f"“{p}”" for _, p in ordinals[:3])
            out.append(self.finding("sections", f"{len(ordinals)}个部分标题的序号写法与标准不同（如{shown}，标准为“一、”“二、”……），"
                                    "多为文字处理软件自动编号所致。", severity=INFO,
                                    expected="一、…六、", actual=[p for _, p in ordinals]))
        return out


@register
class ReportTitle(StructureRule):
    code = "STR-TITLE"
    severity = WARNING
    title = "报告标题规范"
    description = "报告应有标题“{机关全称}{年份}年政府信息公开工作年度报告”；缺少标题为警告，标题中有多余空格或断行为提示。"
    basis = "format.md §3.1（标题惯例，样本001无标题、样本002标题断开）。"

    def check(self, report: Report) -> list[Finding]:
        pattern = C.std().title_pattern
        n = next(iter(_notes(report, "title-missing")), None)
        if not report.title:
            return [self.finding("title", "报告没有标题行（应为“机关全称+年份+年" + pattern + "”）。",
                                 expected=f"{{机关全称}}{{年份}}年{pattern}", actual=None,
                                 sources=_nsrc(n) if n else [])]
        t = squash(report.title)
        if pattern not in fold(t):
            return [self.finding("title", f"标题“{t}”不含“{pattern}”。", expected=pattern, actual=t)]
        if pattern not in t:
            return [self.finding("title", f"标题“{t}”中有多余空格或断行。", severity=INFO,
                                 expected=fold(t), actual=t)]
        return []


@register
class Tables(StructureRule):
    code = "STR-TABLE"
    severity = ERROR
    title = "表二、表三、表四齐全"
    description = "报告应包含表二（主动公开）、表三（收到和处理申请）、表四（行政复议、行政诉讼）三张表；缺表即为错误（若表格是图片，见STR-IMAGE）。"
    basis = "国办公开办函〔2021〕30号格式；format.md §4、§10.2 R4。"

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
    if _notes(report, "tables-unreadable"):
        return True
    return False


@register
class ImageTables(StructureRule):
    code = "STR-IMAGE"
    severity = ERROR
    title = "表格无法读取（仅以图片发布）"
    description = "表格以图片形式发布、文本中只有标题没有数据时，表格无法机读：报告为无法核对，绝不当作全部为0。"
    basis = "format.md §8.1（浑南区国资局等2022年报仅有图片表格）、§10.2 R4（可获取性）。"

    def check(self, report: Report) -> list[Finding]:
        ns = _notes(report, "tables-unreadable")
        if not ns:
            return []
        n = ns[0]
        return [self.finding("tables", f"表格无法读取：{n.message}。表格可能以图片形式发布，数据无法核对，未按0处理。",
                             status=NOT_ASSESSABLE, expected="可机读的表格", actual="图片或无数据",
                             evidence={"notes": [x.message for x in ns]}, sources=_nsrc(n))]


@register
class MissingCells(StructureRule):
    code = "STR-CELL-MISSING"
    severity = ERROR
    title = "表格单元格缺失"
    description = "表格存在但部分单元格没有印出（行缺失或列数不足）时报告缺失的单元格；缺失不按0处理。"
    basis = "format.md §4（表二10个、表三175个、表四15个单元格）、§10.2 R4。"

    def check(self, report: Report) -> list[Finding]:
        if report.format_version == FORMAT_PRE2019 or _image_only(report):
            return []
        out = []
        covered: set[str] = set()
        for t in ("t2", "t3", "t4"):
            if not _table_present(report, t):
                continue
            keys = C.table_keys(report, t)
            miss = [k for k in keys if k not in report.cells or report.cells[k].kind == KIND_ABSENT]
            if report.format_version == FORMAT_2021 and _notes(report, "other-single-row"):
                miss = [k for k in miss if not (k.startswith("t3.other.no_correction.") or k.startswith("t3.other.no_fee."))]
            if not miss:
                continue
            covered.update(miss)
            names = "、".join(C.describe(report, k) for k in miss[:5]) + (f"等{len(miss)}个" if len(miss) > 5 else "")
            out.append(self.finding(t, f"{C.TABLE_ZH[t]}缺少{len(miss)}个单元格：{names}。缺失不按0处理。", group=t,
                                    cells=[C.cell_info(report, k) for k in miss],
                                    expected=len(keys), actual=len(keys) - len(miss)))
        for n in _notes(report, "missing-cell"):
            if n.keys and set(n.keys) <= covered:
                continue
            where, grp = note_place(n)
            out.append(self.finding(where, n.message, group=grp,
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

    def check(self, report: Report) -> list[Finding]:
        out = []
        for n in _notes(report, "extra-cell"):
            where, grp = note_place(n)
            out.append(self.finding(where, f"{n.message.rstrip('。')}。", group=grp, confidence=n.confidence,
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

    def check(self, report: Report) -> list[Finding]:
        if report.format_version != FORMAT_2021:
            return []
        return [self.finding(n.where or "t3.other", n.message + "。", group="t3", evidence=n.evidence,
                             cells=[C.cell_info(report, k) for k in n.keys if k in report.cells],
                             sources=_nsrc(n), confidence=n.confidence)
                for n in _notes(report, "other-single-row")]


_HANDLED = {"section-missing", "title-missing", "table-missing", "tables-unreadable", "missing-cell", "extra-cell",
            "other-single-row", "label-variant", "label-fuzzy", "blank-cell", "split-label"}
_NOTE_SEVERITY = {"unknown-row": WARNING, "duplicate-row": WARNING, "ambiguous-cells": WARNING,
                  "ocr-low-confidence": WARNING}


@register
class ExtractorNotes(StructureRule):
    code = "EXT-NOTE"
    severity = INFO
    title = "提取过程中的其他观察"
    description = ("提取器记录的其他情况：表格列错位已按行对齐、无法识别的行、重复的行、发布机关或年度系推断所得、"
                   "OCR识别置信度低等。无法识别或重复的行、OCR低置信度为警告，其余为提示。")
    basis = "提取器的Note记录（nianbao.model.Note）；format.md §8.1 版式噪声。"

    def check(self, report: Report) -> list[Finding]:
        out = []
        for n in report.notes:
            if n.code in _HANDLED:
                continue
            where, grp = note_place(n)
            grp = "meta" if grp == "structure" else grp
            out.append(self.finding(where, n.message, severity=_NOTE_SEVERITY.get(n.code, INFO),
                                    group=grp, confidence=n.confidence, evidence={"note": n.code, **n.evidence},
                                    cells=[C.cell_info(report, k) for k in n.keys[:10] if k in report.cells],
                                    sources=_nsrc(n)))
        return out
