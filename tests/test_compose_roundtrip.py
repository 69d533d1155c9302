"""Round trip: compose → extract returns identical cells (DOCX, HTML, Markdown), for every
sample answer key and for random consistent data; also through label mutations."""
from __future__ import annotations

import math
import random
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import SAMPLES
from nianbao.compose import check, write_report
from nianbao.compose.data import load_cells_json
from fixturegen import MUTATIONS, make_labels, random_consistent_input, build_consistent
from nianbao.standard import load

STD = load()
FORMATS = ("docx", "html", "md")
SAMPLE_TRUTHS = sorted(SAMPLES.glob("*.truth.json"))


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(float(a), float(b), rel_tol=0, abs_tol=1e-12)


def _diff(inp, report) -> dict:
    got = report.values()
    return {k: (v, got.get(k)) for k, v in inp.cells.items() if not _same(v, got.get(k))}


def _extract(path):
    from nianbao.extract import extract_path
    return extract_path(path)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("truth", SAMPLE_TRUTHS, ids=lambda p: p.name[:3])
def test_sample_answer_keys_round_trip(truth, fmt, tmp_path):
    inp = load_cells_json(truth)
    out = tmp_path / f"report.{fmt}"
    write_report(inp, out)
    report = _extract(out)
    assert _diff(inp, report) == {}
    assert report.format_version == inp.format_version


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("truth", SAMPLE_TRUTHS, ids=lambda p: p.name[:3])
def test_sample_agency_and_year_round_trip(truth, fmt, tmp_path):
    inp = load_cells_json(truth)
    out = tmp_path / f"report.{fmt}"
    write_report(inp, out)
    report = _extract(out)
    assert (report.agency, report.year) == (inp.agency, inp.year)


def test_cli_sample_000_needs_allow_inconsistent(tmp_path):
    from typer.testing import CliRunner
    from nianbao.cli import app
    truth = SAMPLE_TRUTHS[0]
    r = CliRunner().invoke(app, ["compose", str(truth), "-o", str(tmp_path / "x.docx"), "--allow-inconsistent"])
    assert r.exit_code == 0, r.output
    assert _diff(load_cells_json(truth), _extract(tmp_path / "x.docx")) == {}


# -- random consistent data -----------------------------------------------------------

COLS6 = [c for c in STD.t3_cols if c != "total"]
small = st.integers(min_value=0, max_value=40) | st.just(0)


@st.composite
def consistent_inputs(draw):
    from nianbao.compose.data import ComposeInput
    parts = {}
    for r in STD.t3_outcome_rows("2021") + ["carry_forward", "carried_over"]:
        for c in COLS6:
            parts[f"t3.{r}.{c}"] = draw(small)
    dec = STD.decimal_keys()
    t2 = {}
    for k in STD.t2_keys():
        if k in dec:
            digits = draw(st.integers(0, 10 ** 9))
            places = draw(st.integers(0, 6))
            t2[k] = draw(st.none() | st.just(Decimal(digits).scaleb(-places)))
        else:
            t2[k] = draw(st.none() | st.integers(0, 100000))
    t4 = {f"t4.{g.key}.{c.key}": draw(small) for g in STD.t4_groups for c in STD.t4_columns if c.key != "total"}
    cells = build_consistent(parts, t2=t2, t4=t4)
    agency = draw(st.sampled_from(["重庆市九龙坡区石板镇人民政府", "某某市自然资源和规划局", "新华区青石山街道办事处"]))
    year = draw(st.integers(2021, 2025))
    return ComposeInput(agency=agency, year=year, cells=cells)


@pytest.mark.parametrize("fmt", FORMATS)
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(inp=consistent_inputs())
def test_random_consistent_round_trip(fmt, inp, tmp_path):
    assert check(inp) == []
    out = tmp_path / f"r.{fmt}"
    write_report(inp, out)
    report = _extract(out)
    assert _diff(inp, report) == {}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("mutation", list(MUTATIONS) + ["all"])
def test_mutated_labels_round_trip(mutation, fmt, tmp_path):
    inp = random_consistent_input(random.Random(3), agency="某某县人民政府办公室", year=2023)
    muts = list(MUTATIONS) if mutation == "all" else [mutation]
    out = tmp_path / f"m.{fmt}"
    write_report(inp, out, labels=make_labels(muts, seed=1))
    report = _extract(out)
    assert _diff(inp, report) == {}


@pytest.mark.parametrize("fmt", FORMATS)
def test_2019_format_round_trip(fmt, tmp_path):
    """The 2019 format (single （六）其他处理 row, V2019 表二) composes and reads back."""
    inp = random_consistent_input(random.Random(19), version="2019", agency="某某县人民政府办公室", year=2020)
    assert check(inp) == []
    out = tmp_path / f"v19.{fmt}"
    write_report(inp, out)
    report = _extract(out)
    assert report.format_version == "2019"
    assert _diff(inp, report) == {}
