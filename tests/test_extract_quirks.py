"""Layout quirks of real reports: each handled and recorded as a note for the auditor."""
from __future__ import annotations

import sys

import pytest

from conftest import SAMPLES, load_truth
from nianbao.extract import extract_document, extract_path
from nianbao.readers import read
from nianbao.standard import load
from textgen import render

STD = load()
T000 = load_truth(SAMPLES / "000_33ff4c3c35a3d77b.truth.json")["cells"]
ZERO = {k: 0 for k in STD.all_keys("2021")}


def _x(text: str, name: str = "r.txt", encoding: str = "utf-8"):
    return extract_document(read(name, text.encode(encoding)))


def _codes(r) -> list[str]:
    return [n.code for n in r.notes]


def test_extra_cells_take_first_and_note():
    r = extract_path(SAMPLES / "004_bd4d68dcca3e3128.txt")
    assert r.cells["t2.licensing.decisions"].value == 0
    extra = [n for n in r.notes if n.code == "extra-cell"]
    assert extra and extra[0].where.endswith("licensing") and extra[0].evidence["extra"] == ["0", "0"]


def test_missing_cells_are_absent_not_zero():
    text = render(T000, style="tabs")
    text = text.replace("二、上年结转政府信息公开申请数量\t0\t0\t0\t0\t0\t0\t0", "二、上年结转政府信息公开申请数量\t0\t0\t0\t0\t0")
    r = _x(text)
    # 5 numbers under 7 columns and nothing in the layout says which: never filled from the left
    for col in ("natural_person", "total"):
        assert r.cells[f"t3.carried_over.{col}"].value is None
        assert r.cells[f"t3.carried_over.{col}"].kind == "absent"
    assert "ambiguous-cells" in _codes(r)


def test_other_processing_as_one_row_in_2021():
    cells = dict(T000) | {"t3.other.other.total": 1, "t3.other.other.natural_person": 1}
    r = _x(render(cells, style="tabs", single_other=True))
    assert r.format_version == "2021"
    assert r.cells["t3.other.other.total"].value == 1
    assert r.cells["t3.other.no_correction.total"].value is None
    assert r.cells["t3.other.no_fee.natural_person"].value is None
    assert "other-single-row" in _codes(r)


def test_shifted_columns_noted():
    r = extract_path(SAMPLES / "002_19a6864ec5ce9982.txt")
    n = next(n for n in r.notes if n.code == "shifted-columns")
    assert "withheld.state_secret" in n.evidence["rows"]


def test_label_split_across_lines_in_cell_rendering():
    text = render(T000, style="cells")
    text = text.replace("\t（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
                        "\t（二）部分公开（区分处理的，只计这一情\n形，不计其他情形）")
    text = text.replace("\t结果纠正\n", "\t结果\n纠正\n")
    r = _x(text)
    assert r.values() == T000
    assert r.cells["t3.partial.total"].label.replace("\n", "") == "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"


@pytest.mark.parametrize("mark,kind", [("", "blank"), ("/", "na"), ("-", "na"), ("—", "na"), ("无", "na"),
                                       ("不适用", "na"), ("？", "unreadable")])
def test_blank_and_not_applicable_are_not_zero(mark, kind):
    text = render(T000, style="tabs").replace("行政处罚\t0", f"行政处罚\t{mark}")
    r = _x(text)
    cv = r.cells["t2.penalty.decisions"]
    assert cv.value is None and cv.kind == kind


def test_thousands_separator_and_full_width_digits():
    cells = dict(ZERO) | {"t2.penalty.decisions": 3985758}
    text = render(cells, style="tabs").replace("行政处罚\t3985758", "行政处罚\t３,９８５,７５８")
    assert _x(text).cells["t2.penalty.decisions"].value == 3985758


@pytest.mark.parametrize("numbering", ["一、", "1、", "（一）", "(一)", "none"])
def test_section_numbering_styles(numbering):
    r = _x(render(T000, style="tabs", numbering=numbering))
    assert list(r.sections) == [s.key for s in STD.sections]
    assert r.sections["s6_other"].text == "本年度未收取信息处理费。"
    assert r.values() == T000


def test_section_title_with_spaces_and_split_over_lines():
    text = render(T000, style="tabs").replace("五、存在的主要问题及改进情况", "五、存在的主要问题\n及改进情况")
    text = text.replace("一、总体情况", "一、总 体 情 况")
    r = _x(text)
    assert list(r.sections) == [s.key for s in STD.sections]


