"""``nianbao collect --db``: the store side of a collection.

Owns:
- ``ingest_saved``: every saved report file of the manifest (pages holding a report and
  attachments; not the wrapper pages around them) goes through
  ``nianbao.store.ingest.ingest`` (``skip_existing``: a file already stored is not read
  again, so a re-run or a resumed run ingests only what is new);
- the table ``collect_manifest`` (created here, ``CREATE TABLE IF NOT EXISTS``): the
  compacted manifest of one output directory, replaced as a whole on each run, with
  ``report_id`` (= ``reports.report_id`` of the ingested file) and ``source`` (= the path
  given to ingest, ``reports.source``), so that URL and publish date join the reports:
  ``SELECT r.agency, r.year, m.url, m.publish_date FROM reports r JOIN collect_manifest m
  USING (report_id)``;
- ``units_start_urls``: the start URLs of ``--from-units`` — the ``units`` table's
  年报栏目网址 column (``column_url``), read defensively: a store without that table or
  column gets a clear Chinese error, not a traceback.
"""
from __future__ import annotations

import datetime as _dt
from pathlib import Path

import duckdb

from ..store.db import rollback_quietly
from .manifest import STATUS_SAVED, Entry, Manifest

MANIFEST_TABLE = "collect_manifest"
MANIFEST_COLUMNS: list[tuple[str, str]] = [
    ("out_dir", "VARCHAR"), ("url", "VARCHAR"), ("status", "VARCHAR"), ("list_page", "VARCHAR"),
    ("parent", "VARCHAR"), ("kind", "VARCHAR"), ("is_report", "BOOLEAN"), ("title", "VARCHAR"),
    ("publish_date", "DATE"), ("publish_date_raw", "VARCHAR"), ("fetched_at", "TIMESTAMP"),
    ("http_status", "INTEGER"), ("content_type", "VARCHAR"), ("sha256", "VARCHAR"), ("report_id", "VARCHAR"),
    ("size", "BIGINT"), ("file", "VARCHAR"), ("source", "VARCHAR"), ("final_url", "VARCHAR"),
    ("etag", "VARCHAR"), ("last_modified", "VARCHAR"), ("version", "INTEGER"), ("year", "INTEGER"),
    ("unit", "VARCHAR"), ("error", "VARCHAR"),
]
# Where a units table may keep the 年报栏目网址 and the unit's name (the review-season issue
# names the column ``column_url``; an import that kept the spreadsheet header is accepted too).
UNIT_URL_COLUMNS = ("column_url", "年报栏目网址", "report_column_url")
UNIT_NAME_COLUMNS = ("name", "unit_name", "单位名称")
REPORT_ID_LEN = 16            # reports.report_id: the first 16 hex digits of the file's sha256 (store/db.py)


class StoreSideError(Exception):
    """A Chinese message for the command line."""


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def source_of(manifest: Manifest, entry: Entry) -> str:
    """The path a saved file is ingested under (absolute, so ``reports.source`` finds it)."""
    return str((manifest.dir / (entry.file or "")).resolve())


def report_files(manifest: Manifest) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    for e in manifest.saved_files():
        if e.is_report:
            s = source_of(manifest, e)
            if s not in seen:
                seen.add(s)
                out.append(s)
    return out


def ingest_saved(manifest: Manifest, db_path: Path) -> str:
    """Ingest the saved reports; the Chinese summary of ``ingest``."""
    paths = report_files(manifest)
    if not paths:
        return "没有可入库的报告文件"
    try:
        from ..store.ingest import ingest
    except ImportError as e:       # a build without the store's dependencies
        raise StoreSideError(f"入库所需的依赖缺失（{e.name or e}）：请重新安装 nianbao") from None
    result = ingest(paths, db_path, skip_existing=True)
    return result.summary_zh()


def _date(s: str | None) -> _dt.date | None:
    if not s:
        return None
    try:
        return _dt.date.fromisoformat(s[:10])
    except ValueError:
        return None


def _ts(s: str | None) -> _dt.datetime | None:
    if not s:
        return None
    try:
        t = _dt.datetime.fromisoformat(s)
    except ValueError:
        return None
    return t.astimezone(_dt.timezone.utc).replace(tzinfo=None) if t.tzinfo else t


