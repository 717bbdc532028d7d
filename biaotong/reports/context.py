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
    by the records' own dates, never by which snapshot is read, so every period sees the best knowledge."""

    ws: Workspace
    known_at: datetime | None = None
    _con: tuple[duckdb.DuckDBPyConnection, OneTableState] | None = field(default=None, repr=False)

    @cached_property
    def catalog(self) -> Catalog:
        return self.ws.catalog

    @cached_property
    def library(self) -> Library:
        return workspace_library(self.ws)

    @cached_property
    def tree(self) -> OrgTree:
        return self.ws.org_tree()

    def connection(self, as_of: date | None = None) -> tuple[duckdb.DuckDBPyConnection, list[dict[str, Any]]]:
        """A connection with the entity views, and the snapshots behind them. `as_of` (a period end) is
        accepted for old callers and ignored: the snapshots read depend on `known_at` only."""
        con, state = self._state()
        return con, list(state.snapshots)

    def state(self) -> OneTableState:
        return self._state()[1]

    def _state(self) -> tuple[duckdb.DuckDBPyConnection, OneTableState]:
        if self._con is None:
            from biaotong.engines.duckdb import connect
            from biaotong.onetable import register

            con = connect(self.ws)
            self._con = (con, register(con, self.ws, self.known_at))
        return self._con

    def close(self) -> None:
        if self._con is not None:
            self._con[0].close()
            self._con = None
