"""The office's list of units (单位名单) in the store, and which unit each report belongs to.

Owns:
- reading a units file (``read_units``: .xlsx or .csv in UTF-8 / GB18030, columns 单位名称,
  上级单位, 类别 — 本级政府 / 政府部门 / 乡镇街道 / 其他 —, 别名, 年报栏目网址) and writing it
  into table ``units`` (``import_units``: one row per unit, keyed by ``unit_id`` — the first
  12 hex digits of the sha256 of the normalised name — so importing the list again updates
  the same units; the URL goes to ``column_url``, which ``nianbao collect --from-units`` reads);
- attaching reports to units (``report_units``): a hand assignment (table ``unit_reports``,
  ``assign``) wins; otherwise the report's agency is matched to a unit's name or aliases in
  their usual form (``audit.series.agency_key``: 政府 = 人民政府, 街道办事处 = 街道), then, if
  exactly one unit fits, with higher regions in front (淮安市洪泽区人民政府 = 洪泽区人民政府).

Kinds are stored as keys (``government``, ``department``, ``township``, ``other``, the keys of
``audit.rules.rubric.DEADLINES``); ``KIND_ZH`` gives the Chinese the office wrote.
"""
from __future__ import annotations

import csv
import datetime as _dt
import hashlib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from ..audit.rules.rubric import agency_kind
from ..audit.series import agency_key, same_agency
from ..readers.encoding import decode_csv
from .db import Store, norm_agency

KIND_ZH = {"government": "本级政府", "department": "政府部门", "township": "乡镇街道", "other": "其他"}
_KIND_WORDS = {"本级政府": "government", "政府": "government", "人民政府": "government",
               "政府部门": "department", "部门": "department",
               "乡镇街道": "township", "乡镇": "township", "街道": "township", "乡镇（街道）": "township",
               "乡镇(街道)": "township", "其他": "other", "其它": "other"}
# spreadsheet header → field; the first name is the one the issue asks for
HEADERS = {
    "name": ("单位名称", "名称", "单位", "机关名称"),
    "parent": ("上级单位", "上级", "上级机关"),
    "kind": ("类别", "类型", "单位类别"),
    "aliases": ("别名", "曾用名", "其他名称"),
    "column_url": ("年报栏目网址", "栏目网址", "网址", "年报网址"),
}
_ALIAS_SEP = re.compile(r"[、，,;；|/\n]+")


class UnitsError(Exception):
    """A units file that cannot be used; ``str(e)`` is Chinese."""


@dataclass
class Unit:
    name: str
    parent: str = ""
    kind: str = "other"
    aliases: list[str] = field(default_factory=list)
    column_url: str = ""
    seq: int = 0
    unit_id: str = ""

    def __post_init__(self) -> None:
        if not self.unit_id:
            self.unit_id = unit_id_of(self.name)

    @property
    def kind_zh(self) -> str:
        return KIND_ZH.get(self.kind, "其他")

    def to_dict(self) -> dict:
        return {"unit_id": self.unit_id, "name": self.name, "parent": self.parent or None, "类别": self.kind_zh,
                "aliases": self.aliases, "column_url": self.column_url or None}


@dataclass
class ImportResult:
    units: int = 0          # units in the file
    new: int = 0
    updated: int = 0
    problems: list[str] = field(default_factory=list)    # Chinese, one per skipped or doubtful row

    def summary_zh(self) -> str:
        s = f"单位名单共 {self.units} 个单位：新增 {self.new} 个，更新 {self.updated} 个"
        return s + (f"；{len(self.problems)} 处需要注意" if self.problems else "")


def unit_id_of(name: str) -> str:
    return hashlib.sha256((norm_agency(name) or "").encode("utf-8")).hexdigest()[:12]


def _kind(text: str, name: str, row: int, problems: list[str]) -> str:
    t = re.sub(r"\s+", "", text or "")
    if t in _KIND_WORDS:
        return _KIND_WORDS[t]
    guess = agency_kind(name) or "other"
    if t:
        problems.append(f"第{row}行“{name}”的类别“{t}”无法识别（应为本级政府、政府部门、乡镇街道或其他），"
                        f"已按{KIND_ZH[guess]}处理")
    return guess


def _rows_of(name: str, data: bytes) -> list[list[str]]:
    suffix = Path(name).suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook
        try:
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as e:  # noqa: BLE001 - a damaged workbook is a message, not a crash
            raise UnitsError(f"无法读取单位名单 {Path(name).name}：{type(e).__name__}") from None
        ws = wb.worksheets[0]
        rows = [["" if v is None else str(v).strip() for v in r] for r in ws.iter_rows(values_only=True)]
        wb.close()
        return rows
    if suffix in (".csv", ".txt", ""):
        text = decode_csv(data)
        if text is None:
            raise UnitsError(f"无法识别单位名单 {Path(name).name} 的文字编码（请另存为 UTF-8 或 GB18030 的 CSV）")
        return [[c.strip() for c in r] for r in csv.reader(io.StringIO(text))]
    raise UnitsError(f"单位名单应为 Excel（.xlsx）或 CSV 文件：{Path(name).name}")


