"""What every request would otherwise parse again: the indicator library and the report specs, kept per
workspace and rebuilt when a file's modification time or the stored specs change. A web app answers many
requests a second; parsing 14 YAML files on each one cost more than computing the report."""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from biaotong.catalog.orgtree import OrgTree
    from biaotong.reports.context import Engine
    from biaotong.reports.library import Library
    from biaotong.reports.result import ReportResult
    from biaotong.reports.spec import ReportSpec
    from biaotong.workspace import Workspace

_lock = threading.Lock()
_cache: dict[tuple[str, str], tuple[Any, Any]] = {}


def _files(*dirs: Path) -> tuple[tuple[str, int], ...]:
    return tuple((str(p), p.stat().st_mtime_ns) for d in dirs if d.exists() for p in sorted(d.glob("*.yaml")))


def _get(ws: Workspace, what: str, key: Any, build: Any) -> Any:
    slot = (str(ws.home), what)
    with _lock:
        hit = _cache.get(slot)
    if hit is not None and hit[0] == key:
        return hit[1]
    value = build()
    with _lock:
        _cache[slot] = (key, value)
    return value


def library(ws: Workspace) -> Library:
    from biaotong.reports.context import workspace_library
    from biaotong.reports.library import LIBRARY_DIR

    return _get(ws, "library", _files(LIBRARY_DIR, ws.home / "indicators"), lambda: workspace_library(ws))


def specs(ws: Workspace) -> dict[str, ReportSpec]:
    from biaotong.reports.context import all_specs
    from biaotong.reports.spec import BUILTIN_SPECS
    from biaotong.store.db import reads
    from biaotong.store.schema import report_specs

    with reads(ws.engine) as conn:  # one SELECT per use: no BEGIN/ROLLBACK round trips around it
        stored = tuple(conn.execute(sa.select(sa.func.count(), sa.func.max(report_specs.c.updated_at),
                                              sa.func.count(sa.func.nullif(report_specs.c.status, "rejected")))
                                    .select_from(report_specs)).one())
    return _get(ws, "specs", (_files(BUILTIN_SPECS), stored), lambda: all_specs(ws))


def spec(ws: Workspace, report_id: str) -> ReportSpec:
    found = specs(ws).get(report_id)
    if found is None:
        from biaotong.reports.context import get_spec

        return get_spec(ws, report_id)  # raises, naming close ids
    return found


def org_tree(ws: Workspace, conn: Connection | None = None) -> OrgTree:
    """The org tree, loaded again only when it may have changed. Every write of `org_units` records
    `catalog.change` on `org_tree` in the ledger in its own transaction (biaotong.catalog.orgimport); the key
    is that entry's newest sequence number, with the table's size and dates besides. One statement of scalars
    instead of every unit's row: a tree is read on every page, and a province's has tens of thousands. The key
    is read before the tree, so a change committed in between is loaded on the next use, never kept under the
    older key."""
    from biaotong.catalog.orgtree import OrgTree

    if conn is None:
        from biaotong.store.db import reads

        with reads(ws.engine) as c:
            return org_tree(ws, c)
    key = tuple(conn.execute(_tree_statement()).one())
    return _get(ws, "org_tree", key, lambda: OrgTree.load(conn))


@functools.cache
def _tree_statement() -> sa.Select[Any]:
    from biaotong.ledger.tables import ledger_entries
    from biaotong.store.schema import org_units

    f = sa.func
    return sa.select(
        sa.select(f.max(ledger_entries.c.seq)).where(ledger_entries.c.object == "org_tree").scalar_subquery(),
        *(sa.select(agg).select_from(org_units).scalar_subquery()
          for agg in (f.count(), f.max(org_units.c.valid_from), f.max(org_units.c.valid_to))))


def engine(ws: Workspace, **options: Any) -> Engine:
    """A report engine (options as `Engine` takes them, e.g. known_at) whose library is the cached one."""
    from biaotong.reports.context import Engine

    eng = Engine(ws, **options)
    eng.__dict__["library"] = library(ws)  # fills the cached_property
    return eng




