"""DOCX writer: structure read back from the document XML (merged cells, exact labels,
values in the right cells, fonts, headings)."""
from __future__ import annotations

from decimal import Decimal

import pytest

from conftest import SAMPLES
from nianbao.compose import render
from nianbao.compose.data import load_cells_json
from fixturegen import make_labels, random_consistent_input
from nianbao.standard import load
from test_compose_helpers import W, at, docx_tables, docx_xml

STD = load()
S004 = next(SAMPLES.glob("004_*.truth.json"))
S000 = next(SAMPLES.glob("000_*.truth.json"))


@pytest.fixture(scope="module")
def inp():
    import random
    i = random_consistent_input(random.Random(7), agency="测试市测试局", year=2024)
    i.cells["t2.fees.amount"] = Decimal("5949.088667")
    i.cells["t2.rules.issued"] = None          # a blank cell
    return i


@pytest.fixture(scope="module")
def docx(inp):
    return render(inp, "docx")


@pytest.fixture(scope="module")
def tables(docx):
    return docx_tables(docx)


def _paragraphs(docx):
    root = docx_xml(docx)
    body = root.find(f"{{{W}}}body")
    out = []
    for p in body.findall(f"{{{W}}}p"):
        style = p.find(f"{{{W}}}pPr/{{{W}}}pStyle")
        text = "".join(t.text or "" for t in p.iter(f"{{{W}}}t"))
        out.append((style.get(f"{{{W}}}val") if style is not None else None, text))
    return out


def test_title_and_six_sections_in_order(docx, inp):
    paras = _paragraphs(docx)
    assert paras[0] == ("Title", f"测试市测试局2024年{STD.title_pattern}")
    headings = [t for s, t in paras if s == "Heading1"]
    assert headings == [s.canonical for s in STD.sections]


def test_three_tables_follow_sections_2_3_4(docx):
    root = docx_xml(docx)
    body = root.find(f"{{{W}}}body")
    seq = []
    for el in body:
        if el.tag == f"{{{W}}}tbl":
            seq.append("TABLE")
        elif el.tag == f"{{{W}}}p":
            st = el.find(f"{{{W}}}pPr/{{{W}}}pStyle")
            if st is not None and st.get(f"{{{W}}}val") == "Heading1":
                seq.append("".join(t.text or "" for t in el.iter(f"{{{W}}}t")))
    names = [s.canonical for s in STD.sections]
    assert seq == [names[0], names[1], "TABLE", names[2], "TABLE", names[3], "TABLE", names[4], names[5]]


def test_t2_layout_and_values(tables, inp):
    t2 = tables[0]
    cap = STD.t2["2021"]["captions"]
    # caption rows merged across all four columns
    assert at(t2, 0, 0).text == cap[0].canonical and at(t2, 0, 0).colspan == 4
    assert at(t2, 1, 0).text == STD.t2["2021"]["header_first"]
    assert [at(t2, 1, c).text for c in (1, 2, 3)] == [STD.t2["2021"]["columns"][k].canonical
                                                      for k in ("issued", "repealed", "in_force")]
    assert at(t2, 2, 0).text == "规章" == STD.label_of("t2.rules.issued")[0]
    assert at(t2, 2, 1).text == ""                 # blank cell stays blank
    assert at(t2, 3, 3).text == str(inp.cells["t2.normative.in_force"])
    captions = [c.text for c in t2 if c.colspan == 4]
    assert captions == [c.canonical for c in cap]
    # one-column blocks: header and value span the three value columns
    fee_label = next(c for c in t2 if c.text == STD.label_of("t2.fees.amount")[0])
    fee = at(t2, fee_label.row, 1)
    assert fee.colspan == 3 and fee.text == "5949.088667"
    lic_header = at(t2, fee_label.row - 1, 1)
    assert lic_header.text == STD.label_of("t2.fees.amount")[1] and lic_header.colspan == 3


def test_t3_merged_header(tables):
    t3 = tables[1]
    note = at(t3, 0, 0)
    assert note.text == STD.t3_header["header_note"]
    assert (note.rowspan, note.colspan) == (3, 3)
    top = at(t3, 0, 3)
    assert top.text == STD.t3_header["header_top"] and top.colspan == 7
    np_, org, tot = at(t3, 1, 3), at(t3, 1, 4), at(t3, 1, 9)
    assert (np_.text, np_.rowspan) == ("自然人", 2)
    assert (org.text, org.colspan) == (STD.t3_header["header_org"], 5)
    assert (tot.text, tot.rowspan) == ("总计", 2)
    assert [at(t3, 2, c).text for c in range(4, 9)] == [c.canonical for c in STD.t3_columns[1:6]]


