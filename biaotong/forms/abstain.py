"""Abstaining: a column is proposed unmapped unless the evidence that a number belongs there is strong.

A wrong number in a department's form is worse than an empty column the designer fills in one step, so every
proposal that would write a value passes three checks after matching (and after any re-ranking):

1. **What the header is.** A note, a signature, a contact, a person, a reason, a plan or any free text
   (备注, 签字, 联系人, 联系电话, 帮扶责任人, 儿童主任姓名, 未参保原因, 整改情况, 是否…) never takes a number, whatever
   a similarity score says. In a roster only the note/signature words are refused (姓名 and 联系电话 are a
   roster's own elements).
2. **What the header asks beyond the proposal** (biaotong.forms.coverage): a qualifier no system honours
   (上年同期, 计划, 完成率, 人次, 资金来源, 走访 …) that the proposed term does not say, a word of the column
   that no catalog or library text contains (规范管理人数 under 高血压患者), one code value under a group of values
   written as the group's figure (危房户数 > C级 as 危房户数, `_value_gap`), an age group outside the proposal's
   ages, or a part of a figure each village writes whole (流动党员数) makes the value a different number; so does
   a bare measure under a heading of another programme (医疗救助 > 救助金额 is no 月保障金: the term's names, its
   filter and the names of the data elements it is computed from must say the heading's words), and words in
   front of a direct indicator's name of three characters or more (小微企业数 is no 企业数; a prefix jieba
   reads only as single characters counts as one word); and a column that leaves its programme to the form's
   title when the term counts another programme of the same kind (已缴费人数 in a 医疗保险 form is no 养老保险缴费人数,
   护理补贴发放人数 in a 特困人员 form no 重度残疾人护理补贴人数; `review(title=…)`); and a sex or a record's
   qualifier (党员, 签约, 低保 …) the column or its heading states that the proposal neither says nor reads
   (女党员数 is no 党员数, 中共党员 > 其中：女 no 女性人口数, 35岁以下党员数 no count of everyone under 35).
3. **How strong the evidence is.** A value is written only when its confidence reaches `EVIDENCE`.

Calibrated on the tuning half of the unseen-form corpus only (tests/forms/corpus, `split: tuning`, 1,648
leaf columns): the lowest confidence of a right written proposal there is 0.742 (a direct match; 0.75 for a
composition), so `EVIDENCE = 0.73` keeps every right proposal. The score alone does not separate: 13 columns
whose truth is unmapped score 0.726–0.920 there (上年同期低保人数 → 低保人数 0.81); check 2 refuses all of them.
Abstaining keeps the reasons: the proposal says why (证据不足：…) and lists what it
would have written as its first runner-up, so a designer picks it in one step.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from biaotong.forms.coverage import (
    Gap,
    age_bounds,
    age_conflict,
    content_words,
    flow_subject,
    known_words,
    measure_of_group,
    narrows_rate,
    narrows_village_figure,
    other_programme,
    qualifier_gap,
    unknown_word,
    unread_qualifier,
    unread_sex,
)
from biaotong.forms.patterns import AgeRange, find_age, strip_age
from biaotong.forms.text import compact, split_units, strip_prefix
from biaotong.forms.units import family

if TYPE_CHECKING:
    from biaotong.forms.match import Proposal
    from biaotong.forms.model import LeafColumn
    from biaotong.forms.vocab import Term, Vocabulary

EVIDENCE = 0.73  # see the module docstring: right writes ≥ 0.742 on tuning
WRITES = ("indicator", "element", "expression")

# note / signature words: never a value, in any layout
_NOTE = re.compile(r"备注|附注|签字|签名|盖章|填表说明|情况说明|^说明$|^注$|意见$")
# free text, people, contacts, reasons, plans: never a number in an aggregate form or a card
_FREE = re.compile(
    r"(?:说明|联系人|联系方式|联系电话|电话|手机|号码|负责人|责任人|填表人|审核人|统计人|经办人|包保人|监护人|"
    r"姓名|名字|地址|住址|处所|原因|理由|措施|办法|内容|事由|事项|去向|期限|书记|主任|信息员|网格员|"
    r"联络员|专干|计划|依据|备案号|编号|证号)$"
    r"|^(?:是否|有无)"
)
# another person's attributes in a roster row: the row is one resident, but a header qualified by another role
# (the doctor, the person in charge, the guardian, the landlord …) asks for that person's phone/ID/name
_OTHER_ROLE = re.compile(
    r"(?:负责人|责任人|联系人|监护人|代领人|领款人|经办人|核查人|帮扶人|包保人|医生|家长|房东|管理员|管水员|信息员|"
    r"网格员|书记|主任|校长|施工单位|监理单位|照料人|护理人|看护人|照护人|赡养人|抚养人|扶养人|代理人|委托人|干部|村医|站长|"
    r"组长|理事长)"
    r"(?:的)?(?:联系电话|联系方式|联系号码|电话号码|电话|手机号码|手机号|手机|身份证号码|身份证号|公民身份号码|姓名)$"
)
# words that are usually free text, unless the header is exactly a term's own name (通硬化路情况)
_SOFT = re.compile(r"(?:情况|名称|代码|标准|日期)$")
# a header that ends in a figure word names a figure its 其中 parts are parts of
_FIGURE = re.compile(r"(?:人数|户数|个数|数|人口|面积|金额)$")
_KIND = (
    (re.compile(r"备注|附注|说明|注$"), "备注/说明"),
    (re.compile(r"签字|签名|盖章|意见$"), "签字/意见"),
    (re.compile(r"联系|电话|手机|号码"), "联系方式"),
    (re.compile(r"人$|姓名|名字|书记|主任|员$|专干"), "人员姓名"),
    (re.compile(r"原因|理由|事由|依据"), "原因"),
    (re.compile(r"^(?:是否|有无)"), "是/否"),
)


def header_words(leaf: LeafColumn) -> str:
    """The column's own words, without a unit note or a 其中： prefix."""
    return compact(strip_prefix(split_units(leaf.name)[0]))


