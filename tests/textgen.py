"""Render a report (cells + metadata) as text in each rendering real reports use.

Test fixture generator for the text reader: the same data as DOCX→text (one cell per
tab-prefixed line), tab rows with dropped group cells (PDF→text), pipe cells
(HTML→text), markdown tables and space-separated "loose" rows (OCR text). Labels come
from the standard; ``labels`` overrides individual row labels (variants, mutations).
"""
from __future__ import annotations

from nianbao.standard import load

STD = load()
NUMBERING = {
    "一、": ["一、", "二、", "三、", "四、", "五、", "六、"],
    "1、": ["1、 ", "2、 ", "3、 ", "4、 ", "5、 ", "6、 "],
    "（一）": ["（一）", "（二）", "（三）", "（四）", "（五）", "（六）"],
    "(一)": ["(一) ", "(二) ", "(三) ", "(四) ", "(五) ", "(六) "],
    "none": [""] * 6,
}

SECTION_TEXT = {
    "s1_overview": "本年度我单位认真贯彻落实《中华人民共和国政府信息公开条例》，扎实推进政府信息公开工作。",
    "s2_proactive": "",
    "s3_requests": "",
    "s4_review_litigation": "",
    "s5_problems": "存在的问题是公开内容不够丰富。针对上年度存在的问题，已完成整改。",
    "s6_other": "本年度未收取信息处理费。",
}


