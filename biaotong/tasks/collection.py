"""The grassroots collection is itself a source: finally approved answers (the publishing department's
approval, after the township's) are written to a JSON file in the workspace and synced like any department
system (`grassroots_collection`, department `grassroots`, entity village), so reports, the one table,
lineage and the ledger treat them as every other snapshot."""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Any

import yaml

from biaotong.tasks.answers import COLLECTION_SOURCE
from biaotong.tasks.model import UNIT_ENTITY
from biaotong.tasks.tables import answers

if TYPE_CHECKING:
    from biaotong.workspace import Workspace


def _paths(ws: Workspace) -> tuple[Any, Any]:
    folder = ws.home / "collection"
    folder.mkdir(exist_ok=True)
    return folder / "answers.json", folder / f"{COLLECTION_SOURCE}.yaml"


def approved_answers(conn: Any, entity: str) -> dict[str, dict[str, Any]]:
    """Per unit, the newest finally approved answer of each element of `entity` (the newest window wins). A
    newer version still under review (typed, submitted, passed by the township) does not hide the approved
    one: only the department's approval changes what reports read."""
    import sqlalchemy as sa

    rows = conn.execute(sa.select(answers.c.org_code, answers.c.element, answers.c.value)
                        .where(answers.c.status == "approved", answers.c.element.like(f"{entity}.%"))
                        .order_by(answers.c.window, answers.c.id)).all()
    out: dict[str, dict[str, Any]] = {}
    for org, element, value in rows:
        out.setdefault(org, {})[element.split(".", 1)[1]] = value
    return out


def refresh(ws: Workspace, actor: str) -> dict[str, Any]:
    """Write the approved answers and sync the collection source (registering or widening it as needed)."""
    import sqlalchemy as sa

    from biaotong.store.schema import sources
    from biaotong.sync.registry import add_source
    from biaotong.sync.run import sync_source

    with ws.engine.connect() as conn:
        table = approved_answers(conn, UNIT_ENTITY)
    codes = sorted({c for vals in table.values() for c in vals})
    data, spec_path = _paths(ws)
    items = [{"org_code": org, **{c: vals.get(c) for c in codes}} for org, vals in sorted(table.items())]
    tmp = data.with_suffix(".tmp")
    tmp.write_text(json.dumps({"items": items}, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, data)  # a reader never sees half a file
    spec = {
        "name": COLLECTION_SOURCE, "title": "基层一次采集（填报任务的审核通过答复）", "department": "grassroots",
        "entity": UNIT_ENTITY, "connection": {"kind": "json", "path": data.name, "records": "items"},
        "key": "org_code", "columns": {"org_code": "org_code", **{c: c for c in codes}},
        "sync": {"mode": "full"},
    }
    text = yaml.safe_dump(spec, allow_unicode=True, sort_keys=False)
    with ws.engine.connect() as conn:
        registered = conn.execute(sa.select(sources.c.name).where(sources.c.name == COLLECTION_SOURCE)).first()
    if registered is None or not spec_path.exists() or spec_path.read_text(encoding="utf-8") != text:
        spec_path.write_text(text, encoding="utf-8")
        add_source(ws, spec_path, actor=actor)
    result = sync_source(ws, COLLECTION_SOURCE, actor=actor, hooks=False)
    return {"units": len(items), "elements": codes, "snapshot": result.snapshot.id if result.snapshot else None,
            "unchanged": result.unchanged}
