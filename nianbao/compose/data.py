"""Composer input: ``ComposeInput`` and the loaders that build one.

Owns: what a report to be written consists of (agency, year, format version, title,
the six section texts, the cell values keyed as in shared/spec/cells.md) and how it is
read from
- a cells file (the shape of shared/samples/*.truth.json, JSON or YAML),
- a filled YAML/JSON template (``nianbao template -o x.yaml``),
- a filled Excel template (``nianbao template -o x.xlsx``),
- a request ledger (CSV/Excel, one row per application), from which 表三 is computed.

Values are kept as printed: ``int`` for counts, ``Decimal`` for 万元 amounts (so that
0.6625 is written back as 0.6625), ``None`` for a blank cell. Every failure raises
``ComposeError`` with a Chinese message.
"""
from __future__ import annotations

import csv
import datetime as _dt
import io
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Iterable, Mapping

import yaml

from ..normalize import fold, norm_label
from ..standard import Standard, load
from ..readers.encoding import decode_csv

Value = int | Decimal | None

FORMAT_VERSIONS = ("2021", "2019")


class ComposeError(Exception):
    """Input that cannot be composed. ``str(err)`` is a user-facing Chinese message."""


@dataclass
class ComposeInput:
    agency: str = ""
    year: int | None = None
    format_version: str = "2021"
    title: str | None = None                     # None: ``{agency}{year}年政府信息公开工作年度报告``
    preamble: str = ""
    sections: dict[str, str] = field(default_factory=dict)   # s1_overview … s6_other → text
    cells: dict[str, Value] = field(default_factory=dict)    # cell key → value as printed
    source: str = ""
    warnings: list[str] = field(default_factory=list)        # Chinese, shown by the CLI

    def display_title(self, std: Standard | None = None) -> str:
        if self.title:
            return self.title
        std = std or load()
        year = f"{self.year}年" if self.year is not None else ""
        return f"{self.agency}{year}{std.title_pattern}"

    def value(self, key: str) -> Value:
        return self.cells.get(key)


# ---------------------------------------------------------------------------
# Values

def _decimal_from_float(f: float) -> Decimal:
    return Decimal(repr(f))


def coerce_value(key: str, raw: Any, decimal: bool, *, signed: bool = False) -> Value:
    """One input value → int / Decimal / None, or ``ComposeError``."""
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise ComposeError(f"单元格 {key} 的值“{raw}”不是数字")
    if isinstance(raw, str):
        t = fold(raw).replace("，", "").replace(",", "")
        if t == "" or t in load().na_marks:
            return None
        if signed and t.startswith("+"):
            t = t[1:]
        try:
            d = Decimal(t)
        except InvalidOperation:
            raise ComposeError(f"单元格 {key} 的值“{raw}”不是数字") from None
        raw = d
    if isinstance(raw, float):
        if raw != raw or raw in (float("inf"), float("-inf")):
            raise ComposeError(f"单元格 {key} 的值“{raw}”不是数字")
        raw = _decimal_from_float(raw)
    if isinstance(raw, int):
        return Decimal(raw) if decimal else raw
    if isinstance(raw, Decimal):
        if not raw.is_finite():
            raise ComposeError(f"单元格 {key} 的值“{raw}”不是数字")
        if decimal:
            return raw
        if raw != raw.to_integral_value():
            raise ComposeError(f"单元格 {key} 应为整数（件数），实际为“{raw}”")
        return int(raw)
    raise ComposeError(f"单元格 {key} 的值“{raw!r}”不是数字")


