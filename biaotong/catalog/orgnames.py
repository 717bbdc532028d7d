"""Finding an org unit by the name a department system writes: exact names, aliases (old names after a
rename are aliases), names without their suffix (红旗村委会 = 红旗村 = 红旗), then fuzzy matching."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from rapidfuzz import fuzz, process

if TYPE_CHECKING:
    from biaotong.catalog.orgtree import OrgTree, OrgUnit

SUFFIXES = (
    "村民委员会",
    "居民委员会",
    "街道办事处",
    "村委会",
    "居委会",
    "办事处",
    "社区",
    "街道",
    "村",
    "镇",
    "乡",
)
_SPACE = re.compile(r"\s+")
_CODE = re.compile(r"^\d{12}$")
EXACT, ALIAS, BASE, HISTORY_PENALTY = 100.0, 97.0, 92.0, 5.0


def clean(name: str) -> str:
    return _SPACE.sub("", unicodedata.normalize("NFKC", str(name)))


def base_name(name: str) -> str:
    """The name without its administrative suffixes: 红旗村民委员会 → 红旗, 东风社区居委会 → 东风."""
    s = clean(name)
    changed = True
    while changed:
        changed = False
        for suffix in SUFFIXES:
            if s.endswith(suffix) and len(s) > len(suffix):
                s, changed = s[: -len(suffix)], True
                break
    return s


def _pick(hits: dict[str, float]) -> tuple[str, float] | None:
    """The best hit, or None when two different units tie (ambiguous names are not guessed)."""
    if not hits:
        return None
    ranked = sorted(hits.items(), key=lambda kv: -kv[1])
    if len(ranked) > 1 and ranked[1][1] == ranked[0][1]:
        return None
    return ranked[0]


@dataclass
class _Index:
    """Exact names, aliases and base names of a set of units → their codes, and base names for fuzzy search."""

    exact: dict[str, set[str]] = field(default_factory=dict)
    alias: dict[str, set[str]] = field(default_factory=dict)
    base: dict[str, set[str]] = field(default_factory=dict)
    choices: list[str] = field(default_factory=list)
    choice_codes: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, units: Iterable[OrgUnit]) -> _Index:
        idx = cls()
        for u in units:
            idx.exact.setdefault(clean(u.name), set()).add(u.code)
            for a in u.aliases:
                idx.alias.setdefault(clean(a), set()).add(u.code)
            for text in (u.name, *u.aliases):
                idx.base.setdefault(base_name(text), set()).add(u.code)
            idx.choices.append(base_name(u.name))
            idx.choice_codes.append(u.code)
        return idx

    def match(self, name: str, threshold: float, fuzzy: bool) -> tuple[str, float] | None:
        for score, table, key in (
            (EXACT, self.exact, clean(name)),
            (ALIAS, self.alias, clean(name)),
            (BASE, self.base, base_name(name)),
        ):
            if key in table:
                return _pick(dict.fromkeys(table[key], score))
        if not fuzzy or not self.choices:
            return None
        found = process.extract(
            base_name(name), self.choices, scorer=fuzz.ratio, score_cutoff=threshold, limit=5
        )
        best: dict[str, float] = {}
        for _text, score, i in found:
            code = self.choice_codes[i]
            best[code] = max(best.get(code, 0.0), float(score))
        return _pick(best)


def _parent_code(tree: OrgTree, parent: str | None, day: date) -> str | None:
    if parent is None or _CODE.match(clean(parent)):
        return clean(parent) if parent else None
    cache = tree._names.setdefault(("parent", day), {})
    if parent not in cache:
        hit = resolve(tree, parent, None, day, None, 90.0)
        cache[parent] = hit[0] if hit else ""
    return cache[parent] or None


def _indexes(tree: OrgTree, day: date, pcode: str | None, level: str | None) -> tuple[_Index, _Index]:
    """(units valid on `day` under `pcode`, versions of other days under it), built once per scope."""
    key = ("index", day, pcode, level)
    found = tree._names.get(key)
    if found is None:
        if pcode is None:
            current = tree.as_of(day, level)
        elif pcode in tree.index(day).units:
            current = tree.descendants(pcode, level=level, on=day)
        else:
            current = []
        others = tree._names.get(("others", day))
        if others is None:  # versions not valid on `day`: few, since renames and 撤并 are rare
            others = tree._names[("others", day)] = [
                u for code in tree.codes() for u in tree.versions(code) if not u.valid_on(day)
            ]
        scope = {pcode} | {u.code for u in current} if pcode else None
        old = [u for u in others if level in (None, u.level) and (scope is None or u.parent in scope)]
        found = tree._names[key] = (_Index.of(current), _Index.of(old))
    return found


def resolve(
    tree: OrgTree, name: str, parent: str | None, on: date | None, level: str | None, threshold: float
) -> tuple[str, float] | None:
    day = on or tree.default_date
    if not str(name).strip():
        return None
    pcode = _parent_code(tree, parent, day)
    if parent is not None and pcode is None:
        return None
    current, old = _indexes(tree, day, pcode, level)
    hit = current.match(name, threshold, fuzzy=True)
    if hit is not None:
        return hit
    # Not among the units of that day: an old name of a unit since renamed, merged or split.
    hit = old.match(name, threshold, fuzzy=False)
    return (hit[0], hit[1] - HISTORY_PENALTY) if hit else None
