"""Re-ranking the direct candidates of a column by its context: the parent header, the title's topic, and the
column's own words (a term must say what the column says, and what its parents add).

Pure functions over the matcher's prepared terms (anything with `.texts`), so they are tested through the
matcher; kept apart so biaotong.forms.match stays about proposals.

Fourth tuning round (2026-12-03): a flow header (本月新增, 本季度注销, 本月减少) is no stock term nor one of the other
direction, and a term naming another event (新参保 for 新识别) is weaker; a stock header (本月末在保) is no flow
term's; a name negated on one side only (饮水不安全 for 饮水安全, 未参保 inside 养老保险未参保人数) is the
opposite count. These demote candidates without undoing the order the earlier steps chose. On that round's
aggregate batch they turned four columns written with a wrong value (本月新增 > 户数 as 注销, 本月减少 > 人数 as
低保人数, 本月新识别人数 as 新增参保) into right ones or abstentions, and cost nothing on the tuning half.
The parent's words never promote a term of another unit (脱贫户 > 人数 is 脱贫人口数, not 脱贫户数; fifth round).
"""

from __future__ import annotations

import re
from typing import Any

from biaotong.forms.model import LeafColumn
from biaotong.forms.similarity import normalise, similarity
from biaotong.forms.text import compact, split_units, strip_prefix
from biaotong.forms.units import compatible

ACCEPT = 0.72  # a direct match at least this good is proposed as is
BASE_ACCEPT = 0.66  # a base indicator this good may take an age/sex filter
GENERIC = {"人数", "户数", "数", "数量", "金额", "人", "户", "合计", "小计", "总数", "总计", "人次", "个数", "次数"}
GROUP_NOISE = re.compile(r"^按.{1,8}(?:划分|分组|分类|分)$|^其中$|^(?:基本)?情况$|^分类$|^类别$|^性别$|^年龄(?:段|构成)?$")


def bigrams(own: str, text: str) -> float:
    """Share of the column's two-character words found in a term's name (暂住处所 shares only 暂住 with 暂住人口)."""
    pairs = [own[i:i + 2] for i in range(len(own) - 1)]
    return sum(p in text for p in pairs) / len(pairs) if pairs else 1.0


def cover_of(own: str, text: str) -> float:
    """Share of the column's own characters found in a term's name."""
    return sum(ch in text for ch in own) / len(own) if own else 1.0


def parent_support(direct: list[tuple[float, Any]], leaf: LeafColumn,
                q: Any) -> list[tuple[float, Any]]:
    """A bare 人数 / 合计 under a parent (面对青少年的讲座和培训 > 人数) is about the parent: a term sharing
    none of the parent's words is no match for it."""
    # a column naming only the period's flow (转移就业 > 本月新增) says no population either
    own = re.sub("|".join((*_INTO, *_OUT_OF, "本期", "本年", "累计")), "", q.name or "")
    if (own and own not in GENERIC) or len(leaf.path) < 2 or not direct:
        return direct
    parent = normalise(compact(strip_prefix(split_units(leaf.path[-2])[0])))
    if not parent or GROUP_NOISE.match(parent) or len(parent) < 2:
        return direct
    out = [(s * (1.0 if max(cover_of(parent, t) for t in p.texts) >= 0.5 else 0.6), p) for s, p in direct]
    return sorted(out, key=lambda x: -x[0])


def prefer_topic(direct: list[tuple[float, Any]], topic: str, own: str = "",
                 window: float = 0.05) -> list[tuple[float, Any]]:
    """A near-tie (within 0.05) goes to the term whose own distinguishing words are in the title's topic
    (城乡居民基本医疗保险参保情况表: 医疗 beats 养老 for 参保人数 > 合计), unless the first is the column's own words
    (`own`, normalised) as a name of its term: 应参保人数 in a 城乡居民养老保险 form is the library's 应参保人数."""
    if not topic or len(direct) < 2 or direct[0][0] < BASE_ACCEPT:
        return direct
    t = set(normalise(topic))
    first = direct[0]
    if own and own in first[1].texts_normalised:
        return direct
    a = set("".join(first[1].texts))
    for other in direct[1:]:
        if other[0] < first[0] - window:
            break
        b = set("".join(other[1].texts))
        if len(t & (b - a)) > len(t & (a - b)):
            return [other, *[x for x in direct if x is not other]]
    return direct


def title_support(direct: list[tuple[float, Any]], leaf: LeafColumn, q: Any,
                   topic: str) -> list[tuple[float, Any]]:
    """A short top-level header found inside a longer name (发放金额 in 养老金发放金额) leaves the rest of that
    name (养老金) to the form's title: when the title does not say it either, it is not this form's number."""
    if len(leaf.path) > 1 or not direct or not q.texts:
        return direct
    own = q.texts[0][0]
    if not (2 <= len(own) <= 4):
        return direct
    out = []
    for s, p in direct[:5]:
        best = max(p.texts, key=lambda t: similarity(own, normalise(t)))
        t = normalise(best)
        if own in t and t != own:
            extra = t.replace(own, "")
            if len(extra) >= 2 and cover_of(extra, normalise(topic)) < 0.5:
                s *= 0.75
        out.append((s, p))
    return sorted(out + direct[5:], key=lambda x: -x[0])


