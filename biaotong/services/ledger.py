"""Ledger operations for an acting user: sign and read the head, prove an entry, check consistency, verify
the whole log, and trace a report cell to its sources.

The head and consistency proofs hold no data (hashes and a signature): anyone may read them, so an outside
witness can (`WITNESS`, the web's /api/ledger endpoints). Proofs of entries and verification are for auditors,
data administrators and system administrators; a trace obeys the same scope, department, masking and
disclosure rules as `report explain`, and its clear drill-down rows are recorded as `personal.read`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from biaotong.auth.actor import Actor, require_role
from biaotong.reports import cache
from biaotong.services.access import count_fields
from biaotong.services.reports import admit, control_explain

if TYPE_CHECKING:
    from biaotong.ledger.verify import VerifyReport
    from biaotong.workspace import Workspace

AUDITORS = ("auditor", "data_admin", "sysadmin")
TRACERS = ("auditor", "data_admin", "designer")
# An outside party reading what the log publishes: no role, no scope, nothing personal.
WITNESS = Actor("witness", frozenset(), None, None, "public", "见证人")


def sign_head(actor: Actor, ws: Workspace) -> dict[str, Any]:
    """Sign and keep a head for the current tree (the latest one if nothing was appended since)."""
    from biaotong.ledger import head
    from biaotong.ledger.keys import ensure_keys

    with ws.engine.begin() as conn:
        return head(conn, ensure_keys(ws.home)).to_json()


def head_document(actor: Actor, ws: Workspace) -> dict[str, Any]:
    """What the log publishes for witnesses: the newest signed head (signed now if none) and the public key."""
    from biaotong.ledger.keys import load_verifier
    from biaotong.ledger.log import latest_head
    from biaotong.ledger.witness import head_document as document

    with ws.engine.connect() as conn:
        missing = latest_head(conn) is None
    if missing:
        sign_head(actor, ws)
    with ws.engine.connect() as conn:
        return document(conn, load_verifier(ws.home))


def consistency(actor: Actor, ws: Workspace, old: int, new: int | None = None) -> dict[str, Any]:
    from biaotong.ledger import consistency as prove_consistency

    with ws.engine.connect() as conn:
        return prove_consistency(conn, old, new).to_json()


def prove(actor: Actor, ws: Workspace, entry: int, size: int | None = None) -> dict[str, Any]:
    """Inclusion proof of an entry (its event included), anchored in a signed head."""
    from biaotong.ledger import head, latest_head
    from biaotong.ledger import prove as prove_entry
    from biaotong.ledger.keys import ensure_keys

    require_role(actor, *AUDITORS)
    with ws.engine.begin() as conn:
        if size is None and latest_head(conn, covering=entry) is None:
            head(conn, ensure_keys(ws.home))  # sign a head that covers the entry, so the proof is anchored
        return prove_entry(conn, entry, size).to_json()


def verify(actor: Actor, ws: Workspace, older_head: str | None = None, *, full_lake: bool = False) -> VerifyReport:
    """The log and the lake against it (fast: index rows and sizes; `full_lake`: every file hashed)."""
    from biaotong.ledger.keys import load_verifier
    from biaotong.ledger.verify import verify as verify_log

    require_role(actor, *AUDITORS)
    with ws.engine.connect() as conn:
        return verify_log(conn, load_verifier(ws.home), older_head, lake_dir=ws.lake_dir, full_lake=full_lake)


def trace(actor: Actor, ws: Workspace, report_id: str, period: str, org: str, field_id: str) -> dict[str, Any]:
    """A cell's lineage joined with the ledger entries of its snapshots and spec, each with a proof."""
    from biaotong.audit import trace as trace_cell

    require_role(actor, *TRACERS)
    spec = cache.spec(ws, report_id)
    _, res = admit(actor, ws, spec, period, org)
    result = trace_cell(ws, spec.id, period, org, field_id, role=actor.clearance, actor=actor.ledger_actor)
    control_explain(actor, ws, result["lineage"], count_fields(res) if res else set())
    result["value"] = result["lineage"].get("value")
    return result
