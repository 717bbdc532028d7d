"""Fields computed after aggregation: ratio, previous, change.

They are evaluated on aggregated values — per village, or after the caller rolled villages up to a
township — so a township's ratio is the ratio of its sums, never a sum of village ratios.

Previous-period values come from a second run: `previous_needs(fields)` names the fields to compile
for the previous period (on the one table as of that period's end); pass both rows to `derive()`.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from biaotong.errors import ExpressionError, where
from biaotong.expr.fields import FieldExpr


def check_refs(fields: Mapping[str, FieldExpr], *, report_id: str) -> None:
    """Every ratio/previous/change names a field of the report, without cycles."""
    state: dict[str, int] = {}  # 1 visiting, 2 done

    def visit(fid: str, path: tuple[str, ...]) -> None:
        if state.get(fid) == 2:
            return
        if state.get(fid) == 1:
            cycle = " → ".join((*path, fid))
            raise ExpressionError(
                f"字段循环引用：{cycle}",
                f"fields refer to each other in a cycle: {cycle}",
                where(field=f"{report_id}.{fid}"),
            )
        state[fid] = 1
        for ref in fields[fid].refs:
            if ref not in fields:
                raise ExpressionError(
                    f"引用了不存在的字段 {ref}（可用：{', '.join(fields)}）",
                    f"refers to unknown field {ref} (available: {', '.join(fields)})",
                    where(field=f"{report_id}.{fid}"),
                )
            visit(ref, (*path, fid))
        state[fid] = 2

    for fid in fields:
        visit(fid, ())


def previous_needs(fields: Mapping[str, FieldExpr]) -> dict[str, FieldExpr]:
    """The aggregate/collected fields to compute for the previous period (closure over ratios)."""
    out: dict[str, FieldExpr] = {}

    def need(fid: str) -> None:
        f = fields[fid]
        if f.kind in ("aggregate", "collected"):
            out[fid] = f
        for ref in f.refs:
            need(ref)

    for f in fields.values():
        target = f.previous or f.change
        if target is not None:
            need(target)
    return {fid: fields[fid] for fid in fields if fid in out}


def derive(
    fields: Mapping[str, FieldExpr],
    values: Mapping[str, Any],
    previous: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """All fields' values for one row: the aggregated `values`, plus ratio/previous/change computed.

    `previous` holds the previous period's aggregated values (from `previous_needs`); without it
    previous/change are None. A ratio over a zero or missing denominator is None.
    """
    prev = previous or {}

    def value(fid: str, row: Mapping[str, Any], before: Mapping[str, Any] | None) -> Any:
        f = fields[fid]
        if f.kind in ("aggregate", "collected"):
            return row.get(fid)
        if f.ratio is not None:
            num, den = value(f.ratio[0], row, before), value(f.ratio[1], row, before)
            if num is None or den in (None, 0):
                return None
            result = Decimal(str(num)) / Decimal(str(den)) * (100 if f.percent else 1)
            if f.digits is not None:
                result = result.quantize(Decimal(1).scaleb(-f.digits), rounding=ROUND_HALF_UP)
            return float(result)
        if before is None:
            return None
        if f.previous is not None:
            return value(f.previous, before, None)
        assert f.change is not None
        now, then = value(f.change, row, before), value(f.change, before, None)
        return None if now is None or then is None else now - then

    return {fid: value(fid, values, prev if previous is not None else None) for fid in fields}
