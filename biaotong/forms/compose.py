"""Composing a column's 口径 as population + filter when no library indicator names it as a whole.

A header names a population together with qualifiers — 残疾等级 > 一级 under a form about 持证残疾人, 其中：女
after 独居老人, 居住事由 > 务工 under 暂住人口, 育龄妇女 defined by the notes as 15-49周岁的女性. The population
(the base) comes, in this order, from the column's own parent header, from the column it is a part of (其中：
…, or the form's first count when the parent only names the category), or from the entity itself; the
qualifiers from the code lists, the status words and the notes' definitions (biaotong.forms.qualifiers).

Rates (签约率, 参保率, 占比) become a ratio of two of the form's own columns: the notes' formula
(“签约率=签约人数/户籍人口数×100%”) first, else the column named by the rate's stem over the form's first count.

Fourth tuning round (fresh_r4_aggregate, 2026-12-03; first proposals there 829 → 969 of 1,044 leaves with the
other helpers' changes of the same day, tuning half 97.5% → 97.8%, no wrong write added on either):
- a part names its own people within its owner: 女童 / 女党员 (女 before the owner's noun), 脱贫劳动力 /
  低保家庭学生 / 高血压患者 (the word before the head noun, as a code value or a yes/no count); only the owner can
  then be the population, and an owner that lists the part's value among others (低保 or 特困 or 脱贫) takes it;
- a 其中 part inside a group belongs to the column just before it (本年缴费 > 缴费人数 | 其中：16-59周岁);
- an age band under an age group of everyone (60周岁及以上老年人 > 70-79周岁) is that band of everyone; an age or
  sex part whose owner gives no population (党员总数 is a village figure) is no age group of everyone;
- a period-end heading (本月末在保, 期末实有) names no population: a sibling's (人数 for 60周岁及以上 beside it),
  never a households count for persons or the other way round;
- the title's population: for a category group (按居住事由分 on a 流动人口 form) before the form's first count, and
  for a state it reaches (已就业 on a 退役军人 form) — not for categories of people (孤儿 on a 留守儿童 form);
- a measure of the title's population when the library names that count (残疾人签约数), and a parent naming a
  yes/no element as written (2型糖尿病) is that population for the measure under it;
- a yes/no element named whole before its entity's count word (出租房屋户数, 饮水安全 > 户数);
- rates: 少儿/老年抚养比 by their statistical definition, “A占B比例” by the two names (or the columns' indicator
  names), a stem found in the numerator's indicator names (风险消除率 over 已消除风险 > 人数), and a denominator
  of the numerator's unit (persons over persons).

Fifth tuning round (fresh_r4/r5/r6 batches, 2026-12-03; their wrongly written values 28 → 4, the four left a
truth without the library's identification date; first proposals 0.939 → 0.973; tuning half 97.8% → 98.2%,
its wrong values 32 → 0 with the other helpers' changes of the same day):
- a 其中 part right after a breakdown (生活自理能力评估 > … | 其中：高血压患者) is a part of the form's first count;
  after a breakdown with a 合计, of that total (特困人员 > 合计 | 集中 | 分散 | 其中 > 重度残疾人);
- the other columns of a 其中 group are parts too, never its population: an owner that is no count leaves the
  part blank (党员总数 as a village figure | 其中 > 预备党员 | 35岁及以下);
- a part naming a population of the library (重度残疾人数) is taken within its owner only when the library
  names that intersection (特困人员中重度残疾人数); a status the owner is expected to hold (就业人数 under 劳动力)
  keeps the library's count;
- a group's shared measure (困难群众参保 > 低保特困人员 | 脱贫人口 | 监测对象): when two columns before this one
  count one measure of their own populations and the heading says that measure (参保), a bare population takes it;
- a flow's count is the population of its parts, its date kept (本季度新登记 > 户数 | 其中：个体工商户);
- a parent ending in the qualifier's category noun (鉴定等级 > A级, 房屋安全等级) only names the category;
- rates: the notes' formula over a column the form lacks is no ratio at all (the library's rate over the
  denominator the notes name, else nothing: biaotong.forms.match); 未参保人数 is never 参保人数; a stem shared by
  several columns (居民医保参保人数 | 职工医保参保人数 for 参保率) names none of them, and an indicator's alias
  counts for the stem only when the column's own words share it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from biaotong.forms.model import LeafColumn
from biaotong.forms.patterns import AgeRange, find_age
from biaotong.forms.qualifiers import (
    DEPENDENCY,
    Qualifier,
    definitions,
    described,
    find,
    ratio_definitions,
    scan,
)
from biaotong.forms.rerank import cover_of
from biaotong.forms.similarity import normalise, similarity
from biaotong.forms.text import compact, split_units, strip_prefix

if TYPE_CHECKING:
    from biaotong.forms.match import Proposal

_NOISE = re.compile(r"^按.{1,8}(?:划分|分组|分类|分)$|^其中$|^(?:基本)?情况$|^分类$|^类别$|^合计$|^小计$"
                    # the period's end (本月末在保, 期末实有): when the stock is counted, not whose stock it is
                    r"|^本?(?:期|月|季度?|年)末(?:在保|在册|实有|现有)?$|^(?:在保|在册|实有|现有)$")
_GENERIC = {"合计", "小计", "总计", "人数", "户数", "数量", "人", "户", "总数"}
GENERIC_NAMES = frozenset(_GENERIC | {"计", "数"})  # a total's own words: it counts what its heading counts
_RATE = re.compile(r"(?:覆盖率|占比|比例|比重|率)$")
_IDENT = re.compile(r"\b[a-z_]+\b")
_SQL_WORDS = {"and", "or", "not", "is", "null", "in", "is_set", "true", "false", "before_period_end", "within_year"}
_PERSON_NOUN = re.compile(r"老人|老年人|儿童|妇女|人员|人口|家庭|户|人")
_ONLY_SUFFIX = re.compile(r"(?:人员数|人数|户数|人口数|人口|人员|对象|数)$")
# words for an age group of any population (老年人 is no code value, so not a qualifier on its own)
_AGE_GROUPS = {"老年人": AgeRange(60, None, "老年人"), "老年": AgeRange(60, None, "老年"),
               "老人": AgeRange(60, None, "老人")}
_PART_GROUP = re.compile(r"^(?:其中|内|含)[:：]?$")
_GLOSS = re.compile(r"^[^（(]{1,8}[（(]([^）)]{2,12})[)）]$")  # 重度（一、二级）: a word and what it means
# the head nouns a part repeats from its owner (脱贫家庭学生 under 困难家庭学生)
_NEGATED = re.compile(r"^(?:未|不|非|无)")
_HEAD_NOUN = re.compile(r"(?:在校生|学生|劳动力|人口|人员|家庭|儿童|老人|患者|对象|人|户)$")


@dataclass
class FormContext:
    """What the matcher knows about the form while it goes through the columns left to right."""

    title: str
    notes: list[str]
    defs: dict[str, str] = field(default_factory=dict)
    ratios: dict[str, tuple[str, str]] = field(default_factory=dict)
    done: list[tuple[LeafColumn, Proposal]] = field(default_factory=list)
    topic: str = ""  # the title's subject (biaotong.forms.match.topic_of): 退役军人就业创业
    unread: dict[str, str] = field(default_factory=dict)  # leaf key → why its notes' definition cannot be counted

    @classmethod
    def of(cls, title: str | None, notes: list[str]) -> FormContext:
        return cls(title or "", notes, definitions(notes), ratio_definitions(notes))

    def told(self) -> tuple[str, ...]:
        """The terms the notes define by what elements read: only these may use words no catalog text has. A
        definition by 外地, 户籍在外县 or 代缴 explains a word, it does not make it countable."""
        return tuple(t for t, body in self.defs.items() if not _unread_definition(t, body))


@dataclass
class Composition:
    expression: dict[str, Any]
    base_id: str | None
    score: float
    fragments: list[str]  # the filters added, to tell whether a library indicator already says the same
    reason: str
    age: AgeRange | None = None
    base_kind: str = "entity"  # parent | context | entity: where the population came from
    elements: tuple[str, ...] = ()  # the elements the qualifiers read
    path_text: str = ""  # the parent and leaf words, to see whether a library indicator names them all
    core: str = ""
    part: bool = False  # written as 其中：…
    grouped: bool = False  # under a 其中 group heading (低保人数 | 其中 > 老年人)
    age_group: bool = False  # the column names an age group only (老年人): a part of the form's population


def core_of(leaf: LeafColumn) -> str:
    return compact(strip_prefix(split_units(leaf.name)[0]))


def _owner_names(leaf: LeafColumn, ctx: FormContext) -> list[str]:
    """The column a part belongs to, by name: the one before it (其中：…) or before its 其中 group."""
    if len(leaf.path) > 1 and _PART_GROUP.match(compact(leaf.path[-2])):
        group = tuple(leaf.path[:-1])
        before = [lf for lf, _ in ctx.done if tuple(lf.path[:len(group)]) != group]
        return [core_of(before[-1])] if before else []
    if is_part(leaf):
        before = [lf for lf, _ in ctx.done if not is_part(lf)]
        return [core_of(before[-1])] if before else []
    return []


def owner_of(leaf: LeafColumn, ctx: FormContext) -> tuple[LeafColumn, Any] | None:
    """The column (and its proposal) a 其中 part belongs to: the one before it or before its 其中 group."""
    if len(leaf.path) > 1 and _PART_GROUP.match(compact(leaf.path[-2])):
        group = tuple(leaf.path[:-1])
        before = [d for d in ctx.done if tuple(d[0].path[:len(group)]) != group]
        return before[-1] if before else None
    if is_part(leaf):
        before = [d for d in ctx.done if not is_part(d[0])]
        return before[-1] if before else None
    return None


def is_part(leaf: LeafColumn) -> bool:
    """“其中：女”, “其中80岁以上”: a part of the column before it."""
    return compact(leaf.path[-1] if leaf.path else leaf.name).startswith(("其中", "内：", "含："))


def parents_of(leaf: LeafColumn) -> list[str]:
    out = [compact(strip_prefix(split_units(p)[0])) for p in leaf.path[:-1]]
    return [p for p in out if p and not _NOISE.match(re.sub(r"[（(][^）)]*[)）]", "", p))]


def expr_of(p: Proposal, vocab: Any) -> dict[str, Any] | None:
    if p.kind == "indicator" and p.target:
        term = vocab.term(p.target)
        return dict(term.expression) if term and term.expression else None
    if p.kind == "expression" and p.expression and "ratio" not in p.expression:
        return dict(p.expression)
    return None


def is_count(expr: dict[str, Any] | None) -> bool:
    return bool(expr) and expr.get("agg") in ("count", "count_distinct") and not expr.get("date")  # type: ignore[union-attr]


def _and(*parts: str | None) -> str:
    kept = [p for p in parts if p]
    if len(kept) == 1:
        return kept[0]
    # a term already in its own parentheses keeps one pair (a second would hide it from flat_conjuncts)
    return " and ".join(f"({p})" if (" or " in p.lower() or p is kept[0]) and _unwrap(p) == p else p
                        for p in kept)


class Composer:
    def __init__(self, matcher: Any) -> None:
        self.m = matcher

    # --- population + qualifiers ---

    def compose(self, leaf: LeafColumn, unit: str | None, ctx: FormContext, age: AgeRange | None,
                sex: str | None) -> Composition | None:
        core = core_of(leaf)
        parents = parents_of(leaf)
        raw_parent = compact(strip_prefix(split_units(leaf.path[-2])[0])) if len(leaf.path) > 1 else ""
        raw_parent = re.sub(r"[（(][^）)]*[)）]", "", raw_parent)
        parent = parents[-1] if parents else ("" if _NOISE.match(raw_parent) else raw_parent)
        quals: list[Qualifier] = []
        why: list[str] = []
        age_group = False
        q = find(_strip_age_sex(core, age, sex), parent) if core not in _GENERIC else None
        gloss = _GLOSS.search(core)
        if q is None and gloss is not None:
            q = find(gloss.group(1), parent)  # 重度（一、二级）: the bracket says which code values the word means
        if q is not None:
            quals.append(q)
            age_group = q.element == "age"  # 未成年人
        elif age is None and _ONLY_SUFFIX.sub("", core) in _AGE_GROUPS:
            age = _AGE_GROUPS[_ONLY_SUFFIX.sub("", core)]  # 低保人数 > 老年人: the parent's persons aged 60+
            age_group = True
        # 农村留守儿童 > 其中：女童, 转移就业 > 其中：脱贫劳动力: the part's own population (女, 脱贫) within the
        # column it is a part of; only that column can then be its population, never everyone
        strict = False
        part_like = is_part(leaf) or (len(leaf.path) > 1 and bool(_PART_GROUP.match(compact(leaf.path[-2]))))
        if q is None and age is None and sex is None and (part_like or parents) and core not in _GENERIC:
            sex = _sex_prefix(core, parents + _owner_names(leaf, ctx))
            strict = sex is not None
            pq = self._part_population(core) if part_like and sex is None else None
            if pq is not None:
                q, strict = pq, True
                quals.append(pq)
        d_age, d_sex, defined = self._definition(core, parents, ctx)
        if defined:
            why.append(f"填表说明：{defined}")
            owners = parents + _owner_names(leaf, ctx)
            left = _unread_definition(defined, ctx.defs[defined])
            if left:
                ctx.unread[leaf.key] = (f"证据不足：填表说明把「{defined}」定义为「{ctx.defs[defined]}」，其中的"
                                        f"「{'、'.join(left[:3])}」没有数据元素可以区分，不能按所读到的条件计数")
                return None
            restates = _restates(defined, ctx.defs[defined])
            for dq in () if restates else scan(ctx.defs[defined]):
                # “老年人指60周岁及以上的低保对象” under 低保人数 (or in a 其中 group after it): the definition
                # restates the population the column is a part of, it does not narrow it again
                if any(dq.text in p for p in owners):
                    continue
                if all(dq.element != x.element for x in quals):
                    quals.append(dq)
            # 未成年人 (age < 18) already says what 未满18周岁 says: one age condition, not two
            if not restates:  # a note restating the catalog's own definition (农村留守儿童指…) narrows nothing
                age = age or (d_age if all(x.element != "age" for x in quals) else None)
                sex = sex or d_sex
        if not quals and age is None and sex is None:
            return None
        entity = quals[0].entity if quals else "resident"
        if any(x.entity != entity for x in quals):
            return None
        # a parent that only names the qualifier's category (残疾等级 > 一级) is not a population
        pop_parents = [p for p in parents if not (q and (q.name in p or p in q.name or _ONLY_SUFFIX.sub("", p) in q.name
                                                          or _same_category(p, q.name)))]
        # the form's own columns give the population only to a part (其中：…) or a category (残疾等级 > 一级)
        from_context = is_part(leaf) or (len(leaf.path) > 1 and not pop_parents)
        category = parent if parent and not pop_parents else ""
        avoid = tuple(x.element for x in quals)
        rest = _strip_age_sex(core, age, sex) if not quals and (age or sex) else ""
        rest = "" if rest == core or len(_ONLY_SUFFIX.sub("", rest)) < 2 or from_context or pop_parents else rest
        # the notes define the parent measure itself (合计 under 参保人数, 参保人数指……): the library's measure
        # of that name with the definition in place of its own conditions on the same elements
        redefined = self._redefined(pop_parents[-1], unit, entity, avoid) if defined and pop_parents and defined in (
            pop_parents[-1], _ONLY_SUFFIX.sub("", pop_parents[-1])) else None
        if redefined is None and defined and pop_parents and core in _GENERIC and defined in (
                pop_parents[-1], _ONLY_SUFFIX.sub("", pop_parents[-1])):
            found = self.m.best_count(pop_parents[-1], unit, entity)
            if found is not None and found[0] >= 0.95:
                return None  # 户籍人口指…登记常住户口的人口: a note describing the library's own 户籍人口数, no narrowing
        if redefined is None and defined and d_age is not None and entity == "resident" and core in _GENERIC \
                and pop_parents and _ONLY_SUFFIX.sub("", pop_parents[-1].replace(defined, "")) in ("", "人口", "居民"):
            # 青年人口 > 合计 with 青年指14—35周岁的户籍人口: the note makes the heading an age group of everyone
            redefined = ({"agg": "count", "entity": "resident"}, None, 0.85,
                         f"填表说明把「{defined}」定义为一个年龄段，以全部人口为总体", "parent")
        narrows = (("age",) if age else ()) + (("sex",) if sex else ())
        base, base_id, score, base_why, kind = redefined or self._base(leaf, pop_parents, unit, ctx, entity,
                                                                       from_context, category, avoid, rest,
                                                                       narrows, tuple(x.filter for x in quals)
                                                                       if strict else None)
        # a part (其中 > 35岁及以下 after 党员总数) whose owner gives no population is not an age group of
        # everyone (a code value such as 预备党员 still names its own people)
        if base is None or ((strict or (part_like and not quals)) and kind not in ("parent", "context")):
            return None
        fragments = [x.filter for x in quals]
        if age is not None and age.filter():
            fragments.append(age.filter())
        if sex:
            fragments.append(f"sex = '{sex}'")
        if not fragments:
            return None
        expr = dict(base)
        expr["filter"] = _and(base.get("filter"), *fragments)
        why.insert(0, base_why)
        why.append("加筛选条件：" + " and ".join(fragments))
        elements = tuple(x.element for x in quals) + (("age",) if age else ()) + (("sex",) if sex else ())
        comp = Composition(expr, base_id, score, fragments, "；".join(why), age, kind, elements)
        comp.path_text = "".join([*(p for p in pop_parents[-1:]), *([category] if category else []), core])
        comp.core = core
        comp.part = is_part(leaf)
        comp.grouped = part_like and not comp.part
        comp.age_group = age_group
        return comp

    def measure(self, leaf: LeafColumn, unit: str | None, top: Any, top_score: float,
                population: str = "") -> Composition | None:
        """A population under a measure (签约人数 > 糖尿病患者; 参保人数 > 低保对象): the parent's count of the
        column's population, i.e. both filters — not every diabetic. `top` is the indicator the column's own
        words name best; None when one already implies the other (持证残疾人数 > 视力残疾) or both read the same
        element (two values of one category cannot both hold). `population` (the title's topic) stands for the
        parent when given; the caller then keeps the result only if the library names it."""
        core = core_of(leaf)
        parents = [population] if population else parents_of(leaf)
        texpr = dict(top.expression or {}) if top is not None else {}
        if not parents or core in _GENERIC or not is_count(texpr) or not texpr.get("filter"):
            return None
        entity = texpr.get("entity", top.entity or "resident")
        found = self.m.best_count(parents[-1], unit, entity)
        if found is not None and found[0] < 0.9:
            # 2型糖尿病 > 家庭医生签约人数: a parent naming a yes/no element as written is that population
            el = self.m.boolean_element(parents[-1], entity)
            if el is not None and (found[1].expression or {}).get("filter") == el.code:
                found = (0.9, found[1])
        if found is None or found[0] < (0.85 if population else 0.9) or found[1].id == top.id:
            return None
        score, term = found
        pexpr = dict(term.expression or {})
        pf, tf = pexpr.get("filter") or "", texpr["filter"]
        pc, tc = flat_conjuncts(pf), flat_conjuncts(tf)
        if not pc or pc <= tc or tc <= pc:
            return None
        if (set(_IDENT.findall(pf)) - _SQL_WORDS) & (set(_IDENT.findall(tf)) - _SQL_WORDS):
            return None
        extra = [c for c in tc if c not in pc]
        expr = dict(pexpr)
        expr["filter"] = _and(pf, *extra)
        why = (f"以{'表题' if population else '上级表头'}「{parents[-1]}」对应的指标「{term.name}」为总体；本列「{core}」是其中的人群"
               f"（指标「{top.name}」）：加筛选条件：{' and '.join(extra)}")
        comp = Composition(expr, term.id, min(score, top_score), extra, why, None, "parent",
                           tuple(sorted(set(_IDENT.findall(tf)) - _SQL_WORDS)))
        comp.path_text, comp.core = parents[-1] + core, core
        return comp

    def within_owner(self, leaf: LeafColumn, ctx: FormContext, top: Any, top_score: float) -> Composition | None:
        """特困人员数 | 其中 > 重度残疾人: a part whose own words name a population of the library (重度残疾人数) is
        that population within its owner, both filters — never everyone of it. None when the term already lies
        within the owner, or both read the same element (低保 within 特困 is no part)."""
        grouped = len(leaf.path) > 1 and bool(_PART_GROUP.match(compact(leaf.path[-2])))
        owner = owner_of(leaf, ctx) if grouped or is_part(leaf) else None
        level = leaf.path[:-2] if grouped else leaf.path[:-1]
        if owner is not None and owner[0].path[:-1] != level:
            # 特困人员 > 合计 | 集中供养 | 分散供养 | 其中 > 重度残疾人: after a breakdown, the breakdown's total
            total = [d for d in ctx.done if d[0].path[:-1] == owner[0].path[:-1] and core_of(d[0]) in ("合计", "小计", "总计")]
            owner = total[0] if total else None
        if owner is None:
            return None
        oexpr = expr_of(owner[1], self.m.vocab)
        texpr = dict(top.expression or {})
        if not is_count(oexpr) or not is_count(texpr) or not (oexpr or {}).get("filter") or not texpr.get("filter"):
            return None
        if any((oexpr or {}).get(k) != texpr.get(k) for k in ("agg", "entity", "of")):
            return None
        of, tf = str(oexpr.get("filter")), str(texpr.get("filter"))  # type: ignore[union-attr]
        oc, tc = flat_conjuncts(of), flat_conjuncts(tf)
        if oc <= tc or tc <= oc:
            return None
        own_ids = set(_IDENT.findall(of)) - _SQL_WORDS
        if own_ids & (set(_IDENT.findall(" ".join(tc - oc))) - _SQL_WORDS):
            return None
        extra = {c for c in tc if c not in oc}
        needed = {c for c in extra if not c.startswith("is_set(")}
        keys = ("agg", "entity", "of", "date", "window")
        # only when the library names that population within the owner (特困人员中重度残疾人数): a status the owner
        # is expected to hold (就业人数 under 劳动力) is left as the library's count of it
        for p in self.m._indicators:
            e = p.term.expression or {}
            if any(e.get(k) != (oexpr or {}).get(k) for k in keys) or p.term.id == top.id:
                continue
            pc = flat_conjuncts(str(e.get("filter") or ""))
            added = pc - oc
            if oc <= pc and added and added <= extra and needed <= pc:
                why = (f"本列是「{core_of(owner[0])}」列（{owner[1].target or '合成口径'}）中的「{top.name}」："
                       f"指标库的「{p.term.name}」")
                comp = Composition(dict(e), p.term.id, min(0.85, top_score), sorted(added), why, None, "context",
                                   tuple(sorted(set(_IDENT.findall(tf)) - _SQL_WORDS)))
                comp.path_text, comp.core, comp.part, comp.grouped = core_of(leaf), core_of(leaf), is_part(leaf), grouped
                return comp
        return None

    def group_measure(self, leaf: LeafColumn, prop: Proposal, ctx: FormContext) -> Composition | None:
        """困难群众参保 > 低保特困人员 | 脱贫人口 | 监测对象: when the columns before this one in its group all count
        one measure (参保) of their own populations, and the group heading names that measure, a column read as
        a bare population (监测对象人数) is the measure of it too: the siblings' shared conditions added."""
        if len(leaf.path) < 2 or is_part(leaf) or _PART_GROUP.match(compact(leaf.path[-2])):
            return None
        own = expr_of(prop, self.m.vocab) if prop.kind in ("indicator", "expression") else None
        if not is_count(own):
            return None
        keys = ("agg", "entity", "of")
        siblings = [expr_of(p, self.m.vocab) for lf, p in ctx.done
                    if lf.path[:-1] == leaf.path[:-1] and not is_part(lf) and p.kind in ("indicator", "expression")]
        siblings = [e for e in siblings if is_count(e) and all(e.get(k) == own.get(k) for k in keys)]  # type: ignore[union-attr]
        if len(siblings) < 2:
            return None
        sets = [flat_conjuncts(str(e.get("filter") or "")) for e in siblings]  # type: ignore[union-attr]
        common = set.intersection(*sets)
        if not common or any(x <= common for x in sets):
            return None  # each sibling must name a population of its own beside the shared measure
        mine = flat_conjuncts(str(own.get("filter") or ""))  # type: ignore[union-attr]
        if common <= mine or not mine:
            return None
        shared = set().union(*(_IDENT.findall(c) for c in common)) - _SQL_WORDS
        if shared & (set(_IDENT.findall(str(own.get("filter") or ""))) - _SQL_WORDS):  # type: ignore[union-attr]
            return None  # another value of the measure's own element (未参保) is not that measure
        measure = next((p.term for p in self.m._indicators
                        if is_count(p.term.expression) and flat_conjuncts(
                            str((p.term.expression or {}).get("filter") or "")) == common), None)
        heading = compact(strip_prefix(split_units(leaf.path[-2])[0]))
        said = _shared_word(heading, measure.texts) if measure is not None else ""
        if not said:
            return None  # the heading must say the measure (参保 in 困难群众参保 and 医保参保人数)
        order = [c for c in conjuncts(str(siblings[0].get("filter") or "")) if c in common] or sorted(common)  # type: ignore[union-attr]
        expr = dict(own)  # type: ignore[arg-type]
        expr["filter"] = _and(*order, str(own.get("filter")))  # type: ignore[union-attr]
        why = (f"同组各列都是「{measure.name}」中的人群（表头「{heading}」的「{said}」）："  # type: ignore[union-attr]
               f"本列「{core_of(leaf)}」（{prop.target or '合成口径'}）也加筛选条件：{' and '.join(order)}")
        comp = Composition(expr, prop.target, min(prop.confidence, 0.85), order, why, None, "parent",
                           tuple(sorted(shared)))
        comp.path_text, comp.core = heading + core_of(leaf), core_of(leaf)
        return comp

    def boolean(self, leaf: LeafColumn, unit: str | None) -> Composition | None:
        """出租房屋户数, 饮水安全 > 户数: a yes/no data element named as a whole, before the count word of its own
        entity (户 for a household's element, 人 for a person's), is the count of those for whom it holds."""
        core = core_of(leaf)
        m = re.fullmatch(r"(.{2,}?)(户数|人数)", core)
        parents = parents_of(leaf)
        if m is not None:
            name, count = m.group(1), m.group(2)
        elif core in ("户数", "人数") and parents:
            name, count = parents[-1], core
        else:
            return None
        entity = "household" if count == "户数" else "resident"
        if unit not in (None, count[0]):
            return None
        el = self.m.boolean_element(name, entity)
        if el is None:
            return None
        expr = {"agg": "count", "entity": entity, "filter": el.code}
        comp = Composition(expr, None, 0.9, [el.code], f"「{name}」是数据元「{el.name}」（是/否）：计{count[:1]}数，"
                           f"加筛选条件：{el.code}", None, "entity", (el.code,))
        comp.path_text, comp.core = name + count, core
        return comp

    def _definition(self, core: str, parents: list[str], ctx: FormContext) -> tuple[AgeRange | None, str | None, str]:
        if not ctx.defs:
            return None, None, ""
        pcore = _ONLY_SUFFIX.sub("", parents[-1]) if parents else ""
        own = _ONLY_SUFFIX.sub("", core)
        wanted = [own, core, pcore + own, own + pcore] + ([parents[-1], pcore] if core in _GENERIC and parents else [])
        # 其中：空巢 under 老年人口, defined as 空巢老人: the column's word with a noun for persons after it
        wanted += [t for t in ctx.defs if own and t.startswith(own) and _PERSON_NOUN.fullmatch(t[len(own):])]
        for w in wanted:
            if w and w in ctx.defs:
                text = compact(ctx.defs[w])
                sex = "女" if re.search(r"女性|妇女|女的", text) else "男" if re.search(r"男性", text) else None
                return find_age(text), sex, w
        return None, None, ""

    def _part_population(self, core: str) -> Qualifier | None:
        """脱贫家庭学生 → 脱贫, 低保家庭学生 → 低保, 高血压患者 → 高血压: the population word before the head noun,
        as a code value or as a library count read by one yes/no element (脱贫人口: poverty_alleviated)."""
        rest = core
        for _ in range(2):
            rest = _HEAD_NOUN.sub("", rest) or rest
        if rest == core or len(rest) < 2:
            return None
        q = find(rest)
        if q is not None:
            return q
        found = self.m.best_count(rest, None, "resident")
        flt = str((found[1].expression or {}).get("filter") or "") if found is not None else ""
        if found is None or found[0] < 0.8 or not re.fullmatch(r"[a-z_]+", flt):
            return None
        return Qualifier("resident", flt, flt, rest, found[1].name)

    def _base(self, leaf: LeafColumn, parents: list[str], unit: str | None, ctx: FormContext, entity: str,
              from_context: bool, category: str = "", avoid: tuple[str, ...] = (),
              own: str = "", narrows: tuple[str, ...] = (),
              within: tuple[str, ...] | None = None) -> tuple[dict[str, Any] | None, str | None, float, str, str]:
        owner = self._sibling_owner(leaf, ctx, entity, avoid + narrows, unit) if is_part(leaf) and parents else None
        if owner is not None:
            return (*owner, "context")
        if parents:
            found = self.m.best_count("".join(parents[-1:]), unit, entity, avoid, topic=ctx.topic)
            if found is not None and found[0] >= 0.85:
                s, term = found
                why = f"以上级表头「{parents[-1]}」对应的指标「{term.name}」为总体"
                return dict(term.expression), term.id, s, why, "parent"
            if entity == "resident" and _everyone_aged(parents[-1], narrows, leaf):
                why = f"上级表头「{parents[-1]}」是全部人口中的年龄段，本列是其中更窄的年龄段"
                return {"agg": "count", "entity": "resident"}, None, 0.85, why, "parent"
            return None, None, 0.0, "", ""  # a parent that names no known population: do not guess
        if own:
            found = self.m.best_count(own, unit, entity, avoid)
            if found is not None and found[0] >= 0.85:
                s, term = found
                return dict(term.expression), term.id, s, f"以「{own}」对应的指标「{term.name}」为总体", "own"
        if from_context:
            prev = self._context_base(leaf, ctx, entity, category, avoid, unit, narrows, within)
            if prev is not None:
                return (*prev, "context")
        elif within is None and len(leaf.path) == 1 and core_of(leaf).startswith("已"):
            # only a state the title's population reaches (已就业, 已参保): a category of people (孤儿 on a
            # 留守儿童 form, 烈士遗属 on a 退役军人 one) is a population beside the title's, not within it
            titled = self._title_base(ctx, unit, entity, avoid)
            if titled is not None:
                return (*titled, "title")
        plain = {"agg": "count", "entity": entity}
        return plain, None, 0.75, f"以全部{'人口' if entity == 'resident' else entity}为总体", "entity"

    def _sibling_owner(self, leaf: LeafColumn, ctx: FormContext, entity: str, avoid: tuple[str, ...],
                       unit: str | None) -> tuple[dict[str, Any], str | None, float, str] | None:
        """本年缴费 > 缴费人数 | 其中：16-59周岁: a 其中 part inside a group belongs to the column just before it
        in that group, whose count is then its population (the group heading itself may name no population);
        not one already cut by the part's own kind of condition (其中：女 after 男 is not a part of 男)."""
        siblings = [(lf, p) for lf, p in ctx.done if lf.path[:-1] == leaf.path[:-1] and not is_part(lf)]
        if not siblings:
            return None
        lf, p = siblings[-1]
        e = expr_of(p, self.m.vocab)
        # a flow's count (本季度新登记 > 户数 | 其中：个体工商户) is the population of its parts too, its date kept
        dated = bool(e) and e.get("agg") in ("count", "count_distinct") and bool(e.get("date"))  # type: ignore[union-attr]
        if not (is_count(e) or dated) or (e or {}).get("entity", "resident") != entity or reads(e, avoid) \
                or not _counts_unit(e, unit):
            return None
        return e, p.target, 0.85, f"以本表「{lf.name or lf.title}」列（{p.target or '合成口径'}）为总体"  # type: ignore[return-value]

    def _title_base(self, ctx: FormContext, unit: str | None, entity: str,
                    avoid: tuple[str, ...]) -> tuple[dict[str, Any], str | None, float, str] | None:
        """The population the title begins with (退役军人就业创业情况统计表: 退役军人), named exactly, for a column
        that is only a status of it (已就业): the longest such beginning, with a filter of its own."""
        for n in range(len(ctx.topic), 1, -1):
            found = self.m.best_count(ctx.topic[:n], unit, entity, avoid)
            if found is not None and found[0] >= 0.95 and (found[1].expression or {}).get("filter"):
                s, term = found
                return dict(term.expression), term.id, s, f"以表题「{ctx.topic[:n]}」对应的指标「{term.name}」为总体"
        return None

    def _redefined(self, parent: str, unit: str | None, entity: str,
                   avoid: tuple[str, ...]) -> tuple[dict[str, Any], str | None, float, str, str] | None:
        """The library's count named by `parent` when it reads the elements the notes define it by: its
        conditions on them dropped (the definition replaces them), the others kept (the period's dates)."""
        found = self.m.best_count(parent, unit, entity)
        if found is None or found[0] < 0.95 or not reads(found[1].expression, avoid):
            return None
        s, term = found
        expr = dict(term.expression)
        kept = [c for c in conjuncts(expr.get("filter") or "") if not reads({"filter": c}, avoid)]
        expr.pop("filter", None)
        if kept:  # one kept term loses its own parentheses: _and puts them back where needed
            expr["filter"] = _unwrap(kept[0]) if len(kept) == 1 else " and ".join(kept)
        why = f"以上级表头「{parent}」对应的指标「{term.name}」为总体，其 {'、'.join(avoid)} 条件按填表说明"
        return expr, term.id, s, why, "parent"

    def _context_base(self, leaf: LeafColumn, ctx: FormContext, entity: str, category: str = "",
                      avoid: tuple[str, ...] = (), unit: str | None = None,
                      narrows: tuple[str, ...] = (),
                      within: tuple[str, ...] | None = None) -> tuple[dict[str, Any], str | None, float, str] | None:
        """The column a part belongs to: the one before it (其中：…); for a category (优抚对象 > 伤残军人) the
        group's 合计, else the population the category header names, else (本月末在保 > 户数 | 人数 | 60周岁及以上)
        a sibling's population not cut by the column's own age or sex, else the form's first count. A count of
        persons never takes a count of households as its population, nor the other way round. `within` (the
        part's own conditions) asks for the owner alone, which may then list the part's value among others
        (困难家庭学生 = 低保 or 特困 or 脱贫: 其中 低保家庭学生 narrows it)."""
        siblings = [(lf, p) for lf, p in ctx.done if lf.path[:-1] == leaf.path[:-1] and not is_part(lf)]
        pool = list(reversed(siblings)) if is_part(leaf) else []
        grouped = len(leaf.path) > 1 and bool(_PART_GROUP.match(compact(leaf.path[-2])))
        if is_part(leaf) and ctx.done and len(ctx.done[-1][0].path) > len(leaf.path):
            # 生活自理能力评估 > 可自理 … | 其中：高血压患者: a part right after a breakdown is a part of the form's
            # population (its first count), not of the last column before the breakdown (a rate, a task count)
            pool = [d for d in ctx.done if is_count(expr_of(d[1], self.m.vocab))][:1]
        if grouped:
            # a 其中 group (低保人数 | 其中 > 老年人 …) is a part of the column just before the group
            group = leaf.path[:-1]
            pool += [(lf, p) for lf, p in reversed(ctx.done) if tuple(lf.path[:len(group)]) != tuple(group)][:1]
        pool += [(lf, p) for lf, p in siblings if core_of(lf) in ("合计", "小计", "总计")]
        if category and not is_part(leaf):
            found = self.m.best_count(category, None, entity, avoid)
            if found is not None and found[0] >= 0.85:
                s, term = found
                return dict(term.expression), term.id, s, f"以表头「{category}」对应的指标「{term.name}」为总体"
        if within is not None:
            pool = pool[:1]
        elif not is_part(leaf) and not category and not grouped:
            # (the other columns of a 其中 group are parts too: 预备党员 is no population of 35岁及以下)
            pool += [(lf, p) for lf, p in siblings if not reads(expr_of(p, self.m.vocab), narrows)]
        def first(pool: list[tuple[LeafColumn, Proposal]]) -> tuple[dict[str, Any], str | None, float, str] | None:
            for lf, p in pool:
                e = expr_of(p, self.m.vocab)
                if is_count(e) and (e or {}).get("entity", "resident") == entity \
                        and (not reads(e, avoid) or (within is not None and _holds(e, within))) \
                        and _counts_unit(e, unit):
                    return e, p.target, 0.85, f"以本表「{lf.name or lf.title}」列（{p.target or '合成口径'}）为总体"  # type: ignore[return-value]
            return None

        found = first(pool)
        if found is not None or within is not None or grouped:
            return found  # a 其中 group whose owner is no count has no population: never the form's first one
        if not is_part(leaf) and not category:
            # 按居住事由分 > 务工 on 流动人口登记…统计表: the title's population, before the form's first count
            # (常住人口 there is the rate's denominator, not whose reasons are counted)
            titled = self._title_base(ctx, unit, entity, avoid)
            if titled is not None:
                return titled
        return first(ctx.done)

    # --- rates from the form's own columns ---

    def ratio(self, leaf: LeafColumn, ctx: FormContext, props: dict[str, Proposal],
              leaves: list[LeafColumn]) -> tuple[str, str, str] | None:
        name = core_of(leaf)
        if not _RATE.search(name) and leaf.unit != "%":
            return None
        data = [lf for lf in leaves if lf.role == "data" and lf.key != leaf.key and _writes(props.get(lf.key))]
        for term, (num, den) in ctx.ratios.items():
            if term in name or name in term:
                a, b = _column_named(num, data), _column_named(den, data)
                if a and b and a != b:
                    return a.key, b.key, f"按填表说明「{term}={num}/{den}」，为本表两列之比"
                # the notes name the rate's parts and one is no column of the form (参保人数 beside 居民医保参保人数
                # | 职工医保参保人数): the library's rate or nothing, never a ratio of some other column
                return None
        for word, (lo_n, hi_n), (lo_d, hi_d) in DEPENDENCY:
            if name.startswith(word):
                # 少儿抚养比 = 0-14岁 / 15-64岁 (the statistical definition): the two age columns of the form
                a, b = _column_aged(lo_n, hi_n, data), _column_aged(lo_d, hi_d, data)
                if a and b:
                    return a.key, b.key, f"「{word}」按统计定义为「{a.title}」÷「{b.title}」（本表两列之比）"
                return None
        share = re.fullmatch(r"(.{2,12}?)占(.{2,12}?)(?:的)?(?:比例|比重|百分比|比)", name)
        if share is not None:
            # 流入人口占常住人口比例: the columns the two names say, by their words or their indicators' names
            a, b = (_column_named(share.group(i), data, props, self.m.vocab) for i in (1, 2))
            if a and b and a != b:
                return a.key, b.key, f"「{share.group(1)}」÷「{share.group(2)}」（本表两列之比）"
            return None
        stem = _RATE.sub("", name)
        stem = re.sub(r"^(?:城乡居民|基本|综合)", "", stem)
        if len(stem) < 2:
            return None
        def rank(lf: LeafColumn) -> int:
            own, path = core_of(lf), compact("".join(parents_of(lf)))
            if own.startswith(stem) or own.startswith("已" + stem):
                return 0
            if own in ("合计", "小计", "总计") and path.startswith(stem):
                return 1
            p = props.get(lf.key)
            term = self.m.vocab.term(p.target) if p is not None and p.kind == "indicator" and p.target else None
            if term is not None and not is_part(lf) and cover_of(stem, own + path) >= 0.5 and any(
                    compact(t).startswith((stem, "已" + stem)) for t in term.texts):
                return 1  # 已消除风险 > 人数 is 风险消除人数 by its indicator's names (风险消除率)
            return 2 if stem in own + path and not is_part(lf) else 9

        nums = sorted((lf for lf in data if rank(lf) < 9), key=rank)
        if not nums or (rank(nums[0]) == 2 and len(nums) > 1 and rank(nums[1]) == 2):
            # 居民医保参保人数 | 职工医保参保人数 | 脱贫人口参保人数 for 参保率: each is one part of 参保, none the whole
            return None
        num = nums[0]
        num_expr = expr_of(props[num.key], self.m.vocab) or {}

        def denominator(lf: LeafColumn) -> bool:
            same_group = bool(num.path[:-1]) and lf.path[:-1] == num.path[:-1]
            e = expr_of(props[lf.key], self.m.vocab)
            # persons over persons: a households column is no denominator of a count of people
            units = not (lf.unit and num.unit and lf.unit != num.unit)
            return (lf.key != num.key and not is_part(lf) and not same_group and is_count(e) and units
                    and (e or {}).get("entity") == num_expr.get("entity", (e or {}).get("entity")))

        # 留守儿童占比 names no denominator: only a column whose population holds the numerator's can be it
        unnamed = name.endswith("占比") and "占" not in name[:-2]
        num_parts = flat_conjuncts(str(num_expr.get("filter") or ""))

        def holds_numerator(lf: LeafColumn) -> bool:
            e = expr_of(props[lf.key], self.m.vocab) or {}
            return flat_conjuncts(str(e.get("filter") or "")) <= num_parts

        den = next((lf for lf in data if denominator(lf) and (not unnamed or holds_numerator(lf))), None)
        if den is None:
            return None
        return num.key, den.key, f"「{num.title}」÷「{den.title}」（本表两列之比）"


def _everyone_aged(parent: str, narrows: tuple[str, ...], leaf: LeafColumn) -> bool:
    """60周岁及以上老年人 > 70-79周岁: the parent is only an age group of everyone and the column's own ages lie
    within it."""
    outer, inner = find_age(parent), find_age(core_of(leaf))
    if "age" not in narrows or outer is None or inner is None:
        return False
    rest = _ONLY_SUFFIX.sub("", parent.replace(outer.text, ""))
    if rest not in ("", "老年人", "老人", "老年", "人口", "居民", "儿童", "少年儿童"):
        return False
    lo_ok = (inner.lo or 0) >= (outer.lo or 0)
    hi_ok = outer.hi is None or (inner.hi is not None and inner.hi <= outer.hi)
    return lo_ok and hi_ok


def _sex_prefix(core: str, owners: list[str]) -> str | None:
    """女童 under 留守儿童, 女党员 after 党员总数: 女/男 before the owner's own noun is the owner's women/men."""
    m = re.fullmatch(r"([女男])([^性].*)", core)
    if m is None:
        return None
    noun = _ONLY_SUFFIX.sub("", m.group(2)) or m.group(2)
    return m.group(1) if any(noun in o for o in owners if o) else None


_CATEGORY_NOUN = re.compile(r"(?:等级|级别|类别|类型|性质|程度)$")


def _same_category(parent: str, name: str) -> bool:
    """鉴定等级 > A级 (房屋安全等级): a parent ending in the qualifier's category noun only names that category."""
    m = _CATEGORY_NOUN.search(parent)
    return m is not None and name.endswith(m.group(0))


def _shared_word(text: str, names: tuple[str, ...]) -> str:
    """The longest word of two or more characters `text` shares with one of `names`, count words aside."""
    best = ""
    for n in names:
        for i in range(len(text)):
            for j in range(i + 2, len(text) + 1):
                w = text[i:j]
                if len(w) > len(best) and w in n and w not in _GENERIC and not _ONLY_SUFFIX.fullmatch(w):
                    best = w
    return best


def _holds(expr: dict[str, Any] | None, frags: tuple[str, ...]) -> bool:
    """Does the owner's filter already allow each part condition as one of several (`a or b`, `x in (…)`)?"""
    f = (expr or {}).get("filter") or ""
    for frag in frags:
        m = re.fullmatch(r"(\w+) = '([^']*)'", frag)
        if m is not None:
            if not re.search(rf"\b{m.group(1)}\s+in\s*\([^)]*'{re.escape(m.group(2))}'", f):
                return False
        elif not (re.fullmatch(r"\w+", frag) and re.search(rf"\bor\s+{frag}\b|\b{frag}\s+or\b", f)):
            return False
    return True


def _counts_unit(expr: dict[str, Any] | None, unit: str | None) -> bool:
    """Does a count of `expr` count what the column's unit says (人: persons, 户: households)?"""
    e = expr or {}
    households = e.get("of") == "household_id" or e.get("entity") == "household"
    if unit == "人":
        return not households
    if unit == "户":
        return households or e.get("entity") not in (None, "resident")
    return True


def conjuncts(text: str) -> list[str]:
    """A filter's top-level `and` terms as written (parentheses and quoted values kept whole)."""
    out: list[str] = []
    depth, quote, start = 0, False, 0
    for m in re.finditer(r"'|\(|\)|\s+and\s+", text, re.IGNORECASE):
        tok = m.group(0)
        if tok == "'":
            quote = not quote
        elif not quote and tok in "()":
            depth += 1 if tok == "(" else -1
        elif not quote and depth == 0 and tok not in "'()":
            out.append(text[start:m.start()].strip())
            start = m.end()
    out.append(text[start:].strip())
    return [c for c in out if c]


def flat_conjuncts(text: str) -> set[str]:
    """The `and` terms at any depth of nested `and`s: `(a and (b or c)) and d` -> {a, (b or c), d}."""
    out: set[str] = set()
    for c in conjuncts(text):
        inner = _unwrap(c)
        parts = conjuncts(inner) if inner != c else [c]
        out |= flat_conjuncts(inner) if len(parts) > 1 else {c}
    return out


def _unwrap(term: str) -> str:
    """`(a or b)` -> `a or b` when the parentheses enclose the whole term."""
    if not (term.startswith("(") and term.endswith(")")):
        return term
    depth = 0
    for i, ch in enumerate(term):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth == 0 and i < len(term) - 1:
            return term  # `(a) or (b)`: the first parenthesis closes early
    return term[1:-1]


def reads(expr: dict[str, Any] | None, elements: tuple[str, ...]) -> bool:
    """Does the expression's filter read one of the elements, other than “is set” (a category's own values
    cannot narrow a population already cut by another value of it: 危房户数 is no base for A级)?"""
    f = re.sub(r"is_set\(\w+\)", "", (expr or {}).get("filter") or "")
    return any(re.search(rf"\b{e}\b", f) for e in elements)


def _writes(p: Proposal | None) -> bool:
    return p is not None and p.kind in ("indicator", "expression", "element")


def _column_aged(lo: int, hi: int | None, leaves: list[LeafColumn]) -> LeafColumn | None:
    """The one column counting exactly the ages lo..hi (hi None: lo and over)."""
    found = [lf for lf in leaves if (a := find_age(core_of(lf))) is not None and (a.lo or 0) == lo
             and a.hi == hi and not is_part(lf)]
    return found[0] if len(found) == 1 else None


def _column_named(text: str, leaves: list[LeafColumn], props: dict[str, Proposal] | None = None,
                  vocab: Any = None) -> LeafColumn | None:
    t = normalise(compact(text))
    best: tuple[float, LeafColumn | None] = (0.0, None)
    for lf in leaves:
        if _NEGATED.match(core_of(lf)) and not _NEGATED.match(compact(text)):
            continue  # 未参保人数 is not 参保人数, however alike the words
        p = (props or {}).get(lf.key)
        term = vocab.term(p.target) if vocab is not None and p is not None and p.kind == "indicator" and p.target \
            else None
        named = (term.name,) if term is not None else ()
        for cand in (core_of(lf), "".join(compact(strip_prefix(split_units(p)[0])) for p in lf.path), *named):
            s = similarity(t, normalise(cand))
            if s > best[0]:
                best = (s, lf)
    return best[1] if best[0] >= 0.8 else None


def _strip_age_sex(core: str, age: AgeRange | None, sex: str | None) -> str:
    t = core.replace(age.text, "") if age else core
    if sex:
        t = re.sub(r"中的?$", "", re.sub(r"性别|女性|男性|妇女|[女男]", "", t))
    return t or core


def consistent(term_filter: str | None, term_age: AgeRange | None, comp: Composition, base_filter: str | None) -> bool:
    """Does a library indicator already say what the composition says (its filter holds the base's and every
    qualifier's condition)? Then the named indicator is proposed, which reads better to a designer."""
    f = re.sub(r"\s+", " ", term_filter or "")
    age_only = bool(base_filter) and re.fullmatch(r"(?:\s|age|and|[<>=()\d])+", base_filter or "") is not None
    implied = bool(base_filter) and set(_IDENT.findall(base_filter or "")) - _SQL_WORDS <= set(comp.elements)
    if base_filter and not (age_only and comp.age is not None) and not implied \
            and re.sub(r"\s+", " ", base_filter) not in f:
        return False
    for frag in comp.fragments:
        if frag.startswith("age") and comp.age is not None:
            if not comp.age.same(term_age):
                return False
        elif frag not in f:
            return False
    return True


# words a definition may use to restate what a register already is (截至统计时点, 户籍在本村, 持有残疾人证, 经鉴定):
# they say when and where the records are counted, not which records
_RESTATE = frozenset({
    "截止", "截至", "日期", "统计", "时点", "报告", "期末", "户籍", "户口", "登记", "辖区", "本辖区", "持有", "取得",
    "实际", "认定", "鉴定", "经鉴定", "部门", "民政部门", "目前", "现有", "仍在", "在保", "在册", "关系", "户籍地",
})
_DEF_AGE = re.compile(r"(?:年满|未满|不满|满)?\d+\s*(?:周?岁)?\s*(?:至|-|—|~|到)\s*\d+\s*周?岁(?:及以上|以上|以下|及以下)?"
                      r"|(?:年满|未满|不满|满)?\d+\s*周?岁(?:及以上|以上|以下|及以下|以内)?")
_DEF_SEX = re.compile(r"女性|男性|妇女")


def _restates(term: str, body: str) -> bool:
    """农村留守儿童指父母双方外出务工或一方外出务工另一方无监护能力、不满十六周岁的农村户籍未成年人: a note quoting
    (near enough) the catalog's definition of what the defined term itself reads (left_behind_child) describes that
    element; its words are about the element (the parents' 外出务工), not further conditions on the counted."""
    from rapidfuzz import fuzz

    text = compact(body)
    return any(fuzz.ratio(text, d) >= 80 for d in _catalog_definitions(term))


def _catalog_definitions(term: str) -> list[str]:
    """The catalog's definitions of the elements a defined term's own words read (外出青年: residence_status)."""
    return [d for q in scan(term) if (d := described(q.entity, q.element))]


def _unread_definition(term: str, body: str) -> list[str]:
    """“随迁子女指户籍在外地、随父母在本乡镇就读的学生”, “政府代缴人员指由财政为低保对象、特困人员、重度残疾人等
    代缴保费的参保人员”: the words of a definition's qualifying part (before its head noun, or all of it) that no
    code value, status, age or sex reads and that do not merely restate the register (_RESTATE). Any such word
    narrows the population by something no element tells apart (外地, 代缴, 自主就业方式安置), and counting what
    the read words alone select — a fragment (就业 of 自主就业), one item of an open list (低保对象 of …等) — would
    write another number. Tuning half and the round 8–9 batches, 2026-12-04: the definitions behind nine
    columns written although unmapped leave such words; those behind the right compositions (育龄妇女指15-49周岁的
    女性, 重度指残疾等级为一、二级, 适龄儿童少年指6至15周岁的户籍儿童少年) leave none."""
    from biaotong.forms.coverage import content_words

    text = compact(body)
    modifier = text.rsplit("的", 1)[0] if "的" in text else text
    found = scan(modifier)
    for q in found:  # a negated value (未终止) is found by its own words
        for said in (*q.text.split("、"), q.text.removeprefix("非"), q.name):
            modifier = modifier.replace(said, "，")
    modifier = _DEF_SEX.sub("，", _DEF_AGE.sub("，", modifier))
    # the defined term's own words restate it (参保人数指未终止参保的人员), and so does the catalog's definition of
    # what they read (外出青年指离开户籍地半年以上的青年: 外出 is 离开半年以上 by the element's own definition)
    restated = "\n".join(_catalog_definitions(term))
    return [w for w in content_words(modifier) if w not in _RESTATE and w not in term and w not in restated]
