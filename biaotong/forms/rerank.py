"""Re-ranking the direct candidates of a column by its context: the parent header, the title's topic, and the
column's own words (a term must say what the column says, and what its parents add).

Pure functions over the matcher's prepared terms (anything with `.texts`), so they are tested through the
matcher; kept apart so biaotong.forms.match stays about proposals.
"""

from __future__ import annotations

import re
from typing import Any

from biaotong.forms.model import LeafColumn
from biaotong.forms.similarity import normalise, similarity
from biaotong.forms.text import compact, split_units, strip_prefix

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
    if q.name or len(leaf.path) < 2 or not direct:
        return direct
    parent = normalise(compact(strip_prefix(split_units(leaf.path[-2])[0])))
    if not parent or GROUP_NOISE.match(parent) or len(parent) < 2:
        return direct
    out = [(s * (1.0 if max(cover_of(parent, t) for t in p.texts) >= 0.5 else 0.6), p) for s, p in direct]
    return sorted(out, key=lambda x: -x[0])


def prefer_topic(direct: list[tuple[float, Any]], topic: str) -> list[tuple[float, Any]]:
    """A near-tie (within 0.05) goes to the term whose own distinguishing words are in the title's topic
    (城乡居民基本医疗保险参保情况表: 医疗 beats 养老 for 参保人数 > 合计)."""
    if not topic or len(direct) < 2 or direct[0][0] < BASE_ACCEPT:
        return direct
    t = set(normalise(topic))
    first = direct[0]
    a = set("".join(first[1].texts))
    for other in direct[1:]:
        if other[0] < first[0] - 0.05:
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
                    topic: str) -> list[tuple[float, Any]]:
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
    better = [(cover(p), s, p) for s, p in direct[1:8]
              if s >= max(0.6, top_s - window) and own_words(p) >= max(top_own, 0.8)]
    better = [b for b in better if b[0] > base]
    if not better:
        return direct
    _c, s, p = max(better, key=lambda b: (b[0], b[1]))
    return [(s, p), *[x for x in direct if x[1] is not p]]
