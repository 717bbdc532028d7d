"""An entity that no synced source lists, counted through its members: where no system holds a row of 户
(households) but the population register gives each resident a 户号 (`resident.household_id`, the household
entity's key), the number of households is the number of distinct 户号 among the register's members at the
period end. Only a plain count is carried over — a filter over the entity's own elements (户类型, 农户) needs
its own rows, and stays missing, never 0."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from biaotong.expr import FieldExpr
from biaotong.onetable import OneTableState
from biaotong.reports.resolve import DEFAULT_ENTITY


def _listed(state: OneTableState, entity: str) -> bool:
    merged = state.entities.get(entity)
    return merged is not None and merged.path is not None


def member_entity(state: OneTableState, catalog: Any, entity: str) -> str | None:
    """The entity whose synced rows carry `entity`'s key, when `entity` itself has no rows (None otherwise)."""
    if _listed(state, entity):
        return None
    try:
        key = catalog.entity(entity).key
    except Exception:  # an entity the catalog does not know: nothing to count through
        return None
    for other in sorted(state.entities):
        merged = state.entities[other]
        if other != entity and merged.path is not None and merged.holds(key) and catalog.has_element(other, key):
            return other
    return None


def count_through_members(
    fields: Mapping[str, FieldExpr], state: OneTableState | None, catalog: Any, *, report_id: str,
) -> tuple[dict[str, FieldExpr], dict[str, dict[str, Any]]]:
    """`fields` with each plain count of an unlisted entity read as a distinct count of its key over the
    members' rows, and per such field the note saying so (zh / en) for the report's warnings and lineage."""
    out = dict(fields)
    notes: dict[str, dict[str, Any]] = {}
    if state is None:
        return out, notes
    for fid, f in fields.items():
        entity = f.entity or DEFAULT_ENTITY
        if f.kind != "aggregate" or f.agg != "count" or f.filter or f.population or f.date:
            continue
        members = member_entity(state, catalog, entity)
        if members is None:
            continue
        key = catalog.entity(entity).key
        out[fid] = FieldExpr.load({"agg": "count_distinct", "entity": members, "of": key, "window": f.window},
                                  report_id=report_id, field_id=fid)
        name, mname = catalog.entity(entity).name, catalog.entity(members).name
        kname = catalog.element(members, key).name
        notes[fid] = {
            "zh": f"没有数据源列出「{name}」本身，按「{mname}」的{kname}（{members}.{key}）去重计数",
            "en": f"no source lists {entity} rows: counted as distinct {members}.{key}",
            "entity": entity, "members": members, "key": key,
        }
    return out, notes
