"""Report metadata: title, publishing agency, report year, publication date.

Owns reading these from what the document prints: the title line (possibly split over
two or three lines, with stray spaces), else the container's title (HTML ``<title>``,
DOCX/PDF metadata), else the preamble (``现公布XX本年度…``, ``统计时限为2023年1月1日…``).
Each value records its basis; an agency read from the preamble rather than a title
gets an ``agency-inferred`` note.

Saved pages and the text converters make of them carry the site around the report: the
navigation's link text, a breadcrumb (``当前位置：首页 > 政务公开 > …``) and the page's
metadata fields (``标题：``, ``发布机构：``, ``发布时间：``). Chrome lines are skipped when the
title is looked for, a field's name is never part of the value, and the publication date
is the page's own date field when it prints one.
"""
from __future__ import annotations

import re

from ..grid import Paragraph
from ..model import Report
from ..normalize import fold

_TITLE_TAIL = "政府信息公开工作年度报告"
_REPORT = r"政府信息公开(?:工作)?(?:的)?(?:年度)?(?:工作)?(?:情况)?报告"
# {agency}{YYYY}年(度){…}政府信息公开工作年度报告 (also …关于2023年度政府信息公开工作的报告)
_TITLE_A = re.compile(r"^(?P<agency>.*?)(?P<year>(?:19|20)\d{2})年度?(?P<mid>.*?)" + _REPORT)
# {YYYY}年(度){agency}政府信息公开工作年度报告
_TITLE_B = re.compile(r"^(?P<year>(?:19|20)\d{2})年度?(?P<agency>.+?)" + _REPORT)
# {agency}政府信息公开工作年度报告（2023年度）
_TITLE_C = re.compile(r"^(?P<agency>.+?)" + _REPORT + r"[（(]?(?P<year>(?:19|20)\d{2})年?度?[）)]?$")
_PERIOD = re.compile(r"(?:统计(?:时限|期限|时间|区间|周期)|统计数据)[^。]{0,12}?(?P<year>(?:19|20)\d{2})年1月1日")
_PERIOD2 = re.compile(r"(?P<year>(?:19|20)\d{2})年1月1日(?:起)?至(?P=year)年12月31日")
_PREAMBLE_AGENCY = [
    re.compile(r"现(?:将|公布)(?P<agency>[^，。,（(]{2,40}?)(?:本年度|(?:19|20)\d{2}年度?)政府信息公开"),
    re.compile(r"(?P<agency>[^，。,（(]{2,40}?)(?:19|20)\d{2}年度?政府信息公开工作年度报告"),
    re.compile(r"本报告由(?P<agency>[^，。,（(]{2,40}?)(?:根据|依据|按照|编制)"),
]
_DATE = re.compile(r"^(?P<y>(?:19|20)\d{2})年(?P<m>\d{1,2})月(?P<d>\d{1,2})日$")
_ISO_DATE = re.compile(r"(?P<y>(?:19|20)\d{2})[-/.年](?P<m>\d{1,2})[-/.月](?P<d>\d{1,2})")
# The names of the metadata fields a saved page prints above the report (folded forms).
_FIELD_NAMES = ("标题", "题名", "题目", "文章标题", "信息名称", "名称", "发布机构", "发文机关", "发布单位",
                "发布机关", "信息来源", "来源", "索引号", "发布时间", "发布日期", "成文日期", "时间", "日期")
_FIELD_PREFIX = re.compile(r"^(?:" + "|".join(sorted(_FIELD_NAMES, key=len, reverse=True)) + r")：")
# The date fields among them: the page's publication date.
_DATE_FIELD = re.compile(r"(?:发布时间|发布日期|发文日期|时间|日期)：\s*(?P<y>(?:19|20)\d{2})[-/.年](?P<m>\d{1,2})"
                         r"[-/.月](?P<d>\d{1,2})")
