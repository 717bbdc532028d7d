"""Proposing, for each leaf column of a form, what fills it: an indicator, a data element (rosters), a
synthesised expression (an indicator plus an age or sex filter), `collected`, or unmapped.

Offline and deterministic: jieba tokens, fuzzy ratios, the header path as context (“其中：女” under
“户籍人口”; “户数” under “低保”), the title's topic, age/sex patterns, and unit families. An optional
OpenAI-compatible model may re-rank the candidates afterwards (biaotong.forms.llm).

A 小计 (or 合计) after parts that are values of one element counts those values together (参保人数 > 城乡居民医保 |
职工医保 | 小计 → 基本医疗保险参保人数), unless the proposal already counts a population holding every part
(户籍人口 > 农业 | 非农业 | 合计 keeps 户籍人口数). Titles lose their report kind (月报表, 进度表, 动态管理, 基本,
状况) before their topic is read, and a category value the library counts exactly (在校生 > 在园幼儿: 在园幼儿数)
keeps that indicator rather than a cut of the form's first count (fourth tuning round, 2026-12-03).

Fifth round (2026-12-03): a group's shared measure is added to a bare population in it (困难群众参保 > 监测对象,
biaotong.forms.compose.Composer.group_measure); a rate the notes define over a column the form lacks is the
library's rate whose denominator the notes name (参保率=参保人数÷户籍人口: 医保参保率, not 养老保险参保率), else
blank; a form whose other figures are the village's own (行政区域面积, 村卫生室: two or more) reads a sum a village
term names as well (耕地面积) as the village's figure, not the sum over its households.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from biaotong.forms.abstain import (
    WRITES,
    abstain_item,
    abstain_part,
    abstain_ratio,
    abstain_twice,
    header_words,
    owner_name,
    review,
)
from biaotong.forms.compose import (
    Composer,
    Composition,
    FormContext,
    consistent,
    expr_of,
    flat_conjuncts,
    is_part,
    owner_of,
    reads,
)
from biaotong.forms.model import FormLayout, LeafColumn
from biaotong.forms.money import money_element, roster_money
from biaotong.forms.patterns import AgeRange, find_age, find_sex, fit_siblings, strip_age, strip_sex
from biaotong.forms.rerank import (
    ACCEPT,
    BASE_ACCEPT,
    GENERIC,
    GROUP_NOISE,
    bigrams,
    cover_of,
    flow_direction,
    modality,
    negation,
    parent_support,
    prefer_context,
    prefer_specific,
    prefer_topic,
    title_support,
)
from biaotong.forms.similarity import add_words, normalise, similarity
from biaotong.forms.text import compact, split_units, strip_prefix
from biaotong.forms.units import compatible, scale, term_unit
from biaotong.forms.vocab import Term, Vocabulary
from biaotong.forms.window import in_window

ProposalKind = Literal["indicator", "element", "expression", "collected", "unmapped", "label", "index"]

ROSTER_ACCEPT = 0.70
POPULATION_ACCEPT = 0.80  # a roster title naming a population this well proposes its filter
_SEX_WORDS = re.compile(r"其中|性别|女性|男性|妇女|女|男")
_PLAIN = {"", "人数", "人口", "人口数", "人", "老人", "老年人", "老年人数", "老年人口", "数", "人员", "人员数",
          "中人数", "其中"}
# a cause or scope in the header that a term lacks makes it a different number (因灾死亡 ≠ 死亡)
# a column's own words (normalised; 合计 and 总人数 already read as generic) that are a plain count of its group
_PLAIN_OWN = {"户籍人数", "户籍人口", "人数合计"}
_SCOPE = ("因灾", "因旱", "受灾", "灾后", "倒塌", "损坏", "受损", "受淹", "紧急", "转移安置")
_TOTALS = {"合计", "小计", "总计"}  # compared compacted
_TITLE_NOISE = re.compile(
    r"\d{2,4}\s*年|\d{1,2}\s*月|第?[一二三四1-4]季度|上半年|下半年|年度|月度|季度|[（(][^）)]*[)）]"
    r"|综合统计表|统计表|情况表|汇总表|报表|一览表|花名册|名册|名单|台账|明细表|登记表|信息表|调查表|表$"
    r"|[月季年]报表?$|进度表$|动态|基本|状况"  # report kinds and 动态管理 say how it is reported, not about whom
    r"|综合|统计|汇总|情况|管理|工作|服务|市级|县级|乡镇|全市|全县|全区|城市|农村|城乡|\{.*?\}"
)


@dataclass
class Candidate:
    kind: str  # indicator | element | expression | collected
    id: str
    name: str
    score: float
    expression: dict[str, Any] | None = None
    reason: str = ""


@dataclass
class Proposal:
    key: str
    column: str
    title: str
    name: str
    unit: str | None
    kind: ProposalKind
    target: str | None = None  # indicator id, entity.code, or the base indicator of an expression
    expression: dict[str, Any] | None = None
    confidence: float = 0.0
    candidates: list[Candidate] = field(default_factory=list)
    scale: float = 1.0
    reason: str = ""
    level: str | None = None
    cell: str | None = None
    filter: str | None = None  # a composition: what narrows `target` (the base indicator), for the spec
    sql: str | None = None  # what the proposal would run (filled by biaotong.forms.service.explain)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["confidence"] = round(self.confidence, 3)
        for c in data["candidates"]:
            c["score"] = round(c["score"], 3)
        return data


@dataclass(frozen=True)
class _Variant:
    text: str  # normalised
    rest: str  # normalised, with the age and sex parts removed
    age: AgeRange | None
    sex: str | None


@dataclass(frozen=True)
class _Prepared:
    term: Term
    variants: tuple[_Variant, ...]
    unit: str | None

    @property
    def texts(self) -> tuple[str, ...]:
        return tuple(v.text for v in self.variants)

    @property
    def texts_normalised(self) -> tuple[str, ...]:
        return tuple(v.text for v in self.variants)

    @property
    def plain(self) -> tuple[str, ...]:
        """Names that carry no age or sex of their own."""
        return tuple(v.text for v in self.variants if v.age is None and v.sex is None)


@dataclass
class _Query:
    texts: list[tuple[str, float]]  # normalised text, weight
    base_texts: list[tuple[str, float]]  # without the age/sex part, for a base indicator
    age: AgeRange | None
    sex: str | None
    unit: str | None
    name: str = ""  # the leaf's own words, normalised ("" when generic: 合计, 人数)


class Matcher:
    def __init__(self, vocab: Vocabulary, *, reranker: Any | None = None) -> None:
        self.vocab = vocab
        self.reranker = reranker
        add_words([*vocab.words(), "周岁", "以上", "以下", "户数", "人数", "签约数"])
        self._indicators = [self._prepare(t) for t in vocab.indicators]
        self._elements = [self._prepare(t) for t in vocab.elements]
        self.composer = Composer(self)

    @staticmethod
    def _prepare(term: Term) -> _Prepared:
        variants: list[_Variant] = []
        for raw in term.texts:
            t = compact(raw)
            age = find_age(t)
            sex = _term_sex(t)
            rest = normalise(_SEX_WORDS.sub("", strip_age(t, age)) if sex else strip_age(t, age))
            variants.append(_Variant(normalise(t), rest, age, sex))
        return _Prepared(term, tuple(variants), term_unit(term.unit, term.entity, term.expression))

    # --- public ---

    def match(self, layout: FormLayout) -> list[Proposal]:
        topic = topic_of(layout.title)
        data = [leaf for leaf in layout.leaves if leaf.role == "data"]
        # a group's total (80周岁及以上老年人数 > 合计) is of its heading's age
        # a column under an age group (65周岁及以上老年人 > 户籍人数, 80周岁及以上老年人数 > 合计) is of that age; a
        # sex part (其中：女) is left to the composer, which reads the group as its population
        ages = fit_siblings([find_age(leaf.name) or (find_age(compact(leaf.path[-2])) if len(leaf.path) > 1
                             and not find_sex(compact(strip_prefix(leaf.name))) else None) for leaf in data])
        age_of = {leaf.key: a for leaf, a in zip(data, ages, strict=True)}
        entity = self._roster_entity(layout) if layout.kind == "roster" else None
        ctx = FormContext.of(layout.title, [n.text for n in layout.notes if n.kind in ("remark", "other")])
        ctx.topic = topic
        told = ctx.told()
        out: list[Proposal] = []
        for leaf in layout.leaves:
            if leaf.role in ("label", "index"):
                out.append(self._fixed(leaf))
                continue
            unit = leaf.unit or _default_unit(leaf, layout.default_units)
            if entity is not None:
                prop = roster_money(leaf, self._match_roster(leaf, entity), entity, topic, self)
                out.append(review(prop, leaf, layout.kind, self.vocab, defined=told, title=layout.title))
            else:
                prop = in_window(leaf, self._match_aggregate(leaf, unit, topic, age_of.get(leaf.key), ctx), self)
                prop = money_element(leaf, prop, unit, self)
                self._group_measure(leaf, prop, unit, ctx)
                # abstain before later columns may take this one as their population
                prop = review(prop, leaf, layout.kind, self.vocab, defined=told, title=layout.title)
                if prop.kind == "unmapped" and leaf.key in ctx.unread:
                    prop.reason = f"{ctx.unread[leaf.key]}；{prop.reason.removeprefix('证据不足：')}"
                whole = self._same_as_total(leaf, prop, ctx)
                if whole is not None:
                    abstain_item(prop, whole, self.vocab)  # 在籍不在校人数 > 按类别分 > 疑似辍学 as 在籍不在校人数
                owner = owner_of(leaf, ctx)
                if owner is not None and self._same_figure(prop, owner[1]):
                    abstain_item(prop, owner[0], self.vocab, part=True)  # 集体经济总收入 > 其中：经营性收入
                elif owner is not None and owner[1].kind == "unmapped" and prop.kind in WRITES:
                    abstain_part(prop, owner[0], self.vocab)  # 受灾人口 > 其中：60岁以上老人
                elif owner is not None and prop.kind in WRITES and self._village_figure(owner[1]) \
                        and not self._village_figure(prop) and not self._says_owner(prop, owner[0]):
                    abstain_part(prop, owner[0], self.vocab, whole=True)  # 村两委成员 > 其中：女性
                out.append(prop)
                ctx.done.append((leaf, out[-1]))
        if entity is None:
            self._subtotals(layout, out)
            self._village_figures(layout, out)
            self._rates(layout, out, ctx)
        if self.reranker is not None:
            out = self.reranker.rerank(layout, out)
        return self._abstain_last(layout, out, told)

    @staticmethod
    def _same_as_total(leaf: LeafColumn, prop: Proposal, ctx: FormContext) -> LeafColumn | None:
        """The 合计 column of a group one of whose items (not a 其中 part) is proposed as that same figure: an item of
        a breakdown is never its whole."""
        if prop.kind not in WRITES or len(leaf.path) < 2 or is_part(leaf) or compact(leaf.name) in _TOTALS:
            return None
        for lf, p in ctx.done:
            if compact(lf.name) not in _TOTALS or len(lf.path) > len(leaf.path):
                continue
            if tuple(lf.path[:-1]) != tuple(leaf.path[:len(lf.path) - 1]):
                continue
            if (p.kind, p.target, p.expression) == (prop.kind, prop.target, prop.expression):
                return lf
        return None

    def _same_figure(self, p: Proposal, q: Proposal) -> bool:
        """Two proposals for one figure: the same target and expression, or terms of one name (an indicator and the
        collected element it reads, both 村集体经济收入)."""
        if p.kind not in (*WRITES, "collected") or q.kind not in (*WRITES, "collected"):
            return False
        if (p.kind, p.target, p.expression) == (q.kind, q.target, q.expression):
            return True
        a = self.vocab.term(p.target) if p.target else None
        b = self.vocab.term(q.target) if q.target else None
        plain = all(not x.expression or "collected" in x.expression for x in (p, q))  # no filter narrows either
        return a is not None and b is not None and plain and a.name == b.name

    def _village_figure(self, p: Proposal) -> bool:
        """A figure each village writes whole (村两委成员数, 党员数): a village element or one collected."""
        term = self.vocab.term(p.target) if p.target else None
        entity = (p.expression or {}).get("entity") or (term.entity if term is not None else None)
        return entity == "village" or (p.kind == "collected" and entity in (None, "village"))

    def _says_owner(self, p: Proposal, owner: LeafColumn) -> bool:
        """党员 > 其中：预备党员 counted from residents' 政治面貌 names the owner's people (党员); 女性人口数 does not."""
        from biaotong.forms.coverage import content_words

        term = self.vocab.term(p.target) if p.target else None
        said = "\n".join([*(term.texts if term is not None else ()), str((p.expression or {}).get("filter") or "")])
        words = list(content_words(owner_name(owner)))
        return any(w in said or any(w[i:i + 2] in said for i in range(len(w) - 1)) for w in words)

    def _abstain_last(self, layout: FormLayout, out: list[Proposal], defined: tuple[str, ...]) -> list[Proposal]:
        """The same checks on the final ranking (a re-ranker may have changed it), and a rate whose numerator
        or denominator column abstained abstains too (it would divide nothing)."""
        leaves = {leaf.key: leaf for leaf in layout.leaves}
        by_column = {p.column: p for p in out if not p.cell}
        for prop in out:
            leaf = leaves.get(prop.key)
            if leaf is None:
                continue
            review(prop, leaf, layout.kind, self.vocab, defined=defined, title=layout.title)
            parts = (prop.expression or {}).get("ratio") if prop.kind == "expression" else None
            for part in parts or []:
                ref = by_column.get(part[1:]) if isinstance(part, str) and part.startswith("@") else None
                if ref is not None and ref.kind not in ("indicator", "element", "expression"):
                    abstain_ratio(prop, ref.column, self.vocab)
                    break
        self._asked_twice(layout, out, leaves)
        return out

    def _asked_twice(self, layout: FormLayout, out: list[Proposal], leaves: dict[str, LeafColumn]) -> None:
        """人口总数 beside 户籍人口数 and 常住人口数 in one card: when two columns get the same indicator, one of them
        headed by its very name, and the form has a column for another reading of the other (常住人口数 beside
        人口总数), the other asks what the form does not say. (年末总人口 beside 户籍人口数 alone is the same
        figure twice, as a 人口统计年报 asks it.) Round 10 tuning batch, 2026-12-04."""
        if layout.kind == "roster":
            return
        seen: dict[str, list[Proposal]] = {}
        for p in out:
            if p.kind == "indicator" and p.target:
                seen.setdefault(p.target, []).append(p)
        for target, props in seen.items():
            term = self.vocab.term(target)
            if len(props) < 2 or term is None:
                continue
            named = [p for p in props if (leaf := leaves.get(p.key)) is not None
                     and compact(strip_prefix(split_units(leaf.name)[0])) == compact(term.name) and len(leaf.path) == 1]
            if len(named) != 1:
                continue
            for p in props:
                if p is not named[0] and self._another_reading(p, out, leaves):
                    abstain_twice(p, header_words(leaves[named[0].key]), self.vocab)

    def _another_reading(self, p: Proposal, out: list[Proposal], leaves: dict[str, LeafColumn]) -> bool:
        """人口总数 may be 户籍 or 常住: another column of the form headed by the very name of another indicator with
        the same head noun (常住人口数) says the form tells them apart."""
        leaf = leaves.get(p.key)
        if leaf is None:
            return False
        head = re.sub(r"(?:总数|总量|合计|数)$", "", compact(strip_prefix(split_units(leaf.name)[0])))
        head = re.sub(r"^(?:总|全部|全)", "", head)
        if len(head) < 2:
            return False
        for o in out:
            other = leaves.get(o.key)
            term = self.vocab.term(o.target) if o.kind == "indicator" and o.target else None
            if other is None or term is None or o.target == p.target:
                continue
            if compact(strip_prefix(split_units(other.name)[0])) == compact(term.name) and head in term.name:
                return True
        return False

    # --- rosters: columns are data elements of one entity ---

    def _roster_entity(self, layout: FormLayout) -> str:
        totals: dict[str, float] = {}
        for leaf in layout.data_columns:
            q = normalise(compact(leaf.name))
            best: dict[str, float] = {}
            for p in self._elements:
                s = max(similarity(q, t) for t in p.texts)
                ent = p.term.entity or ""
                best[ent] = max(best.get(ent, 0.0), s)
            for ent, s in best.items():
                if s >= ROSTER_ACCEPT:
                    totals[ent] = totals.get(ent, 0.0) + s
        if not totals:
            return "resident"
        # people first: a roster of residents often carries a few household columns
        totals["resident"] = totals.get("resident", 0.0) * 1.2
        return max(totals, key=lambda e: totals[e])

    def roster_population(self, layout: FormLayout) -> dict[str, Any] | None:
        """The population a roster names in its title alone (特困供养人员花名册 → 特困人员数), offered as the
        roster's filter: the filter of the count indicator of the roster's entity the title names; None when
        the title names no population of its own (居民花名册 lists everyone) or no indicator fits well."""
        if layout.kind != "roster":
            return None
        topic = topic_of(layout.title)
        if not topic:
            return None
        entity = self._roster_entity(layout)
        core = _TITLE_NOISE.sub("", compact(layout.title or ""))  # 特困供养人员: the title's own words, 人员 kept
        tries = [f for text in dict.fromkeys((core, topic)) if text and (f := self.best_count(text, None, entity))]
        found = max(tries, key=lambda f: f[0], default=None)
        if found is None or found[0] < POPULATION_ACCEPT:
            return None
        score, term = found
        flt = (term.expression or {}).get("filter")
        if not flt:
            return None
        return {"filter": flt, "indicator": term.id, "name": term.name, "entity": entity,
                "confidence": round(score, 3),
                "reason": f"标题「{layout.title}」只写了人群：按指标「{term.name}」的口径筛选"}

    def _match_roster(self, leaf: LeafColumn, entity: str) -> Proposal:
        q = normalise(compact(leaf.name))
        parents = [normalise(compact(strip_prefix(split_units(p)[0]))) for p in leaf.path[:-1]]
        queries = [(q, 1.0)] + [(p + q, 0.97) for p in parents[-1:] if p]
        if entity == "household" and not parents and not q.startswith("户"):
            queries.append(("户主" + q, 0.97))  # a household roster's 姓名 / 身份证号码 are its householder's
        scored: list[Candidate] = []
        for p in self._elements:
            if p.term.entity != entity:
                continue
            s = max(w * similarity(qq, t) for qq, w in queries for t in p.texts)
            if len(q) >= 3 and max(cover_of(q, normalise(t)) for t in p.texts) < 0.5:
                s *= 0.7  # 就读学校 is not 在校生状况: the column's own words are not in the element's name
            elif s < 1.0 and len(q) >= 3 and not any(q[-2:] in normalise(t) for t in p.texts):
                s *= 0.85  # the head noun comes last in Chinese: 就读学校 is a school, 就读学段 a level
            scored.append(Candidate("element", p.term.id, p.term.name, s, None, "目录数据元"))
        scored.sort(key=lambda c: -c.score)
        prop = _base(leaf, leaf.unit)
        other = max(
            ((max(similarity(q, t) for t in p.texts), p) for p in self._elements if p.term.entity != entity),
            key=lambda x: x[0], default=(0.0, None),
        )
        householder = entity == "household" and bool(scored) and scored[0].score >= ROSTER_ACCEPT \
            and scored[0].name.startswith("户主")
        if other[1] is not None and other[0] >= ROSTER_ACCEPT and other[0] > (scored[0].score if scored else 0) \
                and not householder:
            t = other[1].term
            prop.reason = f"证据不足：该列是「{t.entity}」主体的数据元 {t.id}（{t.name}），与名册主体 {entity} 不同，请手工处理"
            prop.confidence = scored[0].score if scored else 0.0
            prop.candidates = [Candidate("element", t.id, t.name, other[0], None, "其他主体"), *scored[:2]]
            return prop
        if scored and scored[0].score >= ROSTER_ACCEPT:
            top = scored[0]
            term = self.vocab.term(top.id)
            prop.kind = "collected" if term and term.collected else "element"
            prop.target, prop.confidence = top.id, top.score
            prop.reason = f"与数据元「{top.name}」相符"
        else:
            prop.reason = "未找到对应数据元，请手工指定或标为基层采集"
            prop.confidence = scored[0].score if scored else 0.0
        prop.candidates = scored[1:4] if prop.kind != "unmapped" else scored[:3]
        return prop

    # --- aggregate tables and single-unit forms: columns are indicators ---

    def _query(self, leaf: LeafColumn, unit: str | None, topic: str, age: AgeRange | None) -> _Query:
        name = compact(leaf.name)
        parents = [compact(strip_prefix(split_units(p)[0])) for p in leaf.path[:-1]]
        parents = [p for p in parents if p and not GROUP_NOISE.match(p)]
        if age is not None:  # an age the column takes from its group (0-6岁儿童 > 家庭医生签约数) is the filter's
            parents = [strip_age(p, age) or p for p in parents]
        sex = find_sex(name)
        core = strip_age(name, age) if age else name
        if sex:
            core = _SEX_WORDS.sub("", strip_sex(core))
        if sex and core in ("女", "男", "女性", "男性"):
            core = ""
        texts: list[tuple[str, float]] = []
        base: list[tuple[str, float]] = []

        def add(bucket: list[tuple[str, float]], text: str, w: float) -> None:
            t = normalise(text)
            if t and all(t != x for x, _ in bucket):
                bucket.append((t, w))

        add(texts, name, 0.92 if (topic or parents) and len(name) <= 6 and not age and not sex else 1.0)
        if core:
            add(base, core, 1.0)
        for i in range(1, len(parents) + 1):
            ctx = "".join(parents[-i:])
            w = 1.0 if i == 1 else 0.97
            add(texts, _join(ctx, name), w)
            add(base, _join(ctx, core) if core else ctx, w * (1.0 if core else 0.98))
        if topic:
            add(texts, _join(topic, name), 0.93)
            for p in parents[-1:]:
                add(texts, _join(topic, _join(p, name)), 0.92)
                add(base, _join(topic, _join(p, core)) if core else _join(topic, p), 0.9)
            add(base, _join(topic, core) if core else topic, 0.9)
        if not parents and not core and not topic:
            base = []
        own = "" if name in GENERIC else normalise(name)
        return _Query(texts, base, age, sex, unit, own)

    def _score(self, p: _Prepared, texts: list[tuple[str, float]], unit: str | None,
               names: tuple[str, ...] | None = None, own: str = "") -> float:
        if names is None and texts and texts[0][0] in p.texts_normalised:
            names = p.texts_normalised  # the column says the term's own name, age or sex included
        names = p.plain if names is None else names
        s = max((w * similarity(q, t) for q, w in texts for t in names), default=0.0)
        if (own and max((cover_of(own, t) for t in names), default=0.0) < 0.5) or (
                len(own) >= 3 and max((bigrams(own, t) for t in names), default=0.0) < 0.34):
            s *= 0.6  # the match came from the context alone: the column's own words are not in the term
        if texts and any(w in texts[0][0] and not any(w in t for t in names) for w in _SCOPE):
            s *= 0.8
        ok = compatible(unit, p.unit)
        if ok is False:
            s *= 0.7
        elif ok is True and unit == p.unit:
            s = min(s + 0.02, 1.0)
        return s

    def _best_base(self, q: _Query, unit: str | None) -> tuple[float, _Prepared] | None:
        """The population a filtered column is a part of: a count indicator named without age or sex."""
        best: tuple[float, _Prepared] | None = None
        for p in self._indicators:
            expr = p.term.expression or {}
            if expr.get("agg") not in ("count", "count_distinct") or expr.get("date") or not p.plain:
                continue
            s = self._score(p, q.base_texts, unit)
            if best is None or s > best[0]:
                best = (s, p)
        return best

    def best_count(self, text: str, unit: str | None, entity: str,
                   avoid: tuple[str, ...] = (), topic: str = "") -> tuple[float, Term] | None:
        """The count indicator of `entity` a parent header names (低保人数, 暂住人口, 户数), for a composition; a
        near tie goes to the one the title's topic names (医疗救助对象参保资助 > 已参保人数: 医疗, not 养老)."""
        scored: list[tuple[float, _Prepared]] = []
        texts = [(normalise(text), 1.0)]
        for p in self._indicators:
            expr = p.term.expression or {}
            if expr.get("agg") not in ("count", "count_distinct") or expr.get("date") or expr.get("entity") != entity:
                continue
            if reads(expr, avoid):
                continue
            scored.append((self._score(p, texts, unit), p))
        if not scored:
            return None
        scored.sort(key=lambda x: -x[0])
        if topic:
            # a parent's bare measure (已参保人数) is the title's programme's, even against a closer alias of another
            scored = prefer_topic(scored, topic, normalise(text), window=0.2)
        return scored[0][0], scored[0][1].term

    def boolean_element(self, text: str, entity: str) -> Term | None:
        """The yes/no data element of `entity` that `text` names as written (出租房屋, 饮水安全)."""
        t = normalise(compact(text))
        for p in self._elements:
            if p.term.entity == entity and p.term.value_type == "boolean" and t in p.texts_normalised:
                return p.term
        return None

    def _filtered_score(self, p: _Prepared, q: _Query, unit: str | None, plain_ctx: bool) -> float:
        """A column with an age/sex (60周岁以上, 其中：女) against a term naming the same age/sex."""
        best = 0.0
        exact = q.texts[0][0] if q.texts else ""
        plain_own = q.name in _PLAIN or q.name in _PLAIN_OWN
        counted = bool(q.name) and plain_own  # its own words are a plain count (户籍人数), not only a total
        for v in p.variants:
            if v.text == exact and (plain_ctx or v.rest not in _PLAIN):
                return 1.0
            if (v.age is None and v.sex is None) or v.sex != q.sex:
                continue
            if (v.age is None) != (q.age is None) or (q.age is not None and not q.age.same(v.age)):
                continue
            if v.rest in _PLAIN:
                # a plain age group (60周岁及以上老年人数) for a column whose own words say more than a count
                # under the group's age (65周岁及以上老年人 > 上一年度体检人数) is no match for those words
                s = 0.9 if plain_ctx and (plain_own or find_age(q.name) is not None) else 0.55
            else:
                # a column that is a plain count under its age group (户籍人数) is no narrower term's
                c = max((w * similarity(t, v.rest) for t, w in q.base_texts), default=0.0)
                s = 0.75 + 0.25 * c if c >= 0.6 and not counted else 0.9 * c
            best = max(best, s)
        ok = compatible(unit, p.unit)
        return best * 0.7 if ok is False else best

    def _match_aggregate(self, leaf: LeafColumn, unit: str | None, topic: str, age: AgeRange | None,
                         ctx: FormContext | None = None) -> Proposal:
        q = self._query(leaf, unit, topic, age)
        pool = self._indicators + [p for p in self._elements if p.term.entity == "village"]
        filtered = bool(q.age or q.sex)
        base = self._best_base(q, unit) if filtered else None
        base_filter = (base[1].term.expression or {}).get("filter") if base else None
        plain_ctx = base is None or base[0] < BASE_ACCEPT or not base_filter or (
            q.age is not None and q.sex is None and _age_only(base_filter)
        )
        direct: list[tuple[float, _Prepared]] = []
        for p in pool:
            s = self._filtered_score(p, q, unit, plain_ctx) if filtered else self._score(p, q.texts, unit, own=q.name)
            direct.append((s, p))
        direct.sort(key=lambda x: -x[0])
        direct = prefer_topic(direct, topic, q.name)
        direct = parent_support(direct, leaf, q)
        direct = title_support(direct, leaf, q, topic)
        direct = prefer_context(direct, leaf, topic, unit)
        direct = flow_direction(direct, leaf)
        direct = negation(direct, leaf)
        direct = modality(direct, leaf)
        direct = prefer_specific(direct, leaf)
        prop = _base(leaf, unit)
        cands = [self._candidate(p, s, unit) for s, p in direct[:5]]
        comp = self.composer.compose(leaf, unit, ctx, q.age, q.sex) if ctx is not None else None
        if comp is None and ctx is not None and not filtered and direct and direct[0][0] >= ACCEPT \
                and direct[0][1].term.kind == "indicator":
            inside = self.composer.within_owner(leaf, ctx, direct[0][1].term, direct[0][0])
            if inside is not None:  # 其中 > 重度残疾人 after 特困人员数: the library's 特困人员中重度残疾人数
                term = next(p for p in self._indicators if p.term.id == inside.base_id)
                self._accept(prop, term, inside.score, unit, leaf)
                prop.reason += f"（{inside.reason}）"
                prop.candidates = cands[:3]
                return prop
            comp = self.composer.measure(leaf, unit, direct[0][1].term, direct[0][0])
            named = self._naming(comp) if comp is not None else None
            if named is not None:  # the library names the intersection (糖尿病患者签约数): it reads better
                self._accept(prop, named, comp.score, unit, leaf)  # type: ignore[union-attr]
                prop.reason += f"（{comp.reason}）"  # type: ignore[union-attr]
                prop.candidates = cands[:3]
                return prop
            if comp is not None:
                self._composed(prop, comp, cands)
                return prop
        if comp is not None and not self._direct_says(direct, comp):
            self._composed(prop, comp, cands)
            return prop
        if direct and direct[0][0] >= ACCEPT and topic and not filtered and direct[0][1].term.kind == "indicator":
            # 残疾人基本服务状况统计表 > 签约人数: the title's population, when the library names that
            # population's count of the measure (残疾人签约数)
            titled = self.composer.measure(leaf, unit, direct[0][1].term, direct[0][0], population=topic)
            named = self._naming(titled) if titled is not None else None
            if named is not None:
                self._accept(prop, named, titled.score, unit, leaf)  # type: ignore[union-attr]
                prop.reason += f"（{titled.reason}）"  # type: ignore[union-attr]
                prop.candidates = cands[:3]
                return prop
        if direct and direct[0][0] >= ACCEPT:
            s, p = direct[0]
            self._accept(prop, p, s, unit, leaf)
            prop.candidates = cands[1:4]
            return prop
        if not filtered and ctx is not None:
            flag = self.composer.boolean(leaf, unit)
            if flag is not None:
                self._composed(prop, flag, cands)
                return prop
        if filtered:
            synth = self._synthesise(q, base)
            if synth is not None:
                s, p, expr, why = synth
                prop.kind, prop.target, prop.expression, prop.confidence = "expression", p.term.id, expr, s
                prop.reason = why
                prop.candidates = cands[:3]
                return prop
        prop.reason = "未找到足够相似的指标，请手工指定、标为基层采集，或补充指标库别名"
        prop.confidence = direct[0][0] if direct else 0.0
        prop.candidates = cands[:3]
        return prop

    def _direct_says(self, direct: list[tuple[float, _Prepared]], comp: Composition) -> bool:
        """A library indicator good enough and saying the same as the composition is proposed instead."""
        if not direct or direct[0][0] < ACCEPT:
            return False
        if comp.base_kind == "entity" or (comp.base_kind == "context" and not comp.part and not comp.age_group
                                          and direct[0][0] >= 0.9):
            return True  # a column naming its own population (退役军人数) keeps the library's wording of it
        if comp.base_kind == "context" and not comp.part and not comp.grouped and comp.age is None \
                and "sex" not in comp.elements and comp.fragments and flat_conjuncts(
                str((direct[0][1].term.expression or {}).get("filter") or "")) == set(comp.fragments):
            return True  # 在校生 > 在园幼儿: the library counts exactly the value; the form's first count is a guess
        p = direct[0][1]
        if comp.base_kind == "own":  # 外出务工人员中女性: only an indicator naming the sex/age too says it
            return all(any(getattr(v, f) is not None for v in p.variants) for f in ("age", "sex")
                       if (f == "age" and comp.age) or (f == "sex" and "sex" in comp.elements))
        if comp.path_text != comp.core and direct[0][0] >= 0.85 and max(
                cover_of(normalise(comp.path_text), normalise(t)) for t in p.term.texts) >= 0.8 and all(
                reads(p.term.expression, (e,)) for e in comp.elements):
            # the indicator's name says the parent and the column together (在校生 > 小学: 小学在校生数), and
            # its filter reads the qualifiers: an alias (城市低保户数 for all 低保 households) is no 口径
            return True
        expr = p.term.expression or {}
        base_filter = None
        if comp.base_id:
            bt = self.vocab.term(comp.base_id)
            base_filter = (bt.expression or {}).get("filter") if bt else None
        elif comp.base_kind == "context":  # a composed column as the population (青年人口 > 合计 by the notes' ages)
            base_filter = comp.expression.get("filter")
        if expr.get("entity", p.term.entity) != comp.expression.get("entity"):
            return False
        age = next((v.age for v in p.variants if v.age is not None), None)
        return consistent(expr.get("filter"), age, comp, base_filter)

    def _group_measure(self, leaf: LeafColumn, prop: Proposal, unit: str | None, ctx: FormContext) -> None:
        """困难群众参保 > … | 监测对象: the group's shared measure on a column read as a bare population."""
        comp = self.composer.group_measure(leaf, prop, ctx)
        if comp is None:
            return
        runner = Candidate(prop.kind, prop.target or "", prop.reason, prop.confidence)
        cands = [runner, *[c for c in prop.candidates if c.id != runner.id]]
        named = self._naming(comp)
        if named is not None:
            self._accept(prop, named, comp.score, unit, leaf)
            prop.expression = None if prop.kind == "indicator" else prop.expression
            prop.reason += f"（{comp.reason}）"
            prop.candidates = cands[:3]
        else:
            self._composed(prop, comp, cands)

    def _naming(self, comp: Composition) -> _Prepared | None:
        """The library indicator whose filter is exactly the composition's (the same conditions in any order)."""
        wanted = flat_conjuncts(comp.expression.get("filter") or "")
        keys = ("agg", "entity", "of", "date", "window")
        for p in self._indicators:
            expr = p.term.expression or {}
            if all(expr.get(k) == comp.expression.get(k) for k in keys) and \
                    flat_conjuncts(expr.get("filter") or "") == wanted:
                return p
        return None

    def _composed(self, prop: Proposal, comp: Composition, cands: list[Candidate]) -> None:
        prop.kind, prop.target, prop.expression = "expression", comp.base_id, comp.expression
        prop.filter = " and ".join(comp.fragments) if comp.base_id else None
        prop.confidence = comp.score
        prop.reason = comp.reason
        prop.candidates = cands[:3]

    def _rates(self, layout: FormLayout, out: list[Proposal], ctx: FormContext) -> None:
        """A rate column becomes the ratio of two of the form's own columns when the notes or the stem say which."""
        props = {p.key: p for p in out}
        for leaf in layout.data_columns:
            found = self.composer.ratio(leaf, ctx, props, layout.leaves)
            if found is None:
                self._noted_rate(leaf, props[leaf.key], ctx)
                continue
            num, den, why = found
            prop = props[leaf.key]
            if self._same_ratio(prop, props[num], props[den]):
                continue
            runner = Candidate(prop.kind, prop.target or "", prop.reason, prop.confidence) if prop.target else None
            prop.kind, prop.target, prop.scale = "expression", None, 1.0
            prop.expression = {"ratio": [f"@{num}", f"@{den}"], "percent": True, "digits": 2}
            prop.confidence = 0.85
            prop.reason = f"比率：{why}"
            if runner is not None:
                prop.candidates = [runner, *[c for c in prop.candidates if c.id != runner.id]][:3]

    def _entity_of(self, prop: Proposal) -> str | None:
        term = self.vocab.term(prop.target) if prop.kind in (*WRITES, "collected") and prop.target else None
        if term is None:
            return None
        return (term.expression or {}).get("entity") or term.entity

    def _village_figures(self, layout: FormLayout, out: list[Proposal]) -> None:
        """村（社区）基本情况: a form whose other figures are the village's own (行政区域面积, 村卫生室) reads a sum
        named as well by a village term (耕地面积) as the village's figure, not the sum over its households."""
        villages = [p for p in out if self._entity_of(p) == "village"]
        if len(villages) < 2:
            return
        leaves = {leaf.key: leaf for leaf in layout.leaves}
        for prop in out:
            term = self.vocab.term(prop.target) if prop.kind in ("indicator", "element") and prop.target else None
            expr = (term.expression or {}) if term is not None else {}
            if term is None or expr.get("agg") != "sum" or self._entity_of(prop) not in ("household", "resident"):
                continue
            if len([p for p in villages if p is not prop]) < 2:
                continue
            fit = next((c for c in prop.candidates if c.score >= max(ACCEPT, prop.confidence - 0.1)
                        and (t := self.vocab.term(c.id)) is not None
                        and ((t.expression or {}).get("entity") or t.entity) == "village"
                        and term_unit(t.unit, t.entity, t.expression) == term_unit(term.unit, term.entity, expr)),
                       None)
            if fit is None:
                continue
            p = next((x for x in self._indicators + self._elements if x.term.id == fit.id), None)
            if p is None:
                continue
            runner = Candidate(prop.kind, prop.target or "", prop.reason, prop.confidence)
            self._accept(prop, p, fit.score, prop.unit, leaves[prop.key])
            prop.reason += f"（本表其余各数是村（社区）自身的数，本列也取村的数，不取「{term.name}」的各户合计）"
            prop.candidates = [runner, *[c for c in prop.candidates if c.id not in (runner.id, fit.id)]][:3]

    def _noted_rate(self, leaf: LeafColumn, prop: Proposal, ctx: FormContext) -> None:
        """参保率=参保人数÷户籍人口 in the notes, and no 参保人数 column: the library's rate over the denominator the
        notes name (医保参保率 over 户籍人口, not 养老保险参保率 over its 应参保人数), else no rate at all."""
        name = compact(strip_prefix(split_units(leaf.name)[0]))
        noted = next(((t, nd) for t, nd in ctx.ratios.items() if t in name or name in t), None)
        term = self.vocab.term(prop.target) if prop.kind == "indicator" and prop.target else None
        if noted is None or term is None or not (term.expression or {}).get("ratio"):
            return
        found = self.best_count(noted[1][1], None, "resident")
        if found is None or found[0] < 0.9:
            return  # the notes' denominator names no library count: nothing to check against
        den = found[1].id

        def over(t: Term | None) -> bool:
            ratio = (t.expression or {}).get("ratio") if t is not None else None
            return bool(ratio) and ratio[1] == den  # type: ignore[index]

        if over(term):
            return
        fit = next((c for c in prop.candidates if c.kind == "indicator" and c.score >= BASE_ACCEPT
                    and over(self.vocab.term(c.id))), None)
        runner = Candidate(prop.kind, prop.target or "", prop.reason, prop.confidence)
        if fit is not None:
            p = next(x for x in self._indicators if x.term.id == fit.id)
            self._accept(prop, p, fit.score, prop.unit, leaf)
            prop.reason += f"（按填表说明「{noted[0]}={noted[1][0]}/{noted[1][1]}」，分母为「{found[1].name}」）"
        else:
            prop.kind, prop.target, prop.expression, prop.scale = "unmapped", None, None, 1.0
            prop.reason = (f"证据不足：填表说明「{noted[0]}={noted[1][0]}/{noted[1][1]}」的分子不是本表的列，"
                           f"「{term.name}」的分母也不是「{found[1].name}」")
        prop.candidates = [runner, *[c for c in prop.candidates if c.id not in (runner.id, prop.target)]][:3]

    def _subtotals(self, layout: FormLayout, out: list[Proposal]) -> None:
        """参保人数 > 城乡居民医保 | 职工医保 | 小计: a 小计 (or 合计) after parts that are values of one element
        (and agree on everything else) counts those values together — the library's indicator saying so when
        there is one. A proposal already counting a population that holds every part (户籍人口 for 农业 |
        非农业 | 合计) is kept: the total may count those with no value too."""
        props = {p.key: p for p in out}
        data = [lf for lf in layout.leaves if lf.role == "data"]
        for i, leaf in enumerate(data):
            if len(leaf.path) < 2 or compact(strip_prefix(split_units(leaf.path[-1])[0])) not in ("小计", "合计"):
                continue
            parts = [lf for lf in data[:i] if lf.path[:-1] == leaf.path[:-1] and not is_part(lf)]
            union = _union([expr_of(props[lf.key], self.vocab) for lf in parts]) if len(parts) >= 2 else None
            if union is None:
                continue
            expr, why = union
            prop = props[leaf.key]
            current = expr_of(prop, self.vocab) if prop.kind in ("indicator", "expression") else None
            if current is not None and _same_count({**current, "filter": None}, {**expr, "filter": None}) and \
                    flat_conjuncts(str(current.get("filter") or "")) <= flat_conjuncts(str(expr["filter"])) - {
                        c for c in flat_conjuncts(str(expr["filter"])) if _values(c) is not None}:
                continue
            named = next((p for p in self._indicators if _same_count(p.term.expression, expr)), None)
            if named is not None:
                if prop.target != named.term.id:
                    self._accept(prop, named, 0.9, prop.unit, leaf)
                    prop.reason += f"（小计：{why}）"
                continue
            prop.kind, prop.target, prop.expression, prop.filter = "expression", None, expr, None
            prop.confidence, prop.scale = 0.85, 1.0
            prop.reason = f"小计：{why}"

    def _same_ratio(self, prop: Proposal, num: Proposal, den: Proposal) -> bool:
        """A library rate whose two parts are what the form's own columns propose: keep its name."""
        term = self.vocab.term(prop.target) if prop.kind == "indicator" and prop.target else None
        ratio = (term.expression or {}).get("ratio") if term else None
        return bool(ratio) and [num.target, den.target] == list(ratio)  # type: ignore[arg-type]

    def _synthesise(
        self, q: _Query, base: tuple[float, _Prepared] | None
    ) -> tuple[float, _Prepared, dict[str, Any], str] | None:
        if base is None or base[0] < BASE_ACCEPT:
            # an age bucket with no named population: count residents
            plain = next((p for p in self._indicators if p.term.expression == {"agg": "count", "entity": "resident"}),
                         None)
            if plain is None or q.unit not in (None, "人"):
                return None
            base = (0.7, plain)
        s, p = base
        expr = dict(p.term.expression or {})
        if p.term.entity and "entity" not in expr:
            expr["entity"] = p.term.entity
        extra = []
        if q.age:
            extra.append(q.age.filter() or "age >= 0")
        if q.sex:
            extra.append(f"sex = '{q.sex}'")
        added = " and ".join(extra)
        expr["filter"] = f"({expr['filter']}) and {added}" if expr.get("filter") else added
        why = f"以指标「{p.term.name}」为基础，加筛选条件：{added}"
        return s * 0.97, p, expr, why

    def _accept(self, prop: Proposal, p: _Prepared, s: float, unit: str | None, leaf: LeafColumn) -> None:
        t = p.term
        prop.confidence = s
        prop.scale = scale(unit, p.unit)
        if t.kind == "indicator":
            prop.kind = "collected" if t.collected else "indicator"
            prop.target = t.id
            prop.reason = f"与指标「{t.name}」相符"
        elif t.collected:
            prop.kind, prop.target = "collected", t.id
            prop.expression = {"collected": t.code, "entity": t.entity}
            prop.reason = f"数据元「{t.name}」无系统来源，需基层采集（一次填报、多表复用）"
        else:
            prop.kind, prop.target = "element", t.id
            prop.expression = {"agg": "sum", "entity": t.entity, "of": t.code}
            prop.reason = f"与数据元「{t.name}」相符"
        if prop.scale != 1.0:
            prop.reason += f"（单位 {p.unit} → {unit}，乘以 {prop.scale:g}）"

    def _candidate(self, p: _Prepared, s: float, unit: str | None) -> Candidate:
        t = p.term
        kind = "collected" if t.collected else ("indicator" if t.kind == "indicator" else "element")
        return Candidate(kind, t.id, t.name, s, None, f"单位 {p.unit or '—'}")

    @staticmethod
    def _fixed(leaf: LeafColumn) -> Proposal:
        prop = _base(leaf, leaf.unit)
        prop.kind = leaf.role  # type: ignore[assignment]
        prop.confidence = 1.0
        prop.level = leaf.level
        prop.reason = "序号列，按行编号" if leaf.role == "index" else f"行标签列（{leaf.level}）：填写行政区划名称"
        return prop


