"""Completeness and timeliness per source (last sync against its declared frequency; rows and rejects
against the previous snapshot) and per element (the share of entities with a value)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from biaotong.engines.duckdb import ident

if TYPE_CHECKING:
    from biaotong.workspace import Workspace

# How often a source is expected to sync when its spec declares nothing: a source is late past this.
DEFAULT_EVERY = timedelta(days=31)


def _expected(spec: dict[str, Any]) -> timedelta:
    sched = spec.get("schedule")
    if isinstance(sched, dict) and sched.get("every_hours"):
        return timedelta(hours=float(sched["every_hours"]))
    if isinstance(sched, str) and sched.startswith("every "):
        try:
            n, unit = sched.split()[1:3]
            return timedelta(hours=float(n) * (24 if unit.startswith("day") else 1))
        except ValueError:
            return DEFAULT_EVERY
    return DEFAULT_EVERY


def completeness(ws: Workspace, now: datetime | None = None) -> dict[str, Any]:
    from biaotong.quality.context import build_context
    from biaotong.store.schema import snapshots, sources

    now = now or datetime.now(UTC)
    ctx = build_context(ws)
    out: list[dict[str, Any]] = []
    with ws.engine.connect() as conn:
        specs = {r.name: r.spec for r in conn.execute(sa.select(sources.c.name, sources.c.spec))}
        for s in ctx.sources.values():
            prev = conn.execute(
                sa.select(snapshots.c.row_count, snapshots.c.reject_count).where(
                    snapshots.c.source == s.name, snapshots.c.taken_at < s.snapshot.taken_at)
                .order_by(snapshots.c.taken_at.desc()).limit(1)).first()
            spec = specs.get(s.name) or {}
            every = _expected(spec if isinstance(spec, dict) else {})
            age = now - s.snapshot.taken_at
            n = s.snapshot.row_count
            cols = [c["name"] for c in s.snapshot.columns if not c["name"].startswith("_")]
            filled: dict[str, float] = {}
            if n and cols:
                exprs = ", ".join(f"count({ident(c)}) AS {ident(c)}" for c in cols)
                counts = ctx.con.sql(f"SELECT {exprs} FROM {s.view}").fetchall()[0]
                filled = {c: round(v / n, 4) for c, v in zip(cols, counts, strict=True)}
            out.append({
                "source": s.name, "department": s.department, "entity": s.entity,
                "last_sync": s.snapshot.taken_at, "hours_since": round(age.total_seconds() / 3600, 1),
                "expected_every_hours": round(every.total_seconds() / 3600, 1), "late": age > every,
                "rows": n, "rejects": s.snapshot.reject_count,
                "previous_rows": prev.row_count if prev else None,
                "row_change": (n - prev.row_count) if prev else None,
                "previous_rejects": prev.reject_count if prev else None,
                "elements": filled,
            })
    ctx.con.close()
    return {"as_of": now, "sources": out}
