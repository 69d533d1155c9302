"""Table labels against the standard wording (format.md §8).

Owns: ``compare_label`` (same / layout only / half-width only / punctuation only / other
wording) and the rules LBL-WORDING (a label worded differently from the standard:
warning) and LBL-PUNCT (differences only in punctuation or half-width forms: info,
half-width forms collected per table). Layout is not wording: a line break or spaces
inside a cell (HTML <br>, PDF wrapping, letter-spaced headers ``结 果 维 持``) never gives
a finding. Printed labels come from ``CellValue.label`` / ``column_label`` and from the
extractor's label-variant / label-fuzzy / split-label notes; the canonical wording from
``nianbao.standard``.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from ...model import FORMAT_PRE2019, Report
from ...normalize import norm_label
from .. import cells as C
from ..finding import INFO, WARNING, Finding
from .base import Rule, register

SAME, LAYOUT, HALFWIDTH, PUNCT, WORDING = "same", "layout", "halfwidth", "punct", "wording"
_PUNCT_RE = re.compile(r"[\W_]+", re.UNICODE)
_HALF_RE = re.compile(r"[()\[\]:;,?!\"']")


def _strip_punct(s: str) -> str:
    return _PUNCT_RE.sub("", s)


def compare_label(printed: str, canonical: str) -> str:
    """SAME, LAYOUT (line breaks / spaces only: never a finding), HALFWIDTH (half-width
    brackets, colons … printed), PUNCT (other punctuation) or WORDING."""
    p, c = norm_label(printed), norm_label(canonical)
    if p == c:
        t = C.tidy(unicodedata.normalize("NFC", printed or ""))
        if _HALF_RE.search(t) and not _HALF_RE.search(canonical):
            return HALFWIDTH
        return SAME if t == canonical or t.endswith(canonical) else LAYOUT
    if _strip_punct(p) == _strip_punct(c):
        return PUNCT
    return WORDING


def _table_zh(key: str) -> str:
    return C.TABLE_ZH.get(C.table_of(key), "")


@dataclass(frozen=True)
class _KeyLabels:
    """What the standard says about one cell key, for the label comparison."""
    key: str
    group: str                      # t2 | t3 | t4
    row: tuple[str, tuple, str]     # (canonical row label, identity of the row, where)
    column: tuple[str, tuple, str]  # (canonical column label, identity of the column, where)


@lru_cache(maxsize=4)
def _key_labels(version: str) -> tuple[_KeyLabels, ...]:
    """Every cell key of a format with its canonical labels, worked out once per version
    (the comparison of printed labels runs on every report)."""
    s = C.std()
    out = []
    for k in s.all_keys(version):
        crow, ccol = s.label_of(k)
        t, rk, ck = C.split_key(k)
        cap = ""
        if t.startswith("t2"):
            ver = "2019" if t == "t2v19" else "2021"
            cap = next((r.extra.get("caption", "") for r in s.t2[ver]["rows"] if r.key == rk), "")
        out.append(_KeyLabels(k, C.group_of(k), (crow, (t, "row", rk), f"{t}.{rk}"),
                              (ccol, (t, "col", cap, ck), f"{t}.{cap}.{ck}" if cap else f"{t}.{ck}")))
    return tuple(out)


def collect(report: Report) -> list[dict]:
    """Printed labels with their canonical wording: [{table, kind, printed, canonical, keys, source, variant}]."""
    seen: dict[tuple, dict] = {}
    cells = report.cells
    for info in _key_labels(C.version(report)):
        k = info.key
        c = cells.get(k)
        if c is None:
            continue
        for kind, printed, (canonical, ident, where) in (("row", c.label, info.row),
                                                         ("column", c.column_label, info.column)):
            if not printed:
                continue
            dk = ident + (norm_label(printed),)
            if dk in seen:
                seen[dk]["keys"].append(k)
                continue
            seen[dk] = {"table": info.group, "kind": kind, "printed": printed, "canonical": canonical,
                        "where": where,
                        "keys": [k], "variant": c.variant if kind == "row" else None,
                        "source": (c.source.to_dict() if c.source is not None and kind == "row" else None)}
    covered = {(e["table"], norm_label(e["printed"])) for e in seen.values()}
    for n in report.notes:
        if n.code not in ("label-variant", "label-fuzzy"):
            continue
        printed = str(n.evidence.get("printed") or "")
        canonical = str(n.evidence.get("canonical") or "")
        if not printed or not canonical or not n.keys and not n.where:
            continue
        key = (n.keys or [n.where])[0]
        table = C.group_of(key) if key.split(".")[0] in C.TABLE_ZH else "structure"
        if (table, norm_label(printed)) in covered:
            continue
        covered.add((table, norm_label(printed)))
        seen[(table, "note", norm_label(printed))] = {
            "table": table, "kind": "note", "where": n.where or key, "printed": printed, "canonical": canonical, "keys": list(n.keys),
            "variant": n.evidence.get("variant"), "source": n.source.to_dict() if n.source else None}
    return list(seen.values())


class LabelRule(Rule):
    family = "labels"
    group = "labels"

    def entries(self, report: Report) -> list[tuple[dict, str]]:
        if report.format_version == FORMAT_PRE2019:
            return []
        out = []
        others = _table_labels(C.version(report))
        for e in collect(report):
            if e["table"] == "structure":
                continue
            cls = compare_label(e["printed"], e["canonical"])
            owners = others.get(e["table"], {}).get(norm_label(e["printed"]))
            if cls == WORDING and owners and e["canonical"] not in owners:
                continue    # another label of the same table taken for this one: a reading problem, not wording
            out.append((e, cls))
        return out


@lru_cache(maxsize=4)
def _table_labels(version: str) -> dict[str, dict[str, frozenset[str]]]:
    """Per table (t2, t3, t4): every label the standard prints in it (rows, columns, groups,
    captions and their variants), normalised → the canonical labels it belongs to. A
    printed label that belongs only to other labels of the table is a cell read from the
    wrong place: never reported as the unit's wording."""
    out: dict[str, dict[str, frozenset[str]]] = {}
    for t in ("t2", "t3", "t4"):
        owners: dict[str, set[str]] = {}
        for e in (e for group in C.std().table_entries(t, version) for e in group):
            for x in (e.canonical, *e.variants):
                if norm_label(x):
                    owners.setdefault(norm_label(x), set()).add(e.canonical)
        out[t] = {k: frozenset(v) for k, v in owners.items()}
    return out