def test_t3_label_block(tables):
    t3 = tables[1]
    rows = STD.t3_row_keys()
    assert len({c.row for c in t3}) == 3 + len(rows) == 28
    label = {r.key: r.canonical for r in STD.t3_rows}
    # rows 一/二/四 span the three label columns
    for k in ("new", "carried_over", "carry_forward"):
        c = at(t3, 3 + rows.index(k), 0)
        assert (c.text, c.colspan, c.rowspan) == (label[k], 3, 1)
    # 三、本年度办理结果: one vertical cell over the 22 result rows
    res = at(t3, 3 + rows.index("granted"), 0)
    assert res.text == next(g.canonical for g in STD.t3_groups if g.key == "results")
    assert res.rowspan == 22 and res.colspan == 1
    # （一）（二）（七） span two label columns
    for k in ("granted", "partial", "result_total"):
        c = at(t3, 3 + rows.index(k), 1)
        assert (c.text, c.colspan) == (label[k], 2)
    # group cells (三)…(六) are vertical, with their sub-rows beside them
    for g, n in (("withheld", 8), ("unavailable", 3), ("not_processed", 5), ("other", 3)):
        first = next(r for r in rows if r.startswith(g + "."))
        c = at(t3, 3 + rows.index(first), 1)
        assert c.text == next(x.canonical for x in STD.t3_groups if x.key == g)
        assert (c.rowspan, c.colspan) == (n, 1)
        for r in rows:
            if r.startswith(g + "."):
                assert at(t3, 3 + rows.index(r), 2).text == label[r]


def test_t3_values_in_their_cells(tables, inp):
    t3 = tables[1]
    rows = STD.t3_row_keys()
    for i, r in enumerate(rows):
        for j, c in enumerate(STD.t3_cols):
            cell = at(t3, 3 + i, 3 + j)
            assert (cell.rowspan, cell.colspan) == (1, 1)
            assert cell.text == str(inp.cells[f"t3.{r}.{c}"]), (r, c)


def test_t4_header_and_values(tables, inp):
    t4 = tables[2]
    top = STD.t4_top
    assert (at(t4, 0, 0).text, at(t4, 0, 0).colspan) == (top[0]["canonical"], 5)
    assert (at(t4, 0, 5).text, at(t4, 0, 5).colspan) == (top[1]["canonical"], 10)
    assert (at(t4, 1, 5).text, at(t4, 1, 5).colspan) == ("未经复议直接起诉", 5)
    assert (at(t4, 1, 10).text, at(t4, 1, 10).colspan) == ("复议后起诉", 5)
    leaves = [c.canonical for c in STD.t4_columns]
    assert [at(t4, 1, j).text for j in range(5)] == leaves and at(t4, 1, 0).rowspan == 2
    assert [at(t4, 2, j).text for j in range(5, 15)] == leaves * 2
    for j, k in enumerate(STD.t4_keys):
        assert at(t4, 3, j).text == str(inp.cells[k])


def test_fonts_east_asian_and_borders(docx):
    root = docx_xml(docx)
    east = {el.get(f"{{{W}}}eastAsia") for el in root.iter(f"{{{W}}}rFonts")}
    assert {"宋体", "黑体", "仿宋"} <= east
    for tbl in root.iter(f"{{{W}}}tbl"):
        borders = tbl.find(f"{{{W}}}tblPr/{{{W}}}tblBorders")
        assert borders is not None and borders.find(f"{{{W}}}insideH").get(f"{{{W}}}val") == "single"


def test_sample_004_fee_printed_exactly():
    inp = load_cells_json(S004)
    t2 = docx_tables(render(inp, "docx"))[0]
    assert any(c.text == "0.6625" for c in t2)
    assert not any("0.66250" in c.text or "e-" in c.text for c in t2)


def test_sample_000_inconsistent_values_written_as_given():
    inp = load_cells_json(S000)
    t3 = docx_tables(render(inp, "docx"))[1]
    rows = STD.t3_row_keys()
    assert at(t3, 3 + rows.index("result_total"), 3).text == "1"
    assert at(t3, 3 + rows.index("unavailable.not_held"), 3).text == "2"


def test_label_line_breaks_are_real_breaks(inp):
    docx = render(inp, "docx", make_labels(["line_breaks"]))
    t3 = docx_tables(docx)[1]
    assert at(t3, 2, 4).text == "商业\n企业"
    root = docx_xml(docx)
    assert root.find(f".//{{{W}}}tbl//{{{W}}}br") is not None


def test_opens_with_python_docx(docx):
    import io

    import docx as pydocx
    d = pydocx.Document(io.BytesIO(docx))
    assert len(d.tables) == 3
    assert d.core_properties.title.endswith(STD.title_pattern)
