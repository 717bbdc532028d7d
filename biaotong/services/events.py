"""Life events and subscriptions for the acting user: events in their org subtree (IDs masked without
clearance, clear reads recorded), a department subscribing to event types in its jurisdiction, and the
records those subscriptions produced."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from biaotong.auth.actor import Actor, in_scope, require_role, require_scope
from biaotong.errors import AccessDenied, WorkflowError, where
from biaotong.events.diff import EVENT_TYPES
from biaotong.events.tables import event_records, event_subscriptions, life_events
from biaotong.ledger.events import Event
from biaotong.ledger.log import record

if TYPE_CHECKING:
    from biaotong.workspace import Workspace

TYPE_ZH = {"born": "出生", "died": "死亡", "moved_in": "迁入", "moved_out": "迁出", "changed_village": "变更村（社区）",
           "turned_60": "年满60周岁", "turned_65": "年满65周岁", "turned_80": "年满80周岁", "turned_90": "年满90周岁",
           "turned_100": "年满100周岁", "entered_programme": "纳入项目", "left_programme": "退出项目",
           "appeared": "新增", "disappeared": "注销"}


def _check_types(types: list[str]) -> list[str]:
    bad = [t for t in types if t not in EVENT_TYPES]
    if bad or not types:
        raise WorkflowError(f"未知的事件类型：{'、'.join(bad) or '（空）'}（可用：{'、'.join(EVENT_TYPES)}）",
                            f"unknown event types: {', '.join(bad) or '(none)'} (use {', '.join(EVENT_TYPES)})",
                            where(field="type"))
    return types


def _mask_key(ws: Workspace, actor: Actor, entity: str) -> Any:
    from biaotong.reports.mask import masker, must_mask

    el = ws.catalog.element(entity, ws.catalog.entity(entity).key)
    return masker(el) if must_mask(el, actor.clearance) else None


def list_events(
    ws: Workspace, actor: Actor, *, since: date, types: list[str] | None = None, org: str | None = None,
    limit: int = 1000,
) -> dict[str, Any]:
    from biaotong.reports.record import record_personal_read

    if limit < 0:
        raise WorkflowError("--limit 不能为负数", "--limit cannot be negative", where(field="limit"))
    tree = ws.org_tree()
    if org:
        require_scope(actor, tree, org)
    q = sa.select(life_events).where(life_events.c.detected_at >= datetime.combine(since, datetime.min.time(), UTC))
    if types:
        q = q.where(life_events.c.type.in_(_check_types(types)))
    with ws.engine.connect() as conn:
        rows = conn.execute(q.order_by(life_events.c.id)).all()
    root = org or actor.org_code
    probe = Actor(actor.username, actor.roles, root)
    rows = [r for r in rows if root is None or (r.org_code and in_scope(probe, tree, r.org_code))]
    counts: dict[str, int] = {}
    for r in rows:
        counts[r.type] = counts.get(r.type, 0) + 1
    shown = rows[:limit]
    maskers: dict[str, Any] = {}
    out = []
    for r in shown:
        if r.entity not in maskers:
            maskers[r.entity] = _mask_key(ws, actor, r.entity)
        m = maskers[r.entity]
        out.append({"id": r.id, "type": r.type, "type_zh": TYPE_ZH.get(r.type, r.type), "entity": r.entity,
                    "key": m(r.key) if m else r.key, "org_code": r.org_code,
                    "org_name": tree.name_of(r.org_code) if r.org_code else None, "source": r.source,
                    "occurred_on": r.occurred_on, "detail": r.detail, "detected_at": r.detected_at})
    clear = [e for e, m in maskers.items() if m is None]
    if clear and out:
        record_personal_read(ws, "events", role=actor.clearance, rows=len(out),
                             elements=[f"{e}.{ws.catalog.entity(e).key}" for e in clear], actor=actor.ledger_actor,
                             purpose="events.list")
    return {"since": since, "counts": counts, "events": out}


def subscribe(
    ws: Workspace, actor: Actor, *, department: str, types: list[str], org: str | None = None,
    action: str = "notify", title: str = "",
) -> dict[str, Any]:
    """A department subscribes to event types in its jurisdiction (its designer, or the data administration)."""
    dept = ws.catalog.department(department).id
    require_role(actor, "designer", "data_admin")
    if actor.has_role("designer") and not actor.has_role("data_admin") and actor.department != dept:
        raise AccessDenied(f"只能为本部门（{actor.department}）订阅", f"you may subscribe for {actor.department} only",
                           where(field="department"))
    if action not in ("notify", "task"):
        raise WorkflowError("--action 应为 notify 或 task", "--action is notify or task", where(field="action"))
    tree = ws.org_tree()
    org = org or actor.org_code
    if org:
        require_scope(actor, tree, org)
    now = datetime.now(UTC)
    with ws.engine.begin() as conn:
        sid = conn.execute(sa.insert(event_subscriptions).values(
            department=dept, types=_check_types(types), org_code=org, action=action,
            title=(title or "、".join(TYPE_ZH.get(t, t) for t in types))[:200], active=True,
            created_by=actor.username, created_at=now)).inserted_primary_key[0]
        record(conn, Event(action="events.subscribe", actor=actor.ledger_actor, object=f"subscription:{sid}",
                           detail={"department": dept, "types": types, "org": org, "action": action}))
    return {"id": int(sid), "department": dept, "types": types, "org": org, "action": action}


def records(ws: Workspace, actor: Actor, *, department: str | None = None, limit: int = 1000) -> list[dict[str, Any]]:
    """The records subscriptions produced: a designer's own department's, or any for the data administration."""
    dept = ws.catalog.department(department).id if department else actor.department
    if not actor.has_role("data_admin", "auditor", "sysadmin") and (not dept or dept != actor.department):
        raise AccessDenied("只能查看本部门的事件记录", "you may read your own department's records only",
                           where(field="department"))
    q = sa.select(event_records).order_by(event_records.c.id)
    if dept:
        q = q.where(event_records.c.department == dept)
    tree = ws.org_tree()
    with ws.engine.connect() as conn:
        rows = [r for r in conn.execute(q) if actor.org_code is None
                or (r.org_code and in_scope(actor, tree, r.org_code))][:limit]
    mask = _mask_key(ws, actor, "resident")
    out = []
    for r in rows:
        content = dict(r.content)
        if mask and content.get("key"):
            content["key"] = mask(content["key"])
            content["values"] = {k: v for k, v in (content.get("values") or {}).items() if not k.endswith("id_number")}
        out.append({"id": r.id, "subscription": r.subscription_id, "event": r.event_id, "department": r.department,
                    "action": r.action, "org_code": r.org_code, "status": r.status, "content": content,
                    "created_at": r.created_at})
    return out


def redetect(ws: Workspace, actor: Actor, source: str) -> dict[str, Any]:
    """Diff a source's current snapshot against its previous one now (syncs do this by themselves)."""
    from biaotong.events.detect import detect
    from biaotong.lake.snapshots import latest_snapshot

    require_role(actor, "data_admin", "sysadmin")
    with ws.engine.connect() as conn:
        snap = latest_snapshot(conn, source)
    if snap is None:
        raise WorkflowError(f"数据源 {source} 还没有快照", f"source {source} has no snapshot yet", where(key=source))
    return detect(ws, source, snap.id, actor.ledger_actor)
