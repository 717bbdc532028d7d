"""Money columns of an aggregate form (当月发放养老金（万元）, 当月救助金额（元）) left without an indicator: the
sum of the synced amount element their words name, written in the column's unit (元 → 万元: × 0.0001).

A per-person monthly amount (元/月) summed over a unit's residents is the month's total in 元.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from biaotong.forms.model import LeafColumn
from biaotong.forms.similarity import normalise
from biaotong.forms.text import compact, split_units, strip_prefix
from biaotong.forms.units import SCALE, family

if TYPE_CHECKING:
    from biaotong.forms.match import Matcher, Proposal

# words around the amount that say when or how it is paid, not what
_PAID = re.compile(r"^(?:当月|本月|本期|月度?|每月)?(?:实际)?(?:发放|支出|领取|支付|拨付)?(?:的)?")
_ACCEPT = 0.85


def money_element(leaf: LeafColumn, prop: Proposal, unit: str | None, matcher: Matcher) -> Proposal:
    if prop.kind != "unmapped" or family(unit) != "money" or unit not in SCALE:
        return prop
    best = _best_amount(_words(leaf), matcher, lambda t: t.entity != "village")
    if best is None:
        return prop
    s, term = best
    prop.kind, prop.target, prop.confidence = "element", term.id, s
    prop.expression = {"agg": "sum", "entity": term.entity, "of": term.code}
    prop.scale = SCALE["元"] / SCALE[unit]
    prop.reason = f"金额列：合计数据元「{term.name}」（{term.unit}）"
    if prop.scale != 1.0:
        prop.reason += f"，元 → {unit}，乘以 {prop.scale:g}"
    return prop


def roster_money(leaf: LeafColumn, prop: Proposal, entity: str, topic: str, matcher: Matcher) -> Proposal:
    """A roster's money column (月供养金（元）) no element name says: the entity's amount element its words
    name, read with the title's population too (特困供养人员花名册 + 供养金 → 特困供养金, an alias of 月保障金)."""
    if prop.kind != "unmapped" or family(leaf.unit) not in ("money", "money_rate"):
        return prop
    words = _words(leaf)
    if topic:
        words |= {normalise(_overlap(topic, w)) for w in list(words)}
    best = _best_amount(words, matcher, lambda t: t.entity == entity)
    if best is None:
        return prop
    s, term = best
    prop.kind, prop.target, prop.confidence = "element", term.id, s
    prop.reason = f"金额列：名册主体的金额数据元「{term.name}」（{term.unit}）"
    return prop


def _words(leaf: LeafColumn) -> set[str]:
    core = compact(strip_prefix(split_units(leaf.name)[0]))
    return {normalise(core), normalise(_PAID.sub("", core))} - {""}


def _best_amount(words: set[str], matcher: Matcher, wanted: Callable[[Any], bool]) -> tuple[float, Any] | None:
    """The best-scoring amount element (money units, not collected) that `wanted` keeps, if good enough."""
    best: tuple[float, Any] | None = None
    for p in matcher._elements:
        t = p.term
        if not wanted(t) or t.collected or family(t.unit) not in ("money", "money_rate"):
            continue
        s = matcher._score(p, [(w, 1.0) for w in words], None)
        if best is None or s > best[0]:
            best = (s, t)
    return best if best is not None and best[0] >= _ACCEPT else None


def _overlap(head: str, tail: str) -> str:
    """'特困供养' + '供养金' = '特困供养金': the words both share are written once."""
    for k in range(min(len(head), len(tail)), 0, -1):
        if head.endswith(tail[:k]):
            return head + tail[k:]
    return head + tail
