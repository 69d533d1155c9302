"""Damage: saved web pages that hold a text rendering, and pages the parser cannot read
whole (issue 9, item 3 and the HTML errors).

Fixtures are answer keys rendered by textgen in every text rendering, then wrapped the
way sites and converters publish them: inside ``<pre>``, or as a minimal page with one
``<br>`` or ``<p>`` per line, in a declared charset. They read back exactly, as the
``.txt`` would. A page nested past libxml2's depth limit, or too large, is a clear
error with its ``ErrorCode``, never a report with 0 cells.
"""
from __future__ import annotations

import html

import pytest

from conftest import SAMPLES, load_truth
from nianbao.extract import extract_document
from nianbao.readers import read
from nianbao.readers.base import Limits, ReadError
from nianbao.vocab import ErrorCode
from textgen import render

TRUTH = load_truth(SAMPLES / "004_bd4d68dcca3e3128.truth.json")
CELLS = dict(TRUTH["cells"]) | {"t3.granted.natural_person": 3, "t3.granted.total": 3,
                                "t4.review.upheld": 2, "t4.review.total": 2}
STYLES = ["tabs", "cells", "pipes", "markdown", "loose"]


def _text(style: str) -> str:
    return render(CELLS, style=style, agency=TRUTH["agency"], year=TRUTH["year"])


def _page(body: str, charset: str) -> bytes:
    page = (f'<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}">'
            f"<title>{html.escape(TRUTH['agency'])}</title></head><body>{body}</body></html>")
    return page.encode(charset)


def _check(data: bytes, name: str = "r.html"):
    r = extract_document(read(name, data))
    assert r.values() == CELLS
    assert (r.agency, r.year, r.format_version) == (TRUTH["agency"], TRUTH["year"], "2021")
    return r


@pytest.mark.parametrize("charset", ["utf-8", "gbk", "gb18030"])
@pytest.mark.parametrize("style", STYLES)
def test_pre_page_reads_as_its_text(style, charset):
    _check(_page(f"<pre>{html.escape(_text(style))}</pre>", charset))


@pytest.mark.parametrize("style", STYLES)
def test_pre_inside_site_chrome(style):
    body = ('<div class="header"><a href="/">首页</a> <a href="/zwgk">政务公开</a></div>'
            f'<div class="content"><pre>{html.escape(_text(style))}</pre></div>'
            '<div class="footer">版权所有 主办单位</div>')
    _check(_page(body, "utf-8"))


@pytest.mark.parametrize("wrap", ["br", "p"])
@pytest.mark.parametrize("style", ["tabs", "cells", "pipes", "markdown"])
def test_minimal_page_of_text_lines(style, wrap):
    lines = [html.escape(ln) for ln in _text(style).split("\n")]
    body = "<br>\n".join(lines) if wrap == "br" else "".join(f"<p>{ln}</p>" for ln in lines)
    _check(_page(body, "gbk"))


def test_pre_tables_are_numbered_after_html_tables():
    text = _text("tabs")
    body = f"<table><tr><td>附表</td><td>说明</td></tr></table><pre>{html.escape(text)}</pre>"
    doc = read("r.html", _page(body, "utf-8"))
    assert [t.source.table for t in doc.tables] == list(range(len(doc.tables)))
    assert len(doc.tables) > 1


@pytest.mark.parametrize("depth", [300, 3000])
def test_nesting_past_the_parser_limit_is_an_error(depth):
    text = html.escape(_text("tabs"))
    body = "<div>" * depth + f"<pre>{text}</pre>" + "</div>" * depth
    with pytest.raises(ReadError) as e:
        read("r.html", _page(body, "utf-8"))
    assert e.value.code == ErrorCode.TOO_DEEP and "嵌套过深" in str(e.value)


def test_nesting_within_the_limit_is_read():
    body = "<div>" * 200 + f"<pre>{html.escape(_text('tabs'))}</pre>" + "</div>" * 200
    _check(_page(body, "utf-8"))


@pytest.mark.parametrize("name", ["r.html", "r.txt"])
def test_too_large_is_file_too_large(name, monkeypatch):
    monkeypatch.setattr(Limits, "max_text_chars", 1000)
    data = _page(f"<pre>{html.escape(_text('tabs'))}</pre>", "utf-8") if name.endswith("html") \
        else _text("tabs").encode("utf-8")
    with pytest.raises(ReadError) as e:
        read(name, data)
    assert e.value.code == ErrorCode.FILE_TOO_LARGE
