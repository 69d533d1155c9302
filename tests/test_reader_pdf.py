"""PDF reader: the real published 淮安 2024 report, PDFs made with LibreOffice, damaged,
encrypted and scanned PDFs, and the line/paragraph/table building blocks."""
from __future__ import annotations

import importlib
import io
import re
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nianbao.grid import GridDocument, GridTable
from nianbao.readers import ReadError, read
from nianbao.readers.base import Limits
from nianbao.readers import ocr
from nianbao.readers.pdf import PdfReader
from nianbao.readers.pdf_assemble import assemble
from nianbao.readers.pdf_lattice import find_tables, fill, merge
from nianbao.readers.pdf_page import PDFIUM_LOCK, Char, PageContent
from nianbao.vocab import ErrorCode
from nianbao.readers.pdf_stream import find_stream_tables
from nianbao.readers.pdf_text import furniture, group_lines, is_page_number, line_text

REAL = Path(__file__).resolve().parents[1] / "examples" / "real"
HUAIAN = REAL / "001_huaian_2024.pdf"
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def squash(text: str) -> str:
    return "".join(text.split())


def convert(path: Path, data: bytes | None = None) -> GridDocument:
    return PdfReader().convert(path, path.read_bytes() if data is None else data)


@pytest.fixture(scope="module")
def huaian() -> GridDocument:
    assert HUAIAN.exists(), "real report missing"
    return convert(HUAIAN)


def table_with(doc: GridDocument, label: str) -> GridTable:
    found = [t for t in doc.tables if any(squash(c.text) == label for c in t.cells)]
    assert len(found) == 1, f"{label!r} is in {len(found)} tables"
    return found[0]


def row_values(table: GridTable, label: str) -> dict[int, str]:
    """Grid column → text of the cells right of the cell labelled ``label``."""
    (cell,) = [c for c in table.cells if squash(c.text) == label]
    return {c.col: c.text for c in table.cells if c.row == cell.row and c.col > cell.col}


def header_col(table: GridTable, label: str) -> int:
    (cell,) = [c for c in table.cells if squash(c.text) == label]
    return cell.col


# ---------------------------------------------------------------- the real report

T3_COLUMNS = ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]


def test_table3_is_one_table_joined_across_pages(huaian):
    t3 = table_with(huaian, "一、本年新收政府信息公开申请数量")
    labels = {squash(c.text) for c in t3.cells}
    assert "四、结转下年度继续办理" in labels          # last row, printed on page 5
    assert {c.source.page for c in t3.cells} == {4, 5}
    rows = {c.row for c in t3.cells}
    assert rows == set(range(t3.n_rows))                 # rows renumbered without gaps
    assert t3.columns_reliable


def test_table3_new_requests_line_up_with_header(huaian):
    t3 = table_with(huaian, "一、本年新收政府信息公开申请数量")
    values = row_values(t3, "一、本年新收政府信息公开申请数量")
    by_header = {name: values[header_col(t3, name)] for name in T3_COLUMNS}
    assert by_header == dict(zip(T3_COLUMNS, ["3001", "53", "0", "0", "61", "4", "3119"]))
    assert any(c.text == "商业企\n业" for c in t3.cells)  # wrapped header label, one cell


def test_table3_wrapped_labels_stay_in_one_cell(huaian):
    t3 = table_with(huaian, "一、本年新收政府信息公开申请数量")
    partial = "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"
    assert "（二）部分公开（区分处理的，只计这一情\n形，不计其他情形）" in [c.text for c in t3.cells]
    assert list(row_values(t3, partial).values()) == ["447", "7", "0", "0", "0", "0", "454"]
    no_correction = "1、申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"
    assert list(row_values(t3, no_correction).values()) == ["67", "3", "0", "0", "1", "0", "71"]


