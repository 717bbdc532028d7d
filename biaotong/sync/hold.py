"""No silent data loss: a sync whose row count falls by more than a declared share, or to zero, is held back.

The held snapshot is kept, complete and hashed, in a hidden folder `LAKE/<source>/.held-<stamp>/` with its
description in `held.json`; it has no index row, so the previous snapshot stays current for every reader.
`source sync NAME --accept-drop` makes the newest held snapshot current. The ledger records both: the hold
(`source.sync_held`) and the acceptance (a `source.sync` entry whose detail says `accepted_drop`).
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from biaotong.errors import SyncError, where
from biaotong.lake.snapshots import Snapshot, snapshot_as_of
from biaotong.ledger.events import Event
from biaotong.ledger.keys import ensure_keys
from biaotong.ledger.log import head, record
from biaotong.store.schema import snapshots, sync_runs

if TYPE_CHECKING:
    from biaotong.sync.registry import SourceInfo
    from biaotong.workspace import Workspace

HELD_PREFIX = ".held-"
HELD_FILE = "held.json"
HOLD_ACTION = "source.sync_held"


class SyncHeld(SyncError):
    """A sync lost too many rows; its snapshot is held back until accepted."""


def max_drop(ws: Workspace, info: SourceInfo) -> float:
    """The share of rows a sync may lose: the source's own `sync.max_drop` if declared, else the setting."""
    declared = getattr(info.spec.sync, "max_drop", None)
    return float(declared if declared is not None else ws.setting("sync_max_drop"))


def is_drop(previous: Snapshot | None, snap: Snapshot, share: float) -> bool:
    if previous is None or previous.row_count == 0:
        return False
    return snap.row_count == 0 or snap.row_count < previous.row_count * (1.0 - share)


def hold(
    ws: Workspace, info: SourceInfo, snap: Snapshot, previous: Snapshot, *, run_id: int, actor: str, rows_read: int,
    share: float,
) -> SyncHeld:
    """Move the finished snapshot aside, record the hold, and return the error the caller raises."""
    final = ws.lake_dir / snap.path
    held = final.parent / f"{HELD_PREFIX}{final.name}"
    os.replace(final, held)
    data = {**asdict(snap), "taken_at": snap.taken_at.isoformat(), "previous": previous.id, "rows_read": rows_read}
    (held / HELD_FILE).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    zh = (f"数据源 {info.name} 本次同步只有 {snap.row_count} 行，上次 {previous.row_count} 行（下降超过 {share:.0%}），"
          f"新快照已暂存、未启用，上一个快照保持有效；确认无误后运行 biaotong source sync {info.name} --accept-drop")
    en = (f"source {info.name} synced {snap.row_count} rows against {previous.row_count} last time (a fall of more "
          f"than {share:.0%}); the new snapshot is held back and the previous one stays current; if this is right, "
          f"run biaotong source sync {info.name} --accept-drop")
    with ws.engine.begin() as conn:
        conn.execute(sa.update(sync_runs).where(sync_runs.c.id == run_id).values(
            status="held", finished_at=datetime.now(UTC), snapshot_id=snap.id, error=en,
        ))
        record(conn, Event(
            action=HOLD_ACTION, actor=actor, object=f"source:{info.name}",
            hashes={"snapshot_sha256": snap.sha256, "spec_sha256": info.spec_sha256},
            detail={"snapshot": snap.id, "rows": snap.row_count, "previous": previous.id,
                    "previous_rows": previous.row_count, "max_drop": share},
        ))
        head(conn, ensure_keys(ws.home))
    return SyncHeld(zh, en, where(key=info.name),
                    details={"held": snap.id, "rows": snap.row_count, "previous_rows": previous.row_count})


def held_folders(ws: Workspace, source: str) -> list[Path]:
    folder = ws.lake_dir / source
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.name.startswith(HELD_PREFIX) and (p / HELD_FILE).is_file())


def accept_held(ws: Workspace, info: SourceInfo, *, actor: str) -> Snapshot | None:
    """Make the newest held snapshot of a source current (the others are discarded); None if none is held."""
    folders = held_folders(ws, info.name)
    if not folders:
        return None
    newest = folders[-1]
    data: dict[str, Any] = json.loads((newest / HELD_FILE).read_text(encoding="utf-8"))
    previous_id = data.pop("previous", None)
    rows_read = data.pop("rows_read", None)
    data["taken_at"] = datetime.fromisoformat(data["taken_at"])
    snap = Snapshot(**data)
    os.replace(newest, ws.lake_dir / snap.path)
    try:
        with ws.engine.begin() as conn:
            current = snapshot_as_of(conn, info.name)
            conn.execute(sa.insert(snapshots).values(
                id=snap.id, source=snap.source, taken_at=snap.taken_at, mode=snap.mode, row_count=snap.row_count,
                reject_count=snap.reject_count, sha256=snap.sha256, columns=snap.columns, path=snap.path,
                watermark=snap.watermark, reject_summary=snap.reject_summary,
            ))
            record(conn, Event(
                action="source.sync", actor=actor, object=f"source:{info.name}",
                hashes={"snapshot_sha256": snap.sha256, "spec_sha256": info.spec_sha256},
                detail={"snapshot": snap.id, "mode": snap.mode, "rows_read": rows_read, "rows": snap.row_count,
                        "rejects": snap.reject_count, "previous": current.id if current else previous_id,
                        "accepted_drop": True},
            ))
            head(conn, ensure_keys(ws.home))
    except BaseException:
        os.replace(ws.lake_dir / snap.path, newest)  # still held; nothing changed
        raise
    (ws.lake_dir / snap.path / HELD_FILE).unlink()
    for older in folders[:-1]:
        shutil.rmtree(older, ignore_errors=True)
    return snap
