"""Rows a sync turned away (invalid ID, unknown code, bad date, duplicate key …): work for the owner."""

from __future__ import annotations

from typing import Any

from biaotong.engines.duckdb import literal
from biaotong.i18n import msg
from biaotong.quality.context import CheckContext
from biaotong.quality.model import Check


def run(ctx: CheckContext, params: dict[str, Any]) -> str | None:
    parts = []
    reason = msg("reason", "reason_en")
    for s in ctx.sources.values():
        if s.rejects is None:
            continue
        parts.append(
            f"SELECT {literal(s.entity)} AS entity, 'row:' || CAST(row AS VARCHAR) AS key, NULL AS org_code, "
            f"{literal(s.name)} AS source, element, value, NULL AS other_source, {reason} AS other_value "
            f"FROM read_parquet({literal(str(s.rejects))})"
        )
    return " UNION ALL ".join(parts) if parts else None


CHECK = Check(
    slug="rejected_rows", title_zh="同步时被拒收的记录", title_en="rows rejected by a sync",
    message_zh="{source} 第 {key} 条记录的 {element}（{value}）未被接收：{other_value}",
    message_en="{source} {key}: {element} ({value}) was not accepted: {other_value}",
    level="cell", run=run,
)
