"""Roster (花名册/台账) layout: the entities matching a filter, one row each, personal data masked by role."""

from __future__ import annotations

from datetime import date
from typing import Any

import duckdb
from sqlglot import exp

from biaotong.catalog.model import DataElement
from biaotong.catalog.orgtree import OrgTree
from biaotong.errors import CatalogError, ReportError, where
from biaotong.expr import FieldExpr, compile_fields
from biaotong.expr.dialects import render
from biaotong.reports.mask import mask_value, masked_columns, masker, must_mask
from biaotong.reports.orgmap import OrgPlan
from biaotong.reports.result import Column
from biaotong.reports.spec import ReportSpec

ROSTER_FIELD = "roster"


def roster_elements(spec: ReportSpec, catalog: Any) -> list[DataElement]:
    assert spec.roster is not None
    out = []
    for code in spec.roster.columns:
        try:
            out.append(catalog.element(spec.roster.entity, code))
        except CatalogError as exc:
            raise ReportError(exc.zh, exc.en, where(key=spec.id, field=f"roster.columns.{code}")) from None
    return out


def roster_query(spec: ReportSpec, catalog: Any, start: date, end: date, org_codes: list[str]) -> exp.Select:
    """The compiled filter's drill-down, selecting the roster's columns instead."""
    assert spec.roster is not None
    r = spec.roster
    expr: dict[str, Any] = {"agg": "count", "entity": r.entity}
    if r.filter:
        expr["filter"] = r.filter
    field = FieldExpr.load(expr, report_id=spec.id, field_id=ROSTER_FIELD)
    q = compile_fields({ROSTER_FIELD: field}, r.entity, catalog, start, end, report_id=spec.id)
    tree = q.drilldown(ROSTER_FIELD, org_codes or [""])
    table = _main_table(tree, r.entity)
    key = catalog.entity(r.entity).key
    cols = list(dict.fromkeys([*r.columns, "org_code", key]))
    tree.set("expressions", [exp.column(c, table=table) for c in cols])
    order: list[exp.Expression] = []
    for item in [*r.order_by, "org_code", key]:
        desc = item.strip().lower().endswith(" desc")
        code = item.strip().split()[0]
        try:
            catalog.element(r.entity, code)
        except CatalogError as exc:
            raise ReportError(exc.zh, exc.en, where(key=spec.id, field=f"roster.order_by.{code}")) from None
        order.append(exp.Ordered(this=exp.column(code, table=table), desc=desc))
    tree.set("order", exp.Order(expressions=order))
    return tree


def _main_table(tree: exp.Select, entity: str) -> str:
    src = tree.args.get("from_") or tree.args.get("from")
    node = src.this if src is not None else None
    if isinstance(node, exp.Table | exp.Subquery) and node.alias_or_name:
        return node.alias_or_name
    return entity


def fetch_roster(
    con: duckdb.DuckDBPyConnection, spec: ReportSpec, catalog: Any, tree: OrgTree, plan: OrgPlan,
    start: date, end: date, role: str,
) -> tuple[list[Column], list[dict[str, Any]], str, list[str | None]]:
    """The roster's columns, its records (values as shown: names, labels, masked), the SQL, and each record's
    place as an org code: a name is no key (two townships may each have a 新寨村), so a form's 乡镇 / 村 columns
    are filled from the code."""
    assert spec.roster is not None
    elements = roster_elements(spec, catalog)
    query = roster_query(spec, catalog, start, end, plan.data_codes())
    sql = render(query, "duckdb")
    cur = con.execute(render(query, "duckdb", pretty=False))
    names = [d[0] for d in cur.description]
    rows = cur.fetchall()
    columns = [
        Column(e.code, spec.roster.labels.get(e.code, e.name), e.unit, (), None, "element") for e in elements
    ]
    data = dict(zip(names, zip(*rows, strict=True), strict=True)) if rows else {n: () for n in names}
    # A village dissolved by the period end shows as the unit holding its data then.
    data["org_code"] = _mapped(data["org_code"], lambda c: plan.mapping.get(c, {}).get("village", c))
    places = [None if c is None else str(c) for c in data["org_code"]]
    masked = masked_columns(elements, role)
    shown = [_display_column(e, data.get(e.code), e.code in masked, catalog, tree, end, len(rows))
             for e in elements]
    codes = [e.code for e in elements]
    records = [dict(zip(codes, vals, strict=True)) for vals in zip(*shown, strict=True)] if codes else [
        {} for _ in rows
    ]
    return columns, records, sql, places


def _mapped(values: Any, fn: Any) -> list[Any]:
    """`fn` over a column, computed once per distinct value (None stays None)."""
    seen: dict[Any, Any] = {}
    out = []
    for v in values:
        if v is None:
            out.append(None)
            continue
        try:
            out.append(seen[v])
        except KeyError:
            out.append(seen.setdefault(v, fn(v)))
        except TypeError:  # unhashable (a list column): no cache
            out.append(fn(v))
    return out


def _display_column(
    e: DataElement, values: Any, masked: bool, catalog: Any, tree: OrgTree, on: date, n: int
) -> list[Any]:
    """`display_value` over one column, the choice of transform made once for the column."""
    if values is None:
        return [None] * n
    if masked:
        fn = masker(e)
        return [v if v is None or v == "" else fn(v) for v in values]
    if e.code == "org_code":
        return _mapped(values, lambda v: tree.name_of(str(v), on) or v)
    if e.code_list:
        return _mapped(values, lambda v: catalog.code_list(e.code_list).label(str(v)) or v)
    return [("是" if v else "否") if isinstance(v, bool) else v for v in values]


def display_value(e: DataElement, value: Any, catalog: Any, tree: OrgTree, on: date, role: str) -> Any:
    if value is None:
        return None
    if must_mask(e, role):
        return mask_value(e, value)
    if e.code == "org_code":
        return tree.name_of(str(value), on) or value
    if e.code_list:
        return catalog.code_list(e.code_list).label(str(value)) or value
    if isinstance(value, bool):
        return "是" if value else "否"
    return value


def explain_unanswered(result: Any, catalog: Any) -> None:
    """A roster's collected column that some persons have no answer for: blank there, and said so (not 0)."""
    spec = result.spec
    if spec.roster is None:
        return
    for c in result.columns:
        if not catalog.has_element(spec.roster.entity, c.id) or not catalog.element(spec.roster.entity, c.id).collected:
            continue
        blank = [i for i, rec in enumerate(result.records) if rec.get(c.id) in (None, "")]
        if blank and c.id not in result.missing:
            result.missing[c.id] = {
                "zh": f"基层采集项，{len(blank)} 人尚无已审核通过的填报",
                "en": f"collected from the grassroots; {len(blank)} persons have no approved answer yet",
                "elements": [f"{spec.roster.entity}.{c.id}"], "collect": True, "rows": [i + 1 for i in blank[:200]],
            }