def test_table3_merged_group_cell(huaian):
    t3 = table_with(huaian, "一、本年新收政府信息公开申请数量")
    (withheld,) = [c for c in t3.cells if squash(c.text) == "（三）不予公开"]
    assert withheld.rowspan == 8
    first = [c for c in t3.cells if c.row == withheld.row and c.col > withheld.col]
    assert squash(first[0].text) == "1.属于国家秘密"
    (top_left,) = [c for c in t3.cells if c.row == 0 and c.col == 0]
    assert "勾稽关系" in top_left.text and top_left.rowspan == 3


def test_table4_values(huaian):
    t4 = table_with(huaian, "行政复议")
    last = max(c.row for c in t4.cells)
    values = [c.text for c in sorted(t4.cells, key=lambda c: c.col) if c.row == last]
    assert values == "72 64 178 37 351 13 4 8 1 26 12 1 1 6 20".split()
    assert [c.col for c in t4.cells if c.row == last] == list(range(15))
    (suit,) = [c for c in t4.cells if c.text == "行政诉讼"]
    assert suit.colspan == 10


def test_table2_joined_across_pages(huaian):
    t2 = table_with(huaian, "行政许可")
    texts = [c.text for c in t2.cells]
    assert "第二十条 第（一）项" in texts and "第二十条 第（八）项" in texts
    assert "96171.6" in texts and "3985758" in texts
    assert {c.source.page for c in t2.cells} == {3, 4}
    assert len(huaian.tables) == 3


def test_paragraphs(huaian):
    paras = huaian.paragraphs
    assert not [p.text for p in paras if is_page_number(p.text)]
    assert not [p.text for p in paras if re.fullmatch(r"\s*-?\s*\d+\s*-?\s*", p.text)]
    text = "\n".join(p.text for p in paras)
    assert "一、总体情况" in text and "六、其他需要报告的事项" in text
    # a paragraph wrapped over lines and over the page 1→2 break is one paragraph
    (active,) = [p for p in paras if p.text.startswith("（一）主动公开情况。")]
    assert active.text.endswith("回应舆论关切。") and active.source.page == 1
    assert "\n" not in active.text
    (fee,) = [p for p in paras if "信息处理费 3940 元" in p.text]
    assert fee.source.page == 6 and fee.source.line is not None


def test_document_order_and_sources(huaian):
    kinds = ["T" if isinstance(b, GridTable) else "P" for b in huaian.blocks]
    heading = [i for i, b in enumerate(huaian.blocks) if not isinstance(b, GridTable) and b.text.startswith("三、收到和处理")]
    assert heading and kinds[heading[0] + 1] == "T"
    for i, t in enumerate(huaian.tables):
        assert t.source.table == i
        for c in t.cells:
            assert c.source.table == i and c.source.bbox is not None and c.source.file == str(HUAIAN)


def test_hints_and_format(huaian):
    assert huaian.format == "pdf"
    assert huaian.title_hint == "政府信息公开工作年度报告"
    assert huaian.date_hint == "2025-02-25"
    assert huaian.warnings == []


def test_read_picks_pdf_reader():
    assert HUAIAN.exists(), "real report missing"
    doc = read(HUAIAN)
    assert doc.format == "pdf" and doc.source == str(HUAIAN)


def test_too_many_pages(monkeypatch):
    assert HUAIAN.exists(), "real report missing"
    monkeypatch.setattr(Limits, "max_pdf_pages", 5)
    with pytest.raises(ReadError, match="页数过多"):
        convert(HUAIAN)


