"""What checks run over: every source's current snapshot (checked against the ledger) as a DuckDB view, and
which sources are the register of who exists for each entity type."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from biaotong.engines.duckdb import connect, literal

if TYPE_CHECKING:
    from biaotong.catalog import Catalog
    from biaotong.lake.snapshots import Snapshot
    from biaotong.workspace import Workspace


@dataclass(frozen=True)
class SourceView:
    name: str
    department: str
    entity: str
    snapshot: Snapshot
    view: str  # the DuckDB view over its data file
    register: bool  # one of the sources that define who exists for its entity
    rejects: Path | None

    def has(self, element: str) -> bool:
        return any(c["name"] == element for c in self.snapshot.columns)


@dataclass
class CheckContext:
    ws: Workspace
    con: duckdb.DuckDBPyConnection
    sources: dict[str, SourceView] = field(default_factory=dict)

    @cached_property
    def catalog(self) -> Catalog:
        return self.ws.catalog

    def of(self, entity: str) -> list[SourceView]:
        return [s for s in self.sources.values() if s.entity == entity]

    def registers(self, entity: str) -> list[SourceView]:
        return [s for s in self.of(entity) if s.register]

    def key(self, entity: str) -> str:
        return self.catalog.entity(entity).key

    def holders(self, entity: str, element: str) -> list[SourceView]:
        return [s for s in self.of(entity) if s.has(element)]


def _view_name(source: str) -> str:
    return "src_" + re.sub(r"[^0-9A-Za-z_]", "_", source)


def build_context(ws: Workspace) -> CheckContext:
    """The current snapshot of every registered source (under its current spec version), verified against
    the ledger, as views `src_<name>`."""
    from biaotong.lake.snapshots import latest_snapshot
    from biaotong.lake.verify import check_snapshot
    from biaotong.sync.registry import registered_at

    catalog = ws.catalog
    con = connect(ws)
    ctx = CheckContext(ws, con)
    with ws.engine.connect() as conn:
        for ent in catalog.entities.values():
            for name, dept, since in sorted(registered_at(conn, ent.id)):
                snap = latest_snapshot(conn, name, since=since)
                if snap is None:
                    continue
                data = check_snapshot(conn, ws.lake_dir, snap, latest=since is None)
                view = _view_name(name)
                con.execute(f"CREATE VIEW {view} AS SELECT * FROM read_parquet({literal(str(data))})")
                rej = snap.rejects_file(ws.lake_dir)
                ctx.sources[name] = SourceView(name, dept, ent.id, snap, view, ent.registered_by == dept,
                                               rej if rej.is_file() else None)
    return ctx
