"""Catalog and org-tree operations for an acting user.

The standard (data elements, code lists) is public knowledge: every user reads it. The org tree is cut to
the user's subtree as it stood on the date asked; importing the tree is the data administrator's."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from biaotong.auth.actor import Actor, in_scope, require_role

if TYPE_CHECKING:
    from biaotong.workspace import Workspace


def elements(actor: Actor, ws: Workspace, entity: str | None = None) -> list[dict[str, Any]]:
    cat = ws.catalog
    return [
        {"entity": e.entity, "code": e.code, "name": e.name, "aliases": list(e.aliases), "value_type": e.value_type,
         "unit": e.unit, "code_list": e.code_list, "definition": e.definition, "sensitivity": e.sensitivity,
         "source_department": e.source_department, "validator": e.validator, "collected": e.collected}
        for e in (cat.elements_of(entity) if entity else cat.elements)
    ]


def code_list(actor: Actor, ws: Workspace, list_id: str) -> dict[str, Any]:
    cl = ws.catalog.code_list(list_id)
    return {"id": cl.id, "name": cl.name, "standard": cl.standard,
            "codes": [{"code": c.code, "label": c.label, "aliases": list(c.aliases)} for c in cl.codes]}


def org_units(actor: Actor, ws: Workspace, on: date | None = None, level: str | None = None) -> list[dict[str, Any]]:
    """The units valid on `on` (default today) inside the user's subtree as the tree stood that day."""
    day = on or date.today()
    tree = ws.org_tree()
    return [u.to_json() for u in tree.as_of(day, level) if in_scope(actor, tree, u.code, day)]


def import_org(actor: Actor, ws: Workspace, file: Path) -> dict[str, Any]:
    from biaotong.catalog.orgtree import import_org_tree

    require_role(actor, "data_admin", "sysadmin")
    with ws.engine.begin() as conn:
        return vars(import_org_tree(conn, file, actor=actor.ledger_actor))
