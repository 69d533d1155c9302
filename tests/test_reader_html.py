"""HTML reader: real saved pages, spans, nested layout tables, site chrome, encodings, limits."""
from __future__ import annotations

from pathlib import Path

import pytest

from nianbao.grid import GridTable, Paragraph
from nianbao.readers import read
from nianbao.readers.base import Limits, ReadError
from nianbao.readers.html import HtmlReader

REAL = Path(__file__).resolve().parents[1] / "examples" / "real"
PAGE_2023 = REAL / "020_pingtan_2023.html"
PAGE_2018 = REAL / "024_pingtan_2018_pre2019.html"


def convert(html: str | bytes, name: str = "r.html"):
    data = html.encode("utf-8") if isinstance(html, str) else html
    return HtmlReader().convert(Path(name), data)


def cell_at(table: GridTable, row: int, col: int):
    for c in table.cells:
        if c.row <= row < c.row + c.rowspan and c.col <= col < c.col + c.colspan:
            return c
    return None


def find_cell(table: GridTable, text: str):
    return next(c for c in table.cells if c.text == text)


def norm(s: str) -> str:
    return "".join(s.split())


# --------------------------------------------------------------------------- the real pages

@pytest.fixture(scope="module")
def doc2023():
    return read(PAGE_2023)


def test_real_2023_hints(doc2023):
    assert doc2023.format == "html"
    assert doc2023.encoding == "utf-8"
    assert doc2023.title_hint == "平潭综合实验区2023年度政府信息公开工作年度报告"
    assert doc2023.date_hint == "2024-03-08"


def test_real_2023_table3_values_under_headers(doc2023):
    t3 = next(t for t in doc2023.tables if any(c.text == "一、本年新收政府信息公开申请数量" for c in t.cells))
    headers = ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]
    cols = []
    for h in headers:
        cell = next(c for c in t3.cells if norm(c.text) == h)
        assert cell.colspan == 1
        cols.append(cell.col)
    assert cols == sorted(cols) and len(set(cols)) == 7
    assert "商业\n企业" in [c.text for c in t3.cells]          # label split over two <p>
    label = find_cell(t3, "一、本年新收政府信息公开申请数量")
    values = [cell_at(t3, label.row, c).text for c in cols]
    assert values == ["80", "1", "0", "0", "0", "0", "81"]
    assert label.colspan == 3 and label.col == 0
    # a level-3 row: group cells span down, values still under the headers
    secret = find_cell(t3, "1.属于国家秘密")
    assert [cell_at(t3, secret.row, c).text for c in cols] == ["0"] * 7
    assert cell_at(t3, secret.row, 0).text == "三、本年度办理结果"
    assert cell_at(t3, secret.row, 1).text == "（三）不予公开"
    total = find_cell(t3, "（七）总计")
    assert [cell_at(t3, total.row, c).text for c in cols] == ["80", "1", "0", "0", "0", "0", "81"]
    assert label.source.table == doc2023.tables.index(t3) and label.source.row == label.row


def test_real_2023_fee_and_review_table(doc2023):
    t2 = doc2023.tables[0]
    fee = find_cell(t2, "行政事业性收费")
    assert cell_at(t2, fee.row, fee.col + 1).text == "5949.088667"
    t4 = doc2023.tables[2]
    assert t4.n_cols == 15
    assert [c.text for c in t4.rows()[-1]] == "1 1 0 0 2 4 0 0 1 5 1 0 1 0 2".split()


def test_real_2023_main_content_without_chrome(doc2023):
    texts = [p.text for p in doc2023.paragraphs]
    assert texts[0].startswith("本报告根据《中华人民共和国政府信息公开条例》")
    assert "一、总体情况" in texts and "六、其他需要报告的事项" in texts
    joined = "\n".join(texts)
    for chrome in ("无障碍浏览", "当前位置", "省人大", "省政协", "文件下载", "网站地图"):
        assert chrome not in joined
    # blocks in document order: section 二's heading comes right before the first table
    i = next(i for i, b in enumerate(doc2023.blocks) if isinstance(b, GridTable))
    assert doc2023.blocks[i - 1].text == "二、主动公开政府信息情况"
    assert len(doc2023.tables) == 3
    assert all(t.columns_reliable and t.rows_reliable for t in doc2023.tables)


