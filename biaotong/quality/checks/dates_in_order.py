"""Dates of one record that must come in order (born before died, joined before left …)."""

from __future__ import annotations

from typing import Any

from biaotong.engines.duckdb import ident, literal
from biaotong.quality.context import CheckContext
from biaotong.quality.model import Check

PAIRS = [
    ["birth_date", "death_date"], ["birth_date", "registered_date"], ["birth_date", "deregistered_date"],
    ["assistance_start_date", "assistance_end_date"], ["enlist_date", "discharge_date"],
    ["birth_date", "pension_insured_date"], ["birth_date", "family_doctor_sign_date"],
    ["monitoring_identified_date", "risk_eliminated_date"],
]


def run(ctx: CheckContext, params: dict[str, Any]) -> str | None:
    parts = []
    for s in ctx.sources.values():
        key = ident(ctx.key(s.entity))
        org = "CAST(org_code AS VARCHAR)" if s.has("org_code") else "NULL"
        for first, second in params.get("pairs", PAIRS):
            if not (s.has(first) and s.has(second)):
                continue
            a, b = ident(first), ident(second)
            parts.append(
                f"SELECT {literal(s.entity)} AS entity, CAST({key} AS VARCHAR) AS key, {org} AS org_code, "
                f"{literal(s.name)} AS source, {literal(second)} AS element, CAST({b} AS VARCHAR) AS value, "
                f"{literal(first)} AS other_source, CAST({a} AS VARCHAR) AS other_value FROM {s.view} "
                f"WHERE {a} IS NOT NULL AND {b} IS NOT NULL AND {b} < {a}"
            )
    return " UNION ALL ".join(parts) if parts else None


CHECK = Check(
    slug="dates_in_order", title_zh="日期先后矛盾", title_en="dates out of order",
    message_zh="{source} 中 {key} 的 {element}（{value}）早于 {other_source}（{other_value}）",
    message_en="{source}: {element} of {key} ({value}) is before {other_source} ({other_value})",
    level="entity", run=run, params={"pairs": PAIRS},
)
