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
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import sqlalchemy as sa

from biaotong.engines.duckdb import connect
from biaotong.engines.duckdb import ident as q
from biaotong.engines.duckdb import literal as lit
from biaotong.errors import WorkflowError, where
from biaotong.lake.snapshots import Snapshot, as_datetime, latest_snapshot
from biaotong.lake.types import DUCKDB_TYPES
from biaotong.lake.verify import cache_is_sound, check_has_none, check_snapshots, write_manifest
from biaotong.onetable.windows import chosen_window, collection_base, recency, window_of
from biaotong.store.schema import conflict_summaries

if TYPE_CHECKING:
    from biaotong.catalog import Catalog
    from biaotong.catalog.model import DataElement
    from biaotong.workspace import Workspace

MERGE_VERSION = "3"  # bump when the merge rules change, so cached builds are not reused
IN_REGISTER = "_in_register"  # column of the merged file: the key is in a register source (who exists)
SOURCE_FLAG = "_src__"  # + source name: the key is in that source's snapshot (its own roster)


@dataclass(frozen=True)
class SourceSnapshot:
    source: str
    department: str
    snapshot: Snapshot
    fallback: bool  # kept for old callers: always False now (reports read the newest knowledge)
    register: bool = False  # a register of who exists for its entity (the catalog's `registered_by`)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.snapshot.id, "source": self.source, "sha256": self.snapshot.sha256,
            "taken_at": self.snapshot.taken_at.isoformat(), "rows": self.snapshot.row_count,
            "fallback": self.fallback, "register": self.register,
        }


@dataclass(frozen=True)
class MergedEntity:
    entity: str
    path: Path | None  # None when no source holds this entity
    state_sha256: str
    inputs: tuple[SourceSnapshot, ...]
    element_sources: dict[str, list[str]]  # element -> sources in priority order
    register: tuple[str, ...] = ()  # the register sources that define who exists; () = every source's rows

    def holds(self, element: str) -> bool:
        """Whether any synced source provides `element` (else a field reading it is missing, not zero)."""
        return bool(self.element_sources.get(element))

    def population_view(self, source: str) -> str:
        """The DuckDB view of one source's own roster (`population: <source>` in a field)."""
        return f"{self.entity}__{source}"


@dataclass
class OneTableState:
    as_of: datetime | None
    entities: dict[str, MergedEntity] = field(default_factory=dict)

    @property
    def snapshots(self) -> list[dict[str, Any]]:
        return [
            {**s.to_json(), "entity": e.entity} for e in self.entities.values() for s in e.inputs
        ]


def _current_inputs(
    ws: Workspace, entity: str, as_of: date | datetime | None, windows: Mapping[str, str] | None = None
) -> list[SourceSnapshot]:
    """Each source registered at `as_of` (None: now) with the newest snapshot the lake held then, taken under
    the spec version registered then (a re-added, changed spec starts without snapshots until it is synced).
    With `windows` (a report period's, per validity), only the collection sources of those windows."""
    from biaotong.lake.gc import removed_at
    from biaotong.sync.registry import registered_at

    with ws.engine.connect() as conn:
        found: list[SourceSnapshot] = []
        at = as_datetime(as_of)
        for name, dept, since in registered_at(conn, entity, as_of):
            win = window_of(name)
            if windows is not None and win is not None and win not in windows.values():
                continue  # another period's answers: never read by this period's report
            if at is not None and (gone := removed_at(conn, name, at, since)) is not None:
                raise WorkflowError(
                    f"数据源 {name} 在 {at.isoformat()} 时的快照 {gone} 已被 lake gc 清理（哈希仍在账本中），无法按当时所知重现",
                    f"snapshot {gone} of source {name}, current at {at.isoformat()}, was removed by lake gc (its hash "
                    "stays in the ledger): what was known then cannot be reproduced",
                    where(key=name), details={"snapshot": gone},
                )
            snap = latest_snapshot(conn, name, as_of, since=since)
            if snap is not None:
                found.append(SourceSnapshot(name, dept, snap, False))
            elif since is None:
                check_has_none(conn, name)
    return found


def _priority(
    element: DataElement, inputs: list[SourceSnapshot], windows: Mapping[str, str] | None = None
) -> list[SourceSnapshot]:
    holders = [s for s in inputs if any(c["name"] == element.code for c in s.snapshot.columns)]
    if windows is not None:
        # A period reads each collected element from the one window its validity gives (2025-06 for a monthly
        # element of the 2025-06 report, 2025 for a yearly one): an answer of another window is no answer.
        want = chosen_window(windows, element.validity)
        holders = [s for s in holders if (w := window_of(s.source)) is None or w == want]
    return sorted(holders, key=lambda s: _rank(element, s))


def _rank(element: DataElement, s: SourceSnapshot) -> tuple[Any, ...]:
    """The authoritative department first (一数一源), then the others in a stable order; a collection's
    windows sit together where its name sorts, the newest window first, so without a period each unit reads
    its newest answer."""
    win = window_of(s.source)
    if win is None:
        return (s.department != element.source_department, s.source, 0, 0)
    end, span = recency(win)
    return (s.department != element.source_department, collection_base(s.source), -end.toordinal(), -span)