def test_title_split_and_spaced():
    text = render(T000, style="tabs", agency="某市某区某局")
    text = text.replace("某市某区某局2023年政府信息公开工作年度报告", "某市某区某局\n2023 年政府信息公开工作年度报 告")
    r = _x(text)
    assert (r.agency, r.year) == ("某市某区某局", 2023)


def test_no_title_agency_and_year_from_preamble():
    r = _x(render(T000, style="pipes", agency="某某县某某镇", title=False))
    assert r.agency == "某某县某某镇人民政府" and r.year == 2023
    assert {"title-missing", "agency-inferred", "year-inferred"} <= set(_codes(r))


def test_year_first_title():
    text = render(T000, style="tabs").replace("某某县某某镇人民政府2023年政府信息公开工作年度报告",
                                              "2023年某某县某某镇人民政府政府信息公开工作年度报告")
    r = _x(text)
    assert (r.agency, r.year) == ("某某县某某镇人民政府", 2023)


def test_2019_format_detected_with_its_keys():
    keys = STD.all_keys("2019")
    cells = {k: i % 7 for i, k in enumerate(keys)}
    cells["t2v19.licensing.change"] = -15
    r = _x(render(cells, style="tabs", version="2019", year=2020))
    assert r.format_version == "2019"
    assert list(r.values()) == keys
    assert r.values() == cells


def test_tables_only_as_images_are_not_zeros():
    text = "\n".join(["某某局2022年政府信息公开工作年度报告", "一、总体情况", "正文。", "二、主动公开政府信息情况",
                      "三、收到和处理政府信息公开申请情况", "四、政府信息公开行政复议、行政诉讼情况",
                      "五、存在的主要问题及改进情况", "正文。", "六、其他需要报告的事项", "无。"])
    r = _x(text)
    assert r.format_version == "2021"
    assert all(v is None for v in r.values().values())
    assert "tables-unreadable" in _codes(r)


@pytest.mark.parametrize("enc", ["gbk", "gb18030", "utf-16", "utf-8-sig"])
def test_encodings(enc):
    r = _x(render(T000, style="cells", agency="重庆市九龙坡区石板镇人民政府"), encoding=enc)
    assert r.values() == T000 and r.agency == "重庆市九龙坡区石板镇人民政府"


def test_fuzzy_label_is_matched_with_low_confidence_note():
    text = render(T000, style="tabs").replace("2.没有现成信息需要另行制作", "2.没有现成的信息需另行制做")
    r = _x(text)
    assert r.values() == T000
    n = [n for n in r.notes if n.where == "t3.unavailable.needs_creation"]
    assert n and n[0].code in ("label-variant", "label-fuzzy")


def test_unknown_row_is_reported_not_mapped():
    text = render(T000, style="tabs").replace("3.要求提供公开出版物", "3.某某自造的统计口径")
    r = _x(text)
    assert r.cells["t3.not_processed.publication.total"].value is None
    assert "unknown-row" in _codes(r)


def test_not_a_report():
    r = _x("这是一段与年度报告无关的文字。\n第二段。")
    assert r.format_version is None and "not-a-report" in _codes(r)


def test_table_split_by_page_break_continues_its_context():
    cells = dict(T000) | {"t4.review.upheld": 3, "t4.review.total": 3}
    text = render(cells, style="markdown")
    lines = text.split("\n")
    # the 表四 value row becomes a table of its own right after the header table
    i = next(n for n, ln in enumerate(lines) if ln.startswith("| 3 | 0 |"))
    lines[i:i] = ["", "| 0 | 0 | 0 |", "|---|---|---|"][:1]
    r = _x("\n".join(lines))
    assert r.values() == cells


def test_title_where_agency_and_tail_share_zhengfu():
    text = render(T000, style="tabs").replace("某某县某某镇人民政府2023年政府信息公开工作年度报告",
                                              "2023年度某某市人民政府信息公开工作年度报告")
    r = _x(text)
    assert (r.agency, r.year) == ("某某市人民政府", 2023)


@pytest.mark.parametrize("title,agency,year", [
    ("某市某局政府信息公开工作年度报告（2023年度）", "某市某局", 2023),
    ("某区人民政府关于2023年度政府信息公开工作的报告", "某区人民政府", 2023),
    ("某县财政局2024年度政府信息公开工作年度报告", "某县财政局", 2024),
    ("2022年某街道办事处政府信息公开工作年度报告", "某街道办事处", 2022),
])
def test_title_forms(title, agency, year):
    from nianbao.extract.meta import parse_title
    assert parse_title(title) == (agency, year)
