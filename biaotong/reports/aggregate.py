"""Aggregate values of one report for one period: one query per entity over the one table, every org level
computed in that query (GROUPING SETS over the org mapping), ratios and changes derived afterwards."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import duckdb

from biaotong.expr import FieldExpr, compile_fields, derive, previous_needs
from biaotong.expr.compile import CompiledQuery, queries_of
from biaotong.onetable import OneTableState
from biaotong.reports.orgmap import OrgPlan
from biaotong.reports.resolve import DEFAULT_ENTITY

ADDITIVE_AGGS = frozenset({"count", "sum", "min", "max"})  # what compile gives a `rollup` for
Values = dict[str, dict[str, Any]]  # org code → field → value


@dataclass
class Computed:
    values: Values = field(default_factory=dict)
    sql: dict[str, str] = field(default_factory=dict)  # entity -> the query as run
    queries: dict[str, CompiledQuery] = field(default_factory=dict)
    zero: dict[str, Any] = field(default_factory=dict)  # what a unit without any row gets
    # field → why it is missing (no synced source holds what it reads, or a collected value nobody gave):
    # blank in every output, never 0. {"zh", "en", "elements"}
    missing: dict[str, dict[str, Any]] = field(default_factory=dict)

    def of(self, code: str) -> dict[str, Any]:
        return {**self.zero, **self.values.get(code, {})}


def data_org_codes(con: duckdb.DuckDBPyConnection, entities: list[str]) -> list[str]:
    parts = " UNION ".join(f'SELECT DISTINCT org_code FROM "{e}"' for e in entities)
    return [r[0] for r in con.execute(parts).fetchall() if r[0] is not None]


def compute(
    con: duckdb.DuckDBPyConnection, fields: Mapping[str, FieldExpr], plan: OrgPlan, catalog: Any,
    start: date, end: date, *, report_id: str, state: OneTableState | None = None,
) -> Computed:
    """Aggregate/collected fields at every level of `plan`, one query per entity (and one per source roster a
    field counts). Given the one table's `state`, a field whose elements no synced source holds is missing."""
    out = Computed()
    registered = False
    wanted = {lv: set() for lv in plan.levels}
    for fid, f in fields.items():
        if f.kind == "aggregate":
            out.zero[fid] = 0 if f.agg in ("count", "count_distinct", "sum") else None
        elif f.kind == "collected":
            out.zero[fid] = None
    for entity, population in queries_of(fields, DEFAULT_ENTITY):
        group = {fid: f for fid, f in fields.items() if _in_query(f, entity, population)}
        if population is not None and state is not None and not _roster_synced(state, entity, population):
            for fid in group:
                out.missing[fid] = _why_no_roster(entity, population)
            continue
        # Additive fields (count, sum, min, max): group by village and add up the tree here, which is cheaper
        # than GROUPING SETS over millions of rows; distinct counts and averages need every level in SQL.
        # Compiled once: with the org rollup straight away when a field surely needs it (the rollup changes
        # only the query's shape, never the fields' metadata); else plainly, and again only if it turns out
        # non-additive after all (e.g. a collected non-numeric field).
        rollup_first = _needs_rollup(group, entity)
        opts: dict[str, Any] = {"report_id": report_id, "population": population}
        if rollup_first:
            registered = registered or _register(con, plan)
            q = compile_fields(fields, entity, catalog, start, end, org_rollup=plan.rollup(), **opts)
        else:
            q = compile_fields(fields, entity, catalog, start, end, **opts)
        additive = q.org_rollup is None and all(m.rollup is not None for m in q.fields.values())
        if not additive and q.org_rollup is None:
            registered = registered or _register(con, plan)
            q = compile_fields(fields, entity, catalog, start, end, org_rollup=plan.rollup(), **opts)
        name = entity if population is None else f"{entity}@{population}"
        out.queries[name] = q
        out.sql[name] = q.sql(pretty=False)
        if state is not None:
            out.missing.update(missing_fields(q, state, catalog))
        cur = con.execute(out.sql[name])
        names = [d[0] for d in cur.description]
        rows = cur.fetchall()
        if additive:
            _roll_up(out, plan, names, rows, {fid: m.rollup for fid, m in q.fields.items()})
            continue
        for row in rows:
            rec = dict(zip(names, row, strict=True))
            level = plan.level_name(rec.pop("org_level"))
            code = rec.pop("org_code")
            if level is None or code is None or level not in wanted:
                continue
            out.values.setdefault(code, {}).update(rec)
    _blank(out)
    return out


def _in_query(f: FieldExpr, entity: str, population: str | None) -> bool:
    return (f.entity or DEFAULT_ENTITY) == entity and (f.population if f.kind == "aggregate" else None) == population


def _roster_synced(state: OneTableState, entity: str, source: str) -> bool:
    merged = state.entities.get(entity)
    return merged is not None and any(s.source == source for s in merged.inputs)


