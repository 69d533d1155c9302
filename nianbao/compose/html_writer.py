"""HTML writer: one self-contained page (inline CSS, no external resources).

Owns: the HTML rendering of a report — ``<h1>`` title, ``<h2>`` section headings,
paragraphs, and real ``<table>`` elements with ``rowspan``/``colspan`` from ``layout``.
Jinja2 with autoescape; a newline inside a label becomes ``<br>``.
"""
from __future__ import annotations

from jinja2 import Environment, select_autoescape

from ..standard import load
from .data import ComposeInput
from .layout import TABLE_AFTER_SECTION, Labels, Table, build_tables, section_texts

_TEMPLATE = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}</title>
<style>
body { font-family: "FangSong", "仿宋", "STFangsong", serif; font-size: 16px; line-height: 1.9;
       max-width: 60em; margin: 2em auto; padding: 0 1em; color: #000; }
h1 { font-family: "SimSun", "宋体", serif; font-size: 26px; text-align: center; margin: 1em 0; }
h2 { font-family: "SimHei", "黑体", sans-serif; font-size: 18px; font-weight: normal; margin: 1.2em 0 .5em; text-indent: 2em; }
p { text-indent: 2em; margin: 0 0 .3em; text-align: justify; }
table { border-collapse: collapse; margin: .8em auto 1.2em; font-family: "SimSun", "宋体", serif; font-size: 13px;
        line-height: 1.4; }
td, th { border: 1px solid #000; padding: 3px 5px; text-align: center; vertical-align: middle; }
td.label, td.note { text-align: left; }
td.value { min-width: 2.5em; }
</style>
</head>
<body>
<h1>{{ title_html }}</h1>
{% for para in preamble %}<p>{{ para }}</p>
{% endfor %}
{% for s in sections %}<h2>{{ s.heading }}</h2>
{% for para in s.paragraphs %}<p>{{ para }}</p>
{% endfor %}{% if s.table %}<table class="{{ s.table.name }}" border="1" cellspacing="0" cellpadding="3">
<tbody>
{% for row in s.table.rows %}<tr>{% for c in row %}<td class="{{ c.role }}"{% if c.rowspan > 1 %} rowspan="{{ c.rowspan }}"{% endif %}{% if c.colspan > 1 %} colspan="{{ c.colspan }}"{% endif %}>{{ c.html }}</td>{% endfor %}</tr>
{% endfor %}</tbody>
</table>
{% endif %}{% endfor %}
</body>
</html>
"""

_env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
_tmpl = _env.from_string(_TEMPLATE)


def _lines_html(text: str):
    from markupsafe import Markup, escape
    return Markup("<br>").join(escape(x) for x in text.split("\n"))


def _rows(t: Table) -> dict:
    rows: list[list[dict]] = [[] for _ in range(t.n_rows)]
    for c in sorted(t.cells, key=lambda c: (c.row, c.col)):
        rows[c.row].append({"role": c.role, "rowspan": c.rowspan, "colspan": c.colspan,
                            "html": _lines_html(c.text)})
    return {"name": t.name, "rows": rows}


def render_html(inp: ComposeInput, labels: Labels | None = None) -> bytes:
    std = load()
    labels = labels or Labels()
    tables = build_tables(inp, labels)
    texts = section_texts(inp)
    title = labels("title", "title", inp.display_title(std))
    sections = []
    for s in std.sections:
        t = TABLE_AFTER_SECTION.get(s.key)
        sections.append({
            "heading": _lines_html(labels("section", s.key, s.canonical)),
            "paragraphs": [x.strip() for x in texts[s.key].split("\n") if x.strip()],
            "table": _rows(tables[t]) if t else None,
        })
    html = _tmpl.render(title=inp.display_title(std).replace("\n", ""), title_html=_lines_html(title),
                        preamble=[x.strip() for x in inp.preamble.split("\n") if x.strip()],
                        sections=sections)
    return html.encode("utf-8")

