"""Access to the national format held in ``standard.yaml``.

Owns: loading the data file once, the stable key lists (identical to
shared/tools/cellkeys.py), label matching against the standard and its variants
(exact, keyword, fuzzy — format.md §8.2), the arithmetic identities as data
(``Identity``: expanded from their declarative form per format version, with the
order in which the total cells they define are computed) and the table layouts as
data (``TableLayout``, label references ``<kind>:<key>``). The extractor, auditor,
composer and renderers all go through this module; none of them spells a label, an
identity or a layout of the standard itself.
"""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from importlib import resources
from typing import Any, Iterable

import yaml
from rapidfuzz import fuzz

from .normalize import fold, norm_label
from .vocab import FormatVersion


@dataclass(frozen=True)
class Entry:
    """One label of the standard: a section, table row, column, group or caption."""
    key: str
    canonical: str
    variants: tuple[str, ...] = ()
    match: tuple[tuple[str, ...], ...] = ()
    group: str | None = None
    exact: bool = False
    extra: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    @cached_property
    def norm_canonical(self) -> str:
        return norm_label(self.canonical)


@dataclass(frozen=True)
class Match:
    entry: Entry
    variant: str       # "canonical" | the variant string | "keyword:…" | "fuzzy:0.91"
    score: float       # 1.0 for exact/variant, 0.9 keyword, fuzzy ratio otherwise

    @property
    def is_canonical(self) -> bool:
        return self.variant == "canonical"


def _entry(d: dict[str, Any], **over: Any) -> Entry:
    known = {"key", "canonical", "variants", "match", "group", "exact"}
    return Entry(
        key=d["key"], canonical=d["canonical"],
        variants=tuple(d.get("variants") or ()),
        match=tuple(tuple(fold(k) for k in m) for m in (d.get("match") or ())),
        group=d.get("group"), exact=bool(d.get("exact", False)),
        extra={k: v for k, v in d.items() if k not in known} | over,
    )


class Matcher:
    """Match normalised labels against a list of entries, in priority order."""

    def __init__(self, entries: Iterable[Entry], fuzzy_min: float = 86.0) -> None:
        self.entries = list(entries)
        self.fuzzy_min = fuzzy_min
        self._cache: dict[tuple[Any, ...], Match | None] = {}
        self._exact: dict[str, tuple[Entry, str]] = {}
        for e in self.entries:
            self._exact.setdefault(e.norm_canonical, (e, "canonical"))
            for v in e.variants:
                self._exact.setdefault(norm_label(v), (e, v))

    def match(self, label: str, *, allow: set[str] | None = None, fuzzy: bool = True,
              normalised: bool = False) -> Match | None:
        """Best entry for a printed label, or None. ``allow`` limits to those keys."""
        ck = (label, frozenset(allow) if allow is not None else None, fuzzy, normalised)
        if ck in self._cache:
            return self._cache[ck]
        res = self._match(label, allow, fuzzy, normalised)
        if len(self._cache) < 100_000:
            self._cache[ck] = res
        return res

    def _match(self, label: str, allow: set[str] | None, fuzzy: bool, normalised: bool) -> Match | None:
        n = label if normalised else norm_label(label)
        if not n:
            return None
        hit = self._exact.get(n)
        if hit and (allow is None or hit[0].key in allow):
            return Match(hit[0], hit[1], 1.0)
        for e in self.entries:
            if allow is not None and e.key not in allow:
                continue
            for kws in e.match:
                if e.exact:
                    if n == "".join(kws):
                        return Match(e, "canonical" if n == e.norm_canonical else f"keyword:{n}", 1.0)
                elif all(k in n for k in kws):
                    return Match(e, f"keyword:{'+'.join(kws)}", 0.9)
        if not fuzzy:
            return None
        best: tuple[float, Entry, str] | None = None
        for e in self.entries:
            if allow is not None and e.key not in allow or e.exact:
                continue
            for cand in (e.canonical, *e.variants):
                s = fuzz.ratio(n, norm_label(cand))
                if s >= self.fuzzy_min and (best is None or s > best[0]):
                    best = (s, e, cand)
        if best:
            return Match(best[1], f"fuzzy:{best[0] / 100:.2f}", best[0] / 100)
        return None