_IN_LIST = re.compile(r"^\(?(\w+)\s+in\s*\(([^)]*)\)\)?$")
_EQUALS = re.compile(r"^\(?(\w+)\s*=\s*('[^']*')\)?$")


def _values(term: str) -> tuple[str, frozenset[str]] | None:
    """`el = 'v'` or `el in ('v', 'w')` → (el, {'v', 'w'})."""
    m = _EQUALS.match(term)
    if m is not None:
        return m.group(1), frozenset([m.group(2)])
    m = _IN_LIST.match(term)
    if m is not None:
        return m.group(1), frozenset(v.strip() for v in m.group(2).split(","))
    return None


def _union(exprs: list[dict[str, Any] | None]) -> tuple[dict[str, Any], str] | None:
    """Counts that differ only in the values of one element, as one count of all those values."""
    keys = ("agg", "entity", "of", "date", "window")
    if any(not e or e.get("agg") not in ("count", "count_distinct") for e in exprs):
        return None
    first = exprs[0] or {}
    if any(any((e or {}).get(k) != first.get(k) for k in keys) for e in exprs):
        return None
    sets = [flat_conjuncts(str((e or {}).get("filter") or "")) for e in exprs]
    common = set.intersection(*sets)
    element: str | None = None
    values: set[str] = set()
    for own in (x - common for x in sets):
        if len(own) != 1:
            return None
        parsed = _values(next(iter(own)))
        if parsed is None or (element is not None and parsed[0] != element) or parsed[1] & values:
            return None
        element = parsed[0]
        values |= parsed[1]
    listed = f"{element} in ({', '.join(sorted(values))})"
    expr = {k: first[k] for k in keys if k in first}
    expr["filter"] = " and ".join([*sorted(common), listed])
    return expr, f"各分项是「{element}」的不同取值，合为 {listed}"


