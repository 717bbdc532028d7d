"""A checked expression: the rebuilt SQLGlot node and its value type."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from sqlglot import exp

# The catalog's value types, plus the types of bare literals before they meet an element.
VType = Literal["string", "integer", "decimal", "boolean", "date", "code", "null"]
NUMERIC: frozenset[str] = frozenset({"integer", "decimal"})
TEXT: frozenset[str] = frozenset({"string", "code"})


@dataclass(frozen=True)
class Typed:
    node: exp.Expression
    vtype: VType
    code_list: str | None = None
    literal: bool = False  # a constant the user wrote: labels and ISO dates may still be resolved
    value: Any = None  # the Python value of a literal

    @property
    def family(self) -> str:
        if self.vtype in NUMERIC:
            return "number"
        if self.vtype in TEXT:
            return "text"
        return self.vtype


def date_literal(d: date) -> exp.Expression:
    """DATE 'yyyy-mm-dd' as a tree (CAST('…' AS DATE) in every dialect)."""
    return exp.cast(exp.Literal.string(d.isoformat()), exp.DataType.build("date"))


def int_literal(n: int) -> exp.Expression:
    return exp.Literal.number(n) if n >= 0 else exp.Neg(this=exp.Literal.number(-n))
