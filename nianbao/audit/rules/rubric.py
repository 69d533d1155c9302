"""Evaluator rubric items that can be tested on the text (format.md §10.2, §5.5 TT5).

Owns: RUB-S1 (一、总体情况 covers its five topics), RUB-S5 (五 says how last year's
problems were addressed, in its common forms: 上年度问题整改情况, 针对上年度报告中指出的不足，
今年我局着力…, 2022年度改进情况 …), RUB-S6 (六 states the 信息处理费 position under
国办函〔2020〕109号 — a mention of 表二's 行政事业性收费 does not count) and RUB-TIME
(published on time, when the publication date is known, by the agency's kind:
条例第四十九条 部门 1月31日, 本级政府 3月31日; 乡镇、街道 by local rule, configurable in
``DEADLINES``). Keyword lists are content requirements, not labels of the standard.
"""
from __future__ import annotations

import re
from datetime import date

from ...model import FORMAT_PRE2019, Report
from ...normalize import squash
from .. import cells as C
from ..textnums import own_level
from ..finding import INFO, WARNING, Finding
from .base import Rule, register

S1_TOPICS: list[tuple[str, tuple[str, ...]]] = [
    ("主动公开", ("主动公开",)),
    ("依申请公开", ("依申请", "公开申请")),
    ("政府信息管理", ("信息管理", "管理", "审核", "审查")),
    ("平台建设", ("平台", "网站", "公众号", "专栏")),
    ("监督保障", ("监督", "保障", "考核", "培训", "责任追究")),
]
FEE_RE = re.compile(r"信息处理费|处理费|收费通知|缴费通知|109\s*号")
OTHER_FEE_RE = re.compile(r"行政事业性收费|收费金额")


def _s(report: Report, key: str):
    return report.sections.get(key)


def _title(report: Report, key: str) -> str:
    s = report.sections.get(key)
    if s is not None and s.title:
        return C.tidy(s.title)
    return next((e.canonical for e in C.std().sections if e.key == key), key)


def _src(report: Report, key: str) -> list[dict]:
    s = report.sections.get(key)
    return [s.source.to_dict()] if s is not None and s.source is not None else []


_PREV = r"(?:上年度|上一年度|上一年|上年|去年|前一年|往年|以往年度|{py}\s*年度?)(?!结转|转入)"
_ACT = r"(?:整改|改进|落实|解决|改善|完善|着力|纠正|补齐|弥补|提升|加强|推进|优化|已|均已)"
_ISSUE = r"(?:问题|不足|短板|意见|建议|差距|薄弱)"


def follow_up(text: str, year: int | None) -> bool:
    """Does section 五 say how last year's problems were addressed (in one of its usual forms)?"""
    py = str(year - 1) if year else "(?:19|20)\\d{2}"
    prev = _PREV.format(py=py)
    forms = (
        rf"{prev}[^。]{{0,60}}?{_ACT}",                                   # 上年度问题已整改; 2022年度改进情况
        rf"(?:针对|对照|就|对于|关于)[^。]{{0,12}}?{prev}[^。]{{0,30}}?{_ISSUE}",   # 针对上年度报告中指出的不足
        rf"{prev}[^。]{{0,30}}?{_ISSUE}[^。]{{0,30}}?(?:得到|有所|明显|逐步)",
    )
    return any(re.search(f, text) for f in forms)


# Publication deadlines (month, day of the year after the report year) by the agency's kind,
# 条例第四十九条; 乡镇、街道 have none in the 条例 (local notices set one): None = not checked.
DEADLINES: dict[str, tuple[int, int] | None] = {"department": (1, 31), "government": (3, 31), "township": None}
_GOV_RE = re.compile(r"(?:人民政府|政府|行政公署|综合实验区|实验区|示范区|新区|开发区|高新区|自贸区|管委会|管理委员会)$")
_DEPT_RE = re.compile(r"(?:局|委|委员会|办公室|办|厅|署|院|中心|所|站|队|处|部|会)$")


def agency_kind(agency: str | None) -> str | None:
    """township | government (本级政府) | department | None (cannot tell)."""
    if not agency:
        return None
    a = agency.strip()
    if own_level(a) in ("镇", "乡", "街道") or a.endswith("街道办事处"):
        return "township"
    if _GOV_RE.search(a):
        return "government"
    if _DEPT_RE.search(a):
        return "department"
    return None


class RubricRule(Rule):
    severity = WARNING
    family = "rubric"
    group = "rubric"


@register
class OverviewTopics(RubricRule):
    code = "RUB-S1"
    title = "总体情况涵盖五方面内容"
    description = "“一、总体情况”应概述主动公开、依申请公开、政府信息管理、政府信息公开平台建设、监督保障五方面情况，缺哪一方面就报告哪一方面。"
    basis = "国办公开办函〔2021〕30号格式对总体情况的要求；条例第五十条（内容“不能遗漏，也不宜泛化”）；format.md §3.2、§10.2 R10。"

    def check(self, report: Report) -> list[Finding]:
        if report.format_version == FORMAT_PRE2019:
            return []
        s = _s(report, "s1_overview")
        if s is None:
            return []
        text = s.text or ""
        missing = [name for name, kws in S1_TOPICS if not any(k in text for k in kws)]
        if not missing:
            return []
        return [self.finding("s1_overview", f"“{_title(report, 's1_overview')}”未涉及：{'、'.join(missing)}。",
                             expected=[n for n, _ in S1_TOPICS], actual=[n for n, _ in S1_TOPICS if n not in missing],
                             evidence={"missing": missing}, sources=_src(report, "s1_overview"))]