def format_value(v: Value) -> str:
    """The printed form: blank for None; decimals exactly as given (no float artefacts)."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return str(int(v))
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        v = _decimal_from_float(v)
    if isinstance(v, Decimal):
        s = format(v, "f")
        return "0" if s in ("-0", "-0.0") else s
    return str(v)


# ---------------------------------------------------------------------------
# Versions and derived totals

def check_version(version: str | None) -> str:
    v = str(version or "2021")
    if v not in FORMAT_VERSIONS:
        raise ComposeError(f"不支持的格式版本“{v}”：只能编写 2021 或 2019 格式的年度报告")
    return v


def fill_totals(cells: dict[str, Value], std: Standard, version: str) -> None:
    """Compute blank (None) total cells from their parts; keep totals that were given.

    Which cells are totals, their parts and the order come from the identities of the
    standard (``Standard.total_plan``); a total whose parts are all blank stays blank."""
    for key, ident in std.total_plan(version):
        if cells.get(key) is None:
            vals = [cells.get(k) for k in ident.parts]
            cells[key] = None if all(v is None for v in vals) else sum(int(v or 0) for v in vals)


# ---------------------------------------------------------------------------
# Mapping input (cells file, YAML/JSON template)

class _DecimalLoader(yaml.SafeLoader):
    """YAML loader that keeps floats as Decimal (so 5949.088667 stays exact)."""


def _construct_decimal(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Decimal | str:
    text = loader.construct_scalar(node)
    try:
        return Decimal(str(text).replace("_", ""))
    except InvalidOperation:
        return str(text)


_DecimalLoader.add_constructor("tag:yaml.org,2002:float", _construct_decimal)


def from_mapping(d: Mapping[str, Any], *, source: str = "", version: str | None = None,
                 compute_totals: bool | None = None) -> ComposeInput:
    """Build a ComposeInput from a cells file / template mapping."""
    if not isinstance(d, Mapping):
        raise ComposeError(f"{source or '输入'}：顶层应为键值对象（含 agency、year、cells 等字段）")
    std = load()
    file_ver = d.get("format_version")
    if version and file_ver and str(file_ver) != str(version):
        raise ComposeError(f"{source}：文件的格式版本为 {file_ver}，与指定的 --format-version {version} 不一致")
    ver = check_version(version or file_ver)
    year = d.get("year")
    if year in ("", None):
        year = None
    else:
        try:
            year = int(str(year).strip().rstrip("年"))
        except ValueError:
            raise ComposeError(f"{source}：年度“{year}”不是有效的年份") from None
    sections_in = d.get("sections") or {}
    if not isinstance(sections_in, Mapping):
        raise ComposeError(f"{source}：sections 应为“章节键: 正文”的对象")
    known = {s.key for s in std.sections}
    bad = [k for k in sections_in if k not in known]
    if bad:
        raise ComposeError(f"{source}：未知的章节键 {'、'.join(map(str, bad))}；允许的键：{'、'.join(sorted(known))}")
    sections = {k: str(v).strip("\n") for k, v in sections_in.items() if v is not None}
    cells_in = d.get("cells")
    if cells_in is None:
        cells_in = {}
    if not isinstance(cells_in, Mapping):
        raise ComposeError(f"{source}：cells 应为“单元格键: 数值”的对象")
    keys = std.all_keys(ver)
    keyset = set(keys)
    unknown = [k for k in cells_in if k not in keyset]
    if unknown:
        shown = "、".join(map(str, unknown[:8])) + ("……" if len(unknown) > 8 else "")
        raise ComposeError(f"{source}：未知的单元格键 {shown}（{ver} 格式的键见 shared/spec/cells.md）")
    dec = std.decimal_keys(ver)
    signed = std.signed_keys(ver)
    errors = []
    cells: dict[str, Value] = {}
    for k in keys:
        try:
            cells[k] = coerce_value(k, cells_in.get(k), k in dec, signed=k in signed)
        except ComposeError as e:
            errors.append(str(e))
    if errors:
        raise ComposeError(f"{source}：" + "；".join(errors))
    inp = ComposeInput(
        agency=str(d.get("agency") or "").strip(), year=year, format_version=ver,
        title=(str(d["title"]).strip() or None) if d.get("title") else None,
        preamble=str(d.get("preamble") or "").strip("\n"),
        sections=sections, cells=cells, source=source,
    )
    missing = [k for k in keys if k not in cells_in]
    if missing and cells_in:
        inp.warnings.append(f"输入缺少 {len(missing)} 个单元格，已按空白处理（如 {missing[0]}）")
    if compute_totals is None:
        compute_totals = bool(d.get("compute_totals"))
    if compute_totals:
        fill_totals(inp.cells, std, ver)
    return inp


def load_cells_json(path: str | Path, *, version: str | None = None) -> ComposeInput:
    """A cells file as in shared/spec/cells.md (the shape of samples/*.truth.json)."""
    p = Path(path)
    try:
        d = json.loads(p.read_text(encoding="utf-8-sig"), parse_float=Decimal)
    except FileNotFoundError:
        raise ComposeError(f"文件不存在：{p}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ComposeError(f"{p.name} 不是有效的 JSON 文件（{e}）") from None
    return from_mapping(d, source=str(path), version=version)


def load_yaml_template(path: str | Path, *, version: str | None = None) -> ComposeInput:
    """A filled YAML template (or any YAML/JSON of the cells-file shape)."""
    p = Path(path)
    try:
        d = yaml.load(p.read_text(encoding="utf-8-sig"), Loader=_DecimalLoader)
    except FileNotFoundError:
        raise ComposeError(f"文件不存在：{p}") from None
    except (yaml.YAMLError, UnicodeDecodeError) as e:
        raise ComposeError(f"{p.name} 不是有效的 YAML 文件：{str(e)[:300]}") from None
    return from_mapping(d or {}, source=str(path), version=version)


def load_excel_template(path: str | Path, *, version: str | None = None) -> ComposeInput:
    from .template_writer import read_excel_template
    return read_excel_template(path, version=version)


# ---------------------------------------------------------------------------
# Request ledger

# The ledger's own column headings (our interchange format; the heading of the
# standard's applicant header is accepted too, see ``ledger_columns``).
LEDGER_COLUMNS = {
    "received": ["收到日期", "收到时间", "申请日期", "受理日期", "received", "received_date", "date"],
    "applicant": ["申请人类型", "申请人类别", "申请人", "applicant", "applicant_type"],
    "outcome": ["办理结果", "结果类别", "办理结果类别", "结果", "outcome", "category", "outcome_category"],
    "status": ["办理状态", "状态", "是否办结", "status"],
    "completed": ["办结日期", "答复日期", "completed_date", "closed"],
}
STATUS_DONE = {"办结", "已办结", "完成", "已完成", "已答复", "是", "completed", "done", "closed", "yes"}
STATUS_CARRIED = {"结转", "结转下年", "结转下年度", "未办结", "办理中", "在办", "否",
                  "carried", "open", "pending", "no"}


def ledger_columns(std: Standard) -> dict[str, list[str]]:
    """Accepted headings per ledger field; the applicant field also takes the standard's
    applicant header (second, after the preferred heading)."""
    cols = {k: list(v) for k, v in LEDGER_COLUMNS.items()}
    cols["applicant"].insert(1, std.t3_header["header_top"])
    return cols


def status_carried(std: Standard) -> set[str]:
    """Statuses meaning "carried into next year", including the 结转 row's own label."""
    return STATUS_CARRIED | {norm_label(std.t3_row_entry("carry_forward").canonical)}

_DATE_RES = [
    re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
]


def _parse_date(v: Any) -> _dt.date | None:
    if v is None:
        return None
    if isinstance(v, _dt.datetime):
        return v.date()
    if isinstance(v, _dt.date):
        return v
    t = fold(str(v))
    if not t:
        return None
    for rx in _DATE_RES:
        m = rx.match(t)
        if m:
            try:
                return _dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                return None
    return None


def _category_index(entries: Iterable[tuple[str, list[str]]]) -> dict[str, str]:
    """Accepted spellings → key: the key itself, every label and its normalised form."""
    idx: dict[str, str] = {}
    for key, labels in entries:
        idx[key] = key
        for lab in labels:
            for form in (lab, fold(lab), norm_label(lab)):
                if form:
                    idx.setdefault(form, key)
    return idx


def _lookup(idx: dict[str, str], raw: str) -> str | None:
    t = str(raw).strip()
    for form in (t, fold(t), norm_label(t)):
        if form in idx:
            return idx[form]
    return None


def applicant_categories(std: Standard) -> list[tuple[str, list[str]]]:
    return [(c.key, [c.canonical, *c.variants]) for c in std.t3_columns if c.key != "total"]


def outcome_categories(std: Standard, version: str) -> list[tuple[str, list[str]]]:
    out = []
    for rk in std.t3_outcome_rows(version):
        e = std.t3_row_entry(rk)
        out.append((rk, [e.canonical, *e.variants]))
    return out


def _read_ledger_rows(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """(spreadsheet row number, {field: value}) for every non-empty data row."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        import openpyxl
        try:
            wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as e:
            raise ComposeError(f"无法读取 Excel 台账 {path.name}：{e}") from None
        ws = wb.worksheets[0]
        raw_rows = [list(r) for r in ws.iter_rows(values_only=True)]
        wb.close()
    else:
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise ComposeError(f"文件不存在：{path}") from None
        text = decode_csv(data)
        if text is None:
            raise ComposeError(f"台账 {path.name} 的编码无法识别（请保存为 UTF-8 或 GBK 的 CSV）")
        dialect = "excel-tab" if text.count("\t") > text.count(",") else "excel"
        raw_rows = list(csv.reader(io.StringIO(text), dialect=dialect))
    header_at = next((i for i, r in enumerate(raw_rows) if any(str(c or "").strip() for c in r)), None)
    if header_at is None:
        raise ComposeError(f"台账 {path.name} 是空的")
    header = [fold(str(c or "")).lower() for c in raw_rows[header_at]]
    colmap: dict[str, int] = {}
    columns = ledger_columns(load())
    for fieldname, names in columns.items():
        for n in names:
            n2 = fold(n).lower()
            if n2 in header:
                colmap[fieldname] = header.index(n2)
                break
    missing = [f for f in ("received", "applicant") if f not in colmap]
    if "outcome" not in colmap:
        missing.append("outcome")
    if missing:
        need = "；".join(f"{columns[f][0]}（或 {'/'.join(columns[f][1:4])}）" for f in missing)
        raise ComposeError(f"台账 {path.name} 缺少必需的列：{need}")
    out = []
    for i, r in enumerate(raw_rows[header_at + 1:], start=header_at + 2):
        if not any(str(c if c is not None else "").strip() for c in r):
            continue
        rec = {f: (r[j] if j < len(r) else None) for f, j in colmap.items()}
        out.append((i, rec))
    return out


def _fmt_rows(rows: list[int], limit: int = 12) -> str:
    s = "、".join(str(r) for r in rows[:limit])
    return s + ("等" if len(rows) > limit else "")


def ledger_to_t3(path: str | Path, *, year: int | None = None, version: str = "2021",
                 carry_over: Mapping[str, int] | None = None) -> tuple[dict[str, Value], int, list[str]]:
    """Compute the 表三 cells from a request ledger.

    Rows received in ``year`` count as 一、新收; rows received earlier are last year's
    carry-over (二、上年结转) unless ``carry_over`` gives those counts. Completed rows count
    in their outcome row and in （七）总计; carried rows in 四、结转下年度继续办理.
    Returns (cells, year, warnings).
    """
    std = load()
    p = Path(path)
    rows = _read_ledger_rows(p)
    if not rows:
        raise ComposeError(f"台账 {p.name} 没有数据行")
    app_idx = _category_index(applicant_categories(std))
    out_cats = outcome_categories(std, version)
    out_idx = _category_index(out_cats)

    bad_date: list[int] = []
    bad_app: dict[str, list[int]] = {}
    bad_out: dict[str, list[int]] = {}
    bad_status: dict[str, list[int]] = {}
    parsed = []
    done_statuses = {fold(x).lower() for x in STATUS_DONE}
    carried = {fold(x).lower() for x in status_carried(std)}
    for n, rec in rows:
        d = _parse_date(rec.get("received"))
        if d is None:
            bad_date.append(n)
        a_raw = str(rec.get("applicant") or "").strip()
        a = _lookup(app_idx, a_raw) if a_raw else None
        if a is None:
            bad_app.setdefault(a_raw or "（空）", []).append(n)
        st_raw = fold(str(rec.get("status") or "")).lower()
        o_raw = str(rec.get("outcome") or "").strip()
        if st_raw in done_statuses:
            done = True
        elif st_raw in carried:
            done = False
        elif st_raw == "":
            done = bool(o_raw)
        else:
            bad_status.setdefault(str(rec.get("status")), []).append(n)
            done = None
        o = None
        if done:
            o = _lookup(out_idx, o_raw) if o_raw else None
            if o is None:
                bad_out.setdefault(o_raw or "（空）", []).append(n)
        comp = _parse_date(rec.get("completed"))
        parsed.append((n, d, a, done, o, comp))

    errors = []
    if bad_date:
        errors.append(f"第{_fmt_rows(bad_date)}行的收到日期缺失或无法识别（应为 2024-03-15 或 2024年3月15日 这样的日期）")
    for raw, ns in bad_app.items():
        errors.append(f"第{_fmt_rows(ns)}行的申请人类型“{raw}”不是标准类别")
    if bad_app:
        errors.append("允许的申请人类型：" + "、".join(lab[0] for _, lab in applicant_categories(std)))
    for raw, ns in bad_status.items():
        errors.append(f"第{_fmt_rows(ns)}行的办理状态“{raw}”无法识别（应为“办结”或“结转”）")
    for raw, ns in bad_out.items():
        errors.append(f"第{_fmt_rows(ns)}行的办理结果“{raw}”不是标准类别")
    if bad_out:
        errors.append("允许的办理结果：" + "、".join(lab[0] for _, lab in out_cats))
    if errors:
        raise ComposeError(f"台账 {p.name} 有错误：\n" + "\n".join(f"  - {e}" for e in errors))

    # every row passed the checks above: a date, an applicant and a status
    valid = [(n, d, a, bool(done), o, comp) for n, d, a, done, o, comp in parsed
             if d is not None and a is not None and done is not None]
    if year is None:
        year = max(d.year for _, d, *_ in valid)
    late = [n for n, d, *_ in valid if d.year > year]
    if late:
        raise ComposeError(f"台账 {p.name} 第{_fmt_rows(late)}行的收到日期晚于报告年度 {year} 年")

    cols = [c for c in std.t3_cols if c != "total"]
    rowkeys = std.t3_row_keys(version)
    counts: dict[str, int] = {f"t3.{r}.{c}": 0 for r in rowkeys for c in cols}
    warnings: list[str] = []
    earlier = 0
    prior = {c: 0 for c in cols}
    for n, d, a, done, o, comp in valid:
        if comp is not None and comp.year < year:
            earlier += 1
            continue
        if comp is not None and comp.year > year:
            done = False
        if d.year == year:
            counts[f"t3.new.{a}"] += 1
        else:
            prior[a] += 1
        if done:
            counts[f"t3.{o}.{a}"] += 1
        else:
            counts[f"t3.carry_forward.{a}"] += 1
    if earlier:
        warnings.append(f"台账中有 {earlier} 条申请在 {year} 年之前已办结，不计入本年度")
    if carry_over is not None:
        for c in cols:
            counts[f"t3.carried_over.{c}"] = int(carry_over.get(c, 0) or 0)
        if any(prior[c] != counts[f"t3.carried_over.{c}"] for c in cols):
            warnings.append(
                f"上年结转数（{sum(counts[f't3.carried_over.{c}'] for c in cols)} 件）与台账中收到日期早于 {year} 年的"
                f"申请数（{sum(prior.values())} 件）不一致")
    else:
        for c in cols:
            counts[f"t3.carried_over.{c}"] = prior[c]
    cells: dict[str, Value] = dict(counts)
    for k in std.total_keys(version):  # （七）总计 = the completed rows; row totals
        if k.startswith("t3."):
            cells[k] = None
    fill_totals(cells, std, version)
    return cells, year, warnings


def load_carry_over(path: str | Path) -> dict[str, int]:
    """Last year's carry-forward: a cells file / template of year N−1 (its 四、结转下年度
    row), or a plain mapping ``{自然人: 1, 商业企业: 0, …}`` / ``{natural_person: 1, …}``."""
    std = load()
    p = Path(path)
    if p.suffix.lower() in (".xlsx", ".xlsm"):
        inp = load_excel_template(p)
        d: Any = {"cells": inp.cells}
    else:
        try:
            d = yaml.load(p.read_text(encoding="utf-8-sig"), Loader=_DecimalLoader)
        except FileNotFoundError:
            raise ComposeError(f"文件不存在：{p}") from None
        except yaml.YAMLError as e:
            raise ComposeError(f"{p.name} 无法解析：{str(e)[:200]}") from None
    cols = [c for c in std.t3_cols if c != "total"]
    if isinstance(d, Mapping) and "cells" in d:
        cells = d["cells"] or {}
        return {c: int(coerce_value(f"t3.carry_forward.{c}", cells.get(f"t3.carry_forward.{c}"), False) or 0)
                for c in cols}
    if not isinstance(d, Mapping):
        raise ComposeError(f"{p.name}：上年结转应为“申请人类型: 件数”的对象，或上年度的单元格文件")
    idx = _category_index(applicant_categories(std))
    out = {c: 0 for c in cols}
    for k, v in d.items():
        key = _lookup(idx, str(k))
        if key is None:
            raise ComposeError(f"{p.name}：未知的申请人类型“{k}”；允许：" +
                               "、".join(lab[0] for _, lab in applicant_categories(std)))
        out[key] = int(coerce_value(f"t3.carried_over.{key}", v, False) or 0)
    return out


def load_ledger(path: str | Path, *, base: ComposeInput | None = None, year: int | None = None,
                carry_over: Mapping[str, int] | None = None, version: str | None = None) -> ComposeInput:
    """A ComposeInput whose 表三 comes from the ledger; the rest from ``base`` (a filled
    template giving agency, year, texts, 表二 and 表四) when given, else blank."""
    std = load()
    ver = check_version(version or (base.format_version if base else None))
    if year is None and base is not None:
        year = base.year
    t3, year, warnings = ledger_to_t3(path, year=year, version=ver, carry_over=carry_over)
    if base is not None:
        inp = ComposeInput(agency=base.agency, year=year, format_version=ver, title=base.title,
                           preamble=base.preamble, sections=dict(base.sections), cells=dict(base.cells),
                           source=str(path), warnings=list(base.warnings))
        t3_given = [k for k in std.t3_keys(ver) if base.cells.get(k) not in (None, 0)]
        if t3_given:
            inp.warnings.append("基础模板中的表三数据已被台账计算结果替换")
    else:
        inp = ComposeInput(year=year, format_version=ver, source=str(path),
                           cells={k: None for k in std.all_keys(ver)})
        inp.warnings.append("未提供基础模板（--base）：表二、表四留空")
    inp.cells.update(t3)
    inp.warnings.extend(warnings)
    return inp


# ---------------------------------------------------------------------------
# Dispatch

def _xlsx_kind(path: Path) -> str:
    """'template' when the workbook is one of our templates, else 'ledger'."""
    import openpyxl
    try:
        wb = openpyxl.load_workbook(path, read_only=True)
    except Exception as e:
        raise ComposeError(f"无法读取 Excel 文件 {path.name}：{e}") from None
    try:
        from .template_writer import META_SHEET
        return "template" if META_SHEET in wb.sheetnames else "ledger"
    finally:
        wb.close()


def load_input(path: str | Path, *, version: str | None = None, base: str | Path | None = None,
               year: int | None = None, carry_over: str | Path | None = None,
               agency: str | None = None) -> ComposeInput:
    """Pick the loader by file type and content."""
    p = Path(path)
    if not p.exists():
        raise ComposeError(f"文件不存在：{p}")
    if p.is_dir():
        raise ComposeError(f"这是一个目录而不是文件：{p}")
    suffix = p.suffix.lower()
    co = load_carry_over(carry_over) if carry_over else None
    if suffix in (".csv", ".tsv"):
        kind = "ledger"
    elif suffix in (".xlsx", ".xlsm"):
        kind = _xlsx_kind(p)
    elif suffix == ".json":
        kind = "json"
    elif suffix in (".yaml", ".yml"):
        kind = "yaml"
    else:
        raise ComposeError(f"无法识别的输入文件类型：{p.name}（支持 .json .yaml .yml .xlsx .csv）")
    if kind == "ledger":
        b = load_input(base, version=version) if base else None
        inp = load_ledger(p, base=b, year=year, carry_over=co, version=version)
    else:
        if base:
            raise ComposeError("--base 只用于台账输入（CSV/Excel 台账）")
        if kind == "json":
            inp = load_cells_json(p, version=version)
        elif kind == "yaml":
            inp = load_yaml_template(p, version=version)
        else:
            inp = load_excel_template(p, version=version)
        if year is not None:
            inp.year = year
        if co is not None:
            for c, v in co.items():
                inp.cells[f"t3.carried_over.{c}"] = v
            inp.cells.update({"t3.carried_over.total": sum(co.values())})
    if agency:
        inp.agency = agency
    return inp
