"""Elements every row of an entity needs (where it lives; a person's name), missing in a source."""

from __future__ import annotations

from typing import Any

from biaotong.engines.duckdb import ident, literal
from biaotong.quality.context import CheckContext
from biaotong.quality.model import Check

DEFAULTS = {"resident": ["org_code", "name"], "household": ["org_code"], "enterprise": ["org_code", "name"]}


def run(ctx: CheckContext, params: dict[str, Any]) -> str | None:
    wanted = params.get("elements", DEFAULTS)
    parts = []
    for s in ctx.sources.values():
        key = ident(ctx.key(s.entity))
        for code in wanted.get(s.entity, []):
            if not s.has(code):
                continue
            col = ident(code)
            parts.append(
                f"SELECT {literal(s.entity)} AS entity, CAST({key} AS VARCHAR) AS key, "
                f"{'CAST(org_code AS VARCHAR)' if s.has('org_code') else 'NULL'} AS org_code, "
                f"{literal(s.name)} AS source, {literal(code)} AS element, NULL AS value, NULL AS other_source, "
                f"NULL AS other_value FROM {s.view} WHERE {col} IS NULL OR CAST({col} AS VARCHAR) = ''"
            )
    return " UNION ALL ".join(parts) if parts else None


CHECK = Check(
    slug="required", title_zh="必填项为空", title_en="required element missing",
    message_zh="{source} 中 {key} 缺少 {element}", message_en="{source}: {key} has no {element}",
    level="cell", run=run, params={"elements": DEFAULTS},
)
