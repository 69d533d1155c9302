"""Soft plausibility checks (format.md §5.3, §5.4 X3): warnings, never errors.

Owns: PLA-RULES (规章 reported by a body without rule-making power), PLA-INFORCE (issued
> 0 but nothing in force), PLA-SUIT (suits after review without any review), PLA-FEE
(表二 收费金额 implausibly large for the body's level: 元 entered as 万元; never on the
number of decimals — 万元 to six decimals is to the 分), PLA-FEE-S6 (the 信息处理费 in
section 六, in 元, above 表二's 行政事业性收费 × 10,000), PLA-TEMPLATE (overview speaks of a
higher-level scope, e.g. 全省 in a township report: a copy-paste tell) and PLA-COPY-YEAR
(a plan for the report year itself, ``2021年我单位将继续…`` in a 2021 report: last year's
text copied).
"""
from __future__ import annotations

import re

from ...model import FORMAT_2019, FORMAT_PRE2019, Report
from ...normalize import squash
from .. import cells as C
from ..finding import INFO, WARNING, Finding
from ..textnums import SCOPE_LEVELS, own_level
from .base import Rule, register

# 表二 收费金额 (万元): above these it is probably 元 entered as 万元 (by the body's level).
FEE_MAX_WAN = 100000.0           # 10 亿元: departments and bodies of unknown level
FEE_MAX_WAN_BY_LEVEL = {"省": 1000000.0, "市": 300000.0, "州": 300000.0, "盟": 300000.0,
                        "区": 50000.0, "县": 50000.0, "旗": 50000.0,
                        "镇": 500.0, "乡": 500.0, "街道": 500.0}
FEE_MAX_WAN_GRASSROOTS = FEE_MAX_WAN_BY_LEVEL["镇"]
FEE_MAX_DECIMALS = 4             # 万元 to 4 decimals is 1 元
GRASSROOTS = ("镇", "乡", "街道")
LEVEL_RANK = {"国": 0, "省": 1, "市": 2, "州": 2, "盟": 2, "区": 3, "县": 3, "旗": 3, "镇": 4, "乡": 4, "街道": 4}


def rulemaking_power(agency: str | None) -> bool | None:
    """False when the body clearly cannot make 规章; None when unknown (no warning)."""
    if not agency:
        return None
    a = agency.strip()
    lv = own_level(a)
    if lv in ("镇", "乡", "街道", "县", "旗"):
        return False
    if lv == "区" and re.search(r"市.+区人民政府$", a):
        return False
    if lv is None and re.search(r"(区|县|旗|镇|乡|街道).*(局|委员会|办公室|中心|所|站|委|办)$", a):
        return False      # a department of a 区/县 or lower
    return None


class PlausibilityRule(Rule):
    severity = WARNING
    family = "plausibility"
    group = "t2"


@register
class RulesWithoutPower(PlausibilityRule):
    code = "PLA-RULES"
    title = "无规章制定权的机关填报了规章"
    description = "只有国务院部门和省级、设区的市级人民政府能制定规章；县级、乡级政府和地方政府部门填报规章制发、废止或现行有效件数大于0，多为把执行的上级规章填了进来。"
    basis = "《立法法》第九十一条、第九十三条（规章制定主体）；format.md §5.3 S4。"

    def check(self, report: Report) -> list[Finding]:
        if report.format_version == FORMAT_PRE2019 or rulemaking_power(report.agency) is not False:
            return []
        prefix = "t2v19.rules." if report.format_version == FORMAT_2019 else "t2.rules."
        keys = [k for k in C.table_keys(report, "t2") if k.startswith(prefix)]
        pos = [k for k in keys if (C.num(report, k) or 0) > 0]
        if not pos:
            return []
        names = "、".join(f"{C.describe(report, k)}{C.shown(report, k)}" for k in pos)
        return [self.finding("t2.rules", f"{report.agency}没有规章制定权，但{names}，请核实是否把执行的上级规章填入。",
                             cells=[C.cell_info(report, k) for k in pos], expected=0,
                             actual={k: C.num(report, k) for k in pos}, confidence=0.7)]


