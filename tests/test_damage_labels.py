"""Damage: row labels as PDF text layers print them (issue 9, "row labels damaged").

Fixtures are answer keys rendered by ``textgen`` (tab rows as pdftotext gives them,
space-separated rows as OCR gives them, Markdown) and damaged by ``damagegen``:
characters dropped from the middle of labels, and the characters of the vertical group
label ``三、本年度办理结果`` interleaved into the rows beside it. 表三's rows are aligned
against the standard's order, so a damaged row between recognised neighbours is placed;
a row that cannot be placed is absent with a note, never a guess.
"""
from __future__ import annotations

import random
import shutil
import subprocess

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import damagegen as dg
from conftest import SAMPLES, load_truth
from fixturegen import random_consistent_input
from nianbao.extract import extract_document
from nianbao.extract.align import align, similarity
from nianbao.readers import read
from nianbao.standard import load
from textgen import render

STD = load()
BASE = load_truth(SAMPLES / "000_33ff4c3c35a3d77b.truth.json")["cells"]
SLOTS = [STD.t3_row_entry(k) for k in STD.t3_order]
T3 = {r.key: r.canonical for r in STD.t3_rows}


def _x(text: str, name: str = "r.txt"):
    return extract_document(read(name, text.encode("utf-8")))


def _wrong(r, want: dict) -> list[str]:
    return [k for k, v in r.values().items() if v is not None and v != want.get(k)]


def _exact(r, want: dict) -> None:
    got = r.values()
    assert got == {k: want.get(k) for k in got}


@pytest.mark.parametrize("style", ["tabs", "loose", "markdown"])
@pytest.mark.parametrize("frac", [0.2, 0.35])
def test_labels_missing_characters_read_back_exactly(style, frac):
    labels = dg.dropped_labels(frac)
    r = _x(render(BASE, style=style, labels=labels), "r.md" if style == "markdown" else "r.txt")
    _exact(r, BASE)
    placed = [n for n in r.notes if n.code == "label-fuzzy" and "位置" in n.message]
    assert placed, "some rows are placed by their order, not by a keyword"


@pytest.mark.parametrize("style", ["tabs", "markdown"])
def test_2019_format_labels_missing_characters_read_back_exactly(style):
    inp = random_consistent_input(random.Random(3), version="2019", zero_prob=0.1)
    cells = _plain(inp.cells)
    labels = dg.dropped_labels(0.3) | dg.dropped_t2_labels(0.3, version="2019")
    _exact(_x(render(inp.cells, style=style, labels=labels, version="2019"),
              "r.md" if style == "markdown" else "r.txt"), cells)


def _plain(cells: dict) -> dict:
    return {k: (float(v) if v is not None and not isinstance(v, int) else v) for k, v in cells.items()}


@pytest.mark.parametrize("style", ["tabs", "markdown"])
def test_t2_labels_missing_characters_read_back_exactly(style):
    cells = dict(BASE) | {k: i + 1 for i, k in enumerate(STD.t2_keys())}   # distinct: a misplaced one shows
    r = _x(render(cells, style=style, labels=dg.dropped_t2_labels(0.3)), "r.md" if style == "markdown" else "r.txt")
    _exact(r, cells)


@pytest.mark.parametrize("mode", dg.VERTICAL_MODES)
def test_vertical_group_label_interleaved_into_damaged_labels(mode):
    labels = dg.dropped_labels(0.3)
    text = dg.vertical(render(BASE, style="tabs", labels=labels), mode, labels=labels)
    assert dg.GROUPS["results"] not in text
    _exact(_x(text), BASE)


def test_single_group_character_after_the_label_is_not_the_label():
    # （二）部分公开 then 年 in a cell of its own: the row is （二）部分公开, not "年"
    cells = dict(BASE) | {f"t3.partial.{c}": i + 1 for i, c in enumerate(STD.t3_cols)}
    text = dg.vertical(render(cells, style="tabs"), "cell_after")
    assert any(ln.split("\t")[1:2] == ["三"] or ln.split("\t")[1:2] == ["、"] for ln in text.split("\n"))
    _exact(_x(text), cells)


def test_damaged_row_with_no_resemblance_stays_absent_with_a_note():
    labels = {"t3.withheld.third_party": "4.某某某某某某"}
    r = _x(render(BASE, style="tabs", labels=labels))
    keys = [f"t3.withheld.third_party.{c}" for c in STD.t3_cols]
    assert all(r.cells[k].value is None for k in keys)
    assert any(n.code == "unknown-row" and "某某" in n.message for n in r.notes)
    assert not _wrong(r, BASE)


def test_wrong_ordinal_is_not_placed():
    # "5.保护第合法权益" between 3. and 5.: the printed ordinal says it is not row 4
    assert similarity("5.保护第合法权益", STD.t3_row_entry("withheld.third_party")) == 0.0
    assert similarity("4.保护第合法权益", STD.t3_row_entry("withheld.third_party")) > 0.8


def _slot(key: str) -> int:
    return next(i for i, e in enumerate(SLOTS) if e.key == key)


def test_align_places_a_damaged_row_between_its_neighbours():
    keys = ["withheld.law_prohibited", "withheld.security_stability", "withheld.third_party"]
    labels = [T3[keys[0]], "3.危及“三安全”", T3[keys[2]]]
    placed = align(labels, [_slot(keys[0]), None, _slot(keys[2])], SLOTS)
    assert [(p.index, SLOTS[p.slot].key) for p in placed] == [(1, keys[1])]