def build_entity(
    ws: Workspace, entity: str, as_of: date | datetime | None = None, *, windows: Mapping[str, str] | None = None
) -> MergedEntity:
    """The entity's one table from the snapshots current at `as_of` (None: the newest). `windows`: the
    collection windows of a report period, per validity (`onetable.windows.period_windows`); None reads every
    window, each unit's newest answer of each element (the one table export, data return, quality)."""
    catalog: Catalog = ws.catalog
    ent = catalog.entity(entity)
    elements = catalog.elements_of(entity)
    inputs = _current_inputs(ws, entity, as_of, windows)
    # Who exists is the register's word; without a synced register, every source's rows (and a warning).
    inputs = [replace(s, register=ent.registered_by is not None and s.department == ent.registered_by)
              for s in inputs]
    register_sources = tuple(s.source for s in inputs if s.register)
    order = {e.code: [s.source for s in _priority(e, inputs, windows)] for e in elements}
    # The inputs chosen (snapshots, and per element its holders in order) are the key: a period's build and
    # the all-windows build of the same lake are different files.
    state = hashlib.sha256(
        json.dumps(
            {"v": MERGE_VERSION, "entity": entity, "snapshots": sorted(s.snapshot.id for s in inputs),
             "windows": sorted(windows.items()) if windows is not None else None,
             "register": sorted(register_sources),
             "elements": {e.code: [e.value_type, order[e.code]] for e in elements}},
            sort_keys=True,
        ).encode()
    ).hexdigest()
    if not inputs:
        return MergedEntity(entity, None, state, (), order, ())
    with ws.engine.connect() as conn:  # every input is checked against the ledger, cached build or not
        check_snapshots(conn, ws.lake_dir, (s.snapshot for s in inputs), latest=as_of is None)
    target = ws.lake_dir / "_onetable" / entity / state
    hashes = {s.snapshot.id: s.snapshot.sha256 for s in inputs}
    if not cache_is_sound(ws.lake_dir, target, state, hashes):
        shutil.rmtree(target, ignore_errors=True)  # missing, half-made or altered: rebuilt, never trusted
        _build(ws, entity, ent.key, elements, inputs, order, target, state)
    return MergedEntity(entity, target / "data.parquet", state, tuple(inputs), order, register_sources)


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
        # Membership: in the register (who exists), and in each source's own roster (`population:`).
        regs = [f"{alias[s.source]}.{q(key)} IS NOT NULL" for s in inputs if s.register]
        select.append(f"({' OR '.join(regs) if regs else 'TRUE'}) AS {q(IN_REGISTER)}")
        select += [f"{alias[s.source]}.{q(key)} IS NOT NULL AS {q(SOURCE_FLAG + s.source)}" for s in inputs]
        flags = [IN_REGISTER, *(SOURCE_FLAG + s.source for s in inputs)]
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
            f"COPY (SELECT {', '.join(q(c) for c in [*(e.code for e in elements), *flags])} FROM joined "
            f"ORDER BY {q(key)}) "
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
            windowed = [h for h in holders if window_of(h) is not None]
            for h in holders[1:]:
                col = q(alias[h] + "__" + e.code)
                # Two windows of the collection differ by design (June's answer, July's): no conflict.
                same_kind = (f" AND {winner} NOT IN ({', '.join(lit(w) for w in windowed)})"
                             if h in windowed and len(windowed) > 1 else "")
                parts.append(
                    f"SELECT {q(key)} AS entity_key, {lit(e.code)} AS element, {winner} AS winner, "
                    f"CAST({q(e.code)} AS VARCHAR) AS winner_value, {lit(h)} AS loser, "
                    f"CAST({col} AS VARCHAR) AS loser_value FROM joined "
                    f"WHERE {col} IS NOT NULL AND {col} IS DISTINCT FROM {q(e.code)}{same_kind}"
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
        write_manifest(staging, state, {s.snapshot.id: s.snapshot.sha256 for s in inputs})
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
    entities: list[str] | None = None, *, windows: Mapping[str, str] | None = None,
) -> OneTableState:
    """Create one DuckDB view per entity type (resident, household, …) as the lake knew it at `as_of` (None:
    now, the newest snapshots): the entity's population (the register's members), and one view of each source's
    own roster (`<entity>__<source>`). `windows`: a report period's collection windows (see `build_entity`)."""
    catalog: Catalog = ws.catalog
    state = OneTableState(as_of=as_datetime(as_of))
    for entity in entities or list(catalog.entities):
        merged = build_entity(ws, entity, as_of, windows=windows)
        state.entities[entity] = merged
        register_views(con, catalog, merged)
    return state


def register_views(
    con: duckdb.DuckDBPyConnection, catalog: Catalog, merged: MergedEntity, replaces: MergedEntity | None = None
) -> None:
    """The views of one merged entity, replacing those of `replaces` (the same entity for another period:
    a roster view of a source the new build does not read is dropped, never left to answer for it)."""
    entity = merged.entity
    if replaces is not None:
        kept = {s.source for s in merged.inputs}
        for s in replaces.inputs:
            if s.source not in kept:
                con.execute(f"DROP VIEW IF EXISTS {q(replaces.population_view(s.source))}")
    if merged.path is not None:
        path = lit(str(merged.path))
        flags = ", ".join(q(c) for c in [IN_REGISTER, *(SOURCE_FLAG + s.source for s in merged.inputs)])
        # The entity's view is its population: the register's members (all rows when no register is synced).
        con.execute(
            f"CREATE OR REPLACE VIEW {q(entity)} AS SELECT * EXCLUDE ({flags}) FROM read_parquet({path}) "
            f"WHERE {q(IN_REGISTER)}"
        )
        for s in merged.inputs:  # each source's own roster, enriched by the merged values
            con.execute(
                f"CREATE OR REPLACE VIEW {q(merged.population_view(s.source))} AS SELECT * EXCLUDE ({flags}) "
                f"FROM read_parquet({path}) WHERE {q(SOURCE_FLAG + s.source)}"
            )
    else:
        cols = ", ".join(
            f"CAST(NULL AS {DUCKDB_TYPES[e.value_type]}) AS {q(e.code)}" for e in catalog.elements_of(entity)
        )
        con.execute(f"CREATE OR REPLACE VIEW {q(entity)} AS SELECT {cols} WHERE false")
