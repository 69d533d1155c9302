"""The extraction pipeline: sections → metadata → version → tables → run-together digits →
completeness notes.

Owns the order of the steps and the final shape of a ``Report``: every key of the
detected format present (absent cells recorded as such), and notes for missing tables,
tables published only as images, and missing sections.
"""
from __future__ import annotations

from ..grid import GridDocument, GridTable, Paragraph
from ..model import FORMAT_2019, FORMAT_2021, FORMAT_PRE2019, CellValue, Report
from ..normalize import KIND_ABSENT, fold, norm_label
from ..standard import load
from . import digits, meta, sections, tables, version
from .rows import logical_rows


def run(doc: GridDocument) -> Report:
    std = load()
    blocks = sections.split_run_in(doc.blocks, std.sections)
    blocks = doc.blocks = sections.lift_headings(blocks, std.section_matcher, [s.key for s in std.sections])
    report = Report(source=doc.source, input_format=doc.format)
    report.full_text = "\n".join(b.text for b in blocks if isinstance(b, Paragraph))
    for w in doc.warnings:
        report.note("reader-warning", w, where="file")

    heads = sections.find_headings(blocks, std.section_matcher, [s.key for s in std.sections],
                                   frozenset(lay.section for lay in std.layouts.values()))
    table_text = "".join(fold(c.text) for t in doc.tables for c in t.cells)
    all_text = fold(report.full_text) + table_text
    # pre-2019 reports use other section titles
    pre_heads = []
    if len(heads) < 4 or any(m in all_text for m in std.version_markers[FORMAT_PRE2019][:10]):
        pre_heads = sections.find_headings(blocks, std.pre2019_section_matcher, [s.key for s in std.pre2019_sections])
    report.preamble, report.sections = sections.split_sections(blocks, heads)
    for i, text in sections.extra_sections(blocks, heads):
        report.note("extra-section", f"报告含有标准格式以外的部分“{text}”，其内容已保留", where="sections",
                    source=blocks[i].source, evidence={"heading": text})
    first = heads[0].block if heads else len(blocks)
    meta.fill_meta(report, blocks, first, doc.title_hint, doc.date_hint)

    ver, evidence = version.detect(std, table_text, all_text, report.year)
    report.format_version = ver
    if ver == FORMAT_PRE2019:
        if len(pre_heads) > len(heads):
            report.preamble, report.sections = sections.split_sections(blocks, pre_heads)
        report.pre2019_items = _pre2019_items(doc.tables)
        report.note("pre2019", "2019 年以前的自由格式报告：没有全国统一表格，按文本与统计指标保存", where="format",
                    evidence=evidence)
        return report
    if ver is None:
        report.note("not-a-report", "未识别出年度报告的表格或章节，可能不是政府信息公开工作年度报告", where="format",
                    evidence=evidence, confidence=0.5)
        return report

    ctx = tables.classify(std, doc.tables, _text_before(blocks))
    mapper = tables.Mapper(std, report, ver)
    report.tables_found = {
        "t2": tables.map_t2(std, ctx.rows[tables.T2], mapper),
        "t3": tables.map_t3(std, ctx.rows[tables.T3], mapper),
        "t4": tables.map_t4(std, ctx.rows[tables.T4], ctx.tables[tables.T4], mapper),
    }
    mapper.finish()
    # rows whose cells ran together: split where only one split fits
    digits.infer_runs(report, std, ver, digits.run_after(blocks, ctx.tables[tables.T4], len(std.t4_keys)))
    _complete(report, std, ver, doc, all_text)
    from .confidence import flag_low_confidence    # cells the reader was not sure of: notes
    flag_low_confidence(report, doc)
    return report


def _text_before(blocks: list) -> dict[int, str]:
    """Per table, the folded text of the paragraphs between it and the previous table
    (at most 8); "" when it follows a table directly (a table split by a page break)."""
    out: dict[int, str] = {}
    for i, b in enumerate(blocks):
        if isinstance(b, GridTable):
            prev: list[str] = []
            for x in reversed(blocks[max(0, i - 8):i]):
                if isinstance(x, GridTable):
                    break
                prev.insert(0, x.text)
            out[id(b)] = fold("".join(prev))
    return out


