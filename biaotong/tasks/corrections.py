"""Corrections (纠错): a worker flags a pre-filled value as wrong; the flag goes to the department that owns
the data (一数一源) as a request, open → accepted / rejected (with an answer) → fixed, which is detected by
itself when a new snapshot of the owning source changes the value for that unit and period."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from biaotong.errors import WorkflowError, where
from biaotong.ledger.events import Event
from biaotong.ledger.log import record
from biaotong.tasks.entitykey import entity_key, entity_secret
from biaotong.tasks.tables import corrections

if TYPE_CHECKING:
    from biaotong.workspace import Workspace


def field_owners(ws: Workspace, report_id: str, field: str, period: Any) -> tuple[str, list[str]]:
    """The authoritative department of the field's elements, and the sources holding them."""
    from biaotong.expr import compile_fields
    from biaotong.onetable import build_entity
    from biaotong.onetable.windows import is_collection_source
    from biaotong.reports.context import get_spec, workspace_library
    from biaotong.reports.resolve import DEFAULT_ENTITY, resolve

    res = resolve(get_spec(ws, report_id), workspace_library(ws))
    f = res.fields.get(field)
    if f is None or f.kind not in ("aggregate",):
        raise WorkflowError(f"字段 {field} 不是由系统统计的数，不能纠错", f"field {field} is not a system count; nothing to correct",
                            where(field=field))
    entity = f.entity or DEFAULT_ENTITY
    q = compile_fields({field: f}, entity, ws.catalog, period.start, period.end, report_id=report_id)
    elements = [e for e in q.fields[field].elements if "." in e]
    sources: set[str] = set()
    depts: list[str] = []
    for qualified in elements:
        ent, _, code = qualified.partition(".")
        try:
            # a correction goes to a department's system, never to the grassroots' own answers
            sources.update(s for s in build_entity(ws, ent).element_sources.get(code, []) if not is_collection_source(s))
            depts.append(ws.catalog.element(ent, code).source_department)
        except Exception:
            continue
    # the element that qualifies the count (低保, 残疾) speaks for the department, not the key or the place
    plain = {"org_code", "id_number", "birth_date", "sex", "name"}
    owner = next((ws.catalog.element(*q.split(".", 1)).source_department for q in elements
                  if q.split(".", 1)[1] not in plain), depts[0] if depts else "public_security")
    return owner, sorted(sources)


def flag(
    ws: Workspace, task: Any, *, field: str, reason: str, value_seen: Any, actor: str, evidence: str | None = None,
    keys: list[str] | None = None,
) -> dict[str, Any]:
    from biaotong.reports.period import Period

    text = (reason or "").strip()
    if not text:
        raise WorkflowError("纠错须说明理由（--reason）", "a correction needs a reason (--reason)", where(field="reason"))
    owner, sources = field_owners(ws, task.report_id, field, Period.parse(task.period))
    now = datetime.now(UTC)
    with ws.engine.begin() as conn:
        cid = conn.execute(sa.insert(corrections).values(
            task_id=task.id, report_id=task.report_id, field=field, org_code=task.org_code, period=task.period,
            value_seen=value_seen, reason=text[:2000], evidence=(evidence or "")[:4000] or None,
            keys=[str(k)[:40] for k in (keys or [])][:200], sources=sources, department=owner, status="open",
            created_by=actor, created_at=now)).inserted_primary_key[0]
        record(conn, Event(action="task.correct", actor=actor, object=f"correction:{cid}",
                           detail={"task": task.id, "field": field, "department": owner, "sources": sources,
                                   "keys": len(keys or [])}))
    return {"id": int(cid), "department": owner, "sources": sources, "status": "open"}


# ---- a person's value in a roster task ---------------------------------------------------------------------


def person_owner(ws: Workspace, entity: str, column: str) -> tuple[str, list[str]]:
    """The department owning a roster column's element and the department systems holding it; a column
    only the grassroots collection holds has nobody to correct it (it is a unit's own answer)."""
    from biaotong.onetable import build_entity
    from biaotong.onetable.windows import is_collection_source

    el = ws.catalog.element(entity, column)
    sources = sorted(s for s in build_entity(ws, entity).element_sources.get(column, []) if not is_collection_source(s))
    if el.collected or el.source_department == "grassroots" or not sources:
        raise WorkflowError(f"列 {column}（{el.name}）由基层填报，不是部门系统的数据，直接修改即可",
                            f"column {column} ({el.name}) is collected by the grassroots, not a department's: change it",
                            where(field=column))
    return el.source_department, sources


