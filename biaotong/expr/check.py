"""Check a parsed filter against the whitelist and the catalog, and rebuild it as a trusted tree.

One `visit_<Node>` per allowed node type; any other node is refused with the fragment and its position.
Columns are rebuilt from the catalog's element codes, literals from their Python values, code-list
labels become codes, ISO date strings become dates — the user's text never reaches SQL as text.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, ClassVar, Protocol

from sqlglot import exp

from biaotong.catalog.model import CodeList, DataElement, EntityType
from biaotong.errors import CatalogError
from biaotong.expr.helpers import HELPERS, HelperCtx, Window, population
from biaotong.expr.parse import Scope
from biaotong.expr.typed import NUMERIC, TEXT, Typed, date_literal


class CatalogLike(Protocol):
    """What the compiler needs from biaotong.catalog.Catalog."""

    def element(self, entity: str, code: str) -> DataElement: ...
    def elements_of(self, entity: str) -> Iterable[DataElement]: ...
    def code_list(self, id: str) -> CodeList: ...
    def entity(self, id: str) -> EntityType: ...


@dataclass(frozen=True)
class Link:
    """A child entity pointing at its parent through a column holding the parent's key."""

    child: str
    parent: str
    via: str  # the child's element holding the parent's key


# resident.household_id → household.household_id: `household.x` on residents, household_any() on households.
LINKS: tuple[Link, ...] = (Link("resident", "household", "household_id"),)


@dataclass
class MemberAgg:
    """A per-parent count of children matching a condition: one column of the members CTE."""

    link: Link
    condition: exp.Expression
    sql_key: str


@dataclass
class Usage:
    """What a field's expressions touched: for lineage, joins and the members CTE."""

    elements: set[str] = field(default_factory=set)  # qualified: resident.sex
    joins: set[str] = field(default_factory=set)  # parent entities joined (household)
    members: dict[str, MemberAgg] = field(default_factory=dict)  # sql_key → member aggregate
    include_deregistered: bool = False
    # Element groups the field needs a source for: a plain reference is a group of one; a helper's reads are
    # one group (age needs birth_date OR id_number). A group no synced source holds makes the field missing.
    required: list[frozenset[str]] = field(default_factory=list)
    # (entity, column) → expression computed once per row in the entity's base relation (age_at_end …)
    derived: dict[tuple[str, str], exp.Expression] = field(default_factory=dict)


_NOT_REQUIRED = frozenset({"alive", "include_deregistered"})

# Plain SQL functions allowed besides the helpers: class, result type (None = the first argument's).
FUNCTIONS: dict[type[exp.Expression], str | None] = {
    exp.Length: "integer",
    exp.Substring: "string",
    exp.Lower: "string",
    exp.Upper: "string",
    exp.Trim: "string",
    exp.Year: "integer",
    exp.Month: "integer",
    exp.Coalesce: None,
}

_COMPARE: tuple[type[exp.Expression], ...] = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE)
_ORDER: tuple[type[exp.Expression], ...] = (exp.GT, exp.GTE, exp.LT, exp.LTE)


