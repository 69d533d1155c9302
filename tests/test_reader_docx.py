"""DOCX reader: merged cells (gridSpan, vMerge, gridBefore), body order, revisions, fields,
numbering, nested tables, zip-bomb and damage guards."""
from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import docx
import pytest
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls

from nianbao.grid import GridTable, Paragraph
from nianbao.readers import read
from nianbao.readers.base import Limits, ReadError
from nianbao.readers.docx import DocxReader, format_number

HEADERS = ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]
# (level-1, level-2, level-3 label, values); None = merged with the cell above / spans the label columns
ROWS = [
    ("一、本年新收政府信息公开申请数量", None, None, [80, 1, 0, 0, 0, 0, 81]),
    ("二、上年结转政府信息公开申请数量", None, None, [0, 0, 0, 0, 0, 0, 0]),
    ("三、本年度办理结果", "（一）予以公开", None, [22, 0, 0, 0, 0, 0, 22]),
    ("三、本年度办理结果", "（三）不予公开", "1.属于国家秘密", [1, 0, 0, 0, 0, 0, 1]),
    ("三、本年度办理结果", "（三）不予公开", "2.其他法律行政法规禁止公开", [2, 0, 0, 0, 0, 0, 2]),
    ("三、本年度办理结果", "（三）不予公开", "3.危及“三安全一稳定”", [3, 0, 0, 0, 0, 0, 3]),
    ("三、本年度办理结果", "（七）总计", None, [80, 1, 0, 0, 0, 0, 81]),
    ("四、结转下年度继续办理", None, None, [0, 0, 0, 0, 0, 0, 0]),
]


def save(d) -> bytes:
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def convert(data: bytes, name: str = "r.docx"):
    return DocxReader().convert(Path(name), data)


def build_table3(d):
    """A 表三-like table: 3 header rows, 3 merged label columns, 7 value columns."""
    t = d.add_table(rows=3 + len(ROWS), cols=10)
    t.style = "Table Grid"
    t.cell(0, 0).merge(t.cell(2, 2)).text = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
    t.cell(0, 3).merge(t.cell(0, 9)).text = "申请人情况"
    t.cell(1, 3).merge(t.cell(2, 3)).text = "自然人"
    t.cell(1, 4).merge(t.cell(1, 8)).text = "法人或其他组织"
    t.cell(1, 9).merge(t.cell(2, 9)).text = "总计"
    for i, h in enumerate(HEADERS[1:6]):
        cell = t.cell(2, 4 + i)
        cell.text = h[:2]
        cell.add_paragraph(h[2:])                      # label over two paragraphs: 商业 / 企业
    r0 = 3
    spans: dict[tuple[int, str], list[int]] = {}
    for i, (l1, l2, l3, values) in enumerate(ROWS):
        r = r0 + i
        if l2 is None:
            t.cell(r, 0).merge(t.cell(r, 2)).text = l1
        else:
            spans.setdefault((0, l1), []).append(r)
            if l3 is None:
                t.cell(r, 1).merge(t.cell(r, 2)).text = l2
            else:
                spans.setdefault((1, l2), []).append(r)
                t.cell(r, 2).text = l3
        for j, v in enumerate(values):
            t.cell(r, 3 + j).text = str(v)
    for (col, label), rows in spans.items():
        t.cell(rows[0], col).merge(t.cell(rows[-1], col)).text = label
    return t


@pytest.fixture(scope="module")
def report_docx() -> bytes:
    d = docx.Document()
    d.core_properties.title = "某区2023年度政府信息公开工作年度报告"
    d.add_heading("某区2023年度政府信息公开工作年度报告", 0)
    d.add_heading("三、收到和处理政府信息公开申请情况", 1)
    build_table3(d)
    d.add_paragraph("四、政府信息公开行政复议、行政诉讼情况")
    return save(d)


def w_el(xml: str):
    """Parse a WordprocessingML snippet, declaring the w: namespace on its first tag."""
    return parse_xml(re.sub(r"^<([\w:]+)", lambda m: f"<{m.group(1)} {nsdecls('w')}", xml, count=1))


def cell_at(t: GridTable, row: int, col: int):
    return next(c for c in t.cells if c.row <= row < c.row + c.rowspan and c.col <= col < c.col + c.colspan)


