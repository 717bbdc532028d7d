"""Compile a report's fields over one entity into ONE aggregate query grouped by village.

```sql
WITH household_members AS (          -- only when a field uses household_any()/household_count()
  SELECT resident.household_id AS household_id, COUNT(*) FILTER (WHERE …) AS m1 … GROUP BY 1)
SELECT resident.org_code AS org_code,
       COUNT(*) FILTER (WHERE <alive at period end> AND <field filter>) AS field_a,
       …
FROM resident
LEFT JOIN household ON household.household_id = resident.household_id   -- only for household.x
GROUP BY resident.org_code
```

Residents are counted only while alive and registered at the period end (for cumulative fields: present
at any time in Jan 1 → period end) unless the field's filter mentions `include_deregistered`.

Member conditions are a pre-aggregated LEFT JOIN, not a correlated EXISTS: one scan of `resident`
serves every member condition of the report, the join is a single hash join on the household key,
household_count() needs the count anyway, and Spark refuses correlated subqueries inside aggregate
FILTER/CASE expressions, where each field's condition has to live.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from sqlglot import exp

from biaotong.errors import ExpressionError, where
from biaotong.expr.check import (
    LINKS,
    CatalogLike,
    Checker,
    Link,
    MemberAgg,
    Usage,
    fold_true,
    key_placeholder,
    members_table,
)
from biaotong.expr.derive import check_refs
from biaotong.expr.dialects import capabilities, render
from biaotong.expr.fields import FieldExpr
from biaotong.expr.helpers import Window, population
from biaotong.expr.parse import Scope, parse_expression
from biaotong.expr.typed import NUMERIC, Typed, date_literal

Rollup = Literal["sum", "min", "max"]
ORG_MAP_ALIAS = "org_map"
_SQL_TYPES = {
    "string": "varchar",
    "code": "varchar",
    "integer": "bigint",
    "decimal": "double",
    "boolean": "boolean",
    "date": "date",
}


@dataclass(frozen=True)
class OrgRollup:
    """Compute every level in the query itself: GROUP BY GROUPING SETS over an org mapping table.

    `table` has one row per village: `key` (the village code) and one column per level above it, e.g.
    OrgRollup("org_levels", (("township", "township_code"), ("county", "county_code"))). The result
    gets an `org_level` column ('village', 'township', …) and `org_code` holds that level's code.
    Exact for every aggregate, including count_distinct and avg, which a caller cannot add up.
    """

    table: str
    levels: tuple[tuple[str, str], ...]
    key: str = "org_code"


@dataclass(frozen=True)
class FieldMeta:
    """Lineage and roll-up facts of one field of the query."""

    field_id: str
    kind: str  # aggregate | collected
    entity: str
    elements: tuple[str, ...]  # qualified element codes the field reads: resident.sex
    entities: tuple[str, ...]  # entity views (snapshots) behind the number
    value_type: str
    rollup: Rollup | None  # how a caller adds villages up; None: needs OrgRollup (avg, count_distinct)
    missing: bool = False  # a collected value no system holds yet: NULL until grassroots fill it in
    window: str = "point"
    # Element groups the field needs a source for (one of each group): see check.Usage.required.
    requires: tuple[frozenset[str], ...] = ()
    population: str | None = None  # a source's own roster instead of the register (FieldExpr.population)


@dataclass
class _Plan:
    meta: FieldMeta
    column: exp.Expression  # the aliased select expression
    condition: exp.Expression | None
    value: exp.Expression | None
    usage: Usage


@dataclass(frozen=True)
class _Schema:
    """What assembling a query needs from the catalog: keys of linked entities and element codes."""

    keys: Mapping[str, str]  # entity → key element
    codes: Mapping[str, frozenset[str]]  # entity → element codes


@dataclass
class CompiledQuery:
    """All aggregate fields of one entity as one SELECT; `.sql()` for text, `.tree` for the tree."""

    entity: str
    report_id: str
    dialect: str
    period_start: date
    period_end: date
    fields: dict[str, FieldMeta]
    tree: exp.Select
    org_rollup: OrgRollup | None
    _plans: dict[str, _Plan] = field(repr=False)
    _schema: _Schema = field(repr=False)
    population: str | None = None
    source_view: str | None = None  # the relation read instead of the entity's view (a source's roster)

    def sql(self, dialect: str | None = None, *, pretty: bool = True) -> str:
        return render(self.tree, dialect or self.dialect, pretty=pretty)

    def explain(self, field_id: str, dialect: str | None = None) -> str:
        """The readable SQL behind one field: the same query, with only that field."""
        tree = _assemble(self.entity, [self._plan(field_id)], self._schema, self.org_rollup, self.source_view)
        return render(tree, dialect or self.dialect)

    def drilldown(self, field_id: str, org_codes: Sequence[str]) -> exp.Select:
        """The entities behind a number: key, org_code, name and the elements the field reads.

        `org_codes` are village codes (expand a township to its villages first). Masking sensitive
        columns for the user's role is the caller's job; the column names are the element codes.
        """
        plan = self._plan(field_id)
        if plan.usage.members:
            raise ExpressionError(
                "按户成员条件统计的字段暂不支持明细查询",
                "drill-down of fields with member conditions is not supported yet",
                where(field=f"{self.report_id}.{field_id}"),
            )
        ent = self.entity
        own = self._schema.codes[ent]
        shown = [self._schema.keys[ent], "org_code", *(["name"] if "name" in own else [])]
        shown += [e.split(".", 1)[1] for e in plan.meta.elements if e.startswith(f"{ent}.")]
        select = exp.select(*(exp.column(c, table=ent) for c in dict.fromkeys(shown)))
        select = select.from_(_base(ent, plan.usage.derived, self.source_view))
        select = _add_joins(select, ent, plan.usage, self._schema)
        conds: list[exp.Expression] = [
            exp.In(
                this=exp.column("org_code", table=ent),
                expressions=[exp.Literal.string(str(c)) for c in org_codes],
            )
        ]
        if plan.condition is not None:
            conds.append(plan.condition.copy())
        if plan.value is not None:
            conds.append(exp.Not(this=exp.Is(this=plan.value.copy(), expression=exp.Null())))
        order = (exp.column("org_code", table=ent), exp.column(self._schema.keys[ent], table=ent))
        return select.where(exp.and_(*conds)).order_by(*order)

    def drilldown_sql(self, field_id: str, org_codes: Sequence[str], dialect: str | None = None) -> str:
        return render(self.drilldown(field_id, org_codes), dialect or self.dialect)

    def _plan(self, field_id: str) -> _Plan:
        try:
            return self._plans[field_id]
        except KeyError:
            raise ExpressionError(
                f"该查询中没有字段 {field_id}（可用：{', '.join(self._plans)}）",
                f"no field {field_id} in this query (available: {', '.join(self._plans)})",
                where(field=f"{self.report_id}.{field_id}"),
            ) from None


def entities_of(fields: Mapping[str, FieldExpr], default: str) -> list[str]:
    """The entities whose queries a report needs, in field order."""
    found = [f.entity or default for f in fields.values() if f.kind in ("aggregate", "collected")]
    return list(dict.fromkeys(found))


def queries_of(fields: Mapping[str, FieldExpr], default: str) -> list[tuple[str, str | None]]:
    """(entity, population) of each query a report needs: one per entity over its register, and one per
    source roster that a field counts (`population:`), in field order."""
    found = [
        (f.entity or default, f.population if f.kind == "aggregate" else None)
        for f in fields.values() if f.kind in ("aggregate", "collected")
    ]
    return list(dict.fromkeys(found))


def compile_fields(
    fields: Mapping[str, FieldExpr],
    entity: str,
    catalog: CatalogLike,
    period_start: date,
    period_end: date,
    *,
    dialect: str = "duckdb",
    report_id: str,
    org_rollup: OrgRollup | None = None,
    population: str | None = None,
    source_view: str | None = None,
) -> CompiledQuery:
    """Compile the aggregate and collected fields of `entity` (field.entity, else this default) that count
    `population` (None: the register; a source name: that source's roster, read from `source_view`).

    Ratio/previous/change fields are not in the query: evaluate them with `derive()` on the
    (rolled-up) values. Fields of other entities are skipped: compile them with their own entity.
    """
    capabilities(dialect)  # fail early on an unknown dialect
    check_refs(fields, report_id=report_id)
    _entity(catalog, entity, report_id)
    involved = {entity, *(lk.parent for lk in LINKS), *(lk.child for lk in LINKS)}
    schema = _Schema(
        keys={e: catalog.entity(e).key for e in involved},
        codes={e: frozenset(el.code for el in catalog.elements_of(e)) for e in involved},
    )
    plans: dict[str, _Plan] = {}
    for fid, f in fields.items():
        if (f.entity or entity) != entity or (f.population if f.kind == "aggregate" else None) != population:
            continue
        if f.kind == "aggregate":
            plans[fid] = _compile_aggregate(fid, f, entity, catalog, period_start, period_end, report_id)
        elif f.kind == "collected":
            plans[fid] = _compile_collected(fid, f, entity, catalog, report_id)
    view = source_view or (f"{entity}__{population}" if population else None)
    tree = _assemble(entity, list(plans.values()), schema, org_rollup, view)
    return CompiledQuery(
        entity=entity,
        report_id=report_id,
        dialect=dialect,
        period_start=period_start,
        period_end=period_end,
        fields={fid: p.meta for fid, p in plans.items()},
        tree=tree,
        org_rollup=org_rollup,
        _plans=plans,
        _schema=schema,
        population=population,
        source_view=view,
    )


def _entity(catalog: CatalogLike, entity: str, report_id: str) -> Any:
    try:
        return catalog.entity(entity)
    except Exception as exc:
        raise ExpressionError(
            f"未知的主体类型：{entity}", f"unknown entity type: {entity}", where(field=report_id)
        ) from exc


def _compile_aggregate(
    fid: str, f: FieldExpr, entity: str, catalog: CatalogLike, start: date, end: date, report_id: str
) -> _Plan:
    cumulative = f.window == "cumulative"
    window = Window(date(end.year, 1, 1) if cumulative else start, end, cumulative)
    usage = Usage()
    conds: list[exp.Expression] = []
    value: Typed | None = None
    if f.of:
        scope = Scope(report_id, fid, f.of, "of")
        node = parse_expression(f.of, scope)
        value = Checker(catalog, entity, window, scope, usage).value(node)
        _check_agg_type(f, value, scope, node)
    if f.date:
        scope = Scope(report_id, fid, f.date, "date")
        node = parse_expression(f.date, scope)
        d = Checker(catalog, entity, window, scope, usage).value(node)
        if d.vtype != "date":
            raise scope.fail(node, "date 应为日期型数据元", "date must be a date element")
        conds.append(exp.Between(this=d.node, low=date_literal(window.start), high=date_literal(window.end)))
    if f.filter:
        scope = Scope(report_id, fid, f.filter, "filter")
        checker = Checker(catalog, entity, window, scope, usage)
        conds.append(checker.condition(parse_expression(f.filter, scope)))
    if entity == "resident" and not usage.include_deregistered:
        checker = Checker(catalog, entity, window, Scope(report_id, fid), usage)
        conds.insert(0, population(checker, exp.column("alive")).node)
    condition = fold_true(exp.and_(*conds)) if conds else None
    if isinstance(condition, exp.Boolean) and condition.this is True:
        condition = None
    agg = _aggregate(f, value)
    column: exp.Expression = (
        exp.Filter(this=agg, expression=exp.Where(this=condition)) if condition is not None else agg
    )
    if f.agg == "sum":
        column = exp.Coalesce(this=column, expressions=[exp.Literal.number(0)])
    vtype = (
        "integer"
        if f.agg in ("count", "count_distinct")
        else ("decimal" if f.agg == "avg" else value.vtype if value else "integer")
    )
    meta = FieldMeta(
        field_id=fid,
        kind="aggregate",
        entity=entity,
        elements=tuple(sorted(usage.elements)),
        entities=tuple(sorted({entity, *usage.joins, *(m.link.child for m in usage.members.values())})),
        value_type=vtype,
        rollup={"count": "sum", "sum": "sum", "min": "min", "max": "max"}.get(f.agg or ""),  # type: ignore[arg-type]
        window=f.window,
        requires=tuple(dict.fromkeys(usage.required)),
        population=f.population,
    )
    return _Plan(meta, exp.alias_(column, fid), condition, value.node if value else None, usage)


def _check_agg_type(f: FieldExpr, value: Typed, scope: Scope, node: exp.Expression) -> None:
    if f.agg in ("sum", "avg") and value.vtype not in NUMERIC:
        raise scope.fail(
            node,
            f"{f.agg} 只能用于数值（此处为 {value.vtype}）",
            f"{f.agg} needs a number (got {value.vtype})",
        )
    if f.agg in ("min", "max") and value.vtype not in (*NUMERIC, "date"):
        raise scope.fail(
            node, f"{f.agg} 只能用于数值或日期", f"{f.agg} needs a number or a date (got {value.vtype})"
        )


def _aggregate(f: FieldExpr, value: Typed | None) -> exp.Expression:
    v = value.node if value is not None else None
    if f.agg == "count":
        return exp.Count(this=v if v is not None else exp.Star())
    assert v is not None  # FieldExpr requires `of` for the other aggregates
    if f.agg == "count_distinct":
        return exp.Count(this=exp.Distinct(expressions=[v]))
    return {"sum": exp.Sum, "avg": exp.Avg, "min": exp.Min, "max": exp.Max}[f.agg or ""](this=v)


def _compile_collected(fid: str, f: FieldExpr, entity: str, catalog: CatalogLike, report_id: str) -> _Plan:
    scope = Scope(report_id, fid, f.collected or "", "collected")
    code = f.collected or ""
    el = next((e for e in catalog.elements_of(entity) if e.code == code), None)
    if el is None:
        usage = Usage()
        raise Checker(catalog, entity, Window(date.min, date.min), scope, usage).unknown(
            code, entity, exp.column(code)
        )
    # The answers the grassroots gave land in the lake as the collection source's snapshots (biaotong.tasks),
    # so a collected field reads its element like any other; until somebody answers, no source holds it and
    # the field is missing (blank, explained), never 0. A unit that has not answered stays blank: no COALESCE.
    col = exp.column(code, table=entity)
    agg = exp.Sum(this=col) if el.value_type in NUMERIC else exp.Max(this=col)
    qualified = f"{entity}.{code}"
    meta = FieldMeta(
        field_id=fid,
        kind="collected",
        entity=entity,
        elements=(qualified,),
        entities=(entity,),
        value_type=el.value_type,
        rollup="sum" if el.value_type in NUMERIC else None,
        requires=(frozenset({qualified}),),
    )
    return _Plan(meta, exp.alias_(agg, fid), None, col, Usage())


def _base(
    entity: str, derived: Mapping[tuple[str, str], exp.Expression], view: str | None = None
) -> exp.Expression:
    """The entity's view, or — when fields use age/alive — the view plus those columns, computed once
    per row instead of once per field, under the same name so every column stays `entity.code`. With
    `view` (a source's roster), that relation is read under the entity's name."""
    cols = [exp.alias_(node.copy(), name) for (ent, name), node in sorted(derived.items()) if ent == entity]
    source = exp.to_table(view).as_(entity) if view else exp.to_table(entity)
    if not cols:
        return source
    inner = exp.select(exp.Column(this=exp.Star(), table=exp.to_identifier(entity)), *cols).from_(source)
    return inner.subquery(entity)


def _add_joins(select: exp.Select, entity: str, usage: Usage, schema: _Schema) -> exp.Select:
    for lk in LINKS:
        if lk.child == entity and lk.parent in usage.joins:
            key = schema.keys[lk.parent]
            on = exp.EQ(this=exp.column(key, table=lk.parent), expression=exp.column(lk.via, table=entity))
            select = select.join(exp.to_table(lk.parent), on=on, join_type="left")
    return select


def _members_cte(
    link: Link, aggs: Sequence[tuple[str, MemberAgg]], parent_key: str, usage: Usage
) -> exp.Select:
    child = link.child
    cols: list[exp.Expression] = [exp.alias_(exp.column(link.via, table=child), parent_key)]
    for name, agg in aggs:
        count = exp.Filter(this=exp.Count(this=exp.Star()), expression=exp.Where(this=agg.condition.copy()))
        cols.append(exp.alias_(count, name))
    return exp.select(*cols).from_(_base(child, usage.derived)).group_by(exp.column(link.via, table=child))


def _assemble(
    entity: str, plans: Sequence[_Plan], schema: _Schema, rollup: OrgRollup | None, view: str | None = None
) -> exp.Select:
    usage = Usage()
    for p in plans:
        usage.joins |= p.usage.joins
        usage.derived.update(p.usage.derived)
    # Number the member aggregates across all fields; identical conditions share one column.
    members: dict[str, tuple[str, MemberAgg]] = {}
    for p in plans:
        for key, agg in p.usage.members.items():
            members.setdefault(key, (f"m{len(members) + 1}", agg))
    renames = {key_placeholder(k): name for k, (name, _) in members.items()}
    columns = [_rename_members(p.column, renames) for p in plans]

    org = exp.column("org_code", table=entity)
    select = _add_joins(exp.select().from_(_base(entity, usage.derived, view)), entity, usage, schema)
    for link in LINKS:
        aggs = [pair for pair in members.values() if pair[1].link == link]
        if link.parent == entity and aggs:
            parent_key, cte = schema.keys[link.parent], members_table(link)
            select = select.with_(cte, as_=_members_cte(link, aggs, parent_key, usage))
            on = exp.EQ(
                this=exp.column(parent_key, table=cte), expression=exp.column(parent_key, table=entity)
            )
            select = select.join(exp.to_table(cte), on=on, join_type="left")
    if rollup is None:
        return select.select(exp.alias_(org, "org_code"), *columns).group_by(org).order_by(org)
    return _grouping_sets(select, org, columns, rollup)


def _grouping_sets(
    select: exp.Select, org: exp.Column, columns: list[exp.Expression], rollup: OrgRollup
) -> exp.Select:
    select = select.join(
        exp.alias_(exp.to_table(rollup.table), ORG_MAP_ALIAS, table=True),
        on=exp.EQ(this=exp.column(rollup.key, table=ORG_MAP_ALIAS), expression=org),
        join_type="left",
    )
    grouped = [
        ("village", org),
        *((name, exp.column(col, table=ORG_MAP_ALIAS)) for name, col in rollup.levels),
    ]
    code_case, level_case = exp.case(), exp.case()
    for name, col in grouped:
        this_level = exp.EQ(this=exp.func("GROUPING", col.copy()), expression=exp.Literal.number(0))
        code_case = code_case.when(this_level, col.copy())
        level_case = level_case.when(this_level.copy(), exp.Literal.string(name))
    sets = exp.GroupingSets(expressions=[exp.Tuple(expressions=[col.copy()]) for _, col in grouped])
    select = select.select(exp.alias_(level_case, "org_level"), exp.alias_(code_case, "org_code"), *columns)
    select.set("group", exp.Group(grouping_sets=[sets]))
    # Villages missing from the mapping would form a NULL township: leave them out of the upper levels.
    having = exp.Not(this=exp.Is(this=code_case.copy(), expression=exp.Null()))
    return select.having(having).order_by(exp.column("org_level"), exp.column("org_code"))


def _rename_members(node: exp.Expression, renames: Mapping[str, str]) -> exp.Expression:
    if not renames:
        return node

    def fix(n: exp.Expression) -> exp.Expression:
        if isinstance(n, exp.Column) and n.name in renames:
            return exp.column(renames[n.name], table=n.table)
        return n

    return node.copy().transform(fix)
