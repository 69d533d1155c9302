"""HTML and Markdown writers: real tables with spans; pipe tables whose rows carry their
full labels; escaping; decimals exactly as given."""
from __future__ import annotations

import random
from decimal import Decimal

import pytest
from lxml import html as lhtml

from nianbao.compose import render
from fixturegen import random_consistent_input
from nianbao.compose.body import tables
from nianbao.render.markdown import flatten, html_safe
from nianbao.standard import load

STD = load()


@pytest.fixture(scope="module")
def inp():
    i = random_consistent_input(random.Random(11), agency="测试<script>alert(1)</script>局", year=2023)
    i.cells["t2.fees.amount"] = Decimal("0.6625")
    i.cells["t4.review.pending"] = None
    i.cells["t4.review.total"] = None
    i.sections["s5_problems"] = "问题一：A|B <b>不是标签</b>\n改进：第二段"
    return i


def _grid(table) -> dict[tuple[int, int], tuple[str, int, int]]:
    """(row, col) → (text, rowspan, colspan) for origin cells, resolving spans."""
    taken: set[tuple[int, int]] = set()
    out = {}
    for r, tr in enumerate(table.findall(".//tr")):
        c = 0
        for td in tr.findall("td"):
            while (r, c) in taken:
                c += 1
            rs, cs = int(td.get("rowspan", 1)), int(td.get("colspan", 1))
            out[(r, c)] = (td.text_content(), rs, cs)
            for i in range(rs):
                for j in range(cs):
                    taken.add((r + i, c + j))
            c += cs
    return out


def test_html_self_contained_and_escaped(inp):
    page = render(inp, "html").decode("utf-8")
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "<link" not in page and "src=" not in page
    doc = lhtml.fromstring(page)
    assert doc.find(".//h1").text_content() == inp.display_title()
    assert [h.text_content() for h in doc.findall(".//h2")] == [s.canonical for s in STD.sections]
    paras = [p.text_content() for p in doc.findall(".//p")]
    assert "问题一：A|B <b>不是标签</b>" in paras and "改进：第二段" in paras


def test_html_tables_have_official_spans(inp):
    doc = lhtml.fromstring(render(inp, "html"))
    t2, t3, t4 = doc.findall(".//table")
    g3 = _grid(t3)
    assert g3[(0, 0)] == (STD.t3_header["header_note"], 3, 3)
    assert g3[(0, 3)] == (STD.t3_header["header_top"], 1, 7)
    assert g3[(1, 4)] == (STD.t3_header["header_org"], 1, 5)
    rows = STD.t3_row_keys()
    assert g3[(3 + rows.index("granted"), 0)][1:] == (22, 1)
    for i, r in enumerate(rows):
        for j, c in enumerate(STD.t3_cols):
            assert g3[(3 + i, 3 + j)][0] == str(inp.cells[f"t3.{r}.{c}"])
    g4 = _grid(t4)
    assert g4[(0, 5)] == (STD.t4_top[1]["canonical"], 1, 10)
    assert g4[(3, 3)][0] == ""          # blank stays blank
    g2 = _grid(t2)
    assert any(v == ("0.6625", 1, 3) for v in g2.values())


def test_md_rows_carry_full_labels(inp):
    md = render(inp, "md").decode("utf-8")
    lines = md.splitlines()
    assert lines[0] == f"# {html_safe(inp.display_title())}"      # a title's HTML is shown as text
    for s in STD.sections:
        assert f"## {s.canonical}" in lines
    rows = STD.t3_row_keys()
    label = {r.key: r.canonical for r in STD.t3_rows}
    res = next(g.canonical for g in STD.t3_groups if g.key == "results")
    withheld = next(g.canonical for g in STD.t3_groups if g.key == "withheld")
    k = "withheld.state_secret"
    vals = " | ".join(str(inp.cells[f"t3.{k}.{c}"]) for c in STD.t3_cols)
    assert f"| {res} | {withheld} | {label[k]} | {vals} |" in lines
    k = "new"
    vals = " | ".join(str(inp.cells[f"t3.{k}.{c}"]) for c in STD.t3_cols)
    assert f"| {label[k]} |  |  | {vals} |" in lines
    assert "0.6625 |  |  |" in md                  # spanned values are not repeated


def test_md_escapes_pipes(inp):
    md = render(inp, "md").decode("utf-8")
    assert "问题一：A|B" in md          # body text is not a table row
    from nianbao.render.markdown import esc
    assert esc("a|b") == "a\\|b"
    assert esc("<b>&") == "&lt;b&gt;&amp;" and "<script" not in md


def test_md_flatten_repeats_vertical_labels_only(inp):
    grid = flatten(tables(inp)["s3_requests"])
    rows = STD.t3_row_keys()
    res = next(g.canonical for g in STD.t3_groups if g.key == "results")
    assert all(grid[3 + rows.index(r)][0] == res for r in rows[2:-1])
    assert grid[3 + rows.index("carry_forward")][0] != res
    # the 勾稽 note (3×3) is written once
    assert sum(x == STD.t3_header["header_note"] for row in grid for x in row) == 1