def test_real_2018_free_form():
    doc = read(PAGE_2018)
    assert doc.title_hint == "平潭综合实验区2018年度政府信息公开工作年度报告"
    assert doc.date_hint == "2019-01-10"
    texts = [p.text for p in doc.paragraphs]
    assert texts[:2] == ["平潭综合实验区2018年度", "政府信息公开工作年度报告"]
    assert "一、概述" in texts
    assert len(doc.tables) == 1
    t = doc.tables[0]
    assert [c.text for c in t.rows()[1]] == ["主动公开文件数", "条", "2069", "12106"]


# --------------------------------------------------------------------------- spans

SPANS = """<html><body><table>
<tr><td rowspan="3" colspan="2">左上</td><td colspan="3">申请人情况</td></tr>
<tr><td rowspan="2">自然人</td><td colspan="2">法人</td></tr>
<tr><td>商业<br/>企业</td><td><p>科研</p><p>机构</p></td></tr>
<tr><td colspan="2">一、新收</td><td>80</td><td>1</td><td>0</td></tr>
<tr><td rowspan="2">三、结果</td><td>（一）公开</td><td>22</td><td>0</td><td>0</td></tr>
<tr><td>（二）部分&nbsp;公开</td><td>19</td><td>1</td><td></td></tr>
</table></body></html>"""


def test_rowspan_colspan_grid_occupancy():
    doc = convert(SPANS)
    (t,) = doc.tables
    assert t.n_rows == 6 and t.n_cols == 5
    pos = {c.text: (c.row, c.col, c.rowspan, c.colspan) for c in t.cells}
    assert pos["左上"] == (0, 0, 3, 2)
    assert pos["申请人情况"] == (0, 2, 1, 3)
    assert pos["自然人"] == (1, 2, 2, 1)
    assert pos["法人"] == (1, 3, 1, 2)
    assert pos["商业\n企业"] == (2, 3, 1, 1)
    assert pos["科研\n机构"] == (2, 4, 1, 1)
    assert pos["一、新收"] == (3, 0, 1, 2)
    assert pos["80"] == (3, 2, 1, 1)
    assert pos["（一）公开"] == (4, 1, 1, 1)
    assert pos["（二）部分 公开"] == (5, 1, 1, 1)       # &nbsp; → space
    row5 = [c for c in t.cells if c.row == 5]
    assert [c.col for c in row5] == [1, 2, 3, 4] and row5[-1].text == ""   # empty cell kept
    c = next(c for c in t.cells if c.text == "19")
    assert (c.source.table, c.source.row, c.source.col) == (0, 5, 2)


def test_rowspan_beyond_table_is_clamped():
    doc = convert("<table><tr><td rowspan=99>a</td><td>b</td></tr><tr><td>c</td></tr></table>")
    t = doc.tables[0]
    assert t.n_rows == 2
    assert [(c.text, c.row, c.col, c.rowspan) for c in t.cells] == [("a", 0, 0, 2), ("b", 0, 1, 1), ("c", 1, 1, 1)]


def test_rowspan_zero_spans_to_the_end():
    doc = convert("<table><tr><td rowspan=0>a</td><td>b</td></tr><tr><td>c</td></tr><tr><td>d</td></tr></table>")
    assert [(c.text, c.row, c.col, c.rowspan) for c in doc.tables[0].cells] == [
        ("a", 0, 0, 3), ("b", 0, 1, 1), ("c", 1, 1, 1), ("d", 2, 1, 1)]


def test_menu_links_with_section_names_do_not_block_descent():
    page = ("<body><div class='l'><a href='/1'>主动公开</a><a href='/2'>依申请公开</a><a href='/3'>行政复议</a></div>"
            "<div class='r'><p>关于本站</p></div>"
            "<div class='c'><p>一、总体情况</p><p>" + "正文" * 100 + "</p><p>二、主动公开政府信息情况</p></div>"
            "<div class='f'>联系我们</div></body>")
    doc = convert(page)
    assert [p.text for p in doc.paragraphs][0] == "一、总体情况"
    assert "关于本站" not in doc.plain_text() and "联系我们" not in doc.plain_text()


def test_huge_spans_are_guarded(monkeypatch):
    monkeypatch.setattr(Limits, "max_table_cells", 500)
    with pytest.raises(ReadError, match="表格"):
        convert("<table>" + "<tr><td colspan=1000>x</td></tr>" * 3 + "</table>")


def test_too_many_cells(monkeypatch):
    monkeypatch.setattr(Limits, "max_table_cells", 10)
    with pytest.raises(ReadError, match="单元格过多"):
        convert("<table>" + "<tr><td>1</td><td>2</td></tr>" * 6 + "</table>")