def _aggregates() -> list[Any]:
    from biaotong.store.schema import org_events, org_units, report_specs, snapshots, sources
    from biaotong.sync.tables import source_versions

    f = sa.func
    return [
        (snapshots, [f.count(), f.max(snapshots.c.taken_at), f.max(snapshots.c.id)]),
        (sources, [f.count(), f.max(sources.c.updated_at)]),
        (source_versions, [f.count()]),
        (org_units, [f.count(), f.max(org_units.c.valid_from), f.max(org_units.c.valid_to)]),
        (org_events, [f.count(), f.max(org_events.c.id)]),
        (report_specs, [f.count(), f.max(report_specs.c.updated_at), f.count(f.nullif(report_specs.c.status, "rejected"))]),
    ]


def lake_key(ws: Workspace, conn: Connection | None = None) -> tuple[Any, ...]:
    """What the one table, the org tree and the stored specs current now depend on: a sync, a source
    (re)registration or removal, an org-tree change or a spec change gives a new key. One statement of scalar
    subqueries (one round trip, which counts on PostgreSQL), far cheaper than building the one table."""
    if conn is None:  # `conn`: the caller's, saving a checkout (round trips of its own on PostgreSQL)
        from biaotong.store.db import reads

        with reads(ws.engine) as c:
            return lake_key(ws, c)
    return (date.today(), *conn.execute(_lake_statement()).one())


@functools.cache
def _lake_statement() -> sa.Select[Any]:
    """Built once per process: the same statement on every page (building it cost more than running it).
    With the org tree's newest ledger entry: `org import` may rename a unit in place, which moves none of
    the table's counts or dates."""
    from biaotong.ledger.tables import ledger_entries

    return sa.select(*(sa.select(agg).select_from(table).scalar_subquery() for table, aggs in _aggregates()
                       for agg in aggs),
                     sa.select(sa.func.max(ledger_entries.c.seq)).where(ledger_entries.c.object == "org_tree")
                     .scalar_subquery())


_MEMO_MAX = 1024  # distinct (report, period, unit, role) pre-fills kept; oldest dropped first
_memo: OrderedDict[tuple[Any, ...], tuple[Any, Any]] = OrderedDict()


_building: dict[tuple[Any, ...], threading.Lock] = {}


def _memo_get(slot: tuple[Any, ...], key: Any, build: Any, keep: Any = None) -> Any:
    def lookup() -> Any:
        with _lock:
            hit = _memo.get(slot)
            if hit is not None and hit[0] == key:
                _memo.move_to_end(slot)
                return hit
        return None

    if (hit := lookup()) is not None:
        return hit[1]
    # One build per slot at a time: the requests arriving meanwhile wait for it instead of each building the
    # same report (a cold form under 50 users was 50 generations at once).
    with _lock:
        building = _building.setdefault(slot, threading.Lock())
    with building:
        if (hit := lookup()) is not None:
            return hit[1]
        value = build()
        with _lock:
            if keep is None or keep(value):
                _memo[slot] = (key, value)
                _memo.move_to_end(slot)
                while len(_memo) > _MEMO_MAX:
                    _memo.popitem(last=False)
            _building.pop(slot, None)
    return value



def _inputs_key(ws: Workspace, conn: Connection | None = None) -> tuple[Any, ...]:
    from biaotong.reports.library import LIBRARY_DIR
    from biaotong.reports.spec import BUILTIN_SPECS

    return (_files(BUILTIN_SPECS, LIBRARY_DIR, ws.home / "indicators"), lake_key(ws, conn))


def prefill(ws: Workspace, report_id: str, period: str, org_code: str, level: str, role: str,
            generate: Any, asked: Any, conn: Connection | None = None) -> tuple[ReportResult, Any]:
    """A task's generated report (what its pre-filled values come from) and the report's fields people fill,
    kept until a spec, the library, the lake or the org tree changes: a task form is viewed far more often
    than the data behind it changes. A roster report is never kept: generating one records the clear-text
    read in the ledger, every time."""
    key = _inputs_key(ws, conn)
    fields = _memo_get((str(ws.home), "asked", report_id), key, asked)
    return _memo_get((str(ws.home), "prefill", report_id, period, org_code, level, role), key, generate,
                     keep=lambda result: result.spec.layout != "roster"), fields
