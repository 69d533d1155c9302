"""The dask.distributed path: a LocalCluster of two workers (threads, for speed) gives
the same database as the serial ingest."""
from __future__ import annotations

import shutil

import pytest

from conftest import REAL, SAMPLES
from nianbao.store import Store, ingest, ingest_dask

pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    d = tmp_path_factory.mktemp("dask_in")
    for p in sorted(SAMPLES.glob("*.txt")) + sorted(REAL.glob("*.html")):
        shutil.copy(p, d / p.name)
    (d / "empty.txt").write_bytes(b"")
    return d


@pytest.mark.parametrize("send_bytes", [False, True])
def test_dask_matches_serial(corpus, tmp_path, send_bytes):
    serial = tmp_path / "s.duckdb"
    ingest([corpus], serial)
    dpath = tmp_path / "d.duckdb"
    seen = []
    res = ingest_dask([corpus], dpath, n_workers=2, processes=False, chunk_size=2, batch_size=3,
                      send_bytes=send_bytes, progress=lambda done, total, src, ok: seen.append((done, total)))
    n = len(list(corpus.iterdir()))
    assert res.files == n and res.reports == n - 1 and len(res.failures) == 1
    assert seen[-1] == (n, n)
    q = "SELECT report_id, key, value, kind, raw FROM cells ORDER BY 1, 2"
    with Store(serial, read_only=True) as a, Store(dpath, read_only=True) as b:
        assert a.counts() == b.counts()
        assert a.con.execute(q).fetchall() == b.con.execute(q).fetchall()
        assert b.con.execute("SELECT count(*) FROM errors").fetchall() == [(1,)]
