"""Figures stated in a report's text, with what they count, and their context.

Owns: finding numbers with a unit (件/条/个/宗/人次 …) in section text and classifying
them by meaning — the nearest preceding keyword (收到/新收/受理 … 申请, 予以公开/已公开,
不予公开, 办结, 结转, 行政复议, 规范性文件 …), and only when the figure is about
政府信息公开申请: attributes of documents (``依申请公开信息数120条``, ``不予公开40条`` of
published information), categories of published information (``政策文件类信息5条``),
events and other units (``开展3次专项清理``, ``接听热线电话8通``), named mechanisms in
quotes (``“两个一”工作机制``) and negated clauses (``未发生…行政复议``) are never request
figures. Combined statements (``予以公开及部分公开120件``; ``复议3件，诉讼2件，均获维持``);
statements of absence (未收到申请, 未发生行政复议、行政诉讼); sums stated in the text
("主动公开政府信息219条……指南1条、政策文件2条……", also with the parts in parentheses,
``共公布1500条（其中…30+45+…）``, and lists ending ``和其他类信息12条``); the scope and
period a figure refers to (全市/全区/全县/全省 when that is not the reporting body's own
level; another year); and ``Support``, one text comparison that holds (used by the
repair ranking). Pure text analysis: no table access.
"""
from __future__ import annotations

import re
from functools import lru_cache
from dataclasses import dataclass, field
from typing import Iterable

from ..model import Report

UNITS = ("人次", "件", "条", "个", "宗", "篇", "项", "次", "起", "份")
_CN = "零〇一二两三四五六七八九十百"
NUM_RE = re.compile(
    r"(?<![\d.．第])(\d+(?:\.\d+)?|[" + _CN + r"]{1,4})\s*(" + "|".join(UNITS) + r")(?![龙线心])")
YEAR_RE = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年")
SENT_SPLIT = re.compile(r"[。！？!?\n]")
CLAUSE_SPLIT = re.compile(r"[，,；;、：:（）()]")

@dataclass(frozen=True)
class Support:
    """One text comparison that holds: ``kind`` num | split | upheld, ``key`` its identity."""
    kind: str
    key: tuple[object, ...]
    text: str


# Categories of stated figures, tried nearest-first; REQUEST categories need 申请 in the sentence.
CATEGORY_KEYWORDS: list[tuple[str, tuple[str, ...]]] = [
    ("partial", ("部分公开",)),
    ("withheld", ("不予公开", "不公开")),
    ("unavailable", ("无法提供",)),
    ("not_processed", ("不予处理",)),
    ("granted", ("予以公开", "已公开", "同意公开", "全部公开", "答复公开")),
    ("carry_forward", ("结转下年", "结转至下", "转入下年", "结转到下", "结转下一年", "结转至20", "转至下")),
    ("carried_over", ("上年结转", "上一年结转", "上年度结转", "上年度转入")),
    ("completed", ("办结", "已答复", "答复")),
    ("received", ("收到", "新收", "受理", "接到", "接收", "共收", "依申请")),
    ("proactive", ("主动公开", "发布")),
    ("review", ("行政复议", "复议")),
    ("suit", ("行政诉讼", "诉讼")),
    ("normative", ("规范性文件",)),
]
REQUEST_CATEGORIES = {"partial", "withheld", "unavailable", "not_processed", "granted", "granted_partial",
                      "carry_forward", "carried_over", "completed", "received"}
CASE_CATEGORIES = {"review", "suit"}
# What a request or a case is counted in; 次/人次/篇 … count events or documents.
REQUEST_UNITS = {"件", "条", "个", "宗", "份", "项"}
CASE_UNITS = {"件", "起", "宗", "个", "次"}
# Nouns that make a figure a count of documents or published information, not of requests.
DOC_NOUN_RE = re.compile(r"信息(?!公开申请)|文件|类|稿件|公告|通知|数据|目录|条目|报告|指南|动态|资料|项目|事项|栏目")
# 依申请公开 as an attribute of documents ("依申请公开信息数120条"), not a request.
BY_REQUEST_ATTR_RE = re.compile(r"依申请公开(?:的)?(?:政府)?信息(?:数|总数|数量)?")
NEG_IN_CLAUSE_RE = re.compile(r"未|没有|无(?!法)|暂无|均未|不存在|尚无")
QUOTED_RE = re.compile(r"“[^”]{0,20}”|「[^」]{0,20}」|\"[^\"]{0,20}\"|《[^》]{0,40}》")
ALL_UPHELD_RE = re.compile(r"均(?:获|被|予以|得到)?(?:依法)?维持|全部(?:获|被)?维持|均为维持")
OUTCOME_CATEGORIES = ("granted", "partial", "withheld", "unavailable", "not_processed")
NORMATIVE_QUALIFIERS = (("repealed", ("废止",)), ("in_force", ("现行有效", "有效")),
                        ("issued", ("制发", "印发", "出台", "制定", "发布", "新增")))

