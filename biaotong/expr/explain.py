"""The readable SQL behind a field, for report designers (口径说明): what exactly is counted."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from biaotong.errors import ExpressionError, where
from biaotong.expr.check import CatalogLike
from biaotong.expr.compile import compile_fields
from biaotong.expr.fields import FieldExpr


def explain(
    fields: Mapping[str, FieldExpr],
    field_id: str,
    entity: str,
    catalog: CatalogLike,
    period_start: date,
    period_end: date,
    *,
    report_id: str,
    dialect: str = "duckdb",
) -> str:
    """The SQL of an aggregate/collected field; for ratio/previous/change, the formula and the SQL of
    each field it is computed from. `entity` is the report's default entity."""
    if field_id not in fields:
        raise ExpressionError(
            f"没有字段 {field_id}", f"no field {field_id}", where(field=f"{report_id}.{field_id}")
        )
    f = fields[field_id]
    if f.kind in ("aggregate", "collected"):
        ent = f.entity or entity
        q = compile_fields(
            {field_id: f}, ent, catalog, period_start, period_end, dialect=dialect, report_id=report_id
        )
        return f"-- {report_id}.{field_id}\n{q.sql()}"
    if f.ratio is not None:
        scale = " × 100" if f.percent else ""
        digits = f"，保留 {f.digits} 位小数 (rounded to {f.digits} digits)" if f.digits is not None else ""
        head = f"-- {report_id}.{field_id} = {f.ratio[0]} / {f.ratio[1]}{scale}{digits}"
    elif f.previous is not None:
        head = f"-- {report_id}.{field_id} = {f.previous} 上期值 (previous period)"
    else:
        head = f"-- {report_id}.{field_id} = {f.change} 本期值 − 上期值 (this period − previous period)"
    parts = [head]
    for ref in f.refs:
        parts.append(
            explain(
                fields, ref, entity, catalog, period_start, period_end, report_id=report_id, dialect=dialect
            )
        )
    return "\n\n".join(parts)
