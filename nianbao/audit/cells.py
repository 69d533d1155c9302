"""Reading a ``Report`` for the auditor: cell values, printed labels and locations.

Owns: which key list applies to a report (2021 / 2019 format), numeric access that
never turns a blank into 0, and the Chinese description of a cell "as printed"
(table, row, column) used in every message. Labels of the standard come from
``nianbao.standard`` only.
"""
from __future__ import annotations

import re
from typing import Any, Iterable

from .. import standard
from ..model import FORMAT_2019, FORMAT_2021, CellValue, Report
from ..normalize import KIND_ABSENT, squash

KIND_INFERRED = "inferred"     # nianbao.vocab.ValueKind.INFERRED: split by the identities, never evidence

_CJK = r"\u3000-\u303f\u3400-\u9fff\uff00-\uffef“”‘’"
_LAYOUT_WS = re.compile(rf"(?<=[{_CJK}])\s+|\s+(?=[{_CJK}])")


def tidy(text: str | None) -> str:
    """Printed text without layout: line breaks and spaces next to Chinese characters removed
    (PDF wrapping, HTML <br>, letter-spaced headers ``结 果 维 持``), other whitespace squashed."""
    return _LAYOUT_WS.sub("", squash(text or ""))

TABLE_ZH = {"t2": "表二", "t2v19": "表二", "t3": "表三", "t4": "表四"}
KIND_ZH = {"blank": "空白", "na": "不适用符号", "unreadable": "无法识别", "absent": "缺失",
           "number": "数字", "zero": "0", KIND_INFERRED: "连写数字拆分所得，待核对"}


def std() -> standard.Standard:
    return standard.load()


def version(report: Report) -> str:
    """The key-list version to audit against (unknown formats are audited as 2021)."""
    return FORMAT_2019 if report.format_version == FORMAT_2019 else FORMAT_2021


def table_of(key: str) -> str:
    return key.split(".", 1)[0]


def group_of(key: str) -> str:
    t = table_of(key)
    return "t2" if t == "t2v19" else t


def split_key(key: str) -> tuple[str, str, str]:
    """(table, row key, column key) of a cell key."""
    parts = key.split(".")
    return parts[0], ".".join(parts[1:-1]), parts[-1]


def table_keys(report: Report, table: str) -> list[str]:
    s, v = std(), version(report)
    if table in ("t2", "t2v19"):
        return s.t2_keys(v)
    if table == "t3":
        return s.t3_keys(v)
    if table == "t4":
        return s.t4_keys
    raise KeyError(table)


def all_keys(report: Report) -> list[str]:
    return std().all_keys(version(report))


def cell(report: Report, key: str) -> CellValue | None:
    return report.cells.get(key)


def num(report: Report, key: str) -> int | float | None:
    """The printed number, or None when the cell is blank / NA / unreadable / absent."""
    c = report.cells.get(key)
    return c.value if c is not None and c.is_number else None


def is_inferred(report: Report, key: str) -> bool:
    c = report.cells.get(key)
    return c is not None and c.kind == KIND_INFERRED


def kind(report: Report, key: str) -> str:
    c = report.cells.get(key)
    return c.kind if c is not None else KIND_ABSENT


def nums(report: Report, keys: Iterable[str]) -> list[int | float] | None:
    """All values, or None if any of them is not a number."""
    out = []
    for k in keys:
        v = num(report, k)
        if v is None:
            return None
        out.append(v)
    return out


def total_of(report: Report, keys: Iterable[str]) -> int | float | None:
    vals = nums(report, keys)
    return None if vals is None else sum(vals)


def table_has_numbers(report: Report, table: str) -> bool:
    return any(num(report, k) is not None for k in table_keys(report, table))


def canonical_labels(key: str, ver: str = FORMAT_2021) -> tuple[str, str]:
    """(row label with its group, column label) as the standard prints them."""
    s = std()
    t, row, col = split_key(key)
    r, c = s.label_of(key)
    if t == "t3" and "." in row:
        g = next((x for x in s.t3_groups if x.key == row.split(".")[0]), None)
        if g is not None:
            r = f"{g.canonical} {r}"
    return r, c


def printed_labels(report: Report, key: str) -> tuple[str, str]:
    """(row label, column label) as the report prints them, falling back to the standard."""
    crow, ccol = canonical_labels(key, version(report))
    c = report.cells.get(key)
    row = tidy(c.label) if c is not None and c.label else crow
    col = tidy(c.column_label) if c is not None and c.column_label else ccol
    t, rk, _ = split_key(key)
    if t == "t3" and "." in rk and c is not None and c.label and row != crow:
        g = std().t3_groups
        gl = next((x.canonical for x in g if x.key == rk.split(".")[0]), "")
        if gl and gl not in row:
            row = f"{gl} {row}"
    return row, col


def describe(report: Report, key: str) -> str:
    """表三「自然人」列「（四）无法提供 1.本机关不掌握相关政府信息」行 (column, then row, as printed)."""
    t = table_of(key)
    row, col = printed_labels(report, key)
    if t == "t4":
        return f"{TABLE_ZH[t]}「{row}」「{col}」"
    if t in ("t2", "t2v19"):
        return f"{TABLE_ZH[t]}「{row}」行「{col}」列"
    return f"{TABLE_ZH[t]}「{col}」列「{row}」行"


def row_label(report: Report, table: str, row_key: str) -> str:
    """Printed label of a row (from any of its cells)."""
    s = std()
    cols = s.t3_cols if table == "t3" else [c.key for c in s.t4_columns] if table == "t4" else None
    if cols is None:
        ver = version(report)
        row = next(r for r in s.t2[ver]["rows"] if r.key == row_key)
        cols = row.extra["columns"]
    return printed_labels(report, f"{table}.{row_key}.{cols[0]}")[0]


def col_label(report: Report, table: str, col_key: str, row_keys: Iterable[str]) -> str:
    for rk in row_keys:
        c = report.cells.get(f"{table}.{rk}.{col_key}")
        if c is not None and c.column_label:
            return tidy(c.column_label)
    return canonical_labels(f"{table}.{next(iter(row_keys))}.{col_key}")[1]


def fmt(v: Any) -> str:
    if v is None:
        return "（空）"
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def cell_info(report: Report, key: str, value: Any = ...) -> dict[str, Any]:
    """The ``cells`` entry of a finding: key, printed labels, value and its source."""
    c = report.cells.get(key)
    row, col = printed_labels(report, key)
    d: dict[str, Any] = {
        "key": key, "label": f"{TABLE_ZH[table_of(key)]} {row} / {col}",
        "value": (c.value if c is not None else None) if value is ... else value,
        "kind": c.kind if c is not None else KIND_ABSENT,
    }
    if c is not None and c.raw is not None:
        d["raw"] = c.raw
    if c is not None and c.source is not None:
        d["source"] = c.source.to_dict()
    return d


def shown(report: Report, key: str) -> str:
    """A cell's value for a message: the number, or what the cell holds instead."""
    c = report.cells.get(key)
    if c is not None and c.is_number:
        return fmt(c.value)
    k = c.kind if c is not None else KIND_ABSENT
    return f"（{KIND_ZH.get(k, k)}）"
