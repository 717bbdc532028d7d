"""Tasks for the acting user: a department publishes a report for a period to its units; a village (or its
township, for its villages) fills and submits; the township reviews; the owning department answers
corrections; every unit downloads its own data back. Scope (org subtree), role and masking are decided here."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from biaotong.auth.actor import Actor, in_scope, require_role, require_scope
from biaotong.errors import AccessDenied, WorkflowError, where
from biaotong.ledger.events import Event
from biaotong.ledger.log import record
from biaotong.store.schema import report_specs
from biaotong.tasks import corrections as corr
from biaotong.tasks import workflow as wf
from biaotong.tasks.tables import corrections, tasks

if TYPE_CHECKING:
    from biaotong.workspace import Workspace

FILLERS = ("grassroots", "township")
REVIEWERS = ("township", "designer", "data_admin")


def _department(ws: Workspace, report_id: str) -> str | None:
    with ws.engine.connect() as conn:
        return conn.execute(sa.select(report_specs.c.department).where(report_specs.c.id == report_id)).scalar()


def _task(ws: Workspace, actor: Actor, task_id: int) -> Any:
    with ws.engine.connect() as conn:
        row = wf.get(conn, task_id)
    tree = ws.org_tree()
    designer_only = actor.has_role("designer") and not actor.has_role("data_admin", "township", "grassroots")
    if designer_only and _department(ws, row.report_id) != actor.department:
        raise AccessDenied(f"任务 {task_id} 不属于本部门的报表", f"task {task_id} is not of your department's report",
                               where(key=str(task_id)))
    if not in_scope(actor, tree, row.org_code):
        raise AccessDenied(f"任务 {task_id}（{row.org_code}）不在你的管辖范围内", f"task {task_id} is outside your scope",
                           where(key=str(task_id)))
    return row


def publish(
    ws: Workspace, actor: Actor, report_id: str, *, period: str, to: str | None = None, level: str | None = None,
    due: date | None = None, basis: str | None = None, basis_ref: str | None = None,
) -> dict[str, Any]:
    """Publish an approved report for a period: it enters the inventory, and each unit of `level` in force
    under `to` at the period end gets its task (publishing again makes none twice)."""
    from biaotong.reports.context import get_spec
    from biaotong.reports.period import Period
    from biaotong.services.inventory import publish as list_it

    spec = get_spec(ws, report_id)
    per = Period.parse(period, spec.period_type)
    level = level or spec.level
    tree = ws.org_tree()
    root = to or actor.org_code
    if root is not None:
        try:
            tree.get(root, per.end)
        except Exception:
            raise WorkflowError(f"区划 {root} 在报告期末（{per.end}）不存在", f"org unit {root} does not exist at {per.end}",
                                where(key=root)) from None
    out = list_it(ws, actor, report_id, to=root, level=level, basis=basis, basis_ref=basis_ref)
    roots = [root] if root else [u.code for u in tree.roots(per.end)]
    units = sorted({u.code for r in roots for u in tree.descendants(r, level=level, on=per.end, include_self=True)})
    if not units:
        raise WorkflowError(f"{root or '全部区划'} 下没有 {level} 级单位", f"no {level} units under {root or 'the tree'}",
                            where(key=root or "to"))
    with ws.engine.begin() as conn:
        made = wf.create_tasks(ws, conn, report_id=report_id, period=str(per), units=units, level=level, due=due,
                               actor=actor.ledger_actor)
    return {**out, "period": str(per), "units": len(units), **made}


def list_tasks(ws: Workspace, actor: Actor, *, report: str | None = None, period: str | None = None,
               status: str | None = None) -> list[dict[str, Any]]:
    tree = ws.org_tree()
    q = sa.select(tasks).order_by(tasks.c.report_id, tasks.c.period, tasks.c.org_code)
    if report:
        q = q.where(tasks.c.report_id == report)
    if period:
        q = q.where(tasks.c.period == period)
    if status:
        q = q.where(tasks.c.status == status)
    with ws.engine.connect() as conn:
        rows = conn.execute(q).all()
        depts = dict(conn.execute(sa.select(report_specs.c.id, report_specs.c.department)).all())
    designer_only = actor.has_role("designer") and not actor.has_role("data_admin", "township", "grassroots", "sysadmin",
                                                                      "auditor")
    today = date.today()
    return [{"id": r.id, "report": r.report_id, "period": r.period, "org_code": r.org_code,
             "org_name": tree.name_of(r.org_code), "status": r.status, "version": r.version, "due": r.due,
             "overdue": r.due is not None and r.status in ("draft", "returned") and today > r.due}
            for r in rows if in_scope(actor, tree, r.org_code)
            and (not designer_only or depts.get(r.report_id) == actor.department)]


def show(ws: Workspace, actor: Actor, task_id: int) -> dict[str, Any]:
    _task(ws, actor, task_id)
    return wf.view(ws, task_id, role=actor.clearance, actor=actor.ledger_actor,
                   opening=actor.has_role("grassroots", "township"))


def fill(ws: Workspace, actor: Actor, task_id: int, values: dict[str, Any], *, version: int | None = None,
         reason: str | None = None) -> dict[str, Any]:
    require_role(actor, *FILLERS)
    _task(ws, actor, task_id)
    return wf.fill(ws, task_id, values, actor=actor.ledger_actor, version=version, reason=reason)


def submit(ws: Workspace, actor: Actor, task_id: int, *, version: int | None = None) -> dict[str, Any]:
    require_role(actor, *FILLERS)
    _task(ws, actor, task_id)
    return wf.submit(ws, task_id, actor=actor.ledger_actor, version=version)


def review(ws: Workspace, actor: Actor, task_id: int, verdict: str, *, version: int | None = None,
           comment: str | None = None, field_comments: dict[str, str] | None = None) -> dict[str, Any]:
    """Approve or return a submission (the township above, the owning department or the data administration)."""
    from biaotong.tasks.collection import refresh

    require_role(actor, *REVIEWERS)
    row = _task(ws, actor, task_id)
    if actor.org_code == row.org_code and not actor.has_role("data_admin"):
        raise AccessDenied("不能审核本单位自己的填报", "you may not review your own unit's submission", where(key=str(task_id)))
    out = wf.decide(ws, task_id, verdict, actor=actor.ledger_actor, version=version, comment=comment,
                    field_comments=field_comments)
    if out["status"] == "approved":
        out["collection"] = refresh(ws, actor.ledger_actor)
    return out


def download(ws: Workspace, actor: Actor, task_id: int, out: Path) -> dict[str, Any]:
    from biaotong.tasks.sheet import write_sheet

    view = show(ws, actor, task_id)
    write_sheet(view, out)
    with ws.engine.begin() as conn:
        record(conn, Event(action="task.download", actor=actor.ledger_actor, object=f"task:{task_id}",
                           detail={"version": view["version"]}))
    return {"task": task_id, "file": str(out), "version": view["version"]}


def upload(ws: Workspace, actor: Actor, task_id: int, data: bytes, *, name: str = "upload.xlsx") -> dict[str, Any]:
    """The task's sheet filled offline: checked to be this task's, of this layout and version, then filled."""
    from biaotong.tasks.sheet import read_sheet

    require_role(actor, *FILLERS)
    view = show(ws, actor, task_id)
    values, cells, version = read_sheet(data, view, name=name)
    if version != view["version"]:
        raise WorkflowError(f"{name} 下载于版本 {version}，任务已更新到版本 {view['version']}；请重新下载后再填",
                            f"{name} was downloaded at version {version}; the task is at {view['version']}: download again",
                            where(file=name))
    return wf.fill(ws, task_id, values, actor=actor.ledger_actor, version=version, cells=cells)


def flag(ws: Workspace, actor: Actor, task_id: int, field: str, reason: str, *, keys: list[str] | None = None,
         evidence: str | None = None) -> dict[str, Any]:
    """A pre-filled value is wrong: a correction request to the department whose system holds it."""
    require_role(actor, *FILLERS)
    row = _task(ws, actor, task_id)
    view = wf.view(ws, task_id, role=actor.clearance)
    f = next((x for x in view["fields"] if x["id"] == field), None)
    if f is None:
        raise WorkflowError(f"任务 {task_id} 没有字段 {field}", f"task {task_id} has no field {field}", where(field=field))
    if f["origin"] != "prefilled":
        raise WorkflowError(f"字段 {field} 是本单位填写的，直接修改即可", f"field {field} is your own answer: change it",
                            where(field=field))
    return corr.flag(ws, row, field=field, reason=reason, value_seen=f["value"], actor=actor.ledger_actor,
                     evidence=evidence, keys=keys)


def list_corrections(ws: Workspace, actor: Actor, *, status: str | None = None) -> list[dict[str, Any]]:
    tree = ws.org_tree()
    q = sa.select(corrections).order_by(corrections.c.id)
    if status:
        q = q.where(corrections.c.status == status)
    with ws.engine.connect() as conn:
        rows = conn.execute(q).all()
    admin = actor.has_role("data_admin", "auditor", "sysadmin")
    related = _related_findings(ws)
    out = []
    for r in rows:
        mine = actor.has_role("designer") and r.department == actor.department
        if not (admin or mine or (r.org_code and actor.has_role(*FILLERS) and in_scope(actor, tree, r.org_code))):
            continue
        out.append({"id": r.id, "task": r.task_id, "report": r.report_id, "field": r.field, "org_code": r.org_code,
                    "period": r.period, "value_seen": r.value_seen, "reason": r.reason, "keys": len(r.keys or []),
                    "department": r.department, "sources": r.sources, "status": r.status, "answer": r.answer,
                    "created_at": r.created_at, "closed_at": r.closed_at,
                    # the quality findings already naming the same unit in the same systems: one piece of work
                    "related_findings": sorted(i for src in (r.sources or []) for i in related.get((r.org_code, src), []))})
    return out


def _related_findings(ws: Workspace) -> dict[tuple[str, str], list[int]]:
    from biaotong.quality.tables import quality_findings

    with ws.engine.connect() as conn:
        rows = conn.execute(sa.select(quality_findings.c.id, quality_findings.c.org_code, quality_findings.c.source)
                            .where(quality_findings.c.status.in_(("open", "sent")),
                                   quality_findings.c.org_code.is_not(None))).all()
    out: dict[tuple[str, str], list[int]] = {}
    for fid, org, src in rows:
        out.setdefault((org, src), []).append(fid)
    return out


def answer_correction(ws: Workspace, actor: Actor, cid: int, verdict: str, answer: str) -> dict[str, Any]:
    require_role(actor, "designer", "data_admin")
    return corr.decide(ws, cid, verdict, answer, actor=actor.ledger_actor, department=actor.department,
                       admin=actor.has_role("data_admin"))


def progress(ws: Workspace, actor: Actor, report: str, period: str) -> dict[str, Any]:
    """Completeness per area for the department: draft, submitted, returned, approved, overdue."""
    items = list_tasks(ws, actor, report=report, period=period)
    tree = ws.org_tree()
    per: dict[str, dict[str, int]] = {}
    for t in items:
        parent = next((u.code for u in tree.ancestors(t["org_code"]) if u.level == "township"), t["org_code"])
        d = per.setdefault(parent, {"draft": 0, "submitted": 0, "returned": 0, "approved": 0, "overdue": 0})
        d[t["status"]] += 1
        d["overdue"] += int(t["overdue"])
    return {"report": report, "period": period, "tasks": len(items),
            "by_area": {code: {"name": tree.name_of(code), **d} for code, d in sorted(per.items())}}


def burden(ws: Workspace, actor: Actor, period: str, org: str | None = None) -> dict[str, Any]:
    from biaotong.tasks.burden import burden as compute

    tree = ws.org_tree()
    root = org or actor.org_code
    units: set[str] | None = None
    if root is not None:
        require_scope(actor, tree, root)
        units = {u.code for u in tree.descendants(root, include_self=True)}
    return compute(ws, period, units)


def databack(ws: Workspace, actor: Actor, out: Path, *, entity: str = "resident", org: str | None = None,
             on: date | None = None) -> dict[str, Any]:
    """A unit's own jurisdiction's base data, masked as the user's clearance requires; recorded."""
    from biaotong.tasks.databack import export

    tree = ws.org_tree()
    root = org or actor.org_code
    if root is None:
        raise WorkflowError("请用 --org 指明数据回流的区划", "name the unit with --org", where(field="org"))
    require_scope(actor, tree, root)
    day = on or date.today()
    units = [u.code for u in tree.descendants(root, level="village", on=day, include_self=True)]
    result = export(ws, entity=ws.catalog.entity(entity).id, units=units, clearance=actor.clearance, out=out, on=day)
    with ws.engine.begin() as conn:
        record(conn, Event(action="report.download", actor=actor.ledger_actor, object=f"databack:{root}/{entity}",
                           detail={"rows": result["rows"], "masked": result["masked"], "at": datetime.now(UTC).isoformat()}))
        if result["clear"] and result["rows"]:
            record(conn, Event(action="personal.read", actor=actor.ledger_actor, object=f"databack:{root}",
                               detail={"purpose": "task.databack", "rows": result["rows"],
                                       "elements": sorted(result["clear"])}))
    return result
