"""Answers in the store: one current version per unit · element · window, every change a new version with
who, when, the previous value and the reason, recorded in the ledger in the same transaction."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from biaotong.ledger.events import Event
from biaotong.ledger.log import record
from biaotong.tasks.tables import answers

COLLECTION_SOURCE = "grassroots_collection"


def current(conn: Connection, org_code: str, element: str, window: str, *, statuses: tuple[str, ...]) -> Any:
    """The current answer of the unit for the element in the window ('*' windows match any), or None."""
    q = sa.select(answers).where(answers.c.org_code == org_code, answers.c.element == element,
                                 answers.c.current.is_(True), answers.c.status.in_(statuses))
    q = q.where(answers.c.window == window) if window != "*" else q.where(answers.c.window == "*")
    return conn.execute(q.order_by(answers.c.id.desc()).limit(1)).first()


def put(
    conn: Connection, *, org_code: str, element: str, window: str, value: Any, status: str, actor: str,
    task_id: int | None, reason: str | None = None, now: datetime | None = None,
) -> bool:
    """Store `value` as the unit's answer (a new version if it differs); returns whether anything changed."""
    now = now or datetime.now(UTC)
    old = conn.execute(sa.select(answers).where(
        answers.c.org_code == org_code, answers.c.element == element, answers.c.window == window,
        answers.c.current.is_(True)).order_by(answers.c.id.desc()).limit(1)).first()
    if old is not None and old.value == value and old.status == status:
        return False
    if old is not None:
        conn.execute(sa.update(answers).where(answers.c.id == old.id).values(current=False))
    conn.execute(sa.insert(answers).values(
        org_code=org_code, element=element, window=window, value=value, status=status, current=True,
        version=(old.version + 1) if old is not None else 1, previous=old.value if old is not None else None,
        reason=reason, actor=actor, task_id=task_id, created_at=now))
    record(conn, Event(action="task.fill", actor=actor, object=f"answer:{org_code}/{element}/{window}",
                       detail={"task": task_id, "status": status, "version": (old.version + 1) if old else 1,
                               "changed": old is not None}))
    return True


def set_status(conn: Connection, task_id: int, status: str, *, actor: str) -> int:
    """Move every current answer given in a task to `status` (submitted, approved, draft on return)."""
    rows = conn.execute(sa.select(answers.c.id).where(answers.c.task_id == task_id, answers.c.current.is_(True))).all()
    ids = [r.id for r in rows]
    if ids:
        conn.execute(sa.update(answers).where(answers.c.id.in_(ids)).values(status=status))
    return len(ids)


def approved_table(conn: Connection, entity: str) -> dict[str, dict[str, Any]]:
    """Per unit, the approved current answer of each element of `entity` (the newest window wins)."""
    rows = conn.execute(sa.select(answers).where(answers.c.current.is_(True), answers.c.status == "approved",
                                                 answers.c.element.like(f"{entity}.%"))
                        .order_by(answers.c.window, answers.c.id)).all()
    out: dict[str, dict[str, Any]] = {}
    for r in rows:
        out.setdefault(r.org_code, {})[r.element.split(".", 1)[1]] = r.value
    return out


def history(conn: Connection, org_code: str, element: str) -> list[dict[str, Any]]:
    rows = conn.execute(sa.select(answers).where(answers.c.org_code == org_code, answers.c.element == element)
                        .order_by(answers.c.id)).all()
    return [_entry(r) for r in rows]


def _entry(r: Any) -> dict[str, Any]:
    return {"window": r.window, "version": r.version, "value": r.value, "previous": r.previous,
            "status": r.status, "actor": r.actor, "reason": r.reason, "at": r.created_at, "task": r.task_id}


# A task asks many elements of one unit; read per element, that was a statement (a round trip on PostgreSQL)
# per field and view. The functions below read all of them in one statement and pick from the rows.


def versions(conn: Connection, org_code: str, elements: Iterable[str]) -> list[Any]:
    """Every version of the unit's answers for `elements`, oldest first, in one statement."""
    wanted = sorted(set(elements))
    if not wanted:
        return []
    return list(conn.execute(sa.select(answers).where(answers.c.org_code == org_code, answers.c.element.in_(wanted))
                             .order_by(answers.c.id)).all())


def current_in(rows: Iterable[Any], *, statuses: tuple[str, ...]) -> dict[tuple[str, str], Any]:
    """From `versions` rows, per (element, window), what `current` answers for it."""
    out: dict[tuple[str, str], Any] = {}
    for r in rows:  # oldest first: a later current row of the same key is the newer one, as `current` picks
        if r.current and r.status in statuses:
            out[(r.element, r.window)] = r
    return out


def history_in(rows: Iterable[Any]) -> dict[str, list[dict[str, Any]]]:
    """From `versions` rows, per element, what `history` answers for it."""
    out: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        out.setdefault(r.element, []).append(_entry(r))
    return out


def current_many(conn: Connection, org_code: str, keys: Iterable[tuple[str, str]], *,
                 statuses: tuple[str, ...]) -> dict[tuple[str, str], Any]:
    """`current` for many (element, window) pairs of one unit in one statement; a pair with no answer is absent."""
    keys = set(keys)
    if not keys:
        return {}
    rows = conn.execute(sa.select(answers).where(
        answers.c.org_code == org_code, answers.c.element.in_(sorted({e for e, _ in keys})),
        answers.c.current.is_(True), answers.c.status.in_(statuses)).order_by(answers.c.id)).all()
    return {k: r for k, r in current_in(rows, statuses=statuses).items() if k in keys}


def history_many(conn: Connection, org_code: str, elements: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
    """`history` for many elements of one unit in one statement; an element never answered maps to []."""
    wanted = set(elements)
    found = history_in(versions(conn, org_code, wanted))
    return {e: found.get(e, []) for e in wanted}