_PLAIN_TOKENS = {"人数", "人员", "人口", "情况", "统计", "重点", "人群", "合计", "工作", "基本", "数量", "其中", "户数"}


def prefer_context(direct: list[tuple[float, Any]], leaf: LeafColumn,
                    topic: str, unit: str | None = None) -> list[tuple[float, Any]]:
    """The words of the parent header (else of the title) that the column does not repeat (重点人群签约 >
    高血压患者; 城乡居民基本医疗保险… > 参保人数 > 合计) pick, among terms naming the column's own words as well
    as the best one does, the one that also names them."""
    if len(direct) < 2 or direct[0][0] < ACCEPT:
        return direct
    from biaotong.forms.similarity import tokens

    own = normalise(compact(strip_prefix(split_units(leaf.name)[0])))
    parents = [normalise(compact(strip_prefix(split_units(p)[0]))) for p in leaf.path[:-1]]

    def words_of(texts: list[str]) -> set[str]:
        return {w for t in texts for w in tokens(t) if len(w) >= 2 and w not in _PLAIN_TOKENS and w not in own}

    words, window = words_of(parents), 0.3
    if not words:
        if own in {normalise(t) for t in direct[0][1].texts}:
            return direct  # the column says the term's own name: the title does not overrule it
        words, window = words_of([normalise(topic)]), 0.15
    if not words:
        return direct

    def cover(p: Any) -> int:
        joined = "".join(normalise(t) for t in p.texts)
        return sum(w in joined for w in words)

    def own_words(p: Any) -> float:
        if not own or own in GENERIC:
            return 1.0
        return max(min(cover_of(own, normalise(t)), bigrams(own, normalise(t))) for t in p.texts)

    top_s, top = direct[0]
    base, top_own = cover(top), own_words(top)
    # a term in another unit is no better however many of the parent's words it names (脱贫户 > 人数 is no
    # 脱贫户数: the parent names whose persons are counted)
    better = [(cover(p), s, p) for s, p in direct[1:8]
              if s >= max(0.6, top_s - window) and own_words(p) >= max(top_own, 0.8)
              and compatible(unit, getattr(p, "unit", None)) is not False]
    better = [b for b in better if b[0] > base]
    if not better:
        return direct
    _c, s, p = max(better, key=lambda b: (b[0], b[1]))
    return [(s, p), *[x for x in direct if x[1] is not p]]


# a flow's direction (into or out of a register); 新增 / 减少 are generic, the others name the event itself
_INTO = ("新增", "增加", "新识别", "新登记", "新参保", "新签约", "新纳入", "新设立", "新认定")
_OUT_OF = ("减少", "退出", "注销", "吊销", "终止", "停保", "清退")
_GENERIC_FLOW = ("新增", "增加", "减少")
_STOCK_WORDS = re.compile(r"(?<!上)[月季年期]末|在保|在册|实有|现有")


def flow_direction(direct: list[tuple[float, Any]], leaf: LeafColumn) -> list[tuple[float, Any]]:
    """A header saying a flow (本月新增 > 人数, 本季度注销) is a number of events in the period: a stock term
    (低保人数) or one of the other direction (注销 for 新增) is no match for it, and a term naming another event
    (新参保 for 新识别) is a weaker one; a header saying a stock (本月末在保 > 人数) is no flow term's."""
    text = compact("".join(leaf.path or [leaf.name]))
    into = [w for w in _INTO if w in text]
    out = [w for w in _OUT_OF if w in text]
    stock = bool(_STOCK_WORDS.search(text))
    if (not into and not out and not stock) or (into and out) or not direct:
        return direct
    said = into or out

    def factor(p: Any) -> float:
        names = "".join(p.texts)
        dated = bool((getattr(p.term, "expression", None) or {}).get("date"))
        if not said:
            return 0.7 if dated else 1.0
        t_in, t_out = any(w in names for w in _INTO), any(w in names for w in _OUT_OF)
        if (into and t_out and not t_in) or (out and t_in and not t_out):
            return 0.5
        if not dated:
            return 0.6
        own = [w for w in said if w not in _GENERIC_FLOW]
        return 0.85 if own and not any(w in names for w in own) and (t_in or t_out) else 1.0

    return _demote(direct, [factor(p) for _, p in direct])


_NEGATED = re.compile(r"[不未非无](?=[\u4e00-\u9fff]{2})")


