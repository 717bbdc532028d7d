"""What a report field says (指标口径): an aggregate, a ratio, a collected value, or a previous/change.

```yaml
female_60: {agg: count, entity: resident, filter: "sex = '女' and age >= 60"}
avg_age:   {agg: avg, entity: resident, of: age}
share:     {ratio: [female_60, total], percent: true, digits: 1}
deaths_ytd: {agg: count, filter: "include_deregistered", window: cumulative, date: death_date}
holders:   {agg: count, population: cl_disabled, filter: "is_set(disability_cert_no)"}  # the federation's roster
roads_km:  {collected: road_length}
last:      {previous: female_60}
delta:     {change: female_60}
```
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from biaotong.errors import ExpressionError, where

_SOURCE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
Agg = Literal["count", "count_distinct", "sum", "avg", "min", "max"]
Kind = Literal["aggregate", "ratio", "collected", "previous", "change"]
_KINDS: tuple[tuple[str, Kind], ...] = (
    ("agg", "aggregate"),
    ("ratio", "ratio"),
    ("collected", "collected"),
    ("previous", "previous"),
    ("change", "change"),
)


class FieldExpr(BaseModel):
    """One field's expression. Exactly one of agg / ratio / collected / previous / change is set."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    agg: Agg | None = None
    entity: str | None = None  # defaults to the entity passed to compile_fields
    of: str | None = None  # a value expression: an element code, or a helper like `age`
    filter: str | None = None  # a SQL boolean over the entity's element codes
    window: Literal["point", "cumulative"] = "point"
    date: str | None = None  # the event's date element: it must fall within the field's window
    # Whose rows are counted: by default the entity's register (who exists, e.g. the population register);
    # a source name counts that source's own roster instead, wherever its people are registered (口径).
    population: str | None = None
    ratio: tuple[str, str] | None = None  # [numerator field, denominator field]
    percent: bool = False
    digits: int | None = None
    collected: str | None = None
    previous: str | None = None
    change: str | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> FieldExpr:
        set_ = [key for key, _ in _KINDS if getattr(self, key) is not None]
        if len(set_) != 1:
            raise ValueError(
                "exactly one of agg, ratio, collected, previous, change must be given"
                + (f" (got {', '.join(set_)})" if set_ else "")
            )
        if self.agg in ("count_distinct", "sum", "avg", "min", "max") and not self.of:
            raise ValueError(f"agg {self.agg} needs `of` (the element to aggregate)")
        if self.agg is None and (self.filter or self.of or self.date or self.window != "point" or self.population):
            raise ValueError("filter / of / date / window / population apply to agg fields only")
        if self.population is not None and not _SOURCE_NAME.match(self.population):
            raise ValueError(f"population must name a source (lower-case identifier), got {self.population!r}")
        return self

    @property
    def kind(self) -> Kind:
        for key, kind in _KINDS:
            if getattr(self, key) is not None:
                return kind
        raise AssertionError("unreachable: validated to have one kind")

    @property
    def refs(self) -> tuple[str, ...]:
        """The other fields of the report this one is computed from."""
        if self.ratio is not None:
            return self.ratio
        if self.previous is not None:
            return (self.previous,)
        if self.change is not None:
            return (self.change,)
        return ()

    @classmethod
    def load(cls, raw: Mapping[str, Any] | FieldExpr, *, report_id: str, field_id: str) -> FieldExpr:
        """Validate a field from a report spec; a bad one is an ExpressionError naming report.field."""
        if isinstance(raw, FieldExpr):
            return raw
        try:
            return cls.model_validate(dict(raw))
        except (ValidationError, TypeError, ValueError) as exc:
            reason = _reason(exc)
            raise ExpressionError(
                f"字段定义无效：{reason}",
                f"invalid field definition: {reason}",
                where(field=f"{report_id}.{field_id}"),
            ) from None


def _reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        parts = []
        for err in exc.errors():
            loc = ".".join(str(p) for p in err["loc"])
            text = str(err["msg"]).removeprefix("Value error, ")
            parts.append(f"{loc}: {text}" if loc else text)
        return "; ".join(parts)
    return str(exc)


def load_fields(raw: Mapping[str, Any], *, report_id: str) -> dict[str, FieldExpr]:
    return {fid: FieldExpr.load(spec, report_id=report_id, field_id=fid) for fid, spec in raw.items()}