@dataclass(frozen=True)
class IdentitySpec:
    """One identity family as declared in ``standard.yaml`` (before expansion)."""
    code: str                    # T3-BAL | T3-RES | T3-ROW | T4-SUM (cells.md)
    table: str                   # t3 | t4
    over: str                    # the range it is repeated over (``for``)
    total: tuple[str, ...]       # cell templates of the printed side
    parts: tuple[str, ...]       # cell templates of what it should equal
    title: str
    description: str
    basis: str


@dataclass(frozen=True)
class Identity:
    """sum(total) == sum(parts). ``total`` is the printed side, ``parts`` what it should equal."""
    code: str
    where: str                   # the member of the range (column, row or group key)
    table: str
    total: tuple[str, ...]
    parts: tuple[str, ...]

    @property
    def keys(self) -> tuple[str, ...]:
        return self.total + self.parts

    def coef(self) -> dict[str, int]:
        d = {k: 1 for k in self.total}
        d.update({k: -1 for k in self.parts})
        return d


@dataclass(frozen=True)
class HeaderCell:
    """A header cell of a table layout: the label it prints, by reference, and its spans."""
    kind: str                    # t3.column, t4.top, … (see ``Standard.label_ref``)
    key: str
    text: str                    # the canonical label
    rowspan: int = 1
    colspan: int = 1


@dataclass(frozen=True)
class TableLayout:
    """The printed layout of one table (``layout`` in ``standard.yaml``)."""
    table: str                   # t2 | t3 | t4
    name: str                    # 表二 | 表三 | 表四
    section: str                 # key of the section the table follows
    label_columns: int
    label_widths: tuple[float, ...]
    value_width: float
    header: tuple[tuple[HeaderCell, ...], ...]         # header rows (表二: none, its headers are per block)
    groups: tuple[tuple[str, str, str], ...]           # (group key, first row, last row): vertical group cells


_PLACEHOLDER = re.compile(r"\{(\w+)\}")


