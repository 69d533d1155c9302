"""The embedded store (DuckDB): many reports in one database for officials and analysts.

Owns the ``nianbao.store`` package:

- ``db``: the schema, the rows of one report, the batch writer (``Store``);
- ``ingest``: files → database (serial, a process pool, or a dask.distributed cluster);
- ``analysis``: SQL-backed analyses across reports — X1 cross-year (``cross_year``), X2
  roll-up (``rollup``), X3 duplication (``duplication``), ``coverage``, ``indicators``;
- ``export``: the tables to Parquet / CSV / an Excel workbook, written atomically.

See docs/store.md for the schema and example queries.
"""
from __future__ import annotations

from .db import Store, StoreError
from .ingest import IngestResult, ingest, ingest_dask, process_file

__all__ = ["Store", "StoreError", "IngestResult", "ingest", "ingest_dask", "process_file"]
