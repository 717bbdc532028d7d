"""Lake operations for an acting user: garbage collection (data administrators only)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from biaotong.auth.actor import Actor, require_role

if TYPE_CHECKING:
    from biaotong.workspace import Workspace


def gc(
    actor: Actor, ws: Workspace, *, keep: int | None = None, keep_days: float | None = None, dry_run: bool = False
) -> dict[str, Any]:
    """Remove old snapshots (their hashes stay in the ledger), stale staging folders and orphans."""
    from biaotong.lake.gc import collect

    require_role(actor, "data_admin")
    return collect(ws, keep=keep, keep_days=keep_days, dry_run=dry_run, actor=actor.ledger_actor).to_json()
