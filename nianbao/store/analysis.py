"""Analyses across many reports, on the store (SQL in DuckDB, results as pandas DataFrames).

Owns the cross-report checks of format.md §5.4 and the aggregates officials ask for:

- ``cross_year(db)``: X1 / rubric R6 — for every agency with reports in consecutive years,
  per 表三 column, ``carried_over(N)`` against ``carry_forward(N−1)``;
- ``rollup(db, parent_agency, year, members | membership)``: X2 / R11 — cell-wise sums
  of the members' reports against the region-wide report's printed cells;
- ``duplication(db, threshold)``: X3 / R7 内容雷同 — similarity of the section texts
  一 / 五 / 六 against the same agency's previous year (every pair, exact) and against
  other agencies of the same year (MinHash/LSH candidates, then ``rapidfuzz``);
- ``coverage(db, expected_agencies)``: which agencies and years are present, missing,
  unreadable or unidentified;
- ``indicators(db, by="report"|"year")``: requests, outcome rates, review/litigation and
  纠正 rates, fees, findings by severity.

Every analysis reads the view ``current_reports`` (one report per agency and year).
``db`` is a database path, a ``Store`` or a DuckDB connection.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from ..standard import load as load_standard
from ..vocab import ValueKind
from .db import norm_agency, open_db

# A cell split from digits that ran together is never evidence of a cross-check (like the
# identities in the audit): its comparisons are not assessable.
INFERRED = ValueKind.INFERRED.value

DUP_SECTIONS = ("s1_overview", "s5_problems", "s6_other")
CELL_FORMATS = ("2021", "2019")      # formats with the national tables (pre-2019 reports have none)


@contextmanager
def _db(db):
    store, own = open_db(db, read_only=True)
    try:
        yield store.con
    finally:
        if own:
            store.close()


def _fmt(v) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return "空"
    f = float(v)
    return str(int(f)) if f.is_integer() else format(f, ".10g")


# ---------------------------------------------------------------------------
# X1 cross-year

def cross_year(db, tolerance: float = 0.0) -> pd.DataFrame:
    """One row per (agency, year N with a report for N−1, 表三 column):
    ``carry_forward_prev`` (N−1's 四、结转下年度继续办理), ``carried_over`` (N's
    二、上年结转), ``diff`` = carried_over − carry_forward_prev and ``status``
    ok | mismatch | not-assessable (a cell is blank, absent or not a number)."""
    std = load_standard()
    cols = pd.DataFrame({"col_key": std.t3_cols, "col_ord": range(len(std.t3_cols)),
                         "col_label": [c.canonical for c in std.t3_columns]})
    with _db(db) as con:
        con.register("_nb_cols", cols)
        try:
            df = con.execute(f"""
                WITH r AS (
                    SELECT report_id, agency, agency_norm, year, format_version, source FROM current_reports
                    WHERE agency_norm IS NOT NULL AND year IS NOT NULL AND format_version IN ('2021', '2019'))
                SELECT c.agency, c.agency_norm, p.year AS prev_year, c.year,
                       k.col_key, k.col_label,
                       cf.value AS carry_forward_prev, cf.kind AS carry_forward_prev_kind,
                       cf.raw AS carry_forward_prev_raw,
                       co.value AS carried_over, co.kind AS carried_over_kind, co.raw AS carried_over_raw,
                       co.value - cf.value AS diff,
                       CASE WHEN cf.value IS NULL OR co.value IS NULL
                                 OR cf.kind = '{INFERRED}' OR co.kind = '{INFERRED}' THEN 'not-assessable'
                            WHEN abs(co.value - cf.value) <= ? THEN 'ok' ELSE 'mismatch' END AS status,
                       p.report_id AS prev_report_id, c.report_id, p.source AS prev_source, c.source,
                       p.format_version AS prev_format_version, c.format_version
                FROM r c JOIN r p ON p.agency_norm = c.agency_norm AND p.year = c.year - 1
                CROSS JOIN _nb_cols k
                LEFT JOIN cells cf ON cf.report_id = p.report_id AND cf.key = 't3.carry_forward.' || k.col_key
                LEFT JOIN cells co ON co.report_id = c.report_id AND co.key = 't3.carried_over.' || k.col_key
                ORDER BY c.agency_norm, c.year, k.col_ord""", [float(tolerance)]).df()
        finally:
            con.unregister("_nb_cols")
    df["message"] = [_x1_message(r) for r in df.itertuples(index=False)]
    return df


def _x1_message(r) -> str:
    head = f"{r.agency}{r.year}年表三“二、上年结转”（{r.col_label}）"
    prev = f"{r.prev_year}年报告“四、结转下年度继续办理”"
    if r.status == "ok":
        return f"{head}与{prev}一致（{_fmt(r.carried_over)}）。"
    if r.status == "mismatch":
        return (f"{head}为 {_fmt(r.carried_over)}，{prev}为 {_fmt(r.carry_forward_prev)}，"
                f"相差 {_fmt(r.diff)}，需说明原因。")
    if INFERRED in (r.carried_over_kind, r.carry_forward_prev_kind):
        return f"{head}或{prev}是由连在一起的数字拆分推断的数，不作为核对依据。"
    return f"{head}或{prev}不是数字（本年：{r.carried_over_raw or '空'}；上年：{r.carry_forward_prev_raw or '空'}），无法核对。"


# ---------------------------------------------------------------------------
# X2 roll-up

_PARENT_NAMES = ("parent", "上级", "上级机关", "汇总机关", "本行政区域", "地区", "区域", "汇总")
_MEMBER_NAMES = ("member", "成员", "成员单位", "下级", "下级机关", "机关", "单位")


def read_membership(path: str | Path) -> pd.DataFrame:
    """A (parent, member) table from CSV (UTF-8 or GB18030) or Excel; headers
    ``parent,member`` or ``上级,成员`` (and similar), else the first two columns."""
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"成员名单文件不存在：{p}")
    if p.suffix.lower() in (".xlsx", ".xlsm"):
        df = pd.read_excel(p, dtype=str)
    else:
        from ..readers.encoding import decode
        text, _ = decode(p.read_bytes())
        import io
        df = pd.read_csv(io.StringIO(text), dtype=str, sep=None, engine="python")
    return membership_frame(df, source=p.name)


def membership_frame(df: pd.DataFrame, source: str = "成员名单") -> pd.DataFrame:
    if df.shape[1] < 2:
        raise ValueError(f"{source}：至少需要两列（汇总机关、成员机关）")
    cols = [str(c).strip() for c in df.columns]
    pi = next((i for i, c in enumerate(cols) if c.lower() in _PARENT_NAMES), None)
    mi = next((i for i, c in enumerate(cols) if c.lower() in _MEMBER_NAMES and i != pi), None)
    if pi is None or mi is None:
        pi, mi = 0, 1
    out = pd.DataFrame({"parent": df.iloc[:, pi], "member": df.iloc[:, mi]}).dropna()
    out["parent"] = out["parent"].astype(str).str.strip()
    out["member"] = out["member"].astype(str).str.strip()
    out = out[(out["parent"] != "") & (out["member"] != "")]
    out["parent_norm"] = out["parent"].map(norm_agency)
    out["member_norm"] = out["member"].map(norm_agency)
    return out.drop_duplicates(["parent_norm", "member_norm"]).reset_index(drop=True)


def rollup(db, parent_agency: str | None = None, year: int | None = None, members: Sequence[str] | None = None,
           membership: str | Path | pd.DataFrame | None = None, tolerance: float = 1e-6) -> pd.DataFrame:
    """X2: for each parent report (``parent_agency`` or every parent of ``membership``;
    ``year`` or every year the parent has a report) and each numeric cell key of its
    format: ``parent_value``, ``members_sum`` (the members' reports of the same year),
    ``diff`` = parent − sum and ``status``: ok | mismatch | incomplete (some members have
    no report or no number and the sums differ) | not-assessable.
    ``df.attrs["members_without_report"]`` lists (parent, year, member) not found."""
    if members is not None:
        if not parent_agency:
            raise ValueError("指定成员机关时须同时指定汇总机关（parent_agency）")
        m = membership_frame(pd.DataFrame({"parent": [parent_agency] * len(members), "member": list(members)}))
    elif membership is not None:
        m = membership if isinstance(membership, pd.DataFrame) and "member_norm" in membership.columns \
            else (membership_frame(membership) if isinstance(membership, pd.DataFrame) else read_membership(membership))
        if parent_agency:
            m = m[m["parent_norm"] == norm_agency(parent_agency)]
    else:
        raise ValueError("请提供成员机关列表（members）或成员名单（membership，CSV：汇总机关,成员机关）")
    m = m[["parent", "member", "parent_norm", "member_norm"]].reset_index(drop=True)
    with _db(db) as con:
        con.register("_nb_m", m)
        try:
            yf = "" if year is None else f"AND year = {int(year)}"
            df = con.execute(f"""
                WITH pr AS (
                    SELECT report_id, agency, agency_norm, year, format_version, source FROM current_reports
                    WHERE agency_norm IN (SELECT parent_norm FROM _nb_m) AND year IS NOT NULL {yf}),
                mr AS (
                    SELECT pr.report_id AS parent_id, m.member, m.member_norm, r.report_id
                    FROM pr JOIN _nb_m m ON m.parent_norm = pr.agency_norm
                    LEFT JOIN current_reports r ON r.agency_norm = m.member_norm AND r.year = pr.year),
                nm AS (SELECT parent_id, count(*) AS n_members, count(report_id) AS n_members_found
                       FROM mr GROUP BY parent_id),
                ms AS (
                    SELECT mr.parent_id, c.key, sum(c.value) AS members_sum, count(c.value) AS n_members_with_value,
                           list(mr.member ORDER BY mr.member) FILTER (WHERE c.value IS NULL) AS members_blank
                    FROM mr JOIN (SELECT report_id, key, CASE WHEN kind = '{INFERRED}' THEN NULL ELSE value END AS value
                                  FROM cells) c ON c.report_id = mr.report_id
                    GROUP BY mr.parent_id, c.key)
                SELECT pr.agency AS parent, pr.agency_norm AS parent_norm, pr.year, pr.format_version,
                       c.key, c."table", c.row_key, c.col_key,
                       c.value AS parent_value, c.kind AS parent_kind,
                       ms.members_sum, coalesce(ms.n_members_with_value, 0) AS n_members_with_value,
                       nm.n_members, nm.n_members_found,
                       c.value - ms.members_sum AS diff,
                       ms.members_blank,
                       pr.report_id AS parent_id, pr.source
                FROM pr JOIN cells c ON c.report_id = pr.report_id
                JOIN nm ON nm.parent_id = pr.report_id
                LEFT JOIN ms ON ms.parent_id = pr.report_id AND ms.key = c.key
                ORDER BY pr.agency_norm, pr.year, c.key""").df()
            missing = con.execute(f"""
                SELECT pr.agency AS parent, pr.year, m.member
                FROM (SELECT * FROM current_reports WHERE agency_norm IN (SELECT parent_norm FROM _nb_m)
                      AND year IS NOT NULL {yf}) pr
                JOIN _nb_m m ON m.parent_norm = pr.agency_norm
                WHERE NOT EXISTS (SELECT 1 FROM current_reports r WHERE r.agency_norm = m.member_norm
                                  AND r.year = pr.year)
                ORDER BY pr.agency_norm, pr.year, m.member""").df()
        finally:
            con.unregister("_nb_m")
    std = load_standard()
    status, labels_r, labels_c, msgs, missing_lists = [], [], [], [], []
    miss_by: dict[Any, Any] = {}
    for r in missing.itertuples(index=False):
        miss_by.setdefault((r.parent, r.year), []).append(r.member)
    for r in df.itertuples(index=False):
        try:
            rl, cl = std.label_of(r.key, r.format_version or "2021")
        except (KeyError, StopIteration):
            rl, cl = r.row_key, r.col_key
        labels_r.append(rl)
        labels_c.append(cl)
        blank = list(r.members_blank) if isinstance(r.members_blank, (list, tuple, np.ndarray)) else []
        miss = sorted(set(miss_by.get((r.parent, r.year), [])) | set(blank))
        missing_lists.append("、".join(miss))
        complete = r.n_members_with_value == r.n_members
        if pd.isna(r.parent_value) or r.parent_kind == INFERRED or r.n_members_with_value == 0:
            st = "not-assessable"
        elif abs(r.diff) <= tolerance:
            st = "ok"
        elif complete:
            st = "mismatch"
        else:
            st = "incomplete"
        status.append(st)
        where = f"{r.parent}{r.year}年“{rl}”" + (f"（{cl}）" if cl else "")
        if st == "ok":
            msgs.append(f"{where}等于 {r.n_members_with_value} 个成员之和（{_fmt(r.parent_value)}）。")
        elif st == "mismatch":
            msgs.append(f"{where}为 {_fmt(r.parent_value)}，{r.n_members} 个成员之和为 {_fmt(r.members_sum)}，"
                        f"相差 {_fmt(r.diff)}。")
        elif st == "incomplete":
            msgs.append(f"{where}为 {_fmt(r.parent_value)}，有数值的 {r.n_members_with_value}/{r.n_members} 个成员"
                        f"之和为 {_fmt(r.members_sum)}；缺少：{'、'.join(miss) or '—'}。")
        else:
            msgs.append(f"{where}：汇总报告或成员报告中没有数值，无法核对。")
    df["status"] = status
    df["row_label"] = labels_r
    df["column_label_std"] = labels_c
    df["members_missing"] = missing_lists
    df["message"] = msgs
    df = df.drop(columns=["members_blank"])
    front = ["parent", "year", "key", "row_label", "column_label_std", "parent_value", "members_sum", "diff", "status",
             "n_members", "n_members_found", "n_members_with_value", "members_missing", "message"]
    df = df[front + [c for c in df.columns if c not in front]]
    df.attrs["members_without_report"] = missing.to_dict("records")
    return df


# ---------------------------------------------------------------------------
# X3 duplication (内容雷同)

_NOT_TEXT = re.compile(r"[\W\d_]+")


def norm_text(text: str | None) -> str:
    """Text for similarity: NFKC, lower case, without whitespace, punctuation, symbols and
    digits (so a copy with this year's numbers filled in still counts as a copy)."""
    if not text:
        return ""
    return _NOT_TEXT.sub("", unicodedata.normalize("NFKC", text)).lower()


_M1, _M2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser (uint64 → well-mixed uint64)."""
    x = x ^ (x >> np.uint64(30))
    x = x * _M1
    x = x ^ (x >> np.uint64(27))
    x = x * _M2
    return x ^ (x >> np.uint64(31))


class MinHasher:
    """MinHash signatures over character k-shingles, with LSH banding.

    ``bands × rows`` hash functions; two texts become candidates when one band agrees.
    With k=3, 40 bands of 3: a pair with Jaccard 0.5 is a candidate with probability
    > 0.99 (texts with ``fuzz.ratio`` ≥ 0.9 have Jaccard ≥ 0.54 even when the edits are
    scattered), one with Jaccard 0.15 with probability 0.13.
    """

    def __init__(self, k: int = 3, bands: int = 40, rows: int = 3, seed: int = 0):
        self.k, self.bands, self.rows = k, bands, rows
        n = bands * rows
        rng = np.random.default_rng(seed)
        self.a = (rng.integers(1, 2 ** 63, size=n, dtype=np.uint64) << np.uint64(1)) | np.uint64(1)
        self.b = rng.integers(0, 2 ** 63, size=n, dtype=np.uint64)

    def shingles(self, s: str) -> np.ndarray:
        cp = np.frombuffer(s.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        k = self.k
        if len(cp) < k:
            cp = np.concatenate([cp, np.zeros(k - len(cp), np.uint64)])
        h = np.zeros(len(cp) - k + 1, np.uint64)
        for j in range(k):
            h = h * np.uint64(1_000_003) + cp[j: len(cp) - k + 1 + j]
        return np.unique(_mix(h))

    def signature(self, s: str) -> np.ndarray:
        sh = self.shingles(s)
        out = np.full(self.a.shape[0], np.iinfo(np.uint64).max, np.uint64)
        for i in range(0, len(sh), 4096):
            part = sh[i:i + 4096]
            v = (self.a[:, None] * part[None, :] + self.b[:, None]) >> np.uint64(32)
            np.minimum(out, v.min(axis=1), out=out)
        return out

    def signatures(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.a.shape[0]), np.uint64)
        return np.vstack([self.signature(t) for t in texts])

    def candidates(self, sig: np.ndarray, groups: np.ndarray | None = None) -> np.ndarray:
        """Pairs (i, j), i < j, sharing a band (and a group, when given), shape (n, 2)."""
        n = sig.shape[0]
        if n < 2:
            return np.zeros((0, 2), np.int64)
        found = []
        for b in range(self.bands):
            block = sig[:, b * self.rows:(b + 1) * self.rows]
            if groups is not None:
                block = np.column_stack([block, groups.astype(np.uint64)])
            block = np.ascontiguousarray(block)
            keys = block.view(np.dtype((np.void, block.dtype.itemsize * block.shape[1]))).ravel()
            order = np.argsort(keys, kind="stable")
            sk = keys[order]
            starts = np.flatnonzero(np.r_[True, sk[1:] != sk[:-1]])
            ends = np.r_[starts[1:], n]
            for s, e in zip(starts, ends):
                if e - s > 1:
                    idx = np.sort(order[s:e])
                    iu, ju = np.triu_indices(e - s, k=1)
                    found.append(np.stack([idx[iu], idx[ju]], axis=1))
        if not found:
            return np.zeros((0, 2), np.int64)
        pairs = np.unique(np.concatenate(found), axis=0)
        return pairs.astype(np.int64)


def _jaccard_floor(threshold: float, k: int) -> float:
    """A lower bound (with margin) of shingle Jaccard for texts with ratio ≥ threshold."""
    s = k * (1.0 - threshold)
    return max(0.0, (1 - s) / (1 + s) - 0.15) if s < 1 else 0.0


def duplication(db, threshold: float = 0.9, sections: Sequence[str] = DUP_SECTIONS, min_chars: int = 100,
                scopes: Sequence[str] = ("prev_year", "peer"), all_prev_year: bool = False,
                seed: int = 0) -> pd.DataFrame:
    """X3 内容雷同: pairs of section texts with ``similarity`` (``fuzz.ratio`` of the
    normalised texts, 0–1) ≥ ``threshold``.

    - ``prev_year``: the same agency, years N−1 (side a) and N (side b) — every pair is
      compared (``all_prev_year=True`` returns them all, with ``flagged``);
    - ``peer``: different agencies, the same year — candidates from MinHash/LSH over
      character 3-shingles and a length bound, so a large corpus is not compared pair by
      pair; identical texts are grouped first.
    Texts shorter than ``min_chars`` (normalised) are skipped (short boilerplate such as
    “无” is not a sign of copying).
    """
    std = load_standard()
    titles = {s.key: s.canonical for s in std.sections}
    cols = ["section", "section_title", "scope", "scope_zh", "similarity", "flagged",
            "agency_a", "year_a", "agency_b", "year_b", "chars_a", "chars_b",
            "report_id_a", "report_id_b", "source_a", "source_b"]
    hasher = MinHasher(seed=seed)
    jfloor = _jaccard_floor(threshold, hasher.k)
    cutoff = threshold * 100.0
    out: list[tuple] = []

    def add(scope: str, a, b, sim: float) -> None:
        out.append((a.section, titles.get(a.section, a.section), scope, None, round(sim, 4), sim >= threshold,
                    a.agency, int(a.year), b.agency, int(b.year), int(a.nchars), int(b.nchars),
                    a.report_id, b.report_id, a.source, b.source))

    def load_section(con, section: str) -> pd.DataFrame:
        """One section's texts (normalised; the printed text is dropped to save memory)."""
        g = con.execute("""
            SELECT s.report_id, s.key AS section, s.text, r.agency, r.agency_norm, r.year, r.source
            FROM sections s JOIN current_reports r USING (report_id)
            WHERE s.key = ? AND r.year IS NOT NULL
            ORDER BY r.year, r.agency_norm, r.report_id""", [section]).df()
        g["norm"] = g["text"].map(norm_text)
        g = g.drop(columns=["text"])
        g["nchars"] = g["norm"].str.len()
        g = g[g["nchars"] >= min_chars].reset_index(drop=True)
        g["akey"] = g["agency_norm"].fillna("#" + g["report_id"])
        return g

    with _db(db) as con:
        for section in sorted(set(sections)):
            _dup_section(load_section(con, section), scopes, all_prev_year, threshold, cutoff, jfloor, hasher, add)
    df = pd.DataFrame(out, columns=cols)
    from .labels import SCOPE_ZH
    df["scope_zh"] = df["scope"].map(SCOPE_ZH)
    df = df.drop_duplicates(["section", "scope", "report_id_a", "report_id_b"])
    return df.sort_values(["similarity", "section", "year_b", "agency_a"], ascending=[False, True, True, True],
                          ignore_index=True)


def _dup_section(g: pd.DataFrame, scopes, all_prev_year: bool, threshold: float, cutoff: float, jfloor: float,
                 hasher: MinHasher, add) -> None:
    """X3 within one section's texts (see ``duplication``)."""
    if g.empty:
        return
    g = g.reset_index(drop=True)
    rows = list(g.itertuples(index=False))
    if "prev_year" in scopes:
        for _, ag in g[g["agency_norm"].notna()].groupby("agency_norm"):
            by_year = {int(r.year): r for r in ag.itertuples(index=False)}
            for y, b in by_year.items():
                a = by_year.get(y - 1)
                if a is None:
                    continue
                sim = fuzz.ratio(a.norm, b.norm, score_cutoff=None if all_prev_year else cutoff) / 100.0
                if all_prev_year or sim >= threshold:
                    add("prev_year", a, b, sim)
    if "peer" not in scopes:
        return
    # identical texts first: one representative per (year, text)
    g["text_key"] = [hashlib.blake2b(t.encode("utf-8"), digest_size=12).hexdigest() for t in g["norm"]]
    reps = g.drop_duplicates(["year", "text_key"]).reset_index(drop=True)
    members = {k: list(v) for k, v in g.groupby(["year", "text_key"]).indices.items()}

    def emit(i_rows: list[int], j_rows: list[int], sim: float) -> None:
        for i in i_rows:
            for j in j_rows:
                a, b = rows[i], rows[j]
                if a.akey == b.akey:
                    continue
                if (a.akey, a.report_id) > (b.akey, b.report_id):
                    a, b = b, a
                add("peer", a, b, sim)

    for key, idx in members.items():           # the same text printed by several agencies
        if len(idx) > 1:
            for x in range(len(idx)):
                emit([idx[x]], idx[x + 1:], 1.0)
    if len(reps) < 2:
        return
    sig = hasher.signatures(list(reps["norm"]))
    pairs = hasher.candidates(sig, groups=reps["year"].to_numpy(dtype=np.int64))
    if len(pairs) == 0:
        return
    li = reps["nchars"].to_numpy()
    la, lb = li[pairs[:, 0]], li[pairs[:, 1]]
    keep = 2.0 * np.minimum(la, lb) / (la + lb) >= threshold          # ratio ≤ 2·min/(la+lb)
    pairs = pairs[keep]
    if len(pairs) and jfloor > 0:
        est = np.empty(len(pairs))
        for s in range(0, len(pairs), 20000):
            p = pairs[s:s + 20000]
            est[s:s + 20000] = (sig[p[:, 0]] == sig[p[:, 1]]).mean(axis=1)
        pairs = pairs[est >= jfloor]
    norms = list(reps["norm"])
    ryear, rkey = list(reps["year"]), list(reps["text_key"])
    for i, j in pairs:
        sim = fuzz.ratio(norms[i], norms[j], score_cutoff=cutoff) / 100.0
        if sim >= threshold:
            emit(members[(ryear[i], rkey[i])], members[(ryear[j], rkey[j])], sim)


def similarity_matrix(texts: Sequence[str]) -> np.ndarray:
    """All-pairs ``fuzz.ratio`` (0–1) of normalised texts — for small sets and checks."""
    norms = [norm_text(t) for t in texts]
    return process.cdist(norms, norms, scorer=fuzz.ratio, dtype=np.float32) / 100.0


# ---------------------------------------------------------------------------
# Coverage

def coverage(db, expected_agencies: Iterable[str] | None = None, years: Iterable[int] | None = None) -> pd.DataFrame:
    """Per agency and year: ``present`` (with the report and the number of versions) or
    ``missing``; then files that could not be read (``unreadable``) and reports whose
    agency or year was not recognised (``unidentified``).

    Years: ``years``, else every year from the first to the last in the database — and,
    when no list of expected agencies is given, for each agency from its own first report
    on (a gap or a stop is missing; years before it started are not).
    Agencies: ``expected_agencies`` (matched after removing whitespace), plus any agency
    present in the database (``is_expected`` False when a list was given). A missing
    expected agency with no report at all gets ``closest``: the most similar agency name
    in the database (a spelling difference rather than a missing report?)."""
    with _db(db) as con:
        present = con.execute("""
            SELECT r.agency_norm, r.year, any_value(c.agency) AS agency, count(*) AS n_versions,
                   any_value(c.report_id) AS report_id, any_value(c.source) AS source,
                   any_value(c.format_version) AS format_version, any_value(c.n_errors) AS n_errors
            FROM reports r JOIN current_reports c ON c.agency_norm = r.agency_norm AND c.year = r.year
            WHERE r.agency_norm IS NOT NULL AND r.year IS NOT NULL
            GROUP BY r.agency_norm, r.year""").df()
        unident = con.execute("""
            SELECT agency, year, report_id, source, format_version, n_errors FROM reports
            WHERE agency_norm IS NULL OR year IS NULL ORDER BY source""").df()
        errors = con.execute("SELECT source, message FROM errors ORDER BY source").df()
    given_years = years is not None
    if years is None:
        ys = sorted(int(y) for y in present["year"].unique())
        years = list(range(ys[0], ys[-1] + 1)) if ys else []
    years = sorted({int(y) for y in years})
    names: dict[str, str] = {}
    expected_set: set[str] | None = None
    if expected_agencies is not None:
        expected_set = set()
        for a in expected_agencies:
            n = norm_agency(str(a))
            if n:
                expected_set.add(n)
                names.setdefault(n, str(a).strip())
    for r in present.itertuples(index=False):
        names.setdefault(r.agency_norm, r.agency)
    have = {(r.agency_norm, int(r.year)): r for r in present.itertuples(index=False)}
    present_names = sorted({r.agency_norm for r in present.itertuples(index=False)})
    closest_cache: dict[str, str | None] = {}

    def closest(n: str) -> str | None:
        if n not in closest_cache:
            others = [p for p in present_names if p != n]
            hit = process.extractOne(n, others, scorer=fuzz.ratio, score_cutoff=80) if others else None
            closest_cache[n] = names.get(hit[0], hit[0]) if hit else None
        return closest_cache[n]

    rows: list[tuple[Any, ...]] = []
    agencies = sorted(set(names), key=lambda n: (expected_set is not None and n not in expected_set, n))
    first_year: dict[str, int] = {}
    for (n, y) in have:
        first_year[n] = min(y, first_year.get(n, y))
    for n in agencies:
        is_exp = None if expected_set is None else (n in expected_set)
        any_present = any((n, y) in have for y in years)
        # Without a list of expected agencies, an agency is expected from its first report on.
        ys = years if (expected_set is not None or given_years) else [y for y in years if y >= first_year.get(n, y)]
        for y in ys:
            r = have.get((n, y))
            if r is not None:
                rows.append((names[n], n, y, "present", is_exp, int(r.n_versions), r.report_id, r.source,
                             r.format_version, r.n_errors, None, None))
            elif expected_set is None or n in expected_set:
                rows.append((names[n], n, y, "missing", is_exp, 0, None, None, None, None,
                             None if any_present else closest(n), None))
        # years outside the range (when ``years`` was given) are not listed
    for r in unident.itertuples(index=False):
        rows.append((r.agency, norm_agency(r.agency), None if pd.isna(r.year) else int(r.year), "unidentified",
                     None, 1, r.report_id, r.source, r.format_version, r.n_errors, None,
                     "未识别机关名称" if not r.agency else "未识别年度"))
    for r in errors.itertuples(index=False):
        rows.append((None, None, None, "unreadable", None, 0, None, r.source, None, None, None, r.message))
    df = pd.DataFrame(rows, columns=["agency", "agency_norm", "year", "status", "is_expected", "n_versions",
                                     "report_id", "source", "format_version", "n_errors", "closest", "message"])
    df["year"] = df["year"].astype("Int64")
    df["n_errors"] = df["n_errors"].astype("Int64")
    return df


# ---------------------------------------------------------------------------
# Indicators

_INDICATOR_SQL = """
WITH v AS (
    SELECT c.report_id,
        max(value) FILTER (WHERE key = 't3.new.total') AS requests_new,
        max(value) FILTER (WHERE key = 't3.carried_over.total') AS requests_carried_over,
        max(value) FILTER (WHERE key = 't3.result_total.total') AS results_total,
        max(value) FILTER (WHERE key = 't3.granted.total') AS granted,
        max(value) FILTER (WHERE key = 't3.partial.total') AS partial,
        sum(value) FILTER (WHERE "table" = 't3' AND row_key LIKE 'withheld.%' AND col_key = 'total') AS withheld,
        sum(value) FILTER (WHERE "table" = 't3' AND row_key LIKE 'unavailable.%' AND col_key = 'total') AS unavailable,
        sum(value) FILTER (WHERE "table" = 't3' AND row_key LIKE 'not_processed.%' AND col_key = 'total') AS not_processed,
        sum(value) FILTER (WHERE "table" = 't3' AND (row_key = 'other' OR row_key LIKE 'other.%')
                           AND col_key = 'total') AS other_processed,
        max(value) FILTER (WHERE key = 't3.carry_forward.total') AS carry_forward,
        max(value) FILTER (WHERE key = 't4.review.total') AS review_total,
        max(value) FILTER (WHERE key = 't4.review.corrected') AS review_corrected,
        max(value) FILTER (WHERE key = 't4.review.pending') AS review_pending,
        sum(value) FILTER (WHERE key IN ('t4.suit_direct.total', 't4.suit_after_review.total')) AS suit_total,
        sum(value) FILTER (WHERE key IN ('t4.suit_direct.corrected', 't4.suit_after_review.corrected')) AS suit_corrected,
        sum(value) FILTER (WHERE key IN ('t4.suit_direct.pending', 't4.suit_after_review.pending')) AS suit_pending,
        max(value) FILTER (WHERE key = 't2.fees.amount') AS fee_amount
    FROM cells c WHERE c.report_id IN (SELECT report_id FROM current_reports)
    GROUP BY c.report_id)
SELECT r.agency, r.year, r.format_version,
    v.requests_new, v.requests_carried_over,
    v.requests_new + coalesce(v.requests_carried_over, 0) AS requests_total,
    v.results_total, v.granted, v.partial, v.withheld, v.unavailable, v.not_processed, v.other_processed,
    v.carry_forward,
    v.granted / nullif(v.results_total, 0) AS granted_rate,
    v.partial / nullif(v.results_total, 0) AS partial_rate,
    v.withheld / nullif(v.results_total, 0) AS withheld_rate,
    v.unavailable / nullif(v.results_total, 0) AS unavailable_rate,
    v.not_processed / nullif(v.results_total, 0) AS not_processed_rate,
    v.review_total, v.review_corrected, v.review_pending,
    v.review_corrected / nullif(v.review_total - coalesce(v.review_pending, 0), 0) AS review_corrected_rate,
    v.suit_total, v.suit_corrected, v.suit_pending,
    v.suit_corrected / nullif(v.suit_total - coalesce(v.suit_pending, 0), 0) AS suit_corrected_rate,
    (coalesce(v.review_corrected, 0) + coalesce(v.suit_corrected, 0))
        / nullif(coalesce(v.review_total, 0) - coalesce(v.review_pending, 0)
                 + coalesce(v.suit_total, 0) - coalesce(v.suit_pending, 0), 0) AS corrected_rate,
    v.fee_amount,
    r.n_errors, r.n_warnings, r.n_info,
    r.report_id, r.source
FROM current_reports r LEFT JOIN v USING (report_id)
ORDER BY r.year, r.agency_norm, r.report_id
"""

_BY_YEAR_SQL = """
SELECT year, count(*) AS n_reports, count(DISTINCT agency) AS n_agencies,
    sum(requests_new) AS requests_new, sum(requests_carried_over) AS requests_carried_over,
    sum(requests_total) AS requests_total, sum(results_total) AS results_total,
    sum(granted) AS granted, sum(partial) AS partial, sum(withheld) AS withheld,
    sum(unavailable) AS unavailable, sum(not_processed) AS not_processed, sum(other_processed) AS other_processed,
    sum(carry_forward) AS carry_forward,
    sum(granted) FILTER (WHERE results_total > 0) / nullif(sum(results_total) FILTER (WHERE results_total > 0), 0) AS granted_rate,
    sum(partial) FILTER (WHERE results_total > 0) / nullif(sum(results_total) FILTER (WHERE results_total > 0), 0) AS partial_rate,
    sum(withheld) FILTER (WHERE results_total > 0) / nullif(sum(results_total) FILTER (WHERE results_total > 0), 0) AS withheld_rate,
    sum(unavailable) FILTER (WHERE results_total > 0) / nullif(sum(results_total) FILTER (WHERE results_total > 0), 0) AS unavailable_rate,
    sum(not_processed) FILTER (WHERE results_total > 0) / nullif(sum(results_total) FILTER (WHERE results_total > 0), 0) AS not_processed_rate,
    sum(review_total) AS review_total, sum(review_corrected) AS review_corrected, sum(review_pending) AS review_pending,
    sum(review_corrected) / nullif(sum(review_total) - coalesce(sum(review_pending), 0), 0) AS review_corrected_rate,
    sum(suit_total) AS suit_total, sum(suit_corrected) AS suit_corrected, sum(suit_pending) AS suit_pending,
    sum(suit_corrected) / nullif(sum(suit_total) - coalesce(sum(suit_pending), 0), 0) AS suit_corrected_rate,
    sum(fee_amount) AS fee_amount,
    sum(n_errors) AS n_errors, sum(n_warnings) AS n_warnings, sum(n_info) AS n_info,
    count(*) FILTER (WHERE n_errors > 0) AS reports_with_errors,
    avg(n_errors) AS errors_per_report
FROM _nb_ind GROUP BY year ORDER BY year NULLS LAST
"""


def indicators(db, by: str = "report") -> pd.DataFrame:
    """Per report (``by="report"``) or per year (``by="year"``, over one report per agency).

    Counts are the 表三 总计 column; rates are shares of （七）总计 (办理结果总计);
    纠正率 = 结果纠正 / (总计 − 尚未审结), i.e. among concluded cases; the fee is
    表二 行政事业性收费 in 万元 (2021 format only). A rate is empty when its denominator is
    0 or not printed. Per year, rates are pooled (sum of parts / sum of totals)."""
    if by not in ("report", "year"):
        raise ValueError("by 只能是 report 或 year")
    with _db(db) as con:
        df = con.execute(_INDICATOR_SQL).df()
        if by == "report":
            return df
        con.register("_nb_ind", df)
        try:
            return con.execute(_BY_YEAR_SQL).df()
        finally:
            con.unregister("_nb_ind")


ANALYSES = {
    "cross-year": cross_year,
    "duplication": duplication,
    "coverage": coverage,
    "indicators": indicators,
    "rollup": rollup,
}