def test_too_much_text(monkeypatch):
    monkeypatch.setattr(Limits, "max_text_chars", 100)
    with pytest.raises(ReadError, match="网页过大"):
        convert("<p>" + "字" * 200 + "</p>")


# --------------------------------------------------------------------------- layout and chrome

NESTED = """<html><head><title>某区2022年度政府信息公开工作年度报告 - 某区人民政府</title></head><body>
<table width="100%"><tr><td>
  <h2>二、主动公开政府信息情况</h2>
  <table border="1"><tr><td colspan="2">第二十条第（一）项</td></tr><tr><td>规章</td><td>0</td></tr></table>
  <p>三、收到和处理政府信息公开申请情况</p>
  <table border="1"><tr><td>一、本年新收</td><td>5</td></tr></table>
</td></tr><tr><td>版权所有</td></tr></table>
</body></html>"""


def test_nested_layout_table_is_a_container():
    doc = convert(NESTED)
    assert doc.title_hint == "某区2022年度政府信息公开工作年度报告"
    kinds = [type(b).__name__ for b in doc.blocks]
    assert kinds[:4] == ["Paragraph", "GridTable", "Paragraph", "GridTable"]
    assert doc.blocks[0].text == "二、主动公开政府信息情况" and doc.blocks[0].style == "heading"
    t1, t2 = doc.tables
    assert [c.text for c in t1.cells] == ["第二十条第（一）项", "规章", "0"]
    assert [c.text for c in t2.cells] == ["一、本年新收", "5"]
    assert (t1.source.table, t2.source.table) == (0, 1)


LAYOUT = """<html><body><table width="980"><tr><td colspan="2"><img src="logo.gif"></td></tr>
<tr><td width="200"><a href="/1">机构概况</a><br><a href="/2">政策文件</a><br><a href="/3">政府信息公开年报</a></td>
<td><p>一、总体情况</p><p>本年度共主动公开信息1200条。</p>
<table border="1"><tr><td>规章</td><td>0</td></tr></table>
<p>三、收到和处理政府信息公开申请情况</p></td></tr></table></body></html>"""


def test_old_layout_table_site():
    doc = convert(LAYOUT)
    assert [p.text for p in doc.paragraphs] == ["一、总体情况", "本年度共主动公开信息1200条。",
                                                "三、收到和处理政府信息公开申请情况"]
    assert [c.text for c in doc.tables[0].cells] == ["规章", "0"]


CHROME = """<!DOCTYPE html><html><head><meta charset="utf-8">
<meta name="ArticleTitle" content="某局2023年政府信息公开工作年度报告">
<script>var x = "脚本里的中文不应出现";</script><style>.a{content:"样式"}</style></head><body>
<div class="header"><ul><li><a href="/">首页</a></li><li><a href="/a">政务公开</a></li><li><a href="/b">互动交流</a></li></ul></div>
<nav>导航栏目文字</nav>
<div class="leftMenu"><a href="/zdgk">主动公开</a><a href="/ysqgk">依申请公开</a><a href="/nb">年度报告</a></div>
<div class="main">
  <div class="crumb">当前位置：<a href="/">首页</a> &gt; <a href="/x">年报</a></div>
  <div class="article">
    <h1 class="title">某局2023年政府信息公开工作年度报告</h1>
    <div class="info">发布时间：2024-01-20　来源：某局</div>
    <div class="content">
      <p>一、总体情况</p><p>2023年，某局认真贯彻落实《条例》，全年主动公开政府信息120条。<br>第二行文字。</p>
      <!-- 注释里的中文不应出现 -->
      <p>二、主动公开政府信息情况</p>
      <table><tr><td>规章</td><td>0</td></tr></table>
      <p>三、收到和处理政府信息公开申请情况</p><p>本年共收到申请12件，均已按时答复。</p>
      <p>六、其他需要报告的事项</p><p>本年度未收取信息处理费。</p>
    </div>
  </div>
</div>
<div class="footer"><p>主办单位：某市某局　地址：某市某路1号　电话：0591-12345678</p><p>网站标识码：1234567890</p></div>
</body></html>"""


