"""Dead in the population register, still on a programme's roster (an open health record, insured, a
certificate holder, a veteran on file) without being paid by it — a listing to close, not money to recover."""

from __future__ import annotations

from typing import Any

from biaotong.engines.duckdb import literal
from biaotong.quality.checks._sql import ended_before, paid, programmes, register_view
from biaotong.quality.context import CheckContext
from biaotong.quality.model import Check


def run(ctx: CheckContext, params: dict[str, Any]) -> str | None:
    reg = register_view(ctx, "resident", ["org_code", "death_date"])
    if reg is None:
        return None
    parts = []
    for p in programmes(ctx):
        pays = " OR ".join(c for _, c in paid(p)) or "FALSE"
        own_death = "p.death_date IS NULL" if p.has("death_date") else "TRUE"  # the roster knows already
        parts.append(
            f"SELECT 'resident' AS entity, p.id_number AS key, CAST(r.org_code AS VARCHAR) AS org_code, "
            f"{literal(p.name)} AS source, 'id_number' AS element, NULL AS value, r._register AS other_source, "
            f"CAST(r.death_date AS VARCHAR) AS other_value FROM {p.view} p JOIN {reg} r ON p.id_number = r.id_number "
            f"WHERE r.death_date IS NOT NULL AND {own_death} AND NOT ({pays}) AND NOT ({ended_before(p, 'r.death_date')})"
        )
    return " UNION ALL ".join(parts) if parts else None


CHECK = Check(
    slug="deceased_still_listed", title_zh="已死亡仍在册", title_en="deceased but still on a roster",
    message_zh="{key} 已于 {other_value} 死亡（{other_source}），但仍在 {source} 的名册中",
    message_en="{key} died on {other_value} ({other_source}) but is still on the roster of {source}",
    level="cross", run=run,
)
