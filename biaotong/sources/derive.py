"""Derived columns (`select:`): SQL expressions over a source's raw columns, run by DuckDB on each Arrow batch
before mapping, for every connector alike.

    select:
      SFZH: "substr(残疾证号, 1, 18)"                          # the ID inside a 20-character certificate number
      CUN: "regexp_extract(户籍地址, '镇(.+?村)', 1)"            # a place cut out of an address
      BIRTH: "coalesce(try_strptime(CSRQ, '%Y%m%d'), try_strptime(CSRQ2, '%Y-%m-%d'))::date"

Each expression is parsed with SQLGlot and rebuilt from a whitelist of node types (no file, network or
settings functions; a subquery only over `batch`, the rows being mapped), so the user's text never reaches
DuckDB as text. A derived column may then be mapped in `columns:` like a raw one; raw columns stay available,
so one raw column may feed several elements and one element may come from several columns.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

import duckdb
import pyarrow as pa
import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

from biaotong.errors import Location, SourceError

BATCH = "batch"
DIALECT = "duckdb"

# Node types an expression may contain (besides Column, rebuilt below, and the functions by name).
_NODES: tuple[type[exp.Expression], ...] = (
    exp.Literal, exp.Null, exp.Boolean, exp.Paren, exp.Neg, exp.Identifier, exp.DataType, exp.Var,
    exp.Add, exp.Sub, exp.Mul, exp.Div, exp.IntDiv, exp.Mod, exp.DPipe,
    exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.And, exp.Or, exp.Not, exp.Is, exp.In,
    exp.Between, exp.Like, exp.ILike, exp.Case, exp.If, exp.Cast, exp.TryCast, exp.Array, exp.Bracket, exp.Slice,
    exp.Tuple,
)
# SQL functions by class: text, regular expressions, conditionals, numbers, dates.
_FUNCTIONS: tuple[type[exp.Expression], ...] = (
    exp.Substring, exp.Left, exp.Right, exp.Length, exp.Lower, exp.Upper, exp.Trim, exp.Replace, exp.Reverse,
    exp.StrPosition, exp.Concat, exp.ConcatWs, exp.SplitPart, exp.Pad, exp.Contains, exp.StartsWith,
    exp.EndsWith, exp.RegexpExtract, exp.RegexpReplace, exp.RegexpLike, exp.Coalesce, exp.Nullif,
    exp.Greatest, exp.Least, exp.Abs, exp.Round, exp.Floor, exp.Ceil, exp.StrToTime, exp.StrToDate,
    exp.TimeToStr, exp.DateFromParts, exp.DateDiff, exp.Year, exp.Month, exp.Day,
)
# Aggregates only inside a subquery over the batch.
_AGGREGATES: tuple[type[exp.Expression], ...] = (exp.Max, exp.Min, exp.Count, exp.Sum, exp.Avg)
# Functions SQLGlot does not model as classes, allowed by name.
_NAMED = {"try_strptime", "strptime", "make_date", "lpad", "rpad", "ltrim", "rtrim", "strip_accents",
          "regexp_full_match", "left", "right", "substr", "prefix", "suffix", "translate", "repeat"}
_CAST_TYPES = {"VARCHAR", "TEXT", "INT", "BIGINT", "SMALLINT", "TINYINT", "DOUBLE", "FLOAT", "DECIMAL", "DATE",
               "TIMESTAMP", "BOOLEAN"}


@dataclass(frozen=True)
class Derived:
    """One checked `select:` entry: the output name, its trusted tree and the raw columns it reads."""

    name: str
    node: exp.Expression
    columns: tuple[str, ...]


class SelectError(Exception):
    """A problem in one expression, with the 1-based character position (raised into a SourceError)."""

    def __init__(self, zh: str, en: str, position: int | None, fragment: str, head: str | None = None) -> None:
        super().__init__(en)
        self.zh, self.en, self.position, self.fragment = zh, en, position, fragment
        self.head = head  # the word the offending part starts with, to find its exact position in the text
        self.name: str | None = None  # the select: entry, when known


def _position(node: exp.Expression) -> int | None:
    starts = [n.meta["start"] for n in node.walk() if isinstance(n.meta, dict) and "start" in n.meta]
    return min(starts) + 1 if starts else None


def _head(node: exp.Expression) -> str | None:
    if isinstance(node, exp.Subquery | exp.Select):
        return "select"
    if isinstance(node, exp.Anonymous):
        return node.name
    if isinstance(node, exp.Column):
        return node.table or node.name
    if isinstance(node, exp.Func):
        return node.sql_name()
    return None


def _fail(node: exp.Expression, zh: str, en: str) -> SelectError:
    try:
        fragment = node.sql(dialect=DIALECT)
    except Exception:
        fragment = type(node).__name__
    return SelectError(zh, en, _position(node), fragment, _head(node))


def _refine(text: str, exc: SelectError) -> SelectError:
    """SQLGlot keeps positions on names and literals only: find where the offending part itself starts
    (its function name or SELECT keyword, the nearest occurrence before the first position known inside)."""
    if not exc.head:
        return exc
    lower, head = text.lower(), exc.head.lower()
    limit = exc.position if exc.position else len(text) + 1
    at = lower.rfind(head, 0, limit) if lower.find(head) < limit else lower.find(head)
    if at < 0:
        return exc
    if head == "select":
        while at > 0 and text[at - 1] in " \t\n(":
            at -= 1
            if text[at] == "(":
                break
    exc.position = at + 1
    return exc


# What an error lists as allowed, in DuckDB's own spelling (the classes above are SQLGlot's names for them).
ALLOWED_TEXT = ("substr left right length lower upper trim ltrim rtrim replace reverse strpos concat concat_ws "
                "split_part lpad rpad contains starts_with ends_with regexp_extract regexp_replace regexp_matches "
                "regexp_full_match coalesce nullif greatest least abs round floor ceil strptime try_strptime "
                "strftime make_date date_diff year month day; CASE, IF, ||, CAST/TRY_CAST, "
                "(SELECT … FROM batch)")


def allowed_functions() -> list[str]:
    return ALLOWED_TEXT.split("; ")[0].split()


def _nodes(node: exp.Expression) -> Iterable[exp.Expression]:
    """Every node, without descending into subqueries (they are checked on their own)."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        if not isinstance(n, exp.Subquery):
            stack.extend(n.iter_expressions())


