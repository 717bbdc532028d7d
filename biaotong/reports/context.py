"""What a generation run needs from the workspace: catalog, library, specs, org tree, and the one table
registered on a DuckDB connection as of a date. Kept apart so tests and the bench can build one directly."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any

import duckdb
import sqlalchemy as sa

from biaotong.errors import ReportError, where
from biaotong.reports.library import Library, load_library
from biaotong.reports.spec import BUILTIN_SPECS, ReportSpec, load_specs, parse_spec

if TYPE_CHECKING:
    from biaotong.catalog import Catalog, OrgTree
    from biaotong.onetable import OneTableState
    from biaotong.reports.period import Period
    from biaotong.workspace import Workspace


def workspace_library(ws: Workspace) -> Library:
    extra = ws.home / "indicators"
    return load_library([extra] if extra.exists() else [])


def all_specs(ws: Workspace | None) -> dict[str, ReportSpec]:
    """The built-in demo specs, overridden by those stored in the workspace (`report add`)."""
    specs = dict(load_specs(BUILTIN_SPECS))
    if ws is not None:
        from biaotong.store.schema import report_specs

        with ws.engine.connect() as conn:
            for row in conn.execute(sa.select(report_specs.c.id, report_specs.c.spec, report_specs.c.status)):
                if row.status != "rejected":
                    specs[row.id] = parse_spec(row.spec, file=f"report_specs:{row.id}")
    return specs


def get_spec(ws: Workspace | None, report_id: str) -> ReportSpec:
    specs = all_specs(ws)
    if report_id not in specs:
        from biaotong.catalog.standard import suggestions

        close = suggestions(report_id, list(specs))
        hint = f"（相近：{'、'.join(close)}）" if close else ""
        raise ReportError(
            f"未知的报表：{report_id}{hint}", f"unknown report: {report_id}" + (f" (close: {', '.join(close)})" if close else ""),
            where(key="report"),
        )
    return specs[report_id]


@dataclass
class Engine:
    """A workspace's one table as DuckDB views, registered once: as the lake knows it now (the newest
    snapshots), or as it knew it at `known_at` (`--as-known-at`). Which records belong to a period is decided
    by the records' own dates, never by which snapshot is read, so every period sees the best knowledge.

    The one exception is what the grassroots answered: an answer is valid for a window (the period, its month,
    its year, or until changed), so given a `period` the entities holding collected answers are re-registered
    with that period's windows only (`onetable.windows`); the other entities' views are shared by all periods.
    One connection serves one period at a time: ask for the period again before each use."""

    ws: Workspace
    known_at: datetime | None = None
    _con: tuple[duckdb.DuckDBPyConnection, OneTableState] | None = field(default=None, repr=False)
    _states: dict[Any, OneTableState] = field(default_factory=dict, repr=False)
    _active: Any = field(default=None, repr=False)  # the windows the views show now (None: every window)

    @cached_property
    def catalog(self) -> Catalog:
        return self.ws.catalog

    @cached_property
    def library(self) -> Library:
        return workspace_library(self.ws)

    @cached_property
    def tree(self) -> OrgTree:
        return self.ws.org_tree()

    def connection(
        self, as_of: date | None = None, *, period: Period | None = None
    ) -> tuple[duckdb.DuckDBPyConnection, list[dict[str, Any]]]:
        """A connection with the entity views for `period` (None: every collection window, the newest answer
        of each unit), and the snapshots behind them. `as_of` (a period end) is accepted for old callers and
        ignored: the snapshots read depend on `known_at` only."""
        con, state = self._state(period)
        return con, list(state.snapshots)

    def state(self, period: Period | None = None) -> OneTableState:
        return self._state(period)[1]

    def _state(self, period: Period | None = None) -> tuple[duckdb.DuckDBPyConnection, OneTableState]:
        from biaotong.onetable.windows import period_windows

        if self._con is None:
            from biaotong.engines.duckdb import connect
            from biaotong.onetable import register

            con = connect(self.ws)
            self._con = (con, register(con, self.ws, self.known_at))
            self._states = {None: self._con[1]}
            self._active = None
        con, base = self._con
        windows = period_windows(period.code, period.end) if period is not None else None
        key = tuple(sorted(windows.items())) if windows is not None else None
        if key != self._active:
            self._switch(con, base, key, windows)
        return con, self._states[key]

    def _switch(self, con: duckdb.DuckDBPyConnection, base: OneTableState, key: Any,
                windows: dict[str, str] | None) -> None:
        from biaotong.onetable import OneTableState, build_entity
        from biaotong.onetable.merge import register_views
        from biaotong.onetable.windows import is_collection_source

        state = self._states.get(key)
        if state is None:
            # Only an entity that reads collected answers differs between periods (all windows are in `base`).
            state = OneTableState(as_of=base.as_of, entities=dict(base.entities))
            for entity, merged in base.entities.items():
                if any(is_collection_source(s.source) for s in merged.inputs):
                    state.entities[entity] = build_entity(self.ws, entity, self.known_at, windows=windows)
            self._states[key] = state
        shown = self._states[self._active]
        for entity, merged in state.entities.items():
            if merged is not shown.entities.get(entity):
                register_views(con, self.catalog, merged, replaces=shown.entities.get(entity))
        self._active = key

    def close(self) -> None:
        if self._con is not None:
            self._con[0].close()
            self._con = None
            self._states, self._active = {}, None