def _same_count(a: dict[str, Any] | None, b: dict[str, Any]) -> bool:
    """The same count, its `and` terms in any order and the values of an `in` list in any order."""
    keys = ("agg", "entity", "of", "date", "window")
    if not a or any(a.get(k) != b.get(k) for k in keys):
        return False

    def canon(f: str) -> set[Any]:
        return {_values(c) or c for c in flat_conjuncts(f)}
    return canon(str(a.get("filter") or "")) == canon(str(b.get("filter") or ""))


def _base(leaf: LeafColumn, unit: str | None) -> Proposal:
    return Proposal(leaf.key, leaf.column, leaf.title, leaf.name, unit, "unmapped", level=leaf.level, cell=leaf.cell)


def _age_only(filter_: str | None) -> bool:
    """No filter, or one on age alone (the base population is everyone, or an age group of everyone)."""
    return not filter_ or bool(re.fullmatch(r"(?:\s|age|and|or|[<>=()\d])+", filter_))


def _term_sex(text: str) -> str | None:
    if re.search(r"女性|妇女|性别女|其中女|^女$|女$", text):
        return "女"
    if re.search(r"男性|性别男|其中男|^男$|男$", text):
        return "男"
    return None


def _join(context: str, name: str) -> str:
    """'低保' + '户数' = '低保户数'; '集中供养人数' + '人数' = '集中供养人数'."""
    if not name:
        return context
    if name in GENERIC and context.endswith(name):
        return context
    if name in GENERIC and context.endswith(("人", "户")) and name.startswith(("人", "户")):
        return context + name[1:] if len(name) > 1 else context
    return context + name


