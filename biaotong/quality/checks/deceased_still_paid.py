"""Dead in the population register, still paid by a programme (assistance, pension, allowance, subsidy)."""

from __future__ import annotations

from typing import Any

from biaotong.engines.duckdb import literal
from biaotong.quality.checks._sql import ended_before, paid, programmes, register_view
from biaotong.quality.context import CheckContext
from biaotong.quality.model import Check


def gone_but_paid(ctx: CheckContext, gone: str, extra: str) -> str | None:
    reg = register_view(ctx, "resident", ["org_code", "death_date", "deregistered_date"])
    if reg is None:
        return None
    parts = []
    for p in programmes(ctx):
        pays = paid(p)
        if not pays:
            continue
        element = "CASE " + " ".join(f"WHEN {cond} THEN {literal(e)}" for e, cond in pays) + " END"
        value = "CASE " + " ".join(f"WHEN {cond} THEN CAST(p.{e} AS VARCHAR)" for e, cond in pays) + " END"
        parts.append(
            f"SELECT 'resident' AS entity, p.id_number AS key, CAST(r.org_code AS VARCHAR) AS org_code, "
            f"{literal(p.name)} AS source, {element} AS element, {value} AS value, r._register AS other_source, "
            f"CAST(r.{gone} AS VARCHAR) AS other_value FROM {p.view} p JOIN {reg} r ON p.id_number = r.id_number "
            f"WHERE r.{gone} IS NOT NULL {extra} AND ({' OR '.join(c for _, c in pays)}) "
            f"AND NOT ({ended_before(p, 'r.' + gone)})"
        )
    return " UNION ALL ".join(parts) if parts else None


def run(ctx: CheckContext, params: dict[str, Any]) -> str | None:
    return gone_but_paid(ctx, "death_date", "")


CHECK = Check(
    slug="deceased_still_paid", title_zh="已死亡仍在享受待遇", title_en="deceased but still paid",
    message_zh="{key} 已于 {other_value} 死亡（{other_source}），但 {source} 仍显示 {element} = {value}",
    message_en="{key} died on {other_value} ({other_source}) but {source} still shows {element} = {value}",
    level="cross", run=run, concerns="any",
)