def test_site_chrome_is_left_out():
    doc = convert(CHROME)
    texts = [p.text for p in doc.paragraphs]
    joined = "\n".join(texts)
    for junk in ("首页", "导航栏目", "脚本里", "样式", "注释里", "主办单位", "网站标识码", "当前位置", "依申请公开"):
        assert junk not in joined
    assert "一、总体情况" in texts
    assert "2023年，某局认真贯彻落实《条例》，全年主动公开政府信息120条。" in texts
    assert "第二行文字。" in texts                       # <br> separates lines
    assert texts[-1] == "本年度未收取信息处理费。"
    assert doc.title_hint == "某局2023年政府信息公开工作年度报告"
    assert doc.date_hint == "2024-01-20"
    assert [p.source.line for p in doc.paragraphs] == list(range(1, len(texts) + 1))


def test_meta_date_beats_page_lines():
    doc = convert('<html><head><meta name="PubDate" content="2023-02-01 10:00"><title>年报_某网站</title></head>'
                  '<body><p>时间：2024-03-08</p></body></html>')
    assert doc.date_hint == "2023-02-01" and doc.title_hint == "年报"


def test_fragment_without_body():
    doc = convert("<p>一、总体情况</p><p>正文</p>", name="frag.txt")
    assert [p.text for p in doc.paragraphs] == ["一、总体情况", "正文"]
    assert doc.title_hint is None and doc.date_hint is None


def test_no_entity_expansion():
    page = ('<?xml version="1.0"?><!DOCTYPE html [<!ENTITY xxe SYSTEM "file:///etc/passwd">'
            '<!ENTITY a "AAAAAAAAAA">]><html><body><p>正文&xxe;&a;</p></body></html>')
    doc = convert(page)
    text = doc.plain_text()
    assert "root:" not in text and "AAAAAAAAAA" not in text
    assert "正文" in text


def test_empty_page_warns():
    doc = convert("<html><body><img src='a.png'></body></html>")
    assert doc.blocks == [] and doc.warnings


def test_binary_content_is_refused():
    with pytest.raises(ReadError, match="^文件内容不是文本"):
        convert(bytes(range(256)) * 20)


# --------------------------------------------------------------------------- encodings

def test_gbk_page_with_meta():
    page = ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
            '<title>年度报告</title></head><body><p>一、总体情况（全角：１２３）</p>'
            '<table><tr><td>自然人</td><td>80</td></tr></table></body></html>')
    doc = convert(page.encode("gbk"))
    assert doc.encoding == "gb18030"
    assert doc.paragraphs[0].text == "一、总体情况（全角：１２３）"
    assert [c.text for c in doc.tables[0].cells] == ["自然人", "80"]


def test_big5_page_without_meta():
    page = "<html><body><p>一、總體情況</p><p>本年新收政府資訊公開申請數量81件。</p></body></html>"
    doc = convert(page.encode("big5"))
    assert doc.encoding in ("big5", "cp950")
    assert [p.text for p in doc.paragraphs] == ["一、總體情況", "本年新收政府資訊公開申請數量81件。"]


@pytest.mark.parametrize("enc", ["utf-16", "utf-16-le"])
def test_utf16_page(enc):
    page = "<html><body><p>一、总体情况</p><p>申请81件。</p></body></html>"
    doc = convert(page.encode(enc), name="x.htm")
    assert [p.text for p in doc.paragraphs] == ["一、总体情况", "申请81件。"]


# --------------------------------------------------------------------------- sniffing

@pytest.mark.parametrize("head,name,expected", [
    (b"\xef\xbb\xbf  \n<!DOCTYPE html><html>", "a.txt", True),
    (b"<html><body>", "noext", True),
    (b"<table><tr><td>1</td></tr></table>", "a.txt", True),
    (b"<?xml version='1.0'?>\n<html xmlns='http://www.w3.org/1999/xhtml'>", "a.xml", True),
    (b"<!-- saved from url -->\n<HTML>", "a.txt", True),
    ("<html><body>".encode("utf-16"), "a.txt", True),
    ("一、总体情况\n正文".encode("utf-8"), "a.txt", False),
    (b"%PDF-1.7", "a.pdf", False),
    (b"anything", "a.htm", True),
    (b"anything", "a.SHTML", True),
])
def test_is_valid(head, name, expected):
    assert HtmlReader.is_valid(Path(name), head) is expected


def test_registry_picks_html(tmp_path):
    p = tmp_path / "report.txt"
    p.write_bytes(b"<!DOCTYPE html><html><body><p>\xe6\xad\xa3\xe6\x96\x87</p></body></html>")
    doc = read(p)
    assert doc.format == "html" and doc.paragraphs[0].text == "正文"


def test_blocks_are_typed():
    doc = convert(SPANS)
    assert all(isinstance(b, (Paragraph, GridTable)) for b in doc.blocks)
