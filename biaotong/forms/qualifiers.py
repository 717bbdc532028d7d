"""Qualifiers in form headers and notes that narrow a population (口径): code-list values under a parent
(城市/农村, 一级…四级 under 残疾等级, 集中/分散 供养, 务工 under 居住事由), status words (少数民族, 已签约,
外出务工) and the definitions a form's 填表说明 gives (“城市低保指非农业户口的低保对象”, “育龄妇女指15-49周岁的女性”).

Pure: built from the catalog's code lists and element names; the matcher asks `find` (a header that *is* a
qualifier), `scan` (qualifiers named inside a text) and `definitions` (term → defining text of the notes).

A header listing values of one code list (一、二级, 视力、听力) is one `in` condition; 已就业 is employed in any
form (the code list's 已就业 alias of 单位就业 is for reading roster values). `words()` also gives the words the
composer reads by rule (少儿抚养比, 女童), so they count as described (fourth tuning round, 2026-12-03).
已签约 / 签约 mean signed by the period's end, as the library's 家庭医生签约人数 counts (fifth round: 脱贫人口 >
已签约人数 is then the library's 脱贫人口签约数 exactly).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

from biaotong.forms.text import compact


@dataclass(frozen=True)
class Qualifier:
    entity: str
    element: str  # element code the filter reads
    filter: str  # a filter of the expression language: "disability_grade = '一级'"
    text: str  # the words it was found by
    name: str  # the element's Chinese name (残疾等级), to tell which parent a qualifier belongs to

    @property
    def why(self) -> str:
        return f"「{self.text}」→ {self.filter}"


_CERTIFIED = ("is_set(disability_cert_no) and (disability_cert_issue_date is null"
              " or before_period_end(disability_cert_issue_date))")
# dependency ratios by their statistical definition: (name, numerator ages, denominator ages)
DEPENDENCY: tuple[tuple[str, tuple[int, int | None], tuple[int, int | None]], ...] = (
    ("少儿抚养比", (0, 14), (15, 64)), ("老年抚养比", (65, None), (15, 64)),
)
# words the composer reads without a code list: the ratios above, and 女童/男童 (a sex before the owner's noun)
_COMPOSED_WORDS = (*(d[0] for d in DEPENDENCY), "女童", "男童")
# signed by the period's end, as the library's 家庭医生签约人数 counts it (a contract signed later is not yet one)
_SIGNED = "family_doctor_signed and (family_doctor_sign_date is null or before_period_end(family_doctor_sign_date))"
_EMPLOYED = "employment_status in ('单位就业', '灵活就业', '自主创业', '务农', '转移就业')"
# words that qualify without a code list; checked before the code lists (少数民族 is not a label)
_STATUS: tuple[tuple[str, str, str, str, str], ...] = (
    ("少数民族", "resident", "ethnicity", "ethnicity <> '汉族'", "民族"),
    ("已签约", "resident", "family_doctor_signed", _SIGNED, "家庭医生签约"),
    ("外出务工", "resident", "migrant_worker", "migrant_worker", "外出务工"),
    ("留守儿童", "resident", "left_behind_child", "left_behind_child", "农村留守儿童"),
    ("持证残疾人", "resident", "disability_cert_no", _CERTIFIED, "残疾人证号"),
    # a 残疾人 column counts certificate holders (issued by the period's end, as 持证残疾人数 does): no source
    # keeps a health status of 残疾
    ("残疾人", "resident", "disability_cert_no", _CERTIFIED, "残疾人证号"),
    ("签约", "resident", "family_doctor_signed", _SIGNED, "家庭医生签约"),
    # 已就业 is employed in any form (the code list's alias of 单位就业 is for reading a roster's values)
    ("已就业", "resident", "employment_status", _EMPLOYED, "就业状态"),
    ("未成年人", "resident", "age", "age < 18", "年龄"),
    # 重度 of policy forms (护理补贴, 重度残疾人) is 一、二级, though the standard's word for 二级 alone is 重度
    ("重度", "resident", "disability_grade", "disability_grade in ('一级', '二级')", "残疾等级"),
    ("城市", "resident", "hukou_type", "hukou_type = '非农业'", "户口性质"),
    ("城镇", "resident", "hukou_type", "hukou_type = '非农业'", "户口性质"),
    ("农村", "resident", "hukou_type", "hukou_type = '农业'", "户口性质"),
)
# suffixes a header adds to a code value: 一级残疾人数, 集中供养人员, 家庭户户数
_SUFFIX = re.compile(r"(?:人员数|人数|户数|人口数|人口|人员|对象|人|户|数|个数|个)$")
_DEFINE = re.compile(r"([^，。；;,:：、\s]{2,14}?)(?:是)?指(.{2,60}?)(?:[。；;]|$)")
# elements whose labels are too common words to stand for a qualifier on their own
_SKIP_LISTS = {"relationship", "industry_category", "education", "marital_status", "sex",
               "risk_type", "deregister_reason"}


@dataclass(frozen=True)
class _Entry:
    words: str
    qual: Qualifier
    label: bool = True  # the code's own label (an alias loses a tie: 不能自理 is a label of 自理能力评估结果)


@cache
def _index() -> tuple[_Entry, ...]:
    from biaotong.catalog import load_catalog

    cat = load_catalog()
    out: list[_Entry] = []
    for text, entity, code, flt, name in _STATUS:
        out.append(_Entry(text, Qualifier(entity, code, flt, text, name)))
    for el in cat.elements:
        if not el.code_list or el.code_list in _SKIP_LISTS or el.entity == "village":
            continue
        cl = cat.code_lists.get(el.code_list)
        if cl is None or len(cl.codes) > 20:
            continue
        for c in cl.codes:
            if c.label in ("其他", "未说明的性别", "未知的性别"):
                continue
            q = Qualifier(el.entity, el.code, f"{el.code} = '{c.label}'", c.label, el.name)
            out.append(_Entry(compact(c.label), q))
            for a in c.aliases or ():
                if len(a) >= 2 and a != c.label:
                    out.append(_Entry(compact(a), q, False))
    return tuple(sorted(out, key=lambda e: -len(e.words)))


@cache
def described(entity: str, element: str) -> str:
    """The catalog's definition of an element (外出（离开半年以上）), where a note's wording of a value may be found."""
    from biaotong.catalog import load_catalog

    cat = load_catalog()
    el = next((e for e in cat.elements if e.entity == entity and e.code == element), None)
    return compact(el.definition or "") if el is not None else ""


def words() -> tuple[str, ...]:
    """Every word a qualifier is found by (code values, their aliases, status words), and the words the
    composer reads by rule (少儿抚养比, 女童)."""
    return (*(e.words for e in _index()), *_COMPOSED_WORDS)


_LIST_SEP = re.compile(r"[、，,和及与]")


def _listed(t: str, parent: str) -> Qualifier | None:
    """“一、二级”, “一级和二级”: several values of one code list, the last one's suffix shared (一 → 一级)."""
    parts = [x for x in _LIST_SEP.split(t) if x]
    if len(parts) < 2 or len(parts) != len(_LIST_SEP.split(t)):
        return None
    last = parts[-1]
    found: list[Qualifier] = []
    for part in parts:
        tries = [part] + [part + last[k:] for k in range(1, len(last)) if part != last]
        q = next((q for w in tries if (q := find(w, parent)) is not None and "=" in q.filter
                  and q.filter.endswith(f"'{compact(q.text)}'")), None)
        if q is None:
            return None
        found.append(q)
    if len({(q.entity, q.element) for q in found}) != 1 or len({q.filter for q in found}) != len(found):
        return None
    q = found[0]
    values = ", ".join(f"'{x.text}'" for x in found)
    return Qualifier(q.entity, q.element, f"{q.element} in ({values})", t, q.name)


