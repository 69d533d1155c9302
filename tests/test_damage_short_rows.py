"""Damage: a row that prints fewer cells than its header has columns (issue 9, item 1).

Fixtures are answer keys rendered by the test generators (textgen for text renderings,
the composer for HTML/DOCX) with one cell then removed, the way conversions and PDF
text layers lose blank or merged cells. The rule: a short row is never filled from the
left. With nothing in the layout saying which columns its numbers belong to, every cell
of the row is null with an ``ambiguous-cells`` note; an empty cell that survives, or the
cell positions of a real grid (HTML, DOCX), place the numbers where they stand.
"""
from __future__ import annotations

import io
import random
import re
import zipfile

import pytest

from conftest import SAMPLES, load_truth
from fixturegen import random_consistent_input
from nianbao.compose import render as compose
from nianbao.compose.data import ComposeInput
from nianbao.extract import extract_document
from nianbao.readers import read
from nianbao.standard import load
from textgen import render

STD = load()
BASE = load_truth(SAMPLES / "000_33ff4c3c35a3d77b.truth.json")
T2_ROW = {r.key: r.canonical for r in STD.t2["2021"]["rows"]}
T3_ROW = {r.key: r.canonical for r in STD.t3_rows}
# distinct numbers, so that a number under the wrong column shows
CELLS = dict(BASE["cells"]) | {"t2.normative.issued": 5, "t2.normative.repealed": 7, "t2.normative.in_force": 9,
                               "t2.rules.issued": 1, "t2.rules.repealed": 2, "t2.rules.in_force": 3}


def _x(text: str, name: str = "r.txt"):
    return extract_document(read(name, text.encode("utf-8")))


def _edit_cells(text: str, label: str, edit, sep: str = "\t") -> str:
    """Apply ``edit`` to the value cells of the line printing the row label ``label``
    (the cells after it; group cells before it stay)."""
    lines = text.split("\n")
    for i, ln in enumerate(lines):
        if sep == " " and label in ln:
            head, _, tail = ln.partition(label)
            lines[i] = head + label + " " + " ".join(edit(tail.split()))
            return "\n".join(lines)
        cells = ln.split(sep)
        if label in cells:
            j = cells.index(label) + 1
            lines[i] = sep.join(cells[:j] + edit(cells[j:]))
            return "\n".join(lines)
    raise AssertionError(f"no row {label}")


def _codes(r) -> list[str]:
    return [n.code for n in r.notes]


def _note(r, code: str):
    return next(n for n in r.notes if n.code == code)


def _others_exact(r, want: dict, except_prefix: str) -> None:
    got = {k: v for k, v in r.values().items() if not k.startswith(except_prefix)}
    assert got == {k: want[k] for k in got}


@pytest.mark.parametrize("drop", [0, 1, 2])
def test_t2_row_missing_a_number_is_null_not_left_filled(drop):
    text = _edit_cells(render(CELLS, style="tabs"), T2_ROW["normative"], lambda v: v[:drop] + v[drop + 1:])
    r = _x(text)
    keys = ["t2.normative.issued", "t2.normative.repealed", "t2.normative.in_force"]
    assert [r.cells[k].value for k in keys] == [None, None, None]
    n = _note(r, "ambiguous-cells")
    assert n.keys == keys and n.where == "t2.normative"
    _others_exact(r, CELLS, "t2.normative.")


def test_t2_row_with_its_empty_cell_kept_is_placed():
    text = _edit_cells(render(CELLS, style="tabs"), T2_ROW["normative"], lambda v: v[:2] + [""])
    r = _x(text)
    assert r.cells["t2.normative.issued"].value == 5 and r.cells["t2.normative.repealed"].value == 7
    assert r.cells["t2.normative.in_force"].value is None and r.cells["t2.normative.in_force"].kind == "blank"
    assert "ambiguous-cells" not in _codes(r)


@pytest.mark.parametrize("style", ["tabs", "loose"])
def test_t3_row_with_six_numbers_is_null(style):
    cells = dict(CELLS) | {f"t3.granted.{c}": i + 1 for i, c in enumerate(STD.t3_cols)}
    sep = "\t" if style == "tabs" else " "
    text = _edit_cells(render(cells, style=style), T3_ROW["granted"], lambda v: v[:3] + v[4:], sep=sep)
    r = _x(text)
    keys = [f"t3.granted.{c}" for c in STD.t3_cols]
    assert all(r.cells[k].value is None for k in keys)
    assert _note(r, "ambiguous-cells").keys == keys
    _others_exact(r, cells, "t3.granted.")


