"""One sync: read a source batch by batch, map it to the standard, write a snapshot, commit it with its
ledger entry. A failed or killed sync leaves the previous snapshot current and nothing half-written visible."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from biaotong.errors import BiaotongError, SyncError, where
from biaotong.i18n import msg
from biaotong.lake.snapshots import Snapshot
from biaotong.lake.writer import SnapshotWriter, remove_snapshot_dir
from biaotong.ledger.events import Event
from biaotong.ledger.keys import ensure_keys
from biaotong.ledger.log import head, record
from biaotong.sources.mapping import mapped_schema
from biaotong.sources.policies import duplicate_options
from biaotong.sources.preview import read_mapped
from biaotong.sources.watermark import decode_watermark, encode_watermark
from biaotong.store.schema import snapshots, sync_runs
from biaotong.sync.hold import SyncHeld, accept_held, hold, is_drop, max_drop
from biaotong.sync.hooks import run_after_sync
from biaotong.sync.registry import SourceInfo, current_snapshot, get_source, read_sources
from biaotong.sync.schedule_lock import exclusive
from biaotong.sync.unchanged import is_unchanged, keep_previous

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
    unchanged: bool = False  # the data hashed as the current snapshot's: no new snapshot was written
    after: dict[str, Any] = field(default_factory=dict)  # what the after-sync hooks said (quality, events)

    def to_json(self) -> dict[str, Any]:
        snap = self.snapshot
        return {
            "source": self.source, "ok": self.ok, "rows_read": self.rows_read, "seconds": round(self.seconds, 3),
            "error": self.error, "unchanged": self.unchanged, "after": self.after,
            "snapshot": None if snap is None else {
                "id": snap.id, "rows": snap.row_count, "rejects": snap.reject_count, "sha256": snap.sha256,
                "reject_summary": snap.reject_summary,
            },
        }


def sync_source(
    ws: Workspace, name: str, *, actor: str = "admin", progress: Progress | None = None, accept_drop: bool = False,
    hooks: bool = True,
) -> SyncResult:
    """With `accept_drop`, the newest snapshot held back for losing rows becomes current (or, if none is
    held, this sync may lose rows)."""
    info = get_source(ws, name)
    result: SyncResult | None = None
    if accept_drop:
        started = time.perf_counter()
        accepted = accept_held(ws, info, actor=actor)
        if accepted is not None:
            result = SyncResult(info.name, True, accepted, accepted.row_count, time.perf_counter() - started)
    if result is None:
        with exclusive(ws, info.name):  # never two runs of one source at once (scheduler or by hand)
            result = _sync(ws, info, actor=actor, progress=progress, accept_drop=accept_drop)
    if hooks and result.ok and result.snapshot is not None and not result.unchanged:
        result.after = run_after_sync(ws, [(result.source, result.snapshot.id)], actor)
    return result


def _sync(
    ws: Workspace, info: SourceInfo, *, actor: str, progress: Progress | None, accept_drop: bool = False
) -> SyncResult:
    spec = info.spec
    catalog = ws.catalog
    tree = ws.org_tree()
    started = time.perf_counter()
    with ws.engine.begin() as conn:
        run_id = conn.execute(
            sa.insert(sync_runs).values(source=info.name, started_at=datetime.now(UTC), status="running")
        ).inserted_primary_key[0]
        previous = current_snapshot(conn, info.name)  # of the current spec version
    incremental = spec.sync.mode == "incremental" and previous is not None
    watermark = previous.watermark if incremental and previous else None
    key = spec.key or catalog.entity(spec.entity).key
    writer = SnapshotWriter(ws.lake_dir, info.name, mapped_schema(spec, catalog), key, **duplicate_options(spec))
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
        if previous is not None and is_unchanged(previous, snap):
            kept = keep_previous(ws, info, snap, previous, run_id=run_id, actor=actor, rows_read=rows)
            return SyncResult(info.name, True, kept, rows, time.perf_counter() - started, unchanged=True)
        share = max_drop(ws, info)
        if not accept_drop and is_drop(previous, snap, share):
            assert previous is not None
            raise hold(ws, info, snap, previous, run_id=run_id, actor=actor, rows_read=rows, share=share)
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
            head(conn, ensure_keys(ws.home))  # a signed head after every sync: a verifier always has one
    except SyncHeld:
        raise  # the snapshot is kept aside and the run recorded as held
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
    infos, broken = read_sources(ws)
    results = [SyncResult(b.name, False, None, 0, 0.0, b.error.message) for b in broken]
    for info in infos:
        started = time.perf_counter()
        try:
            cb = (lambda n, _name=info.name: progress(_name, n)) if progress else None
            with exclusive(ws, info.name):
                results.append(_sync(ws, info, actor=actor, progress=cb))
        except BiaotongError as exc:
            results.append(SyncResult(info.name, False, None, 0, time.perf_counter() - started, exc.message))
        except Exception as exc:  # anything else (a dropped metadata-store connection…) stops this source only
            text = msg(f"同步失败（{type(exc).__name__}），其余数据源继续", f"sync failed ({type(exc).__name__}); the other sources go on")
            results.append(SyncResult(info.name, False, None, 0, time.perf_counter() - started, f"{text}: {str(exc)[:300]}"))
    # The hooks run once for the whole round (quality reads every source: once is enough).
    synced = [(r.source, r.snapshot.id) for r in results if r.ok and r.snapshot is not None and not r.unchanged]
    after = run_after_sync(ws, synced, actor)
    for r in results:
        if (r.source, r.snapshot.id if r.snapshot else None) in synced:
            r.after = after
    return results
