"""Composing a column's 口径 as population + filter when no library indicator names it as a whole.

A header names a population together with qualifiers — 残疾等级 > 一级 under a form about 持证残疾人, 其中：女
after 独居老人, 居住事由 > 务工 under 暂住人口, 育龄妇女 defined by the notes as 15-49周岁的女性. The population
(the base) comes, in this order, from the column's own parent header, from the column it is a part of (其中：
…, or the form's first count when the parent only names the category), or from the entity itself; the
qualifiers from the code lists, the status words and the notes' definitions (biaotong.forms.qualifiers).

Rates (签约率, 参保率, 占比) become a ratio of two of the form's own columns: the notes' formula
(“签约率=签约人数/户籍人口数×100%”) first, else the column named by the rate's stem over the form's first count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from biaotong.forms.model import LeafColumn
from biaotong.forms.patterns import AgeRange, find_age
from biaotong.forms.qualifiers import Qualifier, definitions, find, ratio_definitions, scan
from biaotong.forms.similarity import normalise, similarity
from biaotong.forms.text import compact, split_units, strip_prefix

if TYPE_CHECKING:
    from biaotong.forms.match import Proposal

_NOISE = re.compile(r"^按.{1,8}(?:划分|分组|分类|分)$|^其中$|^(?:基本)?情况$|^分类$|^类别$|^合计$|^小计$")
_GENERIC = {"合计", "小计", "总计", "人数", "户数", "数量", "人", "户", "总数"}
_RATE = re.compile(r"(?:覆盖率|占比|比例|比重|率)$")
_IDENT = re.compile(r"\b[a-z_]+\b")
_SQL_WORDS = {"and", "or", "not", "is", "null", "in", "is_set", "true", "false", "before_period_end", "within_year"}
_ONLY_SUFFIX = re.compile(r"(?:人员数|人数|户数|人口数|人口|人员|对象|数)$")
# words for an age group of any population (老年人 is no code value, so not a qualifier on its own)
_AGE_GROUPS = {"老年人": AgeRange(60, None, "老年人"), "老年": AgeRange(60, None, "老年"),
               "老人": AgeRange(60, None, "老人")}
_PART_GROUP = re.compile(r"^(?:其中|内|含)[:：]?$")


@dataclass
class FormContext:
    """What the matcher knows about the form while it goes through the columns left to right."""

    title: str
    notes: list[str]
    defs: dict[str, str] = field(default_factory=dict)
    ratios: dict[str, tuple[str, str]] = field(default_factory=dict)
    done: list[tuple[LeafColumn, Proposal]] = field(default_factory=list)

    @classmethod
    def of(cls, title: str | None, notes: list[str]) -> FormContext:
        return cls(title or "", notes, definitions(notes), ratio_definitions(notes))


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
    return " and ".join(f"({p})" if " or " in p.lower() or p is kept[0] else p for p in kept)


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
        if q is not None:
            quals.append(q)
            age_group = q.element == "age"  # 未成年人
        elif age is None and _ONLY_SUFFIX.sub("", core) in _AGE_GROUPS:
            age = _AGE_GROUPS[_ONLY_SUFFIX.sub("", core)]  # 低保人数 > 老年人: the parent's persons aged 60+
            age_group = True
        d_age, d_sex, defined = self._definition(core, parents, ctx)
        if defined:
            why.append(f"填表说明：{defined}")
            owners = parents + _owner_names(leaf, ctx)
            for dq in scan(ctx.defs[defined]):
                # “老年人指60周岁及以上的低保对象” under 低保人数 (or in a 其中 group after it): the definition
                # restates the population the column is a part of, it does not narrow it again
                if any(dq.text in p for p in owners):
                    continue
                if all(dq.element != x.element for x in quals):
                    quals.append(dq)
            # 未成年人 (age < 18) already says what 未满18周岁 says: one age condition, not two
            age = age or (d_age if all(x.element != "age" for x in quals) else None)
            sex = sex or d_sex
        if not quals and age is None and sex is None:
            return None
        entity = quals[0].entity if quals else "resident"
        if any(x.entity != entity for x in quals):
            return None
        # a parent that only names the qualifier's category (残疾等级 > 一级) is not a population
        pop_parents = [p for p in parents if not (q and (q.name in p or p in q.name or _ONLY_SUFFIX.sub("", p) in q.name))]
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
        base, base_id, score, base_why, kind = redefined or self._base(leaf, pop_parents, unit, ctx, entity,
                                                                       from_context, category, avoid, rest)
        if base is None:
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
        comp.age_group = age_group
        return comp

    def measure(self, leaf: LeafColumn, unit: str | None, top: Any, top_score: float) -> Composition | None:
        """A population under a measure (签约人数 > 糖尿病患者; 参保人数 > 低保对象): the parent's count of the
        column's population, i.e. both filters — not every diabetic. `top` is the indicator the column's own
        words name best; None when one already implies the other (持证残疾人数 > 视力残疾) or both read the same
        element (two values of one category cannot both hold)."""
        core = core_of(leaf)
        parents = parents_of(leaf)
        texpr = dict(top.expression or {}) if top is not None else {}
        if not parents or core in _GENERIC or not is_count(texpr) or not texpr.get("filter"):
            return None
        entity = texpr.get("entity", top.entity or "resident")
        found = self.m.best_count(parents[-1], unit, entity)
        if found is None or found[0] < 0.9 or found[1].id == top.id:
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
        why = (f"以上级表头「{parents[-1]}」对应的指标「{term.name}」为总体；本列「{core}」是其中的人群"
               f"（指标「{top.name}」）：加筛选条件：{' and '.join(extra)}")
        comp = Composition(expr, term.id, min(score, top_score), extra, why, None, "parent",
                           tuple(sorted(set(_IDENT.findall(tf)) - _SQL_WORDS)))
        comp.path_text, comp.core = parents[-1] + core, core
        return comp

    def _definition(self, core: str, parents: list[str], ctx: FormContext) -> tuple[AgeRange | None, str | None, str]:
        if not ctx.defs:
            return None, None, ""
        pcore = _ONLY_SUFFIX.sub("", parents[-1]) if parents else ""
        own = _ONLY_SUFFIX.sub("", core)
        wanted = [own, core, pcore + own, own + pcore] + ([parents[-1], pcore] if core in _GENERIC and parents else [])
        for w in wanted:
            if w and w in ctx.defs:
                text = compact(ctx.defs[w])
                sex = "女" if re.search(r"女性|妇女|女的", text) else "男" if re.search(r"男性", text) else None
                return find_age(text), sex, w
        return None, None, ""

    def _base(self, leaf: LeafColumn, parents: list[str], unit: str | None, ctx: FormContext, entity: str,
              from_context: bool, category: str = "", avoid: tuple[str, ...] = (),
              own: str = "") -> tuple[dict[str, Any] | None, str | None, float, str, str]:
        if parents:
            found = self.m.best_count("".join(parents[-1:]), unit, entity, avoid)
            if found is not None and found[0] >= 0.85:
                s, term = found
                why = f"以上级表头「{parents[-1]}」对应的指标「{term.name}」为总体"
                return dict(term.expression), term.id, s, why, "parent"
            return None, None, 0.0, "", ""  # a parent that names no known population: do not guess
        if own:
            found = self.m.best_count(own, unit, entity, avoid)
            if found is not None and found[0] >= 0.85:
                s, term = found
                return dict(term.expression), term.id, s, f"以「{own}」对应的指标「{term.name}」为总体", "own"
        if from_context:
            prev = self._context_base(leaf, ctx, entity, category, avoid)
            if prev is not None:
                return (*prev, "context")
        plain = {"agg": "count", "entity": entity}
        return plain, None, 0.75, f"以全部{'人口' if entity == 'resident' else entity}为总体", "entity"

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
                      avoid: tuple[str, ...] = ()) -> tuple[dict[str, Any], str | None, float, str] | None:
        """The column a part belongs to: the one before it (其中：…); for a category (优抚对象 > 伤残军人) the
        group's 合计, else the population the category header names, else the form's first count."""
        siblings = [(lf, p) for lf, p in ctx.done if lf.path[:-1] == leaf.path[:-1] and not is_part(lf)]
        pool = list(reversed(siblings)) if is_part(leaf) else []
        if len(leaf.path) > 1 and _PART_GROUP.match(compact(leaf.path[-2])):
            # a 其中 group (低保人数 | 其中 > 老年人 …) is a part of the column just before the group
            group = leaf.path[:-1]
            pool += [(lf, p) for lf, p in reversed(ctx.done) if tuple(lf.path[:len(group)]) != tuple(group)][:1]
        pool += [(lf, p) for lf, p in siblings if core_of(lf) in ("合计", "小计", "总计")]
        if category and not is_part(leaf):
            found = self.m.best_count(category, None, entity, avoid)
            if found is not None and found[0] >= 0.85:
                s, term = found
                return dict(term.expression), term.id, s, f"以表头「{category}」对应的指标「{term.name}」为总体"
        pool += ctx.done
        for lf, p in pool:
            e = expr_of(p, self.m.vocab)
            if is_count(e) and (e or {}).get("entity", "resident") == entity and not reads(e, avoid):
                return e, p.target, 0.85, f"以本表「{lf.name or lf.title}」列（{p.target or '合成口径'}）为总体"  # type: ignore[return-value]
        return None

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
            return 2 if stem in own + path and not is_part(lf) else 9

        nums = sorted((lf for lf in data if rank(lf) < 9), key=rank)
        if not nums:
            return None
        num = nums[0]
        num_expr = expr_of(props[num.key], self.m.vocab) or {}

        def denominator(lf: LeafColumn) -> bool:
            same_group = bool(num.path[:-1]) and lf.path[:-1] == num.path[:-1]
            e = expr_of(props[lf.key], self.m.vocab)
            return (lf.key != num.key and not is_part(lf) and not same_group and is_count(e)
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


def _column_named(text: str, leaves: list[LeafColumn]) -> LeafColumn | None:
    t = normalise(compact(text))
    best: tuple[float, LeafColumn | None] = (0.0, None)
    for lf in leaves:
        for cand in (core_of(lf), "".join(compact(strip_prefix(split_units(p)[0])) for p in lf.path)):
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
