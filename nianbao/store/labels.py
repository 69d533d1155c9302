"""Chinese names for the store's tables, columns and analysis results.

Owns the display vocabulary shared by the exports (Excel sheet names and headers) and
the CLI (table headers): ``TABLE_ZH`` (table → sheet name), ``COLUMN_ZH`` (column →
header) and ``zh_columns(df)``. Column names in the database, Parquet and CSV stay
English (stable for SQL); only human-facing outputs use these.
"""
from __future__ import annotations

TABLE_ZH = {
    "reports": "报告",
    "cells": "单元格",
    "sections": "章节",
    "findings": "审核发现",
    "notes": "提取说明",
    "legacy_items": "旧格式统计项",
    "errors": "无法读取",
    "cross_year": "跨年度结转核对",
    "rollup": "汇总核对",
    "duplication": "内容雷同",
    "coverage": "覆盖情况",
    "indicators": "指标_按报告",
    "indicators_year": "指标_按年度",
}

COLUMN_ZH = {
    # reports
    "report_id": "报告编号", "source": "文件", "sha256": "文件SHA256", "file_size": "文件字节数",
    "agency": "机关", "agency_norm": "机关（规范化）", "agency_basis": "机关识别依据",
    "year": "年度", "year_basis": "年度识别依据", "format_version": "格式版本", "input_format": "文件类型",
    "title": "标题", "publish_date": "发布日期", "publish_date_raw": "发布日期（原文）",
    "n_cells_numeric": "数值单元格数", "n_sections": "章节数", "n_notes": "提取说明数", "audited": "已审核",
    "n_errors": "错误数", "n_warnings": "警告数", "n_info": "提示数", "n_not_assessable": "无法核对数",
    "nianbao_version": "程序版本", "ingested_at": "入库时间（UTC）",
    # cells
    "key": "键", "table": "表", "row_key": "行键", "col_key": "列键", "value": "数值", "kind": "取值类型",
    "raw": "原文", "label": "行标签（原文）", "column_label": "列标签（原文）", "variant": "标签匹配",
    "confidence": "置信度", "page": "页", "line": "行",
    # sections
    "idx": "顺序", "ordinal": "序号", "text": "正文", "chars": "字数",
    # findings / notes
    "seq": "序", "rule": "规则", "where": "位置", "severity": "级别", "status": "状态", "grp": "分组",
    "message": "说明", "keys": "涉及单元格", "expected": "应为", "actual": "实为", "json": "完整记录（JSON）",
    "code": "代码", "evidence": "依据（JSON）",
    # legacy items
    "unit": "单位", "values": "数值（原文）",
    # cross_year
    "prev_report_id": "上年报告编号", "prev_year": "上一年度", "prev_source": "上年文件",
    "prev_format_version": "上年格式版本", "col_label": "申请人类别",
    "carry_forward_prev": "上年“结转下年度继续办理”", "carry_forward_prev_kind": "上年取值类型",
    "carry_forward_prev_raw": "上年原文", "carried_over": "本年“上年结转”", "carried_over_kind": "本年取值类型",
    "carried_over_raw": "本年原文", "diff": "差额（本年−上年）",
    # rollup
    "parent": "汇总机关", "parent_norm": "汇总机关（规范化）", "parent_id": "汇总报告编号",
    "parent_value": "汇总报告数值", "parent_kind": "汇总报告取值类型", "members_sum": "成员合计",
    "n_members": "成员数", "n_members_found": "有报告的成员数", "n_members_with_value": "有数值的成员数",
    "members_missing": "缺少数值的成员", "row_label": "行", "column_label_std": "列",
    # duplication
    "section": "章节", "section_title": "章节名称", "scope": "比对范围", "scope_zh": "比对范围（中文）",
    "agency_a": "机关A", "year_a": "年度A", "report_id_a": "报告编号A", "source_a": "文件A", "chars_a": "字数A",
    "agency_b": "机关B", "year_b": "年度B", "report_id_b": "报告编号B", "source_b": "文件B", "chars_b": "字数B",
    "similarity": "相似度", "flagged": "判定雷同",
    # coverage
    "expected_agency": "应报机关", "is_expected": "在应报名单中", "n_reports": "报告数", "n_versions": "版本数",
    "closest": "最接近的已入库机关",
    # indicators
    "requests_new": "本年新收申请", "requests_carried_over": "上年结转申请", "requests_total": "应办理申请合计",
    "results_total": "办理结果总计", "granted": "予以公开", "partial": "部分公开", "withheld": "不予公开",
    "unavailable": "无法提供", "not_processed": "不予处理", "other_processed": "其他处理",
    "carry_forward": "结转下年度", "granted_rate": "予以公开率", "partial_rate": "部分公开率",
    "withheld_rate": "不予公开率", "unavailable_rate": "无法提供率", "not_processed_rate": "不予处理率",
    "review_total": "行政复议总计", "review_corrected": "复议结果纠正", "review_pending": "复议尚未审结",
    "review_corrected_rate": "复议纠正率", "suit_total": "行政诉讼总计", "suit_corrected": "诉讼结果纠正",
    "suit_pending": "诉讼尚未审结", "suit_corrected_rate": "诉讼纠正率", "corrected_rate": "复议诉讼纠正率",
    "fee_amount": "行政事业性收费（万元）", "n_agencies": "机关数", "reports_with_errors": "有错误的报告数",
    "errors_per_report": "每份报告错误数",
}

STATUS_ZH = {
    "ok": "一致", "mismatch": "不一致", "not-assessable": "无法核对", "incomplete": "成员数据不全",
    "present": "已入库", "missing": "缺失", "unreadable": "无法读取", "unidentified": "未识别机关或年度",
}
SCOPE_ZH = {"prev_year": "本机关上一年度", "peer": "同年度其他机关"}


def zh(col: str) -> str:
    return COLUMN_ZH.get(col, col)


def zh_columns(df):
    """A copy of ``df`` with Chinese headers and Chinese status words."""
    out = df.copy()
    if "status" in out.columns:
        out["status"] = out["status"].map(lambda s: STATUS_ZH.get(s, s))
    return out.rename(columns={c: zh(c) for c in out.columns})
