"""Text that common converters make of our reports reads back exactly (issue 9).

Three layers:
- the committed outputs of markitdown, html2text, inscriptis, mammoth, pymupdf4llm and
  pdfminer.six (``tests/fixtures/converters``, made by its ``make.py``), read through
  ``nianbao.process`` and scored like the contract scorer: no wrong value anywhere, metadata
  right, and a cell accuracy floor per converter;
- one unit test per shape those converters write;
- a hypothesis test: any consistent report, blank cells included, drawn in each
  converter's table shape, never yields a wrong non-null value.
"""
from __future__ import annotations

import json
import math
import random
from collections import defaultdict
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fixturegen import random_consistent_input, truth_record
from nianbao import process
from nianbao.extract import extract_document
from nianbao.extract.meta import find_title, is_chrome, parse_title, strip_field
from nianbao.grid import GridTable, Paragraph, Source
from nianbao.readers import read
from nianbao.readers.text import parse_text
from nianbao.render.layout import Grid, grids
from nianbao.standard import load
from textgen import SECTION_TEXT, fmt, section_titles

FIXTURES = Path(__file__).parent / "fixtures" / "converters"
STD = load()

# Cell accuracy per converter on the fixture set, as measured when the readers learnt each
# shape (a drop is a regression). Below 1 only where the text itself lost the cells:
# mammoth's Markdown drops empty paragraphs, so a row with a blank cell has lost its
# positions (null); inscriptis's lone 表四 row with a blank first cell has no second row
# to prove its offsets; pdfminer.six (and markitdown's PDF text, which is pdfminer's) give
# a table's cells column by column after all its labels: not read (null), never guessed.
FLOORS = {"html2text": 1.0, "markitdown": 0.83, "inscriptis": 0.988, "mammoth-raw": 1.0,
          "mammoth-md": 0.805, "pymupdf4llm": 1.0, "pdfminer": 0.075}


def _same(a: object, b: object) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(float(a), float(b), rel_tol=0, abs_tol=1e-9)  # type: ignore[arg-type]


def _fixtures() -> list[Path]:
    return sorted(p for p in FIXTURES.iterdir() if p.suffix in (".md", ".txt"))


