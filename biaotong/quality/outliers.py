"""Outliers of a generated report: a unit's value far from its own history (modified z-score over its
previous periods) or from its peers at the same level in the same period. Flags only: a value is never
changed. Modified z = 0.6745 · (x − median) / MAD (Iglewicz and Hoaglin); |z| > 3.5 is the usual threshold."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from biaotong.reports.result import ReportResult
    from biaotong.workspace import Workspace

THRESHOLD = 3.5
HISTORY = 6
MIN_POINTS = 4  # fewer values than this say nothing about what is usual
MIN_DIFF = 5  # and a difference smaller than this (persons, households) is never worth a reviewer's time


def modified_z(x: float, values: Sequence[float]) -> tuple[float | None, float]:
    """(z, median) of `x` against `values`; z is None when the values do not vary (MAD 0) or are too few."""
    if len(values) < MIN_POINTS:
        return None, statistics.median(values) if values else x
    med = statistics.median(values)
    mad = statistics.median(abs(v - med) for v in values)
    if mad == 0:
        return None, med
    return 0.6745 * (x - med) / mad, med


def _numeric(v: Any) -> float | None:
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None


def _rows(result: ReportResult) -> dict[str, tuple[str, dict[str, Any]]]:
    return {r.org_code: (r.name, r.values) for r in result.rows if not r.is_total and not r.is_subtotal}


def _parents(result: ReportResult) -> dict[str, str | None]:
    return {r.org_code: r.parent for r in result.rows if not r.is_total and not r.is_subtotal}


def flag(current: ReportResult, history: list[ReportResult], threshold: float = THRESHOLD) -> list[dict[str, Any]]:
    """Flags for every unit row and numeric column of `current` (a pure function of generated results)."""
    flags: list[dict[str, Any]] = []
    now = _rows(current)
    past = [_rows(h) for h in history]
    fields = [c.id for c in current.columns if c.kind in ("aggregate", "ratio")]
    parent = _parents(current)
    for fid in fields:
        # Peers are the units beside it under the same parent (a township's villages): a town's communities
        # and its mountain villages are not alike, and comparing them would flag the difference, not an error.
        peers: dict[str | None, list[float]] = {}
        for code, (_, vals) in now.items():
            if (x := _numeric(vals.get(fid))) is not None:
                peers.setdefault(parent.get(code), []).append(x)
        for code, (name, vals) in now.items():
            x = _numeric(vals.get(fid))
            if x is None:
                continue
            own = [y for p in past if code in p and (y := _numeric(p[code][1].get(fid))) is not None]
            for kind, values in (("history", own), ("peers", peers.get(parent.get(code), []))):
                z, med = modified_z(x, values)
                # a tiny MAD makes every small difference "extreme"; a flag also needs a real difference
                if z is not None and abs(z) > threshold and abs(x - med) >= max(MIN_DIFF, 0.5 * abs(med)):
                    flags.append({"org_code": code, "name": name, "field": fid, "value": x, "kind": kind,
                                  "z": round(z, 2), "median": med, "points": len(values)})
    return flags


def report_outliers(
    ws: Workspace, report_id: str, period: str, org_code: str, *, role: str, history: int = HISTORY,
    threshold: float = THRESHOLD, level: str | None = None,
) -> dict[str, Any]:
    from biaotong.reports.context import Engine
    from biaotong.reports.generate import generate

    eng = Engine(ws)
    try:
        current = generate(ws, report_id, period, org_code, level=level, role=role, engine=eng)
        per = current.period
        past: list[ReportResult] = []
        for _ in range(history):
            per = per.previous()
            past.append(generate(ws, report_id, per, org_code, level=level, role=role, engine=eng))
    finally:
        eng.close()
    return {"report": report_id, "period": str(current.period), "org": org_code, "threshold": threshold,
            "history": history, "flags": flag(current, past, threshold)}


def cell_flags(
    ws: Workspace, report_id: str, period: str, org_code: str, field: str, *, role: str, history: int = HISTORY,
    threshold: float = THRESHOLD,
) -> list[dict[str, Any]]:
    """The flags of one cell (`report explain --outliers`): the unit among its siblings under its parent, and
    against its own previous periods."""
    tree = ws.org_tree()
    unit = tree.get(org_code)
    if unit.parent is None:
        return []
    out = report_outliers(ws, report_id, period, unit.parent, role=role, history=history, threshold=threshold,
                          level=unit.level)
    return [f for f in out["flags"] if f["org_code"] == org_code and f["field"] == field]
