"""Parse a field's filter text into a SQLGlot tree, and say where a problem is.

Parsing only: the tree is then checked node by node (check.py) and rebuilt from whitelisted parts,
so no text the user wrote reaches the generated SQL except as SQLGlot literals.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

from biaotong.errors import ExpressionError, where

READ_DIALECT = "duckdb"


@dataclass(frozen=True)
class Scope:
    """Which report, field and text an error belongs to."""

    report_id: str
    field_id: str
    text: str = ""
    part: str = "filter"  # filter | of | date | collected

    @property
    def qualified(self) -> str:
        return f"{self.report_id}.{self.field_id}"

    def fail(self, node: exp.Expression | None, zh: str, en: str) -> ExpressionError:
        """An ExpressionError naming the field, the fragment and its position (1-based character)."""
        fragment, pos = _locate(node) if node is not None else (self.text, None)
        return self.error(zh, en, fragment=fragment, position=pos)

    def error(self, zh: str, en: str, *, fragment: str, position: int | None) -> ExpressionError:
        at_zh = f"第 {position} 个字符处" if position else ""
        at_en = f" at character {position}" if position else ""
        return ExpressionError(
            f"{self.part}「{fragment}」{at_zh}：{zh}",
            f"{self.part} `{fragment}`{at_en}: {en}",
            where(field=self.qualified),
            details={"fragment": fragment, "position": position, "text": self.text, "part": self.part},
        )


def _locate(node: exp.Expression) -> tuple[str, int | None]:
    starts = [n.meta["start"] for n in node.walk() if isinstance(n.meta, dict) and "start" in n.meta]
    try:
        fragment = node.sql(dialect=READ_DIALECT)
    except Exception:  # a fragment that cannot even be printed is still worth naming by its class
        fragment = type(node).__name__
    return fragment, (min(starts) + 1 if starts else None)


def parse_expression(text: str, scope: Scope) -> exp.Expression:
    """One SQL expression (not a statement list) parsed with the DuckDB reader."""
    if not text or not text.strip():
        raise scope.error("表达式为空", "the expression is empty", fragment=text, position=None)
    try:
        trees = sqlglot.parse(text, read=READ_DIALECT)
    except ParseError as exc:
        first = exc.errors[0] if exc.errors else {}
        frag = f"{first.get('start_context', '')}{first.get('highlight', '')}".strip() or text
        col = first.get("col")
        raise scope.error(
            "语法错误，无法解析",
            f"syntax error: {first.get('description', exc)}",
            fragment=frag,
            position=col,
        ) from None
    except TokenError as exc:
        raise scope.error(
            "无法识别的字符或未闭合的引号", f"cannot tokenize: {exc}", fragment=text, position=None
        ) from None
    trees = [t for t in trees if t is not None]
    if len(trees) != 1:
        extra = trees[1] if len(trees) > 1 else None
        raise (
            scope.fail(
                extra,
                "只能写一个表达式，不允许用分号分隔多条语句",
                "only one expression is allowed; statements separated by ';' are forbidden",
            )
            if extra is not None
            else scope.error("表达式为空", "the expression is empty", fragment=text, position=None)
        )
    return trees[0]