def test_align_leaves_a_row_that_fits_two_free_rows_unplaced():
    # between 4. and 7. two rows are free, and "属于类信息" (no ordinal) fits both
    keys = ["withheld.third_party", "withheld.enforcement_file"]
    labels = [T3[keys[0]], "属于类信息", T3[keys[1]]]
    assert align(labels, [_slot(keys[0]), None, _slot(keys[1])], SLOTS) == []
    # with its ordinal, the row is the 5th
    placed = align([T3[keys[0]], "5.属于类信息", T3[keys[1]]], [_slot(keys[0]), None, _slot(keys[1])], SLOTS)
    assert [SLOTS[p.slot].key for p in placed] == ["withheld.internal_affairs"]


def test_align_keeps_anchors_printed_out_of_order():
    # rows printed in another order stay matched by their labels; the damaged row is placed
    keys = ["not_processed.excessive", "not_processed.duplicate", "not_processed.publication"]
    labels = [T3[keys[0]], T3[keys[1]], "3.要求提供出版物"]
    placed = align(labels, [_slot(keys[0]), _slot(keys[1]), None], SLOTS)
    assert [SLOTS[p.slot].key for p in placed] == ["not_processed.publication"]


def test_align_never_takes_an_anchored_row():
    key = "withheld.third_party"
    labels = [T3[key], "4.保护第三方合法权"]
    assert all(SLOTS[p.slot].key != key for p in align(labels, [_slot(key), None], SLOTS))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10 ** 6), frac=st.floats(0.1, 0.6), share=st.floats(0.2, 1.0),
       mode=st.sampled_from(dg.VERTICAL_MODES + ("none",)), style=st.sampled_from(["tabs", "loose"]),
       lost=st.one_of(st.none(), st.sampled_from(STD.t3_order)), version=st.sampled_from(["2021", "2019"]))
def test_damaged_labels_never_yield_a_wrong_value(seed, frac, share, mode, style, lost, version):
    rng = random.Random(seed)
    inp = random_consistent_input(rng, zero_prob=0.1, version=version)
    cells = {k: v for k, v in inp.cells.items()}
    rows = [r.key for r in STD.t3_rows if rng.random() < share]
    t2_rows = [r.key for r in STD.t2[version]["rows"] if rng.random() < share]
    labels = dg.dropped_labels(frac, rows) | dg.dropped_t2_labels(frac, t2_rows, version)
    text = render(cells, style=style, labels=labels, version=version)
    if mode != "none":
        text = dg.vertical(text, mode, sep="\t" if style == "tabs" else " ", labels=labels, version=version)
    want = _plain(cells)
    if lost is not None and lost in STD.t3_row_keys(version):
        # the row is not printed at all (a text layer lost its line): its cells must stay null
        printed = labels.get(f"t3.{lost}", T3[lost])
        text = "\n".join(ln for ln in text.split("\n") if printed not in ln)
        want |= {f"t3.{lost}.{c}": None for c in STD.t3_cols}
    assert _wrong(_x(text), want) == []


def _pdf_labels(frac: float):
    """Labels for the composer: 表三 rows missing characters, 三、本年度办理结果 printed one
    character per line down its merged cell."""
    from nianbao.render.layout import Labels

    def fn(kind: str, key: str, text: str) -> str:
        if kind == "t3.row":
            return dg.drop_middle(text, frac)
        if kind == "t3.group" and key == "results":
            return "\n".join(text)
        return text
    return Labels(fn)


PDF_CASES = [("sample", 0.2), ("sample", 0.35), ("varied", 0.3)]


@pytest.fixture(scope="module")
def damaged_pdfs(tmp_path_factory):
    """(case, answer key, PDF path): DOCX by the composer with damaged labels, then PDF by
    LibreOffice, whose text layer breaks the vertical group cells into pieces."""
    from nianbao.compose import render as compose
    from nianbao.compose.convert import docx_to_pdf
    from nianbao.compose.data import load_input

    d = tmp_path_factory.mktemp("damaged_pdf")
    out = []
    for i, (data, frac) in enumerate(PDF_CASES):
        inp = load_input(SAMPLES / "000_33ff4c3c35a3d77b.truth.json") if data == "sample" else \
            random_consistent_input(random.Random(5), zero_prob=0.1, agency="某某县某某镇人民政府", year=2023)
        (d / f"{i}.docx").write_bytes(compose(inp, "docx", _pdf_labels(frac)))
        out.append((_plain(inp.cells), docx_to_pdf(d / f"{i}.docx", d / f"{i}.pdf")))
    return out


@pytest.mark.slow
@pytest.mark.parametrize("case", range(len(PDF_CASES)))
def test_pdf_with_vertical_group_label_and_damaged_labels(damaged_pdfs, case):
    want, pdf = damaged_pdfs[case]
    _exact(extract_document(read(str(pdf), pdf.read_bytes())), want)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
@pytest.mark.parametrize("case", range(len(PDF_CASES)))
def test_pdftotext_of_damaged_pdf(damaged_pdfs, case, tmp_path):
    """``pdftotext -layout`` puts the pieces of the vertical cells (``（三）不``, ``予公开``,
    ``办``) into the rows beside them: read exactly. Plain ``pdftotext`` scrambles the
    cells: never a wrong value."""
    want, pdf = damaged_pdfs[case]
    for layout in (True, False):
        txt = tmp_path / f"{layout}.txt"
        subprocess.run(["pdftotext"] + (["-layout"] if layout else []) + [str(pdf), str(txt)], check=True,
                       capture_output=True, timeout=60)
        r = extract_document(read(txt.name, txt.read_bytes()))
        if layout:
            _exact(r, want)
        assert _wrong(r, want) == []
