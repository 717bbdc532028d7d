"""One person in two programmes that exclude each other (低保 and 特困供养 by default), in any sources."""

from __future__ import annotations

from typing import Any

from biaotong.engines.duckdb import ident, literal
from biaotong.quality.context import CheckContext
from biaotong.quality.model import Check

# Pairs of (element, code) that one person may not hold at once.
PAIRS = [[["assistance_category", "1"], ["assistance_category", "2"]]]


def run(ctx: CheckContext, params: dict[str, Any]) -> str | None:
    parts = []
    for i, (a, b) in enumerate(params.get("pairs", PAIRS)):
        holds = []
        for side, (element, code) in (("a", a), ("b", b)):
            for s in ctx.holders("resident", element):
                holds.append(
                    f"SELECT id_number, {'CAST(org_code AS VARCHAR)' if s.has('org_code') else 'NULL'} AS org_code, "
                    f"{literal(s.name)} AS source, {literal(side)} AS side, {literal(element)} AS element, "
                    f"{literal(code)} AS value FROM {s.view} WHERE CAST({ident(element)} AS VARCHAR) = {literal(code)}"
                )
        if not holds:
            continue
        both = " UNION ALL ".join(holds)
        parts.append(
            f"SELECT 'resident' AS entity, x.id_number AS key, x.org_code, x.source, x.element, x.value, "
            f"y.source AS other_source, y.element || '=' || y.value AS other_value "
            f"FROM ({both}) x JOIN ({both}) y ON x.id_number = y.id_number AND x.side = 'a' AND y.side = 'b'"
        )
        del i
    return " UNION ALL ".join(parts) if parts else None


CHECK = Check(
    slug="exclusive_programmes", title_zh="同时享受互斥的救助", title_en="paid by two programmes that exclude each other",
    message_zh="{key} 在 {source} 中 {element} = {value}，又在 {other_source} 中 {other_value}，两者不能同时享受",
    message_en="{key} has {element} = {value} in {source} and {other_value} in {other_source}, which exclude each other",
    level="cross", run=run, params={"pairs": PAIRS},
)