@pytest.mark.parametrize("rotation", [90, 270])
def test_rotated_pages_read_upright(huaian, rotation):
    """Landscape-style pages: content drawn turned, /Rotate turning it back upright."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as R
    doc = pdfium.PdfDocument(HUAIAN.read_bytes())
    matrix = (0, 1, -1, 0, 842, 0) if rotation == 90 else (0, -1, 1, 0, 0, 595)
    for page in doc:
        for i in range(R.FPDFPage_CountObjects(page.raw)):
            R.FPDFPageObj_Transform(R.FPDFPage_GetObject(page.raw, i), *matrix)
        R.FPDFPage_GenerateContent(page.raw)
        page.set_mediabox(0, 0, 842, 595)
        page.set_cropbox(0, 0, 842, 595)
        page.set_rotation(rotation)
    buf = io.BytesIO()
    doc.save(buf)
    doc.close()
    turned = convert(Path("turned.pdf"), buf.getvalue())
    assert [t.text() for t in turned.tables] == [t.text() for t in huaian.tables]
    assert [p.text for p in turned.paragraphs] == [p.text for p in huaian.paragraphs]


# ---------------------------------------------------------------- bad input

def _pdf(objects: list[bytes], trailer: bytes = b"") -> bytes:
    """A minimal PDF file with a correct cross-reference table."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (i, obj)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R %s >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, trailer, xref)
    return bytes(out)


_PAGE_OBJECTS = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                 b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>"]


def test_encrypted_pdf():
    encrypt = b"<< /Filter /Standard /V 1 /R 2 /O <" + b"11" * 32 + b"> /U <" + b"22" * 32 + b"> /P -4 >>"
    data = _pdf(_PAGE_OBJECTS + [encrypt], b"/Encrypt 4 0 R /ID [<" + b"ab" * 16 + b"> <" + b"ab" * 16 + b">]")
    with pytest.raises(ReadError, match="PDF 已加密") as err:
        convert(Path("locked.pdf"), data)
    assert "locked.pdf" in str(err.value)


@pytest.mark.parametrize("cut", [0.5, 0.9])
def test_truncated_pdf(cut):
    assert HUAIAN.exists(), "real report missing"
    data = HUAIAN.read_bytes()
    with pytest.raises(ReadError) as err:
        convert(Path("cut.pdf"), data[: int(len(data) * cut)])
    assert CHINESE.search(str(err.value)) and "损坏" in str(err.value)


def test_garbage_and_not_a_pdf():
    with pytest.raises(ReadError, match="损坏"):
        convert(Path("x.pdf"), b"%PDF-1.7\n" + bytes(range(256)) * 10)
    with pytest.raises(ReadError, match="不是 PDF"):
        convert(Path("x.pdf"), b"hello world, no header here")


def test_blank_pdf_needs_ocr(monkeypatch):
    monkeypatch.setattr(ocr, "ocr_available", lambda: False)
    with pytest.raises(ReadError) as err:
        convert(Path("blank.pdf"), _pdf(_PAGE_OBJECTS))
    assert str(err.value) == ocr.PDF_OCR_HINT and err.value.code == ErrorCode.NEEDS_OCR


def test_is_valid():
    assert PdfReader.is_valid(Path("a.bin"), b"%PDF-1.7\n...")
    assert PdfReader.is_valid(Path("a.bin"), b"\x00" * 100 + b"%PDF-1.4")     # junk before the header
    assert PdfReader.is_valid(Path("a.PDF"), b"garbage")
    assert not PdfReader.is_valid(Path("a.pdf"), b"<html><body>404</body></html>")
    assert not PdfReader.is_valid(Path("a.txt"), b"plain text")


@pytest.fixture(scope="module")
def scanned_pdf() -> bytes:
    """Page 3 of the real report as a picture: no text layer."""
    assert HUAIAN.exists(), "real report missing"
    import pypdfium2 as pdfium
    doc = pdfium.PdfDocument(HUAIAN.read_bytes())
    image = doc[2].render(scale=1).to_pil().convert("RGB")
    doc.close()
    buf = io.BytesIO()
    image.save(buf, "PDF", resolution=72)
    return buf.getvalue()


def test_scanned_pdf_without_ocr(monkeypatch, scanned_pdf):
    monkeypatch.setattr(ocr, "ocr_available", lambda: False)     # the OCR extra is not installed
    with pytest.raises(ReadError) as err:
        convert(Path("scan.pdf"), scanned_pdf)
    assert str(err.value) == ocr.PDF_OCR_HINT and err.value.code == ErrorCode.NEEDS_OCR