def free_text(leaf: LeafColumn, layout_kind: str, *, exact_term: bool = False) -> str | None:
    """What kind of text the header asks for when it is not a number (None when it may be one)."""
    words = header_words(leaf)
    if not words:
        return None
    if _NOTE.search(words):
        return _kind(words)
    if layout_kind == "roster":
        return None
    if _FREE.search(words) or (_SOFT.search(words) and not exact_term):
        return _kind(words)
    return None


def _kind(words: str) -> str:
    return next((label for pattern, label in _KIND if pattern.search(words)), "文字说明")


def review(prop: Proposal, leaf: LeafColumn, layout_kind: str, vocab: Vocabulary, *,
           defined: Sequence[str] = (), title: str | None = None) -> Proposal:
    """Turn a proposal that would write a value without strong evidence into an explained abstention.
    `defined`: the terms the form's notes define (育龄妇女指…), words a header may use without the catalog;
    `title`: the form's title, whose programme or population a column that names none inherits."""
    if prop.kind == "unmapped":
        _explain(prop, leaf, layout_kind, vocab, defined)
        return prop
    if prop.kind not in (*WRITES, "collected"):
        return prop
    exact = _names_term(prop, leaf, vocab)
    kind = free_text(leaf, layout_kind, exact_term=exact)
    gap = None if kind is not None else _gap(prop, leaf, vocab, defined, roster=layout_kind == "roster")
    if (gap is None or gap.flow) and kind is None and title and layout_kind != "roster":
        gap = _programme_gap(prop, leaf, title, vocab) or gap  # the form's programme says more than a flow's word
    if kind is not None:
        why = f"证据不足：表头「{header_words(leaf)}」应填{kind}，不是数字"
    elif gap is not None:
        why = gap.why(_path_words(leaf) if gap.kind or gap.unread else header_words(leaf), _label(prop, vocab))
    elif layout_kind == "roster" and ((not exact and _OTHER_ROLE.search(header_words(leaf))) or (
            len(leaf.path) > 1 and _OTHER_ROLE.search(compact("".join(leaf.path))))):  # 施工单位 > 联系号码
        why = f"证据不足：表头「{_path_words(leaf)}」填的是另一角色（负责人、监护人、医生等）的信息，不是本行人员的"
    elif prop.kind in WRITES and prop.confidence < EVIDENCE:
        why = f"证据不足：最接近的「{_label(prop, vocab)}」相似度 {prop.confidence:.2f}，低于 {EVIDENCE:.2f}"
    else:
        return prop
    _abstain(prop, why, vocab)
    return prop