@register
class InForce(PlausibilityRule):
    code = "PLA-INFORCE"
    title = "本年制发但现行有效为0"
    description = "规章或行政规范性文件本年制发件数大于0而现行有效件数为0，通常是漏填了现行有效件数。"
    basis = "format.md §5.3 S1。"

    def check(self, report: Report) -> list[Finding]:
        if report.format_version != "2021":
            return []
        out = []
        for row in ("rules", "normative"):
            ki, kf = f"t2.{row}.issued", f"t2.{row}.in_force"
            i, f = C.num(report, ki), C.num(report, kf)
            if i and i > 0 and f == 0:
                out.append(self.finding(f"t2.{row}", f"{C.describe(report, ki)}为{C.fmt(i)}，但{C.describe(report, kf)}为0。",
                                        cells=[C.cell_info(report, ki), C.cell_info(report, kf)],
                                        expected=f"≥{C.fmt(i)}", actual=0, confidence=0.7))
        return out


@register
class SuitWithoutReview(PlausibilityRule):
    code = "PLA-SUIT"
    severity = INFO
    group = "t4"
    title = "有复议后起诉但没有行政复议"
    description = "表四“复议后起诉”总计大于0而“行政复议”总计为0并非不可能（复议可能在往年或由其他机关办理），提示核实。"
    basis = "format.md §5.3 S2。"

    def check(self, report: Report) -> list[Finding]:
        a, r = C.num(report, "t4.suit_after_review.total"), C.num(report, "t4.review.total")
        if a and a > 0 and r == 0:
            return [self.finding("suit_after_review",
                                 f"{C.describe(report, 't4.suit_after_review.total')}为{C.fmt(a)}，"
                                 f"但{C.describe(report, 't4.review.total')}为0，请核实复议是否在往年或由其他机关办理。",
                                 cells=[C.cell_info(report, "t4.suit_after_review.total"),
                                        C.cell_info(report, "t4.review.total")], expected="≥1", actual=0, confidence=0.5)]
        return []


@register
class FeeScale(PlausibilityRule):
    code = "PLA-FEE"
    title = "收费金额数量级可疑"
    description = ("表二“本年收费金额（单位：万元）”超过按机关层级设定的上限（乡镇、街道500万元，区县5亿元，"
                   "设区的市30亿元，省100亿元，部门、开发区等层级不明者10亿元）时，多为按元填报；提示核实单位。"
                   "小数位数不是依据：以万元计到六位小数就是精确到分（如平潭综合实验区5949.088667万元），属正常。")
    basis = "format.md §5.3 S3（样本004的0.6625万元即6625元，属合理）。"

    def check(self, report: Report) -> list[Finding]:
        if report.format_version != "2021":
            return []
        k = "t2.fees.amount"
        c = report.cells.get(k)
        if c is None or not c.is_number or c.value is None or c.value < 0:
            return []
        v = float(c.value)
        lv = own_level(report.agency)
        limit = FEE_MAX_WAN_BY_LEVEL.get(lv, FEE_MAX_WAN) if lv else FEE_MAX_WAN
        raw = squash(c.raw or "")
        why = []
        if v > limit:
            why.append(f"超过{limit:g}万元（即{limit * 10000:,.0f}元）")
        if not why:
            return []
        return [self.finding(k, f"{C.describe(report, k)}为{raw or C.fmt(v)}，{'，'.join(why)}，可能误按元填报，请核实单位。",
                             cells=[C.cell_info(report, k)], expected=f"≤{limit:g}万元", actual=v, confidence=0.6)]


YUAN_RE = re.compile(r"(?:信息处理费|处理费)[^。]{0,30}?(\d+(?:\.\d+)?)\s*(万元|元)")


@register
class FeeS6(PlausibilityRule):
    code = "PLA-FEE-S6"
    severity = INFO
    title = "信息处理费超过表二行政事业性收费"
    description = "第六部分报告的信息处理费（元）属于行政事业性收费，通常不应超过表二收费金额×10000；机关也可能未把它计入表二，故只提示。"
    basis = "format.md §5.3 S5、§7（四川省财政厅、发展改革委通知：信息处理费为行政事业性收费）。"

    def check(self, report: Report) -> list[Finding]:
        s6 = report.sections.get("s6_other")
        fee = C.num(report, "t2.fees.amount")
        if s6 is None or not s6.text or fee is None:
            return []
        m = YUAN_RE.search(s6.text)
        if not m:
            return []
        yuan = float(m.group(1)) * (10000 if m.group(2) == "万元" else 1)
        if yuan <= fee * 10000 + 1e-6:
            return []
        return [self.finding("s6_other", f"第六部分称信息处理费{m.group(1)}{m.group(2)}，超过{C.describe(report, 't2.fees.amount')}"
                             f"{C.fmt(fee)}万元（{fee * 10000:,.0f}元）；请核实是否漏计入表二。",
                             cells=[C.cell_info(report, "t2.fees.amount")], expected=f"≤{fee * 10000:g}元",
                             actual=yuan, confidence=0.5)]


