"""`lake gc`: remove what the lake no longer needs, keeping every removed snapshot's hash in the ledger.

Kept: per source, the newest `keep` snapshots and those taken in the last `keep_days` days (at least the
newest one, always: it is what reports read). Removed: older snapshots (their index row and folder), the
one-table caches built from them, staging folders a killed sync or build left behind (older than an hour,
so a running sync is never touched), and snapshot folders without an index row. Held-back snapshots
(`.held-*`, waiting for `--accept-drop`) are never touched. The ledger entry `lake.gc` lists each removed
snapshot with its SHA-256, so `ledger verify` and an auditor still know what was there.
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from biaotong.errors import WorkflowError, where
from biaotong.lake.snapshots import Snapshot, list_snapshots
from biaotong.ledger.events import Event
from biaotong.ledger.log import record
from biaotong.store.schema import snapshots

if TYPE_CHECKING:
    from biaotong.workspace import Workspace

STAGING_PREFIX = ".staging-"
HELD_PREFIX = ".held-"
STALE_SECONDS = 3600  # a staging folder younger than this may belong to a sync still running


@dataclass
class GcResult:
    removed: list[dict[str, Any]] = field(default_factory=list)  # {id, source, sha256, taken_at}
    kept: int = 0
    staging_removed: list[str] = field(default_factory=list)
    orphans_removed: list[str] = field(default_factory=list)
    caches_removed: list[str] = field(default_factory=list)
    bytes_freed: int = 0
    dry_run: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "removed": self.removed, "kept": self.kept, "staging_removed": self.staging_removed,
            "orphans_removed": self.orphans_removed, "caches_removed": self.caches_removed,
            "bytes_freed": self.bytes_freed, "dry_run": self.dry_run,
        }


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.exists() else 0


def to_remove(snaps: list[Snapshot], keep: int | None, keep_days: float | None, now: datetime) -> list[Snapshot]:
    """The snapshots of one source that neither rule keeps (never the newest). Pure, for tests."""
    if keep is None and keep_days is None:
        return []
    newest_first = sorted(snaps, key=lambda s: s.taken_at, reverse=True)
    cutoff = now - timedelta(days=keep_days) if keep_days is not None else None
    out = []
    for i, s in enumerate(newest_first):
        kept = i == 0 or (keep is not None and i < keep) or (cutoff is not None and s.taken_at >= cutoff)
        if not kept:
            out.append(s)
    return out


def collect(
    ws: Workspace, *, keep: int | None = None, keep_days: float | None = None, dry_run: bool = False,
    actor: str = "admin",
) -> GcResult:
    if keep is None and keep_days is None:
        raise WorkflowError("请给出 --keep N 或 --keep-days D", "give --keep N or --keep-days D", where(key="keep"))
    if (keep is not None and keep < 1) or (keep_days is not None and keep_days < 0):
        raise WorkflowError("--keep 至少为 1，--keep-days 不能为负", "--keep is at least 1; --keep-days is not negative",
                            where(key="keep"))
    now = datetime.now(UTC)
    result = GcResult(dry_run=dry_run)
    lake = ws.lake_dir
    with ws.engine.connect() as conn:
        every = list_snapshots(conn)
    by_source: dict[str, list[Snapshot]] = {}
    for s in every:
        by_source.setdefault(s.source, []).append(s)
    doomed = [s for snaps in by_source.values() for s in to_remove(snaps, keep, keep_days, now)]
    result.kept = len(every) - len(doomed)
    result.removed = [
        {"id": s.id, "source": s.source, "sha256": s.sha256, "taken_at": s.taken_at.isoformat(), "rows": s.row_count}
        for s in doomed
    ]
    doomed_ids = {s.id for s in doomed}
    indexed = {s.path for s in every}
    result.caches_removed = _caches_of(lake, doomed_ids)
    result.staging_removed, result.orphans_removed = _leftovers(lake, indexed)
    paths = [lake / s.path for s in doomed] + [lake / p for p in
                                               result.caches_removed + result.staging_removed + result.orphans_removed]
    result.bytes_freed = sum(_size(p) for p in paths)
    if dry_run:
        return result
    if doomed or result.staging_removed or result.orphans_removed or result.caches_removed:
        # Index rows and the ledger entry first, in one transaction: a crash after it leaves orphan folders,
        # which the next gc removes; never an index row pointing at a deleted folder.
        with ws.engine.begin() as conn:
            if doomed_ids:
                conn.execute(sa.delete(snapshots).where(snapshots.c.id.in_(sorted(doomed_ids))))
            record(conn, Event(
                action="lake.gc", actor=actor, object="lake",
                detail={"removed": [{"id": r["id"], "sha256": r["sha256"]} for r in result.removed],
                        "keep": keep, "keep_days": keep_days, "staging": len(result.staging_removed),
                        "orphans": len(result.orphans_removed), "caches": len(result.caches_removed),
                        "bytes_freed": result.bytes_freed},
            ))
        for p in paths:
            shutil.rmtree(p, ignore_errors=True)
    return result


def _caches_of(lake: Path, doomed: set[str]) -> list[str]:
    """One-table cache folders built from a removed snapshot (their manifest names it)."""
    out = []
    root = lake / "_onetable"
    if not doomed or not root.exists():
        return out
    for manifest in sorted(root.glob("*/*/manifest.json")):
        try:
            inputs = json.loads(manifest.read_text(encoding="utf-8")).get("inputs", {})
        except (OSError, ValueError):
            continue
        if doomed & set(inputs):
            out.append(str(manifest.parent.relative_to(lake)))
    return out


def _leftovers(lake: Path, indexed: set[str]) -> tuple[list[str], list[str]]:
    """Stale staging folders (syncs and one-table builds), and snapshot folders no index row points at."""
    staging, orphans = [], []
    if not lake.exists():
        return staging, orphans
    old = time.time() - STALE_SECONDS
    for parent in sorted(p for p in lake.iterdir() if p.is_dir() and not p.name.startswith(".")):
        groups = sorted(parent.iterdir()) if parent.name != "_onetable" else sorted(
            q for d in parent.iterdir() if d.is_dir() for q in d.iterdir())
        for d in groups:
            if not d.is_dir() or d.name.startswith(HELD_PREFIX):
                continue
            rel = str(d.relative_to(lake))
            if d.name.startswith(STAGING_PREFIX):
                if d.stat().st_mtime < old:
                    staging.append(rel)
            # A sync renames its folder a moment before committing its row: only old orphans are removed.
            elif (parent.name != "_onetable" and not d.name.startswith(".") and rel not in indexed
                  and d.stat().st_mtime < old):
                orphans.append(rel)
    return staging, orphans


def removed_at(conn: Any, source: str, at: datetime, since: datetime | None = None) -> str | None:
    """The snapshot of `source` the ledger says was current at `at`, if `lake gc` has removed it since (a
    report as known at `at` cannot be reproduced then, and must say so rather than read an older one)."""
    from biaotong.ledger.tables import ledger_entries

    query = (sa.select(ledger_entries.c.event)
             .where(ledger_entries.c.action == "source.sync", ledger_entries.c.object == f"source:{source}",
                    ledger_entries.c.created_at <= at))
    if since is not None:
        query = query.where(ledger_entries.c.created_at >= since)
    text = conn.execute(query.order_by(ledger_entries.c.seq.desc()).limit(1)).scalar()
    if text is None:
        return None
    try:
        snap_id = str(json.loads(text)["detail"]["snapshot"])
    except (ValueError, KeyError, TypeError):
        return None
    exists = conn.execute(sa.select(snapshots.c.id).where(snapshots.c.id == snap_id)).first()
    return None if exists else snap_id