def read_units(name: str, data: bytes | None = None) -> tuple[list[Unit], list[str]]:
    """The units of a file (path, or file name and contents) and the Chinese problems met."""
    if data is None:
        try:
            data = Path(name).read_bytes()
        except OSError as e:
            raise UnitsError(f"无法打开单位名单 {name}：{e.strerror or e}") from None
    rows = [r for r in _rows_of(name, data) if any(r)]
    if not rows:
        raise UnitsError(f"单位名单 {Path(name).name} 是空的")
    header = [re.sub(r"\s+", "", h) for h in rows[0]]
    col: dict[str, int] = {}
    for f, names in HEADERS.items():
        for n in names:
            if n in header:
                col[f] = header.index(n)
                break
    if "name" not in col:
        raise UnitsError(f"单位名单 {Path(name).name} 的第一行应为列名，其中要有“单位名称”（现有：{'、'.join(h for h in header if h) or '无'}）")
    problems: list[str] = []
    units: dict[str, Unit] = {}

    def cell(r: list[str], f: str) -> str:
        i = col.get(f)
        return r[i].strip() if i is not None and i < len(r) else ""

    for i, r in enumerate(rows[1:], start=2):
        uname = re.sub(r"\s+", "", cell(r, "name"))
        if not uname:
            problems.append(f"第{i}行没有单位名称，已跳过")
            continue
        u = Unit(name=uname, parent=re.sub(r"\s+", "", cell(r, "parent")), kind=_kind(cell(r, "kind"), uname, i, problems),
                 aliases=[a.strip() for a in _ALIAS_SEP.split(cell(r, "aliases")) if a.strip() and a.strip() != uname],
                 column_url=cell(r, "column_url"), seq=i - 1)
        if u.unit_id in units:
            problems.append(f"第{i}行的“{uname}”与前面的单位重复，以本行为准")
        units[u.unit_id] = u
    return list(units.values()), problems


def import_units(store: Store, units: Iterable[Unit], problems: Iterable[str] = ()) -> ImportResult:
    """Write units into table ``units``: a unit already there (same ``unit_id``) is updated."""
    units = list(units)
    res = ImportResult(units=len(units), problems=list(problems))
    con = store.con
    have = {r[0] for r in con.execute("SELECT unit_id FROM units").fetchall()}
    res.updated = sum(1 for u in units if u.unit_id in have)
    res.new = len(units) - res.updated
    now = _dt.datetime.now(_dt.timezone.utc).replace(tzinfo=None)
    con.begin()
    try:
        for u in units:
            con.execute("DELETE FROM units WHERE unit_id = ?", [u.unit_id])
            con.execute("INSERT INTO units VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [u.unit_id, u.name, norm_agency(u.name), u.parent or None, u.kind, u.aliases,
                         u.column_url or None, u.seq, now])
        con.commit()
    except Exception:
        con.rollback()
        raise
    return res


def list_units(store: Store) -> list[Unit]:
    rows = store.con.execute("SELECT unit_id, name, parent, kind, aliases, column_url, seq FROM units "
                             "ORDER BY seq, name").fetchall()
    return [Unit(unit_id=uid, name=n, parent=p or "", kind=k or "other", aliases=list(a or []), column_url=url or "",
                 seq=s or 0) for uid, n, p, k, a, url, s in rows]


def get_unit(store: Store, unit_id: str) -> Unit | None:
    return next((u for u in list_units(store) if u.unit_id == unit_id), None)


class Matcher:
    """Agency name → unit_id, by the names and aliases of the units."""

    def __init__(self, units: Iterable[Unit]):
        self.exact: dict[str, str] = {}
        self.names: list[tuple[str, str]] = []
        for u in units:
            for n in [u.name, *u.aliases]:
                self.exact.setdefault(agency_key(n), u.unit_id)
                self.names.append((n, u.unit_id))

    def unit_of(self, agency: str | None) -> str | None:
        if not agency:
            return None
        hit = self.exact.get(agency_key(agency))
        if hit:
            return hit
        fits = {uid for n, uid in self.names if same_agency(n, agency)}
        return fits.pop() if len(fits) == 1 else None


def report_units(store: Store, report_ids: Iterable[str] | None = None) -> dict[str, tuple[str | None, str]]:
    """Report id → (unit_id or None, basis: ``manual`` | ``name`` | ``none``)."""
    con = store.con
    ids = None if report_ids is None else sorted(set(report_ids))
    if ids is not None and not ids:
        return {}
    where = "" if ids is None else f"WHERE report_id IN ({', '.join('?' * len(ids))})"
    heads = con.execute(f"SELECT report_id, agency FROM reports {where}", ids or []).fetchall()
    manual = dict(con.execute("SELECT report_id, unit_id FROM unit_reports").fetchall())
    m = Matcher(list_units(store))
    out: dict[str, tuple[str | None, str]] = {}
    for rid, agency in heads:
        if rid in manual:
            out[rid] = (manual[rid], "manual")
        else:
            uid = m.unit_of(agency)
            out[rid] = (uid, "name" if uid else "none")
    return out


def assign(store: Store, report_id: str, unit_id: str | None, by: str = "") -> None:
    """Attach a report to a unit by hand; ``unit_id=None`` returns it to matching by name."""
    con = store.con
    if not con.execute("SELECT 1 FROM reports WHERE report_id = ?", [report_id]).fetchall():
        raise UnitsError("没有这份报告")
    if unit_id is not None and not con.execute("SELECT 1 FROM units WHERE unit_id = ?", [unit_id]).fetchall():
        raise UnitsError("没有这个单位，请先导入单位名单")
    con.execute("DELETE FROM unit_reports WHERE report_id = ?", [report_id])
    if unit_id is not None:
        con.execute("INSERT INTO unit_reports VALUES (?, ?, ?, ?)",
                    [report_id, unit_id, by or None, _dt.datetime.now(_dt.timezone.utc).replace(tzinfo=None)])


__all__ = ["Unit", "ImportResult", "UnitsError", "KIND_ZH", "read_units", "import_units", "list_units", "get_unit",
           "report_units", "assign", "unit_id_of", "Matcher"]