def flag_person(ws: Workspace, task: Any, *, key: str, column: str, reason: str, actor: str,
                evidence: str | None = None) -> dict[str, Any]:
    """One person's system value in a roster task is wrong: a correction to the department owning the
    column's element (never the grassroots collection), pointing at the person by the hashed key (`keys`
    holds the full hash, never the ID number). The value seen is kept as `seen_value` gives it: no clear
    personal value is stored."""
    from biaotong.tasks import roster as rt

    text = (reason or "").strip()
    if not text:
        raise WorkflowError("纠错须说明理由（--reason）", "a correction needs a reason (--reason)", where(field="reason"))
    ask = rt.roster_ask(ws, task.report_id)
    assert ask is not None
    if column in ask.fields:
        raise WorkflowError(f"列 {column} 是本单位逐人填写的，直接修改即可", f"column {column} is your own answer: change it",
                            where(field=column))
    # read clear (recorded as a personal read) only to fingerprint the value: the store keeps it masked
    rows = rt.roster_rows(ws, ask, task.period, task.org_code, "cleared", actor=actor, purpose="task.correct")
    if column not in {c.id for c in rows.result.columns}:
        raise WorkflowError(f"任务 {task.id} 的花名册没有列 {column}", f"the roster of task {task.id} has no column {column}",
                            where(field=column))
    found = rt.resolve_key(key, rows.keys)
    if found is None:
        raise WorkflowError(f"行键 {str(key)[:16]} 不是本任务花名册中的人员（可能已不在册）",
                            f"row key {str(key)[:16]} is not a person of this task's roster", where(key=str(key)[:16]))
    at = rows.keys.index(found)
    owner, sources = person_owner(ws, ask.entity, column)
    now = datetime.now(UTC)
    seen = seen_value(ws, ask.entity, column, rows.result.records[at].get(column))
    with ws.engine.begin() as conn:
        cid = conn.execute(sa.insert(corrections).values(
            task_id=task.id, report_id=task.report_id, field=column, org_code=task.org_code, period=task.period,
            value_seen=seen, reason=text[:2000], evidence=(evidence or "")[:4000] or None, keys=[found],
            sources=sources, department=owner, status="open", created_by=actor, created_at=now)).inserted_primary_key[0]
        record(conn, Event(action="task.correct", actor=actor, object=f"correction:{cid}",
                           detail={"task": task.id, "field": column, "department": owner, "sources": sources,
                                   "keys": 1, "row": at + 1, "key": found[:16]}))
    return {"id": int(cid), "department": owner, "sources": sources, "status": "open", "row": at + 1,
            "name": rows.names[at], "value_seen": seen}


def seen_value(ws: Workspace, entity: str, column: str, value: Any) -> Any:
    """A person's value as a correction keeps it: in clear when anyone may read it (public clearance), else
    {masked, digest}, the digest an HMAC under the workspace's entity secret, so a later snapshot's change
    is detected without the store holding the value."""
    from biaotong.reports.mask import mask_value, must_mask

    if value is not None and not isinstance(value, int | float | str | bool):
        value = str(value)
    el = ws.catalog.element(entity, column)
    if value is None or not must_mask(el, "public"):
        return value
    digest = entity_key(entity_secret(ws.keys_dir), "correction", f"{entity}.{column}={value}")
    return {"masked": mask_value(el, value), "digest": digest}


def shown(value: Any) -> Any:
    """What a correction's value reads as for people: the masked form of a fingerprinted value."""
    return value.get("masked") if isinstance(value, dict) else value


def _person_now(ws: Workspace, ask: Any, r: Any, read: dict[tuple[str, str, str], Any]) -> tuple[bool, Any]:
    """(still on the roster, the person's value now, read as the correction saw it) for a roster correction;
    `read` keeps each (report, period, unit) roster read once for every correction of one sync round."""
    from biaotong.tasks import roster as rt

    at = (r.report_id, r.period, r.org_code)
    if at not in read:
        read[at] = rt.roster_rows(ws, ask, r.period, r.org_code, "cleared", actor="system", purpose="task.correct")
    rows = read[at]
    key = (r.keys or [None])[0]
    if key not in rows.keys:
        return False, None
    return True, seen_value(ws, ask.entity, r.field, rows.result.records[rows.keys.index(key)].get(r.field))


