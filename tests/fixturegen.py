"""Fixture generator for the tests (moved out of the installed package).

Owns: rendering a cells file (or a ``ComposeInput``) into DOCX / HTML / Markdown (via the
writers) and PDF (DOCX → LibreOffice) in a directory, next to its answer key
(``<stem>.truth.json``, the shape of shared/samples/*.truth.json), optionally with label
and layout mutations seen in real reports (format.md §8.1), drawn from the variants in
``standard.yaml``; and random consistent data.

Mutations (``MUTATIONS``):
- ``ascii_brackets``: full-width （）：，“” printed as ASCII ()：,"" ;
- ``spaces``: a space inside short labels (``规 章``, ``结果 维持``);
- ``heji``: ``合计`` for ``总计``;
- ``line_breaks``: column labels broken over two lines (``商业\\n企业``);
- ``variants``: row/column/section labels replaced by a variant listed in standard.yaml;
- ``section_numbering``: section ordinals as Word auto-numbering renders them (``1、 总体情况``);
- ``title_break``: the title broken over two lines after the agency.

Command line: ``python tests/fixturegen.py OUT_DIR [--cells F.json …] [--random N]
[--seed S] [--formats docx,html,md,pdf] [--mutations a,b | --mutations all]``.
"""
from __future__ import annotations

import argparse
import json
import random
import re
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable, Sequence

from nianbao.compose import atomic_write, render
from nianbao.compose.data import ComposeInput, fill_totals, format_value, load_input
from nianbao.render.layout import Labels
from nianbao.standard import Standard, load

MUTATIONS = {
    "ascii_brackets": "全角括号、冒号、逗号、引号改为半角",
    "spaces": "短标签中间插入空格（规 章）",
    "heji": "“总计”写作“合计”",
    "line_breaks": "表头标签折行（商业\\n企业）",
    "variants": "标签改用 standard.yaml 中列出的变体",
    "section_numbering": "章节序号显示为自动编号（1、 总体情况）",
    "title_break": "标题在机关名称后折行",
}

_CN_ORD = "一二三四五六七八九十"
_ASCII = str.maketrans({"（": "(", "）": ")", "：": ":", "，": ",", "“": '"', "”": '"'})
_TABLE_LABEL_KINDS = ("t2.column", "t2.row", "t3.column", "t4.column", "t4.group")
_HEADER_KINDS = ("t2.column", "t3.column", "t4.column", "t4.group")


def _variant_lists(std: Standard, version: str) -> dict[tuple[str, str], list[str]]:
    out: dict[tuple[str, str], list[str]] = {}
    for s in std.sections:
        out[("section", s.key)] = list(s.variants)
    t2 = std.t2[version]
    for k, c in t2["columns"].items():
        out[("t2.column", k)] = list(c.variants)
    for r in t2["rows"]:
        out[("t2.row", r.key)] = list(r.variants)
    for c in std.t3_columns:
        out[("t3.column", c.key)] = list(c.variants)
    for r in std.t3_rows:
        out[("t3.row", r.key)] = list(r.variants)
    return {k: v for k, v in out.items() if v}


