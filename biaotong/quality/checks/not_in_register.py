"""An entity on a programme's roster whom the register does not know at all (never registered here)."""

from __future__ import annotations

from typing import Any

from biaotong.engines.duckdb import ident, literal
from biaotong.quality.checks._sql import programmes, register_view
from biaotong.quality.context import CheckContext
from biaotong.quality.model import Check


def run(ctx: CheckContext, params: dict[str, Any]) -> str | None:
    parts = []
    for ent in ctx.catalog.entities.values():
        key = ident(ent.key)
        reg = register_view(ctx, ent.id, [])
        if reg is None:
            continue
        for p in programmes(ctx, ent.id):
            org = "CAST(p.org_code AS VARCHAR)" if p.has("org_code") else "NULL"
            parts.append(
                f"SELECT {literal(ent.id)} AS entity, CAST(p.{key} AS VARCHAR) AS key, {org} AS org_code, "
                f"{literal(p.name)} AS source, {literal(ent.key)} AS element, NULL AS value, NULL AS other_source, "
                f"NULL AS other_value FROM {p.view} p WHERE NOT EXISTS (SELECT 1 FROM {reg} r WHERE r.{key} = p.{key})"
            )
    return " UNION ALL ".join(parts) if parts else None


CHECK = Check(
    slug="not_in_register", title_zh="名册中有、登记中无", title_en="on a roster but not in the register",
    message_zh="{source} 名册中的 {key} 在登记系统中查无此人（此主体）",
    message_en="{key} is on the roster of {source} but unknown to the register",
    level="cross", run=run,
)