SCOPE_LEVELS = {"全国": "国", "全省": "省", "全自治区": "省", "全市": "市", "全州": "州", "全盟": "盟",
                "全区": "区", "全县": "县", "全旗": "旗", "全镇": "镇", "全乡": "乡", "全街道": "街道", "全街": "街道"}
_SCOPE_RE = re.compile("|".join(sorted(SCOPE_LEVELS, key=len, reverse=True)))
_LEVEL_RE = re.compile(r"(街道|省|自治区|市|州|盟|区|县|旗|镇|乡)")
_GOV_SUFFIX = ("人民政府", "办事处", "政府")

NEGATION_RE = r"(?:未|没有|无|暂无|均未|不存在)"
NO_REQUEST_RE = re.compile(NEGATION_RE + r"[^。；;，,]{0,20}?(?:收到|接到|受理|接收|发生)[^。；;]{0,40}?(?:申请|信息公开)"
                           r"|" + NEGATION_RE + r"[^。；;，,]{0,6}?(?:依申请公开|政府信息公开申请)")
NO_REVIEW_RE = re.compile(NEGATION_RE + r"[^。；;，,]{0,25}?行政复议")
NO_SUIT_RE = re.compile(NEGATION_RE + r"[^。；;，,]{0,40}?(?:行政诉讼|诉讼)")
EXHAUSTIVE_MARKERS = ("：", ":", "分别为", "分别是", "分别", "+")
PART_MARKERS = ("其中", "包括", "涵盖", "含")


@dataclass
class Figure:
    value: int | float
    unit: str
    category: str | None
    keyword: str | None
    section: str
    sentence: str
    clause: str
    offset: int                       # in the section text
    other_scope: str | None = None    # the scope word when it is not the body's own level
    other_year: int | None = None
    qualifier: str | None = None      # normative: issued | repealed | in_force
    cn_numeral: bool = False
    start: int = 0                    # span of "number+unit" inside the sentence
    end: int = 0
    all_upheld: bool = False          # review/suit figure followed by 均获维持

    @property
    def comparable(self) -> bool:
        return self.other_scope is None and self.other_year is None

    def to_dict(self) -> dict:
        return {"value": self.value, "unit": self.unit, "category": self.category, "keyword": self.keyword,
                "section": self.section, "text": self.sentence.strip()[:160], "offset": self.offset,
                **({"other_scope": self.other_scope} if self.other_scope else {}),
                **({"other_year": self.other_year} if self.other_year else {}),
                **({"qualifier": self.qualifier} if self.qualifier else {})}


@dataclass
class StatedSum:
    total: Figure
    parts: list[Figure]
    marker: str                       # the word linking total and parts ("" when none)

    @property
    def parts_sum(self) -> int | float:
        return sum(p.value for p in self.parts)

    @property
    def exhaustive(self) -> bool:
        return any(m in self.marker for m in EXHAUSTIVE_MARKERS)


@dataclass
class Statement:
    kind: str                         # no_requests | no_review | no_suit
    section: str
    sentence: str
    offset: int
    other_scope: str | None = None
    other_year: int | None = None


@dataclass
class TextFacts:
    figures: list[Figure] = field(default_factory=list)
    sums: list[StatedSum] = field(default_factory=list)
    statements: list[Statement] = field(default_factory=list)


def cn_to_int(s: str) -> int | None:
    digits = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
    if s in digits:
        return digits[s]
    total, cur = 0, 0
    for ch in s:
        if ch in digits:
            cur = digits[ch]
        elif ch == "十":
            total += (cur or 1) * 10
            cur = 0
        elif ch == "百":
            total += (cur or 1) * 100
            cur = 0
        else:
            return None
    return total + cur


