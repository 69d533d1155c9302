"""Every text rendering of every sample's data, and random data, reads back exactly."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import SAMPLES, load_truth
from nianbao.extract import extract_document
from nianbao.readers import read
from nianbao.standard import load
from textgen import render

STYLES = ["tabs", "cells", "pipes", "markdown", "loose"]
TRUTHS = sorted(SAMPLES.glob("*.truth.json"))


def _extract(text: str):
    return extract_document(read("report.txt", text.encode("utf-8")))


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("truth", TRUTHS, ids=lambda p: p.name[:3])
def test_sample_data_in_every_rendering(truth, style):
    want = load_truth(truth)
    r = _extract(render(want["cells"], style=style, agency=want["agency"], year=want["year"]))
    assert r.values() == {k: want["cells"][k] for k in r.values()}
    assert (r.agency, r.year, r.format_version) == (want["agency"], want["year"], "2021")


KEYS = load().all_keys("2021")


@st.composite
def random_cells(draw, blanks: bool):
    cells = {}
    for k in KEYS:
        if k == "t2.fees.amount":
            v = draw(st.one_of(st.integers(0, 99999), st.decimals(0, 99999, places=4).map(float)))
        else:
            v = draw(st.integers(0, 99999))
        if blanks and draw(st.integers(0, 9)) == 0:
            v = None
        cells[k] = v
    return cells


@pytest.mark.parametrize("style", ["tabs", "cells", "pipes", "markdown"])
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_random_values_with_blanks_read_back(style, data):
    cells = data.draw(random_cells(blanks=True))
    r = _extract(render(cells, style=style))
    got = r.values()
    assert got == cells


@settings(max_examples=25, deadline=None)
@given(cells=random_cells(blanks=False))
def test_random_values_loose_rows(cells):
    r = _extract(render(cells, style="loose"))
    assert r.values() == cells