def _complete(report: Report, std, ver: str, doc: GridDocument, all_text: str) -> None:
    """Every key of the format present; notes for what the document does not print."""
    names = {"t2": "表二（主动公开政府信息情况）", "t3": "表三（收到和处理政府信息公开申请情况）",
             "t4": "表四（政府信息公开行政复议、行政诉讼情况）"}
    if not any(report.tables_found.values()):
        report.note("tables-unreadable",
                    "文档中没有可读取的表格（可能以图片形式发布），表格数据不可评估，不按 0 处理",
                    where="tables", evidence={"tables_in_source": len(doc.tables)})
    else:
        for t, ok in report.tables_found.items():
            if not ok:
                printed = printed_labels(std, ver, t, all_text)
                report.note("table-missing", f"未找到{names[t]}" + ("（但原文印有该表的行列名称）" if printed else ""),
                            where=t, evidence={"printed_labels": printed} if printed else {})
    missing_rows: dict[str, list[str]] = {}
    for k in std.all_keys(ver):
        if k not in report.cells:
            report.cells[k] = CellValue(key=k, value=None, kind=KIND_ABSENT)
            table = k.split(".")[0]
            if report.tables_found.get("t2" if table.startswith("t2") else table):
                row = ".".join(k.split(".")[:-1])
                missing_rows.setdefault(row, []).append(k)
    for row, keys in missing_rows.items():
        label, _ = std.label_of(keys[0], ver)
        report.note("missing-row", f"未找到“{label}”行，相应单元格缺失", where=row, keys=keys)
    # keep the contract's key order
    order = std.all_keys(ver)
    report.cells = {k: report.cells[k] for k in order} | {k: v for k, v in report.cells.items() if k not in order}


# A table is printed but was not read as one when the document shows this many of the
# table's own labels, of which this many are column headers, or this many of its row
# labels: narrative text names a row now and then (本年新收政府信息公开申请数量), never the
# headers of a table nor half a dozen of its rows.
PRINTED_LABELS_MIN = 4
PRINTED_COLUMNS_MIN = 2
PRINTED_ROWS_MIN = 6
LABEL_CHARS_MIN = 3       # 总计, 其他, 规章 are words of any text: not evidence of a table


def printed_labels(std, ver: str, table: str, folded_text: str) -> list[str]:
    """The labels of ``table`` (as the standard prints them) that the document's text or
    its unread table cells print, when they show the table is there; else []."""
    row_entries, col_entries, _ = std.table_entries(table, ver)
    rows, cols = [e.canonical for e in row_entries], [e.canonical for e in col_entries]

    def shown(labels: list[str]) -> list[str]:
        return [x for x in dict.fromkeys(labels)
                if len(norm_label(x)) >= LABEL_CHARS_MIN and norm_label(x) in folded_text]
    found_cols, found_rows = shown(cols), shown(rows)
    by_columns = len(found_cols) >= PRINTED_COLUMNS_MIN and len(found_cols) + len(found_rows) >= PRINTED_LABELS_MIN
    if not by_columns and len(found_rows) < PRINTED_ROWS_MIN:
        return []
    return found_cols + found_rows


def _pre2019_items(tbls: list[GridTable]) -> list[dict]:
    items = []
    for t in tbls:
        for r in logical_rows(t):
            if not r.labels or not r.filled_values():
                continue
            unit = None
            labels = [c.text for c in r.labels]
            if len(labels) >= 2 and len(fold(labels[-1])) <= 3:
                unit = labels[-1]
                labels = labels[:-1]
            items.append({"label": labels[-1].strip(), "unit": unit,
                          "values": [c.text for c in r.values if c.text.strip()],
                          "source": r.labels[0].source.to_dict() if r.labels[0].source else None})
    return items