@register
class LastYearFollowUp(RubricRule):
    code = "RUB-S5"
    # A prompt, not a warning: the wording of 30号 for 五 is not confirmed from an official
    # copy (format.md §12 open point 1), and most published reports leave it out.
    severity = INFO
    title = "说明上年度问题的整改情况"
    description = "“五、存在的主要问题及改进情况”除本年问题和改进措施外，应说明上一年度报告所列问题的整改、改进落实情况（查找“上年/上一年度/N−1年”与“整改/改进/落实”）。"
    basis = "国办公开办函〔2021〕30号格式第五部分“存在的主要问题及改进情况”；第三方评估把上年度问题整改情况列为内容要求（format.md §3.2 [M]、§5.5 TT5、§10.2 R8）。30号原文是否逐字要求尚未核实（format.md §12），故只作提示。样本003“2022年度改进情况”为范例。"

    def check(self, report: Report) -> list[Finding]:
        if report.format_version == FORMAT_PRE2019:
            return []
        s = _s(report, "s5_problems")
        if s is None:
            return []
        if follow_up(s.text or "", report.year):
            return []
        return [self.finding("s5_problems", f"“{_title(report, 's5_problems')}”未见上一年度问题的整改或改进落实情况，只写了本年问题和今后打算；"
                             "建议补充说明（评估常把它作为一项内容要求）。",
                             expected="上年度问题整改情况", actual="未提及", sources=_src(report, "s5_problems"))]


@register
class FeeStatement(RubricRule):
    code = "RUB-S6"
    title = "报告信息处理费收取情况"
    description = ("“六、其他需要报告的事项”应报告按《政府信息公开信息处理费管理办法》（国办函〔2020〕109号）收取信息处理费的情况"
                   "（收费通知件数、金额，实际收取金额；没有收取也应说明）。只写“无”不算；提到表二的行政事业性收费也不算，二者是不同的事项。")
    basis = "国办公开办函〔2021〕30号格式第六部分；国办函〔2020〕109号；format.md §3.2、§7、§10.2 R9。样本001、002只写“无”，000、003、004作了说明。"

    def check(self, report: Report) -> list[Finding]:
        if report.format_version == FORMAT_PRE2019 or (report.year is not None and report.year < 2021):
            return []
        s = _s(report, "s6_other")
        text = (s.text if s is not None else "") or ""
        if FEE_RE.search(text):
            return []
        t = squash(text)
        if s is None:
            why = "报告缺少该部分"
        elif not t or t in C.std().na_marks:
            why = f"该部分只写了“{t or '（空）'}”"
        elif OTHER_FEE_RE.search(t):
            why = "该部分只提到行政事业性收费（表二），那不是信息处理费"
        else:
            why = "该部分没有提到信息处理费"
        return [self.finding("s6_other", f"“{_title(report, 's6_other')}”未报告信息处理费收取情况（国办函〔2020〕109号）：{why}。",
                             expected="信息处理费收取情况（含未收取的说明）", actual=t[:60] or None,
                             sources=_src(report, "s6_other"))]


@register
class Timeliness(RubricRule):
    code = "RUB-TIME"
    title = "按时发布"
    description = ("已知发布日期时：发布日期应在报告年度次年1月1日之后；县级以上人民政府部门应在1月31日前、"
                   "本级政府（含开发区、实验区等）应在3月31日前发布。乡镇、街道的期限由地方规定，默认不核对"
                   "（可在 rubric.DEADLINES 中设定）；看不出机关类别时不核对。")
    basis = "《政府信息公开条例》第四十九条；format.md §1、§10.2 R1。"

    def check(self, report: Report) -> list[Finding]:
        if not report.publish_date or not report.year:
            return []
        m = re.match(r"(\d{4})\D(\d{1,2})\D(\d{1,2})", report.publish_date)
        if not m:
            return []
        d = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        n = report.year
        if d < date(n + 1, 1, 1):
            return [self.finding("publish_date", f"发布日期{d.isoformat()}早于统计期限结束（{n}年12月31日）。",
                                 expected=f"{n + 1}-01-01之后", actual=d.isoformat())]
        kind = agency_kind(report.agency)
        dl = DEADLINES.get(kind) if kind else None
        if dl is None or kind is None:
            return []
        deadline = date(n + 1, dl[0], dl[1])
        if d > deadline:
            who = {"department": "县级以上人民政府部门", "government": "本级人民政府", "township": "乡镇、街道"}[kind]
            return [self.finding("publish_date", f"发布日期{d.isoformat()}晚于{who}的发布期限{deadline.isoformat()}"
                                 "（《政府信息公开条例》第四十九条）。",
                                 expected=f"≤{deadline.isoformat()}", actual=d.isoformat(),
                                 evidence={"agency_kind": kind})]
        return []
