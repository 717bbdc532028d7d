"""Placing rows in org units: 12-digit codes checked against the org tree, or names (with an optional
township name) resolved through the tree's `resolve_names`, once per distinct (name, parent) pair."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol

import pyarrow as pa
import pyarrow.compute as pc

from biaotong.catalog.orgnames import NOT_FOUND, Resolution
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


def _resolve_all(
    resolver: Any, keys: list[tuple[str | None, str]], level: str | None, threshold: float | None, address: bool
) -> list[Resolution]:
    """One Resolution per distinct (parent, name): detailed when the resolver is an OrgTree, else through
    the protocol's resolve_names (found or not found only)."""
    from biaotong.catalog.orgnames import resolve_address, resolve_detail

    options = {"threshold": threshold} if threshold is not None else {}
    if hasattr(resolver, "_names"):  # biaotong.catalog.OrgTree
        if address:
            return [resolve_address(resolver, n, level=level or "village") for _p, n in keys]
        limit = options.get("threshold", 85.0)
        return [resolve_detail(resolver, n, p, None, level, limit) for p, n in keys]
    found = resolver.resolve_names(keys, level=level, **options)
    return [Resolution(hit[0], hit[1], "exact") if (hit := found.get(k)) else NOT_FOUND for k in keys]


_WHAT = {"village": ("村（社区）", "village/community"), "township": ("乡镇（街道）", "township"),
         None: ("行政区划", "org unit")}


def _reason(r: Resolution, parent: str | None, level: str | None, address: bool) -> tuple[str | None, str | None]:
    what_zh, what_en = _WHAT.get(level, _WHAT[None])
    if r.code is not None:
        return None, None
    if r.outcome == "ambiguous":
        listed = "、".join(r.candidates)
        return (f"名称对应多个{what_zh}：{listed}；请写全名称或给出上级乡镇",
                f"the name fits several units: {', '.join(r.candidates)}; give the full name or the township")
    if r.outcome == "parent_not_found":
        return f"找不到上级 {parent}", f"no unit named {parent} (the parent given in the row)"
    if address:
        return f"地址中找不到已知的{what_zh}", f"the address names no known {what_en}"
    if parent:
        return f"在 {parent} 下找不到此名称的{what_zh}", f"no {what_en} of this name under {parent}"
    return f"找不到此名称的{what_zh}", f"no {what_en} has this name"


def org_names(
    raw: pa.Array, parents: pa.Array | None, resolver: OrgResolver | None, threshold: float | None = None,
    *, level: str | None = "village", address: bool = False,
) -> Parsed:
    """Township or village names (with an optional parent name in the same row), or address text, to
    12-digit codes, resolved once per distinct (parent, name) pair. An ambiguous name is rejected with its
    candidates; `outcome` says how each row resolved."""
    assert resolver is not None, "map_batch checks that org_by_name has an org tree"
    names = clean_text(raw)
    if parents is None:
        parents = pa.nulls(len(names), pa.string())
    pair = pc.dictionary_encode(pc.binary_join_element_wise(pc.fill_null(parents, ""), names, _SEP))
    keys = [(p or None, n) for p, n in (k.split(_SEP, 1) for k in pair.dictionary.to_pylist())]
    found = _resolve_all(resolver, keys, level, threshold, address) if keys else []
    reasons = [_reason(r, p, level, address) for r, (p, _n) in zip(found, keys, strict=True)]
    idx = pair.indices
    values = pa.array([r.code for r in found], pa.string()).take(idx)
    outcome = pc.fill_null(pa.array([r.outcome for r in found], pa.string()).take(idx), "empty")
    bad = pc.and_(pc.is_valid(names), pc.is_null(values))
    zh = pa.array([z for z, _e in reasons], pa.string()).take(idx)
    en = pa.array([e for _z, e in reasons], pa.string()).take(idx)
    return Parsed(values, bad, zh, en, outcome)