def _check(node: exp.Expression, *, in_subquery: bool = False) -> None:
    """Refuse any node outside the whitelist, naming it and its position."""
    for n in _nodes(node):
        if isinstance(n, exp.Column):
            if n.table and n.table.lower() != BATCH:
                raise _fail(n, f"只能引用本批数据（batch）的列，不能引用 {n.table}",
                            f"only the batch's own columns may be used, not {n.table}")
            if isinstance(n.this, exp.Star):
                raise _fail(n, "不允许使用 *", "`*` is not allowed")
            continue
        if isinstance(n, exp.Subquery):
            _check_subquery(n)
            continue
        if isinstance(n, exp.Cast | exp.TryCast):
            kind = n.to.this.name if isinstance(n.to.this, exp.DataType.Type) else str(n.to.this)
            if kind.upper() not in _CAST_TYPES:
                raise _fail(n, f"不允许转换为类型 {kind}", f"cast to {kind} is not allowed")
            continue
        if isinstance(n, exp.Anonymous):
            if n.name.lower() not in _NAMED:
                raise _fail(n, f"不允许的函数 {n.name}（可用：{ALLOWED_TEXT}）",
                            f"function {n.name} is not allowed (allowed: {ALLOWED_TEXT})")
            continue
        if in_subquery and (isinstance(n, _AGGREGATES) or (isinstance(n, exp.Star) and isinstance(n.parent, exp.Count))):
            continue
        if isinstance(n, _NODES + _FUNCTIONS):
            continue
        if isinstance(n, exp.Select | exp.Query):
            raise _fail(n, "不允许子查询（除非只查询本批数据 batch）", "subqueries are not allowed except over the batch")
        if isinstance(n, exp.Func):
            name = n.sql_name()
            raise _fail(n, f"不允许的函数 {name}（可用：{ALLOWED_TEXT}）",
                        f"function {name} is not allowed (allowed: {ALLOWED_TEXT})")
        raise _fail(n, f"不允许的写法（{type(n).__name__}）", f"construct not allowed ({type(n).__name__})")


def _check_subquery(sub: exp.Subquery) -> None:
    """A scalar subquery whose only table is the batch itself (e.g. `x = (SELECT max(x) FROM batch)`)."""
    select = sub.this
    if not isinstance(select, exp.Select) or select.args.get("joins") or select.args.get("with") \
            or select.args.get("group") or select.args.get("having"):
        raise _fail(sub, "子查询只能是对本批数据 batch 的简单查询", "a subquery may only be a simple SELECT over the batch")
    tables = list(select.find_all(exp.Table))
    if len(tables) != 1 or tables[0].name.lower() != BATCH or tables[0].args.get("db"):
        raise _fail(sub, "子查询只能查询本批数据 batch", "a subquery may only read the batch")
    for part in (*select.expressions, select.args.get("where")):
        if part is not None:
            _check(part.this if isinstance(part, exp.Where) else part, in_subquery=True)


def _rebuild_columns(node: exp.Expression, available: Mapping[str, str] | None) -> exp.Expression:
    """Columns as quoted identifiers with the raw column's exact name (DuckDB would fold case)."""

    def fix(n: exp.Expression) -> exp.Expression:
        if isinstance(n, exp.Column) and not isinstance(n.this, exp.Star):
            name = n.name
            if available is not None:
                name = available.get(name, available.get(name.lower(), name))
            return exp.Column(this=exp.to_identifier(name, quoted=True))
        if isinstance(n, exp.Table):
            return exp.Table(this=exp.to_identifier(BATCH, quoted=True))
        return n

    return node.copy().transform(fix)


