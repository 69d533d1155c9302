"""Exports: Parquet and CSV with the same rows as the database, the Excel workbook
(Chinese sheets and headers, no formula injection, sheets split at the row limit),
atomic writes."""
from __future__ import annotations

import zipfile

import duckdb
import pandas as pd
import pyarrow.parquet as pq
import pytest
from openpyxl import load_workbook

from conftest import SAMPLES
from nianbao.store import Store, ingest
from nianbao.store.db import EXPORT_TABLES, TABLES
from nianbao.store.export import ExportError, export, write_frame
from nianbao.store.labels import TABLE_ZH

DANGEROUS = ['=HYPERLINK("http://example.invalid","点我")', "+1+1", "-2+3", "@SUM(A1)", "=cmd|' /C calc'!A0"]


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    d = tmp_path_factory.mktemp("in")
    for p in sorted(SAMPLES.glob("*.txt"))[:3]:
        (d / p.name).write_bytes(p.read_bytes())
    (d / "empty.txt").write_bytes(b"")
    path = tmp_path_factory.mktemp("db") / "e.duckdb"
    ingest([d], path)
    with Store(path) as st:     # plant texts that a spreadsheet would take for formulas
        rid = st.con.execute("SELECT report_id FROM reports ORDER BY report_id LIMIT 1").fetchall()[0][0]
        st.con.execute("UPDATE sections SET text = ? WHERE report_id = ? AND key = 's1_overview'", [DANGEROUS[0], rid])
        st.con.execute("UPDATE reports SET agency = ?, title = ? WHERE report_id = ?", [DANGEROUS[1], DANGEROUS[4], rid])
        st.con.execute("UPDATE cells SET raw = ? WHERE report_id = ? AND key = 't3.new.total'", [DANGEROUS[2], rid])
        st.con.execute("UPDATE errors SET message = ?", [DANGEROUS[3]])
    return path


def _db_frame(path, table):
    with Store(path, read_only=True) as st:
        return st.con.execute(f"SELECT * FROM {table}").df()


def test_parquet_same_rows(db, tmp_path):
    files = export(db, tmp_path, "parquet")
    assert sorted(f.name for f in files) == sorted(f"{t}.parquet" for t in EXPORT_TABLES)
    for t in EXPORT_TABLES:
        tbl = pq.read_table(tmp_path / f"{t}.parquet")
        assert tbl.column_names == [c for c, _ in TABLES[t]]
        a = _db_frame(db, t)
        assert tbl.num_rows == len(a)
        n = duckdb.sql(f"SELECT count(*) FROM read_parquet('{tmp_path / f'{t}.parquet'}')").fetchall()[0][0]
        assert n == len(a)
    q = "SELECT report_id, key, value, kind, raw FROM {} ORDER BY report_id, key"
    with Store(db, read_only=True) as st:
        want = st.con.execute(q.format("cells")).fetchall()
    got = duckdb.sql(q.format(f"read_parquet('{tmp_path / 'cells.parquet'}')")).fetchall()
    assert got == want
    assert not list(tmp_path.glob(".*.tmp"))


def test_csv_same_rows(db, tmp_path):
    export(db, tmp_path, "csv")
    for t in ("reports", "cells", "sections", "errors"):
        raw = (tmp_path / f"{t}.csv").read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")
        df = pd.read_csv(tmp_path / f"{t}.csv", encoding="utf-8-sig", keep_default_na=False)
        assert len(df) == len(_db_frame(db, t))
        assert list(df.columns) == [c for c, _ in TABLES[t]]
    s = pd.read_csv(tmp_path / "sections.csv", encoding="utf-8-sig")
    assert DANGEROUS[0] in set(s["text"])           # CSV keeps data as it is


def _all_cells(wb):
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            yield from row


def test_xlsx_chinese_and_no_formulas(db, tmp_path):
    (f,) = export(db, tmp_path, "xlsx")
    wb = load_workbook(f)
    assert wb.sheetnames == [TABLE_ZH[t] for t in EXPORT_TABLES]
    assert [c.value for c in wb["报告"][1]][:5] == ["报告编号", "文件", "文件SHA256", "文件字节数", "机关"]
    assert wb["单元格"].max_row - 1 == len(_db_frame(db, "cells"))
    cells = list(_all_cells(wb))
    assert all(c.data_type != "f" for c in cells)
    found = {c.value: c for c in cells if isinstance(c.value, str) and c.value in DANGEROUS}
    assert set(found) == set(DANGEROUS)
    assert all(c.quotePrefix for c in found.values())
    with zipfile.ZipFile(f) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in z.read(name) and b"<f " not in z.read(name)


def test_xlsx_splits_sheets_at_row_limit(db, tmp_path):
    (f,) = export(db, tmp_path, "xlsx", tables=("cells",), excel_max_rows=101)
    wb = load_workbook(f, read_only=True)
    names = wb.sheetnames
    n = len(_db_frame(db, "cells"))
    assert names[0] == "单元格" and names[1] == "单元格_2" and len(names) == -(-n // 100)
    assert sum(sum(1 for _ in ws.iter_rows()) - 1 for ws in wb.worksheets) == n


def test_write_frame_formats(tmp_path):
    df = pd.DataFrame({"agency": DANGEROUS, "granted_rate": [0.5, None, 0.25, 1.0, 0.0], "status": ["ok"] * 5,
                       "keys": [["a", "b"]] * 5})
    x = write_frame(df, tmp_path / "r.xlsx", sheet="结果")
    wb = load_workbook(x)
    ws = wb["结果"]
    assert [c.value for c in ws[1]] == ["机关", "予以公开率", "状态", "涉及单元格"]
    assert [c.value for c in ws["A"][1:]] == DANGEROUS
    assert all(c.data_type == "s" and c.quotePrefix for c in ws["A"][1:])
    assert ws["B2"].number_format == "0.0%" and ws["C2"].value == "一致" and ws["D2"].value == "a、b"
    c = write_frame(df, tmp_path / "r.csv")
    assert len(pd.read_csv(c, encoding="utf-8-sig")) == 5
    p = write_frame(df.drop(columns=["keys"]), tmp_path / "r.parquet")
    assert pq.read_table(p).num_rows == 5
    with pytest.raises(ExportError):
        write_frame(df, tmp_path / "r.txt")


def test_atomic_replace_keeps_old_file_on_failure(db, tmp_path, monkeypatch):
    (f,) = export(db, tmp_path, "xlsx")
    before = f.read_bytes()
    import nianbao.store.export as ex

    def boom(*a, **k):
        raise RuntimeError("中断")
    monkeypatch.setattr(ex, "_tables_xlsx", boom)
    with pytest.raises(RuntimeError):
        export(db, tmp_path, "xlsx")
    assert f.read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_bad_format(db, tmp_path):
    with pytest.raises(ExportError):
        export(db, tmp_path, "json")