def negation(direct: list[tuple[float, Any]], leaf: LeafColumn) -> list[tuple[float, Any]]:
    """饮水安全 > 户数 is not 饮水不安全户数, 农业人口 not 非农业人口: a word negated in one name (不安全, 非农业)
    and said plainly in the other makes the term the opposite count."""
    h = normalise(compact("".join(leaf.path or [leaf.name])))
    neg_h = {h[m.end():m.end() + 2] for m in _NEGATED.finditer(h)}
    # 未签约人数 is refused by its own rule (biaotong.forms.coverage), which keeps 签约人数 as the designer's
    # one-line choice: only the term's negations are held against it here
    own_negated = normalise(compact(strip_prefix(split_units(leaf.name)[0]))).startswith("未")

    def flips(best: str, p: Any) -> bool:
        # the name that matched best, and the term's own name (饮水安全未保障户数 matched, 饮水不安全户数 its name)
        for t in {best, normalise(getattr(p.term, "name", "") or best)}:
            neg_t = {t[m.end():m.end() + 2] for m in _NEGATED.finditer(t)}
            # a word negated on one side only, and said on the other side (where it is then not negated)
            if any(w in h for w in neg_t - neg_h) or (not own_negated and any(w in t for w in neg_h - neg_t)):
                return True
        return False

    return _demote(direct, _factors(direct, h, flips))


def _factors(direct: list[tuple[float, Any]], h: str, against: Any) -> list[float]:
    """0.6 for each of the first eight candidates `against(best name, candidate)` holds for, else 1.0; the best name
    is the candidate's text closest to the header `h`."""
    out = []
    for i, (_s, p) in enumerate(direct):
        best = normalise(max(p.texts, key=lambda x: similarity(h, normalise(x)))) if i < 8 else ""
        out.append(0.6 if i < 8 and against(best, p) else 1.0)
    return out


# a term's word saying whom it may be (易返贫致贫: at risk of; 疑似: suspected; 应: due to be): a header without it
# asks for those who are (返贫致贫人口 are the people who fell back into poverty, not the monitored ones at risk)
_MODAL = re.compile(r"易(?=[返致])|疑似|应(?=[参签入接缴])")


def modality(direct: list[tuple[float, Any]], leaf: LeafColumn) -> list[tuple[float, Any]]:
    """A term matched through a name saying whom it may be (易返贫致贫人口数, 疑似辍学, 应参保人数) is not the
    count a header without that word asks for."""
    h = normalise(compact("".join(leaf.path or [leaf.name])))
    said = {m.group() for m in _MODAL.finditer(h)}
    return _demote(direct, _factors(direct, h, lambda t, _p: any(m.group() not in said for m in _MODAL.finditer(t))))


def prefer_specific(direct: list[tuple[float, Any]], leaf: LeafColumn) -> list[tuple[float, Any]]:
    """孕产妇签约家庭医生人数 is 孕产妇签约数, not 家庭医生签约人数: when a close runner-up counts the same thing as
    the best term narrowed by one more condition (its filter holds the best one's whole) and names a word of
    the column the best term's names lack, the column asks for that narrower count."""
    if len(direct) < 2 or direct[0][0] < ACCEPT:
        return direct
    from biaotong.forms.similarity import tokens

    top_s, top = direct[0]
    te = getattr(top.term, "expression", None) or {}
    tf = te.get("filter")
    if not tf or "ratio" in te:
        return direct
    own = normalise(compact(strip_prefix(split_units(leaf.name)[0])))
    names = "".join(normalise(t) for t in top.texts)
    missing = [w for w in tokens(own) if len(w) >= 2 and w not in _PLAIN_TOKENS and w not in names]
    if not missing:
        return direct
    for s, p in direct[1:8]:
        pe = getattr(p.term, "expression", None) or {}
        pf = pe.get("filter") or ""
        same = all(pe.get(k) == te.get(k) for k in ("agg", "entity", "of", "date", "window"))
        if s >= max(0.6, top_s - 0.3) and same and pf != tf and tf in pf \
                and any(w in "".join(normalise(t) for t in p.texts) for w in missing):
            return [(s, p), *[x for x in direct if x[1] is not p]]
    return direct


def _demote(direct: list[tuple[float, Any]], factors: list[float]) -> list[tuple[float, Any]]:
    """Scale some candidates down and move them below every kept one now scoring higher, leaving the kept
    ones in the order the earlier steps chose (prefer_context may put a lower score first on purpose)."""
    if all(f == 1.0 for f in factors):
        return direct
    kept = [x for x, f in zip(direct, factors, strict=True) if f == 1.0]
    for (s, p), f in zip(direct, factors, strict=True):
        if f == 1.0:
            continue
        low = s * f
        at = next((i for i, (ks, _) in enumerate(kept) if ks < low), len(kept))
        kept.insert(at, (low, p))
    return kept