def test_scanned_pdf_routed_to_ocr(monkeypatch, scanned_pdf):
    calls = []

    def fake_ocr_pdf(path, data):
        calls.append(path)
        return GridDocument(source=str(path), format="ocr")

    monkeypatch.setattr(ocr, "ocr_pdf", fake_ocr_pdf)
    assert convert(Path("scan.pdf"), scanned_pdf).format == "ocr" and calls


def test_pdfium_is_used_under_the_lock(huaian):
    """The web app reads two files at once in threads: PDFium (not thread-safe) only ever
    runs under ``PDFIUM_LOCK``, for the PDF reader and for OCR page rendering alike."""
    data = HUAIAN.read_bytes()
    done: list[str] = []
    jobs = {"pdf": lambda: PdfReader().convert(HUAIAN, data), "ocr-render": lambda: ocr._render_page(data, "x", 0)}
    with PDFIUM_LOCK:
        threads = [threading.Thread(target=lambda k=k, f=f: (f(), done.append(k))) for k, f in jobs.items()]
        for t in threads:
            t.start()
        time.sleep(0.3)
        assert done == []              # both wait for the lock held here
    for t in threads:
        t.join(30)
    assert sorted(done) == ["ocr-render", "pdf"]


# ---------------------------------------------------------------- lines and paragraphs

def chars(text: str, x: float = 100.0, top: float = 100.0, size: float = 10.0, gap: float = 0.0) -> list[Char]:
    out = []
    for ch in text:
        w = size if ord(ch) > 0x2E80 else size / 2
        if ch != " ":
            out.append(Char(ch, x, top, x + w, top + size))
        x += w + gap
    return out


@pytest.mark.parametrize("text", ["- 3 -", "— 3 —", "－3－", "第 3 页", "第3页 共6页", "3", "～ 12 ～", "3/6", "Page 2 of 6"])
def test_page_numbers(text):
    assert is_page_number(text)


@pytest.mark.parametrize("text", ["2024", "一、总体情况", "3119件", "（3）其他"])
def test_not_page_numbers(text):
    assert not is_page_number(text)


def test_line_text_spaces():
    assert line_text(chars("商业企业", gap=2.0)) == "商业企业"          # distributed alignment
    assert line_text(chars("第二十条 第（一）项")) == "第二十条 第（一）项"  # a real gap
    assert line_text(chars("abc def")) == "abc def"


@given(st.text(alphabet="一二三年件ab12，。（）", min_size=1, max_size=30))
@settings(max_examples=60, deadline=None)
def test_line_text_keeps_every_char(text):
    assert line_text(chars(text)).replace(" ", "") == text


def test_group_lines_orders_lines_and_chars():
    cs = chars("第二行", top=130) + chars("第一行", top=100)[::-1]
    assert [ln.text for ln in group_lines(cs)] == ["第一行", "第二行"]


def test_running_header_and_page_numbers_are_furniture():
    pages = []
    for n in range(1, 4):
        pages.append(group_lines(chars("某某县人民政府办公室文件", top=20) + chars("正文内容", top=300)
                                 + chars(f"- {n} -", top=800)))
    drop = furniture(pages, [842.0] * 3)
    for lines, d in zip(pages, drop):
        assert {lines[i].text for i in d} == {"某某县人民政府办公室文件", lines[-1].text}


def test_fake_bold_duplicates_dropped():
    cs = chars("重要事项") + chars("重要事项", x=100.4, top=100.3)
    assert [ln.text for ln in group_lines(cs)] == ["重要事项"]
    assert [ln.text for ln in group_lines(chars("重重复复"))] == ["重重复复"]


def test_title_repeated_as_running_header_is_kept():
    pages = [group_lines(chars("某县2024年政府信息公开工作年度报告", top=30, size=22) + chars("正文", top=300))]
    for _ in range(3):
        pages.append(group_lines(chars("某县2024年政府信息公开工作年度报告", top=30, size=9) + chars("正文", top=300)))
    drop = furniture(pages, [842.0] * 4)
    assert drop == [set(), {0}, {0}, {0}]


