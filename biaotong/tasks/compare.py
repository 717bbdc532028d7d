"""What a reviewer sees beside each answer of a submission: the unit's previous approved answer for the same
element (what changed since the last period) and a flag when the value is outside what is usual for the unit —
beyond the range of its own earlier approved answers by a margin, or far from its peers' answers this period
(the modified z-score of biaotong.quality.outliers, so a task and a report judge alike). Flags only."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from biaotong.quality.outliers import MIN_DIFF, THRESHOLD, modified_z
from biaotong.tasks.tables import answers

HISTORY = 6  # earlier windows looked at


def _numeric(v: Any) -> float | None:
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None


def margin(lo: float, hi: float) -> float:
    """How far beyond its own range a value may go before it is unusual: the range's width, half its
    magnitude, and at least 1 (so 0 → 1 is not flagged, 0 → 2 is)."""
    return max(hi - lo, 0.5 * max(abs(lo), abs(hi)), 1.0)


# A submission's answers are compared in two statements, the unit's approved answers and its peers' current
# ones for every element at once: per field they were two each (round trips on PostgreSQL) on every view.


def _approved(conn: Connection, org: str, elements: set[str]) -> list[Any]:
    return list(conn.execute(sa.select(answers.c.id, answers.c.element, answers.c.window, answers.c.value,
                                       answers.c.task_id, answers.c.current, answers.c.created_at).where(
        answers.c.org_code == org, answers.c.element.in_(sorted(elements)), answers.c.status == "approved")))


def _earlier(rows: list[Any], element: str, window: str, task_id: int) -> list[Any]:
    """The unit's approved answers before this one, newest first: earlier windows of the same kind, or for an
    answer valid until changed (`*`), its earlier approved versions."""
    mine = [r for r in rows if r.element == element]
    if window == "*":
        found = [r for r in mine if r.window == "*" and (r.task_id is None or r.task_id != task_id)]
        return sorted(found, key=lambda r: r.id, reverse=True)[:HISTORY]
    found = [r for r in mine if r.current and r.window != "*" and r.window < window and len(r.window) == len(window)]
    return sorted(found, key=lambda r: (r.window, r.id), reverse=True)[:HISTORY]  # 2024 before 2025, not 2025-06


def _peer_answers(conn: Connection, orgs: list[str], elements: set[str]) -> list[Any]:
    if not orgs:
        return []
    return list(conn.execute(sa.select(answers.c.element, answers.c.window, answers.c.value).where(
        answers.c.org_code.in_(orgs), answers.c.element.in_(sorted(elements)), answers.c.current.is_(True),
        answers.c.status.in_(("submitted", "approved")))))


def _peers(rows: list[Any], element: str, window: str) -> list[float]:
    return [x for r in rows if r.element == element and r.window == window and (x := _numeric(r.value)) is not None]


def compare(conn: Connection, *, task_id: int, org_code: str, peers: list[str],
            fields: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per answered field (typed or reused): previous, changed, and the flags (history / peers)."""
    out: dict[str, dict[str, Any]] = {}
    answered = [f for f in fields if f.get("origin") in ("typed", "reused") and f.get("element")]
    elements = {f["element"] for f in answered}
    if not elements:
        return out
    approved = _approved(conn, org_code, elements)
    peer_rows = _peer_answers(conn, [p for p in peers if p != org_code], elements)
    for f in answered:
        window = f.get("window") or "*"
        earlier = _earlier(approved, f["element"], window, task_id)
        prev = earlier[0] if earlier else None
        value = f.get("value")
        item: dict[str, Any] = {"previous": prev.value if prev else None, "previous_window": prev.window if prev else None,
                                "changed": prev is not None and prev.value != value, "flags": []}
        x = _numeric(value)
        own = [y for r in earlier if (y := _numeric(r.value)) is not None]
        if x is not None and own:
            lo, hi = min(own), max(own)
            m = margin(lo, hi)
            if x < lo - m or x > hi + m:
                item["flags"].append({"kind": "history", "low": lo - m, "high": hi + m, "points": len(own)})
        if x is not None:
            values = _peers(peer_rows, f["element"], window)
            z, med = modified_z(x, values)
            # the same test as a report's peers check: extreme, and a real difference
            if z is not None and abs(z) > THRESHOLD and abs(x - med) >= max(MIN_DIFF, 0.5 * abs(med)):
                item["flags"].append({"kind": "peers", "median": med, "z": round(z, 2), "points": len(values)})
        out[f["id"]] = item
    return out