def _gap(prop: Proposal, leaf: LeafColumn, vocab: Vocabulary, defined: Sequence[str], *,
         roster: bool = False) -> Gap | None:
    """What the header asks that the proposed term cannot say (biaotong.forms.coverage)."""
    term = vocab.term(prop.target) if prop.target else None
    term_expr = (term.expression or {}) if term is not None else {}
    flt = str((prop.expression or {}).get("filter") or term_expr.get("filter") or "")
    honoured = "\n".join([*(term.texts if term else ()), prop.filter or "", flt])
    gap = qualifier_gap([*leaf.path, *leaf.qualifiers], honoured)
    if gap is None and prop.kind == "collected" and term is not None and term.entity == "village":
        # 村两委成员中退役军人数 is no 村两委成员数: a figure the village writes whole takes no part of it either
        gap = narrows_village_figure(header_words(leaf).replace("总", ""), honoured, defined)  # 总收入 is 收入
    if gap is not None or prop.kind not in WRITES:
        return gap
    own = header_words(leaf)
    gap = (_thing_count(own, prop, term) or unknown_word(own, _known(vocab), defined) or age_conflict(own, flt)
           or _group_gap(leaf, honoured, vocab, defined) or _total_gap(leaf, own, prop, term, vocab, honoured, defined)
           or _measure_gap(leaf, own, honoured, prop, term, vocab, defined))
    if gap is None and term is not None and _village_figure(term):  # first: its reason says why no filter helps
        summed = vocab.term(f"village.{term_expr.get('of')}")
        gap = narrows_village_figure(own, "\n".join([honoured, *(summed.texts if summed else ())]), defined)
    if gap is None and term is not None and prop.kind == "indicator":
        gap = _prefixed(own, term, defined)
    if gap is None and term is not None and _rate(term):
        gap = narrows_rate(own, honoured, defined)
    if gap is None and not roster:  # a roster's header names its row's element (学生姓名), not a population
        gap = _unread_gap(leaf, own, prop, term, vocab, honoured)
    if gap is None and not roster:
        gap = _value_gap(leaf, own, flt, "\n".join(term.texts) if term is not None else "")
    if gap is None and not roster and term is not None:
        gap = flow_subject(own, "\n".join([honoured, *_source_texts(prop, term, vocab)]), defined)
    if gap is None and term is not None:
        gap = _span_gap(leaf, term)
    return gap


_LONGER_SPAN = re.compile(r"季度?|年度|全年|半年|三个月|累计")


def _span_gap(leaf: LeafColumn, term: Term) -> Gap | None:
    """本季度末支出保障金 → 特困供养金月支出: an amount the library sums for one month (its name says 月) is no
    outlay over a quarter or a year the column names. Round 10 tuning batch, 2026-12-04."""
    expr = term.expression or {}
    if expr.get("agg") != "sum" or "月" not in term.name:
        return None
    words = compact("".join(leaf.path))
    m = _LONGER_SPAN.search(words)
    if m is None or "月" in words:
        return None
    return Gap(m.group(0), "季度或年度的合计（所提议的是一个月的金额）")


