"""Test helpers for the auditor: build ``Report`` objects without the extractor.

Owns: ``build_report`` (a Report from a cells dict like the answer keys plus optional
section texts, with CellValue kinds from ``nianbao.normalize.parse_value``),
``consistent_cells`` (an all-identities-hold table set), ``split_sample`` (sections and
title of a sample .txt, split by a simple heading scan) and ``sample_report`` (answer
key + sample text).
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from nianbao import standard
from nianbao.grid import Source
from nianbao.model import CellValue, Note, Report, Section
from nianbao.normalize import fold, parse_value, split_ordinal

SAMPLES = Path(__file__).resolve().parents[1] / "examples" / "samples"
SECTION_KEYS = ["s1_overview", "s2_proactive", "s3_requests", "s4_review_litigation", "s5_problems", "s6_other"]


def _cell(key: str, v: Any, std, i: int, labels: dict, column_labels: dict, variants: dict) -> CellValue:
    dec = key in std.decimal_keys("2021") or key in std.decimal_keys("2019")
    if v is None:
        pv = parse_value("", decimal=dec)
    elif isinstance(v, str):
        pv = parse_value(v, decimal=dec)
    else:
        pv = parse_value(repr(v) if isinstance(v, float) else str(v), decimal=dec)
    row, col = std.label_of(key)
    return CellValue(key=key, value=pv.value, kind=pv.kind, raw=pv.raw,
                     label=labels.get(key, row), column_label=column_labels.get(key, col),
                     variant=variants.get(key, "canonical"),
                     source=Source(file="test.txt", line=100 + i))


def build_report(cells: dict[str, Any] | None = None, sections: dict[str, str] | None = None, *,
                 year: int | None = 2023, agency: str | None = "某某县某某镇人民政府",
                 format_version: str | None = "2021", title: str | None = ..., notes: list[Note] | None = None,
                 labels: dict[str, str] | None = None, column_labels: dict[str, str] | None = None,
                 variants: dict[str, str] | None = None, preamble: str = "",
                 section_titles: dict[str, str] | None = None, tables_found: dict | None = None,
                 source: str = "test.txt") -> Report:
    """A Report from a {key: value} dict (int/float, a printed string, or None for blank).

    Keys missing from ``cells`` are absent from the report. ``sections`` maps section keys
    to their text; by default all six sections exist with a neutral text.
    """
    std = standard.load()
    cells = dict(cells or {})
    labels, column_labels, variants = labels or {}, column_labels or {}, variants or {}
    rep = Report(source=source, format_version=format_version, agency=agency, year=year,
                 title=(f"{agency}{year}年政府信息公开工作年度报告" if title is ... else title),
                 preamble=preamble, input_format="text")
    for i, (k, v) in enumerate(cells.items()):
        rep.cells[k] = _cell(k, v, std, i, labels, column_labels, variants)
    if sections is None:
        sections = {k: "" for k in SECTION_KEYS}
    for idx, (k, text) in enumerate(sections.items()):
        canonical = next((e.canonical for e in std.sections if e.key == k), k)
        title_ = (section_titles or {}).get(k, canonical)
        rep.sections[k] = Section(key=k, title=title_, text=text, index=idx, variant="canonical",
                                  source=Source(file=source, line=10 * idx + 1))
    if tables_found is None:
        tables_found = {t: any(k.startswith(t + ".") or (t == "t2" and k.startswith("t2v19."))
                               for k in cells) for t in ("t2", "t3", "t4")}
    rep.tables_found = tables_found
    rep.notes = list(notes or [])
    rep.full_text = "\n".join([rep.title or "", preamble, *sections.values()])
    return rep


def zero_cells(version: str = "2021") -> dict[str, Any]:
    return {k: 0 for k in standard.load().all_keys(version)}


def consistent_cells(outcomes: dict[str, dict[str, int]] | None = None, carry: dict[str, int] | None = None,
                     carried: dict[str, int] | None = None, t4: dict[str, dict[str, int]] | None = None,
                     t2: dict[str, Any] | None = None, version: str = "2021") -> dict[str, Any]:
    """A table set where every identity holds, from outcome rows per applicant column."""
    std = standard.load()
    cells = zero_cells(version)
    rows = std.t3_row_keys(version)
    cols = [c for c in std.t3_cols if c != "total"]
    outcome_rows = rows[rows.index("carried_over") + 1: rows.index("result_total")]
    outcomes, carry, carried = outcomes or {}, carry or {}, carried or {}
    for r in outcome_rows:
        for c in cols:
            cells[f"t3.{r}.{c}"] = outcomes.get(r, {}).get(c, 0)
    for c in cols:
        rt = sum(cells[f"t3.{r}.{c}"] for r in outcome_rows)
        cells[f"t3.result_total.{c}"] = rt
        cells[f"t3.carry_forward.{c}"] = carry.get(c, 0)
        co = carried.get(c, 0)
        assert co <= rt + carry.get(c, 0)
        cells[f"t3.carried_over.{c}"] = co
        cells[f"t3.new.{c}"] = rt + carry.get(c, 0) - co
    for r in rows:
        cells[f"t3.{r}.total"] = sum(cells[f"t3.{r}.{c}"] for c in cols)
    for g, vals in (t4 or {}).items():
        for c, v in vals.items():
            cells[f"t4.{g}.{c}"] = v
        cells[f"t4.{g}.total"] = sum(v for c, v in vals.items() if c != "total")
    cells.update(t2 or {})
    return cells


# ---------------------------------------------------------------------------------------
# Samples

_TOP_ORDINAL = re.compile(r"^(?:[一二三四五六七八九十]+、|\d{1,2}、)")


def split_sample(text: str) -> tuple[str | None, str, dict[str, str], dict[str, str]]:
    """(title, preamble, {section key: text}, {section key: printed title}) of a sample text."""
    std = standard.load()
    lines = text.splitlines()
    heads: list[tuple[int, str, str]] = []
    want = 0
    for i, line in enumerate(lines):
        f = fold(line)
        if not f or len(f) > 40 or not _TOP_ORDINAL.match(f):
            continue
        _, rest = split_ordinal(f)
        m = std.section_matcher.match(rest, normalised=True, allow=set(SECTION_KEYS[want:]))
        if m:
            heads.append((i, m.entry.key, line.strip()))
            want = SECTION_KEYS.index(m.entry.key) + 1
    first = heads[0][0] if heads else len(lines)
    pre_lines = [l for l in lines[:first] if l.strip()]
    title = None
    joined = ""
    for j, l in enumerate(pre_lines[:3]):
        joined += l.strip()
        if std.title_pattern in fold(joined):
            title = joined
            pre_lines = pre_lines[j + 1:]
            break
    sections, titles = {}, {}
    for n, (i, key, printed) in enumerate(heads):
        end = heads[n + 1][0] if n + 1 < len(heads) else len(lines)
        body = lines[i + 1:end]
        if key in ("s2_proactive", "s3_requests", "s4_review_litigation"):
            body = [l for l in body if "\t" not in l and "|" not in l and len(l.strip()) > 30]
        sections[key] = "\n".join(l.strip() for l in body if l.strip())
        titles[key] = printed
    return title, "\n".join(pre_lines), sections, titles


def sample_path(prefix: str) -> Path:
    return next(SAMPLES.glob(f"{prefix}_*.txt"))


def sample_report(prefix: str, **over) -> Report:
    """Answer-key cells + the sample's own text, split into sections."""
    p = sample_path(prefix)
    truth = json.loads(Path(str(p)[:-4] + ".truth.json").read_text(encoding="utf-8"))
    title, pre, secs, titles = split_sample(p.read_text(encoding="utf-8"))
    kw = dict(year=truth["year"], agency=truth["agency"], format_version=truth["format_version"],
              title=title, preamble=pre, section_titles=titles, source=str(p))
    kw.update(over)
    rep = build_report(truth["cells"], secs, **kw)
    rep.full_text = p.read_text(encoding="utf-8")
    return rep
