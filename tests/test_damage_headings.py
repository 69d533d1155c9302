"""Damage: section headings as units write them (issue 9, "Section headings").

Fixtures are the bundled text samples with their outline changed the way published
reports change it: a wording variant of 五's title (``五、存在的不足及下一步打算``), 五's
heading left out so that its first sub-heading opens it, sub-headings of 总体情况
numbered ``二、三、`` like the report's own sections, and a non-standard section inserted
before 五 (the standard's 五 and 六 then printed as 六 and 七). In every case the tables
read exactly as from the original, and the sections hold the same text.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import SAMPLES
from nianbao.audit.run import audit_report
from nianbao.extract import extract_path

TEXTS = sorted(SAMPLES.glob("*.txt"))
S5 = re.compile(r"^\s*(五|5)\s*、\s*存在的主要问题及改进情况\s*$")
S6 = re.compile(r"^\s*(六|6)\s*、\s*其他需要报告的事项\s*$")


def _lines(p: Path) -> list[str]:
    return p.read_text(encoding="utf-8").split("\n")


def _write(tmp_path: Path, name: str, lines: list[str]) -> Path:
    out = tmp_path / name
    out.write_text("\n".join(lines), encoding="utf-8")
    return out


def _cells(report) -> dict:
    return {k: (c.kind, c.value) for k, c in report.cells.items()}


@pytest.mark.parametrize("path", TEXTS, ids=lambda p: p.name[:3])
@pytest.mark.parametrize("title", ["五、存在的不足及下一步打算", "五、存在的问题及下一步工作打算", "5、存在的不足和改进措施"])
def test_variant_of_the_fifth_title(path, title, tmp_path):
    orig = extract_path(path)
    lines = [title if S5.match(ln) else ln for ln in _lines(path)]
    got = extract_path(_write(tmp_path, path.name, lines))
    assert got.sections["s5_problems"].title == title
    assert got.sections["s5_problems"].text == orig.sections["s5_problems"].text
    assert got.sections["s4_review_litigation"].text == orig.sections["s4_review_litigation"].text
    assert _cells(got) == _cells(orig)
    # the title is worded differently: a warning naming it, never "section missing"
    rules = {f.rule for f in audit_report(got).findings}
    assert "STR-SECTION" not in rules


@pytest.mark.parametrize("path", TEXTS, ids=lambda p: p.name[:3])
def test_missing_fifth_heading_opened_by_its_first_sub_heading(path, tmp_path):
    orig = extract_path(path)
    lines = _lines(path)
    i = next(n for n, ln in enumerate(lines) if S5.match(ln))
    lines = lines[:i] + ["（一）上年度问题整改情况", "上年度指出的问题均已整改完毕。"] + lines[i + 1:]
    got = extract_path(_write(tmp_path, path.name, lines))
    s5 = got.sections["s5_problems"]
    assert s5.variant == "implied" and not s5.title
    assert s5.text.startswith("（一）上年度问题整改情况\n上年度指出的问题均已整改完毕。")
    assert got.sections["s4_review_litigation"].text == orig.sections["s4_review_litigation"].text
    assert _cells(got) == _cells(orig)
    findings = audit_report(got).findings
    assert "STR-SECTION" not in {f.rule for f in findings}
    titled = [f for f in findings if f.rule == "STR-SECTITLE" and f.where == "s5_problems"]
    assert titled and "未印出标题" in titled[0].message and "（一）上年度问题整改情况" in titled[0].message


@pytest.mark.parametrize("path", TEXTS, ids=lambda p: p.name[:3])
def test_overview_sub_headings_numbered_like_sections(path, tmp_path):
    orig = extract_path(path)
    lines = _lines(path)
    s1 = next(n for n, ln in enumerate(lines) if re.match(r"^\s*(1、|一、)\s*总体情况", ln))
    extra = ["二、主动公开情况", "全年主动公开政府信息若干条。", "三、依申请公开情况", "全年依法办理申请。"]
    lines = lines[:s1 + 1] + extra + lines[s1 + 1:]
    got = extract_path(_write(tmp_path, path.name, lines))
    for key in ("s2_proactive", "s3_requests", "s4_review_litigation", "s5_problems", "s6_other"):
        assert got.sections[key].title == orig.sections[key].title, key
        assert got.sections[key].text == orig.sections[key].text, key
    assert "二、主动公开情况" in got.sections["s1_overview"].text
    assert _cells(got) == _cells(orig)


@pytest.mark.parametrize("path", TEXTS, ids=lambda p: p.name[:3])
def test_non_standard_section_is_kept_and_noted(path, tmp_path):
    orig = extract_path(path)
    lines = _lines(path)
    i = next(n for n, ln in enumerate(lines) if S5.match(ln))
    lines = (lines[:i] + ["五、信息处理费收取情况", "本年度未收取信息处理费。"] +
             ["六、存在的主要问题及改进情况" if S5.match(ln) else "七、其他需要报告的事项" if S6.match(ln) else ln
              for ln in lines[i:]])
    got = extract_path(_write(tmp_path, path.name, lines))
    assert got.sections["s5_problems"].text == orig.sections["s5_problems"].text
    assert got.sections["s6_other"].text == orig.sections["s6_other"].text
    notes = [n for n in got.notes if n.code == "extra-section"]
    assert len(notes) == 1 and "五、信息处理费收取情况" in notes[0].message
    assert "本年度未收取信息处理费。" in got.full_text
    assert _cells(got) == _cells(orig)
    msgs = [f.message for f in audit_report(got).findings if f.rule == "STR-SECTION"]
    assert msgs and all("五、信息处理费收取情况" in m for m in msgs)


def _table(texts: list[list[str]], rows_reliable: bool):
    from nianbao.grid import GridCell, GridTable
    cells = [GridCell(t, r, c, 1, 1) for r, row in enumerate(texts) for c, t in enumerate(row)]
    return GridTable(cells=cells, columns_reliable=False, rows_reliable=rows_reliable)


@pytest.mark.parametrize("rows_reliable", [False, True])
def test_heading_put_into_the_table_after_it_is_lifted(rows_reliable):
    from nianbao.extract.sections import lift_headings
    from nianbao.grid import GridTable, Paragraph
    from nianbao.standard import load
    std = load()
    keys = [s.key for s in std.sections]
    head = [["二、主动公开政府信息情况"]] if rows_reliable else [["二、主动公开政府信息情况", "第二十条第（一）项"]]
    t = _table(head + [["信息内容", "本年制发件数"], ["规章", "0"]], rows_reliable)
    out = lift_headings([Paragraph("一、总体情况"), t], std.section_matcher, keys)
    assert [type(b) for b in out] == [Paragraph, Paragraph, GridTable]
    assert out[1].text == "二、主动公开政府信息情况"
    assert "二、主动公开政府信息情况" not in [c.text for c in out[2].cells]
    assert len(out[2].cells) == len(t.cells) - 1


def test_a_numbered_group_label_inside_a_table_stays():
    from nianbao.extract.sections import lift_headings
    from nianbao.standard import load
    std = load()
    keys = [s.key for s in std.sections]
    t = _table([["三、本年度办理结果", "（一）予以公开", "1"]], rows_reliable=False)
    assert lift_headings([t], std.section_matcher, keys) == [t]


def test_a_title_inside_a_sentence_is_not_a_heading():
    from nianbao.extract.sections import split_run_in
    from nianbao.grid import Paragraph
    from nianbao.standard import load
    text = "本机关按要求编制本报告，其中二、主动公开政府信息情况如下所述，全年主动公开政府信息若干条并及时更新。"
    assert split_run_in([Paragraph(text)], load().sections)[0].text == text


def _join_headings_into_text(lines: list[str]) -> list[str]:
    """pymupdf4llm's shape: each heading as ``## `` and run into the text after it, and
    the paragraph before a heading run into it too."""
    out: list[str] = []
    for ln in lines:
        if re.match(r"^\s*(一|二|三|四|五|六|1|2|3|4|5|6)\s*、", ln) and len(ln.strip()) < 30 and "\t" not in ln and "|" not in ln:
            if out and out[-1].rstrip().endswith(("。", "）")) and not out[-1].startswith("\t"):
                out[-1] = out[-1].rstrip() + " " + ln.strip()
                continue
            out.append("## " + ln.strip())
            continue
        if out and out[-1].startswith("## ") and len(ln.strip()) > 20 and ln.rstrip().endswith("。") \
                and "\t" not in ln and "|" not in ln:
            out[-1] = out[-1] + " " + ln.strip()
            continue
        out.append(ln)
    return out


@pytest.mark.parametrize("path", TEXTS, ids=lambda p: p.name[:3])
def test_headings_run_into_the_text_around_them(path, tmp_path):
    orig = extract_path(path)
    got = extract_path(_write(tmp_path, path.name, _join_headings_into_text(_lines(path))))
    assert set(got.sections) == set(orig.sections)
    for key, sec in orig.sections.items():
        assert got.sections[key].title.replace(" ", "") == sec.title.replace(" ", "")
    assert _cells(got) == _cells(orig)