def _value_gap(leaf: LeafColumn, own: str, flt: str, names: str) -> Gap | None:
    """危房户数 > C级 written as 危房户数: a column that is one value of a code list (C级, 集中供养, 一级) counts
    that value; a proposal that reads the same element for other values too (in ('C级', 'D级')) writes the
    group's whole figure, another number — unless the term is named so (常住人口 counts 常住 and 流入)."""
    from biaotong.forms.compose import parents_of
    from biaotong.forms.qualifiers import find

    groups = parents_of(leaf)
    q = find(own, groups[-1] if groups else "")
    if q is None or not re.fullmatch(r"\w+ = '[^']*'", q.filter) or q.element not in flt \
            or re.sub(r"数$", "", compact(own)) in {re.sub(r"数$", "", n) for n in names.split("\n")}:
        return None
    if q.filter in flt.replace("(", "").replace(")", ""):
        return None
    return Gap(q.text, "", unread=True)


def _unread_gap(leaf: LeafColumn, own: str, prop: Proposal, term: Term | None, vocab: Vocabulary,
                honoured: str) -> Gap | None:
    """女党员数 → 党员数, 中共党员 > 其中：女 → 女性人口数, 重点人群签约 > 65岁及以上老年人 → 老年人健康管理人数: a sex or
    a record's qualifier the column or its heading states that the proposal neither says (names, source elements)
    nor reads (filter fields) is dropped, so the value counts another population
    (biaotong.forms.coverage.unread_sex, unread_qualifier)."""
    from biaotong.forms.compose import parents_of
    from biaotong.forms.similarity import normalise

    if _column_ratio(prop):
        return None  # 签约覆盖率 = @D / @C: the columns it divides answer for themselves
    said, fields = _reads(prop, term, vocab)
    said = "\n".join([honoured, said])
    said += "\n" + normalise(said)
    groups = parents_of(leaf)
    expr = {**((term.expression or {}) if term is not None else {}), **(prop.expression or {})}
    entity = expr.get("entity") or (term.entity if term is not None else None)
    return (unread_sex(own, groups, said, fields) or unread_qualifier(own, said, fields, entity)
            or next((g for g in (unread_qualifier(p, said, fields, entity, group=p) for p in groups) if g), None)
            or _unread_flag(own, said, fields, entity, vocab))


# the head nouns a yes/no attribute's name ends in (独居老人, 留守儿童): a kind of person, not the attribute
_PERSON = re.compile(r"老人|老年人?|儿童|妇女|学生|居民|人员|人口|家庭|户|人")


def _unread_flag(own: str, said: str, fields: set[str], entity: str | None, vocab: Vocabulary) -> Gap | None:
    """80周岁及以上空巢老人数 → 80周岁及以上老年人数: a word of the column found only in a yes/no attribute of the
    records (空巢 of 空巢独居老人, 独居老人's alias), not a noun for persons, marks a kind of person the proposal
    neither reads (that element) nor says: the value counts everyone of the age, another number. Round 9 tuning
    batch, 2026-12-04 (one column, 4 leaves written although unmapped); no right write on the tuning half has such
    a word."""
    if entity is None:
        return None
    from biaotong.forms.qualifiers import scan

    if any(q.element in fields for q in scan(own)):
        return None  # 重度（一、二级） read as disability_grade: the words are honoured by another element
    flags = [texts for code, texts in _flags(vocab, entity) if code not in fields]
    for tok in content_words(own):
        if tok in said or _PERSON.fullmatch(tok):
            continue
        if any(tok in text for texts in flags for text in texts):
            return Gap(tok, "", unread=True)
    return None


_FLAGS: dict[int, tuple[Vocabulary, dict[str, list[tuple[str, tuple[str, ...]]]]]] = {}


