"""An element two sources hold with different values for one entity: the source that is not the element's
authoritative one (一数一源) is asked to fix its copy."""

from __future__ import annotations

from typing import Any

from biaotong.engines.duckdb import ident, literal
from biaotong.quality.context import CheckContext
from biaotong.quality.model import Check

SKIP = ["name", "phone", "address", "org_code_name"]  # written differently in every system, by design


def run(ctx: CheckContext, params: dict[str, Any]) -> str | None:
    skip = set(params.get("skip", SKIP))
    parts = []
    for ent in ctx.catalog.entities.values():
        key = ident(ent.key)
        for e in ctx.catalog.elements_of(ent.id):
            if e.code in skip or e.code == ent.key:
                continue
            holders = ctx.holders(ent.id, e.code)
            owners = [s for s in holders if s.department == e.source_department]
            if len(holders) < 2 or not owners:
                continue
            owner = owners[0]
            col = ident(e.code)
            for s in holders:
                if s is owner:
                    continue
                parts.append(
                    f"SELECT {literal(ent.id)} AS entity, CAST(x.{key} AS VARCHAR) AS key, "
                    f"CAST({'o.org_code' if owner.has('org_code') else 'NULL'} AS VARCHAR) AS org_code, "
                    f"{literal(s.name)} AS source, {literal(e.code)} AS element, CAST(x.{col} AS VARCHAR) AS value, "
                    f"{literal(owner.name)} AS other_source, CAST(o.{col} AS VARCHAR) AS other_value "
                    f"FROM {s.view} x JOIN {owner.view} o ON x.{key} = o.{key} "
                    f"WHERE x.{col} IS NOT NULL AND o.{col} IS NOT NULL AND x.{col} IS DISTINCT FROM o.{col}"
                )
    return " UNION ALL ".join(parts) if parts else None


CHECK = Check(
    slug="sources_disagree", title_zh="不同系统取值不一致", title_en="sources disagree",
    message_zh="{key} 的 {element}：{source} 为 {value}，权威来源 {other_source} 为 {other_value}",
    message_en="{element} of {key}: {source} has {value}, the authoritative {other_source} has {other_value}",
    level="cross", run=run, params={"skip": SKIP},
)