class Standard:
    """The parsed ``standard.yaml``."""

    def __init__(self, data: dict):
        self.data = data
        self.na_marks = frozenset(data["na_marks"])
        self.sections = [_entry(s) for s in data["sections"]]
        self.pre2019_sections = [_entry(s) for s in data["pre2019_sections"]]
        self.section_matcher = Matcher(self.sections, fuzzy_min=88)
        self.pre2019_section_matcher = Matcher(self.pre2019_sections, fuzzy_min=90)

        self.t2: dict[str, dict] = {}
        for ver, t in data["t2"].items():
            cols = {k: _entry({"key": k, **v}) for k, v in t["columns"].items()}
            rows = [_entry(r) for r in t["rows"]]
            caps = [_entry(c) for c in t["captions"]]
            self.t2[ver] = {
                "columns": cols, "rows": rows, "captions": caps,
                "row_matcher": Matcher(rows), "col_matcher": Matcher(cols.values()),
                "caption_matcher": Matcher(caps, fuzzy_min=95),
                "header_first": t["header_first"],
            }
        t3 = data["t3"]
        self.t3_columns = [_entry(c) for c in t3["columns"]]
        self.t3_rows = [_entry(r) for r in t3["rows"]]
        self.t3_groups = [_entry(g) for g in t3["groups"]]
        self.t3_order: list[str] = list(t3["order"])
        self.t3_other_single = _entry(t3["other_single_row"])
        self.t3_row_matcher = Matcher(self.t3_rows)
        self.t3_col_matcher = Matcher(self.t3_columns, fuzzy_min=90)
        self.t3_group_matcher = Matcher(self.t3_groups, fuzzy_min=92)
        self.t3_header = {k: t3[k] for k in ("header_note", "header_top", "header_org")}
        t4 = data["t4"]
        self.t4_groups = [_entry(g) for g in t4["groups"]]
        self.t4_columns = [_entry(c) for c in t4["columns"]]
        self.t4_top = t4["top"]
        self.t4_group_matcher = Matcher(self.t4_groups, fuzzy_min=92)
        self.t4_col_matcher = Matcher(self.t4_columns, fuzzy_min=92)
        self.version_markers = {k: [fold(x) for x in v] for k, v in data["version_markers"].items()}
        self.title_pattern = data["title_pattern"]
        tm = data["table_markers"]
        self.table_markers: dict[str, Any] = {k: ([fold(x) for x in v] if isinstance(v, list) else fold(v)) for k, v in tm.items()}
        self._all_keys: dict[str, tuple[str, ...]] = {}
        self.t4_top_entries = [_entry(t) for t in t4["top"]]
        self.identity_specs: dict[str, tuple[IdentitySpec, ...]] = {
            ver: tuple(IdentitySpec(code=i["code"], table=i["table"], over=i["for"], total=tuple(i["total"]),
                                    parts=tuple(i["parts"]), title=i["title"], description=i["description"],
                                    basis=i["basis"]) for i in specs)
            for ver, specs in data["identities"].items()}
        self._identities: dict[str, tuple[Identity, ...]] = {}
        self._total_plan: dict[str, tuple[tuple[str, Identity], ...]] = {}
        self.layouts = {name: self._layout(name, d) for name, d in data["layout"].items()}

    # -- keys (identical to shared/tools/cellkeys.py) ------------------------------
    def t2_keys(self, version: str = "2021") -> list[str]:
        prefix = "t2" if version == "2021" else "t2v19"
        return [f"{prefix}.{r.key}.{c}" for r in self.t2[version]["rows"] for c in r.extra["columns"]]

    @property
    def t3_cols(self) -> list[str]:
        return [c.key for c in self.t3_columns]

    def t3_row_keys(self, version: str = "2021") -> list[str]:
        if version == "2021":
            return list(self.t3_order)
        rows = [r for r in self.t3_order if not r.startswith("other.")]
        rows.insert(rows.index("result_total"), self.t3_other_single.key)
        return rows

    def t3_keys(self, version: str = "2021") -> list[str]:
        return [f"t3.{r}.{c}" for r in self.t3_row_keys(version) for c in self.t3_cols]

    @property
    def t4_keys(self) -> list[str]:
        return [f"t4.{g.key}.{c.key}" for g in self.t4_groups for c in self.t4_columns]

    def all_keys(self, version: str = "2021") -> list[str]:
        """Every cell key of a format, in printed order (a fresh list: callers may keep it)."""
        cached = self._all_keys.get(version)
        if cached is None:
            cached = self._all_keys[version] = tuple(self.t2_keys(version) + self.t3_keys(version) + self.t4_keys)
        return list(cached)

    def decimal_keys(self, version: str = "2021") -> set[str]:
        out: set[str] = set()
        prefix = "t2" if version == "2021" else "t2v19"
        for r in self.t2[version]["rows"]:
            if r.extra.get("decimal"):
                out.update(f"{prefix}.{r.key}.{c}" for c in r.extra["columns"])
            for c in r.extra.get("decimal_columns") or ():
                out.add(f"{prefix}.{r.key}.{c}")
        return out

    def signed_keys(self, version: str = "2021") -> set[str]:
        if version != "2019":
            return set()
        return {k for k in self.t2_keys("2019") if k.endswith(".change")}

    # -- labels --------------------------------------------------------------------
    def table_entries(self, table: str, version: str = "2021") -> tuple[list[Entry], list[Entry], list[Entry]]:
        """The labels of 表二/三/四 (``t2``/``t3``/``t4``): (rows, column headers, the
        labels above rows: 表二's captions, 表三's groups)."""
        if table == "t2":
            t2 = self.t2[version]
            return list(t2["rows"]), list(t2["columns"].values()), list(t2.get("captions", ()))
        if table == "t3":
            return list(self.t3_rows), list(self.t3_columns), list(self.t3_groups)
        if table == "t4":
            return list(self.t4_groups), list(self.t4_columns), []
        raise KeyError(table)

    def label_of(self, key: str, version: str = "2021") -> tuple[str, str]:
        """(row label, column label) as the standard prints them, for a cell key."""
        parts = key.split(".")
        if parts[0] in ("t2", "t2v19"):
            ver = "2021" if parts[0] == "t2" else "2019"
            t = self.t2[ver]
            row = next(r for r in t["rows"] if r.key == parts[1])
            return row.canonical, t["columns"][parts[2]].canonical
        if parts[0] == "t3":
            rk, ck = ".".join(parts[1:-1]), parts[-1]
            col = next(c for c in self.t3_columns if c.key == ck).canonical
            if rk == self.t3_other_single.key:
                return self.t3_other_single.canonical, col
            row = next(r for r in self.t3_rows if r.key == rk)
            return row.canonical, col
        if parts[0] == "t4":
            g = next(x for x in self.t4_groups if x.key == parts[1]).canonical
            c = next(x for x in self.t4_columns if x.key == parts[2]).canonical
            return g, c
        raise KeyError(key)

    def section(self, key: str) -> Entry:
        return next(s for s in self.sections if s.key == key)

    def t3_row_entry(self, key: str) -> Entry:
        """The entry of a 表三 row key (the 2019 single （六）其他处理 row included)."""
        if key == self.t3_other_single.key:
            return self.t3_other_single
        return next(r for r in self.t3_rows if r.key == key)

    # -- identities ----------------------------------------------------------------
    def identity_range(self, name: str, version: str = FormatVersion.V2021) -> list[str]:
        """The members of a range of ``identity_ranges`` for a format version."""
        spec = self.data["identity_ranges"][name]
        members: list[str] = {
            "t3.columns": lambda: self.t3_cols,
            "t3.rows": lambda: self.t3_row_keys(version),
            "t4.groups": lambda: [g.key for g in self.t4_groups],
            "t4.columns": lambda: [c.key for c in self.t4_columns],
        }[spec["of"]]()
        if "after" in spec:
            members = members[members.index(spec["after"]) + 1:]
        if "before" in spec:
            members = members[:members.index(spec["before"])]
        return [m for m in members if m not in set(spec.get("except") or ())]

    def t3_outcome_rows(self, version: str = FormatVersion.V2021) -> list[str]:
        """The 表三 rows between 二、上年结转 and （七）总计: one per outcome category."""
        return self.identity_range("outcome", version)

    def _expand(self, template: str, fixed: dict[str, str], version: str) -> list[str]:
        free = [n for n in _PLACEHOLDER.findall(template) if n not in fixed]
        out = []
        for combo in itertools.product(*(self.identity_range(n, version) for n in free)):
            values = fixed | dict(zip(free, combo))
            out.append(_PLACEHOLDER.sub(lambda m: values[m.group(1)], template))
        return out

    def identities(self, version: str = FormatVersion.V2021) -> tuple[Identity, ...]:
        """Every identity of a format version, expanded (42 for 2021, 40 for 2019)."""
        cached = self._identities.get(version)
        if cached is None:
            out = []
            for spec in self.identity_specs[version]:
                for m in self.identity_range(spec.over, version):
                    fixed = {spec.over: m}
                    out.append(Identity(
                        spec.code, m, spec.table,
                        tuple(k for t in spec.total for k in self._expand(t, fixed, version)),
                        tuple(k for t in spec.parts for k in self._expand(t, fixed, version))))
            cached = self._identities[version] = tuple(out)
        return cached

    def identity_spec(self, code: str, version: str = FormatVersion.V2021) -> IdentitySpec:
        return next(s for s in self.identity_specs[version] if s.code == code)

    def total_plan(self, version: str = FormatVersion.V2021) -> tuple[tuple[str, Identity], ...]:
        """(total cell, the identity defining it) for every cell that is the sum of others,
        in an order where each one's parts that are totals themselves come first."""
        cached = self._total_plan.get(version)
        if cached is None:
            defining = [i for i in self.identities(version) if len(i.total) == 1]
            pending = {i.total[0] for i in defining}
            plan: list[tuple[str, Identity]] = []
            progress = True
            while pending and progress:
                progress = False
                for i in defining:
                    k = i.total[0]
                    if k in pending and not pending.intersection(i.parts):
                        plan.append((k, i))
                        pending.discard(k)
                        progress = True
            cached = self._total_plan[version] = tuple(plan)
        return cached

    def total_keys(self, version: str = FormatVersion.V2021) -> list[str]:
        """Cells that are sums of other cells (filled in by the composer when left blank)."""
        return [k for k, _ in self.total_plan(version)]

    # -- table layouts -------------------------------------------------------------
    def label_ref(self, ref: str, version: str = FormatVersion.V2021) -> list[tuple[str, str, str]]:
        """(kind, key, canonical label) for a layout reference ``<kind>:<key>`` (``*``: all)."""
        kind, _, key = ref.partition(":")
        entries: dict[str, str]
        if kind == "t2.caption":
            entries = {c.key: c.canonical for c in self.t2[version]["captions"]}
        elif kind == "t2.header":
            entries = {"header_first": self.t2[version]["header_first"]}
        elif kind == "t2.column":
            entries = {k: c.canonical for k, c in self.t2[version]["columns"].items()}
        elif kind == "t2.row":
            entries = {r.key: r.canonical for r in self.t2[version]["rows"]}
        elif kind == "t3.note":
            entries = {"header_note": self.t3_header["header_note"]}
        elif kind == "t3.header":
            entries = {k: self.t3_header[k] for k in ("header_top", "header_org")}
        elif kind == "t3.column":
            entries = {c.key: c.canonical for c in self.t3_columns}
        elif kind == "t3.group":
            entries = {g.key: g.canonical for g in self.t3_groups}
        elif kind == "t3.row":
            entries = {r: self.t3_row_entry(r).canonical for r in self.t3_row_keys(version)}
        elif kind == "t4.top":
            entries = {t.key: t.canonical for t in self.t4_top_entries}
        elif kind == "t4.group":
            entries = {g.key: g.canonical for g in self.t4_groups}
        elif kind == "t4.column":
            entries = {c.key: c.canonical for c in self.t4_columns}
        else:
            raise KeyError(ref)
        if key == "*":
            return [(kind, k, v) for k, v in entries.items()]
        return [(kind, key, entries[key])]

    def _layout(self, name: str, d: dict[str, Any]) -> TableLayout:
        header = tuple(
            tuple(HeaderCell(kind, key, text, int(c.get("rowspan", 1)), int(c.get("colspan", 1)))
                  for c in row for kind, key, text in self.label_ref(c["ref"]))
            for row in d.get("header") or ())
        return TableLayout(
            table=name, name=d["name"], section=d["section"], label_columns=int(d["label_columns"]),
            label_widths=tuple(float(w) for w in d["widths"]["label"]), value_width=float(d["widths"]["value"]),
            header=header, groups=tuple((g["group"], g["first"], g["last"]) for g in d.get("groups") or ()))

    def table_title(self, table: str) -> str:
        """``表二 主动公开政府信息情况``: the table's name and its section's heading without the ordinal."""
        lay = self.layouts[table]
        return f"{lay.name} {self.section(lay.section).canonical.split('、', 1)[-1]}"


@lru_cache(maxsize=1)
def load() -> Standard:
    text = resources.files("nianbao").joinpath("standard.yaml").read_text(encoding="utf-8")
    # libyaml's safe loader (in PyYAML's wheels): 15 ms instead of 200 ms of pure-Python
    # parsing, paid by every CLI run and every guarded worker
    return Standard(yaml.load(text, Loader=yaml.CSafeLoader))
