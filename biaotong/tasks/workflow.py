"""A task's life: created by publishing (one per unit, idempotent), opened, filled, submitted, then reviewed
by level — the township above the unit (`reviewed`), then the publishing department (`approved`), either
returning it to the unit — each change checked against the task's version (two reviewers on one task: the second is told,
nothing is lost) and recorded in the ledger in the same transaction."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy import Connection

from biaotong.errors import CatalogError, WorkflowError, where
from biaotong.ledger.events import Event
from biaotong.ledger.log import record
from biaotong.store.db import reads
from biaotong.tasks import answers as store
from biaotong.tasks.model import STATUSES, check_rules, check_value
from biaotong.tasks.prefill import ANSWERED, asked_windows, fields_of, prefilled, task_fields
from biaotong.tasks.tables import task_reviews, tasks

if TYPE_CHECKING:
    from biaotong.workspace import Workspace


def get(conn: Connection, task_id: int) -> Any:
    if not 0 < task_id < 2**63:
        raise WorkflowError(f"没有编号为 {task_id} 的填报任务", f"no task {task_id}", where(key=str(task_id)))
    row = conn.execute(sa.select(tasks).where(tasks.c.id == task_id)).first()
    if row is None:
        raise WorkflowError(f"没有编号为 {task_id} 的填报任务", f"no task {task_id}", where(key=str(task_id)))
    return row


def create_tasks(
    ws: Workspace, conn: Connection, *, report_id: str, period: str, units: list[str], level: str,
    due: date | None, actor: str,
) -> dict[str, int]:
    """One task per unit; a unit that already has the task for this report and period keeps it."""
    have = {r.org_code for r in conn.execute(sa.select(tasks.c.org_code).where(
        tasks.c.report_id == report_id, tasks.c.period == period))}
    now = datetime.now(UTC)
    new = [{"report_id": report_id, "period": period, "org_code": u, "level": level, "status": "draft",
            "version": 1, "due": due, "published_by": actor, "created_at": now, "fields": {}} for u in units
           if u not in have]
    if new:
        conn.execute(sa.insert(tasks), new)
    record(conn, Event(action="task.create", actor=actor, object=f"report:{report_id}/{period}",
                       detail={"created": len(new), "existing": len(units) - len(new), "level": level}))
    return {"created": len(new), "existing": len(units) - len(new)}


def _stale(row: Any, expected: int | None) -> None:
    if expected is not None and expected != row.version:
        raise WorkflowError(
            f"任务 {row.id} 已被他人修改（你打开的是版本 {expected}，现在是版本 {row.version}），请重新打开后再操作",
            f"task {row.id} was changed by someone else (you read version {expected}, it is now {row.version}); open it again",
            where(key=str(row.id)), details={"version": row.version},
        )


def _zh(status: str) -> str:
    return STATUSES.get(status, (status,))[0]


def _bump(conn: Connection, row: Any, expected: int | None, **values: Any) -> int:
    """Apply `values` if the task is still at `expected` (its version when the caller read it)."""
    version = row.version if expected is None else expected
    done = conn.execute(sa.update(tasks).where(tasks.c.id == row.id, tasks.c.version == version)
                        .values(version=version + 1, **values))
    if not done.rowcount:
        raise WorkflowError(
            f"任务 {row.id} 已被他人修改（版本 {version} → 现在更新），请重新打开后再操作",
            f"task {row.id} was changed by someone else (version {version} is stale); open it again",
            where(key=str(row.id)), details={"version": version},
        )
    return version + 1


def view(ws: Workspace, task_id: int, *, role: str, actor: str | None = None, opening: bool = False,
         row: Any = None, tree: Any = None) -> dict[str, Any]:
    """The task with every field: pre-filled (read-only, with its sources), reused, typed or still asked.

    `row`: the task as the caller just read it (the service, checking scope), so it is not read twice; its
    report, period and unit never change, and its status and version are as fresh as a second read would be.
    `tree`: the org tree the caller already loaded. A view makes the same few statements however many fields
    it asks: the answers and their history in one, the reviews in another."""
    with reads(ws.engine) as conn:
        row = row if row is not None and row.id == task_id else get(conn, task_id)
        result, asked = prefilled(ws, report_id=row.report_id, period=row.period, org_code=row.org_code,
                                  level=row.level, role=role, conn=conn)
        rows = store.versions(conn, row.org_code, [a.element for a in asked.values()])
        reviews = [{"action": r.action, "actor": r.actor, "comment": r.comment, "fields": r.field_comments,
                    "at": r.created_at} for r in conn.execute(
            sa.select(task_reviews).where(task_reviews.c.task_id == row.id).order_by(task_reviews.c.id))]
    fields = fields_of(ws, result, asked, store.current_in(rows, statuses=ANSWERED), task_id=row.id)
    # every version of each asked answer: who gave it, when, the value before and why it changed
    versions = store.history_in(rows)
    history = {f.id: versions.get(f.element, []) for f in fields if f.element}
    if opening and row.opened_at is None:  # the first opening only: a view is otherwise no write at all
        with ws.engine.begin() as conn:
            conn.execute(sa.update(tasks).where(tasks.c.id == row.id, tasks.c.opened_at.is_(None))
                         .values(opened_at=datetime.now(UTC)))
    overdue = row.due is not None and row.status in ("draft", "returned") and date.today() > row.due
    # the org tree is read only when a submission's level depends on it
    awaiting = stage(row.status, row.level, row.org_code, tree or ws.org_tree()) if row.status == "submitted" else \
        stage(row.status, row.level, row.org_code, None)
    return {"id": row.id, "awaiting": awaiting, "level": row.level,
            "report": row.report_id, "title": result.spec.title, "period": row.period,
            "org_code": row.org_code, "org_name": result.org_name, "status": row.status, "version": row.version,
            "due": row.due, "overdue": overdue, "fields": [f.to_json() for f in fields], "reviews": reviews,
            "asked": [f.id for f in fields if f.origin in ("asked", "typed", "reused")], "history": history,
            "missing": [f.id for f in fields if f.origin == "asked" and f.value is None]}


def fill(ws: Workspace, task_id: int, values: dict[str, Any], *, actor: str, version: int | None = None,
         reason: str | None = None, cells: dict[str, str] | None = None) -> dict[str, Any]:
    """Typed answers for the task's asked fields (field id → value); a value for a pre-filled field is refused:
    a wrong system value is corrected at its source (`task flag`), never overwritten here."""
    with ws.engine.begin() as conn:
        row = get(conn, task_id)
        _stale(row, version)
        if row.status not in ("draft", "returned"):
            raise WorkflowError(f"任务 {task_id} 当前为{_zh(row.status)}，不能修改", f"task {task_id} is {row.status} and cannot be changed",
                                where(key=str(task_id)))
        result, asked = prefilled(ws, report_id=row.report_id, period=row.period, org_code=row.org_code,
                                  level=row.level, role="staff", conn=conn)
        windows = asked_windows(ws, result, asked)
        changed = 0
        for fid, raw in values.items():
            if fid not in asked:
                if fid in {c.id for c in result.columns}:
                    raise WorkflowError(f"字段 {fid} 由系统预填，不能手工修改；如有误请用 task flag 纠错",
                                        f"field {fid} is pre-filled by a system and cannot be typed over; flag it instead",
                                        where(field=fid))
                raise WorkflowError(f"任务 {task_id} 没有字段 {fid}", f"task {task_id} has no field {fid}", where(field=fid))
            value = check_value(asked[fid], raw, ws.catalog, cell=(cells or {}).get(fid))
            changed += store.put(conn, org_code=row.org_code, element=asked[fid].element, window=windows[fid] or "*",
                                 value=value, status="draft", actor=actor, task_id=row.id, reason=reason)
        new_version = _bump(conn, row, version) if changed else row.version
        spec_rules = list(getattr(result.spec, "rules", []) or [])
    return {"task": task_id, "changed": changed, "version": new_version, "rules": spec_rules}


def submit(ws: Workspace, task_id: int, *, actor: str, version: int | None = None) -> dict[str, Any]:
    with ws.engine.begin() as conn:
        row = get(conn, task_id)
        _stale(row, version)
        if row.status not in ("draft", "returned"):
            raise WorkflowError(f"任务 {task_id} 当前为{_zh(row.status)}，不能提交", f"task {task_id} is {row.status}",
                                where(key=str(task_id)))
        fields, result = task_fields(ws, conn, report_id=row.report_id, period=row.period, org_code=row.org_code,
                                     level=row.level, role="staff", task_id=row.id)
        empty = [f.label for f in fields if f.origin == "asked" and f.value is None]
        if empty:
            raise WorkflowError(f"还有 {len(empty)} 个字段未填：{'、'.join(empty[:8])}",
                                f"{len(empty)} fields are not filled yet: {', '.join(empty[:8])}", where(key=str(task_id)))
        values = {f.id: f.value for f in fields}
        broken = check_rules(list(getattr(result.spec, "rules", []) or []), values, {f.id: f.label for f in fields})
        if broken:
            raise WorkflowError("；".join(b["zh"] for b in broken), "; ".join(b["en"] for b in broken),
                                where(field=broken[0]["field"]))
        origins = {f.id: ("typed" if f.origin == "typed" else f.origin) for f in fields}
        v = _bump(conn, row, version, status="submitted", submitted_at=datetime.now(UTC), fields=origins)
        store.set_status(conn, row.id, "submitted", actor=actor)
        conn.execute(sa.insert(task_reviews).values(task_id=row.id, action="submit", actor=actor, comment=None,
                                                    field_comments={}, created_at=datetime.now(UTC)))
        record(conn, Event(action="task.submit", actor=actor, object=f"task:{row.id}",
                           detail={"report": row.report_id, "period": row.period, "org": row.org_code,
                                   "typed": sum(o == "typed" for o in origins.values()),
                                   "reused": sum(o == "reused" for o in origins.values())}))
    return {"task": task_id, "status": "submitted", "version": v}


def stage(status: str, level: str, org_code: str, tree: Any) -> str | None:
    """Who acts next on a task: `township` for a submission of a unit with a township above it, `department`
    (the publishing one) for what a township passed on (`reviewed`) or a township's own submission; None when
    nobody has to."""
    if status == "reviewed":
        return "department"
    if status != "submitted":
        return None
    try:
        above = level != "township" and any(u.level == "township" for u in tree.ancestors(org_code))
    except CatalogError:  # a unit no longer in the tree: nobody below the department can review it
        above = False
    return "township" if above else "department"


LEVEL_NAMES = {"township": ("乡镇初审", "the township's review"), "department": ("部门终审", "the department's final review")}


def decide(ws: Workspace, task_id: int, verdict: str, *, actor: str, version: int | None = None,
           comment: str | None = None, field_comments: dict[str, str] | None = None,
           levels: tuple[str, ...] = ("township", "department")) -> dict[str, Any]:
    """approve or return (with comments) at the level the task waits for, if it is one of `levels` (the
    acting user's). The township's approval passes it to the publishing department (`reviewed`, its answers
    stay submitted); only the department's approval makes them the unit's approved answers that reach reports.
    A return at either level sends the task back to its unit."""
    if verdict not in ("approve", "return"):
        raise WorkflowError("审核结论应为 approve 或 return", "the verdict is approve or return")
    if verdict == "return" and not (comment or field_comments):
        raise WorkflowError("退回时请说明原因（--comment 或逐字段意见）", "say why it is returned (--comment or per field)",
                            where(field="comment"))
    tree = ws.org_tree()
    with ws.engine.begin() as conn:
        row = get(conn, task_id)
        _stale(row, version)
        level = stage(row.status, row.level, row.org_code, tree)
        if level is None:
            raise WorkflowError(f"任务 {task_id} 当前为{_zh(row.status)}，只能审核已提交的任务",
                                f"task {task_id} is {row.status}; only submitted tasks are reviewed", where(key=str(task_id)))
        if level not in levels:
            zh, en = LEVEL_NAMES[level]
            raise WorkflowError(f"任务 {task_id} 正等待{zh}，不在你的审核层级", f"task {task_id} awaits {en}, not yours",
                                where(key=str(task_id)), details={"awaiting": level})
        final = level == "department"
        status = "returned" if verdict == "return" else ("approved" if final else "reviewed")
        v = _bump(conn, row, version, status=status, decided_at=datetime.now(UTC))
        if verdict == "return":
            store.set_status(conn, row.id, "draft", actor=actor)
        elif final:
            store.set_status(conn, row.id, "approved", actor=actor)
        # the township's pass is `review`, the department's `approve`: the history says which level decided
        action = "return" if verdict == "return" else ("approve" if final else "review")
        conn.execute(sa.insert(task_reviews).values(task_id=row.id, action=action, actor=actor, comment=comment,
                                                    field_comments=field_comments or {}, created_at=datetime.now(UTC)))
        record(conn, Event(action="task.approve" if verdict == "approve" else "task.reject", actor=actor,
                           object=f"task:{row.id}", detail={"report": row.report_id, "period": row.period,
                                                            "org": row.org_code, "level": level, "status": status,
                                                            "fields": sorted(field_comments or {})}))
    return {"task": task_id, "status": status, "version": v, "level": level}
