"""Analyses on a synthetic multi-agency, multi-year corpus: X1 cross-year, X2 roll-up,
X3 duplication, coverage and indicators — each with a planted problem and no false alarm."""
from __future__ import annotations

import copy
import random

import numpy as np
import pytest

from nianbao.standard import load
from nianbao.store import Store, ingest
from nianbao.store.analysis import (MinHasher, coverage, cross_year, duplication, indicators, norm_text,
                                    read_membership, rollup)
from synth import _rebuild, chain_inputs, random_text, sum_input, write_corpus

A, B, C = "某某县东山镇人民政府", "某某县西河镇人民政府", "某某县南湖镇人民政府"
COPIER = "某某县北岭镇人民政府"        # copies A's 2023 texts (X3, peer)
NEAR = "某某县青石镇人民政府"          # copies A's 2023 总体情况 with a few edits
PARENT = "某某县人民政府"
YEARS = [2021, 2022, 2023]


def _edit(text: str, frac: float, seed: int) -> str:
    rng = random.Random(seed)
    chars = list(text)
    for i in rng.sample(range(len(chars)), int(len(chars) * frac)):
        chars[i] = "改"
    return "".join(chars)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    std = load()
    inputs = chain_inputs([A, B, C], YEARS, seed=7)
    # X1: B's 2023 report prints 上年结转 (自然人) two more than B's 2022 结转下年度
    b23 = inputs[(B, 2023)]
    prev = {c: int(inputs[(B, 2022)].cells[f"t3.carry_forward.{c}"] or 0) for c in std.t3_cols if c != "total"}
    prev["natural_person"] += 2
    _rebuild(b23, prev)
    # X3 (prev_year): C's 2023 问题 section is last year's, unchanged
    inputs[(C, 2023)].sections["s5_problems"] = inputs[(C, 2022)].sections["s5_problems"]
    # X3 (peer): a copy of A's 2023 report under another agency, and a near-copy of one section
    a23 = inputs[(A, 2023)]
    cp = copy.deepcopy(a23)
    cp.agency = COPIER
    near = copy.deepcopy(inputs[(C, 2021)])
    near.agency, near.year = NEAR, 2023
    near.sections = dict(near.sections)
    near.sections["s1_overview"] = _edit(a23.sections["s1_overview"], 0.03, 1)
    # X2: the county's 2023 report sums A, B and C, with one planted difference
    parent = sum_input(PARENT, 2023, [inputs[(A, 2023)], inputs[(B, 2023)], inputs[(C, 2023)]])
    parent.cells["t4.review.upheld"] += 1
    parent.cells["t4.review.total"] += 1
    d = tmp_path_factory.mktemp("synth")
    all_inputs = list(inputs.values()) + [cp, near, parent]
    write_corpus(all_inputs, d)
    (d / "zz_broken.docx").write_bytes(b"PK\x03\x04broken")
    db = tmp_path_factory.mktemp("db") / "a.duckdb"
    res = ingest([d], db)
    assert res.reports == len(all_inputs) and len(res.failures) == 1
    return {"db": db, "inputs": inputs, "parent": parent, "dir": d}


def test_corpus_reads_back(built):
    with Store(built["db"], read_only=True) as st:
        got = st.con.execute("SELECT agency, year FROM reports ORDER BY 1, 2").fetchall()
    assert (A, 2021) in got and (PARENT, 2023) in got and (COPIER, 2023) in got


def test_cross_year_finds_planted_mismatch_only(built):
    df = cross_year(built["db"])
    # A, B, C × (2022, 2023) × 7 columns
    assert len(df) == 3 * 2 * 7
    bad = df[df["status"] != "ok"]
    assert len(bad) == 2, bad[["agency", "year", "col_key", "diff"]]     # the column and the 总计
    assert set(bad["col_key"]) == {"natural_person", "total"}
    assert set(bad["agency"]) == {B} and set(bad["year"]) == {2023}
    assert (bad["diff"] == 2).all()
    assert all("相差 2" in m for m in bad["message"])
    ok = df[df["status"] == "ok"]
    assert (ok["carried_over"] == ok["carry_forward_prev"]).all()