def _flags(vocab: Vocabulary, entity: str) -> list[tuple[str, tuple[str, ...]]]:
    """The yes/no elements of each entity, as (code, compacted names), built once per vocabulary."""
    hit = _FLAGS.get(id(vocab))
    if hit is None or hit[0] is not vocab:
        by_entity: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
        for t in vocab.elements:
            if t.value_type == "boolean" and t.entity:
                by_entity.setdefault(t.entity, []).append((t.code, tuple(compact(x) for x in t.texts)))
        if len(_FLAGS) >= 8:
            _FLAGS.clear()
        hit = (vocab, by_entity)
        _FLAGS[id(vocab)] = hit
    return hit[1].get(entity, [])




def _column_ratio(prop: Proposal) -> bool:
    parts = (prop.expression or {}).get("ratio") or []
    return any(isinstance(x, str) and x.startswith("@") for x in parts)


def _reads(prop: Proposal, term: Term | None, vocab: Vocabulary, depth: int = 0) -> tuple[str, set[str]]:
    """What a proposal says (its names and its source elements' names) and the fields it reads (its filters,
    `of`, `date`); a ratio of indicators says and reads what its parts do."""
    expr = {**((term.expression or {}) if term is not None else {}), **(prop.expression or {})}
    texts = [*(term.texts if term is not None else ()), *_source_texts(prop, term, vocab)]
    code = f"{expr.get('filter') or ''} {prop.filter or ''} {expr.get('of') or ''} {expr.get('date') or ''}"
    fields = set(re.findall(r"\b[a-z_][a-z0-9_]*\b", code))
    for part in expr.get("ratio") or () if depth == 0 else ():
        sub = vocab.term(part) if isinstance(part, str) else None
        if sub is not None:
            from biaotong.forms.match import Proposal as _P

            t, f = _reads(_P("", "", "", "", None, "indicator", sub.id), sub, vocab, depth + 1)
            texts.append(t)
            fields |= f
    return "\n".join(texts), fields


def _group_gap(leaf: LeafColumn, honoured: str, vocab: Vocabulary, defined: Sequence[str]) -> Gap | None:
    """公益性岗位安置人数 > 男: the column is a part of its group's figure, so a group word no source describes
    makes the part unknowable too, unless the proposed term itself says it."""
    from biaotong.forms.compose import parents_of

    for parent in parents_of(leaf):
        if not _FIGURE.search(parent):
            continue  # 重点人群签约 > 高血压患者, 人口构成 > 18岁以下: a heading, not a figure the column is a part of
        gap = unknown_word(parent, _known(vocab), [*defined, honoured])
        if gap is not None:
            return gap
    return None


_THINGS = re.compile(r"(?:[个处所座家间栋]数|(?:之家|站|室|中心|场所|机构|组织|阵地|点|基地)(?:个数|数量?))$")


def _thing_count(own: str, prop: Proposal, term: Term | None) -> Gap | None:
    """残疾人之家个数 → 持证残疾人数: a header counting places or bodies (个数, 处数, 之家, 站点) is never a count of
    the people or households a term counts. Round 13 blind batch, 2026-12-04."""
    m = _THINGS.search(compact(own))
    if m is None or term is None or family(term.unit) not in ("person", "household"):
        return None
    return Gap(m.group(0), "场所、机构等的个数（所提议的是人数或户数）")