# Markdown images and links as converters write them: the link's text is what the page shows.
_MD_IMAGE = re.compile(r"!\[[^\]]*\]\((?:\\.|[^)\\])*\)")
_MD_LINK = re.compile(r"\[([^\]]*)\]\((?:\\.|[^)\\])*\)")
# A breadcrumb: "当前位置：" and its kin, or two or more "›/>" steps.
_CRUMB = re.compile(r"^(?:当前位置|您的位置|您现在的位置|所在位置|当前所在位置)|(?:[>›»＞]\s*[^>›»＞]{1,12}){2,}$")
_BULLET = re.compile(r"^[*\-+·•]\s+")
# Characters no agency name holds: what is left of links, paths and markup around it.
_NOT_A_NAME = re.compile(r'[\[\]()/\\"<>*|=#_]|\.\.')
_NAV_ITEM_MAX = 8            # a bullet line this short is a navigation entry, not a title
_TITLE_WINDOW = 12           # paragraphs (chrome not counted) looked at for the title
_LEVEL_SUFFIX = ("镇", "乡", "苏木")     # a township name: its reporting body is the 人民政府
_CLEAN_PREFIX = re.compile(r"^(?:关于|印发|《)+")
_CLEAN_SUFFIX = re.compile(r"(?:关于|的|》)+$")


def _clean_agency(a: str) -> str:
    a = _CLEAN_PREFIX.sub("", a)
    a = _CLEAN_SUFFIX.sub("", a)
    a = a.strip("：:，,。 \"'“”《》")
    if a.endswith("人民"):     # 某市人民政府信息公开…: the 政府 is shared with the title's tail
        a += "政府"
    return a


def is_chrome(text: str) -> bool:
    """A line of the site around the report: navigation links, a breadcrumb, a bullet list
    entry of a menu, icon-font debris (``__``), an image."""
    had_link = "](" in text
    t = _MD_LINK.sub(r"\1", _MD_IMAGE.sub("", text)).strip()
    if had_link and not _MD_LINK.sub("", _MD_IMAGE.sub("", text)).strip(" *_|-·•\t"):
        return True          # nothing but links and images
    f = fold(t).strip("*_|·•")
    if not f:
        return True
    if _CRUMB.search(f):
        return True
    return bool(_BULLET.match(t)) and len(fold(_BULLET.sub("", t))) <= _NAV_ITEM_MAX


def strip_field(text: str) -> str:
    """The value of a metadata field line (``标题：…`` → ``…``); other text unchanged."""
    f = fold(text)
    m = _FIELD_PREFIX.match(f)
    if not m:
        return text
    name = m.group(0)[:-1]
    at = text.find(name)
    rest = text[at + len(name):].lstrip() if at >= 0 else text
    return rest[1:].lstrip() if rest[:1] in ("：", ":") else rest


def parse_title(text: str) -> tuple[str | None, int | None] | None:
    f = _FIELD_PREFIX.sub("", fold(text))
    if "报告" not in f or "政府信息公开" not in f:
        return None
    for rx in (_TITLE_A, _TITLE_B, _TITLE_C):
        m = rx.match(f)
        if m:
            agency = _clean_agency(m.group("agency"))
            if rx is _TITLE_A and not agency and m.group("mid"):
                agency = _clean_agency(m.group("mid"))
            return (agency or None), int(m.group("year"))
    return None


