"""Birth dates in the future or ages beyond what people live to."""

from __future__ import annotations

from typing import Any

from biaotong.engines.duckdb import ident, literal
from biaotong.quality.context import CheckContext
from biaotong.quality.model import Check


def run(ctx: CheckContext, params: dict[str, Any]) -> str | None:
    max_age = int(params.get("max_age", 120))
    parts = []
    for s in ctx.of("resident"):
        if not s.has("birth_date"):
            continue
        taken = literal(s.snapshot.taken_at.date().isoformat())
        parts.append(
            f"SELECT 'resident' AS entity, CAST({ident(ctx.key('resident'))} AS VARCHAR) AS key, "
            f"{'CAST(org_code AS VARCHAR)' if s.has('org_code') else 'NULL'} AS org_code, {literal(s.name)} AS source, "
            f"'birth_date' AS element, CAST(birth_date AS VARCHAR) AS value, NULL AS other_source, NULL AS other_value "
            f"FROM {s.view} WHERE birth_date > DATE {taken} OR date_diff('year', birth_date, DATE {taken}) > {max_age}"
        )
    return " UNION ALL ".join(parts) if parts else None


CHECK = Check(
    slug="implausible_age", title_zh="出生日期不合理", title_en="implausible birth date",
    message_zh="{source} 中 {key} 的出生日期 {value} 不合理（晚于同步日期或年龄超过上限）",
    message_en="{source}: birth date {value} of {key} is implausible (after the sync or beyond the age limit)",
    level="cell", run=run, params={"max_age": 120},
)
