"""Parse a field's filter text into a SQLGlot tree, and say where a problem is.

Parsing only: the tree is then checked node by node (check.py) and rebuilt from whitelisted parts,
so no text the user wrote reaches the generated SQL except as SQLGlot literals.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

from biaotong import limits
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


_STRING = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"")


def _paren_depth(text: str) -> tuple[int, int]:
    """Deepest nesting of parentheses outside quotes, and the 1-based character where it is reached."""
    depth = deepest = at = 0
    for i, ch in enumerate(_STRING.sub(lambda m: " " * len(m.group()), text)):
        if ch == "(":
            depth += 1
            if depth > deepest:
                deepest, at = depth, i + 1
        elif ch == ")":
            depth -= 1
    return deepest, at


def _tree_depth(tree: exp.Expression) -> int:
    deepest = 0
    stack = [(tree, 1)]
    while stack:
        node, d = stack.pop()
        deepest = max(deepest, d)
        stack.extend((child, d + 1) for child in node.iter_expressions())
    return deepest


def _check_bounds(text: str, scope: Scope) -> None:
    """Length and nesting refused before the parser (which recurses per level) ever sees them."""
    max_len, max_depth = int(limits.get("expr_max_length")), int(limits.get("expr_max_depth"))
    if len(text) > max_len:
        raise scope.error(
            f"表达式长 {len(text):,} 个字符，超过上限 {max_len:,}（设置 expr_max_length）",
            f"the expression is {len(text):,} characters long, more than {max_len:,} (setting expr_max_length)",
            fragment=text[:40] + "…", position=max_len,
        )
    depth, at = _paren_depth(text)
    if depth > max_depth:
        raise scope.error(
            f"括号嵌套 {depth} 层，超过上限 {max_depth}（设置 expr_max_depth）",
            f"parentheses nest {depth} deep, more than {max_depth} (setting expr_max_depth)",
            fragment=text[max(0, at - 20):at], position=at,
        )


def _check_tree(tree: exp.Expression, scope: Scope) -> None:
    max_depth = int(limits.get("expr_max_depth"))
    if _tree_depth(tree) > max_depth * 4:  # a chain like a+a+a+… nests without parentheses
        raise scope.error(
            f"表达式嵌套过深（超过 {max_depth * 4} 层运算），请拆分（设置 expr_max_depth）",
            f"the expression nests more than {max_depth * 4} operations deep; split it (setting expr_max_depth)",
            fragment=scope.text[:40], position=None,
        )
    for lit in tree.find_all(exp.Literal):
        if lit.is_string:
            continue
        try:
            finite = math.isfinite(float(lit.this))
        except (TypeError, ValueError):
            continue
        if not finite:
            raise scope.fail(lit, "数值超出可表示范围（不是有限数）", "the number is out of range (not finite)")


def parse_expression(text: str, scope: Scope) -> exp.Expression:
    """One SQL expression (not a statement list) parsed with the DuckDB reader."""
    if not text or not text.strip():
        raise scope.error("表达式为空", "the expression is empty", fragment=text, position=None)
    _check_bounds(text, scope)
    try:
        trees = sqlglot.parse(text, read=READ_DIALECT)
    except RecursionError:
        raise scope.error("表达式嵌套过深，无法解析", "the expression nests too deeply to parse", fragment=text[:40], position=None) from None
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
    _check_tree(trees[0], scope)
    return trees[0]
