"""Finding an org unit by the name a department system writes: exact names, aliases (old names after a
rename are aliases), names without their suffix (红旗村委会 = 红旗村 = 红旗), fuzzy matching, and the names a
unit had before a rename or merger (effective-dated versions). Also places inside free address text
(重庆市某县白马镇新华村2组).

A name that fits two units equally well is never guessed: the result is `ambiguous` with the candidates.
A suffix says what kind of unit is meant (镇/乡/街道 a township, 村/社区/居委会 a village-level unit), so
东风镇 never resolves to 东风社区.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import yaml
from rapidfuzz import fuzz, process

if TYPE_CHECKING:
    from biaotong.catalog.orgtree import OrgTree, OrgUnit

TOWNSHIP_SUFFIXES = ("街道办事处", "镇人民政府", "乡人民政府", "民族乡", "民族镇", "办事处", "街道", "镇", "乡")
VILLAGE_SUFFIXES = ("社区居民委员会", "村民委员会", "居民委员会", "社区居委会", "村委会", "居委会", "社区", "村")
SUFFIXES = tuple(sorted({*TOWNSHIP_SUFFIXES, *VILLAGE_SUFFIXES}, key=len, reverse=True))
KIND_OF_LEVEL = {"township": "township", "village": "village"}
_SPACE = re.compile(r"\s+")
_CODE = re.compile(r"^\d{12}$")
EXACT, ALIAS, BASE, HISTORY_PENALTY = 100.0, 97.0, 92.0, 5.0
MIN_BARE = 2  # a bare base name found inside an address needs at least this many characters

OUTCOMES = ("exact", "alias", "base", "fuzzy", "former_name", "address", "ambiguous", "not_found",
            "parent_not_found")


@dataclass(frozen=True)
class Resolution:
    """How one name resolved: the code (None unless resolved), a score 0-100, the outcome (one of
    OUTCOMES) and, when ambiguous, the candidates as 'name(code)'."""

    code: str | None
    score: float
    outcome: str
    candidates: tuple[str, ...] = ()

    @property
    def hit(self) -> tuple[str, float] | None:
        return (self.code, self.score) if self.code else None


NOT_FOUND = Resolution(None, 0.0, "not_found")


def clean(name: str) -> str:
    return _SPACE.sub("", unicodedata.normalize("NFKC", str(name)))


def _ethnic_groups() -> str:
    """The 56 groups' names (水族, 布依族 …) as a regex alternation, longest first, from the 民族 code list."""
    path = Path(__file__).parent / "data" / "codelists" / "ethnicity.yaml"
    labels = {c["label"] for c in yaml.safe_load(path.read_text(encoding="utf-8"))["codes"]}
    return "|".join(sorted((re.escape(x) for x in labels if x.endswith("族")), key=len, reverse=True))


# 民族乡/民族镇 named after their groups (塘坝水族乡, 某某苗族布依族镇): a department writes 塘坝乡 or 塘坝,
# so the groups' names are part of the suffix, not of the base name.
_ETHNIC_SUFFIX = re.compile(f"(?:{_ethnic_groups()})+(?=乡$|镇$)")


def base_name(name: str) -> str:
    """The name without its administrative suffixes: 红旗村民委员会 → 红旗, 东风社区居委会 → 东风,
    塘坝水族乡 → 塘坝."""
    s = clean(name)
    ethnic = _ETHNIC_SUFFIX.search(s)
    if ethnic and ethnic.start() >= MIN_BARE:
        s = s[: ethnic.start()] + s[-1]
    changed = True
    while changed:
        changed = False
        for suffix in SUFFIXES:
            if s.endswith(suffix) and len(s) > len(suffix):
                s, changed = s[: -len(suffix)], True
                break
    return s


def name_kind(name: str) -> str | None:
    """'township' or 'village' when the name's suffix says so (白马镇, 新华村委会), else None."""
    s = clean(name)
    for suffix in SUFFIXES:
        if s.endswith(suffix) and len(s) > len(suffix):
            return "township" if suffix in TOWNSHIP_SUFFIXES else "village"
    return None


def _label(u: OrgUnit) -> str:
    return f"{u.name}({u.code})"


