"""整改通知: a rectification notice an office sends to a unit about its annual report.

Owns: the notice content (``notice_items``: the report-channel problems only — errors
and warnings by default — each with where it is, as printed, and what the standard
requires), the DOCX template shipped as package data (``template.docx``, an ordinary
Word file with ``{{占位符}}`` placeholders the office can edit; ``build_template``
re-creates the default), filling it with python-docx (``fill_template``: placeholders
in paragraphs, tables, headers and footers; ``{{问题清单}}`` expands to one paragraph
per problem), and ``write_notice`` / ``write_notices`` (one file, or one per unit into
a directory). Placeholders: {{受文单位}} {{报告名称}} {{年度}} {{问题数}} {{问题清单}}
{{整改期限}} {{发文机关}} {{成文日期}} {{联系人}} {{文号}}.
"""
from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Iterable

from ..audit.finding import ERROR, INFO, REPORT, SEVERITY_RANK, WARNING, Finding
from ..audit.rules.base import REGISTRY
from ..audit.run import ReportAudit

TEMPLATE = Path(__file__).with_name("template.docx")
PLACEHOLDER_RE = re.compile(r"\{\{\s*([^{}\s]+)\s*\}\}")
LIST_PLACEHOLDER = "问题清单"
DEFAULT_OFFICE = "××市人民政府办公室（政务公开办）"
DEFAULT_DAYS = 15
_CN_ORD = "一二三四五六七八九十"


@dataclass
class NoticeItem:
    rule: str
    where: str
    severity: str
    problem: str                       # the finding's Chinese message (names table, row, column as printed)
    requirement: str                   # what the standard requires (the rule's title)
    location: str = ""                 # 原文位置 (page/line) when known

    def text(self, n: int) -> str:
        loc = f"（原文{self.location}）" if self.location else ""
        return f"{n}. {self.problem.rstrip('。')}{loc}。标准要求：{self.requirement.rstrip('。')}。"


@dataclass
class NoticeOptions:
    office: str = DEFAULT_OFFICE
    deadline: date | None = None       # default: issue date + DEFAULT_DAYS
    issued: date | None = None         # default: today
    contact: str = ""
    number: str = ""                   # 文号
    include_info: bool = False
    extra: dict[str, str] = field(default_factory=dict)   # more placeholders


def _location(f: Finding) -> str:
    for src in [*(c.get("source") for c in f.cells), *f.sources]:
        if not isinstance(src, dict):
            continue
        parts = []
        if src.get("page") is not None:
            parts.append(f"第{src['page']}页")
        if src.get("line") is not None:
            parts.append(f"第{src['line']}行")
        if parts:
            return "".join(parts)
    return ""


def notice_items(audit: ReportAudit, include_info: bool = False) -> list[NoticeItem]:
    """The problems a unit must fix: report channel only, errors then warnings (then info)."""
    keep = {ERROR, WARNING} | ({INFO} if include_info else set())
    fs = [f for f in audit.findings if f.channel == REPORT and f.severity in keep and f.status == "fail"]
    fs.sort(key=lambda f: (SEVERITY_RANK.get(f.severity, 9), f.group, f.rule, f.where))
    out = []
    for f in fs:
        rule = REGISTRY.get(f.rule)
        req = rule.title if rule is not None and rule.title else "按国家年报格式如实、准确填报"
        out.append(NoticeItem(f.rule, f.where, str(f.severity), f.message, re.sub(r"\s+", "", req), _location(f)))
    return out


def _fmt_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def notice_context(audit: ReportAudit, opts: NoticeOptions | None = None) -> dict[str, Any]:
    """Placeholder values for one report's notice (``问题清单`` is a list of paragraphs)."""
    o = opts or NoticeOptions()
    r = audit.report
    issued = o.issued or date.today()
    deadline = o.deadline or issued + timedelta(days=DEFAULT_DAYS)
    items = notice_items(audit, o.include_info)
    unit = r.agency or "（单位名称）"
    year = str(r.year) if r.year else "××"
    name = r.title.strip() if r.title else f"{unit}{year}年政府信息公开工作年度报告"
    ctx: dict[str, Any] = {
        "受文单位": unit, "年度": year, "报告名称": re.sub(r"\s+", "", name), "问题数": str(len(items)),
        LIST_PLACEHOLDER: [it.text(i + 1) for i, it in enumerate(items)] or ["未发现需要整改的问题。"],
        "整改期限": _fmt_date(deadline), "发文机关": o.office, "成文日期": _fmt_date(issued),
        "联系人": o.contact or "（联系人及电话）", "文号": o.number,
    }
    ctx.update(o.extra)
    return ctx


# ---------------------------------------------------------------------------------------
# the DOCX template

