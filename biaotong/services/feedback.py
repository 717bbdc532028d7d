"""Feedback and 表外表 reports, as each acting user may send, read and answer them.

- grassroots workers and township staff send feedback about what reaches their unit (or about the system);
- the department that owns the report answers it; system and 表外表 feedback, and anything overdue, goes to
  the data administration;
- only the sender closes or reopens (by name, or by the token an anonymous sender holds);
- a township reads its villages' feedback that was not sent anonymously.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from biaotong.auth.actor import Actor, require_role
from biaotong.errors import AccessDenied, WorkflowError, where
from biaotong.feedback import inbox
from biaotong.feedback.model import (
    DATA_ADMINISTRATION,
    TARGETS,
    check_attachment,
    check_category,
    check_text,
    due_after,
)
from biaotong.feedback.tables import feedback_items
from biaotong.inventory.listing import reaches_unit
from biaotong.inventory.tables import outside_forms
from biaotong.store.schema import report_specs

if TYPE_CHECKING:
    from biaotong.workspace import Workspace

SENDERS = ("grassroots", "township")


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def _attachment(ws: Workspace, attachment: tuple[str, bytes] | None) -> Any:
    if attachment is None:
        return None
    name, data = attachment
    return check_attachment(name, data, int(float(ws.setting("attachment_max_mb")) * 1_000_000))


def _report(conn: Any, report_id: str) -> Any:
    row = conn.execute(sa.select(report_specs.c.id, report_specs.c.department, report_specs.c.spec)
                       .where(report_specs.c.id == report_id)).first()
    if row is None:
        raise WorkflowError(f"没有报表 {report_id}", f"no report {report_id}", where(key=report_id))
    return row


def _sender_unit(actor: Actor) -> str:
    require_role(actor, *SENDERS)
    if not actor.org_code:
        raise AccessDenied(f"用户 {actor.username} 没有所属单位，不能发送基层反馈",
                           f"user {actor.username} has no unit and cannot send grassroots feedback")
    return actor.org_code


def send(
    ws: Workspace, actor: Actor, *, category: str, target: str, text: str, report_id: str | None = None,
    field: str | None = None, task: str | None = None, anonymous: bool = False,
    attachment: tuple[str, bytes] | None = None, now: datetime | None = None,
) -> dict[str, Any]:
    """Send one item; an anonymous sender gets back a token, shown once, to read the answer and close it."""
    unit = _sender_unit(actor)
    att = _attachment(ws, attachment)
    now = _now(now)
    tree = ws.org_tree()
    with ws.engine.begin() as conn:
        return _store(ws, conn, tree, actor, unit, category=category, target=target, text=text,
                      report_id=report_id, field=field, task=task, anonymous=anonymous, att=att, now=now)


def _store(
    ws: Workspace, conn: Any, tree: Any, actor: Actor, unit: str, *, category: str, target: str, text: str,
    report_id: str | None, field: str | None, task: str | None, anonymous: bool, att: Any, now: datetime,
) -> dict[str, Any]:
    check_category(category)
    if target not in TARGETS:
        raise WorkflowError(f"未知的反馈对象：{target}（可用：{'、'.join(TARGETS)}）",
                            f"unknown feedback target: {target} (use {', '.join(TARGETS)})", where(field="target"))
    body = check_text(text)
    if target in ("system", "outside_form"):
        department, report_id, field = DATA_ADMINISTRATION, None, None
    else:
        if not report_id:
            raise WorkflowError("请指明反馈的报表（--report）", "name the report this is about (--report)",
                                where(field="report"))
        row = _report(conn, report_id)
        # Feedback on a report the sender cannot see would leak that it exists: refused alike.
        if not reaches_unit(conn, tree, report_id, unit, now.date()):
            raise AccessDenied(f"报表 {report_id} 不在下发到 {unit} 的报表清单中",
                               f"report {report_id} is not in the inventory reaching {unit}", where(key=report_id))
        if target in ("field", "value"):
            spec = row.spec if isinstance(row.spec, dict) else json.loads(row.spec)
            ids = {f.get("id") for f in spec.get("fields", [])} | {
                c.get("id") for c in (spec.get("roster") or {}).get("columns", []) if isinstance(c, dict)}
            if not field or field not in ids:
                raise WorkflowError(f"报表 {report_id} 没有字段 {field}", f"report {report_id} has no field {field}",
                                    where(field=field or "field"))
        if target == "task" and not task:
            raise WorkflowError("请指明填报任务（--task）", "name the task (--task)", where(field="task"))
        department = row.department
    due = due_after(now, int(ws.setting("feedback_due_working_days")))
    fid, token = inbox.create(
        conn, category=category, target_kind=target, report_id=report_id, field=field, task_ref=task,
        text=body, anonymous=anonymous, sender=actor.username, sender_org=unit, department=department,
        due_at=due, attachment=att, now=now,
    )
    out: dict[str, Any] = {"id": fid, "department": department, "due_at": due, "anonymous": anonymous}
    if token:
        out["token"] = token
    return out


def report_outside_form(
    ws: Workspace, actor: Actor, *, department: str, received_on: date, title: str, text: str = "",
    anonymous: bool = False, attachment: tuple[str, bytes] | None = None, now: datetime | None = None,
) -> dict[str, Any]:
    """A form that reached the unit from outside the inventory (表外表): recorded against the sending
    department and sent to the data administration as feedback, in one step and one transaction."""
    unit = _sender_unit(actor)
    dept = ws.catalog.department(department).id
    title = check_text(title, field="title", limit=200)
    att = _attachment(ws, attachment)
    now = _now(now)
    if received_on > now.date():
        raise WorkflowError("收到日期不能晚于今天", "the date received cannot be in the future", where(field="received"))
    detail = f"表外表《{title}》，来自 {dept}，收到于 {received_on.isoformat()}" + (
        f"：{text.strip()}" if text.strip() else "")
    tree = ws.org_tree()
    with ws.engine.begin() as conn:
        sent = _store(ws, conn, tree, actor, unit, category="outside_form", target="outside_form", text=detail,
                      report_id=None, field=None, task=None, anonymous=anonymous, att=att, now=now)
        conn.execute(sa.insert(outside_forms).values(
            department=dept, received_on=received_on, title=title, org_code=None if anonymous else unit,
            reporter=None if anonymous else actor.username, feedback_id=sent["id"],
            attachment=att.data if att else None, attachment_name=att.name if att else None,
            content_sha256=inbox.get(conn, sent["id"]).content_sha256, created_at=now,
        ))
    return {**sent, "sending_department": dept}


def escalate_overdue(ws: Workspace, actor: Actor, now: datetime | None = None) -> list[int]:
    """Items past their due time with no answer go to the data administration as well."""
    require_role(actor, "data_admin", "sysadmin")
    return _escalate(ws, actor.ledger_actor, _now(now))


def _escalate(ws: Workspace, ledger_actor: str, now: datetime) -> list[int]:
    with ws.engine.begin() as conn:
        rows = inbox.overdue(conn, now)
        for row in rows:
            inbox.add_message(conn, row, kind="escalate", author="system", ledger_actor=ledger_actor, now=now,
                              text=f"逾期未答复（应于 {row.due_at:%Y-%m-%d %H:%M} 前），已提交数据管理部门督办")
    return [r.id for r in rows]


def _can_read(actor: Actor, row: Any, tree: Any) -> bool:
    if not row.anonymous and row.sender == actor.username:
        return True
    if actor.has_role("auditor", "sysadmin"):
        return True
    if actor.has_role("designer") and actor.department and row.department == actor.department:
        return True
    if actor.has_role("data_admin") and (row.department == DATA_ADMINISTRATION or row.escalated):
        return True
    if actor.has_role("township") and not row.anonymous and row.sender_org:
        from biaotong.auth.actor import in_scope

        return in_scope(actor, tree, row.sender_org)
    return False


def list_items(ws: Workspace, actor: Actor, *, status: str | None = None, now: datetime | None = None
               ) -> list[dict[str, Any]]:
    """What this user may read: their own, their department's inbox, their villages' (not anonymous)."""
    _escalate(ws, "system", _now(now))
    tree = ws.org_tree()
    with ws.engine.connect() as conn:
        q = sa.select(feedback_items).order_by(feedback_items.c.id)
        if status:
            q = q.where(feedback_items.c.status == status)
        return [inbox.as_json(r, show_sender=True) for r in conn.execute(q) if _can_read(actor, r, tree)]


def show(ws: Workspace, actor: Actor, fid: int) -> dict[str, Any]:
    tree = ws.org_tree()
    with ws.engine.connect() as conn:
        row = inbox.get(conn, fid)
        if not _can_read(actor, row, tree):
            raise AccessDenied(f"无权查看反馈 {fid}", f"you may not read feedback {fid}", where(key=str(fid)))
        return inbox.as_json(row, show_sender=True, thread=inbox.messages(conn, fid))


def show_by_token(ws: Workspace, token: str) -> dict[str, Any]:
    """An anonymous sender reads their item and its answers with the token alone."""
    with ws.engine.connect() as conn:
        row = inbox.by_token(conn, token)
        return inbox.as_json(row, show_sender=False, thread=inbox.messages(conn, row.id))


def answer(ws: Workspace, actor: Actor, fid: int, text: str, now: datetime | None = None) -> dict[str, Any]:
    body = check_text(text)
    with ws.engine.begin() as conn:
        row = inbox.get(conn, fid)
        owns = actor.has_role("designer") and actor.department == row.department
        admin = actor.has_role("data_admin") and (row.department == DATA_ADMINISTRATION or row.escalated)
        if not (owns or admin):
            raise AccessDenied(f"反馈 {fid} 由 {row.department} 答复，{actor.username} 无权答复",
                               f"feedback {fid} is answered by {row.department}; {actor.username} may not answer it",
                               where(key=str(fid)))
        if row.status == "closed":
            raise WorkflowError(f"反馈 {fid} 已关闭", f"feedback {fid} is closed", where(key=str(fid)))
        inbox.add_message(conn, row, kind="answer", author=actor.department or actor.username,
                          ledger_actor=actor.ledger_actor, text=body, status="answered", now=now)
    return {"id": fid, "status": "answered"}


def _sender_row(conn: Any, actor: Actor | None, fid: int | None, token: str | None) -> tuple[Any, str]:
    if token:
        row = inbox.by_token(conn, token)
        if fid is not None and row.id != fid:
            raise AccessDenied("凭证与反馈编号不符", "the token does not belong to this feedback", where(key="token"))
        return row, inbox.ANONYMOUS
    if actor is None or fid is None:
        raise WorkflowError("请给出反馈编号或匿名凭证", "give the feedback id or the anonymous token")
    row = inbox.get(conn, fid)
    if row.anonymous or row.sender != actor.username:
        raise AccessDenied(f"只有发送人可以关闭或重新打开反馈 {fid}", f"only the sender may close or reopen feedback {fid}",
                           where(key=str(fid)))
    return row, actor.ledger_actor


def close(ws: Workspace, actor: Actor | None, fid: int | None = None, *, token: str | None = None,
          text: str = "", now: datetime | None = None) -> dict[str, Any]:
    with ws.engine.begin() as conn:
        row, who = _sender_row(conn, actor, fid, token)
        if row.status == "closed":
            raise WorkflowError(f"反馈 {row.id} 已关闭", f"feedback {row.id} is already closed", where(key=str(row.id)))
        inbox.add_message(conn, row, kind="close", author="sender", ledger_actor=who, text=text.strip() or "已解决",
                          status="closed", now=now)
    return {"id": row.id, "status": "closed"}


def reopen(ws: Workspace, actor: Actor | None, fid: int | None = None, *, token: str | None = None,
           text: str, now: datetime | None = None) -> dict[str, Any]:
    body = check_text(text)
    now = _now(now)
    due = due_after(now, int(ws.setting("feedback_due_working_days")))
    with ws.engine.begin() as conn:
        row, who = _sender_row(conn, actor, fid, token)
        if row.status == "open":
            raise WorkflowError(f"反馈 {row.id} 仍在处理中", f"feedback {row.id} is still open", where(key=str(row.id)))
        inbox.add_message(conn, row, kind="reopen", author="sender", ledger_actor=who, text=body, status="open",
                          due_at=due, now=now)
    return {"id": row.id, "status": "open", "due_at": due}


def stats(ws: Workspace, actor: Actor, now: datetime | None = None) -> dict[str, Any]:
    """Per department: open, overdue, answered, median time to answer, and 表外表 received from it.
    Aggregates only, so every role may read them (the burden dashboard shows them)."""
    now = _now(now)
    _escalate(ws, "system", now)
    with ws.engine.connect() as conn:
        per = inbox.stats(conn, now)
        outside = dict(conn.execute(sa.select(outside_forms.c.department, sa.func.count())
                                    .group_by(outside_forms.c.department)).all())
    for dept, n in outside.items():
        per.setdefault(dept, {"items": 0, "open": 0, "overdue": 0, "answered": 0, "escalated": 0,
                              "median_hours_to_answer": None})["outside_forms"] = int(n)
    for d in per.values():
        d.setdefault("outside_forms", 0)
    return {"departments": dict(sorted(per.items())), "as_of": now}