def make_labels(mutations: Sequence[str] = (), seed: int = 0, version: str = "2021") -> Labels:
    """A ``Labels`` applying the named mutations (deterministic for a seed)."""
    unknown = [m for m in mutations if m not in MUTATIONS]
    if unknown:
        raise ValueError(f"未知的变形：{'、'.join(unknown)}；可用：{'、'.join(MUTATIONS)}")
    if not mutations:
        return Labels()
    std = load()
    variants = _variant_lists(std, version)
    muts = set(mutations)

    def fn(kind: str, key: str, text: str) -> str:
        rng = random.Random(f"{seed}:{kind}:{key}")
        if "variants" in muts and (kind, key) in variants and rng.random() < 0.7:
            text = rng.choice(variants[(kind, key)])
        if "heji" in muts and kind in ("t3.column", "t3.row", "t4.column"):
            text = text.replace("总计", "合计")
        if "section_numbering" in muts and kind == "section":
            m = re.match(f"^([{_CN_ORD}]+)、", text)
            if m:
                text = f"{_CN_ORD.index(m.group(1)) + 1}、 {text[m.end():]}"
        if "title_break" in muts and kind == "title":
            m = re.search(r"\d{4}年", text)
            if m:
                text = text[:m.start()] + "\n" + text[m.start():]
        if "ascii_brackets" in muts:
            text = text.translate(_ASCII)
        if "spaces" in muts and kind in _TABLE_LABEL_KINDS and 2 <= len(text) <= 6 and "\n" not in text:
            text = text[: len(text) // 2] + " " + text[len(text) // 2:]
        if "line_breaks" in muts and kind in _HEADER_KINDS and 4 <= len(text) <= 8 and "\n" not in text \
                and " " not in text:
            text = text[: len(text) // 2] + "\n" + text[len(text) // 2:]
        return text

    return Labels(fn)


# ---------------------------------------------------------------------------
# Random consistent data

def build_consistent(parts: dict[str, int], *, version: str = "2021", t2: dict[str, Any] | None = None,
                     t4: dict[str, int] | None = None) -> dict[str, Any]:
    """Complete 表三 from its free parts so that every identity holds.

    ``parts`` gives, per applicant column (not total), the outcome rows, ``carry_forward``
    and ``carried_over`` (``t3.<row>.<col>``); ``new`` is then
    result_total + carry_forward − carried_over (carried_over is capped to keep it ≥ 0).
    """
    std = load()
    cols = [c for c in std.t3_cols if c != "total"]
    cells: dict[str, Any] = {k: None for k in std.all_keys(version)}
    for k, v in parts.items():
        cells[k] = v
    outs = std.t3_outcome_rows(version)
    for c in cols:
        for r in outs + ["carry_forward", "carried_over"]:
            cells[f"t3.{r}.{c}"] = int(cells.get(f"t3.{r}.{c}") or 0)
        res = sum(cells[f"t3.{r}.{c}"] for r in outs)
        avail = res + cells[f"t3.carry_forward.{c}"]
        cells[f"t3.carried_over.{c}"] = min(cells[f"t3.carried_over.{c}"], avail)
        cells[f"t3.new.{c}"] = avail - cells[f"t3.carried_over.{c}"]
        cells[f"t3.result_total.{c}"] = None
    for r in std.t3_row_keys(version):
        cells[f"t3.{r}.total"] = None
    for k, v in (t2 or {}).items():
        cells[k] = v
    for k, v in (t4 or {}).items():
        cells[k] = v
    for g in std.t4_groups:
        cells[f"t4.{g.key}.total"] = None
    fill_totals(cells, std, version)
    return cells


def random_consistent_input(rng: random.Random, *, version: str = "2021", agency: str | None = None,
                            year: int | None = None, max_count: int = 30, zero_prob: float = 0.6,
                            blank_prob: float = 0.0) -> ComposeInput:
    """Random data satisfying T3-BAL/T3-RES/T3-ROW/T4-SUM (and DOM)."""
    std = load()
    cols = [c for c in std.t3_cols if c != "total"]

    def n() -> int:
        return 0 if rng.random() < zero_prob else rng.randint(1, max_count)

    parts = {f"t3.{r}.{c}": n() for r in std.t3_outcome_rows(version) + ["carry_forward", "carried_over"]
             for c in cols}
    dec = std.decimal_keys(version)
    t2: dict[str, Any] = {}
    for k in std.t2_keys(version):
        if rng.random() < blank_prob:
            t2[k] = None
        elif k in dec:
            places = rng.randint(0, 6)
            t2[k] = Decimal(rng.randint(0, 10 ** 7)).scaleb(-places) if rng.random() > 0.3 else Decimal(0)
        elif k in std.signed_keys(version):
            t2[k] = rng.randint(-20, 20)
        else:
            t2[k] = rng.randint(0, 3000) if rng.random() > 0.4 else 0
    t4 = {f"t4.{g.key}.{c.key}": n() for g in std.t4_groups for c in std.t4_columns if c.key != "total"}
    cells = build_consistent(parts, version=version, t2=t2, t4=t4)
    if agency is None:
        agency = rng.choice(["重庆市九龙坡区石板镇人民政府", "某某市自然资源和规划局", "新华区青石山街道办事处",
                             "某某县人民政府办公室", "某某市生态环境局某某分局"])
    return ComposeInput(agency=agency, year=year or rng.randint(2021, 2025), format_version=version,
                        cells=cells, source=f"random:{rng.random():.6f}")


# ---------------------------------------------------------------------------
# Rendering

def truth_record(inp: ComposeInput) -> dict[str, Any]:
    """The answer key: the shape of shared/samples/*.truth.json."""
    def j(v):
        if isinstance(v, Decimal):
            s = format_value(v)
            return int(s) if re.fullmatch(r"-?\d+", s) else float(s)
        return v
    return {"format_version": inp.format_version, "agency": inp.agency, "year": inp.year,
            "cells": {k: j(v) for k, v in inp.cells.items()}}


def render_fixture(source: ComposeInput | str | Path, out_dir: str | Path, *, stem: str | None = None,
                   formats: Iterable[str] = ("docx", "html", "md", "pdf"), mutations: Sequence[str] = (),
                   seed: int = 0) -> dict[str, Any]:
    """Write ``<stem>.<fmt>`` for each format plus ``<stem>.truth.json``; return a manifest."""
    inp = source if isinstance(source, ComposeInput) else load_input(source)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if stem is None:
        base = Path(inp.source).name.split(".")[0] if inp.source and not inp.source.startswith("random") else "fixture"
        stem = base + (("_" + "-".join(mutations)) if mutations else "")
    labels = make_labels(mutations, seed, inp.format_version)
    formats = list(formats)
    files: dict[str, str] = {}
    docx_path = out / f"{stem}.docx"
    need_docx = "docx" in formats or "pdf" in formats
    if need_docx:
        atomic_write(docx_path, render(inp, "docx", labels))
        if "docx" in formats:
            files["docx"] = str(docx_path)
    for fmt in ("html", "md"):
        if fmt in formats:
            p = out / f"{stem}.{fmt}"
            atomic_write(p, render(inp, fmt, labels))
            files[fmt] = str(p)
    if "pdf" in formats:
        from nianbao.compose.convert import docx_to_pdf
        files["pdf"] = str(docx_to_pdf(docx_path, out / f"{stem}.pdf"))
        if "docx" not in formats:
            docx_path.unlink(missing_ok=True)
    truth = out / f"{stem}.truth.json"
    atomic_write(truth, json.dumps(truth_record(inp), ensure_ascii=False, indent=1).encode("utf-8"))
    return {"stem": stem, "files": files, "truth": str(truth), "mutations": list(mutations), "seed": seed,
            "agency": inp.agency, "year": inp.year, "format_version": inp.format_version}


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python tests/fixturegen.py",
                                 description="生成测试/基准用的年度报告样例（DOCX/HTML/MD/PDF）及其答案文件")
    ap.add_argument("out_dir")
    ap.add_argument("--cells", nargs="*", default=[], help="单元格文件（truth.json 形状）")
    ap.add_argument("--random", type=int, default=0, help="另外生成 N 份随机的一致数据")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--formats", default="docx,html,md,pdf")
    ap.add_argument("--mutations", default="", help="逗号分隔；all 表示全部；每份样例再各生成一份带变形的版本")
    a = ap.parse_args(argv)
    formats = [f for f in a.formats.split(",") if f]
    muts = list(MUTATIONS) if a.mutations == "all" else [m for m in a.mutations.split(",") if m]
    rng = random.Random(a.seed)
    inputs: list[tuple[str, ComposeInput]] = [(Path(c).name.split(".")[0], load_input(c)) for c in a.cells]
    inputs += [(f"random_{a.seed}_{i:03d}", random_consistent_input(rng)) for i in range(a.random)]
    manifest = []
    for stem, inp in inputs:
        manifest.append(render_fixture(inp, a.out_dir, stem=stem, formats=formats, seed=a.seed))
        if muts:
            manifest.append(render_fixture(inp, a.out_dir, stem=f"{stem}_mut", formats=formats, mutations=muts,
                                           seed=a.seed))
    Path(a.out_dir, "manifest.jsonl").write_text(
        "".join(json.dumps(m, ensure_ascii=False) + "\n" for m in manifest), encoding="utf-8")
    print(f"已生成 {len(manifest)} 份样例：{a.out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
