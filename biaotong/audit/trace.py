"""Trace a report cell: its lineage (expression, SQL, snapshots, rows) joined with the ledger entries that
recorded each snapshot's sync and the report spec, each with an inclusion proof under a signed tree head."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy import Connection

from biaotong.ledger.keys import ensure_keys
from biaotong.ledger.log import head, prove
from biaotong.ledger.tables import ledger_entries
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
    return {
        "report": report_id, "period": info.get("period"), "org_code": org_code, "field": field,
        "value": info.get("value"), "lineage": info, "sources": sources, "spec_entries": spec_entries,
        "collected_answers": [],  # grassroots collection arrives with the tasks work; nothing is collected yet
        "head": signed.to_json(),
        "all_snapshots_in_ledger": all(s["verified"] for s in sources),
    }