def _total_gap(leaf: LeafColumn, own: str, prop: Proposal, term: Term | None, vocab: Vocabulary, honoured: str,
               defined: Sequence[str]) -> Gap | None:
    """青年人口 > 合计 → 户籍人口数, 80周岁及以上老年人数 > 合计 → 60周岁及以上老年人数: a total says nothing of its
    own, so what it counts is its heading's figure: an age the heading states that the proposal's filter bounds
    otherwise, or a word of the heading the proposal neither says nor reads from its source elements, makes it
    another figure. Round 12 blind batch, 2026-12-04."""
    from biaotong.forms.compose import GENERIC_NAMES, parents_of
    from biaotong.forms.similarity import normalise

    groups = parents_of(leaf)
    if not groups or compact(own) not in GENERIC_NAMES:
        return None
    group = groups[-1]
    expr = {**((term.expression or {}) if term is not None else {}), **(prop.expression or {})}
    age, bounds = find_age(group), age_bounds(f"{expr.get('filter') or ''} {prop.filter or ''}")
    if age is not None and bounds is not None:
        lo, hi = bounds
        if not age.same(AgeRange(lo or None, None if hi == 200 else hi, "")):
            return Gap(age.text, "另一年龄段", group=group)
    said = "\n".join([honoured, *_source_texts(prop, term, vocab)])
    said += "\n" + normalise(said)
    rest = strip_age(group, age) if age is not None else group
    # a word the notes define (青年人口指14—35周岁) is honoured by a composition reading the definition, never by a
    # library indicator taken as it is
    excused = defined if prop.kind == "expression" else ()
    word = next((w for w in content_words(rest, excused) if w not in said and normalise(w) not in said), None)
    return Gap(word, "", unread=True, group=group) if word is not None else None


def _measure_gap(leaf: LeafColumn, own: str, honoured: str, prop: Proposal, term: Term | None, vocab: Vocabulary,
                 defined: Sequence[str]) -> Gap | None:
    """医疗救助 > 救助金额, 转移就业 > 本月新增: a bare measure under a heading is the heading's programme's measure
    (biaotong.forms.coverage.measure_of_group). The term covers its names, its filter and the names of the data
    elements it is computed from (养老金发放 sums 养老金 of 养老保险 待遇领取)."""
    from biaotong.forms.compose import parents_of
    from biaotong.forms.similarity import normalise

    groups = [p for p in parents_of(leaf) if not _FIGURE.search(p)]  # 总人口 > 女: a part of a figure, not a measure
    if not groups:
        return None
    said = "\n".join([honoured, *_source_texts(prop, term, vocab)])
    said += "\n" + normalise(said)
    return next((g for g in (measure_of_group(own, p, said, defined) for p in groups) if g is not None), None)


def _programme_gap(prop: Proposal, leaf: LeafColumn, title: str, vocab: Vocabulary) -> Gap | None:
    """护理补贴发放人数 in a 特困人员 form, 已缴费人数 in a 医疗保险 form: a column that leaves the programme to its form
    counts the form's programme, not the term's (biaotong.forms.coverage.other_programme)."""
    term = vocab.term(prop.target) if prop.target else None
    if term is None or prop.kind not in WRITES:
        return None
    flt = str((prop.expression or {}).get("filter") or (term.expression or {}).get("filter") or "")
    sources = _source_texts(prop, term, vocab)
    said = "\n".join([*term.texts, prop.filter or "", flt, *sources])
    header = "\n".join(compact(p) for p in leaf.path)
    # the form's programme is the title's, or a heading's above the column (养老服务补贴 > 享受人数); the term's is
    # named by its names or by the elements it counts (同时享受两项补贴人数 counts 困难残疾人生活补贴 holders)
    context = "\n".join([compact(title), *(compact(p) for p in leaf.path[:-1])])
    return other_programme(header, context, "\n".join([*term.texts, *sources]), said)


def _source_texts(prop: Proposal, term: Term | None, vocab: Vocabulary) -> list[str]:
    """The names of the data elements a proposal is computed from: its `of` and the fields its filter reads."""
    expr = {**((term.expression or {}) if term is not None else {}), **(prop.expression or {})}
    entity = expr.get("entity") or (term.entity if term is not None else None)
    if not entity:
        return []
    fields = set(re.findall(r"\b[a-z_][a-z0-9_]*\b", f"{expr.get('filter') or ''} {prop.filter or ''}"))
    if expr.get("of"):
        fields.add(str(expr["of"]))
    return [t for f in sorted(fields) if (el := vocab.term(f"{entity}.{f}")) is not None for t in el.texts]


