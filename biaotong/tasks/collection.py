"""The grassroots collection is itself a source: finally approved answers (the publishing department's
approval, after the township's) are written to JSON files in the workspace and synced like any department
system (department `grassroots`, entity village), so reports, the one table, lineage and the ledger treat
them as every other snapshot.

One source per validity window (`biaotong.onetable.windows`): `grassroots_collection` holds the answers valid
until changed, `grassroots_collection_2025_06`, `_2025q2`, `_2025` those of one month, quarter or year. A report
of a period reads only its own windows, so approving July's answers never changes what June's report says;
the one table without a period (export, data return, quality) reads each unit's newest answer."""

from __future__ import annotations

import hashlib
import json
import os
from typing import TYPE_CHECKING, Any

import yaml

from biaotong.onetable.windows import (
    COLLECTION_SOURCE,
    collection_source,
    is_collection_source,
    recency,
    window_of,
)
from biaotong.tasks.model import UNIT_ENTITY
from biaotong.tasks.tables import answers

if TYPE_CHECKING:
    from pathlib import Path

    from biaotong.workspace import Workspace

__all__ = ["COLLECTION_SOURCE", "approved_by_window", "is_collection_source", "refresh", "window_of"]


def _paths(ws: Workspace, name: str) -> tuple[Path, Path]:
    folder = ws.home / "collection"
    folder.mkdir(exist_ok=True)
    # The `*` window keeps the file names it always had, so an existing workspace's spec stays valid.
    data = folder / ("answers.json" if name == COLLECTION_SOURCE else f"answers_{name[len(COLLECTION_SOURCE) + 1:]}.json")
    return data, folder / f"{name}.yaml"


def approved_by_window(conn: Any, entity: str) -> dict[str, dict[str, dict[str, Any]]]:
    """Per window, per unit, the newest finally approved answer of each element of `entity`. A newer version
    still under review (typed, submitted, passed by the township) does not hide the approved one: only the
    department's approval changes what reports read."""
    import sqlalchemy as sa

    rows = conn.execute(sa.select(answers.c.window, answers.c.org_code, answers.c.element, answers.c.value)
                        .where(answers.c.status == "approved", answers.c.element.like(f"{entity}.%"))
                        .order_by(answers.c.id)).all()
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for win, org, element, value in rows:
        out.setdefault(win, {}).setdefault(org, {})[element.split(".", 1)[1]] = value
    return out


def refresh(ws: Workspace, actor: str) -> dict[str, Any]:
    """Write the approved answers of every window and sync each window's source (registering or widening it
    as needed; a window whose answers did not change keeps its snapshot)."""
    with ws.engine.connect() as conn:
        by_window = approved_by_window(conn, UNIT_ENTITY)
        registered = _synced(conn)
    windows = {}
    for win in sorted(by_window, key=recency):
        windows[win] = _refresh_window(ws, actor, win, by_window[win], registered)
    # The figures of the `*` window at the top level, as before, and every window beside them.
    top = windows.get("*", {"units": 0, "elements": [], "snapshot": None, "unchanged": True})
    from biaotong.tasks.roster import refresh_residents  # roster tasks' per-person answers

    return {**top, "windows": windows, "residents": refresh_residents(ws, actor),
            "units_total": len({org for table in by_window.values() for org in table})}


def _synced(conn: Any) -> dict[str, str | None]:
    """Each registered collection source, and the snapshot of its current spec version (None: not synced)."""
    from biaotong.lake.snapshots import latest_snapshot
    from biaotong.sync.registry import registered_at

    out: dict[str, str | None] = {}
    for name, _, since in registered_at(conn, UNIT_ENTITY):
        if is_collection_source(name):
            snap = latest_snapshot(conn, name, None, since=since)
            out[name] = snap.id if snap is not None else None
    return out


def _refresh_window(ws: Workspace, actor: str, win: str, table: dict[str, dict[str, Any]],
                    registered: dict[str, str | None]) -> dict[str, Any]:
    from biaotong.sync.registry import add_source
    from biaotong.sync.run import sync_source

    name = collection_source(win)
    codes = sorted({c for vals in table.values() for c in vals})
    data, spec_path = _paths(ws, name)
    items = [{"org_code": org, **{c: vals.get(c) for c in codes}} for org, vals in sorted(table.items())]
    body = json.dumps({"items": items}, ensure_ascii=False)
    digest = hashlib.sha256(body.encode()).hexdigest()
    # What the last successful sync read: a file written by a sync that then failed (or was killed) is not.
    mark = data.with_suffix(".synced")
    same_data = mark.exists() and mark.read_text(encoding="utf-8") == digest and data.exists()
    if not same_data:
        mark.unlink(missing_ok=True)
        tmp = data.with_suffix(".tmp")
        tmp.write_text(body, encoding="utf-8")
        os.replace(tmp, data)  # a reader never sees half a file
    title = "基层一次采集（填报任务的审核通过答复" + ("，长期有效）" if win == "*" else f"，{win}）")
    spec = {
        "name": name, "title": title, "department": "grassroots",
        "entity": UNIT_ENTITY, "connection": {"kind": "json", "path": data.name, "records": "items"},
        "key": "org_code", "columns": {"org_code": "org_code", **{c: c for c in codes}},
        "sync": {"mode": "full"},
    }
    text = yaml.safe_dump(spec, allow_unicode=True, sort_keys=False)
    same_spec = name in registered and spec_path.exists() and spec_path.read_text(encoding="utf-8") == text
    if same_spec and same_data and registered[name] is not None:
        # Another window's approval: this window's answers, and so its snapshot, are as they were. Not syncing
        # it keeps an approval's cost to the windows it touched, however many months have been collected.
        return {"source": name, "units": len(items), "elements": codes, "snapshot": registered[name],
                "unchanged": True}
    if not same_spec:
        spec_path.write_text(text, encoding="utf-8")
        add_source(ws, spec_path, actor=actor)
    result = sync_source(ws, name, actor=actor, hooks=False)
    if result.ok and result.snapshot is not None:
        mark.write_text(digest, encoding="utf-8")
    return {"source": name, "units": len(items), "elements": codes,
            "snapshot": result.snapshot.id if result.snapshot else None, "unchanged": result.unchanged}