@dataclass
class _Index:
    """Exact names, aliases and base names of a set of units → their codes, and base names for fuzzy search."""

    exact: dict[str, set[str]] = field(default_factory=dict)
    alias: dict[str, set[str]] = field(default_factory=dict)
    base: dict[str, set[str]] = field(default_factory=dict)
    choices: list[str] = field(default_factory=list)
    choice_codes: list[str] = field(default_factory=list)
    units: dict[str, OrgUnit] = field(default_factory=dict)

    @classmethod
    def of(cls, units: Iterable[OrgUnit]) -> _Index:
        idx = cls()
        for u in units:
            idx.units.setdefault(u.code, u)
            idx.exact.setdefault(clean(u.name), set()).add(u.code)
            for a in u.aliases:
                idx.alias.setdefault(clean(a), set()).add(u.code)
            for text in (u.name, *u.aliases):
                idx.base.setdefault(base_name(text), set()).add(u.code)
            idx.choices.append(base_name(u.name))
            idx.choice_codes.append(u.code)
        return idx

    def _fits(self, code: str, kind: str | None) -> bool:
        return kind is None or KIND_OF_LEVEL.get(self.units[code].level, kind) == kind

    def _pick(self, codes: Iterable[str], score: float, outcome: str) -> Resolution:
        found = sorted(set(codes))
        if len(found) == 1:
            return Resolution(found[0], score, outcome)
        return Resolution(None, 0.0, "ambiguous", tuple(_label(self.units[c]) for c in found))

    def match(self, name: str, threshold: float, fuzzy: bool) -> Resolution:
        kind = name_kind(name)
        for score, outcome, table, key in (
            (EXACT, "exact", self.exact, clean(name)),
            (ALIAS, "alias", self.alias, clean(name)),
            (BASE, "base", self.base, base_name(name)),
        ):
            codes = [c for c in table.get(key, ()) if self._fits(c, kind)]
            if codes:
                return self._pick(codes, score, outcome)
        if not fuzzy or not self.choices:
            return NOT_FOUND
        found = process.extract(base_name(name), self.choices, scorer=fuzz.ratio, score_cutoff=threshold, limit=5)
        best: dict[str, float] = {}
        for _text, score, i in found:
            code = self.choice_codes[i]
            if self._fits(code, kind):
                best[code] = max(best.get(code, 0.0), float(score))
        if not best:
            return NOT_FOUND
        top = max(best.values())
        return self._pick([c for c, s in best.items() if s == top], top, "fuzzy")


def _parent_code(tree: OrgTree, parent: str | None, day: date) -> Resolution | None:
    """The township (or other parent) given in the same row: a code or a name; None if no parent given."""
    if parent is None:
        return None
    if _CODE.match(clean(parent)):
        return Resolution(clean(parent), EXACT, "exact")
    cache = tree._names.setdefault(("parent", day), {})
    if parent not in cache:
        # A parent column names the township (乡镇/街道) first; any level only if no township fits.
        found = resolve_detail(tree, parent, None, day, "township", 90.0)
        if found.code is None and found.outcome != "ambiguous":
            found = resolve_detail(tree, parent, None, day, None, 90.0)
        cache[parent] = found
    return cache[parent]


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
        scope = {pcode} | {u.code for u in current} if pcode else None
        old = [u for u in _other_versions(tree, day) if level in (None, u.level) and (scope is None or u.parent in scope)]
        found = tree._names[key] = (_Index.of(current), _Index.of(old))
    return found


def _other_versions(tree: OrgTree, day: date) -> list[OrgUnit]:
    """Versions not valid on `day`: few, since renames and 撤并 are rare."""
    others = tree._names.get(("others", day))
    if others is None:
        others = tree._names[("others", day)] = [
            u for code in tree.codes() for u in tree.versions(code) if not u.valid_on(day)
        ]
    return others


def resolve_detail(
    tree: OrgTree, name: str, parent: str | None, on: date | None, level: str | None, threshold: float
) -> Resolution:
    day = on or tree.default_date
    if not str(name).strip():
        return NOT_FOUND
    given = _parent_code(tree, parent, day)
    if given is not None and given.code is None:
        return Resolution(None, 0.0, "parent_not_found", given.candidates)
    pcode = given.code if given is not None else None
    current, old = _indexes(tree, day, pcode, level)
    hit = current.match(name, threshold, fuzzy=True)
    if hit.outcome != "not_found":
        return hit
    # Not among the units of that day: an old name of a unit since renamed, merged or split.
    hit = old.match(name, threshold, fuzzy=False)
    if hit.code is not None:
        return Resolution(hit.code, hit.score - HISTORY_PENALTY, "former_name")
    return hit


def resolve(
    tree: OrgTree, name: str, parent: str | None, on: date | None, level: str | None, threshold: float
) -> tuple[str, float] | None:
    return resolve_detail(tree, name, parent, on, level, threshold).hit


def resolve_among(units: Iterable[OrgUnit], name: str, threshold: float = 90.0) -> Resolution:
    """`name` among the given units only (a form's pre-listed 城关 among the report's rows): the same exact,
    alias, suffix-aware and fuzzy matching as `resolve_detail`; two units fitting equally are ambiguous."""
    if not str(name).strip():
        return NOT_FOUND
    return _Index.of(units).match(name, threshold, fuzzy=True)


