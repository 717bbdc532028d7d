"""Helpers a filter may call, relative to the field's window (the period, or Jan 1 → period end).

Every helper builds a portable SQLGlot tree from YEAR/MONTH/DAY, SUBSTRING, TRY_CAST and integer
division, with the period's dates as constants, so DuckDB and Spark compute the same numbers.

Ages are in full years (周岁) from yyyymmdd numbers: (yyyymmdd(at) - yyyymmdd(birth)) DIV 10000. A person
is 60 on their 60th birthday; someone born on 29 February gets one year older on 1 March in common
years (20250228 - 20040229 = 209999 → 20; on 20250301 → 21). Where birth_date is NULL, the birth date
comes from the citizen ID (digits 7-14 of 18, or 19 + digits 7-12 of the old 15-digit IDs).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from sqlglot import exp

from biaotong.expr.typed import TEXT, Typed, date_literal, int_literal


@dataclass(frozen=True)
class Window:
    """The dates a field is evaluated for. `start` is the period start, or Jan 1 for cumulative fields."""

    start: date
    end: date
    cumulative: bool = False

    @property
    def year_start(self) -> date:
        return date(self.end.year, 1, 1)


class HelperCtx(Protocol):
    entity: str
    window: Window

    def column(self, code: str, node: exp.Expression) -> Typed: ...
    def has(self, code: str) -> bool: ...
    def fail(self, node: exp.Expression, zh: str, en: str) -> Exception: ...
    def members(self, kind: str, arg: exp.Expression, node: exp.Expression) -> Typed: ...
    def mark_include_deregistered(self) -> None: ...
    def derived(self, name: str, value: Typed) -> Typed: ...


HelperFn = Callable[[HelperCtx, list[Typed], exp.Expression], Typed]


@dataclass(frozen=True)
class Helper:
    fn: HelperFn
    args: tuple[str, ...]  # the value type each argument must have: 'date', 'any', 'condition'
    entities: tuple[str, ...] = ()  # empty: every entity
    doc: str = ""


def _num(n: int) -> exp.Expression:
    return int_literal(n)


def ymd(d: exp.Expression) -> exp.Expression:
    """yyyymmdd of a date as an integer: YEAR(d) * 10000 + MONTH(d) * 100 + DAY(d)."""
    return exp.Add(
        this=exp.Add(
            this=exp.Mul(this=exp.Year(this=d.copy()), expression=_num(10000)),
            expression=exp.Mul(this=exp.Month(this=d.copy()), expression=_num(100)),
        ),
        expression=exp.Day(this=d.copy()),
    )


def _ymd_const(d: date) -> exp.Expression:
    return _num(d.year * 10000 + d.month * 100 + d.day)


def _substr(s: exp.Expression, start: int, length: int) -> exp.Expression:
    return exp.Substring(this=s.copy(), start=_num(start), length=_num(length))


def _try_int(e: exp.Expression) -> exp.Expression:
    return exp.TryCast(this=e, to=exp.DataType.build("int"), safe=True)


def _length_is(s: exp.Expression, n: int) -> exp.Expression:
    return exp.EQ(this=exp.Length(this=s.copy()), expression=_num(n))


def id_birth_ymd(id_col: exp.Expression) -> exp.Expression:
    """yyyymmdd from a citizen ID: digits 7-14 of 18-digit IDs, 19 + digits 7-12 of 15-digit ones."""
    return (
        exp.case()
        .when(_length_is(id_col, 18), _try_int(_substr(id_col, 7, 8)))
        .when(
            _length_is(id_col, 15), exp.Add(this=_num(19000000), expression=_try_int(_substr(id_col, 7, 6)))
        )
    )


def _birth_ymd(ctx: HelperCtx, node: exp.Expression) -> exp.Expression:
    parts: list[exp.Expression] = []
    if ctx.has("birth_date"):
        parts.append(ymd(ctx.column("birth_date", node).node))
    if ctx.has("id_number"):
        parts.append(id_birth_ymd(ctx.column("id_number", node).node))
    if not parts:
        raise ctx.fail(
            node,
            f"{ctx.entity} 没有 birth_date 或 id_number，无法计算年龄",
            f"{ctx.entity} has neither birth_date nor id_number to compute an age from",
        )
    return parts[0] if len(parts) == 1 else exp.Coalesce(this=parts[0], expressions=parts[1:])


def _full_years(later: exp.Expression, earlier: exp.Expression) -> exp.Expression:
    return exp.IntDiv(
        this=exp.Paren(this=exp.Sub(this=later, expression=exp.Paren(this=earlier))), expression=_num(10000)
    )


def _age(ctx: HelperCtx, args: list[Typed], node: exp.Expression) -> Typed:
    return ctx.derived(
        "age_at_end", Typed(_full_years(_ymd_const(ctx.window.end), _birth_ymd(ctx, node)), "integer")
    )


def _age_at(ctx: HelperCtx, args: list[Typed], node: exp.Expression) -> Typed:
    return Typed(_full_years(ymd(args[0].node), _birth_ymd(ctx, node)), "integer")


def _years_since(ctx: HelperCtx, args: list[Typed], node: exp.Expression) -> Typed:
    return Typed(_full_years(_ymd_const(ctx.window.end), ymd(args[0].node)), "integer")


def _months_since(ctx: HelperCtx, args: list[Typed], node: exp.Expression) -> Typed:
    d, end = args[0].node, ctx.window.end
    months = exp.Sub(
        this=_num(end.year * 12 + end.month),
        expression=exp.Paren(
            this=exp.Add(
                this=exp.Mul(this=exp.Year(this=d.copy()), expression=_num(12)),
                expression=exp.Month(this=d.copy()),
            )
        ),
    )
    not_yet = (
        exp.case().when(exp.GT(this=exp.Day(this=d.copy()), expression=_num(end.day)), _num(1)).else_(_num(0))
    )
    return Typed(exp.Sub(this=months, expression=not_yet), "integer")


def _sex_from_id(ctx: HelperCtx, args: list[Typed], node: exp.Expression) -> Typed:
    idc = ctx.column("id_number", node).node
    odd = exp.EQ(this=exp.Mod(this=_try_int(_substr(idc, 17, 1)), expression=_num(2)), expression=_num(1))
    odd15 = exp.EQ(this=exp.Mod(this=_try_int(_substr(idc, 15, 1)), expression=_num(2)), expression=_num(1))

    def sex(cond: exp.Expression) -> exp.Expression:
        return exp.case().when(cond, exp.Literal.string("1")).else_(exp.Literal.string("2"))

    value = exp.case().when(_length_is(idc, 18), sex(odd)).when(_length_is(idc, 15), sex(odd15))
    code_list = "sex"
    if ctx.has("sex"):
        code_list = ctx.column("sex", node).code_list or code_list
    return Typed(value, "code", code_list=code_list)


def _birth_date_from_id(ctx: HelperCtx, args: list[Typed], node: exp.Expression) -> Typed:
    idc = ctx.column("id_number", node).node
    # yyyymmdd → 'yyyy-mm-dd' → DATE; TRY_CAST turns impossible dates into NULL.
    text = exp.Concat(
        expressions=[
            _substr(idc, 7, 4),
            exp.Literal.string("-"),
            _substr(idc, 11, 2),
            exp.Literal.string("-"),
            _substr(idc, 13, 2),
        ]
    )
    value = exp.case().when(
        _length_is(idc, 18), exp.TryCast(this=text, to=exp.DataType.build("date"), safe=True)
    )
    return Typed(value, "date")


def _between(d: exp.Expression, lo: date, hi: date) -> exp.Expression:
    return exp.Between(this=d.copy(), low=date_literal(lo), high=date_literal(hi))


def _within_period(ctx: HelperCtx, args: list[Typed], node: exp.Expression) -> Typed:
    return Typed(_between(args[0].node, ctx.window.start, ctx.window.end), "boolean")


def _within_year(ctx: HelperCtx, args: list[Typed], node: exp.Expression) -> Typed:
    return Typed(_between(args[0].node, ctx.window.year_start, ctx.window.end), "boolean")


def _before_period_end(ctx: HelperCtx, args: list[Typed], node: exp.Expression) -> Typed:
    return Typed(exp.LTE(this=args[0].node.copy(), expression=date_literal(ctx.window.end)), "boolean")


def _not_after(col: exp.Expression, d: date) -> exp.Expression:
    """col IS NULL OR col > d — the event has not happened by d."""
    return exp.Paren(
        this=exp.or_(
            exp.Is(this=col.copy(), expression=exp.Null()),
            exp.GT(this=col.copy(), expression=date_literal(d)),
        )
    )


def alive_at(ctx: HelperCtx, node: exp.Expression, *, since: date | None = None) -> exp.Expression:
    """Alive and registered at the window end; with `since`, present at any time in [since, end]."""
    end = ctx.window.end
    conds: list[exp.Expression] = []
    for code in ("death_date", "deregistered_date"):
        if ctx.has(code):
            col = ctx.column(code, node).node
            if since is None:
                conds.append(_not_after(col, end))
            else:
                conds.append(
                    exp.Paren(
                        this=exp.or_(
                            exp.Is(this=col.copy(), expression=exp.Null()),
                            exp.GTE(this=col.copy(), expression=date_literal(since)),
                        )
                    )
                )
    if ctx.has("registered_date"):
        col = ctx.column("registered_date", node).node
        conds.append(
            exp.Paren(
                this=exp.or_(
                    exp.Is(this=col.copy(), expression=exp.Null()),
                    exp.LTE(this=col.copy(), expression=date_literal(end)),
                )
            )
        )
    return exp.and_(*conds) if conds else exp.true()


def population(ctx: HelperCtx, node: exp.Expression) -> Typed:
    """The implicit resident condition, as a column computed once per row (see compile.py): alive and
    registered at the period end; for cumulative fields, present at any time from Jan 1 to the end."""
    if ctx.window.cumulative:
        return ctx.derived(
            "present_in_year", Typed(alive_at(ctx, node, since=ctx.window.year_start), "boolean")
        )
    return ctx.derived("alive_at_end", Typed(alive_at(ctx, node), "boolean"))


def _alive(ctx: HelperCtx, args: list[Typed], node: exp.Expression) -> Typed:
    return ctx.derived("alive_at_end", Typed(alive_at(ctx, node), "boolean"))


def _is_set(ctx: HelperCtx, args: list[Typed], node: exp.Expression) -> Typed:
    e = args[0]
    cond: exp.Expression = exp.Not(this=exp.Is(this=e.node.copy(), expression=exp.Null()))
    if e.vtype in TEXT:
        cond = exp.and_(cond, exp.NEQ(this=e.node.copy(), expression=exp.Literal.string("")))
    return Typed(exp.Paren(this=cond), "boolean")


def _include_deregistered(ctx: HelperCtx, args: list[Typed], node: exp.Expression) -> Typed:
    ctx.mark_include_deregistered()
    return Typed(exp.true(), "boolean")


def _household_any(ctx: HelperCtx, args: list[Typed], node: exp.Expression) -> Typed:
    return ctx.members("any", args[0].node, node)


def _household_count(ctx: HelperCtx, args: list[Typed], node: exp.Expression) -> Typed:
    return ctx.members("count", args[0].node, node)


_RES = ("resident",)
HELPERS: dict[str, Helper] = {
    "age": Helper(_age, (), _RES, "age in full years at the period end (birth_date, else from id_number)"),
    "age_at": Helper(_age_at, ("date",), _RES, "age in full years on the given date"),
    "sex_from_id": Helper(_sex_from_id, (), _RES, "sex code from the 17th digit of id_number"),
    "birth_date_from_id": Helper(_birth_date_from_id, (), _RES, "birth date from digits 7-14 of id_number"),
    "within_period": Helper(_within_period, ("date",), (), "window start <= d <= period end"),
    "within_year": Helper(_within_year, ("date",), (), "Jan 1 of the period's year <= d <= period end"),
    "before_period_end": Helper(_before_period_end, ("date",), (), "d <= period end"),
    "alive": Helper(_alive, (), _RES, "not dead nor deregistered by the period end, registered by then"),
    "years_since": Helper(_years_since, ("date",), (), "full years from d to the period end"),
    "months_since": Helper(_months_since, ("date",), (), "full months from d to the period end"),
    "is_set": Helper(_is_set, ("any",), (), "not NULL (and not '' for text)"),
    "include_deregistered": Helper(
        _include_deregistered, (), _RES, "TRUE; turns off the implicit alive-at-period-end condition"
    ),
    "household_any": Helper(_household_any, ("condition",), ("household",), "a member (resident) matches"),
    "household_count": Helper(
        _household_count, ("condition",), ("household",), "members (residents) matching"
    ),
}
