"""Where each row's data goes: data org codes → the units of the report's rows and every level above.

The tree is taken as it stood at the period end. A code that no longer existed then (撤并) rolls into its
successor; a code outside the requested unit is left out. The mapping becomes a small DuckDB table that the
compiled query joins for GROUP BY GROUPING SETS, so every level is computed exactly in the same query.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

import duckdb
import pyarrow as pa

from biaotong.catalog.orgtree import LEVELS, OrgTree, OrgUnit
from biaotong.errors import CatalogError, ReportError, where
from biaotong.expr import OrgRollup

MAP_TABLE = "bt_org_map"


@dataclass
class OrgPlan:
    unit: OrgUnit  # the requested unit
    level: str  # the level of the report's rows
    on: date
    levels: list[str]  # from the row level up to the unit's level
    mapping: dict[str, dict[str, str]] = field(default_factory=dict)  # data code → {level: code}
    units: dict[str, OrgUnit] = field(default_factory=dict)
    identity: bool = True  # every data code is itself a unit of the row level
    unplaced: list[str] = field(default_factory=list)  # data codes under no row (dissolved, wrong level)

    def rollup(self) -> OrgRollup:
        cols = [(f"at_{lv}", f"{lv}_code") for lv in self.levels if not (lv == "village" and self.identity)]
        return OrgRollup(MAP_TABLE, tuple(cols), key="org_code")

    def level_name(self, org_level: str) -> str | None:
        """The tree level of an `org_level` value of the query, None for rows to ignore."""
        if org_level == "village":
            return "village" if self.identity and self.level == "village" else None
        return org_level.removeprefix("at_")

    def codes_at(self, level: str) -> list[str]:
        return sorted({m[level] for m in self.mapping.values() if level in m})

    def data_codes(self) -> list[str]:
        return sorted(self.mapping)

    def register(self, con: duckdb.DuckDBPyConnection) -> None:
        cols: dict[str, list[str | None]] = {"org_code": []}
        for lv in self.levels:
            cols[f"{lv}_code"] = []
        for code, m in self.mapping.items():
            cols["org_code"].append(code)
            for lv in self.levels:
                cols[f"{lv}_code"].append(m.get(lv))
        table = pa.table({k: pa.array(v, pa.string()) for k, v in cols.items()})
        con.register(f"{MAP_TABLE}_arrow", table)
        con.execute(f"CREATE OR REPLACE TEMP TABLE {MAP_TABLE} AS SELECT * FROM {MAP_TABLE}_arrow")
        con.unregister(f"{MAP_TABLE}_arrow")


def plan_orgs(tree: OrgTree, org_code: str, level: str | None, on: date, data_codes: Iterable[str]) -> OrgPlan:
    try:
        unit = tree.get(org_code, on)
    except CatalogError as exc:
        raise ReportError(exc.zh, exc.en, where(key="org")) from None
    row_level = level or unit.level
    if row_level not in LEVELS:
        raise ReportError(f"未知的层级：{row_level}", f"unknown level: {row_level}", where(key="level"))
    if LEVELS.index(row_level) < LEVELS.index(unit.level):
        raise ReportError(
            f"层级 {row_level} 高于所选单位 {unit.name}（{unit.level}）",
            f"level {row_level} is above the chosen unit {unit.name} ({unit.level})", where(key="level"),
        )
    levels = list(LEVELS[LEVELS.index(unit.level): LEVELS.index(row_level) + 1])[::-1]
    plan = OrgPlan(unit, row_level, on, levels)
    for u in tree.descendants(org_code, on=on, include_self=True):
        if u.level in levels:
            plan.units[u.code] = u
    cache: dict[str, dict[str, str] | None] = {}
    for code in data_codes:
        if code is None:
            continue
        target = tree.rollup(code, on) if code in tree else None
        if target is None:
            plan.unplaced.append(code)
            continue
        if target not in cache:
            cache[target] = _chain(tree, target, on, levels, unit.code)
        chain = cache[target]
        if chain is None:
            if target in plan.units or _under(tree, target, on, unit.code):
                plan.unplaced.append(code)
            continue
        plan.mapping[code] = chain
        if chain.get(row_level) != code:
            plan.identity = False
    if row_level != "village":
        plan.identity = False
    return plan


def _chain(tree: OrgTree, code: str, on: date, levels: list[str], top: str) -> dict[str, str] | None:
    """{level: code} for the unit and its ancestors at the plan's levels; None if not under `top` or
    not at or below the row level."""
    unit = tree.get(code, on)
    path = [unit, *tree.ancestors(code, on)]
    found = {u.level: u.code for u in path if u.level in levels}
    if found.get(levels[-1]) != top or levels[0] not in found:
        return None
    return found


def _under(tree: OrgTree, code: str, on: date, top: str) -> bool:
    try:
        return any(u.code == top for u in tree.ancestors(code, on))
    except CatalogError:
        return False


def layout_rows(tree: OrgTree, plan: OrgPlan) -> list[tuple[OrgUnit, int, bool]]:
    """(unit, depth, is_subtotal) in print order: the total first, then each parent before its children."""
    out: list[tuple[OrgUnit, int, bool]] = [(plan.unit, 0, plan.unit.level != plan.level)]
    if plan.unit.level == plan.level:
        return out

    def walk(code: str, depth: int) -> None:
        for child in tree.children(code, plan.on):
            if child.level not in plan.levels:
                walk(child.code, depth)
                continue
            is_row = child.level == plan.level
            out.append((child, depth, not is_row))
            if not is_row:
                walk(child.code, depth + 1)

    walk(plan.unit.code, 1)
    return out
