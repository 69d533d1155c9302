"""The embedded store: DuckDB schema, row building and the batch writer.

Owns:
- the schema (``TABLES``: one place that lists every table and column with its type; the
  DDL and the Arrow schemas of the bulk inserts are generated from it) and the views
  ``current_reports`` (one report per agency and year) and ``cell_values`` (cells joined
  with their report's agency and year);
- ``report_rows(report, audit, …)``: a ``Report`` (and its ``ReportAudit``) as plain row
  tuples per table — small, picklable, built in worker processes;
- ``Store``: opening a database (creating the schema), and ``Store.write(batch)``, which
  replaces every report of the batch by its content hash (same sha256 → same
  ``report_id`` → old rows deleted, new rows inserted) and records unreadable files, in
  one transaction per batch, with Arrow bulk inserts.

Identity: ``report_id`` is the first 16 hex digits of the file's sha256. The same file
ingested twice (or under two paths) is one report; a changed file is a new report (the
old one stays unless ``replace_source`` is set, so revisions after publication remain
visible). ``current_reports`` picks, per (agency_norm, year), the most recently ingested.
"""
from __future__ import annotations

import datetime as _dt
import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

import duckdb
import pyarrow as pa

SCHEMA_VERSION = "3"

# table → [(column, DuckDB type)], in storage order. "table" and "where" are SQL keywords:
# quote them in queries (``"table"``, ``"where"``).
TABLES: dict[str, list[tuple[str, str]]] = {
    "reports": [
        ("report_id", "VARCHAR"), ("source", "VARCHAR"), ("sha256", "VARCHAR"), ("file_size", "BIGINT"),
        ("agency", "VARCHAR"), ("agency_norm", "VARCHAR"), ("agency_basis", "VARCHAR"),
        ("year", "INTEGER"), ("year_basis", "VARCHAR"),
        ("format_version", "VARCHAR"), ("input_format", "VARCHAR"), ("title", "VARCHAR"),
        ("publish_date", "DATE"), ("publish_date_raw", "VARCHAR"),
        ("n_cells_numeric", "INTEGER"), ("n_sections", "INTEGER"), ("n_notes", "INTEGER"),
        ("audited", "BOOLEAN"), ("n_errors", "INTEGER"), ("n_warnings", "INTEGER"), ("n_info", "INTEGER"),
        ("n_not_assessable", "INTEGER"), ("nianbao_version", "VARCHAR"), ("ingested_at", "TIMESTAMP"),
    ],
    "cells": [
        ("report_id", "VARCHAR"), ("key", "VARCHAR"), ("table", "VARCHAR"), ("row_key", "VARCHAR"),
        ("col_key", "VARCHAR"), ("value", "DOUBLE"), ("kind", "VARCHAR"), ("raw", "VARCHAR"),
        ("label", "VARCHAR"), ("column_label", "VARCHAR"), ("variant", "VARCHAR"),
        ("confidence", "DOUBLE"), ("page", "INTEGER"), ("line", "INTEGER"),
    ],
    "sections": [
        ("report_id", "VARCHAR"), ("key", "VARCHAR"), ("idx", "INTEGER"), ("ordinal", "VARCHAR"),
        ("title", "VARCHAR"), ("variant", "VARCHAR"), ("text", "VARCHAR"), ("chars", "INTEGER"),
        ("page", "INTEGER"), ("line", "INTEGER"),
    ],
    "findings": [
        ("report_id", "VARCHAR"), ("seq", "INTEGER"), ("rule", "VARCHAR"), ("where", "VARCHAR"),
        ("severity", "VARCHAR"), ("status", "VARCHAR"), ("grp", "VARCHAR"), ("message", "VARCHAR"),
        ("keys", "VARCHAR[]"), ("expected", "VARCHAR"), ("actual", "VARCHAR"), ("confidence", "DOUBLE"),
        ("json", "VARCHAR"),
    ],
    "notes": [
        ("report_id", "VARCHAR"), ("seq", "INTEGER"), ("code", "VARCHAR"), ("where", "VARCHAR"),
        ("message", "VARCHAR"), ("keys", "VARCHAR[]"), ("evidence", "VARCHAR"), ("confidence", "DOUBLE"),
        ("page", "INTEGER"), ("line", "INTEGER"),
    ],
    "legacy_items": [   # statistics of pre-2019 free-form reports (Report.pre2019_items)
        ("report_id", "VARCHAR"), ("seq", "INTEGER"), ("label", "VARCHAR"), ("unit", "VARCHAR"),
        ("values", "VARCHAR[]"),
    ],
    "errors": [
        ("source", "VARCHAR"), ("sha256", "VARCHAR"), ("message", "VARCHAR"), ("ingested_at", "TIMESTAMP"),
        ("code", "VARCHAR"),       # nianbao.vocab.ErrorCode: why the file gave no report
    ],
    # The review season (store/units.py, store/review.py): the office's list of units, reports
    # attached to a unit by hand, the reviews of findings, the notices sent and the upload batches.
    "units": [
        ("unit_id", "VARCHAR"), ("name", "VARCHAR"), ("name_norm", "VARCHAR"), ("parent", "VARCHAR"),
        ("kind", "VARCHAR"), ("aliases", "VARCHAR[]"), ("column_url", "VARCHAR"), ("seq", "INTEGER"),
        ("imported_at", "TIMESTAMP"),
    ],
    "unit_reports": [
        ("report_id", "VARCHAR"), ("unit_id", "VARCHAR"), ("assigned_by", "VARCHAR"), ("assigned_at", "TIMESTAMP"),
    ],
    "reviews": [
        ("fingerprint", "VARCHAR"), ("status", "VARCHAR"), ("note", "VARCHAR"), ("reviewer", "VARCHAR"),
        ("reviewed_at", "TIMESTAMP"), ("report_id", "VARCHAR"),
    ],
    "notices": [
        ("unit_id", "VARCHAR"), ("year", "INTEGER"), ("report_id", "VARCHAR"), ("n_items", "INTEGER"),
        ("sent_at", "TIMESTAMP"),
    ],
    "uploads": [
        ("batch_id", "VARCHAR"), ("seq", "INTEGER"), ("source", "VARCHAR"), ("report_id", "VARCHAR"),
        ("message", "VARCHAR"), ("uploaded_at", "TIMESTAMP"),
    ],
}
SEASON_TABLES = ("units", "unit_reports", "reviews", "notices", "uploads")
REPORT_TABLES = ("cells", "sections", "findings", "notes", "legacy_items")   # child tables keyed by report_id
EXPORT_TABLES = ("reports", "cells", "sections", "findings", "notes", "legacy_items", "errors")