def test_table3_merged_regions(report_docx):
    doc = convert(report_docx)
    assert doc.format == "docx"
    (t,) = doc.tables
    assert t.columns_reliable and t.rows_reliable
    assert t.n_cols == 10 and t.n_rows == 3 + len(ROWS)
    pos = {c.text: (c.row, c.col, c.rowspan, c.colspan) for c in t.cells if not c.text.isdigit()}
    assert pos["（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"] == (0, 0, 3, 3)
    assert pos["申请人情况"] == (0, 3, 1, 7)
    assert pos["自然人"] == (1, 3, 2, 1)
    assert pos["法人或其他组织"] == (1, 4, 1, 5)
    assert pos["总计"] == (1, 9, 2, 1)
    assert pos["商业\n企业"] == (2, 4, 1, 1)
    assert pos["一、本年新收政府信息公开申请数量"] == (3, 0, 1, 3)
    assert pos["三、本年度办理结果"] == (5, 0, 5, 1)
    assert pos["（一）予以公开"] == (5, 1, 1, 2)
    assert pos["（三）不予公开"] == (6, 1, 3, 1)
    assert pos["1.属于国家秘密"] == (6, 2, 1, 1)
    # one GridCell per merged region: no duplicates of merged labels
    texts = [c.text for c in t.cells]
    assert texts.count("三、本年度办理结果") == 1 and texts.count("申请人情况") == 1


def test_table3_values_under_headers(report_docx):
    t = convert(report_docx).tables[0]
    cols = [next(c for c in t.cells if c.text.replace("\n", "") == h).col for h in HEADERS]
    assert cols == list(range(3, 10))
    for label, expected in [("一、本年新收政府信息公开申请数量", ROWS[0][3]), ("2.其他法律行政法规禁止公开", ROWS[4][3]),
                            ("3.危及“三安全一稳定”", ROWS[5][3]), ("（七）总计", ROWS[6][3])]:
        row = next(c for c in t.cells if c.text == label).row
        assert [cell_at(t, row, c).text for c in cols] == [str(v) for v in expected]
        assert cell_at(t, row, 0).source.table == 0


def test_body_order_styles_and_title(report_docx):
    doc = convert(report_docx)
    assert doc.title_hint == "某区2023年度政府信息公开工作年度报告"
    kinds = [(type(b).__name__, getattr(b, "style", None)) for b in doc.blocks]
    assert kinds == [("Paragraph", "title"), ("Paragraph", "heading"), ("GridTable", None), ("Paragraph", None)]
    assert [p.source.line for p in doc.paragraphs] == [1, 2, 3]
    c = next(c for c in doc.tables[0].cells if c.text == "80")
    assert (c.source.table, c.source.row, c.source.col) == (0, 3, 3)


def test_registry_reads_docx(tmp_path, report_docx):
    p = tmp_path / "a.docx"
    p.write_bytes(report_docx)
    assert read(p).tables[0].n_cols == 10


def test_grid_before_offsets_columns():
    d = docx.Document()
    t = d.add_table(rows=2, cols=3)
    for r in range(2):
        for c in range(3):
            t.cell(r, c).text = f"{r}{c}"
    tr = t.rows[1]._tr
    tr.remove(tr.tc_lst[0])
    tr.insert(0, parse_xml(f'<w:trPr {nsdecls("w")}><w:gridBefore w:val="1"/></w:trPr>'))
    doc = convert(save(d))
    assert [(c.text, c.row, c.col) for c in doc.tables[0].cells] == [
        ("00", 0, 0), ("01", 0, 1), ("02", 0, 2), ("11", 1, 1), ("12", 1, 2)]


def test_revisions_fields_and_bookmarks():
    d = docx.Document()
    p = d.add_paragraph()
    for xml in [
        '<w:bookmarkStart w:id="0" w:name="_GoBack"/>',
        '<w:r><w:t xml:space="preserve">保留 </w:t></w:r>',
        '<w:del w:id="1" w:author="a"><w:r><w:delText>删除</w:delText></w:r></w:del>',
        '<w:ins w:id="2" w:author="a"><w:r><w:t>插入</w:t></w:r></w:ins>',
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r>',
        '<w:r><w:instrText xml:space="preserve"> PAGE \\* MERGEFORMAT </w:instrText></w:r>',
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r>',
        '<w:r><w:t>7</w:t></w:r>',
        '<w:r><w:fldChar w:fldCharType="end"/></w:r>',
        '<w:bookmarkEnd w:id="0"/>',
        '<w:r><w:tab/><w:t>末</w:t></w:r>',
    ]:
        p._p.append(w_el(xml))
    doc = convert(save(d))
    assert [b.text for b in doc.blocks] == ["保留 插入7\t末"]


