"""Counting and listing the disagreements between sources found when the one table was merged."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import duckdb
import sqlalchemy as sa

from biaotong.engines.duckdb import literal as lit
from biaotong.onetable.merge import build_entity
from biaotong.store.schema import conflict_summaries

if TYPE_CHECKING:
    from biaotong.workspace import Workspace


def conflict_report(ws: Workspace, *, entity: str | None = None, sample: int = 0) -> dict[str, Any]:
    """Conflicts of the current one table: per entity and element, which source won, which lost, how often."""
    result: dict[str, Any] = {"entities": [], "total": 0}
    for ent in [entity] if entity else list(ws.catalog.entities):
        merged = build_entity(ws, ent)
        with ws.engine.connect() as conn:
            rows = conn.execute(
                sa.select(conflict_summaries)
                .where(conflict_summaries.c.state_sha256 == merged.state_sha256)
                .order_by(conflict_summaries.c.count.desc())
            ).all()
        items = [
            {"element": r.element, "winner": r.winner, "loser": r.loser, "count": int(r.count)} for r in rows
        ]
        entry: dict[str, Any] = {
            "entity": ent, "total": sum(i["count"] for i in items), "by_element": items,
            "snapshots": [s.to_json() for s in merged.inputs],
        }
        if sample and merged.path is not None:
            path = merged.path.parent / "conflicts.parquet"
            entry["sample"] = [
                dict(zip(["entity_key", "element", "winner", "winner_value", "loser", "loser_value"], r, strict=True))
                for r in duckdb.sql(f"SELECT * FROM read_parquet({lit(str(path))}) LIMIT {int(sample)}").fetchall()
            ]
        result["entities"].append(entry)
        result["total"] += entry["total"]
    return result
