"""Burden from real work: per unit and report, fields asked, pre-filled, reused and typed, the time from
opening a task to submitting it, and hours saved against the Excel-by-email baseline (every field typed,
at the catalog's minutes per field). Never clicks or downloads."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from biaotong.tasks.tables import tasks

if TYPE_CHECKING:
    from biaotong.workspace import Workspace


def burden(ws: Workspace, period: str, units: set[str] | None) -> dict[str, Any]:
    mpf = float(ws.setting("minutes_per_field"))
    with ws.engine.connect() as conn:
        rows = conn.execute(sa.select(tasks).where(tasks.c.period == period).order_by(tasks.c.report_id,
                                                                                    tasks.c.org_code)).all()
    out = []
    totals = {"tasks": 0, "fields": 0, "prefilled": 0, "reused": 0, "typed": 0, "hours_saved": 0.0,
              "hours_baseline": 0.0, "hours_typed": 0.0}
    for r in rows:
        if units is not None and r.org_code not in units:
            continue
        origins = dict(r.fields or {})
        n = len(origins)
        counts = {k: sum(1 for o in origins.values() if o == k) for k in ("prefilled", "reused", "typed")}
        minutes = None
        if r.opened_at and r.submitted_at:
            minutes = round((r.submitted_at - r.opened_at).total_seconds() / 60, 1)
        baseline = n * mpf / 60
        typed = counts["typed"] * mpf / 60
        item = {"report": r.report_id, "org_code": r.org_code, "status": r.status, "fields": n, **counts,
                "minutes_open_to_submit": minutes, "hours_baseline": round(baseline, 2),
                "hours_typed": round(typed, 2), "hours_saved": round(baseline - typed, 2)}
        out.append(item)
        if n:  # a task not yet submitted has no recorded work
            totals["tasks"] += 1
            totals["fields"] += n
            for k in ("prefilled", "reused", "typed"):
                totals[k] += counts[k]
            totals["hours_saved"] += baseline - typed
            totals["hours_baseline"] += baseline
            totals["hours_typed"] += typed
    totals = {k: round(v, 2) if isinstance(v, float) else v for k, v in totals.items()}
    return {"period": period, "minutes_per_field": mpf, "totals": totals, "tasks": out}
