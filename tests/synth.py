"""Synthetic corpora for the store's tests and benchmark: many agencies over many years
(moved out of the installed package).

Owns:
- ``chain_inputs(agencies, years, seed)``: random consistent reports (every identity of
  format.md §5.1 holds) in which ``carried_over(N) == carry_forward(N−1)`` for every
  agency and column (X1 holds), each with its own random section texts;
- ``sum_input(parent, members)``: a region-wide report whose cells are the cell-wise
  sums of its members' (X2 holds);
- ``random_text(rng, n)``: text that is unlike any other text drawn (so X3 holds unless
  a test copies a text on purpose);
- ``write_corpus(inputs, out_dir, fmt)``: render with the composer (``md`` by default).

Command line (benchmark): ``python tests/synth.py OUT_DIR --agencies 100 --years 2020-2024``.
"""
from __future__ import annotations

import argparse
import random
import sys
from decimal import Decimal
from pathlib import Path
from typing import Iterable, Sequence

from fixturegen import build_consistent, random_consistent_input
from nianbao.compose import render
from nianbao.compose.data import ComposeInput
from nianbao.standard import load

_CHARS = ("的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面"
          "而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好"
          "应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道"
          "命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长"
          "求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处府")
_PUNCT = "，，，、；。"


def random_text(rng: random.Random, n: int = 300) -> str:
    """About ``n`` characters of random common characters with punctuation."""
    out = []
    while sum(map(len, out)) < n:
        out.append("".join(rng.choice(_CHARS) for _ in range(rng.randint(6, 18))) + rng.choice(_PUNCT))
    return "".join(out)


AGENCY_HEADS = ("东山", "西河", "南湖", "北岭", "青石", "白沙", "金桥", "龙泉", "长乐", "永安", "太平", "新华",
                "石门", "桃源", "凤凰", "清水", "高桥", "柳林", "马坊", "双庙")
AGENCY_TAILS = ("镇人民政府", "乡人民政府", "街道办事处")


def agency_names(n: int, county: str = "某某县") -> list[str]:
    """``n`` distinct agency names (township governments of one county)."""
    out = []
    for i in range(n):
        head = AGENCY_HEADS[i % len(AGENCY_HEADS)]
        extra = "" if i < len(AGENCY_HEADS) else AGENCY_HEADS[(i // len(AGENCY_HEADS)) % len(AGENCY_HEADS)]
        tail = AGENCY_TAILS[(i // (len(AGENCY_HEADS) ** 2)) % len(AGENCY_TAILS)]
        out.append(f"{county}{extra}{head}{tail}")
    return out


def _sections(rng: random.Random) -> dict[str, str]:
    return {"s1_overview": random_text(rng, 400), "s2_proactive": random_text(rng, 60),
            "s3_requests": random_text(rng, 60), "s4_review_litigation": random_text(rng, 60),
            "s5_problems": random_text(rng, 250), "s6_other": random_text(rng, 150)}


def _rebuild(inp: ComposeInput, carried_over: dict[str, int] | None) -> ComposeInput:
    """Recompute 表三 with the given 上年结转 per applicant column (keeping every identity)."""
    std = load()
    ver = inp.format_version
    cols = [c for c in std.t3_cols if c != "total"]
    outs = std.t3_outcome_rows(ver)
    parts = {f"t3.{r}.{c}": int(inp.cells.get(f"t3.{r}.{c}") or 0) for r in outs + ["carry_forward"] for c in cols}
    for c in cols:
        co = int((carried_over or {}).get(c, 0))
        avail = sum(parts[f"t3.{r}.{c}"] for r in outs) + parts[f"t3.carry_forward.{c}"]
        if co > avail:                                 # keep new ≥ 0: more were granted this year
            parts[f"t3.granted.{c}"] += co - avail
        parts[f"t3.carried_over.{c}"] = co
    t2 = {k: inp.cells.get(k) for k in std.t2_keys(ver)}
    t4 = {f"t4.{g.key}.{c.key}": inp.cells.get(f"t4.{g.key}.{c.key}") for g in std.t4_groups
          for c in std.t4_columns if c.key != "total"}
    inp.cells = build_consistent(parts, version=ver, t2=t2, t4=t4)
    return inp


def chain_inputs(agencies: Sequence[str], years: Sequence[int], seed: int = 0,
                 max_count: int = 30) -> dict[tuple[str, int], ComposeInput]:
    """Consistent reports for every agency and year, chained by 结转 (X1 holds)."""
    std = load()
    cols = [c for c in std.t3_cols if c != "total"]
    rng = random.Random(seed)
    out: dict[tuple[str, int], ComposeInput] = {}
    for a in agencies:
        prev: dict[str, int] | None = None
        for y in sorted(years):
            inp = random_consistent_input(rng, agency=a, year=y, max_count=max_count)
            inp = _rebuild(inp, prev)
            inp.sections = _sections(rng)
            inp.source = f"synth:{a}:{y}"
            out[(a, y)] = inp
            prev = {c: int(inp.cells[f"t3.carry_forward.{c}"] or 0) for c in cols}
    return out


def sum_input(parent: str, year: int, members: Iterable[ComposeInput], seed: int = 0) -> ComposeInput:
    """A report of ``parent`` whose every cell is the sum of the members' (X2 holds)."""
    members = list(members)
    std = load()
    ver = members[0].format_version
    cells: dict[str, int | Decimal | None] = {}
    for k in std.all_keys(ver):
        vals = [m.cells.get(k) for m in members]
        nums = [v for v in vals if v is not None]
        cells[k] = None if not nums else sum(nums, Decimal(0) if any(isinstance(v, Decimal) for v in nums) else 0)
    rng = random.Random(f"{seed}:{parent}:{year}")
    return ComposeInput(agency=parent, year=year, format_version=ver, cells=cells, sections=_sections(rng),
                        source=f"synth:{parent}:{year}")


def write_corpus(inputs: Iterable[ComposeInput], out_dir: str | Path, fmt: str = "md",
                 prefix: str = "r") -> list[Path]:
    """Render every input into ``out_dir`` (``{prefix}{i:05d}_{year}.{fmt}``)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, inp in enumerate(inputs):
        p = out / f"{prefix}{i:05d}_{inp.year}.{fmt}"
        p.write_bytes(render(inp, fmt))
        paths.append(p)
    return paths


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python tests/synth.py",
                                 description="生成多机关、多年度的合成年度报告（用于入库测试和测速）")
    ap.add_argument("out_dir")
    ap.add_argument("--agencies", type=int, default=100)
    ap.add_argument("--years", default="2020-2024")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--format", default="md", choices=["md", "html", "docx"])
    a = ap.parse_args(argv)
    lo, _, hi = a.years.partition("-")
    years = list(range(int(lo), int(hi or lo) + 1))
    inputs = chain_inputs(agency_names(a.agencies), years, seed=a.seed)
    paths = write_corpus(inputs.values(), a.out_dir, a.format)
    print(f"已生成 {len(paths)} 份报告：{a.out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
