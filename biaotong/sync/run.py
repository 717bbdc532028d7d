"""One sync: read a source batch by batch, map it to the standard, write a snapshot, commit it with its
ledger entry. A failed or killed sync leaves the previous snapshot current and nothing half-written visible."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from biaotong.errors import BiaotongError, SyncError, where
from biaotong.lake.snapshots import Snapshot, snapshot_as_of
from biaotong.lake.writer import SnapshotWriter, remove_snapshot_dir
from biaotong.ledger.events import Event
from biaotong.ledger.log import record
from biaotong.sources.mapping import mapped_schema
from biaotong.sources.preview import read_mapped
from biaotong.sources.watermark import decode_watermark, encode_watermark
from biaotong.store.schema import snapshots, sync_runs
from biaotong.sync.registry import SourceInfo, get_source, list_sources

if TYPE_CHECKING:
    from biaotong.workspace import Workspace

Progress = Callable[[int], None]  # called with the number of rows read so far


@dataclass
class SyncResult:
    source: str
    ok: bool
    snapshot: Snapshot | None = None
    rows_read: int = 0
    seconds: float = 0.0
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        snap = self.snapshot
        return {
            "source": self.source, "ok": self.ok, "rows_read": self.rows_read, "seconds": round(self.seconds, 3),
            "error": self.error,
            "snapshot": None if snap is None else {
                "id": snap.id, "rows": snap.row_count, "rejects": snap.reject_count, "sha256": snap.sha256,
                "reject_summary": snap.reject_summary,
            },
        }


def sync_source(
    ws: Workspace, name: str, *, actor: str = "admin", progress: Progress | None = None
) -> SyncResult:
    info = get_source(ws, name)
    return _sync(ws, info, actor=actor, progress=progress)


def _sync(ws: Workspace, info: SourceInfo, *, actor: str, progress: Progress | None) -> SyncResult:
    spec = info.spec
    catalog = ws.catalog
    tree = ws.org_tree()
    started = time.perf_counter()
    with ws.engine.begin() as conn:
        run_id = conn.execute(
            sa.insert(sync_runs).values(source=info.name, started_at=datetime.now(UTC), status="running")
        ).inserted_primary_key[0]
        previous = snapshot_as_of(conn, info.name)
    incremental = spec.sync.mode == "incremental" and previous is not None
    watermark = previous.watermark if incremental and previous else None
    key = spec.key or catalog.entity(spec.entity).key
    writer = SnapshotWriter(ws.lake_dir, info.name, mapped_schema(spec, catalog), key)
    rows = 0
    snap: Snapshot | None = None
    try:
        mark = decode_watermark(watermark)
        for part in read_mapped(spec, catalog, tree, watermark=mark,
                                org_threshold=float(ws.setting("org_fuzzy_threshold")), read_ahead=2,
                                workers=max(1, min(4, os.cpu_count() or 1))):
            mark = part.watermark
            rows += part.raw_rows
            writer.write(part.mapped, part.rejects)
            if progress:
                progress(rows)
        watermark = encode_watermark(mark)
        snap = writer.finalize(previous=previous, mode="incremental" if incremental else "full", watermark=watermark)
        with ws.engine.begin() as conn:
            conn.execute(sa.insert(snapshots).values(
                id=snap.id, source=snap.source, taken_at=snap.taken_at, mode=snap.mode, row_count=snap.row_count,
                reject_count=snap.reject_count, sha256=snap.sha256, columns=snap.columns, path=snap.path,
                watermark=snap.watermark, reject_summary=snap.reject_summary,
            ))
            conn.execute(sa.update(sync_runs).where(sync_runs.c.id == run_id).values(
                status="ok", finished_at=datetime.now(UTC), snapshot_id=snap.id,
            ))
            record(conn, Event(
                action="source.sync", actor=actor, object=f"source:{info.name}",
                hashes={"snapshot_sha256": snap.sha256, "spec_sha256": info.spec_sha256},
                detail={"snapshot": snap.id, "mode": snap.mode, "rows_read": rows, "rows": snap.row_count,
                        "rejects": snap.reject_count, "previous": previous.id if previous else None},
            ))
    except BaseException as exc:
        writer.abort()
        if snap is not None:
            remove_snapshot_dir(ws.lake_dir, snap)
        message = exc.message if isinstance(exc, BiaotongError) else f"{type(exc).__name__}: {exc}"
        with ws.engine.begin() as conn:
            conn.execute(sa.update(sync_runs).where(sync_runs.c.id == run_id).values(
                status="failed", finished_at=datetime.now(UTC), error=message,
            ))
        if not isinstance(exc, Exception) or isinstance(exc, SyncError):
            raise
        zh, en = (exc.zh, exc.en) if isinstance(exc, BiaotongError) else (message, message)
        raise SyncError(
            f"同步数据源 {info.name} 失败，上一个快照保持有效：{zh}",
            f"sync of source {info.name} failed, the previous snapshot stays current: {en}",
            exc.where if isinstance(exc, BiaotongError) else where(key=info.name),
            details=exc.details if isinstance(exc, BiaotongError) else {},
        ) from exc
    return SyncResult(info.name, True, snap, rows, time.perf_counter() - started)


def sync_all(
    ws: Workspace, *, actor: str = "admin", progress: Callable[[str, int], None] | None = None
) -> list[SyncResult]:
    """Sync every source; one failing source is reported and does not stop the others."""
    results = []
    for info in list_sources(ws):
        started = time.perf_counter()
        try:
            cb = (lambda n, _name=info.name: progress(_name, n)) if progress else None
            results.append(_sync(ws, info, actor=actor, progress=cb))
        except BiaotongError as exc:
            results.append(SyncResult(info.name, False, None, 0, time.perf_counter() - started, exc.message))
    return results
