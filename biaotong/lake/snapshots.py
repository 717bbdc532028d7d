"""Reading the snapshot index: which snapshot of a source is current now, or was current at a time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from biaotong.store.schema import snapshots


@dataclass(frozen=True)
class Snapshot:
    id: str
    source: str
    taken_at: datetime
    mode: str
    row_count: int
    reject_count: int
    sha256: str
    columns: list[dict[str, str]]
    path: str
    watermark: str | None
    reject_summary: dict[str, Any]

    def data_file(self, lake_dir: Path) -> Path:
        return lake_dir / self.path / "data.parquet"

    def rejects_file(self, lake_dir: Path) -> Path:
        return lake_dir / self.path / "rejects.parquet"

    @classmethod
    def from_row(cls, row: Any) -> Snapshot:
        taken = row.taken_at if row.taken_at.tzinfo else row.taken_at.replace(tzinfo=UTC)
        return cls(
            id=row.id, source=row.source, taken_at=taken, mode=row.mode, row_count=row.row_count,
            reject_count=row.reject_count, sha256=row.sha256, columns=row.columns, path=row.path,
            watermark=row.watermark, reject_summary=row.reject_summary or {},
        )


def as_datetime(when: date | datetime | None) -> datetime | None:
    """A date means the end of that day (a period ending 2025-06-30 includes syncs made that day)."""
    if when is None:
        return None
    if isinstance(when, datetime):
        return when if when.tzinfo else when.replace(tzinfo=UTC)
    return datetime.combine(when, time.max, tzinfo=UTC)


def list_snapshots(conn: Connection, source: str | None = None) -> list[Snapshot]:
    query = sa.select(snapshots).order_by(snapshots.c.source, snapshots.c.taken_at)
    if source is not None:
        query = query.where(snapshots.c.source == source)
    return [Snapshot.from_row(r) for r in conn.execute(query)]


def latest_snapshot(
    conn: Connection, source: str, known_at: date | datetime | None = None, *, since: datetime | None = None
) -> Snapshot | None:
    """The newest snapshot of `source` the lake held at `known_at` (None: now), taken no earlier than `since`
    (the start of the source version it belongs to: a re-added spec starts without snapshots)."""
    query = sa.select(snapshots).where(snapshots.c.source == source)
    at = as_datetime(known_at)
    if at is not None:
        query = query.where(snapshots.c.taken_at <= at)
    if since is not None:
        query = query.where(snapshots.c.taken_at >= since)
    row = conn.execute(query.order_by(snapshots.c.taken_at.desc()).limit(1)).first()
    return Snapshot.from_row(row) if row is not None else None


def snapshot_as_of(
    conn: Connection, source: str, when: date | datetime | None = None, *, fallback: bool = False
) -> Snapshot | None:
    """The snapshot current at `when` (the latest taken at or before it); None if the source had none yet.

    With fallback=True a source first synced after `when` answers with its earliest snapshot, so history
    can be reconstructed from the records' own dates; callers flag such use in the lineage.
    """
    query = sa.select(snapshots).where(snapshots.c.source == source)
    at = as_datetime(when)
    if at is not None:
        row = conn.execute(
            query.where(snapshots.c.taken_at <= at).order_by(snapshots.c.taken_at.desc()).limit(1)
        ).first()
        if row is None and fallback:
            row = conn.execute(query.order_by(snapshots.c.taken_at).limit(1)).first()
    else:
        row = conn.execute(query.order_by(snapshots.c.taken_at.desc()).limit(1)).first()
    return Snapshot.from_row(row) if row is not None else None
