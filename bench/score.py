"""Score nianbao's extraction against answer keys (NAME.truth.json beside each report).

``python bench/score.py examples/samples examples/real``

The same measures as the project's shared scorer, computed in this process through the
one unit of work (``nianbao.process_many``): reports read exactly, agency+year+format
right, **wrong values** (a number where the key holds another value or none — worse than
a blank; the goal is 0) and the cell accuracy. Exits 1 below ``--min`` (default 1.0) or
with any wrong value.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

from nianbao import Limits, process_many


def _same(a: object, b: object) -> bool:
    if a is None or b is None:
        return a is None and b is None
    try:
        return math.isclose(float(a), float(b), rel_tol=0, abs_tol=1e-9)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def _squash(s: object) -> str:
    return "".join(str(s or "").split())


def pairs(dirs: list[str]) -> list[tuple[Path, dict]]:
    out = []
    for d in dirs:
        for p in sorted(Path(d).iterdir()):
            if p.name.endswith(".truth.json") or p.suffix == ".md" and p.stem.upper() == "README":
                continue
            key = p.with_name(p.name.split(".")[0] + ".truth.json")
            if key.is_file():
                out.append((p, json.loads(key.read_text(encoding="utf-8"))))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="按答案核对提取结果")
    ap.add_argument("dirs", nargs="+")
    ap.add_argument("--min", type=float, default=1.0)
    a = ap.parse_args(argv)
    items = pairs(a.dirs)
    if not items:
        print("没有找到带答案（.truth.json）的报告")
        return 1
    t0 = time.perf_counter()
    outs = list(process_many([p for p, _ in items], audit=False, limits=Limits(workers=0)))
    wall = time.perf_counter() - t0
    ok = total = exact = meta_ok = wrong_values = 0
    for (path, truth), out in zip(items, outs):
        want = truth["cells"]
        total += len(want)
        if out.report is None:
            print(f"MISS  {path}: {out.error.message if out.error else '无输出'}")
            continue
        got = out.report.values()
        wrong = [k for k, v in want.items() if not _same(got.get(k), v)]
        ok += len(want) - len(wrong)
        wrong_values += sum(1 for k in wrong if got.get(k) is not None)
        exact += not wrong
        r = out.report
        meta = (_squash(r.agency) == _squash(truth.get("agency")) and r.year == truth.get("year")
                and str(r.format_version) == str(truth.get("format_version")))
        meta_ok += meta
        if wrong:
            print(f"WRONG {path}: " + ", ".join(f"{k}={got.get(k)!r} want {want[k]!r}" for k in wrong[:6]))
        if not meta:
            print(f"META  {path}: {r.agency!r} {r.year!r} {r.format_version!r}")
    n = len(items)
    acc = ok / total if total else 0.0
    print(f"reports {n}  exact {exact}/{n}  agency+year+format {meta_ok}/{n}  {n / wall:.1f} reports/s")
    print(f"wrong values {wrong_values} (goal 0)")
    print(f"cell accuracy {acc:.4f} ({ok}/{total})")
    return 0 if acc >= a.min and wrong_values == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
