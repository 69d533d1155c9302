"""Exports of the store: every table to Parquet, CSV or one Excel workbook.

Owns:
- ``export(db, out_dir, fmt)``: ``parquet`` (one file per table, zstd, through DuckDB's
  COPY), ``csv`` (one file per table, UTF-8 with BOM so that Excel shows Chinese, English
  headers) or ``xlsx`` (one workbook ``nianbao.xlsx``, a sheet per table with a Chinese
  name and Chinese headers; tables beyond Excel's row limit continue on further sheets);
- ``write_frame(df, path)``: an analysis result to .xlsx / .csv / .parquet;
- formula-injection safety for Excel: a text starting with = + - @ (or a tab / line
  break) is written as a text cell (never a formula) with Excel's quote prefix, so it
  stays text even when edited; characters XML cannot hold are removed; texts longer
  than an Excel cell are cut with a marker.

Everything is written to a temporary file beside the target and moved into place with
``os.replace``: an interrupted export never leaves a half-written file.
CSV is data for programs: cells are written as they are (no quote prefix).
"""
from __future__ import annotations

import datetime as _dt
import math
import os
import shutil
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
import pandas as pd

from ..fsutil import atomic_write
from .db import EXPORT_TABLES, TABLES, open_db, q
from .labels import STATUS_ZH, TABLE_ZH, zh

FORMATS = ("parquet", "csv", "xlsx")
EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_CHARS = 32_767
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
_CUT = "…（超出 Excel 单元格长度，已截断）"


class ExportError(Exception):
    """``str(e)`` is Chinese."""


def atomic(path: str | Path, write: Callable[[str], None]) -> Path:
    """Call ``write(tmp)`` with a temporary path beside ``path``, then ``os.replace``."""
    return atomic_write(path, write)


