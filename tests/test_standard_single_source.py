"""``standard.yaml`` is the one source of the national format: no label of the standard
is spelled in the package's code.

Scans the string literals of nianbao/**/*.py (docstrings excepted: they document the
format) for any canonical label of a section, table caption, header, group, row or
column (and the same label without its leading ordinal), 4 characters or longer.
Message text that quotes a label must take it from ``nianbao.standard.load()``.
Also checks that the identities and table layouts are read from the data file.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

from nianbao.standard import load

PACKAGE = Path(__file__).resolve().parents[1] / "nianbao"
MIN_LEN = 4
ORDINAL = re.compile(r"^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\d+\.)")   # 三、 （三） 3.

# Occurrences in files owned by others, to be fixed there (issue 8). Each entry:
# file (relative to the project) → labels still spelled in it. Remove an entry once
# the file takes the label from the standard (the test fails on a stale entry).
ALLOWED: dict[str, set[str]] = {
    # TODO(issue 8): nianbao/audit/rules/domain.py — take the labels from standard.load()
    "nianbao/audit/rules/domain.py": {"本年增/减", "本年收费金额（单位：万元）", "第二十条第（八）项"},
    # TODO(issue 8): nianbao/audit/rules/plausibility.py — take the labels from standard.load()
    "nianbao/audit/rules/plausibility.py": {"复议后起诉", "存在的主要问题及改进情况", "总体情况", "本年制发件数",
                                            "本年收费金额（单位：万元）", "现行有效件数", "行政事业性收费", "行政复议",
                                            "行政规范性文件", "规范性文件"},
    # TODO(issue 8): nianbao/audit/rules/rubric.py — take the labels from standard.load()
    "nianbao/audit/rules/rubric.py": {"一、总体情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项",
                                      "其他需要报告的事项", "存在的主要问题及改进情况", "总体情况", "行政事业性收费"},
    # TODO(issue 8): nianbao/audit/rules/structure.py — take the labels from standard.load()
    "nianbao/audit/rules/structure.py": {"3.其他", "上一年项目数量", "其他处理", "其他需要报告的事项",
                                         "存在的主要问题及改进情况", "总体情况", "本年新制作数量", "第二十条第（九）项",
                                         "行政复议", "行政许可", "行政诉讼", "（六）其他处理"},
    # TODO(issue 8): nianbao/audit/rules/text_tables.py — take the labels from standard.load()
    "nianbao/audit/rules/text_tables.py": {"不予公开", "予以公开", "总体情况", "无法提供", "现行有效件数",
                                           "第二十条第（一）项", "行政复议", "行政规范性文件", "行政诉讼", "规范性文件",
                                           "（七）总计"},
    # TODO(issue 8): nianbao/audit/series.py — take the labels from standard.load()
    "nianbao/audit/series.py": {"上年结转政府信息公开申请数量", "二、上年结转政府信息公开申请数量", "其他需要报告的事项",
                                "四、结转下年度继续办理", "存在的主要问题及改进情况", "总体情况", "本年制发件数",
                                "本年废止件数", "现行有效件数", "第二十条第（一）项", "结转下年度继续办理",
                                "行政规范性文件", "规范性文件"},
    # TODO(issue 8): nianbao/audit/textnums.py — take the labels from standard.load()
    "nianbao/audit/textnums.py": {"不予公开", "不予处理", "予以公开", "无法提供", "行政复议", "行政诉讼", "规范性文件"},
    # TODO(issue 8): nianbao/collect/links.py — take the labels from standard.load()
    "nianbao/collect/links.py": {"总体情况", "行政复议"},
    # TODO(issue 8): nianbao/extract/pipeline.py — take the labels from standard.load()
    "nianbao/extract/pipeline.py": {"主动公开政府信息情况", "收到和处理政府信息公开申请情况",
                                    "政府信息公开行政复议、行政诉讼情况", "行政复议", "行政诉讼"},
    # TODO(issue 8): nianbao/extract/tables.py — take the labels from standard.load()
    "nianbao/extract/tables.py": {"3.其他", "其他处理", "复议后起诉", "未经复议直接起诉", "（六）其他处理"},
    # TODO(issue 8): nianbao/readers/html.py — take the labels from standard.load()
    "nianbao/readers/html.py": {"总体情况", "行政复议"},
    # TODO(issue 8): nianbao/store/analysis.py — take the labels from standard.load()
    "nianbao/store/analysis.py": {"四、结转下年度继续办理", "结转下年度继续办理"},
    # TODO(issue 8): nianbao/store/labels.py — take the labels from standard.load()
    "nianbao/store/labels.py": {"不予公开", "不予处理", "予以公开", "其他处理", "尚未审结", "无法提供", "结果纠正",
                                "结转下年度继续办理", "行政事业性收费", "行政复议", "行政诉讼"},
}


def standard_labels() -> set[str]:
    """Every canonical label of the standard, also without its leading ordinal."""
    s = load()
    texts = [e.canonical for e in s.sections]
    for t in s.t2.values():
        texts += [e.canonical for e in [*t["rows"], *t["captions"], *t["columns"].values()]]
        texts.append(t["header_first"])
    texts += [e.canonical for e in [*s.t3_rows, *s.t3_columns, *s.t3_groups, s.t3_other_single]]
    texts += list(s.t3_header.values())
    texts += [e.canonical for e in [*s.t4_groups, *s.t4_columns, *s.t4_top_entries]]
    out = set()
    for t in texts:
        out.add(t)
        out.add(ORDINAL.sub("", t))
    return {t for t in out if len(t) >= MIN_LEN}


def _string_literals(tree: ast.AST) -> list[ast.Constant]:
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docstrings.add(id(first.value))
    return [n for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docstrings]


def occurrences() -> dict[str, dict[str, list[int]]]:
    """file → label → line numbers where a string literal spells it."""
    labels = standard_labels()
    root = PACKAGE.parent
    out: dict[str, dict[str, list[int]]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        for node in _string_literals(ast.parse(path.read_text(encoding="utf-8"))):
            for label in labels:
                if label in node.value:
                    out.setdefault(rel, {}).setdefault(label, []).append(node.lineno)
    return out


def test_labels_sane():
    labels = standard_labels()
    assert "商业企业" in labels and "予以公开" in labels and "自然人" not in labels


def test_no_label_of_the_standard_spelled_in_code():
    found = occurrences()
    bad = [f"{f}:{line}: {label}" for f, by in sorted(found.items()) for label, lines in sorted(by.items())
           if label not in ALLOWED.get(f, set()) for line in lines]
    assert not bad, "标准标签写在代码里（应取自 standard.load()）：\n" + "\n".join(bad)


def test_allowed_list_is_not_stale():
    found = occurrences()
    stale = [f"{f}: {label}" for f, labels in ALLOWED.items() for label in sorted(labels)
             if label not in found.get(f, {})]
    assert not stale, "已修正，请从 ALLOWED 中删除：\n" + "\n".join(stale)


def test_identities_and_layouts_come_from_the_data_file():
    s = load()
    assert [sp.code for sp in s.identity_specs["2021"]] == ["T3-BAL", "T3-RES", "T3-ROW", "T4-SUM"]
    assert len(s.identities("2021")) == 42 and len(s.identities("2019")) == 40
    assert set(s.layouts) == {"t2", "t3", "t4"}
    from nianbao.audit.rules.identities import T3Balance
    assert T3Balance.basis == s.identity_spec("T3-BAL").basis