def _row(manifest: Manifest, out_dir: str, e: Entry) -> list[object]:
    saved = e.status == STATUS_SAVED and e.file
    values: dict[str, object] = {
        "out_dir": out_dir, "url": e.url, "status": e.status, "list_page": e.list_page, "parent": e.parent,
        "kind": e.kind, "is_report": e.is_report, "title": e.title, "publish_date": _date(e.publish_date),
        "publish_date_raw": e.publish_date_raw, "fetched_at": _ts(e.fetched_at), "http_status": e.http_status,
        "content_type": e.content_type, "sha256": e.sha256,
        "report_id": e.sha256[:REPORT_ID_LEN] if e.sha256 else None, "size": e.size, "file": e.file,
        "source": source_of(manifest, e) if saved else None, "final_url": e.final_url, "etag": e.etag,
        "last_modified": e.last_modified, "version": e.version or (1 if saved else None), "year": e.year,
        "unit": e.unit, "error": e.error,
    }
    return [values[c] for c, _ in MANIFEST_COLUMNS]


def store_manifest(manifest: Manifest, db_path: Path) -> int:
    """Replace this output directory's rows of ``collect_manifest``; the number of rows."""
    out_dir = str(manifest.dir.resolve())
    rows = [_row(manifest, out_dir, e) for e in manifest.entries]
    cols = ", ".join(f"{_q(c)} {t}" for c, t in MANIFEST_COLUMNS)
    names = ", ".join(_q(c) for c, _ in MANIFEST_COLUMNS)
    marks = ", ".join("?" for _ in MANIFEST_COLUMNS)
    try:
        con = duckdb.connect(str(db_path))
    except duckdb.Error as e:
        raise StoreSideError(f"无法打开数据库 {db_path}：{e}") from None
    try:
        con.execute(f"CREATE TABLE IF NOT EXISTS {MANIFEST_TABLE} ({cols})")
        for c, t in MANIFEST_COLUMNS:         # a table made by an older nianbao gains new columns
            con.execute(f"ALTER TABLE {MANIFEST_TABLE} ADD COLUMN IF NOT EXISTS {_q(c)} {t}")
        con.begin()
        con.execute(f"DELETE FROM {MANIFEST_TABLE} WHERE out_dir = ?", [out_dir])
        if rows:
            con.executemany(f"INSERT INTO {MANIFEST_TABLE} ({names}) VALUES ({marks})", rows)
        con.commit()
    except duckdb.Error as e:
        rollback_quietly(con)
        raise StoreSideError(f"写入采集清单（{MANIFEST_TABLE}）失败：{e}") from None
    finally:
        con.close()
    return len(rows)


def units_start_urls(db_path: Path) -> list[tuple[str, str | None]]:
    """``(年报栏目网址, 单位名称)`` of every unit that has one."""
    if not Path(db_path).exists():
        raise StoreSideError(f"数据库不存在：{db_path}")
    try:
        con = duckdb.connect(str(db_path), read_only=True)
    except duckdb.Error as e:
        raise StoreSideError(f"无法打开数据库 {db_path}：{e}") from None
    try:
        cols = [r[0] for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'units' "
            "ORDER BY ordinal_position").fetchall()]
        if not cols:
            raise StoreSideError(f"数据库 {db_path} 中没有单位表（units）：请先导入单位名单（含“年报栏目网址”列），"
                                 "或直接在命令行给出栏目网址")
        url_col = next((c for c in UNIT_URL_COLUMNS if c in cols), None)
        if url_col is None:
            raise StoreSideError(f"单位表（units）中没有年报栏目网址列（{UNIT_URL_COLUMNS[0]}）：现有列为 "
                                 + "、".join(cols))
        name_col = next((c for c in UNIT_NAME_COLUMNS if c in cols), None)
        name_sql = f"CAST({_q(name_col)} AS VARCHAR)" if name_col else "NULL"
        rows = con.execute(f"SELECT trim(CAST({_q(url_col)} AS VARCHAR)), {name_sql} FROM units "
                           f"WHERE {_q(url_col)} IS NOT NULL AND trim(CAST({_q(url_col)} AS VARCHAR)) <> ''"
                           ).fetchall()
    except duckdb.Error as e:
        raise StoreSideError(f"读取单位表失败：{e}") from None
    finally:
        con.close()
    out: list[tuple[str, str | None]] = []
    for url, name in rows:
        for u in str(url).replace("；", ";").replace("，", ";").split(";"):   # several addresses in one cell
            if u.strip():
                out.append((u.strip(), name))
    if not out:
        raise StoreSideError("单位表中没有填写年报栏目网址的单位")
    return out
