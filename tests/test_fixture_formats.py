"""Every sample's answer key, composed into DOCX and converted by LibreOffice to PDF and
HTML (and the PDF's text taken out with pdftotext), reads back exactly.

This is the "real converter" path: the HTML and PDF are LibreOffice's, not ours.
Plain ``pdftotext`` (no -layout) scrambles cells; there the extractor must never output
a value the document does not give for that cell (cells it cannot place stay null).
"""
from __future__ import annotations

import json
import math
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import REAL, SAMPLES, load_truth
from nianbao.compose import render
from nianbao.compose.data import load_cells_json
from nianbao.extract import extract_path

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
PDFTOTEXT = shutil.which("pdftotext")
pytestmark = [pytest.mark.slow, pytest.mark.skipif(SOFFICE is None, reason="LibreOffice not installed")]
TRUTHS = sorted(SAMPLES.glob("*.truth.json"))


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(float(a), float(b), abs_tol=1e-9)


@pytest.fixture(scope="module")
def converted(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("lo")
    docs = []
    for t in TRUTHS:
        p = d / (t.name.split(".")[0] + ".docx")
        p.write_bytes(render(load_cells_json(t), "docx"))
        docs.append(str(p))
    profile = (d / "profile").as_uri()
    for fmt in ("pdf", "html"):
        subprocess.run([SOFFICE, f"-env:UserInstallation={profile}", "--headless", "--convert-to", fmt,
                        "--outdir", str(d / fmt), *docs], check=True, capture_output=True, timeout=300)
    return d


@pytest.mark.parametrize("fmt", ["pdf", "html"])
@pytest.mark.parametrize("truth", TRUTHS, ids=lambda p: p.name[:3])
def test_libreoffice_output_reads_back(converted, truth, fmt):
    want = load_truth(truth)
    r = extract_path(converted / fmt / (truth.name.split(".")[0] + "." + fmt))
    assert {k: v for k, v in r.values().items()} == want["cells"]
    assert (r.agency, r.year, r.format_version) == (want["agency"], want["year"], want["format_version"])


def _pdftotext(pdf: Path, out: Path, layout: bool) -> Path:
    args = [PDFTOTEXT] + (["-layout"] if layout else []) + [str(pdf), str(out)]
    subprocess.run(args, check=True, capture_output=True, timeout=60)
    return out


@pytest.mark.skipif(PDFTOTEXT is None, reason="poppler-utils not installed")
@pytest.mark.parametrize("truth", TRUTHS + [REAL / "001_huaian_2024.truth.json"], ids=lambda p: p.name[:3])
def test_pdftotext_layout_reads_back(converted, truth, tmp_path):
    stem = truth.name.split(".")[0]
    pdf = REAL / f"{stem}.pdf" if truth.parent == REAL else converted / "pdf" / f"{stem}.pdf"
    want = load_truth(truth)
    r = extract_path(_pdftotext(pdf, tmp_path / f"{stem}.txt", layout=True))
    got = r.values()
    assert all(_same(got.get(k), v) for k, v in want["cells"].items())
    assert (r.agency, r.year) == (want["agency"], want["year"])


@pytest.mark.skipif(PDFTOTEXT is None, reason="poppler-utils not installed")
@pytest.mark.parametrize("truth", TRUTHS + [REAL / "001_huaian_2024.truth.json"], ids=lambda p: p.name[:3])
def test_scrambled_text_never_gives_a_wrong_value(converted, truth, tmp_path):
    stem = truth.name.split(".")[0]
    pdf = REAL / f"{stem}.pdf" if truth.parent == REAL else converted / "pdf" / f"{stem}.pdf"
    want = load_truth(truth)
    r = extract_path(_pdftotext(pdf, tmp_path / f"{stem}.txt", layout=False))
    got = r.values()
    wrong = {k: (got[k], v) for k, v in want["cells"].items() if got.get(k) is not None and not _same(got[k], v)}
    assert not wrong
    # most of it is still read; a row left with fewer numbers than columns is null (never left-filled)
    assert sum(v is not None for v in got.values()) >= 85


from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000), blank=st.sampled_from([0.0, 0.2]))
def test_random_values_through_libreoffice_pdf(tmp_path, seed, blank):
    """Random values (blanks included) → DOCX → LibreOffice PDF → the same cells."""
    import random

    from nianbao.compose.convert import docx_to_pdf
    from fixturegen import random_consistent_input, truth_record

    inp = random_consistent_input(random.Random(seed), blank_prob=blank, zero_prob=0.3, max_count=5000)
    docx = tmp_path / f"r{seed}.docx"
    docx.write_bytes(render(inp, "docx"))
    pdf = docx_to_pdf(docx, tmp_path / f"r{seed}.pdf")
    want = truth_record(inp)["cells"]
    got = extract_path(pdf).values()
    assert all(_same(got.get(k), v) for k, v in want.items())
