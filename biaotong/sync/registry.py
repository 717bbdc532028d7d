"""The workspace's registered sources: a validated spec stored in the metadata store, with a ledger entry."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy import Connection

from biaotong.errors import SourceError, where
from biaotong.lake.snapshots import Snapshot, as_datetime, latest_snapshot
from biaotong.ledger.events import Event
from biaotong.ledger.log import record
from biaotong.sources.spec import SourceSpec, load_source_spec
from biaotong.store.schema import snapshots, sources, sync_runs
from biaotong.sync.tables import source_versions

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


def add_source(ws: Workspace, path: Path, *, actor: str = "admin", check: bool = True) -> SourceInfo:
    """Validate a source spec file, check it against the data (unless `check=False`), and register it.

    A changed spec of a registered name becomes its next version: the old version is closed, its snapshots
    stay readable for reports as known at a past time, and the new version starts without snapshots until it
    is synced. An unchanged spec changes nothing (the ledger still records the registration attempt).
    """
    spec = load_source_spec(Path(path), ws.catalog)
    checked: dict[str, Any] | None = None
    if check:
        from biaotong.sync.admit import check_against_data

        checked = check_against_data(ws, spec)
    data = _spec_json(spec)
    sha = hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    dept = spec.department or ws.catalog.element(spec.entity, ws.catalog.entity(spec.entity).key).source_department
    now = datetime.now(UTC)
    row = {
        "title": spec.title or spec.name, "department": dept, "entity": spec.entity, "spec": data,
        "spec_sha256": sha, "updated_at": now,
    }
    with ws.engine.begin() as conn:
        exists = conn.execute(sa.select(sources).where(sources.c.name == spec.name)).first()
        current = _current_version(conn, spec.name)
        if exists is not None and current is None:  # registered before versions were kept: its span so far
            conn.execute(sa.insert(source_versions).values(
                name=spec.name, version=_next_version(conn, spec.name), title=exists.title,
                department=exists.department, entity=exists.entity, spec=exists.spec,
                spec_sha256=exists.spec_sha256, valid_from=exists.created_at, actor=actor,
            ))
            current = _current_version(conn, spec.name)
        unchanged = exists is not None and exists.spec_sha256 == sha
        version = current.version if (unchanged and current is not None) else _next_version(conn, spec.name)
        if not unchanged:
            if current is not None:
                conn.execute(sa.update(source_versions).where(source_versions.c.id == current.id)
                             .values(valid_to=now))
            conn.execute(sa.insert(source_versions).values(
                name=spec.name, version=version, title=row["title"], department=dept, entity=spec.entity,
                spec=data, spec_sha256=sha, valid_from=now, actor=actor,
            ))
        if exists:
            conn.execute(sa.update(sources).where(sources.c.name == spec.name).values(**row))
        else:
            conn.execute(sa.insert(sources).values(name=spec.name, created_at=now, **row))
        record(
            conn,
            Event(
                action="source.register", actor=actor, object=f"source:{spec.name}",
                hashes={"spec_sha256": sha}, detail={"entity": spec.entity, "file": Path(path).name,
                                                     "replaced": bool(exists), "version": version,
                                                     "unchanged": unchanged, "checked": checked},
            ),
        )
    return SourceInfo(spec.name, row["title"], dept, spec.entity, spec, sha)


def remove_source(ws: Workspace, name: str, *, actor: str = "admin") -> dict[str, Any]:
    """Unregister a source: reports stop using it at once; its snapshots stay in the lake (and in the ledger),
    readable for reports as known at a time it was registered, until `lake gc` removes old ones."""
    info = get_source(ws, name)
    now = datetime.now(UTC)
    with ws.engine.begin() as conn:
        current = _current_version(conn, name)
        if current is not None:
            conn.execute(sa.update(source_versions).where(source_versions.c.id == current.id).values(valid_to=now))
        else:  # registered before versions were kept: its span is recorded now, so past reports still find it
            created = conn.execute(sa.select(sources.c.created_at).where(sources.c.name == name)).scalar_one()
            conn.execute(sa.insert(source_versions).values(
                name=name, version=1, title=info.title, department=info.department, entity=info.entity,
                spec=_spec_json(info.spec), spec_sha256=info.spec_sha256, valid_from=created, valid_to=now,
                actor=actor,
            ))
        conn.execute(sa.delete(sources).where(sources.c.name == name))
        n = conn.execute(sa.select(sa.func.count()).select_from(snapshots).where(snapshots.c.source == name)).scalar_one()
        record(conn, Event(
            action="source.remove", actor=actor, object=f"source:{name}", hashes={"spec_sha256": info.spec_sha256},
            detail={"entity": info.entity, "version": current.version if current is not None else 1,
                    "snapshots_kept": int(n)},
        ))
    return {"source": name, "removed": True, "snapshots_kept": int(n)}


def _current_version(conn: Connection, name: str) -> Any:
    return conn.execute(
        sa.select(source_versions).where(source_versions.c.name == name, source_versions.c.valid_to.is_(None))
        .order_by(source_versions.c.version.desc()).limit(1)
    ).first()


def _next_version(conn: Connection, name: str) -> int:
    top = conn.execute(sa.select(sa.func.max(source_versions.c.version)).where(source_versions.c.name == name)).scalar()
    return int(top or 0) + 1


def _aware(t: datetime | None) -> datetime | None:
    if t is None:
        return None
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def registered_at(
    conn: Connection, entity: str, known_at: date | datetime | None = None
) -> list[tuple[str, str, datetime | None]]:
    """(name, department, since) of each source of `entity` registered at `known_at` (None: now); `since` is
    the start of its version then (None for a source registered before versions were kept)."""
    at = as_datetime(known_at)
    out: dict[str, tuple[str, str, datetime | None]] = {}
    versioned = set(conn.execute(sa.select(source_versions.c.name).distinct()).scalars())
    if at is None:
        for name, dept in conn.execute(
            sa.select(sources.c.name, sources.c.department).where(sources.c.entity == entity)
        ):
            cur = _current_version(conn, name) if name in versioned else None
            out[name] = (name, dept, _aware(cur.valid_from) if cur is not None else None)
    else:
        rows = conn.execute(
            sa.select(source_versions).where(
                source_versions.c.entity == entity, source_versions.c.valid_from <= at,
                sa.or_(source_versions.c.valid_to.is_(None), source_versions.c.valid_to > at),
            )
        )
        for r in rows:
            out[r.name] = (r.name, r.department, _aware(r.valid_from))
        for name, dept, created in conn.execute(
            sa.select(sources.c.name, sources.c.department, sources.c.created_at).where(sources.c.entity == entity)
        ):
            if name not in versioned and (_aware(created) or at) <= at:
                out[name] = (name, dept, None)
    return [out[k] for k in sorted(out)]


def current_snapshot(conn: Connection, name: str) -> Snapshot | None:
    """The newest snapshot of the source's current spec version (what an incremental sync builds on)."""
    cur = _current_version(conn, name)
    return latest_snapshot(conn, name, since=_aware(cur.valid_from) if cur is not None else None)


