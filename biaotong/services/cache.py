"""What every request would otherwise parse again: the indicator library and the report specs, kept per
workspace and rebuilt when a file's modification time or the stored specs change. A web app answers many
requests a second; parsing 14 YAML files on each one cost more than computing the report."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

if TYPE_CHECKING:
    from biaotong.reports.context import Engine
    from biaotong.reports.library import Library
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
    from biaotong.store.schema import report_specs

    with ws.engine.connect() as conn:
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


def engine(ws: Workspace, **options: Any) -> Engine:
    """A report engine (options as `Engine` takes them, e.g. known_at) whose library is the cached one."""
    from biaotong.reports.context import Engine

    eng = Engine(ws, **options)
    eng.__dict__["library"] = library(ws)  # fills the cached_property
    return eng