_ARROW = {"VARCHAR": pa.string(), "INTEGER": pa.int32(), "BIGINT": pa.int64(), "DOUBLE": pa.float64(),
          "BOOLEAN": pa.bool_(), "DATE": pa.date32(), "TIMESTAMP": pa.timestamp("us"),
          "VARCHAR[]": pa.list_(pa.string())}
ARROW_SCHEMAS = {t: pa.schema([(c, _ARROW[ty]) for c, ty in cols]) for t, cols in TABLES.items()}


def rollback_quietly(con: duckdb.DuckDBPyConnection) -> None:
    """Roll back after a failed write; a connection that can no longer roll back (the
    error already ended the transaction) is left as it is, for the original error to show."""
    try:
        con.rollback()
    except duckdb.Error:
        pass


def q(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def _ddl(table: str) -> str:
    cols = ", ".join(f"{q(c)} {ty}" for c, ty in TABLES[table])
    return f"CREATE TABLE IF NOT EXISTS {table} ({cols})"


# Older schema versions this program upgrades in place: version → the statements that bring
# it to the next version (applied one after the other up to SCHEMA_VERSION).
MIGRATIONS = {"1": ["ALTER TABLE errors ADD COLUMN IF NOT EXISTS code VARCHAR"],
              "2": [_ddl(t) for t in SEASON_TABLES]}


VIEWS = {
    # One report per (agency, year): the most recently ingested (then the last source path).
    # Reports without a recognised agency or year are kept, each on its own.
    "current_reports": """
        SELECT * FROM reports
        QUALIFY row_number() OVER (
            PARTITION BY CASE WHEN agency_norm IS NULL OR year IS NULL THEN report_id
                              ELSE agency_norm || '|' || CAST(year AS VARCHAR) END
            ORDER BY ingested_at DESC, source DESC, report_id) = 1""",
    "cell_values": """
        SELECT r.agency, r.agency_norm, r.year, r.format_version, c.*
        FROM cells c JOIN current_reports r USING (report_id)""",
}


# ---------------------------------------------------------------------------
# Normalisation helpers

_WS = re.compile(r"\s+")


def norm_agency(agency: str | None) -> str | None:
    """The agency name for grouping: NFKC (full-width → half-width), all whitespace removed."""
    if not agency:
        return None
    s = _WS.sub("", unicodedata.normalize("NFKC", agency))
    return s or None


_DATE = re.compile(r"(\d{4})\D{1,3}(\d{1,2})\D{1,3}(\d{1,2})")


def parse_date(s: str | None) -> _dt.date | None:
    if not s:
        return None
    m = _DATE.search(s)
    if not m:
        return None
    try:
        return _dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def split_key(key: str) -> tuple[str, str, str]:
    """Cell key → (table, row_key, col_key): ``t3.withheld.third_party.total`` →
    (``t3``, ``withheld.third_party``, ``total``); ``t2v19.*`` belongs to table ``t2``."""
    parts = key.split(".")
    table = "t2" if parts[0] == "t2v19" else parts[0]
    return table, ".".join(parts[1:-1]), parts[-1]


def _j(v: Any) -> str | None:
    if v is None:
        return None
    return json.dumps(v, ensure_ascii=False, default=str)


# ---------------------------------------------------------------------------
# Rows

@dataclass(slots=True)
class Record:
    """One readable file: its rows per table, stored by column (``cols[table][i]`` is the
    list of values of the i-th column of ``TABLES[table]``), ready for bulk inserts."""
    source: str
    sha256: str
    report_id: str
    cols: dict[str, list[list]]

    @property
    def rows(self) -> dict[str, list[tuple]]:
        """The same rows as tuples (for inspection and tests)."""
        return {t: list(zip(*c)) for t, c in self.cols.items()}

    def n_rows(self, table: str) -> int:
        c = self.cols.get(table)
        return len(c[0]) if c else 0


def _columns(table: str, rows: list[tuple]) -> list[list]:
    n = len(TABLES[table])
    if not rows:
        return [[] for _ in range(n)]
    return [list(c) for c in zip(*rows)]


@dataclass(slots=True)
class Failure:
    """One file that gave no report: its Chinese message and error code."""
    source: str
    sha256: str | None
    message: str
    code: str = "corrupt"


def report_id_of(sha256: str) -> str:
    return sha256[:16]


def finding_rows(rid: str, findings: Iterable[Any], start: int = 0) -> list[tuple]:
    """Rows of the ``findings`` table for one report's findings (numbered from ``start``)."""
    rows = []
    for i, f in enumerate(findings, start):
        d = f.to_dict()
        keys = [str(c.get("key")) for c in (d.get("cells") or []) if isinstance(c, dict) and c.get("key")]
        rows.append((rid, i, d.get("rule"), d.get("where"), d.get("severity"), d.get("status"),
                     d.get("group"), d.get("message"), keys, _j(d.get("expected")), _j(d.get("actual")),
                     float(d.get("confidence") or 0.0), _j(d)))
    return rows


def report_rows(report, audit=None, *, sha256: str, file_size: int | None = None, source: str | None = None,
                audit_error: str | None = None, ingested_at: _dt.datetime | None = None) -> Record:
    """Rows for every table from one ``Report`` and (optionally) its ``ReportAudit``."""
    from .. import __version__
    rid = report_id_of(sha256)
    src = source or report.source
    cells = []
    n_num = 0
    for key, c in report.cells.items():
        table, row_key, col_key = split_key(key)
        s = c.source
        v = c.value
        if v is not None:
            v = float(v)
            n_num += 1
        cells.append((rid, key, table, row_key, col_key, v, c.kind, c.raw, c.label, c.column_label, c.variant,
                      float(c.confidence) if c.confidence is not None else None,
                      s.page if s else None, s.line if s else None))
    sections = []
    for key, sec in report.sections.items():
        s = sec.source
        text = sec.text or ""
        sections.append((rid, key, sec.index, sec.ordinal, sec.title, sec.variant, text, len(text),
                         s.page if s else None, s.line if s else None))
    notes = []
    for i, n in enumerate(report.notes):
        s = n.source
        notes.append((rid, i, n.code, n.where, n.message, [str(k) for k in n.keys], _j(n.evidence),
                      float(n.confidence), s.page if s else None, s.line if s else None))
    if audit_error:
        notes.append((rid, len(notes), "audit-error", "", audit_error, [], None, 1.0, None, None))
    findings = finding_rows(rid, audit.findings) if audit is not None else []
    counts = {"error": 0, "warning": 0, "info": 0, "na": 0}
    for row in findings:
        if row[4] in counts:
            counts[row[4]] += 1
        if row[5] == "not-assessable":
            counts["na"] += 1
    items = []
    for i, it in enumerate(report.pre2019_items or ()):
        items.append((rid, i, it.get("label"), it.get("unit"), [None if v is None else str(v) for v in it.get("values") or ()]))
    audited = audit is not None
    rep = (rid, src, sha256, file_size, report.agency, norm_agency(report.agency), report.agency_basis,
           report.year, report.year_basis, report.format_version, report.input_format, report.title,
           parse_date(report.publish_date), report.publish_date, n_num, len(report.sections), len(report.notes),
           audited, counts["error"] if audited else None, counts["warning"] if audited else None,
           counts["info"] if audited else None, counts["na"] if audited else None, __version__,
           ingested_at)
    rows: dict[str, list[tuple]] = {"reports": [rep], "cells": cells, "sections": sections, "findings": findings, "notes": notes,
            "legacy_items": items}
    return Record(source=src, sha256=sha256, report_id=rid, cols={t: _columns(t, r) for t, r in rows.items()})


def _arrow(table: str, cols: Sequence[list]) -> pa.Table:
    schema = ARROW_SCHEMAS[table]
    return pa.Table.from_arrays([pa.array(col, type=f.type) for col, f in zip(cols, schema)], schema=schema)


# ---------------------------------------------------------------------------
# The store

def _one(con, query: str, params: Sequence | None = None) -> tuple | None:
    """The first row of a query, reading the result to the end (DuckDB refuses new work on
    a connection with an unfinished result)."""
    rows = con.execute(query, params or []).fetchall()
    return rows[0] if rows else None


def _count(con, query: str) -> int:
    row = _one(con, query)
    return int(row[0]) if row else 0


class StoreError(Exception):
    """A database that cannot be opened or written; ``str(e)`` is Chinese."""


@dataclass
class WriteStats:
    reports: int = 0
    failures: int = 0
    replaced: int = 0
    seconds: float = 0.0
    rows: dict[str, int] = field(default_factory=dict)


class Store:
    """An open nianbao database. ``Store(path)`` creates the schema when needed;
    ``Store(path, read_only=True)`` opens an existing one for reading."""

    def __init__(self, path: str | Path = ":memory:", read_only: bool = False):
        self.path = str(path)
        if read_only and self.path != ":memory:" and not Path(self.path).exists():
            raise StoreError(f"数据库不存在：{self.path}")
        if not read_only and self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        try:
            self.con = duckdb.connect(self.path, read_only=read_only)
        except duckdb.Error as e:
            raise StoreError(f"无法打开数据库 {self.path}：{e}") from None
        self.read_only = read_only
        if not read_only:
            self.ensure_schema()
        else:
            self._check_version()

    # -- schema ------------------------------------------------------------------
    def ensure_schema(self) -> None:
        con = self.con
        con.execute("CREATE TABLE IF NOT EXISTS meta (key VARCHAR, value VARCHAR)")
        ver = _one(con, "SELECT value FROM meta WHERE key = 'schema_version'")
        if ver is not None and ver[0] in MIGRATIONS:
            v = ver[0]
            while v in MIGRATIONS:
                for stmt in MIGRATIONS[v]:
                    con.execute(stmt)
                v = str(int(v) + 1)
            con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [v])
            ver = (v,)
        if ver is not None and ver[0] != SCHEMA_VERSION:
            raise StoreError(f"数据库 {self.path} 的结构版本为 {ver[0]}，本程序需要 {SCHEMA_VERSION}；请新建数据库后重新导入")
        for t in TABLES:
            con.execute(_ddl(t))
        for name, sql in VIEWS.items():
            con.execute(f"CREATE OR REPLACE VIEW {name} AS {sql}")
        if ver is None:
            con.execute("INSERT INTO meta VALUES ('schema_version', ?)", [SCHEMA_VERSION])

    def _check_version(self) -> None:
        try:
            ver = _one(self.con, "SELECT value FROM meta WHERE key = 'schema_version'")
        except duckdb.CatalogException:
            raise StoreError(f"{self.path} 不是 nianbao 数据库（缺少 meta 表）") from None
        if ver is None or ver[0] != SCHEMA_VERSION:
            raise StoreError(f"数据库 {self.path} 的结构版本为 {ver[0] if ver else '未知'}，本程序需要 {SCHEMA_VERSION}")

    # -- reading helpers -----------------------------------------------------------
    def existing_sha256(self) -> set[str]:
        return {r[0] for r in self.con.execute("SELECT sha256 FROM reports").fetchall()}

    def count(self, table: str) -> int:
        if table not in TABLES:
            raise KeyError(table)
        return _count(self.con, f"SELECT count(*) FROM {table}")

    def counts(self) -> dict[str, int]:
        return {t: self.count(t) for t in TABLES}

    def sql(self, query: str, params: Sequence | None = None):
        """Run a query; returns a pandas DataFrame."""
        return self.con.execute(query, params or []).df()

    # -- writing ----------------------------------------------------------------------
    def write(self, batch: Iterable[Record | Failure], *, replace_source: bool = False,
              now: _dt.datetime | None = None) -> WriteStats:
        """Write a batch in one transaction: reports replace those with the same sha256
        (and, with ``replace_source``, any other report from the same source path);
        failures replace earlier errors for the same source; a source that is now
        readable loses its earlier error."""
        import time
        t0 = time.perf_counter()
        now = now or _dt.datetime.now(_dt.timezone.utc).replace(tzinfo=None)
        records: dict[str, Record] = {}
        failures: dict[str, Failure] = {}
        for item in batch:
            if isinstance(item, Record):
                records[item.report_id] = item          # the same content twice in a batch: last wins
                failures.pop(item.source, None)
            else:
                failures[item.source] = item
        for rec in records.values():
            failures.pop(rec.source, None)
        stats = WriteStats(reports=len(records), failures=len(failures))
        if not records and not failures:
            return stats
        cols: dict[str, list[list]] = {t: [[] for _ in TABLES[t]] for t in TABLES}
        for rec in records.values():
            for t, cs in rec.cols.items():
                for acc, c in zip(cols[t], cs):
                    acc.extend(c)
        cols["reports"][-1] = [now] * len(cols["reports"][0])                 # ingested_at
        for f in failures.values():
            for acc, v in zip(cols["errors"], (f.source, f.sha256, f.message, now, str(f.code))):
                acc.append(v)
        ids = pa.table({"report_id": pa.array(list(records), pa.string())})
        sources = pa.table({"source": pa.array(sorted({r.source for r in records.values()} | set(failures)),
                                                pa.string())})
        con = self.con
        registered = []

        def reg(name: str, tbl: pa.Table) -> str:
            con.register(name, tbl)
            registered.append(name)
            return name

        try:
            con.begin()
            reg("_nb_ids", ids)
            reg("_nb_sources", sources)
            if replace_source:
                con.execute("""CREATE OR REPLACE TEMP TABLE _nb_del AS
                               SELECT report_id FROM _nb_ids
                               UNION SELECT report_id FROM reports WHERE source IN (SELECT source FROM _nb_sources)""")
            else:
                con.execute("CREATE OR REPLACE TEMP TABLE _nb_del AS SELECT report_id FROM _nb_ids")
            stats.replaced = _count(con, "SELECT count(*) FROM reports WHERE report_id IN (SELECT report_id FROM _nb_del)")
            for t in ("reports",) + REPORT_TABLES:
                con.execute(f"DELETE FROM {t} WHERE report_id IN (SELECT report_id FROM _nb_del)")
            con.execute("DELETE FROM errors WHERE source IN (SELECT source FROM _nb_sources)")
            for t in ("reports",) + REPORT_TABLES + ("errors",):
                n = len(cols[t][0])
                if not n:
                    continue
                name = reg(f"_nb_{t}", _arrow(t, cols[t]))
                con.execute(f"INSERT INTO {t} SELECT * FROM {name}")
                stats.rows[t] = n
            con.execute("DROP TABLE IF EXISTS _nb_del")
            con.commit()
        except duckdb.Error as e:
            rollback_quietly(con)
            raise StoreError(f"写入数据库失败（已回滚本批）：{e}") from e
        finally:
            for name in registered:
                try:
                    con.unregister(name)
                except duckdb.Error:
                    pass
        stats.seconds = time.perf_counter() - t0
        return stats

    def close(self) -> None:
        try:
            self.con.close()
        except duckdb.Error:
            pass

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_db(db, read_only: bool = True) -> tuple[Store, bool]:
    """A ``Store`` from a path, a ``Store`` or a DuckDB connection; the bool tells whether
    the caller owns it (and should close it)."""
    if isinstance(db, Store):
        return db, False
    if isinstance(db, duckdb.DuckDBPyConnection):
        s = Store.__new__(Store)
        s.path, s.con, s.read_only = "<connection>", db, read_only
        return s, False
    return Store(db, read_only=read_only), True