def rejects_since_full(conn: Connection, snap: Snapshot) -> dict[str, Any]:
    """Rejects are kept per snapshot (each sync's own rows); an incremental snapshot carries the rows of the
    syncs before it, so its outstanding rejects are the sum over the chain back to the last full sync."""
    chain = [s for s in conn.execute(
        sa.select(snapshots.c.id, snapshots.c.mode, snapshots.c.reject_count, snapshots.c.reject_summary)
        .where(snapshots.c.source == snap.source, snapshots.c.taken_at <= snap.taken_at)
        .order_by(snapshots.c.taken_at.desc())
    )]
    total, by_kind, used = 0, {}, []
    for s in chain:
        total += int(s.reject_count)
        for kind, n in ((s.reject_summary or {}).get("by_kind") or {}).items():
            by_kind[kind] = by_kind.get(kind, 0) + int(n)
        used.append(s.id)
        if s.mode != "incremental":
            break
    return {"count": total, "by_kind": by_kind, "snapshots": used}


def source_versions_of(ws: Workspace, name: str) -> list[dict[str, Any]]:
    with ws.engine.connect() as conn:
        rows = conn.execute(sa.select(source_versions).where(source_versions.c.name == name)
                            .order_by(source_versions.c.version)).all()
    return [
        {"version": r.version, "spec_sha256": r.spec_sha256, "valid_from": _aware(r.valid_from).isoformat(),  # type: ignore[union-attr]
         "valid_to": _aware(r.valid_to).isoformat() if r.valid_to else None, "actor": r.actor}
        for r in rows
    ]