def fmt(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return repr(v)
    return str(v)


def t2_rows(cells: dict, labels: dict | None = None, version: str = "2021") -> list[list[str]]:
    labels = labels or {}
    t = STD.t2[version]
    prefix = "t2" if version == "2021" else "t2v19"
    out = []
    for cap in t["captions"]:
        rows = [r for r in t["rows"] if r.extra["caption"] == cap.key]
        if not rows:
            continue
        out.append([cap.canonical])
        cols = rows[0].extra["columns"]
        out.append([t["header_first"]] + [labels.get(f"col.{c}", t["columns"][c].canonical) for c in cols])
        for r in rows:
            out.append([labels.get(f"{prefix}.{r.key}", r.canonical)]
                       + [fmt(cells.get(f"{prefix}.{r.key}.{c}")) for c in r.extra["columns"]])
    return out


def t3_rows(cells: dict, labels: dict | None = None, version: str = "2021", single_other: bool = False):
    """Rows as (group1, group2, label, values): group cells only on their first row."""
    labels = labels or {}
    groups = {g.key: g.canonical for g in STD.t3_groups}
    out = []
    seen = set()
    for rk in STD.t3_row_keys(version):
        if single_other and rk.startswith("other."):
            if rk != "other.other":
                continue
            label = labels.get("t3.other", groups["other"])
            vals = [fmt(cells.get(f"t3.other.other.{c}")) for c in STD.t3_cols]
            out.append(("" if "results" in seen else groups["results"], "", label, vals))
            seen.add("results")
            continue
        if rk == "other":
            label = labels.get("t3.other", STD.t3_other_single.canonical)
            g1 = "" if "results" in seen else groups["results"]
            seen.add("results")
            out.append((g1, "", label, [fmt(cells.get(f"t3.other.{c}")) for c in STD.t3_cols]))
            continue
        entry = next(r for r in STD.t3_rows if r.key == rk)
        label = labels.get(f"t3.{rk}", entry.canonical)
        g1 = g2 = ""
        if rk not in ("new", "carried_over", "carry_forward"):
            if "results" not in seen:
                g1 = groups["results"]
                seen.add("results")
            if entry.group and entry.group not in seen:
                g2 = groups[entry.group]
                seen.add(entry.group)
        out.append((g1, g2, label, [fmt(cells.get(f"t3.{rk}.{c}")) for c in STD.t3_cols]))
    return out


def t3_header() -> list[list[str]]:
    cols = {c.key: c.canonical for c in STD.t3_columns}
    h = STD.t3_header
    return [
        [h["header_note"], "", "", h["header_top"]],
        ["", "", "", cols["natural_person"], h["header_org"], "", "", "", "", cols["total"]],
        ["", "", "", "", cols["commercial"], cols["research"], cols["social_welfare"], cols["legal_service"],
         cols["other_org"], ""],
    ]


def t4_header() -> list[list[str]]:
    leaf = [c.canonical for c in STD.t4_columns]
    g = {x.key: x.canonical for x in STD.t4_groups}
    return [
        [STD.t4_top[0]["canonical"]] + [""] * 4 + [STD.t4_top[1]["canonical"]] + [""] * 9,
        leaf + [g["suit_direct"]] + [""] * 4 + [g["suit_after_review"]] + [""] * 4,
        [""] * 5 + leaf + leaf,
    ]


def t4_values(cells: dict) -> list[str]:
    return [fmt(cells.get(k)) for k in STD.t4_keys]


def section_titles(numbering: str = "一、") -> list[str]:
    nums = NUMBERING[numbering]
    return [n + s.canonical.split("、", 1)[1] for n, s in zip(nums, STD.sections)]


def render(cells: dict, *, style: str = "tabs", agency: str = "某某县某某镇人民政府", year: int = 2023,
           numbering: str = "一、", labels: dict | None = None, version: str = "2021",
           single_other: bool = False, title: bool = True, texts: dict | None = None) -> str:
    texts = {**SECTION_TEXT, **(texts or {})}
    titles = section_titles(numbering)
    out: list[str] = []
    if title:
        out.append(f"{agency}{year}年政府信息公开工作年度报告")
    else:
        out.append(f"根据《条例》规定，现公布{agency}本年度政府信息公开工作情况。统计时限为{year}年1月1日起至{year}年12月31日止。")
    keys = [s.key for s in STD.sections]
    tables = {
        "s2_proactive": ("t2", t2_rows(cells, labels, version)),
        "s3_requests": ("t3", t3_rows(cells, labels, version, single_other)),
        "s4_review_litigation": ("t4", t4_values(cells)),
    }
    for k, t in zip(keys, titles):
        out.append(t)
        if texts.get(k):
            out.append(texts[k])
        if k in tables:
            kind, data = tables[k]
            out.extend(_render_table(kind, data, style))
    return "\n".join(out) + "\n"


def _table_grid(kind: str, data) -> list[list[str]]:
    """Rows of cells, with group cells already dropped where a real rendering drops them."""
    if kind == "t2":
        return [list(r) for r in data]
    if kind == "t3":
        rows = [r for r in t3_header()]
        for g1, g2, label, vals in data:
            lead = [x for x in (g1, g2) if x]
            rows.append(lead + [label] + vals)
        return rows
    return t4_header() + [list(data)]


def _is_header(row: list[str]) -> bool:
    from nianbao.normalize import is_value_text
    return all(not is_value_text(c) for c in row if c != "")


def _render_table(kind: str, data, style: str) -> list[str]:
    grid = _table_grid(kind, data)
    if style == "tabs":
        return ["\t".join(r) for r in grid]
    if style == "cells":
        out = []
        for r in grid:
            out.extend("\t" + c for c in r)
            out.append("")
        return out
    if style == "pipes":
        # HTML→text: each cell "text |", empty cells "|", the row padded to the table width
        width = max(len(r) for r in grid)
        out = []
        for r in grid:
            cells = [c for c in r if c != ""] if _is_header(r) else r
            out.extend(f"{c} |" if c else "|" for c in cells)
            if width > len(cells):
                out.append("|" * (width - len(cells)))
        return out
    if style == "markdown":
        width = max(len(r) for r in grid)
        out = []
        for i, r in enumerate(grid):
            r = r + [""] * (width - len(r))
            out.append("| " + " | ".join(c.replace("\n", "<br>") for c in r) + " |")
            if i == 0:
                out.append("|" + "---|" * width)
        return out
    if style == "loose":
        out = []
        for r in grid:
            cells = [c for c in r if c != ""]
            if not cells:
                continue
            out.append(" ".join(c if c else "/" for c in cells))
        return out
    raise ValueError(style)