def test_numbering_is_rendered():
    d = docx.Document()
    numbering = d.part.numbering_part.element
    numbering.insert(0, parse_xml(
        f'<w:abstractNum {nsdecls("w")} w:abstractNumId="90">'
        '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/>'
        '<w:suff w:val="nothing"/></w:lvl>'
        '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="（%2）"/>'
        '<w:suff w:val="nothing"/></w:lvl></w:abstractNum>'))
    numbering.append(parse_xml(f'<w:num {nsdecls("w")} w:numId="90"><w:abstractNumId w:val="90"/></w:num>'))

    def numbered(text, ilvl):
        p = d.add_paragraph(text)
        p._p.get_or_add_pPr().append(parse_xml(
            f'<w:numPr {nsdecls("w")}><w:ilvl w:val="{ilvl}"/><w:numId w:val="90"/></w:numPr>'))

    numbered("总体情况", 0)
    numbered("主动公开方面", 1)
    numbered("依申请公开方面", 1)
    numbered("主动公开政府信息情况", 0)
    numbered("规章", 1)
    d.add_paragraph("甲", style="List Number")
    d.add_paragraph("要点", style="List Bullet")
    texts = [p.text for p in convert(save(d)).paragraphs]
    assert texts == ["一、总体情况", "（一）主动公开方面", "（二）依申请公开方面", "二、主动公开政府信息情况",
                     "（一）规章", "1. 甲", "要点"]


def test_format_number():
    assert [format_number(n, "chineseCounting") for n in (1, 10, 11, 20, 23, 101)] == \
        ["一", "十", "十一", "二十", "二十三", "一百零一"]
    assert format_number(3, "decimalEnclosedCircle") == "③"
    assert format_number(4, "upperRoman") == "IV" and format_number(2, "lowerLetter") == "b"


def test_nested_table_flattened():
    d = docx.Document()
    outer = d.add_table(rows=1, cols=1)
    cell = outer.cell(0, 0)
    cell.text = "二、主动公开政府信息情况"
    inner = cell.add_table(rows=2, cols=2)
    for (r, c), v in {(0, 0): "信息内容", (0, 1): "本年制发件数", (1, 0): "规章", (1, 1): "0"}.items():
        inner.cell(r, c).text = v
    cell.add_paragraph("")
    d.add_paragraph("结束")
    doc = convert(save(d))
    assert [type(b).__name__ for b in doc.blocks] == ["Paragraph", "GridTable", "Paragraph"]
    assert doc.blocks[0].text == "二、主动公开政府信息情况"
    (t,) = doc.tables
    assert [(c.text, c.row, c.col) for c in t.cells] == [
        ("信息内容", 0, 0), ("本年制发件数", 0, 1), ("规章", 1, 0), ("0", 1, 1)]