def decide(ws: Workspace, cid: int, verdict: str, answer: str, *, actor: str, department: str | None,
           admin: bool) -> dict[str, Any]:
    if verdict not in ("accept", "reject"):
        raise WorkflowError("结论应为 accept 或 reject", "the verdict is accept or reject")
    if not (answer or "").strip():
        raise WorkflowError("请给出答复（--answer）", "give an answer (--answer)", where(field="answer"))
    if not 0 < cid < 2**63:
        raise WorkflowError(f"没有纠错 {cid}", f"no correction {cid}", where(key=str(cid)))
    with ws.engine.begin() as conn:
        row = conn.execute(sa.select(corrections).where(corrections.c.id == cid)).first()
        if row is None:
            raise WorkflowError(f"没有纠错 {cid}", f"no correction {cid}", where(key=str(cid)))
        if not admin and department != row.department:
            from biaotong.errors import AccessDenied

            raise AccessDenied(f"纠错 {cid} 由 {row.department} 处理", f"correction {cid} is {row.department}'s to answer",
                               where(key=str(cid)))
        if row.status not in ("open", "accepted"):
            raise WorkflowError(f"纠错 {cid} 已是 {row.status}", f"correction {cid} is already {row.status}", where(key=str(cid)))
        status = "accepted" if verdict == "accept" else "rejected"
        conn.execute(sa.update(corrections).where(corrections.c.id == cid).values(
            status=status, answer=answer.strip()[:2000], closed_at=datetime.now(UTC) if status == "rejected" else None))
        record(conn, Event(action="task.correct_answer", actor=actor, object=f"correction:{cid}",
                           detail={"status": status}))
    return {"id": cid, "status": status}


def after_sync(ws: Workspace, synced: list[tuple[str, str]], actor: str) -> dict[str, Any]:
    """The `biaotong.after_sync` hook: an open or accepted correction whose source was just synced is fixed
    when the value for its unit and period has changed."""
    from biaotong.tasks.prefill import generated

    names = {s for s, _ in synced}
    with ws.engine.connect() as conn:
        rows = [r for r in conn.execute(sa.select(corrections).where(corrections.c.status.in_(("open", "accepted"))))
                if names & set(r.sources or [])]
    fixed = []
    from biaotong.tasks import roster as rt
    from biaotong.tasks.tables import tasks

    asks: dict[str, Any] = {}
    read: dict[tuple[str, str, str], Any] = {}
    for r in rows:
        gone = False
        if r.report_id not in asks:
            asks[r.report_id] = rt.roster_ask(ws, r.report_id)
        if asks[r.report_id] is not None:  # one person's value (flag_person)
            present, now_value = _person_now(ws, asks[r.report_id], r, read)
            gone = not present
        else:
            with ws.engine.connect() as conn:
                level = conn.execute(sa.select(tasks.c.level).where(tasks.c.id == r.task_id)).scalar() or "village"
            result = generated(ws, r.report_id, r.period, r.org_code, level, "public")
            now_value = (result.items and {i["id"]: i["value"] for i in result.items}.get(r.field)) if result.items else (
                result.rows[0].values.get(r.field) if result.rows else None)
        if gone or now_value != r.value_seen:
            change = ("该人员已不在花名册中" if gone else "个人信息已变更（不显示）" if isinstance(now_value, dict)
                      else f"{shown(r.value_seen)} → {now_value}")
            with ws.engine.begin() as conn:
                conn.execute(sa.update(corrections).where(corrections.c.id == r.id).values(
                    status="fixed", closed_at=datetime.now(UTC),
                    answer=((r.answer + "；") if r.answer else "") + f"由 {'、'.join(sorted(names & set(r.sources)))} "
                           f"的新快照更正：{change}"))
                record(conn, Event(action="task.correct_fixed", actor=actor, object=f"correction:{r.id}",
                                   detail={"sources": sorted(names & set(r.sources))}))
            fixed.append(r.id)
    return {"fixed": fixed}