def test_t4_row_with_fourteen_numbers_is_null():
    cells = dict(CELLS) | {k: i + 1 for i, k in enumerate(STD.t4_keys)}
    text = render(cells, style="tabs")
    lines = text.split("\n")
    i = next(i for i, ln in enumerate(lines) if ln.split("\t")[:3] == ["1", "2", "3"])
    lines[i] = "\t".join(lines[i].split("\t")[1:])
    r = _x("\n".join(lines))
    assert all(r.cells[k].value is None for k in STD.t4_keys)
    assert _note(r, "ambiguous-cells").keys == list(STD.t4_keys)
    _others_exact(r, cells, "t4.")


# ---------------------------------------------------------------------------- real grids

def _input(cells: dict) -> ComposeInput:
    return ComposeInput(agency=BASE["agency"], year=BASE["year"], format_version="2021", cells=dict(cells),
                        source="test")


def _drop_last_td(html: str, label: str) -> str:
    """Remove the last cell of the HTML row labelled ``label``."""
    i = html.index(f">{label}</td>")
    end = html.index("</tr>", i)
    last = html.rindex("<td", i, end)
    return html[:last] + html[end:]


def test_html_row_missing_its_last_cell_is_placed_by_position():
    cells = dict(CELLS) | {f"t3.granted.{c}": i + 1 for i, c in enumerate(STD.t3_cols)}
    html = compose(_input(cells), "html").decode("utf-8")
    html = _drop_last_td(_drop_last_td(html, T2_ROW["normative"]), T3_ROW["granted"])
    r = _x(html, "r.html")
    assert (r.cells["t2.normative.issued"].value, r.cells["t2.normative.repealed"].value) == (5, 7)
    assert r.cells["t2.normative.in_force"].value is None and r.cells["t2.normative.in_force"].kind == "absent"
    assert [r.cells[f"t3.granted.{c}"].value for c in STD.t3_cols] == [1, 2, 3, 4, 5, 6, None]
    missing = [n for n in r.notes if n.code == "missing-cell"]
    assert {k for n in missing for k in n.keys} == {"t2.normative.in_force", "t3.granted.total"}
    assert "ambiguous-cells" not in _codes(r)


def test_docx_row_missing_its_last_cell_is_placed_by_position():
    cells = dict(CELLS) | {f"t3.granted.{c}": i + 1 for i, c in enumerate(STD.t3_cols)}
    data = compose(_input(cells), "docx")
    zin = zipfile.ZipFile(io.BytesIO(data))
    xml = zin.read("word/document.xml").decode("utf-8")
    label = T3_ROW["granted"]
    i = xml.index(label)
    end = xml.index("</w:tr>", i)
    last = max(m.start() for m in re.finditer(r"<w:tc>|<w:tc ", xml[:end]))
    xml = xml[:last] + xml[end:]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            zout.writestr(item, xml.encode("utf-8") if item.filename == "word/document.xml" else zin.read(item))
    r = extract_document(read("r.docx", buf.getvalue()))
    assert [r.cells[f"t3.granted.{c}"].value for c in STD.t3_cols] == [1, 2, 3, 4, 5, 6, None]
    assert "ambiguous-cells" not in _codes(r)


# ---------------------------------------------------------------------------- never a wrong value

@pytest.mark.parametrize("style", ["tabs", "loose"])
@pytest.mark.parametrize("seed", range(6))
def test_a_lost_cell_never_yields_a_wrong_value(style, seed):
    rng = random.Random(seed)
    inp = random_consistent_input(rng, zero_prob=0.2)
    want = {k: (float(v) if k in STD.decimal_keys("2021") and v is not None else v) for k, v in inp.cells.items()}
    text = render(inp.cells, style=style, agency=inp.agency, year=inp.year)
    sep = "\t" if style == "tabs" else " "
    lines = text.split("\n")
    data_rows = [i for i, ln in enumerate(lines)
                 if len(ln.split(sep)) >= 3 and re.fullmatch(r"[\d.]+", ln.split(sep)[-1] or "x")
                 and not re.fullmatch(r"[\d.]+", ln.split(sep)[0])]
    for i in rng.sample(data_rows, 3):
        cells = lines[i].split(sep)
        j = rng.randrange(1, len(cells))
        lines[i] = sep.join(cells[:j] + cells[j + 1:])
    r = _x("\n".join(lines))
    wrong = {k: (v, want[k]) for k, v in r.values().items() if v is not None and v != want[k]}
    assert wrong == {}
    assert "ambiguous-cells" in _codes(r)