def _info(row: Any) -> SourceInfo:
    try:
        spec = SourceSpec.model_validate(row.spec)
    except ValidationError as exc:  # stored under an older version whose rules were looser
        first = exc.errors()[0]
        at = ".".join(str(x) for x in first["loc"])
        raise SourceError(
            f"数据源 {row.name} 的已登记定义不再有效（{at}：{first['msg']}）；请修正其定义文件后重新 source add",
            f"the registered spec of source {row.name} is no longer valid ({at}: {first['msg']}); fix its spec file "
            "and run source add again",
            where(key=row.name),
        ) from None
    return SourceInfo(row.name, row.title, row.department, row.entity, spec, row.spec_sha256)


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


@dataclass(frozen=True)
class BrokenSource:
    """A registered source whose stored spec no longer validates, and why."""

    name: str
    title: str
    department: str
    entity: str
    error: SourceError


def read_sources(ws: Workspace) -> tuple[list[SourceInfo], list[BrokenSource]]:
    """Every registered source, and apart from them each one whose stored spec no longer validates: one broken
    source must not hide the others from `source list` or stop `source sync --all`."""
    good: list[SourceInfo] = []
    broken: list[BrokenSource] = []
    with ws.engine.connect() as conn:
        for r in conn.execute(sa.select(sources).order_by(sources.c.name)):
            try:
                good.append(_info(r))
            except SourceError as exc:
                broken.append(BrokenSource(r.name, r.title, r.department, r.entity, exc))
    return good, broken


def list_sources(ws: Workspace) -> list[SourceInfo]:
    """The sources whose stored spec is valid (see `read_sources` for the others)."""
    return read_sources(ws)[0]


def _snapshot_json(conn: Connection, snap: Snapshot | None) -> dict[str, Any] | None:
    if snap is None:
        return None
    return {"id": snap.id, "taken_at": snap.taken_at.isoformat(), "rows": snap.row_count,
            "rejects": snap.reject_count, "sha256": snap.sha256, "reject_summary": snap.reject_summary,
            "rejects_since_full": rejects_since_full(conn, snap)}


def source_status(ws: Workspace) -> list[dict[str, Any]]:
    """Every source with its current snapshot (rows, hash, rejects) and its last sync run."""
    out = []
    infos, broken = read_sources(ws)
    with ws.engine.connect() as conn:
        for b in broken:  # listed, with why, so the admin sees it and re-registers it
            snap = current_snapshot(conn, b.name)
            out.append({
                "name": b.name, "title": b.title, "department": b.department, "entity": b.entity, "kind": None,
                "mode": None, "spec_sha256": None, "version": None, "invalid": b.error.message,
                "snapshot": _snapshot_json(conn, snap),
                "last_sync": {"status": "invalid", "started_at": None, "finished_at": None,
                              "error": b.error.message},
            })
        for info in infos:
            snap = current_snapshot(conn, info.name)
            cur = _current_version(conn, info.name)
            last = conn.execute(
                sa.select(sync_runs).where(sync_runs.c.source == info.name).order_by(sync_runs.c.id.desc()).limit(1)
            ).first()
            out.append(
                {
                    "name": info.name, "title": info.title, "department": info.department, "entity": info.entity,
                    "kind": info.spec.connection.kind, "mode": info.spec.sync.mode,
                    "spec_sha256": info.spec_sha256,
                    "snapshot": _snapshot_json(conn, snap),
                    "version": cur.version if cur is not None else None,
                    "last_sync": None if last is None else {
                        "status": last.status, "started_at": last.started_at.isoformat(),
                        "finished_at": last.finished_at.isoformat() if last.finished_at else None,
                        "error": last.error,
                    },
                }
            )
    return sorted(out, key=lambda r: r["name"])
