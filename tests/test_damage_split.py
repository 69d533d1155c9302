"""Damage: tables as converters write them (issue 9, "tables as converters write them").

Fixtures are answer keys rendered as Markdown by ``textgen`` with one table reshaped by
``damagegen``: 表四 as three 5-column tables under headings naming their groups, 表三 as
one small table per row under generic headers (``列1…``), 表三's labels and numbers
printed as two blocks, page footers and page headers inside 表三. Each reads back
exactly; where the shape does not say where the numbers belong, they stay null.
"""
from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import damagegen as dg
from conftest import SAMPLES, load_truth
from fixturegen import random_consistent_input
from nianbao.extract import extract_document
from nianbao.readers import read
from nianbao.standard import load
from textgen import render

STD = load()
BASE = dict(load_truth(SAMPLES / "000_33ff4c3c35a3d77b.truth.json")["cells"])
# distinct 表四 numbers (each group's total the sum of its results), so a misplaced one shows
for _i, _g in enumerate(STD.t4_groups):
    _res = [c.key for c in STD.t4_columns if c.key != "total"]
    BASE |= {f"t4.{_g.key}.{c}": 10 * _i + j + 1 for j, c in enumerate(_res)}
    BASE[f"t4.{_g.key}.total"] = sum(10 * _i + j + 1 for j in range(len(_res)))


def _x(text: str, name: str = "r.md"):
    return extract_document(read(name, text.encode("utf-8")))


def _exact(r, want: dict) -> None:
    got = r.values()
    assert got == {k: want.get(k) for k in got}


def _wrong(r, want: dict) -> list[str]:
    return [k for k, v in r.values().items() if v is not None and v != want.get(k)]


def _replace(cells: dict, section: int, lines: list[str]) -> str:
    """The Markdown rendering with the table of section ``section`` (2, 3 or 4) replaced."""
    md = render(cells, style="markdown").split("\n")
    heads = [i for i, ln in enumerate(md) if ln[:2] in ("二、", "三、", "四、", "五、")]
    start, end = heads[section - 2], heads[section - 1]
    return "\n".join(md[: start + 1] + lines + [""] + md[end:])


@pytest.mark.parametrize("heading", ["{}", "### {}", "**{}**", "（一）{}情况"])
def test_t4_as_three_tables_under_group_headings(heading):
    r = _x(_replace(BASE, 4, dg.split_t4(BASE, heading)))
    _exact(r, BASE)


def test_t4_as_three_tables_each_naming_its_group_in_its_first_row():
    _exact(_x(_replace(BASE, 4, dg.split_t4(BASE, inside=True))), BASE)


def test_t4_split_tables_naming_one_group_twice_are_not_placed():
    lines = dg.split_t4(BASE)
    lines = [ln.replace("复议后起诉", "未经复议直接起诉") for ln in lines]
    r = _x(_replace(BASE, 4, lines))
    assert not _wrong(r, BASE)
    assert all(r.cells[k].value is None for k in STD.t4_keys if k.startswith("t4.suit"))


@pytest.mark.parametrize("header_at", [None, 0, 7])
def test_t3_one_small_table_per_row_with_generic_headers(header_at):
    _exact(_x(_replace(BASE, 3, dg.split_t3(BASE, header_at))), BASE)


def test_t3_under_a_generic_header_row():
    _exact(_x(_replace(BASE, 3, dg.generic_t3(BASE))), BASE)


@pytest.mark.parametrize("shape", ["first", "below"])
def test_t2_captions_and_headers_away_from_their_rows(shape):
    cells = dict(BASE) | {k: i + 1 for i, k in enumerate(STD.t2_keys())}
    _exact(_x(_replace(cells, 2, dg.t2_floating(cells, shape))), cells)


def test_t3_labels_and_numbers_as_two_blocks_are_paired_by_count():
    _exact(_x(_replace(BASE, 3, dg.detach_t3(BASE))), BASE)


def test_t3_two_blocks_whose_counts_differ_stay_null():
    lines = dg.detach_t3(BASE)
    last_values = max(i for i, ln in enumerate(lines) if ln.startswith("|  |  |  |"))
    del lines[last_values]          # one value row lost: which row lost it is unknown
    r = _x(_replace(BASE, 3, lines))
    assert not _wrong(r, BASE)
    assert all(r.cells[f"t3.new.{c}"].value is None for c in STD.t3_cols)


@pytest.mark.parametrize("style", ["tabs", "markdown", "loose"])
@pytest.mark.parametrize("header", [None, "某某县人民政府2023年政府信息公开工作年度报告"])
def test_page_footer_inside_t3(style, header):
    text = dg.with_footer(render(BASE, style=style), STD.t3_row_entry("withheld.third_party").canonical,
                          "| — 7 — |" if style == "markdown" else "— 7 —", header)
    _exact(_x(text, "r.md" if style == "markdown" else "r.txt"), BASE)


def _varied() -> dict:
    """A consistent report with few zeros (a number pushed one column over shows)."""
    inp = random_consistent_input(random.Random(9), zero_prob=0.05)
    return {k: (float(v) if v is not None and not isinstance(v, int) else v) for k, v in inp.cells.items()}


@pytest.mark.parametrize("style,footer", [("pipes", "— 7 — |"), ("cells", "\t— 7 —"), ("cells", "— 7 —"),
                                          ("cells", "\t第 7 页 共 9 页"), ("tabs", "- 7 -")])
def test_page_number_among_the_cells_of_a_row_is_not_a_value(style, footer):
    cells = _varied()
    lines = render(cells, style=style).split("\n")
    label = STD.t3_row_entry("withheld.third_party").canonical
    i = next(i for i, ln in enumerate(lines) if label in ln)
    at = i + 1 if style == "tabs" else i + 1 + len(STD.t3_cols)     # after the row's last value cell
    text = "\n".join(lines[:at] + [footer] + lines[at:])
    _exact(_x(text, "r.txt"), cells)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10 ** 6), shape=st.sampled_from(["t4", "t4in", "t3", "t3h", "generic", "t2first", "t2below", "detach",
                                             "detach_lost"]))
def test_converter_shapes_never_yield_a_wrong_value(seed, shape):
    inp = random_consistent_input(random.Random(seed), zero_prob=0.1)
    cells = {k: (float(v) if v is not None and not isinstance(v, int) else v) for k, v in inp.cells.items()}
    if shape.startswith("t4"):
        text = _replace(inp.cells, 4, dg.split_t4(inp.cells, inside=shape == "t4in"))
    elif shape.startswith("t3"):
        text = _replace(inp.cells, 3, dg.split_t3(inp.cells, 3 if shape == "t3h" else None))
    elif shape == "generic":
        text = _replace(inp.cells, 3, dg.generic_t3(inp.cells))
    elif shape.startswith("t2"):
        text = _replace(inp.cells, 2, dg.t2_floating(inp.cells, shape[2:]))
    else:
        lines = dg.detach_t3(inp.cells)
        if shape == "detach_lost":
            del lines[-1]
        text = _replace(inp.cells, 3, lines)
    assert _wrong(_x(text), cells) == []