@register
class TemplateScope(PlausibilityRule):
    code = "PLA-TEMPLATE"
    severity = INFO
    group = "rubric"
    title = "总体情况出现上级范围用语（疑似套用模板）"
    description = "基层机关的总体情况写“组织推动全省……”等上级范围的工作，多为照抄上级年报或模板，提示内容雷同风险。"
    basis = "国办公开办函〔2021〕30号（四）“内容雷同、敷衍塞责”；format.md §5.4 X3（样本001“组织推动全省政府信息公开工作”）。"

    def check(self, report: Report) -> list[Finding]:
        s1 = report.sections.get("s1_overview")
        lv = own_level(report.agency)
        if s1 is None or not s1.text or lv is None:
            return []
        rank = LEVEL_RANK.get(lv)
        hits = []
        for m in re.finditer("|".join(sorted(SCOPE_LEVELS, key=len, reverse=True)), s1.text):
            other = SCOPE_LEVELS[m.group(0)]
            if rank is not None and LEVEL_RANK.get(other, 9) < rank:
                start = max(0, m.start() - 8)
                before = s1.text[start:m.end()].rsplit("\n", 1)[-1]
                after = re.split(r"[。；\n]", s1.text[m.end():m.end() + 14])[0]
                hits.append(squash(before + after))
        if not hits:
            return []
        return [self.finding("s1_overview", f"{report.agency}的总体情况出现上级范围用语：“{hits[0]}”"
                             + (f"等{len(hits)}处" if len(hits) > 1 else "") + "，疑似套用上级年报或模板。",
                             expected=f"本{lv}工作", actual=hits, confidence=0.5)]


# A plan ("将继续…") for a year: 将 as a future marker, not as 把 ("将政务公开纳入考核").
_FUTURE = (r"(?:将|拟|计划|要)(?:继续|进一步|持续|着力|重点|认真|切实|全面|不断|坚持|加大|加强|深入|围绕|从以下|"
           r"采取|做好|抓好|推动|推进|提升|强化|聚焦|以|力争|努力|积极|严格)")
_NOT_FUTURE = re.compile(r"纳入|列入|列为|作为|纳为|融入")


@register
class CopyYear(PlausibilityRule):
    code = "PLA-COPY-YEAR"
    group = "rubric"
    title = "把报告年度本身写成“将要做”（疑似沿用上年报告）"
    description = ("“存在的主要问题及改进情况”中出现对报告年度本身的打算（如2021年度报告写“2021年，我单位将继续……”）："
                   "报告写于次年，报告年度的打算只会出现在上一年的报告里，多为照抄上年报告未改年份。")
    basis = "国办公开办函〔2021〕30号（四）“内容雷同、敷衍塞责”；format.md §5.4 X3、§10.2 R7。"

    def check(self, report: Report) -> list[Finding]:
        s5 = report.sections.get("s5_problems")
        if report.year is None or s5 is None or not s5.text:
            return []
        y = report.year
        rx = re.compile(rf"(?:^|[。；;！\n，,：:])\s*(?:[（(]?[一二三四五六七八九十\d]+[）)、.．]\s*)?{y}\s*年(?:度)?[，,]?\s*"
                        rf"(?:我|本)[^。，,；;\d]{{0,8}}?{_FUTURE}[^。；;]{{0,40}}")
        for m in rx.finditer(s5.text):
            tail = m.group(0)
            if _NOT_FUTURE.search(tail[:tail.find("将") + 14] if "将" in tail else tail[:14]):
                continue
            quote = squash(tail.lstrip("。；;！\n，,：: "))
            return [self.finding("s5_problems", f"“{C.tidy(s5.title or '')}”写道“{quote}…”：这是对报告年度{y}年本身的打算，"
                                 f"而本报告写于{y + 1}年，疑似照抄上年报告未改年份。",
                                 expected=f"{y + 1}年的打算", actual=quote, confidence=0.7,
                                 sources=[s5.source.to_dict()] if s5.source is not None else [])]
        return []