def topic_of(title: str | None) -> str:
    """'2021年7月城市低保对象综合统计表' -> '低保对象'."""
    if not title:
        return ""
    t = _TITLE_NOISE.sub("", compact(title))
    # “退役军人和其他优抚对象数量”: X is one kind of Y and the form counts all of Y, so 合计 is Y's total
    whole = re.search(r"(?:和|及|与|、)(?:其他|其它)(.+)$", t)
    if whole:
        t = re.sub(r"(?:数量|人数|数)$", "", whole.group(1))
        return t if 2 <= len(t) <= 12 else ""
    # how the form breaks its subject down (分类, 按风险类型, 分布) is not the subject
    t = re.sub(r"(?:分类|分布|构成|结构|分级|类型|类别)+$", "", t)
    # 防返贫监测对象致贫返贫风险类型: whom it counts, up to 对象 / 人员 (a title of two subjects, 学前教育和高中阶段教育,
    # has no one topic)
    if len(t) > 12 and not re.search(r"和|及|与|、", t):
        m = re.match(r"(.{2,10}?)(?:对象|人员)", t)
        t = m.group(1) if m else t
    t = re.sub(r"(?:对象|人员|情况)+$", "", t)
    return t if 2 <= len(t) <= 12 else ""


COUNT_UNITS = ("人次", "户次", "人", "户", "名", "个", "家", "所", "次", "处", "件", "宗", "份", "辆", "座", "场")
BARE_UNITS = ("人次", "户次", "人", "户")  # a header may end with these alone (低保户); the rest as 件数, 个数


