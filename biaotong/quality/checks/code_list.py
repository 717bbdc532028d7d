"""Coded elements holding a value that is not a code of their code list."""

from __future__ import annotations

from typing import Any

from biaotong.engines.duckdb import ident, literal
from biaotong.quality.context import CheckContext
from biaotong.quality.model import Check


def run(ctx: CheckContext, params: dict[str, Any]) -> str | None:
    parts = []
    for s in ctx.sources.values():
        key = ident(ctx.key(s.entity))
        org = "CAST(org_code AS VARCHAR)" if s.has("org_code") else "NULL"
        for e in ctx.catalog.elements_of(s.entity):
            if not e.code_list or not s.has(e.code) or e.code == "org_code":
                continue
            codes = ", ".join(literal(c.code) for c in ctx.catalog.code_list(e.code_list).codes)
            col = ident(e.code)
            parts.append(
                f"SELECT {literal(s.entity)} AS entity, CAST({key} AS VARCHAR) AS key, {org} AS org_code, "
                f"{literal(s.name)} AS source, {literal(e.code)} AS element, CAST({col} AS VARCHAR) AS value, "
                f"NULL AS other_source, {literal(e.code_list)} AS other_value FROM {s.view} "
                f"WHERE {col} IS NOT NULL AND CAST({col} AS VARCHAR) NOT IN ({codes})"
            )
    return " UNION ALL ".join(parts) if parts else None


CHECK = Check(
    slug="code_list", title_zh="代码不在代码集中", title_en="value outside its code list",
    message_zh="{source} 中 {key} 的 {element} 取值 {value} 不在代码集 {other_value} 中",
    message_en="{source}: {element} of {key} is {value}, not a code of {other_value}",
    level="cell", run=run,
)
