"""The time window a header's words put a column into (口径 of time): 本月 / 当月 / 本期 / 本季度 in the column or
in a group header above it (本月变动 > 出生) counts events within the period, not since January (本年 / 累计).

A library indicator counted year to date (births_ytd: `window: cumulative`) is turned into its within-period
twin when the library has one (deaths_period), else into the same expression without the cumulative window.

A blank event column is only given a dated count saying the words of the group above it that name a subject
(转移就业 > 本月新增 is no 本期新增特困人员数; 本月变动 > 死亡 names none and still finds deaths_period).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from biaotong.forms.model import LeafColumn
from biaotong.forms.rerank import cover_of
from biaotong.forms.similarity import normalise
from biaotong.forms.text import compact, split_units, strip_prefix

if TYPE_CHECKING:
    from biaotong.forms.match import Matcher, Proposal

_PERIOD = re.compile(r"本月|当月|本期|当期|本季度?|当季")
_CUMULATIVE = re.compile(r"本年|累计|年初至今|全年")
_EVENT_ACCEPT = 0.85


def period_word(leaf: LeafColumn) -> str | None:
    """本月 when the column or a header above it says so and none says 本年 / 累计 nearer to the column."""
    for text in reversed([compact(p) for p in leaf.path] or [compact(leaf.name)]):
        if _CUMULATIVE.search(text):
            return None
        m = _PERIOD.search(text)
        if m:
            return m.group(0)
    return None


def _within(expr: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in expr.items() if k != "window"}


def in_window(leaf: LeafColumn, prop: Proposal, matcher: Matcher) -> Proposal:
    word = period_word(leaf)
    if word is None or prop.kind not in ("indicator", "expression", "unmapped"):
        return prop
    if prop.kind == "unmapped":
        found = _event_of(leaf, word, prop.unit, matcher)
        if found is None:
            return prop
        score, term = found
        prop.kind, prop.target, prop.expression, prop.confidence = "indicator", term.id, None, score
        prop.reason = f"按「{word}{_core(leaf)}」对应指标「{term.name}」"
    expr = _expression(prop, matcher)
    if expr is None or expr.get("window") != "cumulative" or not expr.get("date"):
        return prop
    wanted = _within(expr)
    twin = next((t for t in matcher.vocab.indicators if t.expression and dict(t.expression) == wanted), None)
    why = f"表头「{word}」：只计本期内发生的（不按本年累计）"
    if twin is not None:
        prop.kind, prop.target, prop.expression = "indicator", twin.id, None
        prop.reason = f"{prop.reason}；{why}，改用「{twin.name}」" if prop.reason else why
    else:
        prop.kind, prop.expression = "expression", wanted
        prop.reason = f"{prop.reason}；{why}" if prop.reason else why
    return prop


def _expression(prop: Proposal, matcher: Matcher) -> dict[str, Any] | None:
    if prop.kind == "expression" and prop.expression:
        return dict(prop.expression)
    term = matcher.vocab.term(prop.target) if prop.target else None
    return dict(term.expression) if term and term.expression else None


def _core(leaf: LeafColumn) -> str:
    return compact(strip_prefix(split_units(leaf.name)[0]))


def _event_of(leaf: LeafColumn, word: str, unit: str | None, matcher: Matcher) -> tuple[float, Any] | None:
    """An event column left blank (本月变动 > 死亡): the dated count its own words name with the period's."""
    core = _core(leaf)
    if not core:
        return None
    texts = [(normalise(word + core), 1.0), (normalise(word + core + "人数"), 1.0), (normalise(core + "人数"), 0.95)]
    # 转移就业 > 本月新增: the group names whose event it is; a term saying none of its words (本期新增特困人员数)
    # is another register's flow, the one the re-ranker already turned down
    subject = _subject(leaf)
    best: tuple[float, Any] | None = None
    for p in matcher._indicators:
        expr = p.term.expression or {}
        if not expr.get("date") or expr.get("agg") not in ("count", "count_distinct"):
            continue
        if subject and max(cover_of(subject, t) for t in p.texts) < 0.5:
            continue
        s = matcher._score(p, texts, unit)
        if best is None or s > best[0]:
            best = (s, p.term)
    return best if best is not None and best[0] >= _EVENT_ACCEPT else None


_FLOW_WORDS = re.compile(r"本月|当月|本期|当期|本季度?|当季|变动|变化|情况|动态|新增|增加|减少|人数|户数")


def _subject(leaf: LeafColumn) -> str:
    """The words of the group above the column that name a subject, not the period or the flow (本月变动: none)."""
    parents = [compact(strip_prefix(split_units(p)[0])) for p in leaf.path[:-1]]
    return normalise(_FLOW_WORDS.sub("", parents[-1])) if parents else ""
