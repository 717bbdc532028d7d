"""A sync that read exactly what the current snapshot holds writes no new snapshot: the lake keeps one copy,
reports keep their cache, and the ledger records the check (`source.sync_unchanged`, with the hash compared)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa

from biaotong.lake.snapshots import Snapshot
from biaotong.lake.writer import remove_snapshot_dir
from biaotong.ledger.events import Event
from biaotong.ledger.keys import ensure_keys
from biaotong.ledger.log import head, record
from biaotong.store.schema import sync_runs

if TYPE_CHECKING:
    from biaotong.sync.registry import SourceInfo
    from biaotong.workspace import Workspace

UNCHANGED_ACTION = "source.sync_unchanged"


def is_unchanged(previous: Snapshot | None, snap: Snapshot) -> bool:
    return previous is not None and previous.sha256 == snap.sha256


def keep_previous(
    ws: Workspace, info: SourceInfo, snap: Snapshot, previous: Snapshot, *, run_id: int, actor: str, rows_read: int
) -> Snapshot:
    """Drop the freshly written (identical) snapshot folder; record the run and the check; the previous
    snapshot stays current."""
    remove_snapshot_dir(ws.lake_dir, snap)
    with ws.engine.begin() as conn:
        conn.execute(sa.update(sync_runs).where(sync_runs.c.id == run_id).values(
            status="unchanged", finished_at=datetime.now(UTC), snapshot_id=previous.id,
        ))
        record(conn, Event(
            action=UNCHANGED_ACTION, actor=actor, object=f"source:{info.name}",
            hashes={"snapshot_sha256": previous.sha256, "spec_sha256": info.spec_sha256},
            detail={"snapshot": previous.id, "rows_read": rows_read, "rows": previous.row_count,
                    "rejects_this_sync": snap.reject_count},
        ))
        head(conn, ensure_keys(ws.home))  # a signed head after every sync, as for a new snapshot
    return previous