def _truth(p: Path) -> dict:
    return json.loads((FIXTURES / (p.name.split(".")[0] + ".truth.json")).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def scored() -> dict[Path, tuple[dict, dict]]:
    """(record as ``extract --cells`` prints it, answer key) per fixture file."""
    out = {}
    for p in _fixtures():
        o = process(p, audit=False, render="cells")
        assert o.line is not None, p.name
        out[p] = (json.loads(o.line), _truth(p))
    return out


def test_fixture_set_is_small_and_complete():
    files = _fixtures()
    assert sum(p.stat().st_size for p in FIXTURES.iterdir()) < 3_000_000
    assert {p.name.split(".")[2] for p in files} == set(FLOORS)
    assert all((FIXTURES / (p.name.split(".")[0] + ".truth.json")).exists() for p in files)


@pytest.mark.parametrize("path", _fixtures(), ids=lambda p: p.name)
def test_no_wrong_value_and_metadata_right(scored, path):
    rec, truth = scored[path]
    wrong = {k: rec["cells"].get(k) for k, v in truth["cells"].items()
             if rec["cells"].get(k) is not None and not _same(rec["cells"].get(k), v)}
    assert wrong == {}
    assert "".join(rec["agency"].split()) == "".join(truth["agency"].split())
    assert (rec["year"], str(rec["format_version"])) == (truth["year"], str(truth["format_version"]))


def test_accuracy_floor_per_converter(scored):
    right: dict[str, int] = defaultdict(int)
    total: dict[str, int] = defaultdict(int)
    for p, (rec, truth) in scored.items():
        conv = p.name.split(".")[2]
        total[conv] += len(truth["cells"])
        right[conv] += sum(_same(rec["cells"].get(k), v) for k, v in truth["cells"].items())
    acc = {c: right[c] / total[c] for c in total if total[c]}
    assert {c: a for c, a in acc.items() if a < FLOORS[c]} == {}


# ---------------------------------------------------------------------------
# The shapes, one by one

def _tables(text: str) -> list[list[list[str]]]:
    return [[[c.text for c in r] for r in b.rows()] for b in parse_text("x.md", text) if isinstance(b, GridTable)]


def test_html2text_rows_without_outer_pipes():
    text = ("第二十条第（一）项  \n---  \n信息内容| 本年制发件数| 本年废止件数  \n规章| | 3  \n"
            "第二十条第（五）项  \n行政许可| 7  \n  \n正文。\n")
    (t,) = _tables(text)
    assert t == [["第二十条第（一）项"], ["信息内容", "本年制发件数", "本年废止件数"], ["规章", "", "3"],
                 ["第二十条第（五）项"], ["行政许可", "7"]]


def test_setext_heading_is_not_a_table():
    blocks = parse_text("x.md", "二、主动公开政府信息情况\n---\n\n正文。\n")
    assert not any(isinstance(b, GridTable) for b in blocks)


def test_markdown_escapes_are_the_characters():
    (t,) = _tables("| 3\\.其他 | 96171\\.6 |\n|---|---|\n| x | 1 |\n")
    assert t[0] == ["3.其他", "96171.6"]


def test_markitdown_grid_keeps_a_blank_cells_place():
    # colspan padded with empty cells after the cell, rowspan-covered cells left out
    text = ("|  |  |  |  |  |\n| --- | --- | --- | --- | --- |\n"
            "| 说明 | | 甲 | 乙 | 丙 |\n"
            "| 一、行 | | 1 |  | 2 |\n"
            "| 组 | 1.子行 | 3 | 4 |  |\n"
            "| 2.子行 |  | 5 | 6 |\n")
    (t,) = _tables(text)
    assert t[2:] == [["一、行", "1", "", "2"], ["组", "1.子行", "3", "4", ""], ["2.子行", "", "5", "6"]]


def test_markdown_padded_to_width_is_left_as_printed():
    text = "| 说明 | | 甲 | 乙 |\n|---|---|---|---|\n| 一、行 | | 1 |  |\n| 组 | 1.子行 | 3 | 4 |\n"
    (t,) = _tables(text)
    assert t[1] == ["一、行", "", "1", ""]


def test_mammoth_raw_empty_paragraph_is_an_empty_cell():
    body = ["这是正文的一句话。"] * 12 + ["规章", "", "2", "3", "行政规范性文件", "4", "", "6", "行政许可", "7", "行政处罚", "8",
                           "行政强制", "9", "收费", "1"] + ["结尾。"] * 10
    (t,) = _tables("\n\n".join(body) + "\n\n")
    assert t[0][:8] == ["规章", "", "2", "3", "行政规范性文件", "4", "", "6"]


def test_without_paragraph_mode_no_cell_is_invented():
    body = "\n".join(["规章", "", "", "", "2", "3", "行政规范性文件", "4", "5", "6", "行政许可", "7", "行政处罚", "8"])
    (t,) = _tables(body + "\n")
    assert "" not in t[0]


def test_inscriptis_offsets_place_blank_cells():
    widths = (7, 4, 4, 4)
    rows = [["信息内容", "甲", "乙", "丙"], ["规章", "", "0", "0"], ["行政规范性文件", "5", "6", ""], ["其他文件", "7", "", "8"]]
    text = "".join("    " + "  ".join(c.ljust(w) for c, w in zip(r, widths)) + "\n" for r in rows)
    (t,) = _tables(text)
    assert t[1] == ["规章", "", "0", "0"]
    assert t[2] == ["行政规范性文件", "5", "6", ""]
    assert t[3] == ["其他文件", "7", "", "8"]


def test_numbers_off_the_columns_are_not_laid_out():
    # pdftotext -layout centres numbers: offsets differ with the digit count
    text = ("    规章          12      3      40\n"
            "    行政规范性文件  5     16      7\n")
    (t,) = _tables(text)
    assert "" not in [c for r in t for c in r]


def test_bold_spans_are_not_text():
    blocks = parse_text("x.md", "# **某市人民政府 2023 年政** **府信息公开工作年度报告**\n")
    assert isinstance(blocks[0], Paragraph) and "*" not in blocks[0].text


# ---------------------------------------------------------------------------
# Metadata of saved pages

def _paras(*texts: str) -> list[Paragraph]:
    return [Paragraph(t, Source("x", line=i + 1)) for i, t in enumerate(texts)]


@pytest.mark.parametrize("line", ["* [首页](/)", "[政务公开](/zwgk/ \"政务公开\")", "当前位置：首页 > 政务公开 > 年报",
                                  "__", "![](/logo.png)", "* 政府信息公开", "首页 › 政务公开 › 年报"])
def test_chrome_lines(line):
    assert is_chrome(line)


@pytest.mark.parametrize("line", ["某市人民政府2023年政府信息公开工作年度报告", "一、总体情况", "来源：某市 时间：2024-01-02"])
def test_not_chrome(line):
    assert not is_chrome(line)


def test_field_prefix_never_part_of_agency():
    assert parse_title("标题：某市人民政府2023年政府信息公开工作年度报告") == ("某市人民政府", 2023)
    assert strip_field("标题: 某市人民政府2023年年报") == "某市人民政府2023年年报"
    assert strip_field("一、总体情况") == "一、总体情况"


def test_title_after_long_site_chrome():
    chrome = [f"* [栏目{i}](/c{i}/)" for i in range(30)] + ["移动版", "登录", "注册", "当前位置：", "* [首页](/)",
                                                            "* [政府信息公开年报](../ \"政府信息公开年报\")"]
    blocks = _paras(*chrome, "某市人民政府2023年政府信息公开工作年度报告", "一、总体情况")
    t = find_title(blocks, len(blocks) - 1)
    assert t is not None and parse_title(t[0]) == ("某市人民政府", 2023)


def _report(text: str):
    return extract_document(read("page.md", text.encode("utf-8")))


def test_publish_date_from_the_pages_date_field():
    body = "\n\n".join(["当前位置：首页 > 政务公开", "标题：某市人民政府2023年政府信息公开工作年度报告",
                        "发布机构：某市人民政府办公室", "发布时间：2024-01-19", "某市人民政府2023年政府信息公开工作年度报告",
                        *section_titles(), "某市人民政府", "2024年1月10日"])
    r = _report(body)
    assert (r.agency, r.year, r.publish_date) == ("某市人民政府", 2023, "2024-01-19")


def test_statistics_period_is_not_a_date_field():
    body = "\n\n".join(["某市人民政府2023年政府信息公开工作年度报告", "统计时间：2023年1月1日至2023年12月31日。",
                        *section_titles(), "某市人民政府", "2024年1月10日"])
    assert _report(body).publish_date == "2024-01-10"


# ---------------------------------------------------------------------------
# Any consistent report, drawn as each converter draws tables

def _row_texts(g: Grid) -> list[list[tuple[str, int]]]:
    """Each grid row as an HTML ``<tr>`` lists it: (text, colspan) of its origin cells."""
    return [[(c.text, c.colspan) for c in r] for r in g.rows()]


def _html2text(g: Grid) -> list[str]:
    rows = _row_texts(g)
    out = []
    for i, r in enumerate(rows):
        out.append("| ".join(t for t, _ in r) + "  ")
        if i == 0:
            out.append("|".join("---" for _ in r) + "  ")
    return out + ["  "]


def _markitdown(g: Grid) -> list[str]:
    out = ["| " + " | ".join("" for _ in range(g.n_cols)) + " |", "| " + " | ".join("---" for _ in range(g.n_cols)) + " |"]
    for r in _row_texts(g):
        cells: list[str] = []
        for t, span in r:
            cells += [t] + [""] * (span - 1)
        out.append("| " + " | ".join(cells) + " |")
    return out + [""]


def _inscriptis(g: Grid) -> list[str]:
    rows = _row_texts(g)
    widths: dict[int, int] = defaultdict(int)
    for r in rows:
        for k, (t, _) in enumerate(r):
            widths[k] = max(widths[k], len(t), 1)
    return ["    " + "  ".join(t.ljust(widths[k]) for k, (t, _) in enumerate(r)) for r in rows] + [""]


def _mammoth_raw(g: Grid) -> list[str]:
    return [t + "\n" for r in _row_texts(g) for t, _ in r]


SHAPES = {"html2text": _html2text, "markitdown": _markitdown, "inscriptis": _inscriptis, "mammoth-raw": _mammoth_raw}


def _document(cells: dict, agency: str, year: int, shape: str) -> str:
    tables = grids("2021")
    after = {"s2_proactive": "t2", "s3_requests": "t3", "s4_review_litigation": "t4"}
    out = [f"{agency}{year}年政府信息公开工作年度报告", ""]
    for s, title in zip(STD.sections, section_titles()):
        out += [title, "", SECTION_TEXT.get(s.key, ""), ""]
        if s.key in after:
            g = tables[after[s.key]].with_values(lambda k: fmt(cells.get(k)))
            out += SHAPES[shape](g) + [""]
    sep = "\n\n" if shape == "mammoth-raw" else "\n"
    return sep.join(x.rstrip("\n") for x in out) + "\n"


@pytest.mark.parametrize("shape", sorted(SHAPES))
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2 ** 32 - 1), blank=st.sampled_from([0.0, 0.1, 0.5]))
def test_any_report_in_a_converter_shape_keeps_no_wrong_value(shape, seed, blank):
    rng = random.Random(seed)
    inp = random_consistent_input(rng)
    want = truth_record(inp)["cells"]
    want = {k: (None if rng.random() < blank else v) for k, v in want.items()}
    r = _report(_document(want, inp.agency, inp.year, shape))
    got = r.values()
    assert {k: (got.get(k), v) for k, v in want.items() if got.get(k) is not None and not _same(got.get(k), v)} == {}
    if blank == 0.0:
        assert {k for k, v in want.items() if not _same(got.get(k), v)} == set()


# Converters whose text keeps the tables' order (not pdfminer's labels-then-values) and
# reports in the 2019+ format: a reading of these never tells the unit that a section,
# a table or a label's wording is wrong, since the documents they were made from have
# all six sections, all three tables and the standard's labels.
_STRUCTURE_RULES = {"STR-SECTION", "STR-TABLE", "STR-SECTITLE", "LBL-WORDING", "STR-CELL-EXTRA", "STR-CELL-MISSING"}


def _structure_fixtures() -> list[Path]:
    return [p for p in sorted(FIXTURES.iterdir())
            if p.suffix in (".md", ".txt") and "pre2019" not in p.name
            and not p.name.endswith((".pdf.pdfminer.txt", ".pdf.markitdown.md"))]


@pytest.mark.parametrize("path", _structure_fixtures(), ids=lambda p: p.name)
def test_no_structure_finding_is_a_reading_failure(path):
    out = process(path, audit=True)
    assert out.ok and out.audit is not None
    wrong = [f"{f.rule}: {f.message}" for f in out.audit.report_findings if f.rule in _STRUCTURE_RULES]
    assert not wrong, wrong
