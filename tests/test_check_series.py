"""``check`` adds the cross-year findings: with ``--prev``, within a batch that holds the
same unit's consecutive years, and against the store (``--db``)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "samples"


@pytest.fixture()
def two_years(tmp_path: Path) -> tuple[Path, Path]:
    cur = next(EXAMPLES.glob("003_*.txt"))
    text = cur.read_text(encoding="utf-8")
    prev = tmp_path / "prev" / "2022.txt"
    prev.parent.mkdir()
    # last year's report: the same unit, a year earlier, other figures carried forward
    prev.write_text(text.replace("2023", "2022").replace("2024", "2023"), encoding="utf-8")
    here = tmp_path / "cur" / "2023.txt"
    here.parent.mkdir()
    here.write_text(text, encoding="utf-8")
    return prev, here


def _series_rules(stdout: str) -> dict[str, list[str]]:
    out = {}
    for line in stdout.splitlines():
        d = json.loads(line)
        out[Path(d["source"]).name] = sorted({f["rule"] for f in d.get("findings", []) if f["rule"].startswith("X-")})
    return out


def _check(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nianbao", "check", "--json", *args], capture_output=True, text=True,
                          timeout=300)


def test_prev_batch_and_db_give_the_same_cross_year_findings(two_years, tmp_path):
    prev, cur = two_years
    with_prev = _series_rules(_check(str(cur), "--prev", str(prev)).stdout)
    assert with_prev["2023.txt"], "the copied text and the carry-over should be checked against last year"
    assert "X-COPY" in with_prev["2023.txt"]
    in_batch = _series_rules(_check(str(prev), str(cur)).stdout)
    assert in_batch["2023.txt"] == with_prev["2023.txt"] and in_batch["2022.txt"] == []
    db = tmp_path / "s.duckdb"
    r = subprocess.run([sys.executable, "-m", "nianbao", "ingest", str(prev), "--db", str(db)], capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    with_db = _series_rules(_check(str(cur), "--db", str(db)).stdout)
    assert with_db["2023.txt"] == with_prev["2023.txt"]


def test_ingest_stores_the_cross_year_findings_in_either_order(two_years, tmp_path):
    import duckdb
    prev, cur = two_years
    for order in ((cur, prev), (prev, cur)):      # this year first, then last year: still found
        db = tmp_path / f"{order[0].stem}.duckdb"
        for f in order:
            r = subprocess.run([sys.executable, "-m", "nianbao", "ingest", str(f), "--db", str(db)],
                               capture_output=True, text=True, timeout=300)
            assert r.returncode == 0, r.stderr
        con = duckdb.connect(str(db), read_only=True)
        rules = con.execute("""SELECT DISTINCT f.rule FROM findings f JOIN reports r USING (report_id)
                               WHERE r.year = 2023 AND f.rule LIKE 'X-%' ORDER BY 1""").fetchall()
        assert [x[0] for x in rules] == _series_rules(_check(str(cur), "--prev", str(prev)).stdout)["2023.txt"]
        assert con.execute("SELECT count(*) FROM findings f JOIN reports r USING (report_id) "
                           "WHERE r.year = 2022 AND f.rule LIKE 'X-%'").fetchone() == (0,)