def _why_no_roster(entity: str, source: str) -> dict[str, Any]:
    return {
        "zh": f"口径按数据源 {source} 的名单统计，但该数据源（{entity}）尚未登记或尚无快照",
        "en": f"counts the roster of source {source}, which is not registered for {entity} or has no snapshot yet",
        "elements": [], "source": source,
    }


def _zh_entity(catalog: Any, entity: str) -> str:
    try:
        return str(catalog.entity(entity).name)
    except Exception:  # an entity the catalog does not know is named by its code
        return entity


def _zh_element(catalog: Any, qualified: str) -> str:
    """户·家庭人口数（household.members）: what a clerk reads, with the code a designer searches for."""
    entity, _, code = qualified.partition(".")
    try:
        return f"{_zh_entity(catalog, entity)}·{catalog.element(entity, code).name}（{qualified}）"
    except Exception:
        return qualified


def missing_fields(q: CompiledQuery, state: OneTableState, catalog: Any = None) -> dict[str, dict[str, Any]]:
    """The fields of `q` no synced source can answer: a collected value (nobody has given it yet), or an
    element group none of the entity's snapshots holds. A true zero needs a source that holds the element.
    With the `catalog`, the Chinese message names entities and elements by their names."""
    out: dict[str, dict[str, Any]] = {}
    for fid, meta in q.fields.items():
        if meta.kind == "collected":
            if not all(_held(state, e) for e in meta.elements):
                out[fid] = {"zh": "基层采集项，尚无人填报", "en": "collected from the grassroots; nobody has given it yet",
                            "elements": list(meta.elements), "collect": True}
            continue
        merged = state.entities.get(meta.entity)
        if meta.population is None and (merged is None or merged.path is None):
            # no synced source holds a single row of this entity: a count over nothing is missing, not 0
            name = meta.entity
            out[fid] = {
                "zh": f"没有已同步的数据源提供任何「{_zh_entity(catalog, name) if catalog else name}」记录（缺数，不是 0；需接入数据源）",
                "en": f"no synced source holds any {name} rows (missing, not zero: add a source)",
                "elements": [f"{name}.*"], "collect": False,
            }
            continue
        lacking = [g for g in meta.requires if not any(_held(state, e) for e in g)]
        if lacking:
            names = sorted({e for g in lacking for e in g})
            shown = [_zh_element(catalog, e) for e in names] if catalog else names
            out[fid] = {
                "zh": f"没有已同步的数据源提供 {'、'.join(shown)}（缺数，不是 0；需采集或接入数据源）",
                "en": f"no synced source provides {', '.join(names)} (missing, not zero: collect it or add a source)",
                "elements": names, "collect": True,
            }
    return out


def field_missing(
    state: OneTableState, q: CompiledQuery, fid: str, entity: str, population: str | None, catalog: Any = None,
) -> dict[str, Any] | None:
    """Why one field of `q` is missing, or None when a source answers it (for `report explain`)."""
    if population is not None and not _roster_synced(state, entity, population):
        return _why_no_roster(entity, population)
    return missing_fields(q, state, catalog).get(fid)


def _held(state: OneTableState, qualified: str) -> bool:
    entity, _, code = qualified.partition(".")
    merged = state.entities.get(entity)
    return merged is not None and merged.holds(code)


def _blank(out: Computed) -> None:
    for fid in out.missing:
        out.zero[fid] = None
        for vals in out.values.values():
            if fid in vals:
                vals[fid] = None


def _needs_rollup(fields: Mapping[str, FieldExpr], entity: str) -> bool:
    """Whether a field compiled for `entity` (as compile_fields picks them) cannot be added up over villages."""
    return any(
        f.kind == "aggregate" and (f.entity or entity) == entity and f.agg not in ADDITIVE_AGGS
        for f in fields.values()
    )


def _register(con: duckdb.DuckDBPyConnection, plan: OrgPlan) -> bool:
    plan.register(con)
    return True


def _roll_up(out: Computed, plan: OrgPlan, names: list[str], rows: list[tuple[Any, ...]], how: dict[str, Any]) -> None:
    idx = names.index("org_code")
    cols = [(i, n, how[n]) for i, n in enumerate(names) if n in how]
    for row in rows:
        chain = plan.mapping.get(row[idx])
        if chain is None:
            continue
        for level in plan.levels:
            target = out.values.setdefault(chain[level], {})
            for i, name, kind in cols:
                v = row[i]
                if v is None:
                    target.setdefault(name, None)
                    continue
                old = target.get(name)
                if old is None:
                    target[name] = v
                elif kind == "sum":
                    target[name] = old + v
                elif kind == "min":
                    target[name] = min(old, v)
                else:
                    target[name] = max(old, v)


def derive_all(
    fields: Mapping[str, FieldExpr], now: Computed, before: Computed | None, codes: list[str]
) -> Values:
    """Every field (ratios, previous, change included) for each code."""
    needs_prev = bool(previous_needs(fields))
    return {
        code: derive(fields, now.of(code), before.of(code) if (before is not None and needs_prev) else None)
        for code in codes
    }