def _sql_str(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


# ---------------------------------------------------------------------------
# Excel cells

def excel_value(v: Any) -> Any:
    """A value openpyxl can store: lists joined, NaN → empty, illegal characters removed,
    long texts cut."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    if v is None:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    if v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, np.generic):
        v = v.item()
        if isinstance(v, float) and math.isnan(v):
            return None
    if isinstance(v, (list, tuple, np.ndarray)):
        v = "、".join("" if x is None else str(x) for x in (v.tolist() if isinstance(v, np.ndarray) else v))
    if isinstance(v, pd.Timestamp):
        v = v.to_pydatetime()
    if isinstance(v, _dt.datetime) and v.tzinfo is not None:
        v = v.replace(tzinfo=None)
    if isinstance(v, str):
        v = ILLEGAL_CHARACTERS_RE.sub("", v)
        if len(v) > EXCEL_MAX_CHARS:
            v = v[: EXCEL_MAX_CHARS - len(_CUT)] + _CUT
    return v


def excel_cell(ws, v: Any, number_format: str | None = None):
    """A write-only cell; a text that Excel could take for a formula stays text."""
    from openpyxl.cell import WriteOnlyCell
    v = excel_value(v)
    cell = WriteOnlyCell(ws, value=v)
    if isinstance(v, str):
        cell.data_type = "s"            # never "f", whatever the text starts with
        if v.startswith(_FORMULA_START):
            cell.quotePrefix = True
    elif number_format and isinstance(v, (int, float)) and not isinstance(v, bool):
        cell.number_format = number_format
    return cell


def _header_cells(ws, headers: Sequence[str]):
    from openpyxl.styles import Font
    out = []
    for h in headers:
        c = excel_cell(ws, h)
        c.font = Font(bold=True)
        out.append(c)
    return out


def _number_format(col: str) -> str | None:
    if col.endswith("_rate") or col == "similarity":
        return "0.0%"
    return None


class _SheetWriter:
    """Appends rows to ``name``, ``name_2``, … so that no sheet exceeds Excel's limit."""

    def __init__(self, wb, name: str, columns: Sequence[str], headers: Sequence[str], max_rows: int = EXCEL_MAX_ROWS):
        self.wb, self.name, self.columns, self.headers = wb, name, list(columns), list(headers)
        self.max_rows, self.part, self.n = max_rows, 0, 0
        self.ws: Any = None
        self.formats = [_number_format(c) for c in self.columns]
        self.status_col = self.columns.index("status") if "status" in self.columns else None
        self._new()

    def _new(self) -> None:
        self.part += 1
        title = self.name if self.part == 1 else f"{self.name}_{self.part}"
        self.ws = self.wb.create_sheet(title=title[:31])
        self.ws.freeze_panes = "A2"
        self.ws.append(_header_cells(self.ws, self.headers))
        self.n = 1

    def append(self, row: Sequence[Any]) -> None:
        if self.n >= self.max_rows:
            self._new()
        vals = list(row)
        if self.status_col is not None:
            vals[self.status_col] = STATUS_ZH.get(vals[self.status_col], vals[self.status_col])
        self.ws.append([excel_cell(self.ws, v, f) for v, f in zip(vals, self.formats)])
        self.n += 1


def _workbook():
    from openpyxl import Workbook
    return Workbook(write_only=True)


# ---------------------------------------------------------------------------
# Tables

def export(db, out_dir: str | Path, fmt: str = "parquet", tables: Sequence[str] = EXPORT_TABLES,
           excel_max_rows: int = EXCEL_MAX_ROWS) -> list[Path]:
    """Write ``tables`` of the database to ``out_dir`` in ``fmt`` (parquet | csv | xlsx);
    returns the files written."""
    fmt = fmt.lower().lstrip(".")
    if fmt not in FORMATS:
        raise ExportError(f"不支持的导出格式：{fmt}（可选 parquet、csv、xlsx）")
    bad = [t for t in tables if t not in TABLES]
    if bad:
        raise ExportError(f"没有这些表：{'、'.join(bad)}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    store, own = open_db(db, read_only=True)
    con = store.con
    written: list[Path] = []
    try:
        if fmt == "parquet":
            for t in tables:
                def copy(tmp: str, t: str = t) -> None:
                    con.execute(f"COPY (SELECT * FROM {t}) TO {_sql_str(tmp)} (FORMAT parquet, COMPRESSION zstd)")
                written.append(atomic(out / f"{t}.parquet", copy))
        elif fmt == "csv":
            for t in tables:
                def csv(tmp: str, t: str = t) -> None:
                    _csv_with_bom(con, f"SELECT * FROM {t}", tmp)
                written.append(atomic(out / f"{t}.csv", csv))
        else:
            written.append(atomic(out / "nianbao.xlsx", lambda tmp: _tables_xlsx(con, tables, tmp, excel_max_rows)))
    finally:
        if own:
            store.close()
    return written


def _csv_with_bom(con, query: str, tmp: str) -> None:
    raw = tmp + ".raw"
    try:
        con.execute(f"COPY ({query}) TO {_sql_str(raw)} (FORMAT csv, HEADER true)").fetchall()
        with open(tmp, "wb") as f, open(raw, "rb") as r:
            f.write(b"\xef\xbb\xbf")
            shutil.copyfileobj(r, f, 1 << 20)
    finally:
        try:
            os.unlink(raw)
        except OSError:
            pass


def _tables_xlsx(con, tables: Sequence[str], tmp: str, max_rows: int) -> None:
    wb = _workbook()
    for t in tables:
        cols = [c for c, _ in TABLES[t]]
        sw = _SheetWriter(wb, TABLE_ZH.get(t, t), cols, [zh(c) for c in cols], max_rows=max_rows)
        order = "report_id, seq" if "seq" in cols else ("report_id, key" if t == "cells" else
                                                        ("report_id, idx" if t == "sections" else "1"))
        cur = con.execute(f"SELECT {', '.join(q(c) for c in cols)} FROM {t} ORDER BY {order}")
        while True:
            rows = cur.fetchmany(5000)
            if not rows:
                break
            for r in rows:
                sw.append(r)
    wb.save(tmp)


# ---------------------------------------------------------------------------
# Analysis results

def write_frame(df: pd.DataFrame, path: str | Path, sheet: str | None = None,
                extra: dict[str, pd.DataFrame] | None = None) -> Path:
    """One analysis result to ``path`` (.xlsx: Chinese headers, ``extra`` frames as more
    sheets; .csv: UTF-8 with BOM; .parquet)."""
    p = Path(path)
    ext = p.suffix.lower()
    if ext == ".xlsx":
        def w(tmp: str) -> None:
            wb = _workbook()
            for name, frame in {sheet or "结果": df, **(extra or {})}.items():
                _frame_sheet(wb, name, frame)
            wb.save(tmp)
        return atomic(p, w)
    if ext == ".csv":
        return atomic(p, lambda tmp: df.to_csv(tmp, index=False, encoding="utf-8-sig"))
    if ext == ".parquet":
        return atomic(p, lambda tmp: _frame_parquet(df, tmp))
    raise ExportError(f"无法根据扩展名确定输出格式：{p.name}（支持 .xlsx .csv .parquet）")


def _frame_parquet(df: pd.DataFrame, tmp: str) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq
    pq.write_table(pa.Table.from_pandas(df, preserve_index=False), tmp, compression="zstd")


def _frame_sheet(wb, name: str, df: pd.DataFrame) -> None:
    cols = [str(c) for c in df.columns]
    sw = _SheetWriter(wb, name, cols, [zh(c) for c in cols])
    for row in df.itertuples(index=False, name=None):
        sw.append(row)