def _prefixed(own: str, term: Term, defined: Sequence[str]) -> Gap | None:
    """困难退役军人数, 乡村从业人员数, 长期护理保险参保人数: the term's own name (or alias) with words put in front
    that no filter of the proposal honours. A direct indicator takes no extra filter, so the prefix names a
    smaller or another population."""
    texts = [compact(t) for t in term.texts]
    if own in texts:
        return None
    said = "\n".join(texts)
    name = max((t for t in texts if len(t) >= 3 and own.endswith(t)), key=len, default=None)
    if name is None:
        return None
    front = own[: -len(name)]
    word = next((w for w in content_words(front, defined) if w not in said), None)
    if word is None and _unsegmented(front) and front not in said and front not in "\n".join(defined):
        word = front  # 小微企业数: a size class jieba reads as single characters is still a word in front
    return Gap(word, "", prefix=True) if word is not None else None


def _unsegmented(text: str) -> bool:
    """Two or more Chinese characters that jieba reads only as single characters (小微): no dictionary word, so
    content_words never sees them, yet they narrow the name they stand in front of."""
    from biaotong.forms.similarity import tokens

    return bool(re.fullmatch(r"[\u4e00-\u9fff]{2,}", text)) and all(len(t) == 1 for t in tokens(text))


def _rate(term: Term) -> bool:
    """A rate or an average (户均人口, 占比, 人均补助): a ratio of two figures or a mean, which takes no filter."""
    expr = term.expression or {}
    return "ratio" in expr or expr.get("agg") in ("avg", "mean")


def _path_words(leaf: LeafColumn) -> str:
    """资金来源 > 中央资金: the header as a designer reads it, the word a qualifier came from included."""
    words = " > ".join(w for w in (compact(strip_prefix(split_units(p)[0])) for p in leaf.path) if w)
    return words + "".join(f"（{q}）" for q in leaf.qualifiers)  # 低保人数（上年）: the note is what it asks


def _village_figure(term: Term) -> bool:
    """A figure each village writes as a whole (党员数, 村卫生室个数), not one counted from records."""
    return term.entity == "village" or (term.expression or {}).get("entity") == "village"


_KNOWN: dict[int, tuple[Vocabulary, str]] = {}


def _known(vocab: Vocabulary) -> str:
    """Every word the catalog, the library and the code lists describe, built once per vocabulary."""
    from biaotong.forms.qualifiers import words

    hit = _KNOWN.get(id(vocab))
    if hit is None or hit[0] is not vocab:
        hit = (vocab, known_words([*vocab.words(), *words()]))
        if len(_KNOWN) >= 8:  # a workspace's vocabulary is rebuilt now and then: keep the recent ones only
            _KNOWN.clear()
        _KNOWN[id(vocab)] = hit
    return hit[1]


def _explain(prop: Proposal, leaf: LeafColumn, layout_kind: str, vocab: Vocabulary,
             defined: Sequence[str] = ()) -> None:
    """An unmapped proposal of the matcher's own says why in the same words, naming its best candidate; when
    the header asks for something no proposal could honour (年度资金计划数), that is the reason given."""
    if not prop.reason.startswith("未找到") or not prop.candidates:
        return
    best = prop.candidates[0]
    kind = free_text(leaf, layout_kind)
    term = vocab.term(best.id) if best.id else None
    gap = None if kind is not None else (
        qualifier_gap([*leaf.path, *leaf.qualifiers], "\n".join(term.texts if term else ()))
        or unknown_word(header_words(leaf), _known(vocab), defined)
        or (_measure_gap(leaf, header_words(leaf), "\n".join(term.texts), prop, term, vocab, defined)
            if term is not None else None)
        or (flow_subject(header_words(leaf), "\n".join([*term.texts, str((term.expression or {}).get("filter") or ""),
                                                         *_source_texts(prop, term, vocab)]), defined)
            if term is not None and layout_kind != "roster" else None))
    if kind is not None:
        why = f"表头「{header_words(leaf)}」应填{kind}，不是数字"
    elif gap is not None:
        why = gap.why(_path_words(leaf) if gap.kind else header_words(leaf), best.name).removeprefix("证据不足：")
    else:
        why = f"最接近的「{best.name}」相似度 {best.score:.2f}，低于 {EVIDENCE:.2f}"
    prop.reason = f"证据不足：{why}；{prop.reason}（首选候选「{best.name}」）"


