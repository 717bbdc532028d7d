"""From a report spec to the FieldExprs the compiler takes: indicators looked up in the library, and fields
that a ratio / previous / change refers to but the report does not show added as hidden fields."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from biaotong.errors import ExpressionError, ReportError, where
from biaotong.expr import FieldExpr, check_refs
from biaotong.reports.library import Library
from biaotong.reports.result import Column
from biaotong.reports.spec import FieldSpec, ReportSpec

DEFAULT_ENTITY = "resident"


@dataclass
class Resolved:
    spec: ReportSpec
    fields: dict[str, FieldExpr]  # every field the report computes, shown or hidden
    shown: list[str]  # the spec's fields, in order
    raw: dict[str, dict[str, Any]] = field(default_factory=dict)  # the expression as written, per field
    indicator_of: dict[str, str] = field(default_factory=dict)

    @property
    def hidden(self) -> list[str]:
        return [f for f in self.fields if f not in self.shown]

    def columns(self) -> list[Column]:
        out = []
        for fs in self.spec.fields:
            f = self.fields[fs.id]
            out.append(Column(fs.id, fs.label, fs.unit, tuple(fs.group), fs.number_format, f.kind))
        return out


def _ref_fields(f: FieldExpr) -> tuple[str, ...]:
    return f.refs


def _rename_refs(f: FieldExpr, mapping: dict[str, str]) -> FieldExpr:
    if f.ratio is not None:
        return f.model_copy(update={"ratio": tuple(mapping.get(r, r) for r in f.ratio)})
    if f.previous is not None:
        return f.model_copy(update={"previous": mapping.get(f.previous, f.previous)})
    if f.change is not None:
        return f.model_copy(update={"change": mapping.get(f.change, f.change)})
    return f


def resolve(spec: ReportSpec, library: Library) -> Resolved:
    """The report's fields as FieldExprs; an unknown indicator or a bad expression names report.field."""
    fields: dict[str, FieldExpr] = {}
    raw: dict[str, dict[str, Any]] = {}
    indicator_of: dict[str, str] = {}
    for fs in spec.fields:
        raw[fs.id], fields[fs.id] = _load(spec, fs, library)
        if fs.indicator:
            indicator_of[fs.id] = fs.indicator
    # A ref naming an indicator (not a field of this report) goes to the field showing that indicator,
    # or else to a hidden field computing it.
    by_indicator = {ind: fid for fid, ind in indicator_of.items()}
    pending = list(fields)
    while pending:
        fid = pending.pop()
        f = fields[fid]
        mapping: dict[str, str] = {}
        for ref in _ref_fields(f):
            if ref in fields:
                continue
            if ref in by_indicator:
                mapping[ref] = by_indicator[ref]
            elif ref in library:
                ind = library.get(ref)
                fields[ref] = FieldExpr.load(ind.expr, report_id=spec.id, field_id=ref)
                raw[ref] = dict(ind.expr)
                indicator_of[ref] = ref
                by_indicator[ref] = ref
                pending.append(ref)
            else:
                raise ExpressionError(
                    f"引用了既不是本表字段也不是指标的 {ref}",
                    f"refers to {ref}, which is neither a field of this report nor an indicator",
                    where(field=f"{spec.id}.{fid}"),
                )
        if mapping:
            fields[fid] = _rename_refs(f, mapping)
    check_refs(fields, report_id=spec.id)
    return Resolved(spec, fields, [fs.id for fs in spec.fields], raw, indicator_of)


def _load(spec: ReportSpec, fs: FieldSpec, library: Library) -> tuple[dict[str, Any], FieldExpr]:
    if fs.indicator:
        try:
            ind = library.get(fs.indicator, report_id=spec.id, field_id=fs.id)
        except ReportError as exc:
            raise ReportError(exc.zh, exc.en, where(key=spec.id, field=f"{spec.id}.{fs.id}")) from None
        expr = dict(ind.expr)
        if fs.filter:
            if "agg" not in expr:
                raise ReportError(f"指标 {fs.indicator} 不是计数/求和指标，不能再加筛选条件",
                                  f"indicator {fs.indicator} is not an aggregate and cannot take a filter",
                                  where(key=spec.id, field=f"{spec.id}.{fs.id}"))
            expr["filter"] = f"({expr['filter']}) and ({fs.filter})" if expr.get("filter") else fs.filter
    else:
        expr = dict(fs.expression or {})
    return expr, FieldExpr.load(expr, report_id=spec.id, field_id=fs.id)