@lru_cache(maxsize=4096)
def _shared(a: str, b: str) -> int:
    """The length of the longest run of characters two names share."""
    from difflib import SequenceMatcher

    return SequenceMatcher(None, a, b, autojunk=False).find_longest_match(0, len(a), 0, len(b)).size


def find(text: str, parent: str = "") -> Qualifier | None:
    """The qualifier a header names on its own (“一级”, “集中供养”, “务工”, “少数民族”), preferring the code list
    the parent names (“残疾等级 > 一级”), or several values of one list (“一、二级”); None when the header is
    not just a qualifier."""
    t = compact(text)
    if _LIST_SEP.search(t):
        return _listed(t, parent)
    cores = {t, _SUFFIX.sub("", t)}
    # an alias counts only as written (“视力”), a label also with a suffix (“一级残疾人数”)
    hits = sorted((e for e in _index() if e.words == t or (e.label and e.words in cores)), key=lambda e: not e.label)
    if not hits:
        return None
    if parent:
        p = compact(parent)
        named = [e for e in hits if e.qual.name in p or p in e.qual.name or _SUFFIX.sub("", p) in e.qual.name
                 or _shared(e.qual.name, p) >= 4]
        if named:
            from biaotong.forms.similarity import similarity

            # the list whose name the parent says most of (生活自理能力评估分级: the 评估 result's list, not the
            # 特困 生活自理能力), then a label before an alias
            return max(named, key=lambda e: (_shared(e.qual.name, p), e.label, similarity(e.qual.name, p))).qual
    return hits[0].qual