def test_alt_chunk_html_is_read():
    r = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    rels = (f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId9" Type="{r}/aFChunk" Target="chunk.htm"/></Relationships>').encode()
    body = (f'<w:document {nsdecls("w")} xmlns:r="{r}"><w:body><w:p><w:r><w:t>前言</w:t></w:r></w:p>'
            f'<w:altChunk r:id="rId9"/><w:p><w:r><w:t>结束</w:t></w:r></w:p></w:body></w:document>').encode()
    chunk = "<html><body><p>一、总体情况</p><table><tr><td>自然人</td><td>80</td></tr></table></body></html>"
    doc = convert(zip_bytes({**MINIMAL, "word/document.xml": body, "word/_rels/document.xml.rels": rels,
                             "word/chunk.htm": chunk.encode("gbk")}))
    assert [getattr(b, "text", None) for b in doc.blocks if isinstance(b, Paragraph)] == ["前言", "一、总体情况", "结束"]
    assert [p.source.line for p in doc.paragraphs] == [1, 2, 3]
    (t,) = doc.tables
    assert [(c.text, c.source.table, c.source.col) for c in t.cells] == [("自然人", 0, 0), ("80", 0, 1)]
    assert doc.format == "docx"


def test_empty_document_warns():
    doc = convert(save(docx.Document()))
    assert doc.blocks == [] and doc.warnings and doc.title_hint is None


# --------------------------------------------------------------------------- hostile input

def zip_bytes(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


MINIMAL = {"[Content_Types].xml": b"<Types/>",
           "word/document.xml": f'<w:document {nsdecls("w")}><w:body><w:p><w:r><w:t>正文</w:t></w:r></w:p>'
                                f'</w:body></w:document>'.encode()}


def test_minimal_package_without_rels():
    assert [p.text for p in convert(zip_bytes(MINIMAL)).paragraphs] == ["正文"]


def test_too_many_members(monkeypatch):
    monkeypatch.setattr(Limits, "max_zip_members", 5)
    data = zip_bytes({**MINIMAL, **{f"word/media/{i}.bin": b"x" for i in range(10)}})
    with pytest.raises(ReadError, match="部件"):
        convert(data)


def test_compression_ratio_bomb():
    data = zip_bytes({**MINIMAL, "word/media/bomb.bin": bytes(5_000_000)})
    with pytest.raises(ReadError, match="压缩炸弹"):
        convert(data)


def test_total_uncompressed_size(monkeypatch):
    monkeypatch.setattr(Limits, "max_zip_uncompressed", 1000)
    data = zip_bytes({**MINIMAL, "word/media/a.bin": b"a" * 2000})
    with pytest.raises(ReadError, match="解压后过大"):
        convert(data)


def test_corrupt_and_truncated(report_docx):
    with pytest.raises(ReadError, match="DOCX 文件已损坏"):
        convert(b"PK\x03\x04" + b"\x00garbage" * 50)
    with pytest.raises(ReadError, match="DOCX 文件已损坏"):
        convert(report_docx[: len(report_docx) // 2])
    with pytest.raises(ReadError, match="DOCX 文件已损坏"):
        convert(zip_bytes({"[Content_Types].xml": b"<Types/>"}))
    with pytest.raises(ReadError, match="DOCX 文件已损坏"):
        convert(zip_bytes({"word/document.xml": b"<w:document><unclosed"}))


def test_encrypted_docx(tmp_path):
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500) + "EncryptedPackage".encode("utf-16-le") + bytes(500)
    with pytest.raises(ReadError, match="文件已加密"):
        convert(ole)
    p = tmp_path / "secret.docx"
    p.write_bytes(ole)
    with pytest.raises(ReadError, match="文件已加密"):
        read(p)                       # through the registry: the legacy reader claims OLE files


def test_zip_level_encryption():
    data = bytearray(zip_bytes(MINIMAL))
    # set the "encrypted" flag bit in every local and central directory header
    for sig, off in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        i = data.find(sig)
        while i >= 0:
            data[i + off] |= 1
            i = data.find(sig, i + 4)
    with pytest.raises(ReadError, match="文件已加密"):
        convert(bytes(data))


def test_no_external_entities():
    xml = (f'<?xml version="1.0"?><!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd">'
           f'<!ENTITY a "AAAAAAAA">]><w:document {nsdecls("w")}><w:body><w:p><w:r><w:t>正文&xxe;&a;</w:t>'
           f'</w:r></w:p></w:body></w:document>').encode()
    doc = convert(zip_bytes({**MINIMAL, "word/document.xml": xml}))
    text = doc.plain_text()
    assert "root:" not in text and "AAAAAAAA" not in text and text.startswith("正文")


@pytest.mark.parametrize("head,name,expected", [
    (b"PK\x03\x04....word/document.xml", "a.docx", True),
    (b"PK\x03\x04....[Content_Types].xml..word/", "noext", True),
    (b"PK\x03\x04....xl/workbook.xml", "a.xlsx", False),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "a.docx", False),
    (b"<html>", "a.docx", False),
])
def test_is_valid(head, name, expected):
    assert DocxReader.is_valid(Path(name), head) is expected


def test_cell_paragraph_lines_are_stripped():
    d = docx.Document()
    t = d.add_table(rows=1, cols=1)
    c = t.cell(0, 0)
    c.text = "  结果 "
    c.add_paragraph("")
    c.add_paragraph(" 纠正")
    assert convert(save(d)).tables[0].cells[0].text == "结果\n纠正"
    assert isinstance(convert(save(d)).blocks[0], GridTable)
    assert not any(isinstance(b, Paragraph) for b in convert(save(d)).blocks)