class Checker(HelperCtx):
    """Checks and rebuilds expressions over one entity. `member_names` numbers member aggregates."""

    _VISITORS: ClassVar[dict[type[exp.Expression], str]] = {}

    def __init__(
        self,
        catalog: CatalogLike,
        entity: str,
        window: Window,
        scope: Scope,
        usage: Usage,
        *,
        table: str | None = None,
    ) -> None:
        self.catalog = catalog
        self.entity = entity
        self.window = window
        self.scope = scope
        self.usage = usage
        self.table = table or entity
        self._codes = {e.code: e for e in catalog.elements_of(entity)}
        self._soft: set[str] | None = None  # elements a helper reads while it runs (see Usage.required)

    # ---- entry points -------------------------------------------------------------------------
    def condition(self, node: exp.Expression) -> exp.Expression:
        t = self.visit(node)
        if t.vtype != "boolean":
            raise self.fail(node, "这不是一个条件（应为真/假）", "this is not a condition (true/false)")
        return t.node

    def value(self, node: exp.Expression) -> Typed:
        t = self.visit(node)
        if t.literal:
            raise self.fail(
                node, "应为数据元或函数，而不是常量", "expected an element or a helper, not a constant"
            )
        return t

    # ---- HelperCtx ----------------------------------------------------------------------------
    def fail(self, node: exp.Expression, zh: str, en: str) -> Exception:
        return self.scope.fail(node, zh, en)

    def has(self, code: str) -> bool:
        return code in self._codes

    def column(self, code: str, node: exp.Expression) -> Typed:
        el = self._codes.get(code)
        if el is None:
            raise self.unknown(code, self.entity, node)
        if self._soft is not None:
            self._soft.add(f"{el.entity}.{el.code}")
        return self._typed(el, self.table)

    def mark_include_deregistered(self) -> None:
        self.usage.include_deregistered = True

    def derived(self, name: str, value: Typed) -> Typed:
        assert name not in self._codes, f"derived column {name} shadows an element of {self.entity}"
        self.usage.derived[(self.entity, name)] = value.node
        return Typed(exp.column(name, table=self.table), value.vtype, value.code_list)

    def members(self, kind: str, arg: exp.Expression, node: exp.Expression) -> Typed:
        link = next(lk for lk in LINKS if lk.parent == self.entity)
        sub_usage = Usage()
        sub = Checker(self.catalog, link.child, self.window, self.scope, sub_usage)
        cond = sub.condition(arg)
        if not sub_usage.include_deregistered and link.child == "resident":
            cond = exp.and_(population(sub, node).node, cond)
        cond = fold_true(cond)
        self.usage.elements |= sub_usage.elements
        self.usage.required += sub_usage.required
        self.usage.derived.update(sub_usage.derived)
        self.usage.elements.add(f"{link.child}.{link.via}")
        key = cond.sql(dialect="duckdb")
        if key not in self.usage.members:
            self.usage.members[key] = MemberAgg(link=link, condition=cond, sql_key=key)
        ref = exp.func(
            "COALESCE", exp.column(key_placeholder(key), table=members_table(link)), exp.Literal.number(0)
        )
        if kind == "any":
            return Typed(exp.GT(this=ref, expression=exp.Literal.number(0)), "boolean")
        return Typed(ref, "integer")

    # ---- dispatch -----------------------------------------------------------------------------
    def visit(self, node: exp.Expression) -> Typed:
        method = self._VISITORS.get(type(node))
        if method is None:
            if type(node) in FUNCTIONS:
                return self._function(node)
            raise self._forbidden(node)
        visitor: Callable[[exp.Expression], Typed] = getattr(self, method)
        return visitor(node)

    def _forbidden(self, node: exp.Expression) -> Exception:
        if isinstance(node, exp.Subquery | exp.Select | exp.Exists | exp.Union | exp.Query):
            return self.fail(node, "不允许子查询", "subqueries are not allowed")
        if isinstance(node, exp.Star):
            return self.fail(node, "不允许使用 *", "`*` is not allowed")
        if isinstance(node, exp.Cast):
            return self.fail(
                node,
                "只允许 DATE '年-月-日' 形式的日期常量，不允许类型转换",
                "casts are not allowed except DATE 'yyyy-mm-dd'",
            )
        if isinstance(node, exp.Anonymous | exp.Func):
            name = node.name if isinstance(node, exp.Anonymous) else node.sql_name()
            allowed = ", ".join(sorted([*HELPERS, *(f.sql_names()[0].lower() for f in FUNCTIONS)]))
            return self.fail(
                node,
                f"不允许的函数 {name}（可用：{allowed}）",
                f"function {name} is not allowed (allowed: {allowed})",
            )
        return self.fail(
            node, f"不允许的写法（{type(node).__name__}）", f"construct not allowed ({type(node).__name__})"
        )

    def unknown(self, code: str, entity: str, node: exp.Expression) -> Exception:
        try:
            self.catalog.element(entity, code)
        except CatalogError as exc:
            return self.fail(node, f"未知的数据元：{exc.zh}", f"unknown element: {exc.en}")
        return self.fail(node, f"{entity} 没有数据元 {code}", f"{entity} has no element {code}")

    def _element_typed(self, el: DataElement, table: str) -> Typed:
        """An element the expression names itself: the field needs a source for it."""
        self.usage.required.append(frozenset({f"{el.entity}.{el.code}"}))
        return self._typed(el, table)

    def _typed(self, el: DataElement, table: str) -> Typed:
        self.usage.elements.add(f"{el.entity}.{el.code}")
        return Typed(exp.column(el.code, table=table), el.value_type, code_list=el.code_list)

    # ---- boolean structure --------------------------------------------------------------------
    def visit_Paren(self, node: exp.Paren) -> Typed:
        inner = self.visit(node.this)
        return Typed(exp.Paren(this=inner.node), inner.vtype, inner.code_list, inner.literal, inner.value)

    def visit_And(self, node: exp.And) -> Typed:
        return Typed(
            exp.And(this=self.condition(node.this), expression=self.condition(node.expression)), "boolean"
        )

    def visit_Or(self, node: exp.Or) -> Typed:
        return Typed(
            exp.Or(this=self.condition(node.this), expression=self.condition(node.expression)), "boolean"
        )

    def visit_Not(self, node: exp.Not) -> Typed:
        return Typed(exp.Not(this=self.condition(node.this)), "boolean")

    # ---- leaves ------------------------------------------------------------------------------
    def visit_Literal(self, node: exp.Literal) -> Typed:
        if node.is_string:
            return Typed(exp.Literal.string(node.this), "string", literal=True, value=node.this)
        text = node.this
        try:
            value: Any = int(text)
            vtype = "integer"
        except ValueError:
            try:
                value = float(text)
            except ValueError:
                raise self.fail(node, "无法识别的数字", "not a number") from None
            vtype = "decimal"
        return Typed(exp.Literal.number(value), vtype, literal=True, value=value)

    def visit_Neg(self, node: exp.Neg) -> Typed:
        inner = self.visit(node.this)
        if not (inner.literal and inner.vtype in NUMERIC):
            raise self._forbidden(node)
        return Typed(exp.Neg(this=inner.node), inner.vtype, literal=True, value=-inner.value)

    def visit_Boolean(self, node: exp.Boolean) -> Typed:
        value = bool(node.this)
        return Typed(exp.true() if value else exp.false(), "boolean", literal=True, value=value)

    def visit_Null(self, node: exp.Null) -> Typed:
        return Typed(exp.Null(), "null", literal=True)

    def visit_Cast(self, node: exp.Cast) -> Typed:
        # Only the typed literal DATE 'yyyy-mm-dd' (which SQLGlot parses as a cast) is allowed.
        inner = node.this
        if node.to.is_type("date") and isinstance(inner, exp.Literal) and inner.is_string:
            d = self._parse_date(inner, inner.this)
            return Typed(date_literal(d), "date", literal=True, value=d)
        raise self._forbidden(node)

    def visit_Column(self, node: exp.Column) -> Typed:
        if node.args.get("db") or node.args.get("catalog"):
            raise self.fail(
                node, "不允许引用其他库或表", "references to other databases or tables are not allowed"
            )
        code = node.name
        table = node.table
        if isinstance(node.this, exp.Star):
            raise self._forbidden(node.this)
        if table:
            return self._linked(table, code, node)
        if code in self._codes:
            return self._element_typed(self._codes[code], self.table)
        if code in HELPERS:
            return self._helper(code, [], node)
        raise self.unknown(code, self.entity, node)

    def _linked(self, table: str, code: str, node: exp.Column) -> Typed:
        if table == self.entity:
            return self.visit(exp.column(code))
        link = next((lk for lk in LINKS if lk.child == self.entity and lk.parent == table), None)
        if link is None:
            parents = [lk.parent for lk in LINKS if lk.child == self.entity]
            hint = "、".join(parents) if parents else "无"
            raise self.fail(
                node,
                f"{self.entity} 不能引用 {table} 的数据元（可引用：{hint}）",
                f"{self.entity} cannot refer to {table} (allowed: {', '.join(parents) or 'none'})",
            )
        parent_codes = {e.code: e for e in self.catalog.elements_of(link.parent)}
        el = parent_codes.get(code)
        if el is None:
            raise self.unknown(code, link.parent, node)
        self.usage.joins.add(link.parent)
        self.usage.elements.add(f"{self.entity}.{link.via}")
        return self._element_typed(el, link.parent)

    # ---- functions and helpers -----------------------------------------------------------------
    def visit_Anonymous(self, node: exp.Anonymous) -> Typed:
        name = node.name.lower()
        if name not in HELPERS:
            raise self._forbidden(node)
        return self._helper(name, list(node.expressions), node)

    def _helper(self, name: str, raw_args: list[exp.Expression], node: exp.Expression) -> Typed:
        helper = HELPERS[name]
        if helper.entities and self.entity not in helper.entities:
            raise self.fail(
                node,
                f"{name} 只能用于 {'、'.join(helper.entities)}，不能用于 {self.entity}",
                f"{name} applies to {', '.join(helper.entities)} only, not {self.entity}",
            )
        if len(raw_args) != len(helper.args):
            raise self.fail(
                node,
                f"{name} 需要 {len(helper.args)} 个参数，实际 {len(raw_args)} 个",
                f"{name} takes {len(helper.args)} argument(s), got {len(raw_args)}",
            )
        args: list[Typed] = []
        for kind, raw in zip(helper.args, raw_args, strict=True):
            if kind == "condition":  # checked by the helper in another entity's scope
                args.append(Typed(raw, "boolean"))
                continue
            t = self.value(raw)
            if kind == "date" and t.vtype != "date":
                raise self.fail(raw, f"{name} 的参数应为日期型数据元", f"{name} needs a date element")
            args.append(t)
        if name in _NOT_REQUIRED:  # their reads are the implicit population's: undated, not missing
            return HELPERS[name].fn(self, args, node)
        outer, self._soft = self._soft, set()
        try:
            result = HELPERS[name].fn(self, args, node)
        finally:
            soft, self._soft = self._soft, outer
        if soft:
            self.usage.required.append(frozenset(soft))
            if outer is not None:
                outer |= soft
        return result

    def _function(self, node: exp.Expression) -> Typed:
        result = FUNCTIONS[type(node)]
        rebuilt = node.copy()
        first: Typed | None = None
        for key, arg in list(node.args.items()):
            items = arg if isinstance(arg, list) else [arg]
            new_items = []
            for item in items:
                if not isinstance(item, exp.Expression):
                    new_items.append(item)
                    continue
                t = self.visit(item)
                first = first or t
                if first is not t and result is None and t.family != first.family and t.vtype != "null":
                    raise self.fail(item, "COALESCE 的参数类型不一致", "COALESCE arguments differ in type")
                new_items.append(t.node)
            rebuilt.set(key, new_items if isinstance(arg, list) else new_items[0])
        if first is None:
            raise self._forbidden(node)
        if result is None:
            return Typed(rebuilt, first.vtype, first.code_list)
        if result == "integer" and type(node) in (exp.Year, exp.Month) and first.vtype != "date":
            raise self.fail(node, "YEAR/MONTH 的参数应为日期", "YEAR/MONTH need a date")
        if result == "string" and first.vtype not in TEXT:
            raise self.fail(node, "该函数的参数应为文本", "this function needs text")
        return Typed(rebuilt, result)  # type: ignore[arg-type]

    # ---- comparisons --------------------------------------------------------------------------
    def _compare(self, node: exp.Expression) -> Typed:
        left, right = self.visit(node.this), self.visit(node.expression)
        if right.vtype == "null" or left.vtype == "null":
            raise self.fail(
                node,
                "与 NULL 比较请用 IS NULL / IS NOT NULL",
                "compare with NULL using IS NULL / IS NOT NULL",
            )
        left, right = self.unify(left, right, node)
        if isinstance(node, _ORDER) and left.vtype == "boolean":
            raise self.fail(node, "真/假值不能比较大小", "booleans cannot be ordered")
        return Typed(type(node)(this=left.node, expression=right.node), "boolean")

    visit_EQ = visit_NEQ = visit_GT = visit_GTE = visit_LT = visit_LTE = _compare

    def visit_In(self, node: exp.In) -> Typed:
        if node.args.get("query") or node.args.get("unnest") or node.args.get("field"):
            raise self.fail(
                node, "IN 只能跟常量列表，不允许子查询", "IN takes a list of constants, not a subquery"
            )
        left = self.visit(node.this)
        items = []
        for raw in node.expressions:
            item = self.visit(raw)
            if not item.literal or item.vtype == "null":
                raise self.fail(raw, "IN 列表只能包含常量", "an IN list may only hold constants")
            left, item = self.unify(left, item, raw)
            items.append(item.node)
        return Typed(exp.In(this=left.node, expressions=items), "boolean")

    def visit_Between(self, node: exp.Between) -> Typed:
        value = self.visit(node.this)
        v1, low = self.unify(value, self.visit(node.args["low"]), node)
        _, high = self.unify(value, self.visit(node.args["high"]), node)
        return Typed(exp.Between(this=v1.node, low=low.node, high=high.node), "boolean")

    def visit_Is(self, node: exp.Is) -> Typed:
        value = self.visit(node.this)
        target = node.expression
        if isinstance(target, exp.Null):
            return Typed(exp.Is(this=value.node, expression=exp.Null()), "boolean")
        if isinstance(target, exp.Boolean) and value.vtype == "boolean":
            return Typed(exp.Is(this=value.node, expression=self.visit(target).node), "boolean")
        raise self.fail(
            node, "IS 之后只能是 NULL、TRUE 或 FALSE", "IS must be followed by NULL, TRUE or FALSE"
        )

    def _like(self, node: exp.Expression) -> Typed:
        value, pattern = self.visit(node.this), self.visit(node.expression)
        if value.vtype not in TEXT or not (pattern.literal and pattern.vtype == "string"):
            raise self.fail(
                node,
                "LIKE 只能用于文本数据元和文本常量",
                "LIKE applies to a text element and a text constant",
            )
        return Typed(type(node)(this=value.node, expression=pattern.node), "boolean")

    visit_Like = visit_ILike = _like

    # ---- typing -------------------------------------------------------------------------------
    def unify(self, a: Typed, b: Typed, node: exp.Expression) -> tuple[Typed, Typed]:
        """Make two sides comparable: resolve labels to codes and ISO strings to dates, or fail."""
        if a.literal and not b.literal:
            b2, a2 = self.unify(b, a, node)
            return a2, b2
        if b.literal:
            b = self._coerce_literal(b, a, node)
        if a.family != b.family:
            raise self.fail(
                node,
                f"类型不匹配：{_zh_type(a)} 不能与 {_zh_type(b)} 比较",
                f"type mismatch: cannot compare {a.vtype} with {b.vtype}",
            )
        if (
            a.vtype == "code"
            and b.vtype == "code"
            and a.code_list
            and b.code_list
            and a.code_list != b.code_list
        ):
            raise self.fail(
                node,
                f"代码集不同：{a.code_list} 与 {b.code_list}",
                f"different code lists: {a.code_list} and {b.code_list}",
            )
        return a, b

    def _coerce_literal(self, lit: Typed, target: Typed, node: exp.Expression) -> Typed:
        if target.vtype == "code" and target.code_list and lit.vtype in ("string", "integer"):
            codes = self.catalog.code_list(target.code_list)
            code = codes.lookup(str(lit.value))
            if code is None:
                valid = "、".join(f"{c.code} {c.label}" for c in codes.codes)
                raise self.fail(
                    node,
                    f"「{lit.value}」不在代码集 {codes.name} 中（可用：{valid}）",
                    f"{lit.value!r} is not in code list {codes.id} (valid: {valid})",
                )
            return Typed(
                exp.Literal.string(code), "code", code_list=target.code_list, literal=True, value=code
            )
        if target.vtype == "date" and lit.vtype == "string":
            d = self._parse_date(node, str(lit.value))
            return Typed(date_literal(d), "date", literal=True, value=d)
        return lit

    def _parse_date(self, node: exp.Expression, text: str) -> date:
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise self.fail(
                node, f"「{text}」不是日期（应为 年-月-日）", f"{text!r} is not a date (yyyy-mm-dd)"
            ) from None


