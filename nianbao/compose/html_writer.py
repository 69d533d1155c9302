"""HTML writer: one self-contained page (inline CSS, no external resources).

Owns: the HTML page of a report — ``<h1>`` title, ``<h2>`` section headings,
paragraphs, and the tables drawn by ``nianbao.render.html``. Jinja2 with autoescape;
a newline inside a label becomes ``<br>``.
"""
from __future__ import annotations

from typing import Any

from jinja2 import Environment, select_autoescape

from ..render.html import lines_html, table_html
from ..render.layout import Labels
from ..standard import load
from .body import section_texts, tables
from .data import ComposeInput

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
{% endfor %}{% if s.table %}{{ s.table }}{% endif %}{% endfor %}
</body>
</html>
"""

_env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
_tmpl = _env.from_string(_TEMPLATE)


def render_html(inp: ComposeInput, labels: Labels | None = None) -> bytes:
    std = load()
    labels = labels or Labels()
    grids = tables(inp, labels)
    texts = section_texts(inp)
    title = labels("title", "title", inp.display_title(std))
    sections: list[dict[str, Any]] = []
    for s in std.sections:
        g = grids.get(s.key)
        sections.append({
            "heading": lines_html(labels("section", s.key, s.canonical)),
            "paragraphs": [x.strip() for x in texts[s.key].split("\n") if x.strip()],
            "table": table_html(g) if g else None,
        })
    html = _tmpl.render(title=inp.display_title(std).replace("\n", ""), title_html=lines_html(title),
                        preamble=[x.strip() for x in inp.preamble.split("\n") if x.strip()],
                        sections=sections)
    return html.encode("utf-8")
