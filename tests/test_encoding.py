"""Encoding detection: BOMs, declared charsets, UTF-8, UTF-16 without BOM, GBK vs Big5."""
from __future__ import annotations

import codecs
import os

import pytest
from hypothesis import given, settings, strategies as st

from nianbao.readers.base import ReadError
from nianbao.readers.encoding import (check_text, decode, decode_detailed, looks_binary, normalize_encoding,
                                      sniff_declared)

SIMPLIFIED = ("平潭综合实验区2023年度政府信息公开工作年度报告\n"
              "一、总体情况（ＡＢＣ１２３ abc 123）：收到申请81件，“三安全一稳定”，收费5949.088667万元。\n"
              "（二）部分公开（区分处理的，只计这一情形，不计其他情形）\t19\t1\t0\n")
TRADITIONAL = ("臺灣地區政府資訊公開工作年度報告\n"
               "一、總體情況：本年新收政府資訊公開申請數量81件，申請人情況為自然人、法人或其他組織。\n")


@pytest.mark.parametrize("enc", ["gbk", "gb2312", "gb18030", "utf-8", "utf-16-le", "utf-16-be"])
def test_simplified_roundtrip_without_declaration(enc):
    text, used = decode(SIMPLIFIED.encode(enc))
    assert text == SIMPLIFIED
    assert used in ("gb18030", "utf-8", "utf-16-le", "utf-16-be")
    if enc.startswith("gb"):
        assert used == "gb18030"


def test_gb18030_four_byte_characters():
    s = SIMPLIFIED + "𠮷䶮€"          # outside GBK: four-byte GB18030 sequences
    assert decode(s.encode("gb18030")) == (s, "gb18030")


@pytest.mark.parametrize("enc", ["big5", "cp950", "utf-8", "utf-16-le", "utf-16-be"])
def test_traditional_roundtrip(enc):
    text, used = decode(TRADITIONAL.encode(enc))
    assert text == TRADITIONAL
    if enc in ("big5", "cp950"):
        assert used in ("big5", "cp950")


@pytest.mark.parametrize("enc,label", [("utf-8-sig", "utf-8-sig"), ("utf-16", "utf-16"),
                                       ("utf-32", "utf-32")])
def test_bom_wins(enc, label):
    text, used = decode(SIMPLIFIED.encode(enc))
    assert text == SIMPLIFIED and not text.startswith("\ufeff")
    assert used == label


def test_utf16_be_bom():
    data = codecs.BOM_UTF16_BE + SIMPLIFIED.encode("utf-16-be")
    assert decode(data) == (SIMPLIFIED, "utf-16")


def test_bom_beats_a_wrong_declaration():
    assert decode(codecs.BOM_UTF8 + SIMPLIFIED.encode("utf-8"), declared="gbk")[0] == SIMPLIFIED


def test_short_gbk_strings():
    for s in ["中文", "一、总体情况", "自然人", "总计"]:
        assert decode(s.encode("gbk")) == (s, "gb18030")


def test_declared_gb2312_is_read_as_gb18030():
    page = '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"></head>' \
           '<body>镕（GB2312 之外的字）' + SIMPLIFIED + '</body></html>'
    data = page.encode("gb18030")
    assert sniff_declared(data) == "gb2312"
    text, used = decode(data)
    assert used == "gb18030" and text == page


def test_declared_parameter_is_used():
    assert decode(TRADITIONAL.encode("big5"), declared="big5")[0] == TRADITIONAL
    assert decode(SIMPLIFIED.encode("gbk"), declared="GBK") == (SIMPLIFIED, "gb18030")


def test_xml_declaration_is_sniffed():
    assert sniff_declared(b'<?xml version="1.0" encoding="GBK"?><html/>') == "GBK"


def test_wrong_declaration_utf8_content():
    page = '<meta charset="gbk"><p>' + SIMPLIFIED + "</p>"
    d = decode_detailed(page.encode("utf-8"))
    assert d.text == page and d.encoding == "utf-8"
    assert any("UTF-8" in w for w in d.warnings)


def test_wrong_declaration_gbk_content_declared_utf8():
    page = '<meta charset="utf-8"><p>' + SIMPLIFIED + "</p>"
    d = decode_detailed(page.encode("gbk"))
    assert d.text == page and d.encoding == "gb18030"
    assert d.warnings   # the declaration did not match


def test_latin1_declaration_over_gbk_is_ignored():
    page = '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1"><p>' + SIMPLIFIED
    assert decode(page.encode("gbk")) == (page, "gb18030")


def test_unknown_declaration_warns():
    d = decode_detailed('<meta charset="x-nonsense">'.encode() + SIMPLIFIED.encode("gbk"))
    assert d.encoding == "gb18030" and any("无法识别" in w for w in d.warnings)


def test_undecodable_bytes_fall_back_with_warning():
    data = SIMPLIFIED.encode("gbk") + b"\x80\xff\x81" + SIMPLIFIED.encode("gbk")
    d = decode_detailed(data)
    assert d.encoding == "gb18030"
    assert SIMPLIFIED.strip() in d.text and "\ufffd" in d.text
    assert d.warnings and "编码" in d.warnings[0]


def test_ascii_only_is_utf8():
    assert decode(b"Annual report 2023") == ("Annual report 2023", "utf-8")


def test_normalize_encoding_names():
    assert normalize_encoding("GB2312") == "gb18030"
    assert normalize_encoding("x-gbk") == "gb18030"
    assert normalize_encoding("Big5") == "big5"
    assert normalize_encoding("UTF8") == "utf-8"
    assert normalize_encoding("nonsense-enc") is None


def test_looks_binary():
    assert looks_binary(os.urandom(4096))
    assert looks_binary(b"\x89PNG\r\n\x1a\n" + bytes(100))
    assert looks_binary(bytes(4096))
    assert not looks_binary(SIMPLIFIED.encode("gbk"))
    assert not looks_binary(SIMPLIFIED.encode("utf-16-le"))   # NULs, but UTF-16 text
    assert not looks_binary(SIMPLIFIED.encode("utf-16"))
    assert not looks_binary(TRADITIONAL.encode("big5"))


def test_check_text_message():
    with pytest.raises(ReadError, match="^文件内容不是文本"):
        check_text(os.urandom(2048), "a.txt")
    check_text(SIMPLIFIED.encode("utf-8"), "a.txt")


_ALPHABET = sorted(set(SIMPLIFIED.replace("\n", "").replace("\t", "")))


@settings(max_examples=150, derandomize=True, deadline=None)
@given(st.text(alphabet=_ALPHABET, min_size=8, max_size=80), st.sampled_from(["gbk", "utf-8", "utf-16", "utf-8-sig"]))
def test_roundtrip_property(s, enc):
    assert decode(s.encode(enc))[0] == s