_ZH_TYPES = {
    "string": "文本",
    "integer": "整数",
    "decimal": "数值",
    "boolean": "真/假",
    "date": "日期",
    "code": "代码",
}


def _zh_type(t: Typed) -> str:
    kind = _ZH_TYPES.get(t.vtype, t.vtype)
    return f"{kind}常量" if t.literal else kind


for _name in dir(Checker):
    if _name.startswith("visit_"):
        Checker._VISITORS[getattr(exp, _name.removeprefix("visit_"))] = _name


def members_table(link: Link) -> str:
    return f"{link.parent}_members"


_PLACEHOLDER = "__member__"


def key_placeholder(key: str) -> str:
    """A stand-in column name for a member aggregate until compile.py numbers them (m1, m2, …)."""
    return _PLACEHOLDER + hashlib.sha1(key.encode()).hexdigest()[:12]


def fold_true(node: exp.Expression) -> exp.Expression:
    """Drop TRUE operands of AND (from include_deregistered, or an entity without alive columns)."""

    def fold(n: exp.Expression) -> exp.Expression:
        if isinstance(n, exp.And):
            left, right = n.this, n.expression
            if isinstance(left, exp.Boolean) and left.this is True:
                return right
            if isinstance(right, exp.Boolean) and right.this is True:
                return left
        if isinstance(n, exp.Paren) and isinstance(n.this, exp.Boolean):
            return n.this
        return n

    prev = None
    out = node
    while prev is None or out != prev:
        prev = out
        out = out.transform(fold)
    return out