def find_title(blocks: list, first_heading: int) -> tuple[str, int, int] | None:
    """(title text, first block, blocks used) among the blocks before the first heading."""
    paras: list[tuple[int, Paragraph]] = []
    counted = 0
    for i, b in enumerate(blocks[:max(first_heading, 0) or _TITLE_WINDOW]):
        if not isinstance(b, Paragraph) or is_chrome(b.text):
            continue
        paras.append((i, b))
        counted += len(fold(b.text)) > _NAV_ITEM_MAX      # menu words (移动版, 登录) do not use up the window
        if counted >= _TITLE_WINDOW:
            break
    for n, (i, b) in enumerate(paras):
        f = fold(b.text)
        if "报告" not in f and "政府信息公开" not in f:
            continue
        if len(f) > 60:
            continue
        # a title split over up to three short lines: join backwards while it helps
        text = b.text
        start = i
        used = 1
        for back in range(1, 3):
            if n - back < 0:
                break
            pi, pb = paras[n - back]
            pf = fold(pb.text)
            if len(pf) > 30 or pf.endswith(("。", "：")) or pi != start - 1:
                break
            parsed = parse_title(text)
            if parsed and parsed[0]:
                break
            text = pb.text + text
            start = pi
            used += 1
        if parse_title(text):
            return text, start, used
        # a title wrapped onto the next line: "…工作年" / "度报告"
        if n + 1 < len(paras) and paras[n + 1][0] == i + 1 and len(fold(paras[n + 1][1].text)) <= 12:
            joined = b.text + paras[n + 1][1].text
            if parse_title(joined):
                return joined, i, 2
    return None


def fill_meta(report: Report, blocks: list, first_heading: int, title_hint: str | None,
              date_hint: str | None) -> None:
    t = find_title(blocks, first_heading)
    agency = year = None
    if t:
        report.title = re.sub(r"\s+", " ", strip_field(t[0]).replace("\n", "")).strip()
        agency, year = parse_title(t[0]) or (None, None)
        report.agency_basis = report.year_basis = "title"
    if (agency is None or year is None) and title_hint:
        parsed = parse_title(title_hint)
        if parsed:
            if agency is None and parsed[0]:
                agency, report.agency_basis = parsed[0], "container-title"
            if year is None and parsed[1]:
                year, report.year_basis = parsed[1], "container-title"
            report.title = report.title or title_hint.strip()
    if report.title is None:
        report.note("title-missing", "报告没有标题行（应为“{机关全称}{年份}年政府信息公开工作年度报告”）", where="title")
    # the opening text, folded only when the title did not give the year or the agency
    text = fold(report.preamble + "\n" + report.full_text[:6000]) if year is None or agency is None else ""
    if year is None:
        m = _PERIOD.search(text) or _PERIOD2.search(text)
        if m:
            year, report.year_basis = int(m.group("year")), "statistics-period"
            report.note("year-inferred", f"报告年度取自统计期限（{year}年）", where="year")
    if agency is None:
        for rx in _PREAMBLE_AGENCY:
            m = rx.search(fold(report.preamble) or text)
            if m:
                name = _clean_agency(m.group("agency"))
                if not name or _NOT_A_NAME.search(name):
                    continue
                printed = name
                if name.endswith(_LEVEL_SUFFIX):
                    name += "人民政府"
                agency, report.agency_basis = name, "preamble"
                report.note("agency-inferred", f"发布机关取自前言“{printed}”" +
                            ("，按乡镇惯例补全为“人民政府”" if printed != name else ""),
                            where="agency", evidence={"printed": printed, "agency": name}, confidence=0.8)
                break
    report.agency, report.year = agency, year
    report.publish_date = _publish_date(blocks, first_heading, date_hint)


def _publish_date(blocks: list, first_heading: int, date_hint: str | None) -> str | None:
    """The page's date field before the report (``发布时间：2024-01-19``), else the date line
    that signs the report, else the container's date."""
    for b in blocks[:max(first_heading, 0)]:
        if isinstance(b, Paragraph):
            f = fold(b.text)
            m = _DATE_FIELD.search(f) if _FIELD_PREFIX.match(f) else None
            if m:
                return f"{int(m.group('y')):04d}-{int(m.group('m')):02d}-{int(m.group('d')):02d}"
    paras = [b for b in blocks if isinstance(b, Paragraph)]
    for b in paras[-6:] + paras[:4]:
        m = _DATE.match(fold(b.text))
        if m:
            return f"{int(m.group('y')):04d}-{int(m.group('m')):02d}-{int(m.group('d')):02d}"
    if date_hint:
        m = _ISO_DATE.search(date_hint)
        if m:
            return f"{int(m.group('y')):04d}-{int(m.group('m')):02d}-{int(m.group('d')):02d}"
    return None
