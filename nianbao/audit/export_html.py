"""HTML export of audit results: one self-contained offline page.

Owns: ``export_html(audits, path, failures=())`` and ``render_html``: a summary table,
two inline-SVG bar charts (findings per rule; reports by outcome), and per report its
findings grouped by table, the repair suggestion, and 表二/表三/表四 in their official
layout (``nianbao.render``) with offending cells highlighted. Jinja2 with autoescape:
every piece of document text is escaped.
Inline CSS and SVG only: no scripts, no external resources.
"""
from __future__ import annotations

from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable

from jinja2 import Environment, select_autoescape

from ..fsutil import atomic_write
from ..render.html import table_html
from ..render.layout import LayoutCell, Role, grids
from ..vocab import FormatVersion
from . import cells as C
from .finding import ERROR, GROUPS, INFO, SEVERITY_RANK, SEVERITY_ZH, WARNING
from .run import ReportAudit

TEMPLATE = r"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>政府信息公开工作年度报告审核结果</title>
<style>
body{font-family:"Microsoft YaHei","PingFang SC","Noto Sans CJK SC",sans-serif;margin:1.5em;color:#222;line-height:1.5}
h1{font-size:1.5em}h2{font-size:1.25em;border-bottom:2px solid #888;padding-bottom:.2em;margin-top:2em}
h3{font-size:1.05em;margin:1.2em 0 .4em}
table{border-collapse:collapse;margin:.5em 0;font-size:.9em}
th,td{border:1px solid #bbb;padding:.25em .5em;vertical-align:top}
th{background:#eee}
td.num,td.value{text-align:right;min-width:2.5em}
td.caption,td.header,td.note,td.group{background:#eee;text-align:center}
.error{background:#ffc7ce}.warning{background:#ffeb9c}.info{background:#ddebf7}
.sev{font-weight:bold;white-space:nowrap}
.sev.error{color:#9c0006}.sev.warning{color:#7f6000}.sev.info{color:#1f4e79}
.muted{color:#666;font-size:.85em}
.repair{border-left:4px solid #2e75b6;background:#f3f8fc;padding:.5em 1em;margin:.5em 0}
.ok{color:#2e7d32;font-weight:bold}
.charts{display:flex;flex-wrap:wrap;gap:2em}
code{background:#f4f4f4;padding:0 .2em}
</style></head><body>
<h1>政府信息公开工作年度报告审核结果</h1>
<p class="muted">生成时间：{{ generated }}；共 {{ audits|length }} 份报告{% if failures %}，另有 {{ failures|length }} 个文件无法读取{% endif %}。
标色说明：<span class="error">&nbsp;错误&nbsp;</span> <span class="warning">&nbsp;警告&nbsp;</span> <span class="info">&nbsp;提示&nbsp;</span>。修正建议只是建议，表中数值均为报告原样。</p>

<h2>汇总</h2>
<table><tr><th>序号</th><th>发布机关</th><th>年度</th><th>格式</th><th>错误</th><th>警告</th><th>提示</th><th>无法核对</th><th>文件</th></tr>
{% for a in items %}<tr>
<td class="num"><a href="#r{{ loop.index }}">{{ loop.index }}</a></td><td>{{ a.agency }}</td><td>{{ a.year }}</td><td>{{ a.format }}</td>
<td class="num {{ 'error' if a.summary.errors }}">{{ a.summary.errors }}</td>
<td class="num {{ 'warning' if a.summary.warnings }}">{{ a.summary.warnings }}</td>
<td class="num">{{ a.summary.info }}</td><td class="num">{{ a.summary.not_assessable }}</td>
<td class="muted">{{ a.source }}</td></tr>{% endfor %}
</table>
{% if failures %}<h3>无法读取的文件</h3><table><tr><th>文件</th><th>原因</th></tr>
{% for src, err in failures %}<tr><td>{{ src }}</td><td>{{ err }}</td></tr>{% endfor %}</table>{% endif %}

<div class="charts">
{% for ch in charts %}<figure><figcaption><strong>{{ ch.title }}</strong></figcaption>
<svg xmlns="http://www.w3.org/2000/svg" width="{{ ch.width }}" height="{{ ch.height }}" role="img" aria-label="{{ ch.title }}">
{% for b in ch.bars %}<text x="{{ ch.label_w - 6 }}" y="{{ b.y + 13 }}" font-size="12" text-anchor="end">{{ b.label }}</text>
<rect x="{{ ch.label_w }}" y="{{ b.y }}" width="{{ b.w }}" height="18" fill="{{ b.color }}"><title>{{ b.label }}：{{ b.value }}</title></rect>
<text x="{{ ch.label_w + b.w + 4 }}" y="{{ b.y + 13 }}" font-size="12">{{ b.value }}</text>
{% endfor %}</svg></figure>{% endfor %}
</div>

{% for a in items %}
<h2 id="r{{ loop.index }}">{{ loop.index }}. {{ a.agency }} {{ a.year }}{% if a.year %}年{% endif %}</h2>
<p class="muted">文件：{{ a.source }}；格式：{{ a.format }}；错误 {{ a.summary.errors }}，警告 {{ a.summary.warnings }}，提示 {{ a.summary.info }}。</p>
{% if not a.groups %}<p class="ok">未发现问题。</p>{% endif %}
{% for g in a.groups %}<h3>{{ g.title }}（{{ g.findings|length }}）</h3>
<table><tr><th>严重程度</th><th>规则</th><th>位置</th><th>说明</th><th>应为</th><th>实为</th></tr>
{% for f in g.findings %}<tr><td class="sev {{ f.severity }}">{{ f.severity_zh }}{% if f.status == 'not-assessable' %}<br><span class="muted">无法核对</span>{% endif %}</td>
<td><code>{{ f.rule }}</code></td><td class="muted">{{ f.where }}</td><td>{{ f.message }}{% if f.cells_text %}<br><span class="muted">{{ f.cells_text }}</span>{% endif %}</td>
<td>{{ f.expected }}</td><td>{{ f.actual }}</td></tr>{% endfor %}
</table>{% endfor %}
{% if a.repair %}<div class="repair"><strong>修正建议</strong>（不改变报告原值）：{{ a.repair.explanation }}
{% if a.repair.candidates|length > 1 %}<br><span class="muted">其他候选：{% for c in a.repair.candidates[1:] %}{% for x in c.cells %}{{ x.label }} {{ x.current }}→{{ x.suggested }}{% if not loop.last %}，{% endif %}{% endfor %}{% if not loop.last %}；{% endif %}{% endfor %}</span>{% endif %}</div>{% endif %}
{% for t in a.tables %}<h3>{{ t.title }}</h3>
{{ t.html }}{% endfor %}
{% endfor %}
</body></html>
"""

_env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
_template = _env.from_string(TEMPLATE)
COLORS: dict[str, str] = {ERROR: "#c00000", WARNING: "#bf8f00", INFO: "#2e75b6"}


def _short(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, (int, float)):
        return C.fmt(v)
    if isinstance(v, (list, dict)):
        import json
        return json.dumps(v, ensure_ascii=False, default=str)[:200]
    return str(v)[:200]


def _cellview(a: ReportAudit, key: str, worst: dict[str, str], sugg: dict[str, Any]) -> dict[str, str]:
    c = a.report.cells.get(key)
    if c is None:
        value = "（缺失）"
    elif c.is_number:
        value = C.fmt(c.value)
    else:
        value = c.raw if c.raw else f"（{C.KIND_ZH.get(c.kind, c.kind)}）"
    tip = key + (f"；修正建议：改为{sugg[key]}" if key in sugg else "")
    return {"value": value, "cls": worst.get(key, ""), "tip": tip}


def _tables(a: ReportAudit, worst: dict[str, str], sugg: dict[str, Any]) -> list[dict[str, Any]]:
    """表二/表三/表四 in the official layout, each value cell with its severity class and tooltip."""
    out = []
    for g in grids(C.version(a.report)).values():
        views = {k: _cellview(a, k, worst, sugg) for k in g.value_keys()}
        filled = g.with_values(lambda k: views[k]["value"])

        def cls(c: LayoutCell) -> str:
            return f"num {views[c.key]['cls']}".strip() if c.role == Role.VALUE and c.key else ""

        def tip(c: LayoutCell) -> str:
            return views[c.key]["tip"] if c.role == Role.VALUE and c.key else ""
        out.append({"title": g.title, "html": table_html(filled, classes=cls, title=tip)})
    return out


def _chart(title: str, data: list[tuple[str, int, str]], label_w: int = 150) -> dict:
    top = max((v for _, v, _ in data), default=1) or 1
    bars = [{"label": l, "value": v, "color": col, "y": 6 + 24 * i, "w": max(1, int(320 * v / top)) if v else 0}
            for i, (l, v, col) in enumerate(data)]
    return {"title": title, "bars": bars, "label_w": label_w, "width": label_w + 380, "height": 12 + 24 * len(bars)}


def context(audits: list[ReportAudit], failures: Iterable[tuple[str, str]] = ()) -> dict:
    failures = list(failures)
    items = []
    rule_count: Counter = Counter()
    rule_sev: dict[str, str] = {}
    outcome: Counter[str] = Counter()
    for a in audits:
        r = a.report
        sm = a.summary
        outcome["有错误" if sm["errors"] else "仅有警告" if sm["warnings"] else "通过"] += 1
        worst: dict[str, str] = {}
        for f in a.findings:
            rule_count[f.rule] += 1
            if f.rule not in rule_sev or SEVERITY_RANK[f.severity] < SEVERITY_RANK[rule_sev[f.rule]]:
                rule_sev[f.rule] = f.severity
            for k in f.keys:
                if k not in worst or SEVERITY_RANK[f.severity] < SEVERITY_RANK[worst[k]]:
                    worst[k] = f.severity
        sugg = {}
        if a.repair and a.repair.get("candidates"):
            sugg = {c["key"]: c["suggested"] for c in a.repair["candidates"][0]["cells"]}
        groups = []
        for g, title in GROUPS.items():
            fs = [f for f in a.findings if f.group == g]
            if fs:
                groups.append({"title": title, "findings": [{
                    "severity": f.severity, "severity_zh": SEVERITY_ZH.get(f.severity, f.severity),
                    "status": f.status, "rule": f.rule, "where": f.where, "message": f.message,
                    "expected": _short(f.expected), "actual": _short(f.actual),
                    "cells_text": "；".join(f"{c.get('label')} = {C.fmt(c.get('value'))}"
                                           for c in [c for c in f.cells if c.get("value") != 0][:8]),
                } for f in fs]})
        item: dict[str, Any] = {"agency": r.agency or "（机关未识别）", "year": r.year or "", "source": r.source,
                                "format": r.format_version or "未识别", "summary": sm, "groups": groups,
                                "repair": a.repair, "tables": []}
        if r.format_version != FormatVersion.PRE2019:
            item["tables"] = _tables(a, worst, sugg)
        items.append(item)
    if failures:
        outcome["无法读取"] = len(failures)
    charts = []
    if rule_count:
        data = [(k, v, COLORS[rule_sev[k]]) for k, v in rule_count.most_common(25)]
        charts.append(_chart("各规则发现的问题数", data))
    oc = [("通过", "#2e7d32"), ("仅有警告", COLORS[WARNING]), ("有错误", COLORS[ERROR]), ("无法读取", "#7f7f7f")]
    charts.append(_chart("报告审核结论", [(k, outcome.get(k, 0), col) for k, col in oc], label_w=90))
    return {"items": items, "audits": audits, "failures": failures, "charts": charts,
            "generated": datetime.now().strftime("%Y-%m-%d %H:%M")}


def render_html(audits: list[ReportAudit], failures: Iterable[tuple[str, str]] = ()) -> str:
    return _template.render(**context(audits, failures))


def export_html(audits: list[ReportAudit], path: str | Path, failures: Iterable[tuple[str, str]] = ()) -> None:
    html = render_html(audits, failures)

    def write(tmp: str) -> None:
        Path(tmp).write_text(html, encoding="utf-8")
    atomic_write(path, write)
