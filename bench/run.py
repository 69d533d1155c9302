#!/usr/bin/env python3
"""Benchmark: every speed figure of the project with its target, through the CLI.

``python bench/run.py [--quick] [--only extract,check,scaling,pdfplumber] [--cores 0]``

Measured as a user runs nianbao: the whole ``python -m nianbao …`` process (start-up,
reading the directory, the guarded worker, writing the output), pinned to one core with
``taskset`` (``--cores``), median of ``--repeat`` runs. Inputs come from
``bench/corpus.py`` (built once into ``bench/.cache``):

- ``extract --cells`` reports/s per input format (text, saved web pages with site chrome,
  DOCX, Markdown, text-layer PDF);
- ``check --json`` and ``ingest`` reports/s on text reports (ingest into a fresh store);
- size scaling: one text report of 0.5–4 MB, seconds per MB for ``extract`` and ``check``
  (start-up subtracted, measured on a one-page report);
- nianbao against pdfplumber's ``extract_tables`` on the same PDFs, in this process.

The national-year simulation is ``bench/national.py``; the store alone ``bench/store.py``.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpus  # noqa: E402

ROOT = corpus.ROOT

# Targets (issue "Fast enough for a national year on one machine, and linear in size").
TARGETS = {"txt": 1000.0, "html": 100.0, "docx": 100.0, "md": 1000.0, "pdf": 20.0}
CHECK_TARGET = 300.0
INGEST_WITHIN = 0.20          # ingest within 20 % of check
SCALING_WITHIN = 2.0          # time per MB from 0.5 to 4 MB within 2×
PDFPLUMBER_FACTOR = 20.0      # ≥ 20× faster than pdfplumber's extract_tables
SIZES_MB = (0.5, 1.0, 2.0, 4.0)
FULL = {"txt": 1000, "html": 200, "docx": 200, "md": 500, "pdf": 60}
QUICK = {"txt": 200, "html": 40, "docx": 40, "md": 100, "pdf": 12}
NAMES = {"txt": "文本", "html": "网页", "docx": "DOCX", "md": "Markdown", "pdf": "PDF（文字层）"}


def _cli(args: list[str], cores: str | None, stdout: int | None = subprocess.DEVNULL) -> float:
    """Seconds of one whole ``python -m nianbao`` process."""
    cmd = [sys.executable, "-m", "nianbao", *args]
    if cores is not None and shutil.which("taskset"):
        cmd = ["taskset", "-c", cores, *cmd]
    t = time.perf_counter()
    subprocess.run(cmd, stdout=stdout, stderr=subprocess.DEVNULL, cwd=ROOT, check=False)
    return time.perf_counter() - t


def _median(fn, repeat: int) -> float:
    return statistics.median(fn() for _ in range(repeat))


def pad(text: str, width: int) -> str:
    """``text`` padded to ``width`` terminal columns (a Chinese character takes two)."""
    cols = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(0, width - cols)


def _row(figure: str, value: float, unit: str, target: str, ok: bool | None) -> None:
    mark = "" if ok is None else ("达标" if ok else "未达标")
    print(f"{pad(figure, 40)}{value:>10.1f}  {pad(unit, 8)}{pad(target, 22)}{mark}")


def bench_extract(sizes: dict[str, int], cores: str | None, repeat: int) -> None:
    for fmt, n in sizes.items():
        d = corpus.format_corpus(fmt, n)
        secs = _median(lambda: _cli(["extract", "--cells", "-j", "1", str(d)], cores), repeat)
        rate = n / secs
        _row(f"extract --cells {NAMES[fmt]}（{n} 份）", rate, "份/秒", f"目标 ≥ {TARGETS[fmt]:g}", rate >= TARGETS[fmt])


def bench_check_ingest(n: int, cores: str | None, repeat: int) -> None:
    d = corpus.format_corpus("txt", n)
    check = n / _median(lambda: _cli(["check", "--json", "-j", "1", str(d)], cores), repeat)
    _row(f"check --json 文本（{n} 份）", check, "份/秒", f"目标 ≥ {CHECK_TARGET:g}", check >= CHECK_TARGET)

    def ingest_once() -> float:
        with tempfile.TemporaryDirectory() as tmp:
            return _cli(["ingest", str(d), "--db", str(Path(tmp) / "b.duckdb"), "-j", "1"], cores)
    ingest = n / _median(ingest_once, repeat)
    _row(f"ingest 文本（{n} 份，新库）", ingest, "份/秒", f"目标 ≥ check 的 {1 - INGEST_WITHIN:.0%}",
         ingest >= (1 - INGEST_WITHIN) * check)


def bench_scaling(cores: str | None, repeat: int, sizes: tuple[float, ...]) -> None:
    base = corpus.EXAMPLES / "samples" / "000_33ff4c3c35a3d77b.txt"
    for cmd in (["extract", "--cells"], ["check", "--json"]):
        startup = _median(lambda: _cli([*cmd, str(base)], cores), repeat)
        per_mb = []
        for mb in sizes:
            p = corpus.sized_text(mb)
            real_mb = p.stat().st_size / 2**20
            secs = _median(lambda: _cli([*cmd, str(p)], cores), repeat)
            per_mb.append(max(secs - startup, 1e-3) / real_mb)
            _row(f"{' '.join(cmd)} {mb:g} MB 文本", per_mb[-1], "秒/MB", "", None)
        ratio = max(per_mb) / min(per_mb)
        _row(f"{cmd[0]}：每 MB 用时最大/最小", ratio, "倍", f"目标 ≤ {SCALING_WITHIN:g}", ratio <= SCALING_WITHIN)


def bench_pdfplumber(n: int) -> None:
    import pdfplumber

    from nianbao.extract import extract_path
    files = sorted(corpus.format_corpus("pdf", n).iterdir())[: min(n, corpus.PDF_POOL)]
    extract_path(files[0])                     # warm up (imports, the standard)
    t = time.perf_counter()
    for f in files:
        extract_path(f)
    ours = time.perf_counter() - t
    t = time.perf_counter()
    for f in files:
        with pdfplumber.open(f) as pdf:
            for page in pdf.pages:
                page.extract_tables()
    theirs = time.perf_counter() - t
    _row(f"PDF：nianbao 读取+提取（{len(files)} 份）", len(files) / ours, "份/秒", "", None)
    _row("PDF：pdfplumber extract_tables", len(files) / theirs, "份/秒", "", None)
    _row("PDF：nianbao 比 pdfplumber 快", theirs / ours, "倍", f"目标 ≥ {PDFPLUMBER_FACTOR:g}",
         theirs / ours >= PDFPLUMBER_FACTOR)


def main() -> int:
    ap = argparse.ArgumentParser(prog="python bench/run.py", description="nianbao 测速（命令行整进程，单核）")
    ap.add_argument("--quick", action="store_true", help="小规模（冒烟测试）")
    ap.add_argument("--only", default="extract,check,scaling,pdfplumber")
    ap.add_argument("--cores", default="0", help="taskset 绑定的 CPU（空：不绑定）")
    ap.add_argument("--repeat", type=int, default=None, help="每项重复次数，取中位数（默认 3，--quick 为 1）")
    a = ap.parse_args()
    sizes = QUICK if a.quick else FULL
    repeat = a.repeat or (1 if a.quick else 3)
    cores = a.cores or None
    only = set(a.only.split(","))
    print(f"nianbao 测速：{'小规模' if a.quick else '完整'}，绑定 CPU {cores or '不绑定'}，重复 {repeat} 次取中位数，"
          f"{os.cpu_count()} 核机器")
    print(f"{pad('项目', 40)}{'实测':>8}  {pad('单位', 8)}{pad('目标', 22)}")
    if "extract" in only:
        bench_extract(sizes, cores, repeat)
    if "check" in only:
        bench_check_ingest(sizes["txt"], cores, repeat)
    if "scaling" in only:
        bench_scaling(cores, repeat, SIZES_MB[:2] if a.quick else SIZES_MB)
    if "pdfplumber" in only:
        bench_pdfplumber(sizes["pdf"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