def _names_term(prop: Proposal, leaf: LeafColumn, vocab: Vocabulary) -> bool:
    term = vocab.term(prop.target) if prop.target else None
    words = header_words(leaf)
    return bool(term) and any(compact(t) == words for t in term.texts)  # type: ignore[union-attr]


def _label(prop: Proposal, vocab: Vocabulary) -> str:
    term = vocab.term(prop.target) if prop.target else None
    if term is not None:
        return term.name
    return prop.reason.split("：", 1)[-1][:40] if prop.reason else str(prop.kind)


def _abstain(prop: Proposal, why: str, vocab: Vocabulary) -> None:
    from biaotong.forms.match import Candidate

    was = Candidate(prop.kind, prop.target or "", _label(prop, vocab), prop.confidence, prop.expression,
                    prop.reason)
    rest = [c for c in prop.candidates if not (c.id and c.id == was.id and c.kind == was.kind)]
    prop.candidates = [was, *rest][:4]
    prop.reason = f"{why}；如需采用，可选候选「{was.name}」（原理由：{prop.reason}）"
    prop.kind, prop.target, prop.expression, prop.filter, prop.scale = "unmapped", None, None, None, 1.0


def abstain_ratio(prop: Proposal, column: str, vocab: Vocabulary) -> None:
    """A rate of two columns when one of them is left empty: nothing to divide."""
    _abstain(prop, f"证据不足：比率所用的第 {column} 列未映射", vocab)


def owner_name(owner: LeafColumn) -> str:
    """The words that name a column others are parts of (村两委成员 for 村两委成员 > 合计)."""
    named = [compact(strip_prefix(split_units(p)[0])) for p in owner.path]
    named = [p for p in named if p and p not in ("合计", "小计", "总计", "其中")]
    return "".join(named) or header_words(owner)


def abstain_twice(prop: Proposal, named: str, vocab: Vocabulary) -> None:
    """人口总数 proposed as 户籍人口数 while the form's own 户籍人口数 column asks that: another figure."""
    _abstain(prop, f"证据不足：本表的「{named}」列已是所提议的数，同一张表不会问两次，本列要的是另一项数", vocab)


def abstain_item(prop: Proposal, total: LeafColumn, vocab: Vocabulary, *, part: bool = False) -> None:
    """在籍不在校人数 > 按类别分 > 疑似辍学 proposed as 在籍不在校人数 > 合计, 集体经济总收入 > 其中：经营性收入 as the
    whole income: one item of a breakdown, or a 其中 part, is not its whole."""
    whole = owner_name(total)
    what = "其中项" if part else "一个分类"
    _abstain(prop, f"证据不足：本列是「{whole}」的{what}，所提议的数与「{whole}」相同，无法按此细分", vocab)


def abstain_part(prop: Proposal, owner: LeafColumn, vocab: Vocabulary, *, whole: bool = False) -> None:
    """A 其中 part of a column left empty (受灾人口 > 其中：60岁以上老人): the part of a figure no system holds is
    no figure of the whole population either. `whole`: the owner is a figure each village writes whole
    (村两委成员 > 其中：女性), which no record of residents can cut."""
    owner_words = owner_name(owner)
    if whole:
        _abstain(prop, f"证据不足：本列是「{owner_words}」的其中项，而「{owner_words}」是各村（社区）整数填写的，"
                       f"无法从人员记录中细分", vocab)
        return
    _abstain(prop, f"证据不足：本列是「{owner_words}」的其中项，而「{owner_words}」未映射", vocab)