@lru_cache(maxsize=1024)
def parse_select(text: str) -> tuple[exp.Expression, tuple[str, ...]]:
    """Parse and check one expression; (tree, raw columns it reads). Raises SelectError."""
    if not str(text).strip():
        raise SelectError("表达式为空", "the expression is empty", None, str(text))
    try:
        trees = [t for t in sqlglot.parse(str(text), read=DIALECT) if t is not None]
    except ParseError as exc:
        first = exc.errors[0] if exc.errors else {}
        frag = f"{first.get('start_context', '')}{first.get('highlight', '')}".strip() or str(text)
        raise SelectError("语法错误，无法解析", f"syntax error: {first.get('description', exc)}",
                          first.get("col"), frag) from None
    except TokenError as exc:
        raise SelectError("无法识别的字符或未闭合的引号", f"cannot tokenize: {exc}", None, str(text)) from None
    if len(trees) != 1:
        raise SelectError("只能写一个表达式，不允许用分号分隔多条语句",
                          "only one expression is allowed; statements separated by ';' are forbidden", None, str(text))
    tree = trees[0]
    if isinstance(tree, exp.Alias):
        raise _fail(tree, "不要写 AS 别名：select 的键就是新列名", "no AS alias: the key under select: names the column")
    try:
        _check(tree)
    except SelectError as exc:
        raise _refine(str(text), exc) from None
    columns: list[str] = []
    for col in tree.find_all(exp.Column):
        if col.name not in columns:
            columns.append(col.name)
    return tree, tuple(columns)


def referenced_columns(select: Mapping[str, str]) -> list[str]:
    """The raw columns the `select:` expressions read. Expressions always read raw columns, so
    `姓名: "trim(姓名)"` replaces a raw column by a cleaned one."""
    out: list[str] = []
    for text in select.values():
        try:
            cols = parse_select(text)[1]
        except SelectError:
            continue  # reported by the spec check
        out.extend(c for c in cols if c not in out)
    return out


def select_error(source: str, name: str, exc: SelectError, location: Location) -> SourceError:
    at_zh = f"第 {exc.position} 个字符处" if exc.position else ""
    at_en = f" at character {exc.position}" if exc.position else ""
    return SourceError(
        f"数据源 {source} 的 select.{name}「{exc.fragment}」{at_zh}：{exc.zh}",
        f"source {source}: select.{name} `{exc.fragment}`{at_en}: {exc.en}",
        location, details={"position": exc.position, "fragment": exc.fragment},
    )


def derive(table: pa.Table, select: Mapping[str, str], *, on_error: Iterable[str] = ()) -> pa.Table:
    """The batch with the derived columns added (a derived name equal to a raw column replaces it).
    Raises SelectError (position None) when DuckDB fails on the data, e.g. strptime on a bad date."""
    if not select:
        return table
    available = {c: c for c in table.column_names} | {c.lower(): c for c in table.column_names}
    derived = {name: _rebuild_columns(parse_select(text)[0], available) for name, text in select.items()}
    keep = [exp.column(exp.to_identifier(c, quoted=True)) for c in table.column_names if c not in derived]
    query = exp.select(
        *keep, *(exp.alias_(node, exp.to_identifier(name, quoted=True)) for name, node in derived.items())
    ).from_(exp.Table(this=exp.to_identifier(BATCH, quoted=True)))
    con = duckdb.connect(config={"threads": "1"})  # one batch, in source order
    try:
        con.register(BATCH, table)
        try:
            out = con.sql(query.sql(dialect=DIALECT)).to_arrow_table()
        except duckdb.Error as exc:
            raise _evaluation_error(con, derived, exc) from None
    finally:
        con.close()
    return _plain_strings(out)


def _evaluation_error(con: duckdb.DuckDBPyConnection, derived: Mapping[str, exp.Expression],
                      exc: duckdb.Error) -> SelectError:
    """Which entry failed on the data (each is tried alone), with DuckDB's first line."""
    culprit, message = None, str(exc)
    for name, node in derived.items():
        try:
            con.sql(exp.select(node).from_(exp.Table(this=exp.to_identifier(BATCH, quoted=True)))
                    .sql(dialect=DIALECT)).fetchall()
        except duckdb.Error as one:
            culprit, message = name, str(one)
            break
    first = message.splitlines()[0]
    err = SelectError(f"计算失败：{first}（日期可改用 try_strptime，转换可改用 try_cast）",
                      f"evaluation failed: {first} (use try_strptime / try_cast to let bad values be NULL)",
                      None, culprit or ", ".join(derived))
    err.name = culprit
    return err


def _plain_strings(table: pa.Table) -> pa.Table:
    """DuckDB may hand back large or view strings; mapping expects plain ones."""
    fields = []
    changed = False
    for f in table.schema:
        t = f.type
        if pa.types.is_large_string(t) or getattr(pa.types, "is_string_view", lambda _t: False)(t):
            fields.append(pa.field(f.name, pa.string()))
            changed = True
        else:
            fields.append(f)
    return table.cast(pa.schema(fields)) if changed else table
