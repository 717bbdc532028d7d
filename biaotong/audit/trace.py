"""Trace a report cell: its lineage (expression, SQL, snapshots, rows) joined with the ledger entries that
recorded each snapshot's sync and the report spec, each with an inclusion proof under a signed tree head; for
a value the grassroots gave, the approved answers behind it and who gave them."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy import Connection

from biaotong.ledger.keys import ensure_keys
from biaotong.ledger.log import head, prove
from biaotong.ledger.tables import ledger_entries
from biaotong.onetable.windows import window, window_of
from biaotong.reports.lineage import explain

if TYPE_CHECKING:
    from biaotong.workspace import Workspace


def _entries(conn: Connection, action: str, obj: str) -> list[tuple[int, dict[str, Any]]]:
    rows = conn.execute(
        sa.select(ledger_entries.c.seq, ledger_entries.c.event)
        .where(ledger_entries.c.action == action, ledger_entries.c.object == obj)
        .order_by(ledger_entries.c.seq)
    ).all()
    return [(int(seq), json.loads(text)) for seq, text in rows]


def _with_proof(conn: Connection, seq: int, event: dict[str, Any]) -> dict[str, Any]:
    return {"seq": seq, "event": event, "proof": prove(conn, seq).to_json()}


def _snapshots(info: dict[str, Any]) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for s in info.get("snapshots") or []:
        seen.setdefault(s["id"], s)
    for sub in info.get("inputs") or []:
        for s in _snapshots(sub):
            seen.setdefault(s["id"], s)
    return list(seen.values())


MAX_ANSWERS = 1000  # a county cell reads one answer per village; more is listed by `task` history, not here


def _nodes(info: dict[str, Any]) -> list[dict[str, Any]]:
    """The lineage node and the nodes it is computed from (a ratio's, a change's inputs)."""
    return [info, *(n for sub in info.get("inputs") or [] for n in _nodes(sub))]


def _collected_answers(ws: Workspace, conn: Connection, info: dict[str, Any]) -> tuple[list[dict[str, Any]], bool]:
    """The approved answers a cell read from the collection sources (every window of it): per unit and
    element, the newest approved version of the element's window for the node's period, with who gave it.
    Its `task.fill` ledger entry is the object `answer:<unit>/<element>/<window>`."""
    from biaotong.reports.period import Period
    from biaotong.tasks.tables import answers

    out: list[dict[str, Any]] = []
    for node in _nodes(info):
        held = {window_of(s["source"]) for s in node.get("snapshots") or []} - {None}
        villages = node.get("villages") or []
        if not held or not villages or not node.get("period"):
            continue
        per = Period.parse(node["period"])
        wanted: dict[str, str] = {}
        for qualified in node.get("elements") or []:
            entity, _, code = qualified.partition(".")
            if ws.catalog.has_element(entity, code):
                win = window(ws.catalog.element(entity, code).validity, per.code, per.end)
                if win in held:
                    wanted[qualified] = win
        if not wanted:
            continue
        rows = conn.execute(
            sa.select(answers.c.org_code, answers.c.element, answers.c.window, answers.c.value, answers.c.version,
                      answers.c.actor, answers.c.created_at, answers.c.task_id)
            .where(answers.c.status == "approved", answers.c.element.in_(list(wanted)),
                   answers.c.window.in_(sorted(set(wanted.values()))), answers.c.org_code.in_(villages))
            .order_by(answers.c.id)
        ).all()
        newest: dict[tuple[str, str], Any] = {}
        for r in rows:
            if wanted.get(r.element) == r.window:
                newest[(r.org_code, r.element)] = r  # the collection reads the newest approved version
        for (org, element), r in sorted(newest.items()):
            out.append({
                "period": per.code, "org_code": org, "element": element, "window": r.window, "value": r.value,
                "version": r.version, "given_by": r.actor, "at": r.created_at.isoformat() if r.created_at else None,
                "task": r.task_id, "ledger_object": f"answer:{org}/{element}/{r.window}",
            })
    return out[:MAX_ANSWERS], len(out) > MAX_ANSWERS


def trace(
    ws: Workspace, report_id: str, period: str, org_code: str, field: str, *, role: str | None = None,
    actor: str = "cli",
) -> dict[str, Any]:
    """The cell's lineage plus, for every snapshot behind it, the `source.sync` entry that recorded its
    SHA-256, and the `report.register` entries of the spec, each with an inclusion proof."""
    info = explain(ws, report_id, period, org_code, field, role=role, actor=actor, purpose="trace")
    signer = ensure_keys(ws.home)
    with ws.engine.begin() as conn:
        signed = head(conn, signer)  # a head covering everything traced, so each proof checks against it
        sources = []
        for snap in _snapshots(info):
            syncs = [
                (seq, ev) for seq, ev in _entries(conn, "source.sync", f"source:{snap['source']}")
                if ev.get("hashes", {}).get("snapshot_sha256") == snap["sha256"]
            ]
            sources.append({
                "snapshot": snap,
                "sync_entry": _with_proof(conn, *syncs[-1]) if syncs else None,
                "verified": bool(syncs),
            })
        spec_entries = [_with_proof(conn, seq, ev) for seq, ev in _entries(conn, "report.register", f"report:{report_id}")]
        collected, truncated = _collected_answers(ws, conn, info)
    return {
        "report": report_id, "period": info.get("period"), "org_code": org_code, "field": field,
        "value": info.get("value"), "lineage": info, "sources": sources, "spec_entries": spec_entries,
        "collected_answers": collected, "collected_answers_truncated": truncated,
        "head": signed.to_json(),
        "all_snapshots_in_ledger": all(s["verified"] for s in sources),
    }