def _kind_zh(e: dict) -> str:
    return {"row": "行标签", "column": "列标题", "note": "标签"}[e["kind"]]


@register
class LabelWording(LabelRule):
    code = "LBL-WORDING"
    severity = WARNING
    title = "表格标签与标准表述不一致"
    description = "逐一比对表二、表三、表四的行标签和列标题与国家格式的标准表述；措辞不同（增删字词、改换说法）即报告，并注明按哪种变体识别。"
    basis = "国办公开办函〔2021〕30号要求严格按格式编制；format.md §4 标准表述、§8.1 常见变体。变体出现的频率本身是“按格式填报”的审核信号。"
    handles = ("label-variant", "label-fuzzy")

    def check(self, report: Report) -> list[Finding]:
        out = []
        for e, cls in self.entries(report):
            if cls != WORDING:
                continue
            t = C.TABLE_ZH.get(e["table"], "")
            keys = e["keys"]
            printed = C.tidy(e["printed"])
            out.append(self.finding(
                e["where"], f"{t}{_kind_zh(e)}印为“{printed}”，标准表述为“{e['canonical']}”。",
                cells=[C.cell_info(report, k) for k in keys[:7]], expected=e["canonical"], actual=printed,
                evidence={"table": e["table"], "kind": e["kind"], "variant": e.get("variant"), "keys": keys},
                sources=[e["source"]] if e.get("source") else []))
        return out


@register
class LabelPunct(LabelRule):
    code = "LBL-PUNCT"
    severity = INFO
    title = "表格标签标点、空格或半角字符与标准不同"
    description = ("标签只在标点（如“。”与“，”）上与标准不同的，逐条提示；印了半角括号、冒号等的，每张表合并为一条提示。"
                   "单元格内的换行、空格（网页<br>、PDF折行、“结 果 维 持”式的字距）是版式，不是措辞，不提示。")
    basis = "format.md §4（标准标点为全角：（）“”，：）、§8.1。"
    handles = ("split-label",)

    def check(self, report: Report) -> list[Finding]:
        out = []
        layout: dict[str, list[dict]] = {}
        for e, cls in self.entries(report):
            t = C.TABLE_ZH.get(e["table"], "")
            if cls == PUNCT:
                keys = e["keys"]
                out.append(self.finding(
                    e["where"], f"{t}{_kind_zh(e)}印为“{C.tidy(e['printed'])}”，标准表述为“{e['canonical']}”，仅标点不同。",
                    cells=[C.cell_info(report, k) for k in keys[:7]], expected=e["canonical"],
                    actual=C.tidy(e["printed"]), evidence={"table": e["table"], "kind": e["kind"], "keys": keys},
                    sources=[e["source"]] if e.get("source") else []))
            elif cls == HALFWIDTH:
                layout.setdefault(e["table"], []).append(e)
        for table, es in layout.items():
            shown = "、".join(f"“{C.tidy(x['printed'])}”" for x in es[:4]) + ("等" if len(es) > 4 else "")
            out.append(self.finding(
                table, f"{C.TABLE_ZH.get(table, '')}有{len(es)}处标签使用半角括号或冒号（如{shown}），标准为全角，措辞与标准一致。",
                expected="全角标点", actual=len(es),
                evidence={"labels": [{"printed": x["printed"], "canonical": x["canonical"]} for x in es]}))
        return out