def own_level(agency: str | None) -> str | None:
    """The administrative level of a government body (镇, 区 …); None for departments or unknown."""
    if not agency:
        return None
    a = agency.strip()
    suffix = next((s for s in _GOV_SUFFIX if a.endswith(s)), None)
    if suffix is None:
        return None
    levels = _LEVEL_RE.findall(a[: -len(suffix)])
    if not levels:
        return None
    lv = levels[-1]
    return "省" if lv == "自治区" else lv


def _segment(text: str) -> str:
    """The part of ``text`` after its last ；: a figure's own statement."""
    return re.split(r"[；;]", text)[-1]


def other_scope(text: str, level: str | None) -> str | None:
    """The scope word nearest the end of ``text`` when it is not the body's own level."""
    hits = list(_SCOPE_RE.finditer(_segment(text)))
    if not hits:
        return None
    w = hits[-1].group(0)
    return None if SCOPE_LEVELS[w] == level else w


def other_year(text: str, year: int | None) -> int | None:
    """The year nearest the end of ``text`` when it is not the report year."""
    if year is None:
        return None
    hits = [int(m.group(1)) for m in YEAR_RE.finditer(_segment(text))]
    if hits and hits[-1] != year:
        return hits[-1]
    return None


def _sentences(text: str) -> Iterable[tuple[int, str]]:
    pos = 0
    for m in SENT_SPLIT.finditer(text):
        yield pos, text[pos:m.end()]
        pos = m.end()
    if pos < len(text):
        yield pos, text[pos:]


def _classify(sentence: str, upto: int) -> tuple[str | None, str | None, str]:
    """Category of the number at ``upto`` in ``sentence``: nearest keyword in its clause."""
    starts = [m.end() for m in CLAUSE_SPLIT.finditer(sentence, 0, upto)]
    cstart = starts[-1] if starts else 0
    clause = sentence[cstart:upto]
    best = _nearest(clause)
    if best is None and len(starts) >= 1:
        # "收到政府信息公开申请，共计5件": look one clause back when it holds no number
        pstart = starts[-2] if len(starts) >= 2 else 0
        prev = sentence[pstart:cstart]
        if not NUM_RE.search(prev):
            best = _nearest(prev)
            clause = prev + clause
    if best is None:
        return None, None, clause
    if best[0] == "partial" and re.search(r"予以公开[及和与、]|公开[及和与、]部分公开|全部公开[及和与、]", clause):
        return "granted_partial", "予以公开及部分公开", clause      # granted + partial stated together
    return best[0], best[1], clause


def _is_request_figure(sent: str, clause: str, cat: str, kw: str | None, unit: str, start: int) -> bool:
    """Does a figure classified ``cat`` count 政府信息公开申请 (or 复议/诉讼 cases) of this body?"""
    if cat in REQUEST_CATEGORIES:
        if unit not in REQUEST_UNITS:
            return False
        rest = BY_REQUEST_ATTR_RE.sub("", sent)
        if "申请" not in rest:
            return False                     # 依申请公开信息数120条, 不予公开40条 of published documents
        if kw is not None:
            i = clause.rfind(kw)
            between = clause[i + len(kw):] if i >= 0 else ""
            if DOC_NOUN_RE.search(between) and "申请" not in between:
                return False                 # 已公开政策文件类信息5条
        if BY_REQUEST_ATTR_RE.search(clause):
            return False
    elif cat in CASE_CATEGORIES:
        if unit not in CASE_UNITS:
            return False
        if kw is not None:
            i = clause.rfind(kw)
            between = clause[i + len(kw):] if i >= 0 else ""
            if DOC_NOUN_RE.search(between) or re.search(r"培训|讲座|会议|宣传|案例", between):
                return False
    else:
        return True
    if NEG_IN_CLAUSE_RE.search(clause):
        return False                         # 未发生…行政复议; 无…申请
    return True


def _nearest(clause: str) -> tuple[str, str] | None:
    best: tuple[int, int, str, str] | None = None
    for cat, kws in CATEGORY_KEYWORDS:
        for kw in kws:
            i = clause.rfind(kw)
            if i < 0:
                continue
            end = i + len(kw)
            cand = (end, len(kw), cat, kw)
            if best is None or cand[:2] > best[:2]:
                best = cand
    return (best[2], best[3]) if best else None