_NEGATION = re.compile(r"(?:未|不|非|无|除|不含|不包括|除去|扣除)$")
_INCLUSION = re.compile(r"(?:含|包含|包括)$")


def _negated(q: Qualifier) -> Qualifier:
    """未终止 → the element is set and is not 终止 (never the opposite filter)."""
    m = re.fullmatch(r"(\w+) = ('.*')", q.filter)
    if m is None:
        return Qualifier(q.entity, q.element, f"not ({q.filter})", "非" + q.text, q.name)
    flt = f"{m.group(1)} is not null and {m.group(1)} <> {m.group(2)}"
    return Qualifier(q.entity, q.element, flt, "非" + q.text, q.name)


def _either(a: Qualifier, b: Qualifier) -> Qualifier:
    """务工或经商 (two values of one code list in one text): either value; a negated or other filter keeps the first."""
    values = [re.fullmatch(rf"{a.element} (?:= ('[^']*')|in \((.*)\))", q.filter) for q in (a, b)]
    if not all(values):
        return a
    listed = [v for m in values for v in ([m.group(1)] if m.group(1) else m.group(2).split(", "))]  # type: ignore[union-attr]
    return Qualifier(a.entity, a.element, f"{a.element} in ({', '.join(dict.fromkeys(listed))})", f"{a.text}、{b.text}", a.name)


# a list of code values sharing their last one's suffix (一、二级, 三、四级, C级、D级, 一级和二级)
_VALUE_LIST = re.compile(r"(?:[一二三四五六七八九十A-Z]级?[、和及或])+[一二三四五六七八九十A-Z]级")


@cache
def _element_names() -> tuple[str, ...]:
    """The names of the elements qualifiers read (残疾等级, 居住事由), longest first."""
    said = {e.words for e in _index()}
    names = {e.qual.name for e in _index() if len(e.qual.name) >= 3 and e.qual.name not in said}
    # 外出务工, 家庭医生签约: a yes/no status's own name is a word of the status; a coded element's (残疾等级 of 重度)
    # stays a name
    names -= {s[4] for s in _STATUS if not re.match(rf"{s[2]} (?:=|in|<>) ", s[3])}
    return tuple(sorted(names, key=len, reverse=True))


def words_in(text: str, element: str) -> list[str]:
    """The words (code labels, aliases, status words) of one element's qualifiers that `text` contains."""
    t = compact(text)
    return [e.words for e in _index() if e.qual.element == element and e.words in t]


