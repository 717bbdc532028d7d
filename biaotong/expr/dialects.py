"""What each query engine can do, as data; and the rewrites that bridge the gaps.

Core code asks `caps.filter_clause`, never `if dialect == "spark"`. A construct an engine cannot do is
rewritten to an equivalent one (aggregate FILTER → CASE inside the aggregate) or refused with a named
error (GROUPING SETS on an engine without them) — never emitted as SQL the engine would reject.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot import exp

from biaotong.errors import ExpressionError, where


@dataclass(frozen=True)
class Capabilities:
    name: str  # the sqlglot dialect name
    filter_clause: bool  # COUNT(*) FILTER (WHERE …)
    grouping_sets: bool  # GROUP BY GROUPING SETS (…) and GROUPING(col)
    try_cast: bool  # TRY_CAST(x AS INT) returns NULL instead of failing


DIALECTS: dict[str, Capabilities] = {
    # DuckDB: the default, in-process engine.
    "duckdb": Capabilities("duckdb", filter_clause=True, grouping_sets=True, try_cast=True),
    # Spark SQL 3.2+: FILTER on aggregates (also with DISTINCT), GROUPING SETS, TRY_CAST.
    "spark": Capabilities("spark", filter_clause=True, grouping_sets=True, try_cast=True),
    "postgres": Capabilities("postgres", filter_clause=True, grouping_sets=True, try_cast=False),
    # MySQL 8 has neither FILTER nor GROUPING SETS: FILTER is rewritten, GROUPING SETS refused.
    "mysql": Capabilities("mysql", filter_clause=False, grouping_sets=False, try_cast=False),
}


def capabilities(dialect: str) -> Capabilities:
    try:
        return DIALECTS[dialect]
    except KeyError:
        raise ExpressionError(
            f"不支持的查询引擎方言：{dialect}（可用：{', '.join(DIALECTS)}）",
            f"unsupported engine dialect: {dialect} (available: {', '.join(DIALECTS)})",
            where(key="dialect"),
        ) from None


def _filter_to_case(node: exp.Expression) -> exp.Expression:
    """agg(x) FILTER (WHERE c) → agg(CASE WHEN c THEN x END); COUNT(*) counts CASE WHEN c THEN 1 END.

    Aggregates ignore NULLs, so this is exact for COUNT, COUNT(DISTINCT), SUM, AVG, MIN and MAX.
    """
    if not isinstance(node, exp.Filter):
        return node
    agg = node.this.copy()
    cond = node.expression.this
    if isinstance(agg, exp.Count) and isinstance(agg.this, exp.Star):
        agg.set("this", exp.case().when(cond.copy(), exp.Literal.number(1)))
        return agg
    target = agg.this
    if isinstance(target, exp.Distinct):
        inner = target.expressions[0]
        target.set("expressions", [exp.case().when(cond.copy(), inner.copy())])
    else:
        agg.set("this", exp.case().when(cond.copy(), target.copy()))
    return agg


def _plain_cast(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.TryCast):
        return exp.Cast(this=node.this.copy(), to=node.args["to"].copy())
    return node


def adapt(tree: exp.Expression, caps: Capabilities) -> exp.Expression:
    """Rewrite a tree built for the full feature set into what `caps` can run."""
    out = tree.copy()
    if not caps.filter_clause:
        out = out.transform(_filter_to_case)
    if not caps.try_cast:
        out = out.transform(_plain_cast)
    if not caps.grouping_sets and out.find(exp.GroupingSets):
        raise ExpressionError(
            f"查询引擎 {caps.name} 不支持 GROUPING SETS：请按村汇总后由调用方逐级汇总",
            f"engine {caps.name} has no GROUPING SETS: group by village and roll up in the caller",
            where(key="dialect"),
        )
    return out


def render(tree: exp.Expression, dialect: str, *, pretty: bool = True) -> str:
    caps = capabilities(dialect)
    return adapt(tree, caps).sql(dialect=caps.name, pretty=pretty)