def test_rollup_sums_and_flags_difference(built):
    df = rollup(built["db"], PARENT, 2023, [A, B, C])
    assert not df.empty
    assert set(df["n_members"]) == {3} and set(df["n_members_found"]) == {3}
    bad = df[df["status"] == "mismatch"]
    assert set(bad["key"]) == {"t4.review.upheld", "t4.review.total"}
    assert (bad["diff"] == 1).all()
    numeric = df[df["parent_value"].notna()]
    ok = numeric[numeric["status"] == "ok"]
    assert len(ok) == len(numeric) - 2
    assert np.allclose(ok["parent_value"], ok["members_sum"])
    t = ok.set_index("key")
    ins = built["inputs"]
    assert t.loc["t3.new.total", "members_sum"] == sum(ins[(x, 2023)].cells["t3.new.total"] for x in (A, B, C))


def test_rollup_from_membership_csv(built, tmp_path):
    csv = tmp_path / "m.csv"
    # Chinese headers, GB18030, a spacing variant, and one member without any report
    csv.write_bytes(("上级,成员\n" + "\n".join(f"{PARENT},{m}" for m in
                                              ("某某县 东山镇人民政府", B, C, "某某县无此镇人民政府"))).encode("gb18030"))
    m = read_membership(csv)
    assert len(m) == 4
    df = rollup(built["db"], membership=csv)
    assert set(df["year"]) == {2023}
    assert set(df["n_members"]) == {4} and set(df["n_members_found"]) == {3}
    assert {"t4.review.upheld", "t4.review.total"} <= set(df.loc[df["status"] != "ok", "key"])
    assert "incomplete" in set(df["status"])
    assert [x["member"] for x in df.attrs["members_without_report"]] == ["某某县无此镇人民政府"]
    assert df[df["status"] == "incomplete"]["members_missing"].str.contains("无此镇").all()


def test_duplication_flags_copies_not_different_reports(built):
    df = duplication(built["db"], threshold=0.9)
    pairs = {(r.section, r.scope, frozenset((r.agency_a, r.agency_b))) for r in df.itertuples()}
    for s in ("s1_overview", "s5_problems", "s6_other"):
        assert (s, "peer", frozenset((A, COPIER))) in pairs
    assert ("s1_overview", "peer", frozenset((A, NEAR))) in pairs
    assert ("s5_problems", "prev_year", frozenset((C,))) in pairs
    expected = {(s, "peer", frozenset((A, COPIER))) for s in ("s1_overview", "s5_problems", "s6_other")} | \
        {("s1_overview", "peer", frozenset((A, NEAR))), ("s1_overview", "peer", frozenset((COPIER, NEAR))),
         ("s5_problems", "prev_year", frozenset((C,)))}
    assert pairs == expected, df[["section", "scope", "agency_a", "agency_b", "similarity"]]
    near = df[(df["agency_b"] == NEAR) | (df["agency_a"] == NEAR)]
    assert ((near["similarity"] >= 0.9) & (near["similarity"] < 1.0)).all()
    assert (df["flagged"]).all()
    prev = df[df["scope"] == "prev_year"].iloc[0]
    assert (prev["year_a"], prev["year_b"]) == (2022, 2023)


def test_duplication_all_prev_year_pairs(built):
    df = duplication(built["db"], threshold=0.9, scopes=("prev_year",), all_prev_year=True)
    # A, B, C × 2 consecutive pairs × 3 sections
    assert len(df) == 3 * 2 * 3
    assert df["flagged"].sum() == 1


def test_minhash_prefilter_recall_and_selectivity():
    rng = random.Random(3)
    texts = [norm_text(random_text(rng, 600)) for _ in range(300)]
    planted = []
    for i in range(0, 60, 3):
        texts.append(_edit(texts[i], 0.04, i))
        planted.append((i, len(texts) - 1))
    h = MinHasher()
    sig = h.signatures(texts)
    cand = {tuple(p) for p in h.candidates(sig)}
    assert all(p in cand for p in planted)
    n = len(texts)
    assert len(cand) < 0.05 * n * (n - 1) / 2           # far fewer than all pairs go to the expensive metric