# --- places inside address text ---------------------------------------------------------------------

@dataclass(frozen=True)
class _Spelling:
    text: str
    code: str
    strong: bool  # a full name, an alias or base+suffix (not a bare base name)


def _spellings(units: Iterable[OrgUnit], suffixes: tuple[str, ...]) -> list[_Spelling]:
    out: dict[tuple[str, str], _Spelling] = {}
    for u in units:
        names = {clean(u.name), *(clean(a) for a in u.aliases)}
        for n in list(names):
            b = base_name(n)
            names.update(b + s for s in suffixes)
            if len(b) >= MIN_BARE:
                out.setdefault((b, u.code), _Spelling(b, u.code, False))
        for n in names:
            out[(n, u.code)] = _Spelling(n, u.code, True)
    return sorted(out.values(), key=lambda s: -len(s.text))


def _address_units(tree: OrgTree, day: date, level: str, under: str | None) -> tuple[list[_Spelling], dict[str, OrgUnit]]:
    key = ("address", day, level, under)
    found = tree._names.get(key)
    if found is None:
        units = tree.as_of(day, level) if under is None else tree.descendants(under, level=level, on=day)
        scope = {u.code for u in units} | ({under} if under else set())
        old = [u for u in _other_versions(tree, day) if u.level == level and (under is None or u.parent in scope)]
        suffixes = TOWNSHIP_SUFFIXES if level == "township" else VILLAGE_SUFFIXES
        by_code = {u.code: u for u in [*old, *units]}
        found = tree._names[key] = (_spellings([*units, *old], suffixes), by_code)
    return found


def _find_in(
    text: str, spellings: list[_Spelling], by_code: dict[str, OrgUnit], *, bare: bool = True
) -> tuple[Resolution, int]:
    """The unit whose longest spelling occurs in `text` (strong spellings before bare base names), and
    where the match ends; two units with equally good spellings are ambiguous."""
    for strong in (True, False) if bare else (True,):
        best_len = 0
        hits: dict[str, int] = {}
        for s in spellings:
            if s.strong != strong or len(s.text) < best_len:
                continue
            at = text.find(s.text)
            if at < 0:
                continue
            if len(s.text) > best_len:
                best_len, hits = len(s.text), {}
            hits.setdefault(s.code, at + len(s.text))
        if len(hits) == 1:
            code, end = next(iter(hits.items()))
            return Resolution(code, BASE if strong else BASE - HISTORY_PENALTY, "address"), end
        if len(hits) > 1:
            return Resolution(None, 0.0, "ambiguous", tuple(_label(by_code[c]) for c in sorted(hits))), -1
    return NOT_FOUND, -1


def resolve_address(tree: OrgTree, address: str, on: date | None = None, level: str = "village") -> Resolution:
    """The village (or township, with level='township') named inside free address text: the township is
    found first, then a village of that township in the text after it."""
    day = on or tree.default_date
    text = clean(address)
    if not text:
        return NOT_FOUND
    spellings, by_code = _address_units(tree, day, "township", None)
    # Townships only by a full spelling (白马镇, 白马街道): a bare 白马 may be part of a village's name.
    township, end = _find_in(text, spellings, by_code, bare=level == "township")
    if level == "township" or township.outcome == "ambiguous":
        return township
    under = township.code
    rest = text[end:] if township.code else text
    spellings, by_code = _address_units(tree, day, "village", under)
    village, _ = _find_in(rest, spellings, by_code)
    if village.outcome == "ambiguous" and under is None:
        return _by_bare_township(tree, day, text, village)
    return village


def _by_bare_township(tree: OrgTree, day: date, text: str, village: Resolution) -> Resolution:
    """A village name several townships have, in an address whose township has no suffix (…县坝固新寨村2组):
    the candidate whose township's base name (坝固) is written right before the village's (新寨) is meant —
    if exactly one candidate has it; else the name stays ambiguous."""
    _spellings_v, villages = _address_units(tree, day, "village", None)
    _spellings_t, townships = _address_units(tree, day, "township", None)
    fits: list[OrgUnit] = []
    for u in villages.values():
        town = townships.get(u.parent or "")
        if _label(u) not in village.candidates or town is None:
            continue
        towns = {base_name(n) for n in (town.name, *town.aliases)}
        names = {base_name(n) for n in (u.name, *u.aliases)}
        if any(len(t) >= MIN_BARE and t + n in text for t in towns for n in names):
            fits.append(u)
    if len(fits) == 1:
        return Resolution(fits[0].code, BASE - HISTORY_PENALTY, "address")
    return village
