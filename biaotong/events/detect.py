"""Detecting the events of a new snapshot (against the source's previous one), storing them, and fanning each
out to the subscriptions that want it: one pre-filled record per subscribing department, in one transaction
with the ledger entry that names the events' hash."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import sqlalchemy as sa

from biaotong.engines.duckdb import connect, ident, literal
from biaotong.events.diff import diff
from biaotong.events.tables import event_records, event_subscriptions, life_events
from biaotong.ledger.events import Event
from biaotong.ledger.log import record
from biaotong.store.schema import snapshots, sources

if TYPE_CHECKING:
    from biaotong.catalog.orgtree import OrgTree
    from biaotong.lake.snapshots import Snapshot
    from biaotong.workspace import Workspace


def _previous(conn: Any, snap: Snapshot) -> Snapshot | None:
    from biaotong.lake.snapshots import Snapshot as Snap

    row = conn.execute(sa.select(snapshots).where(snapshots.c.source == snap.source,
                                                  snapshots.c.taken_at < snap.taken_at)
                       .order_by(snapshots.c.taken_at.desc()).limit(1)).first()
    return Snap.from_row(row) if row is not None else None


def detect(ws: Workspace, source: str, snapshot_id: str, actor: str) -> dict[str, Any]:
    """The events of `snapshot_id` against the source's previous snapshot (none for a first sync)."""
    from biaotong.lake.snapshots import Snapshot as Snap
    from biaotong.lake.verify import check_snapshot

    catalog = ws.catalog
    with ws.engine.connect() as conn:
        done = conn.execute(sa.select(sa.func.count()).select_from(life_events)
                            .where(life_events.c.snapshot_id == snapshot_id)).scalar()
        row = conn.execute(sa.select(snapshots).where(snapshots.c.id == snapshot_id)).first()
        src = conn.execute(sa.select(sources.c.entity, sources.c.department).where(sources.c.name == source)).first()
        if row is None or src is None or done:
            return {"source": source, "events": 0}
        snap = Snap.from_row(row)
        prev = _previous(conn, snap)
        if prev is None:
            return {"source": source, "events": 0, "baseline": True}
        new_file = check_snapshot(conn, ws.lake_dir, snap)
        prev_file = check_snapshot(conn, ws.lake_dir, prev)
    ent = catalog.entity(src.entity)
    register = ent.registered_by is None or ent.registered_by == src.department
    con = connect(ws)
    try:
        found = diff(con, prev_file, new_file, key=ent.key, register=register, entity=ent.id,
                     prev_cols={c["name"] for c in prev.columns}, new_cols={c["name"] for c in snap.columns},
                     prev_taken=prev.taken_at.date(), new_taken=snap.taken_at.date())
    finally:
        con.close()
    return store(ws, found, entity=ent.id, source=source, snap=snap, prev=prev, actor=actor)


def store(ws: Workspace, found: pa.Table, *, entity: str, source: str, snap: Snapshot, prev: Snapshot,
          actor: str) -> dict[str, Any]:
    now = datetime.now(UTC)
    rows = [{"type": r["type"], "entity": entity, "key": r["key"], "org_code": r["org_code"], "source": source,
             "snapshot_id": snap.id, "previous_snapshot_id": prev.id, "occurred_on": r["occurred_on"],
             "detail": json.loads(r["detail"] or "{}"), "detected_at": now} for r in found.to_pylist()]
    tree = ws.org_tree()
    digest = hashlib.sha256("\n".join(sorted(f"{r['type']}|{r['key']}" for r in rows)).encode()).hexdigest()
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["type"]] = counts.get(r["type"], 0) + 1
    with ws.engine.connect() as conn:
        subscribed = conn.execute(sa.select(sa.func.count()).select_from(event_subscriptions)
                                  .where(event_subscriptions.c.active.is_(True))).scalar()
    # Read before the write transaction: building the one table writes to the store itself.
    facts = _facts(ws, entity, sorted({r["key"] for r in rows})) if rows and subscribed else {}
    with ws.engine.begin() as conn:
        if rows:
            conn.execute(sa.insert(life_events), rows)
        stored = conn.execute(sa.select(life_events).where(life_events.c.snapshot_id == snap.id)).all()
        made = _fan_out(ws, conn, tree, stored, entity, now, facts)
        record(conn, Event(action="events.detect", actor=actor, object=f"source:{source}",
                           hashes={"events_sha256": digest},
                           detail={"snapshot": snap.id, "previous": prev.id, "events": counts, "records": made}))
    return {"source": source, "events": len(rows), "by_type": counts, "records": made}


def _fan_out(ws: Workspace, conn: Any, tree: OrgTree, events: list[Any], entity: str, now: datetime,
             facts: dict[str, dict[str, Any]]) -> int:
    """One record per (subscription, event) in its jurisdiction, pre-filled from the one table with the
    elements the subscribing department owns."""
    from biaotong.auth.actor import Actor, in_scope

    subs = [s for s in conn.execute(sa.select(event_subscriptions).where(event_subscriptions.c.active.is_(True)))]
    if not subs or not events:
        return 0
    wanted = [(s, [e for e in events if e.type in (s.types or []) and (
        s.org_code is None or (e.org_code and in_scope(Actor("_", frozenset(), s.org_code), tree, e.org_code)))])
        for s in subs]
    out = []
    for sub, evs in wanted:
        own = {el.code for el in ws.catalog.elements_of(entity) if el.source_department == sub.department}
        for e in evs:
            person = facts.get(e.key, {})
            content = {"event": e.type, "key": e.key, "org_code": e.org_code,
                       "occurred_on": e.occurred_on.isoformat() if e.occurred_on else None, "detail": e.detail,
                       "name": person.get("name"),
                       "values": {c: person[c] for c in sorted(own) if person.get(c) is not None}}
            out.append({"subscription_id": sub.id, "event_id": e.id, "department": sub.department,
                        "action": sub.action, "org_code": e.org_code, "content": content, "status": "open",
                        "created_at": now})
    if out:
        conn.execute(sa.insert(event_records), out)
    return len(out)


def _plain(v: Any) -> Any:
    if hasattr(v, "isoformat"):
        return v.isoformat()
    if isinstance(v, Decimal):
        return float(v)
    return v


def _facts(ws: Workspace, entity: str, keys: list[str]) -> dict[str, dict[str, Any]]:
    """The one table's current row of each key (JSON-ready values)."""
    from biaotong.onetable import build_entity

    merged = build_entity(ws, entity)
    if merged.path is None:
        return {}
    key = ws.catalog.entity(entity).key
    con = connect(ws)
    try:
        con.execute("CREATE TEMP TABLE wanted (k VARCHAR)")
        con.executemany("INSERT INTO wanted VALUES (?)", [[k] for k in keys])
        rel = con.sql(f"SELECT * FROM read_parquet({literal(str(merged.path))}) t "
                      f"WHERE CAST(t.{ident(key)} AS VARCHAR) IN (SELECT k FROM wanted)")
        cols = [c for c in rel.columns if not c.startswith("_")]
        out = {}
        for row in rel.select(*[ident(c) for c in cols]).fetchall():
            rec = dict(zip(cols, row, strict=True))
            out[str(rec[key])] = {c: _plain(v) for c, v in rec.items()}
        return out
    finally:
        con.close()