def test_norm_text_ignores_layout_and_numbers():
    assert norm_text("2023年，我镇 主动公开信息 121 条。") == norm_text("2024年我镇主动公开信息98条")


def test_coverage(built):
    expected = [A, B, "某某县 南湖镇人民政府", "某某县无此镇人民政府", "某某县东山镇人民政"]
    df = coverage(built["db"], expected)
    st = {(r.agency_norm, r.year): r.status for r in df.itertuples() if r.year is not None and r.agency_norm}
    assert st[(A, 2021)] == "present" and st[(C, 2023)] == "present"
    assert st[("某某县无此镇人民政府", 2022)] == "missing"
    assert df[(df["agency_norm"] == "某某县东山镇人民政") & (df["status"] == "missing")]["closest"].eq(A).all()
    assert df[df["agency_norm"] == COPIER]["is_expected"].eq(False).all()
    unreadable = df[df["status"] == "unreadable"]
    assert len(unreadable) == 1 and unreadable["source"].iloc[0].endswith("zz_broken.docx")
    # without a list: an agency is expected from its first report on (COPIER only reported 2023)
    df2 = coverage(built["db"])
    assert df2[(df2["agency_norm"] == COPIER)]["status"].tolist() == ["present"]
    assert (df2[df2["agency_norm"] == A]["status"] == "present").all()


def test_indicators(built):
    df = indicators(built["db"])
    ins = built["inputs"]
    row = df[(df["agency"] == A) & (df["year"] == 2021)].iloc[0]
    c = ins[(A, 2021)].cells
    assert row["requests_new"] == c["t3.new.total"]
    assert row["results_total"] == c["t3.result_total.total"]
    if c["t3.result_total.total"]:
        assert row["granted_rate"] == pytest.approx(c["t3.granted.total"] / c["t3.result_total.total"])
    wh = sum(c[f"t3.{r}.total"] for r in load().t3_order if r.startswith("withheld."))
    assert row["withheld"] == wh
    assert row["review_total"] == c["t4.review.total"]
    assert row["fee_amount"] == pytest.approx(float(c["t2.fees.amount"]))
    assert row["n_errors"] is not None
    y = indicators(built["db"], by="year").set_index("year")
    assert y.loc[2021, "n_reports"] == 3 and y.loc[2023, "n_reports"] == 6
    sub = df[df["year"] == 2023]
    assert y.loc[2023, "requests_new"] == sub["requests_new"].sum()
    assert y.loc[2023, "granted_rate"] == pytest.approx(
        sub.loc[sub["results_total"] > 0, "granted"].sum() / sub.loc[sub["results_total"] > 0, "results_total"].sum())


def test_analyses_accept_store_and_connection(built):
    with Store(built["db"], read_only=True) as st:
        assert len(cross_year(st)) == len(cross_year(st.con)) == 42


def test_inferred_cells_are_never_evidence_of_a_cross_check(built, tmp_path):
    """A cell split from digits that ran together (kind inferred) makes its cross-year and
    roll-up comparisons not assessable, as it does for the identities."""
    import shutil
    db = tmp_path / "inferred.duckdb"
    shutil.copy(built["db"], db)
    with Store(db) as st:
        rid = st.con.execute("SELECT report_id FROM current_reports WHERE agency = ? AND year = 2023", [B]).fetchone()[0]
        st.con.execute("UPDATE cells SET kind = 'inferred' WHERE report_id = ? AND key = 't3.carried_over.natural_person'",
                       [rid])
        pid = st.con.execute("SELECT report_id FROM current_reports WHERE agency = ? AND year = 2023",
                             [PARENT]).fetchone()[0]
        st.con.execute("UPDATE cells SET kind = 'inferred' WHERE report_id = ? AND key = 't4.review.upheld'", [pid])
    df = cross_year(db)
    row = df[(df["agency"] == B) & (df["year"] == 2023) & (df["col_key"] == "natural_person")].iloc[0]
    assert row["status"] == "not-assessable" and "拆分推断" in row["message"]
    r = rollup(db, PARENT, 2023, [A, B, C])
    assert r[r["key"] == "t4.review.upheld"].iloc[0]["status"] == "not-assessable"
