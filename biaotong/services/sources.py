"""Source operations for an acting user: list, test (a masked sample), sync, and the conflicts between sources.

Roles: the data administrator registers, tests and syncs; auditors and designers read the list; conflicts are
for the data administrator and the auditor. Samples (source test, conflict rows) are masked by the user's
clearance, cut to their org subtree, and every clear read of personal data is recorded in the ledger."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from biaotong.auth.actor import Actor, in_scope, require_role
from biaotong.errors import AccessDenied
from biaotong.reports.mask import masker, must_mask
from biaotong.reports.record import clear_personal, record_personal_read

if TYPE_CHECKING:
    from biaotong.catalog.model import DataElement
    from biaotong.sync.run import SyncResult
    from biaotong.workspace import Workspace

SOURCE_READERS = ("data_admin", "auditor", "designer")
CONFLICT_READERS = ("data_admin", "auditor")


def list_sources(actor: Actor, ws: Workspace) -> list[dict[str, Any]]:
    """Every source with its current snapshot and last sync (no row of data)."""
    from biaotong.sync import source_status
    from biaotong.sync.schedule import schedule_status

    require_role(actor, *SOURCE_READERS)
    rows = source_status(ws)
    scheduled = schedule_status(ws)
    for r in rows:  # schedule, next due time, latest missed or failed run
        r["schedule"] = scheduled.get(r["name"])
    return rows


def add_sources(actor: Actor, ws: Workspace, files: list[Path], *, check: bool = True) -> list[Any]:
    """Register each file's spec, checked against its data first unless `check=False` (offline set-up)."""
    from biaotong.sync import add_source

    require_role(actor, "data_admin")
    return [add_source(ws, f, actor=actor.ledger_actor, check=check) for f in files]


def remove_source(actor: Actor, ws: Workspace, name: str) -> dict[str, Any]:
    """Unregister a source; its snapshots stay readable for reports as known at a past time."""
    from biaotong.sync.registry import remove_source as remove

    require_role(actor, "data_admin")
    return remove(ws, name, actor=actor.ledger_actor)


def sync_sources(
    actor: Actor, ws: Workspace, name: str | None, *, progress: Callable[..., None] | None = None,
    accept_drop: bool = False,
) -> list[SyncResult]:
    """Sync one source (progress(rows)) or all of them (progress(source, rows)), as the user. `accept_drop`
    (one source only): make the snapshot held back for losing rows current."""
    from biaotong.sync import sync_all, sync_source

    require_role(actor, "data_admin")
    if name:
        return [sync_source(ws, name, progress=progress, actor=actor.ledger_actor, accept_drop=accept_drop)]
    return sync_all(ws, progress=progress, actor=actor.ledger_actor)


def _mask_rows(
    rows: list[dict[str, Any]], elements: dict[str, DataElement], clearance: str
) -> list[dict[str, Any]]:
    fns = {c: masker(e) for c, e in elements.items() if must_mask(e, clearance)}
    return [{k: (fns[k](v) if k in fns and v not in (None, "") else v) for k, v in r.items()} for r in rows]


def test_source(actor: Actor, ws: Workspace, name: str, *, limit: int = 10, scan: int = 0) -> dict[str, Any]:
    """Connect and preview `limit` mapped rows and the rejects, masked for the user and cut to their scope;
    with `scan`, how place names resolved (by outcome) and the rejects by kind over the first `scan` rows."""
    from biaotong.sources.preview import test_source as preview
    from biaotong.sync import get_source

    require_role(actor, "data_admin")
    info = get_source(ws, name)
    tree = ws.org_tree()
    result = preview(info.spec, ws.catalog, tree, limit=limit, scan=scan)
    entity = info.spec.entity
    elements = {e.code: e for e in ws.catalog.elements_of(entity)}
    shown = {c: elements[c] for c in result.mapped.column_names if c in elements}
    rows = result.mapped.to_pylist()
    if actor.org_code is not None:
        rows = [r for r in rows if r.get("org_code") and in_scope(actor, tree, str(r["org_code"]))]
    rejects = result.rejects.to_pylist()
    by_column = info.spec.element_of_column()
    for r in rejects:
        el = elements.get(by_column.get(str(r.get("column")), ""))
        # A value of an unmapped column may be anything (an ID in the wrong place): masked below cleared.
        if r.get("value") not in (None, "") and (
            (el is not None and must_mask(el, actor.clearance)) or (el is None and actor.clearance != "cleared")
        ):
            r["value"] = masker(el)(r["value"]) if el is not None else "****"
    clear = clear_personal(shown.values(), actor.clearance)
    record_personal_read(ws, f"source:{name}", role=actor.clearance, rows=len(rows), elements=clear,
                         actor=actor.ledger_actor, purpose="source.test")
    return {"source": name, "rows": _mask_rows(rows, shown, actor.clearance), "rejects": rejects,
            "scanned": result.scanned, "resolution": result.resolution, "reject_counts": result.reject_counts}


test_source.__test__ = False  # type: ignore[attr-defined]  # not a pytest test


def conflicts(actor: Actor, ws: Workspace, *, entity: str | None = None, sample: int = 0) -> dict[str, Any]:
    """Disagreements between sources; sample rows masked by each row's element, clear reads recorded."""
    from biaotong.onetable import conflict_report

    require_role(actor, *CONFLICT_READERS)
    if sample and actor.org_code is not None:
        raise AccessDenied(
            f"用户 {actor.username} 的管辖范围有限，不能查看全县的冲突明细",
            f"user {actor.username} has a limited scope and may not read conflict rows of the whole tree",
        )
    report = conflict_report(ws, entity=entity, sample=sample)
    catalog = ws.catalog
    for ent in report["entities"]:
        if not ent.get("sample"):
            continue
        key = catalog.element(ent["entity"], catalog.entity(ent["entity"]).key)
        seen = [key] if not must_mask(key, actor.clearance) else []
        for row in ent["sample"]:
            if must_mask(key, actor.clearance):
                row["entity_key"] = masker(key)(row["entity_key"])
            if catalog.has_element(ent["entity"], str(row["element"])):
                el = catalog.element(ent["entity"], str(row["element"]))
                if must_mask(el, actor.clearance):
                    fn = masker(el)
                    for side in ("winner_value", "loser_value"):
                        if row[side] not in (None, ""):
                            row[side] = fn(row[side])
                else:
                    seen.append(el)
            elif actor.clearance != "cleared":
                row["winner_value"] = row["loser_value"] = "****"
        record_personal_read(ws, f"conflicts:{ent['entity']}", role=actor.clearance, rows=len(ent["sample"]),
                             elements=clear_personal(seen, actor.clearance), actor=actor.ledger_actor,
                             purpose="conflicts.sample")
    return report


def run_scheduled(actor: Actor, ws: Workspace, *, once: bool = True, tick_seconds: int = 60) -> list[Any]:
    """Sync the sources whose `schedule:` is due, as the user (data administrator): once, or every
    `tick_seconds` in the foreground until interrupted (then nothing is returned)."""
    from biaotong.sync.schedule import run_due, start_scheduler

    require_role(actor, "data_admin")
    if once:
        return run_due(ws, actor=actor.ledger_actor)
    start_scheduler(ws, tick_seconds=tick_seconds, blocking=True)
    return []
