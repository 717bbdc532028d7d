"""Tasks for the acting user: a department publishes a report for a period to its units; a village (or its
township, for its villages) fills and submits; the township reviews; the owning department answers
corrections; every unit downloads its own data back. Scope (org subtree), role and masking are decided here."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from biaotong.auth.actor import Actor, in_scope, require_role, require_scope
from biaotong.errors import AccessDenied, CatalogError, WorkflowError, where
from biaotong.ledger.events import Event
from biaotong.ledger.log import record
from biaotong.store.db import reads
from biaotong.store.schema import report_specs
from biaotong.tasks import corrections as corr
from biaotong.tasks import roster as rt
from biaotong.tasks import workflow as wf
from biaotong.tasks.tables import corrections, tasks

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from biaotong.catalog.orgtree import OrgTree
    from biaotong.workspace import Workspace

FILLERS = ("grassroots", "township")
REVIEWERS = ("township", "designer", "data_admin")


def _department(ws: Workspace, report_id: str, conn: Connection | None = None) -> str | None:
    if conn is None:
        with ws.engine.connect() as c:
            return _department(ws, report_id, c)
    return conn.execute(sa.select(report_specs.c.department).where(report_specs.c.id == report_id)).scalar()


def _task(ws: Workspace, actor: Actor, task_id: int) -> Any:
    return _task_and_tree(ws, actor, task_id)[0]


def _task_and_tree(ws: Workspace, actor: Actor, task_id: int, *,
                   flags: bool = False) -> tuple[Any, OrgTree, list[Any]]:
    """The task if the user may see it, the org tree that decided it and (`flags`) the corrections raised in
    it, read over one connection: on PostgreSQL each checkout is round trips of its own (BEGIN, ROLLBACK)."""
    from biaotong.reports import cache

    designer_only = actor.has_role("designer") and not actor.has_role("data_admin", "township", "grassroots")
    with reads(ws.engine) as conn:
        row = wf.get(conn, task_id)
        tree = cache.org_tree(ws, conn)
        department = _department(ws, row.report_id, conn) if designer_only else None
        raised = list(conn.execute(sa.select(corrections).where(corrections.c.task_id == task_id)
                                   .order_by(corrections.c.id))) if flags else []
    if designer_only and department != actor.department:
        raise AccessDenied(f"任务 {task_id} 不属于本部门的报表", f"task {task_id} is not of your department's report",
                               where(key=str(task_id)))
    if not in_scope(actor, tree, row.org_code):
        raise AccessDenied(f"任务 {task_id}（{row.org_code}）不在你的管辖范围内", f"task {task_id} is outside your scope",
                           where(key=str(task_id)))
    return row, tree, raised


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
    from biaotong.reports import cache

    c = tasks.c  # the list's own columns: not the JSON of each submission's field origins
    q = sa.select(c.id, c.report_id, c.period, c.org_code, c.level, c.status, c.version, c.due) \
        .order_by(c.report_id, c.period, c.org_code)
    if report:
        q = q.where(c.report_id == report)
    if period:
        q = q.where(c.period == period)
    if status:
        q = q.where(c.status == status)
    designer_only = actor.has_role("designer") and not actor.has_role("data_admin", "township", "grassroots", "sysadmin",
                                                                      "auditor")
    with reads(ws.engine) as conn:  # one checkout: the tree, the tasks and (for a designer) the departments
        tree = cache.org_tree(ws, conn)
        if (units := _scope_codes(actor, tree)) is not None:  # cut to the scope before the query runs
            q = q.where(c.org_code.in_(sorted(units)))
        rows = conn.execute(q).all()
        depts = dict(conn.execute(sa.select(report_specs.c.id, report_specs.c.department)).all()) \
            if designer_only else {}
    today = date.today()
    return [{"id": r.id, "report": r.report_id, "period": r.period, "org_code": r.org_code, "level": r.level,
             "org_name": tree.name_of(r.org_code), "status": r.status, "version": r.version, "due": r.due,
             "overdue": r.due is not None and r.status in ("draft", "returned") and today > r.due}
            for r in rows if in_scope(actor, tree, r.org_code)
            and (not designer_only or depts.get(r.report_id) == actor.department)]


_SCOPE_IN_MAX = 1000  # a wider scope (a county of a province's tree and up) is cut after the query instead


def _scope_codes(actor: Actor, tree: OrgTree) -> set[str] | None:
    """Every code `in_scope` admits for the user (their unit and what lies under it today), or None for no
    cut: a user over the whole tree, or a scope too wide for an IN list. The rows are still checked one by one."""
    if actor.org_code is None:
        return None
    try:
        units = {u.code for u in tree.descendants(actor.org_code, include_self=True)}
    except CatalogError:  # their unit is gone from today's tree: only its own code is in scope
        return {actor.org_code}
    return units if len(units) <= _SCOPE_IN_MAX else None


def show(ws: Workspace, actor: Actor, task_id: int) -> dict[str, Any]:
    return _show(ws, actor, task_id)[0]


def _show(ws: Workspace, actor: Actor, task_id: int, *,
          flags: bool = False) -> tuple[dict[str, Any], OrgTree, tuple[str, ...], list[Any]]:
    """The task, the org tree that scoped it, the review levels the user acts at on it (none while it awaits
    nobody's review) and (`flags`) the corrections raised in it that the user may see."""
    row, tree, raised = _task_and_tree(ws, actor, task_id, flags=flags)
    raised = [r for r in raised if _sees_correction(actor, tree, r)]
    if (ask := rt.roster_ask(ws, row.report_id)) is not None:  # one row per person (biaotong.tasks.roster)
        levels = review_levels(ws, actor, row.report_id)
        view = rt.view(ws, ask, row, role=actor.clearance, actor=actor.ledger_actor,
                       opening=actor.has_role("grassroots", "township"), levels=levels)
        return view, tree, levels if view.get("awaiting") is not None else (), raised
    view = wf.view(ws, task_id, role=actor.clearance, actor=actor.ledger_actor,
                   opening=actor.has_role("grassroots", "township"), row=row, tree=tree)
    levels = review_levels(ws, actor, view["report"]) if view["awaiting"] is not None else ()
    if view["awaiting"] in levels:
        view["compare"] = compare_answers(ws, view, tree)  # what changed and what is unusual, for the reviewer only
    return view, tree, levels, raised


def form(ws: Workspace, actor: Actor, task_id: int) -> dict[str, Any]:
    """What the task page shows: the task (as `show`), the review levels the user acts at on it (none while
    it awaits nobody), the open or accepted corrections raised on its fields that the user may see, and the
    unit whose units are the reviewer's peers (the parent, or the unit itself at the top; None for a unit no
    longer in the tree). One org tree and a few statements for the page, however many fields the task asks."""
    view, tree, levels, raised = _show(ws, actor, task_id, flags=True)
    try:
        peers: str | None = tree.get(view["org_code"]).parent or view["org_code"]
    except CatalogError:  # a unit merged away
        peers = None
    flags = {r.field: _correction(r) for r in raised if r.status in ("open", "accepted")}
    return {"task": view, "levels": levels, "flags": flags, "peers": peers}


def review_levels(ws: Workspace, actor: Actor, report_id: str) -> tuple[str, ...]:
    """The review levels the user acts at: a township account reviews its units' submissions, the publishing
    department's designers give the final approval, the data administration may act at either."""
    if actor.has_role("data_admin"):
        return ("township", "department")
    levels = ("township",) if actor.has_role("township") else ()
    if actor.has_role("designer") and actor.department and _department(ws, report_id) == actor.department:
        levels += ("department",)
    return levels


def compare_answers(ws: Workspace, view: dict[str, Any], tree: OrgTree | None = None) -> dict[str, dict[str, Any]]:
    """Per answered field: the unit's previous approved answer and the out-of-range flags (own history, and
    the units under the same parent as peers)."""
    from biaotong.tasks.compare import compare

    tree = tree or ws.org_tree()
    try:
        parent = tree.get(view["org_code"]).parent
    except CatalogError:  # a unit merged away: no peers to compare with
        parent = None
    peers = [u.code for u in tree.children(parent)] if parent else []
    with ws.engine.connect() as conn:
        return compare(conn, task_id=view["id"], org_code=view["org_code"], peers=peers, fields=view["fields"])


def review_queue(ws: Workspace, actor: Actor) -> list[dict[str, Any]]:
    """The submissions waiting for the user's level (never the user's own unit's, unless data administration)."""
    require_role(actor, *REVIEWERS)
    tree = ws.org_tree()
    out = []
    for t in list_tasks(ws, actor):
        if t["status"] not in ("submitted", "reviewed"):
            continue
        if t["org_code"] == actor.org_code and not actor.has_role("data_admin"):
            continue
        level = wf.stage(t["status"], t["level"], t["org_code"], tree)
        if level in review_levels(ws, actor, t["report"]):
            out.append({**t, "awaiting": level})
    return out


def fill(ws: Workspace, actor: Actor, task_id: int, values: dict[str, Any], *, version: int | None = None,
         reason: str | None = None) -> dict[str, Any]:
    require_role(actor, *FILLERS)
    row = _task(ws, actor, task_id)
    if (ask := rt.roster_ask(ws, row.report_id)) is not None:
        return rt.fill(ws, ask, task_id, values, actor=actor.ledger_actor, version=version, reason=reason)
    return wf.fill(ws, task_id, values, actor=actor.ledger_actor, version=version, reason=reason)


def submit(ws: Workspace, actor: Actor, task_id: int, *, version: int | None = None) -> dict[str, Any]:
    require_role(actor, *FILLERS)
    row = _task(ws, actor, task_id)
    if (ask := rt.roster_ask(ws, row.report_id)) is not None:
        return rt.submit(ws, ask, task_id, actor=actor.ledger_actor, version=version)
    return wf.submit(ws, task_id, actor=actor.ledger_actor, version=version)


def review(ws: Workspace, actor: Actor, task_id: int, verdict: str, *, version: int | None = None,
           comment: str | None = None, field_comments: dict[str, str] | None = None) -> dict[str, Any]:
    """Approve or return a submission at its level: the township above the unit first, then the publishing
    department (or the data administration at either); only the department's approval reaches reports."""
    from biaotong.tasks.collection import refresh

    require_role(actor, *REVIEWERS)
    row = _task(ws, actor, task_id)
    if actor.org_code == row.org_code and not actor.has_role("data_admin"):
        raise AccessDenied("不能审核本单位自己的填报", "you may not review your own unit's submission", where(key=str(task_id)))
    levels = review_levels(ws, actor, row.report_id)
    if not levels:
        raise AccessDenied(f"任务 {task_id} 的报表不属于本部门，不能审核", f"task {task_id} is not of your department's report",
                           where(key=str(task_id)))
    out = wf.decide(ws, task_id, verdict, actor=actor.ledger_actor, version=version, comment=comment,
                    field_comments=field_comments, levels=levels)
    if out["status"] == "approved":
        out["collection"] = refresh(ws, actor.ledger_actor)
    return out


def download(ws: Workspace, actor: Actor, task_id: int, out: Path) -> dict[str, Any]:
    from biaotong.tasks.sheet import write_sheet

    view = show(ws, actor, task_id)
    write_sheet(view, out, ws=ws)  # the department's own form when the report was saved from one
    with ws.engine.begin() as conn:
        record(conn, Event(action="task.download", actor=actor.ledger_actor, object=f"task:{task_id}",
                           detail={"version": view["version"]}))
    return {"task": task_id, "file": str(out), "version": view["version"]}


def upload(ws: Workspace, actor: Actor, task_id: int, data: bytes, *, name: str = "upload.xlsx") -> dict[str, Any]:
    """The task's sheet filled offline: checked to be this task's, of this layout and version, then filled."""
    from biaotong.tasks.sheet import read_sheet

    require_role(actor, *FILLERS)
    view = show(ws, actor, task_id)
    if view.get("kind") == "roster":  # matched by each row's key (biaotong.tasks.roster_sheet)
        from biaotong.tasks.roster_sheet import upload as roster_upload

        return roster_upload(ws, view, data, actor=actor.ledger_actor, name=name)
    values, cells, version = read_sheet(data, view, name=name, ws=ws)
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
    if rt.roster_ask(ws, row.report_id) is not None:  # one person's value: the row's key, then the column
        if len(keys or []) != 1:
            raise WorkflowError("花名册任务的纠错须用 --key 指明一个人员（行键）",
                                "a roster task's correction names one person by their row key (--key)", where(field=field))
        return corr.flag_person(ws, row, key=(keys or [""])[0], column=field, reason=reason,
                                actor=actor.ledger_actor, evidence=evidence)
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
    related = _related_findings(ws)
    return [{**_correction(r),
             # the quality findings already naming the same unit in the same systems: one piece of work
             "related_findings": sorted(i for src in (r.sources or []) for i in related.get((r.org_code, src), []))}
            for r in rows if _sees_correction(actor, tree, r)]


def _sees_correction(actor: Actor, tree: OrgTree, r: Any) -> bool:
    if actor.has_role("data_admin", "auditor", "sysadmin"):
        return True
    if actor.has_role("designer") and r.department == actor.department:
        return True
    return bool(r.org_code and actor.has_role(*FILLERS) and in_scope(actor, tree, r.org_code))


def _correction(r: Any) -> dict[str, Any]:
    return {"id": r.id, "task": r.task_id, "report": r.report_id, "field": r.field, "org_code": r.org_code,
            "period": r.period, "value_seen": corr.shown(r.value_seen), "reason": r.reason, "keys": len(r.keys or []),
            "department": r.department, "sources": r.sources, "status": r.status, "answer": r.answer,
            "created_at": r.created_at, "closed_at": r.closed_at}


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
    """Completeness per area for the department: a count per status (draft, submitted, returned, reviewed,
    approved), then awaiting the township / the department (a township's own submission goes to the
    department directly), and overdue."""
    from biaotong.tasks.model import STATUSES

    items = list_tasks(ws, actor, report=report, period=period)
    tree = ws.org_tree()
    per: dict[str, dict[str, int]] = {}
    for t in items:
        parent = next((u.code for u in tree.ancestors(t["org_code"]) if u.level == "township"), t["org_code"])
        d = per.setdefault(parent, {**dict.fromkeys(STATUSES, 0), "awaiting_township": 0, "awaiting_department": 0,
                                    "overdue": 0})
        d[t["status"]] = d.get(t["status"], 0) + 1
        level = wf.stage(t["status"], t["level"], t["org_code"], tree)
        if level:
            d[f"awaiting_{level}"] += 1
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


def download_batch(ws: Workspace, actor: Actor, report_id: str, period: str, out: Path) -> dict[str, Any]:
    """A township's one sheet for its villages' open (draft or returned) tasks of a report and period."""
    from biaotong.tasks.batch import OPEN, write_batch

    require_role(actor, "township")
    if actor.org_code is None:
        raise AccessDenied("批量填报只供乡镇账号使用", "batch entry is for township accounts", where(key=report_id))
    mine = [t for t in list_tasks(ws, actor, report=report_id, period=period)
            if t["status"] in OPEN and t["org_code"] != actor.org_code]
    if not mine:
        raise WorkflowError(f"报表 {report_id}（{period}）在你的辖区内没有待填或退回的村级任务",
                            f"no draft or returned tasks of {report_id} ({period}) under your township",
                            where(key=report_id))
    views = [wf.view(ws, t["id"], role=actor.clearance, actor=actor.ledger_actor, opening=True) for t in mine]
    made = write_batch(ws, views, out, report_id=report_id, period=period,
                       filler=ws.org_tree().name_of(actor.org_code) or actor.org_code)
    with ws.engine.begin() as conn:
        record(conn, Event(action="task.download", actor=actor.ledger_actor, object=f"report:{report_id}/{period}",
                           detail={"batch": True, "tasks": {str(v["id"]): v["version"] for v in views}}))
    return {"report": report_id, "period": period, "file": str(out), **made,
            "units": [{"task": v["id"], "org_code": v["org_code"], "org_name": v["org_name"]} for v in views]}


def upload_batch(ws: Workspace, actor: Actor, data: bytes, *, name: str = "batch.xlsx") -> dict[str, Any]:
    """The township's batch sheet filled offline: every task checked to be in scope and unchanged, every cell
    checked; one bad cell refuses the whole upload with every error listed."""
    from biaotong.tasks.batch import read_batch, store_batch

    require_role(actor, "township")
    batch = read_batch(ws, data, name=name)
    if not batch["versions"]:
        raise WorkflowError(f"{name} 不含任何任务", f"{name} holds no task", where(file=name))
    rows = {tid: _task(ws, actor, tid) for tid in sorted(batch["versions"])}  # scope: the township's own villages
    for tid, row in rows.items():
        if row.report_id != batch["report"] or row.period != batch["period"]:
            raise WorkflowError(f"{name} 的任务 {tid} 不属于报表 {batch['report']}（{batch['period']}）",
                                f"task {tid} in {name} is not of {batch['report']} ({batch['period']})", where(file=name))
    return store_batch(ws, batch, rows, actor=actor.ledger_actor, name=name)
