"""Format version from content (format.md §2.1): 2021, 2019 or pre2019.

Decided by what the tables print, not by the year alone: 表二 column headers
(本年制发件数 vs 本年新制作数量), （六）其他处理 sub-rows, the 第二十条第（九）项 block,
and the absence of the applicant matrix with the old statistics labels for pre-2019
reports. The year only decides when the document has no tables at all.
"""
from __future__ import annotations

from ..model import FORMAT_2019, FORMAT_2021, FORMAT_PRE2019
from ..standard import Standard


def detect(std: Standard, table_text: str, all_text: str, year: int | None) -> tuple[str | None, dict]:
    """Return (version, evidence). ``table_text`` and ``all_text`` are folded."""
    mk = std.version_markers
    hits = {v: [m for m in mk[v] if m in table_text] for v in (FORMAT_2021, FORMAT_2019)}
    pre = [m for m in mk[FORMAT_PRE2019] if m in all_text]
    matrix = sum(1 for m in mk["matrix"] if m in table_text) >= 2
    ev = {"markers_2021": hits[FORMAT_2021], "markers_2019": hits[FORMAT_2019], "markers_pre2019": pre,
          "applicant_matrix": matrix}
    if matrix or hits[FORMAT_2021] or hits[FORMAT_2019]:
        if len(hits[FORMAT_2019]) > len(hits[FORMAT_2021]):
            return FORMAT_2019, ev
        return FORMAT_2021, ev
    if pre or (year is not None and year <= 2018):
        return FORMAT_PRE2019, ev
    if year is not None:
        return (FORMAT_2021 if year >= 2021 else FORMAT_2019), ev | {"by_year": True}
    return None, ev
