"""Shared test fixtures: paths to the bundled samples and real reports."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"     # the bundled real reports with their answer keys
SAMPLES = EXAMPLES / "samples"
REAL = EXAMPLES / "real"
sys.path.insert(0, str(Path(__file__).parent))


def truth_files() -> list[Path]:
    return sorted(SAMPLES.glob("*.truth.json")) + sorted(REAL.glob("*.truth.json"))


def report_for(truth: Path) -> Path:
    stem = truth.name[: -len(".truth.json")]
    return next(p for p in truth.parent.iterdir() if p.name.startswith(stem + ".") and not p.name.endswith(".json"))


def load_truth(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def sample_truths() -> dict[str, dict]:
    return {p.name.split("_")[0]: load_truth(p) for p in sorted(SAMPLES.glob("*.truth.json"))}
