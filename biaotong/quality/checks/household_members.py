"""A household against its members in the population register: a household with no living member, and a
householder who is not a member of the household they head. (The catalog keeps no household size element;
where a province adds one, a rule comparing it with the member count belongs here.)"""

from __future__ import annotations

from typing import Any

from biaotong.engines.duckdb import literal
from biaotong.quality.checks._sql import register_view
from biaotong.quality.context import CheckContext
from biaotong.quality.model import Check


def run(ctx: CheckContext, params: dict[str, Any]) -> str | None:
    reg = register_view(ctx, "resident", ["household_id", "death_date", "deregistered_date"])
    if reg is None:
        return None
    alive = f"(SELECT * FROM {reg} WHERE household_id IS NOT NULL AND death_date IS NULL AND deregistered_date IS NULL)"
    parts = []
    for h in ctx.of("household"):
        org = "CAST(h.org_code AS VARCHAR)" if h.has("org_code") else "NULL"
        parts.append(
            f"SELECT 'household' AS entity, CAST(h.household_id AS VARCHAR) AS key, {org} AS org_code, "
            f"{literal(h.name)} AS source, 'household_id' AS element, CAST(h.household_id AS VARCHAR) AS value, "
            f"NULL AS other_source, '0' AS other_value FROM {h.view} h "
            f"WHERE NOT EXISTS (SELECT 1 FROM {alive} m WHERE m.household_id = h.household_id)"
        )
        if h.has("householder_id_number"):
            parts.append(
                f"SELECT 'household' AS entity, CAST(h.household_id AS VARCHAR) AS key, {org} AS org_code, "
                f"{literal(h.name)} AS source, 'householder_id_number' AS element, h.householder_id_number AS value, "
                f"NULL AS other_source, NULL AS other_value FROM {h.view} h "
                f"WHERE h.householder_id_number IS NOT NULL AND EXISTS (SELECT 1 FROM {alive} m "
                f"WHERE m.household_id = h.household_id) AND NOT EXISTS (SELECT 1 FROM {alive} m "
                f"WHERE m.household_id = h.household_id AND m.id_number = h.householder_id_number)"
            )
    return " UNION ALL ".join(parts) if parts else None


CHECK = Check(
    slug="household_members", title_zh="户与户籍成员不符", title_en="household disagrees with its members",
    message_zh="{source} 中户 {key}：{element} 与人口登记的在册成员不符（{value}）",
    message_en="{source}: household {key}: {element} disagrees with its registered members ({value})",
    level="entity", run=run, concerns="register",
)
