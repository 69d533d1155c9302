"""Damage: numbers as real reports print them (issue 9, item 2).

Fixtures are answer keys rendered by textgen (text renderings) and the composer (HTML),
with one printed number then rewritten the way reports print it: with a unit
(``251000元``, ``3.5万元``, ``12件``), thousands separators, full-width digits, a
trailing ``.00``; or damaged into thousands of digits. The value is the printed number
(never converted; the unit is said in a ``printed-unit`` note of the full output), and a
number too long to be one is ``unreadable`` with a note, never an Infinity.
"""
from __future__ import annotations

import json

import pytest

from conftest import SAMPLES, load_truth
from fixturegen import random_consistent_input
from nianbao.compose import render as compose
from nianbao.compose.data import ComposeInput
from nianbao.extract import extract_document
from nianbao.normalize import MAX_DIGITS
from nianbao.readers import read
from nianbao.standard import load
from textgen import render

STD = load()
BASE = load_truth(SAMPLES / "004_bd4d68dcca3e3128.truth.json")
CELLS = dict(BASE["cells"])
T2_ROW = {r.key: r.canonical for r in STD.t2["2021"]["rows"]}
T3_ROW = {r.key: r.canonical for r in STD.t3_rows}


def _x(text: str, name: str = "r.txt"):
    return extract_document(read(name, text.encode("utf-8")))


def _print_as(text: str, label: str, index: int, printed: str) -> str:
    """The line of row ``label`` (tab cells) with its ``index``-th value printed as ``printed``."""
    lines = text.split("\n")
    for i, ln in enumerate(lines):
        cells = ln.split("\t")
        if label in cells:
            j = cells.index(label) + 1 + index
            cells[j] = printed
            lines[i] = "\t".join(cells)
            return "\n".join(lines)
    raise AssertionError(label)


def _notes(r, code: str):
    return [n for n in r.notes if n.code == code]


def _dump(r) -> str:
    return json.dumps(r.to_dict(), ensure_ascii=False, allow_nan=False)


@pytest.mark.parametrize("printed,value,unit,mismatch", [
    ("251000元", 251000, "元", True),
    ("3.5万元", 3.5, "万元", False),
    ("0.6625万元", 0.6625, "万元", False),
    ("¥1200", 1200, "元", True),
])
def test_fee_with_a_unit_keeps_the_printed_number(printed, value, unit, mismatch):
    r = _x(_print_as(render(CELLS, style="tabs"), T2_ROW["fees"], 0, printed))
    cv = r.cells["t2.fees.amount"]
    assert cv.value == value and cv.kind == "number" and cv.raw == printed
    n = _notes(r, "printed-unit")
    assert len(n) == 1 and n[0].keys == ["t2.fees.amount"] and n[0].evidence["unit"] == unit
    assert (n[0].evidence["column_unit"] == "万元") is mismatch
    assert {k: v for k, v in r.values().items() if k != "t2.fees.amount"} == \
        {k: v for k, v in CELLS.items() if k != "t2.fees.amount"}


def test_counts_with_a_unit_are_one_note_per_table():
    text = render(CELLS, style="tabs")
    for i in range(7):
        text = _print_as(text, T3_ROW["granted"], i, f"{i}件")
    text = _print_as(text, T2_ROW["penalty"], 0, "24件")
    r = _x(text)
    assert [r.cells[f"t3.granted.{c}"].value for c in STD.t3_cols] == list(range(7))
    assert r.cells["t2.penalty.decisions"].value == 24
    by_table = {n.message[:2]: n for n in _notes(r, "printed-unit")}
    assert sorted(by_table) == ["表三", "表二"] and len(by_table["表三"].keys) == 7
    assert by_table["表三"].evidence["column_unit"] is None


@pytest.mark.parametrize("printed,value", [("1,234", 1234), ("1，234", 1234), ("１２３４", 1234), ("1234.00", 1234),
                                           ("1,234.00", 1234), ("１，２３４件", 1234)])
def test_count_layouts(printed, value):
    r = _x(_print_as(render(CELLS, style="tabs"), T2_ROW["penalty"], 0, printed))
    cv = r.cells["t2.penalty.decisions"]
    assert cv.value == value and isinstance(cv.value, int) and cv.kind == "number"


def test_2019_procurement_amount_in_yuan_kept():
    inp = random_consistent_input(__import__("random").Random(3), version="2019")
    text = _print_as(render(inp.cells, style="tabs", version="2019", year=2020),
                     next(r.canonical for r in STD.t2["2019"]["rows"] if r.key == "procurement"), 1, "75394432.52元")
    r = _x(text)
    assert r.format_version == "2019"
    assert r.cells["t2v19.procurement.amount"].value == 75394432.52
    assert _notes(r, "printed-unit")[0].evidence["unit"] == "元"


def test_header_printing_another_unit_is_noted():
    col = STD.t2["2021"]["columns"]["amount"].canonical
    printed = col.replace("万元", "元")
    r = _x(render(CELLS, style="tabs", labels={"col.amount": printed}))
    assert r.cells["t2.fees.amount"].value == CELLS["t2.fees.amount"]
    n = _notes(r, "printed-unit")
    assert len(n) == 1 and n[0].evidence["unit"] == "元" and n[0].evidence["column_unit"] == "万元"
    assert n[0].keys == ["t2.fees.amount"]


@pytest.mark.parametrize("key_row,index,decimal", [("granted", 0, False), ("fees", 0, True)])
@pytest.mark.parametrize("digits", [MAX_DIGITS + 1, 400, 5000])
def test_endless_digits_are_unreadable_never_infinite(key_row, index, decimal, digits):
    label = T2_ROW["fees"] if decimal else T3_ROW[key_row]
    key = "t2.fees.amount" if decimal else "t3.granted.natural_person"
    r = _x(_print_as(render(CELLS, style="tabs"), label, index, "9" * digits + (".5" if decimal else "")))
    cv = r.cells[key]
    assert cv.value is None and cv.kind == "unreadable"
    n = _notes(r, "number-too-long")
    assert len(n) == 1 and n[0].keys == [key] and n[0].evidence["digits"] >= digits
    assert len(n[0].message) < 200
    _dump(r)


def test_longest_allowed_number_is_exact():
    r = _x(_print_as(render(CELLS, style="tabs"), T2_ROW["penalty"], 0, "9" * MAX_DIGITS))
    assert r.cells["t2.penalty.decisions"].value == int("9" * MAX_DIGITS)
    _dump(r)


def test_html_fee_with_unit_and_separator():
    inp = ComposeInput(agency=BASE["agency"], year=BASE["year"], format_version="2021", cells=dict(CELLS),
                       source="test")
    html = compose(inp, "html").decode("utf-8")
    cell = '<td class="value" colspan="3">0.6625</td>'
    assert cell in html
    html = html.replace(cell, '<td class="value" colspan="3">6,625.00元</td>')
    r = _x(html, "r.html")
    assert r.cells["t2.fees.amount"].value == 6625 and r.cells["t2.fees.amount"].raw == "6,625.00元"
    assert _notes(r, "printed-unit")[0].evidence == {"unit": "元", "printed": {"t2.fees.amount": "6,625.00元"},
                                                      "column_unit": "万元"}