# ---------------------------------------------------------------- tables from edges and text

def _h(y, x0, x1):
    return {"orientation": "h", "x0": x0, "x1": x1, "top": y, "bottom": y, "width": x1 - x0, "height": 0}


def _v(x, y0, y1):
    return {"orientation": "v", "x0": x, "x1": x, "top": y0, "bottom": y1, "width": 0, "height": y1 - y0}


def test_lattice_spans():
    # 3 columns × 3 rows; the left cell spans rows 1–2, the top cell spans columns 1–2
    edges = [_h(0, 0, 300), _h(20, 100, 300), _h(40, 0, 300), _h(60, 0, 300),
             _v(0, 0, 60), _v(100, 0, 60), _v(200, 20, 60), _v(300, 0, 60)]
    (table,) = find_tables(edges, page=1)
    spans = {(c.row, c.col): (c.rowspan, c.colspan) for c in table.cells}
    assert spans == {(0, 0): (2, 1), (0, 1): (1, 2), (1, 1): (1, 1), (1, 2): (1, 1),
                     (2, 0): (1, 1), (2, 1): (1, 1), (2, 2): (1, 1)}
    rest = fill(table, chars("分组", x=10, top=15) + chars("7", x=210, top=45) + chars("正文", x=10, top=100))
    assert [c.text for c in rest] == ["正", "文"]
    texts = {(c.row, c.col): c.text for c in table.cells}
    assert texts[(0, 0)] == "分组" and texts[(2, 2)] == "7"


def test_merge_drops_repeated_header():
    def piece(page, rows):
        edges = [_h(100 + 20 * i, 0, 200) for i in range(len(rows) + 1)]
        edges += [_v(x, 100, 100 + 20 * len(rows)) for x in (0, 100, 200)]
        (t,) = find_tables(edges, page)
        cs = []
        for i, (a, b) in enumerate(rows):
            cs += chars(a, x=10, top=105 + 20 * i) + chars(b, x=110, top=105 + 20 * i)
        fill(t, cs)
        return t
    a = piece(1, [("项目", "数量"), ("甲", "1"), ("乙", "2")])
    b = piece(2, [("项目", "数量"), ("丙", "3")])
    t = merge(a, b)
    assert t.n_rows == 4
    assert [c.text for c in sorted(t.cells, key=lambda c: (c.row, c.col))] == ["项目", "数量", "甲", "1", "乙", "2", "丙", "3"]


def test_stream_table_with_label_around_numbers():
    lines = group_lines(
        chars("项目", x=50, top=100) + chars("自然人", x=250, top=100) + chars("总计", x=350, top=100)
        + chars("（一）予以公开", x=50, top=120) + chars("12", x=250, top=120) + chars("12", x=350, top=120)
        + chars("（二）部分公开（区分处理", x=50, top=140)
        + chars("3", x=250, top=147) + chars("3", x=350, top=147)
        + chars("的，只计这一情形）", x=50, top=154)
        + chars("四、结转下年度继续办理", x=50, top=174) + chars("0", x=250, top=174) + chars("0", x=350, top=174)
        + chars("正文在表格之后。", x=50, top=260))
    tables, rest = find_stream_tables(lines, page=1)
    (t,) = tables
    assert not t.columns_reliable
    rows = {}
    for c in t.cells:
        rows.setdefault(c.row, []).append(c.text)
    assert rows == {0: ["项目", "自然人", "总计"], 1: ["（一）予以公开", "12", "12"],
                    2: ["（二）部分公开（区分处理\n的，只计这一情形）", "3", "3"], 3: ["四、结转下年度继续办理", "0", "0"]}
    assert [ln.text for ln in rest] == ["正文在表格之后。"]


