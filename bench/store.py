"""Benchmark of the store (run by hand): reports/s for ingest end to end and for the
database part alone.

``python bench/store.py [--agencies 100 --years 2020-2024] [--workers 1,2] [--dir DIR]``

The corpus is ``synth.chain_inputs`` rendered as Markdown (kept in ``--dir`` between
runs). Measured: (1) ``ingest`` with each number of workers (read, extract, audit,
write); (2) the database part alone: the records of every file built once in memory,
then written to a fresh database in batches, and written again (replacing every report).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Sequence

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))   # the synthetic corpus

from nianbao import Limits  # noqa: E402


def main(argv: Sequence[str] | None = None) -> int:
    from nianbao.store.db import Store
    from nianbao.store.ingest import ingest, process_file
    from synth import agency_names, chain_inputs, write_corpus
    ap = argparse.ArgumentParser(prog="python bench/store.py", description="数据库入库测速")
    ap.add_argument("--agencies", type=int, default=100)
    ap.add_argument("--years", default="2020-2024")
    ap.add_argument("--workers", default="1,2")
    ap.add_argument("--batch-size", type=int, default=500)
    ap.add_argument("--dir", default=None, help="合成报告所在目录（不存在时生成）")
    a = ap.parse_args(argv)
    lo, _, hi = a.years.partition("-")
    years = list(range(int(lo), int(hi or lo) + 1))
    tmp = Path(tempfile.mkdtemp(prefix="nianbao-bench-"))
    corpus = Path(a.dir) if a.dir else tmp / "corpus"
    files = sorted(corpus.glob("*.md")) if corpus.exists() else []
    if not files:
        t = time.perf_counter()
        files = write_corpus(chain_inputs(agency_names(a.agencies), years).values(), corpus, "md")
        print(f"生成 {len(files)} 份 Markdown 报告：{time.perf_counter() - t:.1f} 秒（{corpus}）")
    n = len(files)
    for w in [int(x) for x in a.workers.split(",") if x]:
        db = tmp / f"w{w}.duckdb"
        r = ingest([corpus], db, limits=Limits(workers=w), batch_size=a.batch_size, skip_existing=False)
        print(f"ingest workers={w}: {n} 份，{r.seconds:.2f} 秒，{n / r.seconds:.1f} 份/秒（写库 {r.db_seconds:.2f} 秒）")
    t = time.perf_counter()
    records = [process_file(f) for f in files]
    t_extract = time.perf_counter() - t
    print(f"提取+审核（单进程）：{n / t_extract:.1f} 份/秒")
    db = tmp / "dbonly.duckdb"
    with Store(db) as st:
        for label in ("写入新库", "再次写入（全部替换）"):
            t = time.perf_counter()
            for i in range(0, n, a.batch_size):
                st.write(records[i:i + a.batch_size])
            dt = time.perf_counter() - t
            print(f"仅数据库，{label}：{n} 份，{dt:.3f} 秒，{n / dt:.0f} 份/秒")
        print("行数：", st.counts())
    return 0


if __name__ == "__main__":
    sys.exit(main())
