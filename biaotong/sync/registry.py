"""The workspace's registered sources: a validated spec stored in the metadata store, with a ledger entry."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from biaotong.errors import SourceError, where
from biaotong.lake.snapshots import snapshot_as_of
from biaotong.ledger.events import Event
from biaotong.ledger.log import record
from biaotong.sources.spec import SourceSpec, load_source_spec
from biaotong.store.schema import sources, sync_runs

if TYPE_CHECKING:
    from biaotong.workspace import Workspace


@dataclass(frozen=True)
class SourceInfo:
    name: str
    title: str
    department: str
    entity: str
    spec: SourceSpec
    spec_sha256: str


def _spec_json(spec: SourceSpec) -> dict[str, Any]:
    return spec.model_dump(mode="json", exclude_defaults=False)


def add_source(ws: Workspace, path: Path, *, actor: str = "admin") -> SourceInfo:
    """Validate a source spec file and register it (or replace the spec of the same name)."""
    spec = load_source_spec(Path(path), ws.catalog)
    data = _spec_json(spec)
    sha = hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    dept = spec.department or ws.catalog.element(spec.entity, ws.catalog.entity(spec.entity).key).source_department
    now = datetime.now(UTC)
    row = {
        "title": spec.title or spec.name, "department": dept, "entity": spec.entity, "spec": data,
        "spec_sha256": sha, "updated_at": now,
    }
    with ws.engine.begin() as conn:
        exists = conn.execute(sa.select(sources.c.name).where(sources.c.name == spec.name)).first()
        if exists:
            conn.execute(sa.update(sources).where(sources.c.name == spec.name).values(**row))
        else:
            conn.execute(sa.insert(sources).values(name=spec.name, created_at=now, **row))
        record(
            conn,
            Event(
                action="source.register", actor=actor, object=f"source:{spec.name}",
                hashes={"spec_sha256": sha}, detail={"entity": spec.entity, "file": Path(path).name,
                                                     "replaced": bool(exists)},
            ),
        )
    return SourceInfo(spec.name, row["title"], dept, spec.entity, spec, sha)


def _info(row: Any) -> SourceInfo:
    return SourceInfo(row.name, row.title, row.department, row.entity, SourceSpec.model_validate(row.spec), row.spec_sha256)


def get_source(ws: Workspace, name: str) -> SourceInfo:
    with ws.engine.connect() as conn:
        row = conn.execute(sa.select(sources).where(sources.c.name == name)).first()
        if row is None:
            known = [r[0] for r in conn.execute(sa.select(sources.c.name).order_by(sources.c.name))]
            raise SourceError(
                f"没有名为 {name} 的数据源；已登记：{'、'.join(known) or '无'}",
                f"no source named {name}; registered: {', '.join(known) or 'none'}",
                where(key=name),
            )
    return _info(row)


def list_sources(ws: Workspace) -> list[SourceInfo]:
    with ws.engine.connect() as conn:
        return [_info(r) for r in conn.execute(sa.select(sources).order_by(sources.c.name))]


def source_status(ws: Workspace) -> list[dict[str, Any]]:
    """Every source with its current snapshot (rows, hash, rejects) and its last sync run."""
    out = []
    with ws.engine.connect() as conn:
        for info in list_sources(ws):
            snap = snapshot_as_of(conn, info.name)
            last = conn.execute(
                sa.select(sync_runs).where(sync_runs.c.source == info.name).order_by(sync_runs.c.id.desc()).limit(1)
            ).first()
            out.append(
                {
                    "name": info.name, "title": info.title, "department": info.department, "entity": info.entity,
                    "kind": info.spec.connection.kind, "mode": info.spec.sync.mode,
                    "spec_sha256": info.spec_sha256,
                    "snapshot": None if snap is None else {
                        "id": snap.id, "taken_at": snap.taken_at.isoformat(), "rows": snap.row_count,
                        "rejects": snap.reject_count, "sha256": snap.sha256, "reject_summary": snap.reject_summary,
                    },
                    "last_sync": None if last is None else {
                        "status": last.status, "started_at": last.started_at.isoformat(),
                        "finished_at": last.finished_at.isoformat() if last.finished_at else None,
                        "error": last.error,
                    },
                }
            )
    return out
