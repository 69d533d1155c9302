"""Value domain of table cells (format.md §5.1 DOM).

Owns: DOM-INT (count cells are non-negative integers), DOM-FEE (表二 行政事业性收费 is a
non-negative amount in 万元) and CELL-BLANK (blank, not-applicable or unreadable cells:
reported as not assessable, never read as 0).
"""
from __future__ import annotations

from ...model import FORMAT_PRE2019, Report
from ...normalize import KIND_BLANK, KIND_NA, KIND_TEXT
from .. import cells as C
from ..finding import ERROR, NOT_ASSESSABLE, WARNING, Finding
from .base import Rule, register


def _value_keys(report: Report) -> list[str]:
    if report.format_version == FORMAT_PRE2019:
        return []
    return C.all_keys(report)


@register
class CountDomain(Rule):
    code = "DOM-INT"
    severity = ERROR
    family = "domain"
    group = "t3"
    title = "计数为非负整数"
    description = "表二件数、表三、表四各单元格是件数，必须是非负整数；出现负数、小数或文字即为错误。"
    basis = "format.md §5.1 DOM；表格各项均以“件”计。2019年格式的“本年增/减”可为负数。"

    def check(self, report: Report) -> list[Finding]:
        s, ver = C.std(), C.version(report)
        dec, signed = s.decimal_keys(ver), s.signed_keys(ver)
        out = []
        for k in _value_keys(report):
            if k in dec:
                continue
            c = report.cells.get(k)
            if c is None:
                continue
            grp = C.group_of(k)
            if c.kind == KIND_TEXT:
                out.append(self.finding(k, f"{C.describe(report, k)}印为“{c.raw}”，不是整数件数。", group=grp,
                                        cells=[C.cell_info(report, k)], expected="非负整数", actual=c.raw))
            elif c.is_number and c.value is not None and k not in signed and c.value < 0:
                out.append(self.finding(k, f"{C.describe(report, k)}为负数{C.fmt(c.value)}，件数不能为负。", group=grp,
                                        cells=[C.cell_info(report, k)], expected="≥0", actual=c.value))
            elif c.is_number and isinstance(c.value, float) and c.value != int(c.value):
                out.append(self.finding(k, f"{C.describe(report, k)}为小数{C.fmt(c.value)}，件数应为整数。", group=grp,
                                        cells=[C.cell_info(report, k)], expected="整数", actual=c.value))
        return out


@register
class FeeDomain(Rule):
    code = "DOM-FEE"
    severity = ERROR
    family = "domain"
    group = "t2"
    title = "收费金额为非负数（万元）"
    description = "表二第二十条第（八）项“本年收费金额（单位：万元）”是以万元计的金额，必须是非负数，可以有小数。"
    basis = "国办公开办函〔2021〕30号格式表二；format.md §4.1、§5.1 DOM。"

    def check(self, report: Report) -> list[Finding]:
        out = []
        for k in sorted(C.std().decimal_keys(C.version(report))):
            if report.format_version == FORMAT_PRE2019:
                break
            c = report.cells.get(k)
            if c is None:
                continue
            if c.kind == KIND_TEXT:
                out.append(self.finding(k, f"{C.describe(report, k)}印为“{c.raw}”，不是金额数字。",
                                        cells=[C.cell_info(report, k)], expected="非负金额（万元）", actual=c.raw))
            elif c.is_number and c.value is not None and c.value < 0:
                out.append(self.finding(k, f"{C.describe(report, k)}为负数{C.fmt(c.value)}，收费金额不能为负。",
                                        cells=[C.cell_info(report, k)], expected="≥0", actual=c.value))
        return out


@register
class BlankCells(Rule):
    code = "CELL-BLANK"
    severity = WARNING
    family = "domain"
    group = "t3"
    title = "空白或不适用的单元格"
    description = ("单元格空白、填“/”“—”“无”等符号或无法识别时，不按0处理：报告为“无法核对”，"
                   "涉及的勾稽关系另行标为无法核对。")
    basis = "format.md §8.1、§8.2 第4条（空白单元格不静默按0计）。"
    handles = ("blank-cell",)

    def check(self, report: Report) -> list[Finding]:
        out = []
        for table in ("t2", "t3", "t4"):
            if report.format_version == FORMAT_PRE2019:
                break
            keys = C.table_keys(report, table)
            odd = [k for k in keys if k in report.cells and report.cells[k].kind in (KIND_BLANK, KIND_NA)]
            if not odd:
                continue
            kinds: dict[str, list[str]] = {}
            for k in odd:
                kinds.setdefault(report.cells[k].kind, []).append(k)
            desc = "；".join(f"{C.KIND_ZH[kd]}{len(ks)}个" for kd, ks in kinds.items())
            names = "、".join(C.describe(report, k) for k in odd[:5]) + (f"等{len(odd)}个单元格" if len(odd) > 5 else "")
            out.append(self.finding(
                table, f"{C.TABLE_ZH[table]}有{len(odd)}个单元格不是数字（{desc}）：{names}。未按0处理，相关核对标为无法核对。",
                status=NOT_ASSESSABLE, group=table, cells=[C.cell_info(report, k) for k in odd],
                expected="数字（没有发生时填0）", actual=desc, evidence={"kinds": kinds}))
        return out