def _own_count_unit(name: str) -> str | None:
    """The count unit a header's own last words name (低保户数 → 户, 培训人次 → 人次, 案件数 → 件), or None."""
    for u in COUNT_UNITS:
        if name.endswith(u + "数") or (u in BARE_UNITS and name.endswith(u)):
            return "人" if u == "名" else u
    if name.endswith(("人口", "人员")):
        return "人"
    return None


def _default_unit(leaf: LeafColumn, units: list[str]) -> str | None:
    """The unit of a column without its own note, from a 单位：人、元 line: money units go to money columns."""
    if not units:
        return None
    money = bool(re.search(r"金|资金|支出|补助|补贴|标准|收入|费|款|元|损失|产值|投资", leaf.name)) and not re.search(
        r"(?:人数|户数|人次|个数|数量|人|户)$", leaf.name)
    fits = [u for u in units if (u in ("元", "万元", "亿元", "千元")) == money]
    if len(fits) == 1 and not money:
        # 单位：人、元 over a 低保户数 column: the line's one count unit is not this column's when its own words
        # name another (户数 counts households, whatever the line says)
        own = _own_count_unit(leaf.name)
        return None if own is not None and own != fits[0] else fits[0]
    if len(fits) <= 1:
        return fits[0] if fits else None
    # 单位：户、人、元 — which count unit is this column's? its own words say (户数 → 户), else leave it open
    for u in fits:
        if leaf.name.endswith((u, u + "数")) or (u == "人" and leaf.name.endswith(("人口", "人员"))):
            return u
    return None


