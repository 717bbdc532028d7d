"""Aggregate values of one report for one period: one query per entity over the one table, every org level
computed in that query (GROUPING SETS over the org mapping), ratios and changes derived afterwards."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import duckdb

from biaotong.expr import FieldExpr, compile_fields, derive, entities_of, previous_needs
from biaotong.expr.compile import CompiledQuery
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

    def of(self, code: str) -> dict[str, Any]:
        return {**self.zero, **self.values.get(code, {})}


def data_org_codes(con: duckdb.DuckDBPyConnection, entities: list[str]) -> list[str]:
    parts = " UNION ".join(f'SELECT DISTINCT org_code FROM "{e}"' for e in entities)
    return [r[0] for r in con.execute(parts).fetchall() if r[0] is not None]


def compute(
    con: duckdb.DuckDBPyConnection, fields: Mapping[str, FieldExpr], plan: OrgPlan, catalog: Any,
    start: date, end: date, *, report_id: str,
) -> Computed:
    """Aggregate/collected fields at every level of `plan`, one query per entity."""
    out = Computed()
    registered = False
    wanted = {lv: set() for lv in plan.levels}
    for fid, f in fields.items():
        if f.kind == "aggregate":
            out.zero[fid] = 0 if f.agg in ("count", "count_distinct", "sum") else None
        elif f.kind == "collected":
            out.zero[fid] = None
    for entity in entities_of(fields, DEFAULT_ENTITY):
        # Additive fields (count, sum, min, max): group by village and add up the tree here, which is cheaper
        # than GROUPING SETS over millions of rows; distinct counts and averages need every level in SQL.
        # Compiled once: with the org rollup straight away when a field surely needs it (the rollup changes
        # only the query's shape, never the fields' metadata); else plainly, and again only if it turns out
        # non-additive after all (e.g. a collected non-numeric field).
        rollup_first = _needs_rollup(fields, entity)
        if rollup_first:
            registered = registered or _register(con, plan)
            q = compile_fields(fields, entity, catalog, start, end, report_id=report_id, org_rollup=plan.rollup())
        else:
            q = compile_fields(fields, entity, catalog, start, end, report_id=report_id)
        additive = q.org_rollup is None and all(m.rollup is not None for m in q.fields.values())
        if not additive and q.org_rollup is None:
            registered = registered or _register(con, plan)
            q = compile_fields(fields, entity, catalog, start, end, report_id=report_id, org_rollup=plan.rollup())
        out.queries[entity] = q
        out.sql[entity] = q.sql(pretty=False)
        cur = con.execute(out.sql[entity])
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
    return out


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