def scan(text: str) -> list[Qualifier]:
    """Every qualifier named inside a text, longest words first, without overlaps (非农业 before 农业), read
    with its negation (未终止, 不含暂停 → not that value); a value the text only includes (含暂停) does not
    narrow the population and is left out; two values of one list (务工或经商) are either of them."""
    t = compact(text)
    used = [False] * len(t)
    out: list[Qualifier] = []
    for name in _element_names():  # 残疾等级 names the element: its 残疾 is no value of 健康状况
        for m in re.finditer(re.escape(name), t):
            used[m.start():m.end()] = [True] * (m.end() - m.start())
    for m in _VALUE_LIST.finditer(t):  # 一、二级, C级、D级: one condition on the values listed
        q = _listed(m.group(0), "")
        if q is not None and not any(used[m.start():m.end()]):
            used[m.start():m.end()] = [True] * (m.end() - m.start())
            out.append(q)
    for e in _index():
        start = t.find(e.words)
        while start >= 0:
            end = start + len(e.words)
            if not any(used[start:end]):
                used[start:end] = [True] * (end - start)
                before = t[max(0, start - 4):start]
                if _INCLUSION.search(before) and not _NEGATION.search(before):
                    break
                qual = _negated(e.qual) if _NEGATION.search(before) else e.qual
                same = next((i for i, q in enumerate(out) if q.element == qual.element), None)
                if same is None:
                    out.append(qual)
                elif qual.filter != out[same].filter:
                    out[same] = _either(out[same], qual)
                break
            start = t.find(e.words, start + 1)
    return out


def definitions(notes: list[str]) -> dict[str, str]:
    """“城市低保指非农业户口的低保对象。” → {"城市低保": "非农业户口的低保对象"}; numbering and 注： are dropped."""
    out: dict[str, str] = {}
    for raw in notes:
        text = re.sub(r"^\s*(?:注|说明|填表说明|填报说明|指标解释)?\s*[:：]?\s*(?:\d+|[一二三四五六七八九十]+)?\s*[、.．]?", "",
                      compact(raw))
        for clause in re.split(r"[。；;]", text):
            # “老年人指60周岁及以上、未成年人指未满18周岁的低保对象”: coordinated definitions share the last
            # one's head noun (的低保对象), so each part is defined over the same population
            parts = re.split(r"[，,、](?=[^，,。、]{2,14}?指)", clause)
            tail = re.search(r"的[^的，,、]{2,12}(?=[，,]|$)", parts[-1]) if len(parts) > 1 else None
            for i, part in enumerate(parts):
                m = _DEFINE.search(part)
                if not m:
                    continue
                term = re.sub(r"^(?:\d+|[一二三四五六七八九十]+)[、.．]", "", m.group(1))
                term = re.sub(r"^(?:本表|表中|其中|所称|的)+", "", term)
                body = m.group(2)
                if tail is not None and i < len(parts) - 1 and "的" not in body:
                    body += tail.group(0)
                if len(term) >= 2:
                    out[term] = body
    return out


def ratio_definitions(notes: list[str]) -> dict[str, tuple[str, str]]:
    """“签约率=签约人数/户籍人口数×100%” → {"签约率": ("签约人数", "户籍人口数")}."""
    out: dict[str, tuple[str, str]] = {}
    for raw in notes:
        for m in re.finditer(r"([^\s，。；;:：、=＝]{1,14}?)\s*[=＝]\s*([^/÷，。；;]{1,30}?)\s*[/÷]\s*([^×*，。；;]{1,30}?)"
                             r"\s*(?:[×*xX]\s*100\s*[%％])?(?:[，。；;]|$)", compact(raw)):
            term = re.sub(r"^(?:\d+|[一二三四五六七八九十]+)[、.．]", "", m.group(1))
            out[term] = (m.group(2), m.group(3))
    return out