def build_template(path: str | Path = TEMPLATE) -> Path:
    """Write the default template (an editable Word document with placeholders)."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt

    doc = Document()
    st = doc.styles["Normal"]
    st.font.name = "仿宋_GB2312"
    st.font.size = Pt(16)
    st.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "仿宋_GB2312")

    def para(text: str, *, align: Any = None, indent: bool = True, bold: bool = False, size: int | None = None,
             font: str | None = None) -> None:
        p = doc.add_paragraph()
        if align is not None:
            p.alignment = align
        if indent:
            p.paragraph_format.first_line_indent = Pt(32)
        p.paragraph_format.line_spacing = Pt(28)
        run = p.add_run(text)
        run.bold = bold
        if size:
            run.font.size = Pt(size)
        if font:
            run.font.name = font
            run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)

    para("{{文号}}", align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    para("关于{{受文单位}}{{年度}}年政府信息公开工作年度报告问题整改的通知", align=WD_ALIGN_PARAGRAPH.CENTER,
         indent=False, size=22, font="方正小标宋简体")
    para("{{受文单位}}：", indent=False)
    para("根据《中华人民共和国政府信息公开条例》第四十九条、第五十条和《国务院办公厅政府信息与政务公开办公室关于印发"
         "〈中华人民共和国政府信息公开工作年度报告格式〉的通知》（国办公开办函〔2021〕30号）的要求，我办对你单位发布的"
         "《{{报告名称}}》进行了审核，发现以下{{问题数}}个问题：")
    para("{{问题清单}}")
    para("请你单位对照上述问题逐项核实，按照国家规定的年度报告格式修改完善，经本单位负责人审定后重新发布年度报告，"
         "并于{{整改期限}}前将整改情况及重新发布的链接报送我办。逾期未整改的，我办将依据《中华人民共和国政府信息公开条例》"
         "第四十七条予以督促整改或者通报批评。")
    para("特此通知。")
    para("", indent=False)
    para("{{发文机关}}", align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    para("{{成文日期}}", align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    para("（联系人：{{联系人}}）")
    path = Path(path)
    doc.save(str(path))
    return path


def _replace_in_paragraph(p: Any, ctx: dict[str, Any]) -> None:
    text = p.text
    if "{{" not in text:
        return
    new = PLACEHOLDER_RE.sub(lambda m: str(ctx.get(m.group(1), m.group(0))) if not isinstance(ctx.get(m.group(1)), list)
                             else m.group(0), text)
    if new == text:
        return
    runs = p.runs
    if not runs:
        return
    runs[0].text = new                # the first run's formatting for the whole paragraph
    for r in runs[1:]:
        r.text = ""


def _expand_list(p: Any, items: list[str]) -> None:
    """Replace the paragraph holding {{问题清单}} by one paragraph per item (same formatting)."""
    anchor = p._p
    for it in items:
        new = copy.deepcopy(p._p)
        anchor.addnext(new)
        anchor = new
        from docx.text.paragraph import Paragraph
        q = Paragraph(new, p._parent)
        runs = q.runs
        if runs:
            runs[0].text = it
            for r in runs[1:]:
                r.text = ""
    p._p.getparent().remove(p._p)


def _paragraphs(doc: Any) -> Iterable[Any]:
    yield from doc.paragraphs
    for t in doc.tables:
        for row in t.rows:
            for c in row.cells:
                yield from c.paragraphs
    for s in doc.sections:
        for part in (s.header, s.footer):
            yield from part.paragraphs


def fill_template(ctx: dict[str, Any], template: str | Path | None = None) -> Any:
    """A python-docx Document: the template with its placeholders filled."""
    from docx import Document
    tpl = Path(template) if template is not None else TEMPLATE
    if not tpl.exists() and template is None:
        build_template(tpl)
    doc = Document(str(tpl))
    lists = {k: v for k, v in ctx.items() if isinstance(v, list)}
    for p in list(_paragraphs(doc)):
        m = PLACEHOLDER_RE.fullmatch(p.text.strip())
        if m and m.group(1) in lists:
            _expand_list(p, [str(x) for x in lists[m.group(1)]])
            continue
        _replace_in_paragraph(p, ctx)
    return doc


def write_notice(audit: ReportAudit, out: str | Path, opts: NoticeOptions | None = None,
                 template: str | Path | None = None) -> Path:
    """Write one report's 整改通知 to ``out`` (a .docx file)."""
    doc = fill_template(notice_context(audit, opts), template)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    doc.save(str(tmp))
    tmp.replace(out)
    return out


def notice_filename(audit: ReportAudit) -> str:
    r = audit.report
    unit = re.sub(r'[\\/:*?"<>|\s]+', "", r.agency or Path(r.source).stem)
    return f"{unit}{r.year or ''}年度报告整改通知.docx"


def write_notices(audits: Iterable[ReportAudit], out_dir: str | Path, opts: NoticeOptions | None = None,
                  template: str | Path | None = None, skip_clean: bool = True) -> list[Path]:
    """One notice per unit into ``out_dir``; reports without report problems are skipped
    (unless ``skip_clean`` is False)."""
    d = Path(out_dir)
    d.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    used: set[str] = set()
    for a in audits:
        if skip_clean and not notice_items(a, (opts or NoticeOptions()).include_info):
            continue
        name = notice_filename(a)
        stem, n = name[:-5], 2
        while name in used:
            name = f"{stem}_{n}.docx"
            n += 1
        used.add(name)
        written.append(write_notice(a, d / name, opts, template))
    return written


__all__ = ["NoticeItem", "NoticeOptions", "notice_items", "notice_context", "build_template", "fill_template",
           "write_notice", "write_notices", "notice_filename", "TEMPLATE"]
