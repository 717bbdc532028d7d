"""Feedback in the store: create, answer, close, reopen, escalate, and the per-department figures.

Who may do what is decided by biaotong.services.feedback; these functions take plain names and run inside
the caller's transaction, each change with its ledger entry.
"""

from __future__ import annotations

import hashlib
import secrets
import statistics
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from biaotong.errors import WorkflowError, where
from biaotong.feedback.model import Attachment, content_hash
from biaotong.feedback.tables import feedback_items, feedback_messages
from biaotong.ledger.events import Event
from biaotong.ledger.log import record

ANONYMOUS = "anonymous"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _aware(value: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes for timezone columns; everything stored here is UTC.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def create(
    conn: Connection, *, category: str, target_kind: str, report_id: str | None, field: str | None,
    task_ref: str | None, text: str, anonymous: bool, sender: str, sender_org: str | None, department: str,
    due_at: datetime, attachment: Attachment | None, now: datetime | None = None,
) -> tuple[int, str | None]:
    """Store one item; returns its id and, when anonymous, the token the sender must keep (shown once)."""
    now = now or datetime.now(UTC)
    token = secrets.token_urlsafe(24) if anonymous else None
    doc = {"category": category, "target": target_kind, "report": report_id, "field": field, "task": task_ref,
           "text": text}
    sha = content_hash(doc, attachment.data if attachment else None)
    result = conn.execute(sa.insert(feedback_items).values(
        category=category, target_kind=target_kind, report_id=report_id, field=field, task_ref=task_ref,
        text=text, anonymous=anonymous, sender=None if anonymous else sender,
        sender_org=None if anonymous else sender_org, token_sha256=token_hash(token) if token else None,
        department=department, status="open", escalated=False, due_at=due_at, created_at=now,
        attachment=attachment.data if attachment else None, attachment_name=attachment.name if attachment else None,
        attachment_type=attachment.kind if attachment else None, content_sha256=sha, extra={},
    ))
    fid = int(result.inserted_primary_key[0])
    # The ledger holds the content's hash; for anonymous feedback not the sender, nor their unit.
    record(conn, Event(action="feedback.create", actor=ANONYMOUS if anonymous else sender,
                       object=f"feedback:{fid}", hashes={"feedback_sha256": sha},
                       detail={"category": category, "target": target_kind, "report": report_id,
                               "department": department}))
    return fid, token


def get(conn: Connection, fid: int) -> Any:
    if not 0 < fid < 2**63:  # an id no store could hold is simply not there
        raise WorkflowError(f"没有编号为 {fid} 的反馈", f"no feedback {fid}", where(key=str(fid)))
    row = conn.execute(sa.select(feedback_items).where(feedback_items.c.id == fid)).first()
    if row is None:
        raise WorkflowError(f"没有编号为 {fid} 的反馈", f"no feedback {fid}", where(key=str(fid)))
    return row


def by_token(conn: Connection, token: str) -> Any:
    row = conn.execute(sa.select(feedback_items).where(feedback_items.c.token_sha256 == token_hash(token))).first()
    if row is None:
        raise WorkflowError("凭证无效：找不到对应的匿名反馈", "invalid token: no anonymous feedback matches it",
                            where(key="token"))
    return row


def messages(conn: Connection, fid: int) -> list[dict[str, Any]]:
    rows = conn.execute(sa.select(feedback_messages).where(feedback_messages.c.feedback_id == fid)
                        .order_by(feedback_messages.c.id))
    return [{"kind": r.kind, "author": r.author, "text": r.text, "created_at": _aware(r.created_at)} for r in rows]


def add_message(
    conn: Connection, row: Any, *, kind: str, author: str, text: str, ledger_actor: str,
    status: str | None = None, due_at: datetime | None = None, now: datetime | None = None,
) -> None:
    now = now or datetime.now(UTC)
    conn.execute(sa.insert(feedback_messages).values(feedback_id=row.id, kind=kind, author=author, text=text,
                                                     created_at=now))
    values: dict[str, Any] = {}
    if status is not None:
        values["status"] = status
    if kind == "answer" and row.first_answered_at is None:
        values["first_answered_at"] = now
    if status == "closed":
        values["closed_at"] = now
    if due_at is not None:
        values["due_at"] = due_at
    if kind == "escalate":
        values["escalated"] = True
    if values:
        conn.execute(sa.update(feedback_items).where(feedback_items.c.id == row.id).values(**values))
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    record(conn, Event(action=f"feedback.{kind}", actor=ledger_actor, object=f"feedback:{row.id}",
                       hashes={"message_sha256": sha}, detail={"status": status or row.status}))


def overdue(conn: Connection, now: datetime) -> list[Any]:
    rows = conn.execute(sa.select(feedback_items).where(feedback_items.c.status == "open",
                                                        feedback_items.c.escalated.is_(False)))
    return [r for r in rows if _aware(r.due_at) < now]


def stats(conn: Connection, now: datetime) -> dict[str, dict[str, Any]]:
    """Per department: items, open, overdue, answered, median hours to the first answer."""
    out: dict[str, dict[str, Any]] = {}
    waits: dict[str, list[float]] = {}
    for r in conn.execute(sa.select(feedback_items)):
        d = out.setdefault(r.department, {"items": 0, "open": 0, "overdue": 0, "answered": 0, "escalated": 0,
                                          "median_hours_to_answer": None})
        d["items"] += 1
        d["escalated"] += int(bool(r.escalated))
        if r.status == "open":
            d["open"] += 1
            if _aware(r.due_at) < now:
                d["overdue"] += 1
        if r.first_answered_at is not None:
            d["answered"] += 1
            waits.setdefault(r.department, []).append(
                (_aware(r.first_answered_at) - _aware(r.created_at)).total_seconds() / 3600)
    for dept, w in waits.items():
        out[dept]["median_hours_to_answer"] = round(statistics.median(w), 1)
    return out


def as_json(row: Any, *, show_sender: bool, thread: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """One item as its reader may see it: the sender only where not anonymous and the reader may know."""
    out = {
        "id": row.id, "category": row.category, "target": row.target_kind, "report": row.report_id,
        "field": row.field, "task": row.task_ref, "text": row.text, "anonymous": bool(row.anonymous),
        "department": row.department, "status": row.status, "escalated": bool(row.escalated),
        "created_at": _aware(row.created_at), "due_at": _aware(row.due_at),
        "first_answered_at": _aware(row.first_answered_at), "closed_at": _aware(row.closed_at),
        "attachment": {"name": row.attachment_name, "type": row.attachment_type} if row.attachment_name else None,
        "sha256": row.content_sha256,
    }
    if show_sender and not row.anonymous:
        out["sender"] = row.sender
        out["sender_org"] = row.sender_org
    if thread is not None:
        out["thread"] = thread
    return out