def test_paragraph_lines_are_not_a_stream_table():
    lines = group_lines(chars("2024 年，全市共受理政府信息公开申请 3119 件，答复", top=100)
                        + chars("3050 件（含上年度结转申请 34 件），均在法定期限内", top=120)
                        + chars("予以答复。政府信息公开行政复议 351 件。", top=140))
    tables, rest = find_stream_tables(lines, page=1)
    assert tables == [] and len(rest) == 3


def _grid_edges(x0, top, widths, n_rows, row_h):
    xs = [x0]
    for w in widths:
        xs.append(xs[-1] + w)
    bottom = top + n_rows * row_h
    return ([_h(top + i * row_h, xs[0], xs[-1]) for i in range(n_rows + 1)]
            + [_v(x, top, bottom) for x in xs]), xs


def _page_with_table(number, top, rows, before=(), after=(), widths=(150, 100, 100)):
    edges, xs = _grid_edges(80, top, widths, len(rows), 24)
    cs = []
    for i, row in enumerate(rows):
        for j, text in enumerate(row):
            cs += chars(text, x=xs[j] + 4, top=top + 24 * i + 7)
    y = 80.0
    for text in before:
        cs += chars(text, x=80, top=y)
        y += 20
    y = top + 24 * len(rows) + 20
    for text in after:
        cs += chars(text, x=80, top=y)
        y += 20
    cs += chars(f"- {number} -", x=280, top=800)
    return PageContent(number=number, width=595.0, height=842.0, chars=cs, edges=edges)


def test_assembly_joins_table_across_pages_over_continuation_caption():
    header = ("信息内容", "本年", "累计")
    p1 = _page_with_table(1, 600, [header, ("甲项", "1", "2"), ("乙项", "3", "4")], before=("二、主动公开政府信息情况。",))
    p2 = _page_with_table(2, 120, [header, ("丙项", "5", "6")], before=("续表",), after=("三、其他事项。",))
    doc = assemble("t.pdf", [p1, p2])
    (t,) = doc.tables
    assert [[c.text for c in r] for r in t.rows()] == [list(header), ["甲项", "1", "2"], ["乙项", "3", "4"], ["丙项", "5", "6"]]
    assert [p.text for p in doc.paragraphs] == ["二、主动公开政府信息情况。", "三、其他事项。"]
    assert [type(b).__name__ for b in doc.blocks] == ["Paragraph", "GridTable", "Paragraph"]


def test_assembly_keeps_tables_apart_when_text_or_columns_differ():
    p1 = _page_with_table(1, 600, [("a", "1", "2"), ("b", "3", "4")])
    p2 = _page_with_table(2, 120, [("c", "5", "6")], before=("表三 另一张表",))
    assert len(assemble("t.pdf", [p1, p2]).tables) == 2
    p3 = _page_with_table(2, 120, [("c", "5", "6", "7")], widths=(60, 60, 60, 60))
    assert len(assemble("t.pdf", [p1, p3]).tables) == 2


# ---------------------------------------------------------------- PDFs made by LibreOffice

def _docx_ruled(path: Path) -> None:
    from docx import Document
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    d = Document()
    d.add_paragraph("一、总体情况")
    d.add_paragraph("这是一段正文。" * 30)
    t = d.add_table(rows=61, cols=4)
    t.style = "Table Grid"
    header = t.rows[0]
    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    header._tr.get_or_add_trPr().append(flag)      # repeated on the next page
    for j, h in enumerate(["序号", "项目名称", "本年数量", "备注"]):
        header.cells[j].text = h
    for i in range(1, 61):
        cells = t.rows[i].cells
        cells[0].text, cells[1].text, cells[2].text, cells[3].text = str(i), f"第{i}项", str(i * 7), "无"
    d.add_paragraph("二、结束语。")
    d.save(path)