def _quoted_spans(sent: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in QUOTED_RE.finditer(sent)]


def figures(text: str, section: str, *, year: int | None = None, agency: str | None = None) -> list[Figure]:
    level = own_level(agency)
    out: list[Figure] = []
    for soff, sent in _sentences(text):
        quoted = _quoted_spans(sent)
        upheld = ALL_UPHELD_RE.search(sent)
        for m in NUM_RE.finditer(sent):
            if any(a <= m.start() < b for a, b in quoted):
                continue                     # “两个一”工作机制, 《…第2号》: names, not figures
            raw, unit = m.group(1), m.group(2)
            cn = not raw[0].isdigit()
            v: int | float
            if cn:
                cv = cn_to_int(raw)
                if cv is None:
                    continue
                v = cv
            else:
                v = float(raw) if "." in raw else int(raw)
            cat, kw, clause = _classify(sent, m.start())
            if cat is not None and not _is_request_figure(sent, clause, cat, kw, unit, m.start()):
                cat = None
            if cn and cat in (None, "proactive", "normative"):
                continue      # 一个窗口, 一条主线: prose, not a figure
            qual = None
            if cat == "normative":
                for q, words in NORMATIVE_QUALIFIERS:
                    if any(w in clause for w in words):
                        qual = q
                        break
            before = sent[: m.start()]
            out.append(Figure(value=v, unit=unit, category=cat, keyword=kw, section=section, sentence=sent,
                              clause=clause + sent[m.start():m.end()], offset=soff + m.start(),
                              other_scope=other_scope(before, level), other_year=other_year(before, year),
                              qualifier=qual, cn_numeral=cn, start=m.start(), end=m.end(),
                              all_upheld=bool(upheld and cat in CASE_CATEGORIES and upheld.start() > m.end())))
    return out


def sums(figs: list[Figure]) -> list[StatedSum]:
    """Totals stated together with their parts, within one sentence."""
    out: list[StatedSum] = []
    groups: dict[tuple[str, int], list[Figure]] = {}
    for f in figs:
        if not f.cn_numeral:
            groups.setdefault((f.section, f.offset - f.start), []).append(f)
    for fs in groups.values():
        fs.sort(key=lambda f: f.start)
        sent = fs[0].sentence
        # 1. a total followed by a colon, parts being the first figure of each ；-separated segment
        for i, f in enumerate(fs):
            if sent[f.end: f.end + 1] not in ("：", ":"):
                continue
            parts, seen = [], set()
            for g in fs[i + 1:]:
                if g.unit != f.unit:
                    continue
                seg = len(re.findall(r"[；;]", sent[f.end: g.start]))
                if seg not in seen:
                    seen.add(seg)
                    parts.append(g)
            if len(parts) >= 2:
                out.append(StatedSum(f, parts, "："))
        # 2. runs of figures separated by 、 or a short ， after a head figure
        runs: list[list[Figure]] = []
        cur: list[Figure] = []
        for g in fs:
            if cur:
                prev = cur[-1]
                between = sent[prev.end: g.start]
                if (g.unit == prev.unit and len(between) <= 30 and not re.search(r"[；;：:，,。（）()]", between)
                        and not any(m in between for m in PART_MARKERS)
                        and ("、" in between or re.match(r"\s*(?:和|及|以及|与)", between))):
                    cur.append(g)
                    continue
                runs.append(cur)
            cur = [g]
        if cur:
            runs.append(cur)
        # 3. parts in parentheses right after the total: 共公布1500条（其中…30+45+…）
        for f in fs:
            p = _paren_parts(sent, f)
            if p is not None and not any(x.total is f for x in out):
                out.append(StatedSum(f, p[0], p[1]))
        for run in runs:
            if len(run) < 2:
                continue
            if any(_inside_parens(sent, g.start) for g in run):
                continue
            heads = [h for h in fs if h.end <= run[0].start and h.unit == run[0].unit]
            if not heads:
                continue
            h = heads[-1]
            between = sent[h.end: run[0].start]
            if re.search(r"[；;]", between) or any(s.total is h for s in out):
                continue
            marker = next((m for m in (*EXHAUSTIVE_MARKERS, *PART_MARKERS) if m in between), "")
            out.append(StatedSum(h, run, marker))
    return out


