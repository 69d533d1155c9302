#!/usr/bin/env python3
"""National-year simulation: ingest a sample of a national year into DuckDB and extrapolate.

``python bench/national.py [--sizes 1000,10000] [--workers 2] [--dask]``

For each size, ``bench/corpus.national_corpus`` gives that many varied reports (web
pages with site chrome, text-layer PDFs, DOCX, Markdown and text in the shares of
``corpus.NATIONAL_SHARES``; random consistent tables, label variants, one report in five
with an error). ``nianbao ingest DIR --db … -j N`` runs as a user runs it (a fresh store,
the whole process timed); printed: seconds, reports/s, the peak RSS of the largest
process (a guard worker or the parent), the DB size, and the time a national year of
2·10^5 reports would take at the largest size's rate (linear extrapolation, said so).
``--dask``: the same ingest on a local Dask cluster of N workers (``ingest --dask``),
whose rate should be within 20 % of the process pool's.
"""
from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpus  # noqa: E402
from run import pad  # noqa: E402

NATIONAL_YEAR = 200_000
TARGET_MINUTES = 30.0
WORKER_RSS_MB = 300.0
DASK_WITHIN = 0.20


def _ingest(d: Path, workers: int, dask: bool) -> tuple[float, float, float]:
    """(seconds, peak RSS MB of the largest process, DB MB) of one ``nianbao ingest``."""
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "national.duckdb"
        cmd = [sys.executable, "-m", "nianbao", "ingest", str(d), "--db", str(db), "-j", str(workers)]
        if dask:
            cmd.append("--dask")
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        t = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=corpus.ROOT, check=False)
        secs = time.perf_counter() - t
        rss = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
        return secs, rss, db.stat().st_size / 2**20 if db.exists() else 0.0


def main() -> int:
    ap = argparse.ArgumentParser(prog="python bench/national.py", description="全国一年报告量的模拟入库测速")
    ap.add_argument("--sizes", default="1000,10000", help="模拟的报告份数（逗号分隔）")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--dask", action="store_true", help="同时在本机 Dask 集群上运行，对比进程池")
    a = ap.parse_args()
    sizes = [int(x) for x in a.sizes.split(",") if x]
    print(f"全国年度模拟：入库 -j {a.workers}，格式占比 "
          + "、".join(f"{k} {v:.0%}" for k, v in corpus.NATIONAL_SHARES.items()))
    print(f"{pad('份数', 10)}{pad('方式', 10)}{'秒':>10}{'份/秒':>10}{'峰值内存MB':>14}{'库大小MB':>12}")
    rate = 0.0
    rss_max = 0.0
    for n in sizes:
        t = time.perf_counter()
        d = corpus.national_corpus(n)
        gen = time.perf_counter() - t
        modes = [("进程池", False)] + ([("Dask", True)] if a.dask else [])
        rates = {}
        for name, dask in modes:
            secs, rss, db_mb = _ingest(d, a.workers, dask)
            rates[name] = n / secs
            print(f"{pad(str(n), 10)}{pad(name, 10)}{secs:>10.1f}{n / secs:>10.1f}{rss:>14.0f}{db_mb:>12.1f}")
            if not dask:
                rate, rss_max = n / secs, max(rss_max, rss)
        if gen > 1:
            print(f"  （生成 {n} 份模拟报告用时 {gen:.0f} 秒，已缓存于 {d}）")
        if "Dask" in rates:
            ratio = rates["Dask"] / rates["进程池"]
            print(f"  Dask / 进程池 = {ratio:.2f}（目标 ≥ {1 - DASK_WITHIN:.2f}）{'达标' if ratio >= 1 - DASK_WITHIN else '未达标'}")
    minutes = NATIONAL_YEAR / rate / 60 if rate else float("inf")
    print(f"按 {sizes[-1]} 份的速度线性外推：{NATIONAL_YEAR} 份需 {minutes:.0f} 分钟"
          f"（目标 ≤ {TARGET_MINUTES:g}）{'达标' if minutes <= TARGET_MINUTES else '未达标'}；"
          f"最大进程峰值内存 {rss_max:.0f} MB（目标 ≤ {WORKER_RSS_MB:g}）{'达标' if rss_max <= WORKER_RSS_MB else '未达标'}")
    if len(sizes) > 1:
        print("线性检验：各规模的份/秒见上表（相差不大即为线性）")
    return 0


if __name__ == "__main__":
    sys.exit(main())