def _docx_unruled(path: Path) -> None:
    from docx import Document
    d = Document()
    d.add_paragraph("三、收到和处理政府信息公开申请情况")
    rows = [["项目", "自然人", "商业企业", "总计"],
            ["一、本年新收政府信息公开申请数量", "3001", "53", "3054"],
            ["二、上年结转政府信息公开申请数量", "34", "0", "34"],
            ["（一）予以公开", "1288", "21", "1309"],
            ["四、结转下年度继续办理", "103", "0", "103"]]
    t = d.add_table(rows=len(rows), cols=4)      # default style: no borders
    for i, row in enumerate(rows):
        for j, v in enumerate(row):
            t.rows[i].cells[j].text = v
    d.add_paragraph("四、其他需要报告的事项。")
    d.save(path)


@pytest.fixture(scope="module")
def office_pdfs(tmp_path_factory) -> dict[str, Path]:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    assert soffice, "LibreOffice (soffice) missing (CI installs it)"
    importlib.import_module("docx")
    tmp = tmp_path_factory.mktemp("office")
    _docx_ruled(tmp / "ruled.docx")
    _docx_unruled(tmp / "unruled.docx")
    profile = f"-env:UserInstallation=file://{tmp}/profile"
    subprocess.run([soffice, profile, "--headless", "--convert-to", "pdf", "--outdir", str(tmp),
                    str(tmp / "ruled.docx"), str(tmp / "unruled.docx")], check=True, capture_output=True, timeout=180)
    locked = ('pdf:writer_pdf_Export:{"EncryptFile":{"type":"boolean","value":"true"},'
              '"DocumentOpenPassword":{"type":"string","value":"secret"}}')
    subprocess.run([soffice, profile, "--headless", "--convert-to", locked, "--outdir", str(tmp / "locked"),
                    str(tmp / "unruled.docx")], check=True, capture_output=True, timeout=180)
    return {"ruled": tmp / "ruled.pdf", "unruled": tmp / "unruled.pdf", "locked": tmp / "locked" / "unruled.pdf"}


@pytest.mark.slow
def test_office_table_across_two_pages(office_pdfs):
    doc = convert(office_pdfs["ruled"])
    assert len(doc.tables) == 1
    t = doc.tables[0]
    assert {c.source.page for c in t.cells} == {1, 2}
    assert t.n_rows == 61 and t.n_cols == 4                       # repeated header dropped
    rows = t.rows()
    assert [c.text for c in rows[0]] == ["序号", "项目名称", "本年数量", "备注"]
    for i in range(1, 61):
        assert [c.text for c in rows[i]][0] == str(i) and rows[i][2].text == str(i * 7)
    texts = [p.text for p in doc.paragraphs]
    assert texts[0] == "一、总体情况" and texts[-1] == "二、结束语。"
    assert texts[1] == "这是一段正文。" * 30                       # wrapped lines joined


@pytest.mark.slow
def test_office_unruled_table(office_pdfs):
    doc = convert(office_pdfs["unruled"])
    (t,) = doc.tables
    assert not t.columns_reliable
    rows = {squash(r[0].text): [c.text for c in r[1:]] for r in t.rows()}
    assert rows["一、本年新收政府信息公开申请数量"] == ["3001", "53", "3054"]
    assert rows["四、结转下年度继续办理"] == ["103", "0", "103"]
    assert [p.text for p in doc.paragraphs] == ["三、收到和处理政府信息公开申请情况", "四、其他需要报告的事项。"]


@pytest.mark.slow
def test_office_password_protected(office_pdfs):
    assert office_pdfs["locked"].exists(), "this LibreOffice cannot export encrypted PDFs"
    with pytest.raises(ReadError, match="PDF 已加密"):
        convert(office_pdfs["locked"])


@pytest.mark.slow
def test_speed():
    assert HUAIAN.exists(), "real report missing"
    data = HUAIAN.read_bytes()
    reader = PdfReader()
    reader.convert(HUAIAN, data)
    start = time.process_time()
    for _ in range(10):
        reader.convert(HUAIAN, data)
    per_file = (time.process_time() - start) / 10
    assert per_file < 0.2, f"{per_file * 1000:.0f} ms per 6-page report"
