"""The benchmarks run (small sizes): every figure is printed with its target."""
from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import ROOT


@pytest.mark.slow
def test_bench_run_quick_prints_figures_with_targets():
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--quick", "--only", "check,scaling"],
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    for figure in ("check --json 文本", "ingest 文本", "extract：每 MB 用时最大/最小", "check：每 MB 用时最大/最小"):
        assert figure in out.stdout, out.stdout
    assert "目标" in out.stdout


@pytest.mark.slow
def test_national_simulation_small():
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "national.py"), "--sizes", "20", "--workers", "1"],
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "线性外推" in out.stdout and "份/秒" in out.stdout, out.stdout
