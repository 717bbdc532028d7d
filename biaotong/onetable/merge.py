"""Merging the snapshots of one entity type into one Parquet file, cached by the snapshots it was built from.

The cache is content-addressed (a hash of the snapshot ids and the merge rules), so a report always reflects
the snapshots current at its as-of time, and a new sync is visible at once: there is no rebuild step to run.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import sqlalchemy as sa

from biaotong.engines.duckdb import connect
from biaotong.engines.duckdb import ident as q
from biaotong.engines.duckdb import literal as lit
from biaotong.lake.snapshots import Snapshot, as_datetime, snapshot_as_of
from biaotong.lake.types import DUCKDB_TYPES
from biaotong.store.schema import conflict_summaries, sources

if TYPE_CHECKING:
    from biaotong.catalog import Catalog
    from biaotong.catalog.model import DataElement
    from biaotong.workspace import Workspace

MERGE_VERSION = "1"  # bump when the merge rules change, so cached builds are not reused


@dataclass(frozen=True)
class SourceSnapshot:
    source: str
    department: str
    snapshot: Snapshot
    fallback: bool  # the source had no snapshot yet at the as-of time; its earliest one stands in

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.snapshot.id, "source": self.source, "sha256": self.snapshot.sha256,
            "taken_at": self.snapshot.taken_at.isoformat(), "rows": self.snapshot.row_count,
            "fallback": self.fallback,
        }


@dataclass(frozen=True)
class MergedEntity:
    entity: str
    path: Path | None  # None when no source holds this entity
    state_sha256: str
    inputs: tuple[SourceSnapshot, ...]
    element_sources: dict[str, list[str]]  # element -> sources in priority order


@dataclass
class OneTableState:
    as_of: datetime | None
    entities: dict[str, MergedEntity] = field(default_factory=dict)

    @property
    def snapshots(self) -> list[dict[str, Any]]:
        return [
            {**s.to_json(), "entity": e.entity} for e in self.entities.values() for s in e.inputs
        ]


def _current_inputs(ws: Workspace, entity: str, as_of: date | datetime | None) -> list[SourceSnapshot]:
    with ws.engine.connect() as conn:
        rows = conn.execute(
            sa.select(sources.c.name, sources.c.department).where(sources.c.entity == entity).order_by(sources.c.name)
        ).all()
        found: list[SourceSnapshot] = []
        for name, dept in rows:
            snap = snapshot_as_of(conn, name, as_of)
            fallback = False
            if snap is None and as_of is not None:
                snap = snapshot_as_of(conn, name, as_of, fallback=True)
                fallback = snap is not None
            if snap is not None:
                found.append(SourceSnapshot(name, dept, snap, fallback))
    return found


def _priority(element: DataElement, inputs: list[SourceSnapshot]) -> list[SourceSnapshot]:
    holders = [s for s in inputs if any(c["name"] == element.code for c in s.snapshot.columns)]
    # The authoritative department first (一数一源), then the others in a stable order.
    return sorted(holders, key=lambda s: (s.department != element.source_department, s.source))


def build_entity(ws: Workspace, entity: str, as_of: date | datetime | None = None) -> MergedEntity:
    catalog: Catalog = ws.catalog
    ent = catalog.entity(entity)
    elements = catalog.elements_of(entity)
    inputs = _current_inputs(ws, entity, as_of)
    order = {e.code: [s.source for s in _priority(e, inputs)] for e in elements}
    state = hashlib.sha256(
        json.dumps(
            {"v": MERGE_VERSION, "entity": entity, "snapshots": sorted(s.snapshot.id for s in inputs),
             "elements": {e.code: [e.value_type, order[e.code]] for e in elements}},
            sort_keys=True,
        ).encode()
    ).hexdigest()
    if not inputs:
        return MergedEntity(entity, None, state, (), order)
    target = ws.lake_dir / "_onetable" / entity / state
    if not (target / "data.parquet").exists():
        _build(ws, entity, ent.key, elements, inputs, order, target, state)
    return MergedEntity(entity, target / "data.parquet", state, tuple(inputs), order)


def _build(
    ws: Workspace, entity: str, key: str, elements: list[DataElement], inputs: list[SourceSnapshot],
    order: dict[str, list[str]], target: Path, state: str,
) -> None:
    staging = target.parent / f".staging-{uuid.uuid4().hex}"
    staging.mkdir(parents=True)
    alias = {s.source: f"s{i}" for i, s in enumerate(inputs)}
    try:
        con = connect(ws)
        for s in inputs:
            con.execute(
                f"CREATE VIEW {alias[s.source]} AS SELECT * FROM read_parquet({lit(str(s.snapshot.data_file(ws.lake_dir)))})"
            )
        keys = " UNION ".join(f"SELECT {q(key)} FROM {alias[s.source]}" for s in inputs)
        joins = " ".join(f"LEFT JOIN {a} ON {a}.{q(key)} = k.{q(key)}" for a in alias.values())
        select: list[str] = []
        for e in elements:
            holders = order[e.code]
            if e.code == key:
                select.append(f"k.{q(key)} AS {q(key)}")
            elif holders:
                parts = [f"{alias[h]}.{q(e.code)}" for h in holders]
                select.append(f"{parts[0] if len(parts) == 1 else 'coalesce(' + ', '.join(parts) + ')'} AS {q(e.code)}")
            else:
                select.append(f"CAST(NULL AS {DUCKDB_TYPES[e.value_type]}) AS {q(e.code)}")
        # Every source column, kept for the conflict check below.
        raw = [
            f"{alias[h]}.{q(e.code)} AS {q(alias[h] + '__' + e.code)}"
            for e in elements if e.code != key and len(order[e.code]) > 1 for h in order[e.code]
        ]
        con.execute(
            f"CREATE TEMP TABLE joined AS SELECT {', '.join(select + raw)} "
            f"FROM ({keys}) k {joins}"
        )
        data = staging / "data.parquet"
        con.execute(
            f"COPY (SELECT {', '.join(q(e.code) for e in elements)} FROM joined ORDER BY {q(key)}) "
            f"TO {lit(str(data))} (FORMAT parquet, COMPRESSION zstd)"
        )
        conflicts = staging / "conflicts.parquet"
        parts = []
        for e in elements:
            holders = order[e.code]
            if e.code == key or len(holders) < 2:
                continue
            winner = "CASE " + " ".join(
                f"WHEN {q(alias[h] + '__' + e.code)} IS NOT NULL THEN {lit(h)}" for h in holders
            ) + " END"
            for h in holders[1:]:
                col = q(alias[h] + "__" + e.code)
                parts.append(
                    f"SELECT {q(key)} AS entity_key, {lit(e.code)} AS element, {winner} AS winner, "
                    f"CAST({q(e.code)} AS VARCHAR) AS winner_value, {lit(h)} AS loser, "
                    f"CAST({col} AS VARCHAR) AS loser_value FROM joined "
                    f"WHERE {col} IS NOT NULL AND {col} IS DISTINCT FROM {q(e.code)}"
                )
        empty = (
            "SELECT NULL::VARCHAR AS entity_key, NULL::VARCHAR AS element, NULL::VARCHAR AS winner, "
            "NULL::VARCHAR AS winner_value, NULL::VARCHAR AS loser, NULL::VARCHAR AS loser_value WHERE false"
        )
        con.execute(
            f"COPY (SELECT * FROM ({' UNION ALL '.join(parts) or empty}) ORDER BY element, entity_key, loser) "
            f"TO {lit(str(conflicts))} (FORMAT parquet, COMPRESSION zstd)"
        )
        counts = con.execute(
            f"SELECT element, winner, loser, count(*) FROM read_parquet({lit(str(conflicts))}) GROUP BY ALL"
        ).fetchall()
        con.close()
        try:
            os.replace(staging, target)
        except OSError:  # built meanwhile by another process: theirs is identical
            shutil.rmtree(staging, ignore_errors=True)
            return
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    now = datetime.now(UTC)
    rel = str((target / "conflicts.parquet").relative_to(ws.lake_dir))
    with ws.engine.begin() as conn:
        conn.execute(sa.delete(conflict_summaries).where(conflict_summaries.c.state_sha256 == state))
        if counts:
            conn.execute(
                sa.insert(conflict_summaries),
                [
                    {"entity": entity, "element": el, "winner": w, "loser": lo, "count": int(n),
                     "state_sha256": state, "path": rel, "created_at": now}
                    for el, w, lo, n in counts
                ],
            )


def register(
    con: duckdb.DuckDBPyConnection, ws: Workspace, as_of: date | datetime | None = None,
    entities: list[str] | None = None,
) -> OneTableState:
    """Create one DuckDB view per entity type (resident, household, …) as it stood at `as_of`."""
    catalog: Catalog = ws.catalog
    state = OneTableState(as_of=as_datetime(as_of))
    for entity in entities or list(catalog.entities):
        merged = build_entity(ws, entity, as_of)
        state.entities[entity] = merged
        if merged.path is not None:
            con.execute(f"CREATE OR REPLACE VIEW {q(entity)} AS SELECT * FROM read_parquet({lit(str(merged.path))})")
        else:
            cols = ", ".join(
                f"CAST(NULL AS {DUCKDB_TYPES[e.value_type]}) AS {q(e.code)}" for e in catalog.elements_of(entity)
            )
            con.execute(f"CREATE OR REPLACE VIEW {q(entity)} AS SELECT {cols} WHERE false")
    return state
