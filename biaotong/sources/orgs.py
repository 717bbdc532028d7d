"""Placing rows in org units: 12-digit codes checked against the org tree, or names (with an optional
township name) resolved through the tree's `resolve_names`, once per distinct (name, parent) pair."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol

import pyarrow as pa
import pyarrow.compute as pc

from biaotong.sources.transforms import Parsed, clean_text, halfwidth

ORG_CODE_RE = r"^\d{12}$"
_SEP = "\x1f"


class OrgResolver(Protocol):
    """What mapping needs of the org tree (biaotong.catalog.OrgTree provides it)."""

    def resolve_names(
        self, pairs: Iterable[tuple[str | None, str]], on: Any = None, level: str | None = None, threshold: float = ...
    ) -> Mapping[tuple[str | None, str], tuple[str, float] | None]: ...

    def __contains__(self, code: object) -> bool: ...


def _known_codes(resolver: Any, codes: list[str]) -> list[bool]:
    # Any version ever counts: rows of older systems may carry a village merged away since (撤并);
    # reports roll such codes up into their successors.
    return [code in resolver for code in codes]


def org_codes(raw: pa.Array, resolver: OrgResolver | None) -> Parsed:
    """12-digit division codes; with an org tree, codes it does not know are rejected too."""
    text = halfwidth(clean_text(raw))
    shaped = pc.fill_null(pc.match_substring_regex(text, ORG_CODE_RE), False)
    ok = shaped
    if resolver is not None and len(text):
        distinct = pc.unique(text.filter(shaped))
        known = pa.array(_known_codes(resolver, distinct.to_pylist()), pa.bool_())
        ok = pc.and_(shaped, pc.fill_null(known.take(pc.index_in(text, value_set=distinct)), False))
    bad = pc.and_(pc.is_valid(text), pc.invert(ok))
    zh = pc.if_else(shaped, "行政区划树中没有此代码", "行政区划代码应为12位数字")
    en = pc.if_else(shaped, "no org unit has this code", "an org unit code has 12 digits")
    return Parsed(pc.if_else(ok, text, None), bad, zh, en)


def org_names(
    raw: pa.Array, parents: pa.Array | None, resolver: OrgResolver | None, threshold: float | None = None
) -> Parsed:
    """Village/community names (and optionally their township's name) to 12-digit codes, resolved once
    per distinct (township, village) pair."""
    assert resolver is not None, "map_batch checks that org_by_name has an org tree"
    names = clean_text(raw)
    if parents is None:
        parents = pa.nulls(len(names), pa.string())
    pair = pc.dictionary_encode(pc.binary_join_element_wise(pc.fill_null(parents, ""), names, _SEP))
    keys = pair.dictionary.to_pylist()  # NULL rows (no name) are not in the dictionary
    pairs = [(p or None, n) for p, n in (k.split(_SEP, 1) for k in keys)]
    options: dict[str, Any] = {"level": "village"}
    if threshold is not None:
        options["threshold"] = threshold
    found = resolver.resolve_names(pairs, **options) if pairs else {}
    codes = [hit[0] if (hit := found.get(p)) else None for p in pairs]
    values = pa.array(codes, pa.string()).take(pair.indices)
    bad = pc.and_(pc.is_valid(names), pc.is_null(values))
    if not pc.any(bad).as_py():
        return Parsed(values, bad)
    township = pc.fill_null(parents, "")
    with_parent = pc.is_valid(parents)
    zh = pc.if_else(with_parent, pc.binary_join_element_wise("在 ", township, " 下找不到此名称的村（社区）", ""),
                    "找不到此名称的村（社区）")
    en = pc.if_else(with_parent, pc.binary_join_element_wise("no village/community of this name under ", township, ""),
                    "no village/community has this name")
    return Parsed(values, bad, zh, en)