_PLUS_RE = re.compile(r"\d+(?:\.\d+)?(?:\s*[+＋]\s*\d+(?:\.\d+)?)+")


def _inside_parens(sent: str, pos: int) -> bool:
    depth = 0
    for ch in sent[:pos]:
        if ch in "（(":
            depth += 1
        elif ch in "）)" and depth:
            depth -= 1
    return depth > 0


def _paren_parts(sent: str, f: Figure) -> tuple[list[Figure], str] | None:
    """The parts listed in parentheses right after figure ``f`` (at most 2 characters later)."""
    m = re.match(r"\s{0,2}[（(]", sent[f.end:f.end + 3])
    if not m:
        return None
    open_at = f.end + m.end()
    depth, close_at = 1, -1
    for i in range(open_at, len(sent)):
        if sent[i] in "（(":
            depth += 1
        elif sent[i] in "）)":
            depth -= 1
            if depth == 0:
                close_at = i
                break
    if close_at < 0:
        return None
    inner = sent[open_at:close_at]
    plus = _PLUS_RE.search(inner)
    if plus:
        nums = [float(x) if "." in x else int(x) for x in re.findall(r"\d+(?:\.\d+)?", plus.group(0))]
        plus_parts = [Figure(value=v, unit=f.unit, category=None, keyword=None, section=f.section, sentence=f.sentence,
                        clause=plus.group(0), offset=f.offset, start=open_at + plus.start(), end=open_at + plus.end())
                 for v in nums]
        return plus_parts, "+"
    parts: list[Figure] = []
    seen: set[int] = set()
    for g in NUM_RE.finditer(inner):
        if g.group(2) != f.unit or not g.group(1)[0].isdigit():
            continue
        seg = len(re.findall(r"[、，,；;]", inner[:g.start()]))
        if seg in seen:
            continue
        seen.add(seg)
        v = float(g.group(1)) if "." in g.group(1) else int(g.group(1))
        parts.append(Figure(value=v, unit=f.unit, category=None, keyword=None, section=f.section, sentence=f.sentence,
                            clause=inner, offset=f.offset, start=open_at + g.start(), end=open_at + g.end()))
    if len(parts) < 2 or re.search(r"另有|另外|此外|以及|同时", inner):
        return None           # （含上年度结转申请34件，另有103件顺延到下年度）: not a breakdown
    marker = "其中" if "其中" in inner else "：" if "分别" in inner else "包括" if "包括" in inner else ""
    return (parts, marker) if marker else None


def statements(text: str, section: str, *, year: int | None = None, agency: str | None = None) -> list[Statement]:
    level = own_level(agency)
    out: list[Statement] = []
    for soff, sent in _sentences(text):
        for part in re.split(r"[；;]", sent):
            off = soff + sent.find(part)
            for kind, rx in (("no_requests", NO_REQUEST_RE), ("no_review", NO_REVIEW_RE), ("no_suit", NO_SUIT_RE)):
                m = rx.search(part)
                if not m:
                    continue
                if kind == "no_requests" and re.search(r"复议|诉讼", m.group(0) + re.split(r"[，,。]", part[m.end():])[0]):
                    continue      # 未发生因政府信息公开申请引起的行政复议: about cases, not requests
                out.append(Statement(kind, section, part, off, other_scope(part[: m.end()], level),
                                     other_year(part[: m.end()], year)))
    return out


# Every text rule of one audit (and each repair candidate) asks for the same sections:
# analysed once per distinct (text, section, year, agency). The facts are read, never changed.
TEXT_MEMO = 512


@lru_cache(maxsize=TEXT_MEMO)
def analyse_text(text: str, section: str, *, year: int | None = None, agency: str | None = None) -> TextFacts:
    figs = figures(text, section, year=year, agency=agency)
    return TextFacts(figs, sums(figs), statements(text, section, year=year, agency=agency))


def analyse(report: Report) -> TextFacts:
    """All stated figures, sums and statements of a report's sections (in printed order)."""
    facts = TextFacts()
    secs = sorted(report.sections.values(), key=lambda s: s.index)
    for s in secs:
        t = analyse_text(s.text or "", s.key, year=report.year, agency=report.agency)
        facts.figures += t.figures
        facts.sums += t.sums
        facts.statements += t.statements
    return facts
