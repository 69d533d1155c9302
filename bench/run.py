#!/usr/bin/env python3
"""Benchmark: reports/s per input format and peak memory, one core.

Run by hand (not a timed test):  python bench/run.py [--seconds 5] [--formats text,html,docx,md,pdf]

Inputs are the bundled samples and real reports plus every sample's answer key rendered
by the composer into DOCX, HTML and Markdown, and (when LibreOffice is installed) PDF.
Each format runs in its own process so that its peak RSS is its own. Each iteration
reads the bytes from memory and runs the full read → extract pipeline.
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
CACHE = ROOT / "bench" / ".cache"
sys.path.insert(0, str(ROOT))


def build_inputs() -> dict[str, list[tuple[str, bytes]]]:
    """name → bytes per format, generating composed fixtures once into bench/.cache."""
    out: dict[str, list[tuple[str, bytes]]] = {"text": [], "html": [], "docx": [], "md": [], "pdf": []}
    for p in sorted((SHARED / "samples").glob("*.txt")):
        out["text"].append((p.name, p.read_bytes()))
    for p in sorted((SHARED / "real").iterdir()):
        if p.suffix in (".html", ".htm"):
            out["html"].append((p.name, p.read_bytes()))
        elif p.suffix == ".pdf":
            out["pdf"].append((p.name, p.read_bytes()))
    CACHE.mkdir(parents=True, exist_ok=True)
    try:
        from nianbao.compose import render
        from nianbao.compose.data import load_cells_json
    except ImportError:
        return out
    for truth in sorted((SHARED / "samples").glob("*.truth.json")):
        stem = truth.name.split(".")[0]
        inp = load_cells_json(truth)
        for fmt, ext in (("docx", ".docx"), ("html", ".html"), ("md", ".md")):
            f = CACHE / f"{stem}{ext}"
            if not f.exists():
                f.write_bytes(render(inp, fmt))
            out[fmt].append((f.name, f.read_bytes()))
        pdf = CACHE / f"{stem}.pdf"
        if not pdf.exists():
            try:
                from nianbao.compose.convert import docx_to_pdf, soffice_path
                if soffice_path():
                    docx_to_pdf(CACHE / f"{stem}.docx", pdf)
            except Exception as e:  # LibreOffice missing or failing: bench the rest
                print(f"(PDF fixture skipped: {e})", file=sys.stderr)
        if pdf.exists():
            out["pdf"].append((pdf.name, pdf.read_bytes()))
    return out


def bench_one(fmt: str, seconds: float) -> dict:
    from nianbao.extract import extract_document
    from nianbao.readers import read

    from nianbao.cli.app import tune_gc

    inputs = build_inputs()[fmt]
    if not inputs:
        return {"format": fmt, "files": 0}
    tune_gc()   # as the CLI does
    # warm up (imports, caches)
    for name, data in inputs:
        extract_document(read(name, data))
    n = 0
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        for name, data in inputs:
            extract_document(read(name, data))
            n += 1
    dt = time.perf_counter() - t0
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"format": fmt, "files": len(inputs), "reports": n, "seconds": round(dt, 2),
            "reports_per_s": round(n / dt, 1), "peak_rss_mb": round(rss_mb, 1)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--formats", default="text,html,md,docx,pdf")
    ap.add_argument("--one", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.one:
        print(json.dumps(bench_one(a.one, a.seconds)))
        return
    build_inputs()  # generate fixtures once, outside the timed processes
    print(f"{'format':<8}{'files':>6}{'reports':>9}{'reports/s':>12}{'peak RSS MB':>13}")
    for fmt in a.formats.split(","):
        res = subprocess.run([sys.executable, __file__, "--one", fmt, "--seconds", str(a.seconds)],
                             capture_output=True, text=True)
        if res.returncode != 0:
            print(f"{fmt:<8} failed: {res.stderr.strip()[-300:]}")
            continue
        r = json.loads(res.stdout.strip().splitlines()[-1])
        if not r.get("files"):
            print(f"{fmt:<8}{0:>6}   (no inputs)")
            continue
        print(f"{fmt:<8}{r['files']:>6}{r['reports']:>9}{r['reports_per_s']:>12}{r['peak_rss_mb']:>13}")


if __name__ == "__main__":
    main()
