"""A task as a unit sees it: every field of the report for the unit and period, pre-filled from systems
(read-only, with its sources and snapshot times), reused from an answer the unit already gave for the
element's window, or asked."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from biaotong.onetable.windows import is_collection_source
from biaotong.tasks import answers as store
from biaotong.tasks.model import UNIT_ENTITY, AskedField, window

ANSWERED = ("draft", "submitted", "approved")  # an answer in any of these is the unit's, shown in its tasks

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from biaotong.reports.result import ReportResult
    from biaotong.workspace import Workspace


@dataclass
class TaskField:
    id: str
    label: str
    unit: str | None
    origin: str  # prefilled | reused | asked | typed
    value: Any
    element: str | None = None  # for fields a person fills: the unit element the answer sets
    window: str | None = None
    sources: list[dict[str, Any]] = field(default_factory=list)
    note: str | None = None  # why a pre-filled value is blank (missing, not zero)

    def to_json(self) -> dict[str, Any]:
        # what dataclasses.asdict gives, without its deep copy of every scalar (a page of fields spent more time
        # there than in its statements); a list or dict value is still copied: it may be the cached report's
        value = copy.deepcopy(self.value) if isinstance(self.value, (dict, list)) else self.value
        return {"id": self.id, "label": self.label, "unit": self.unit, "origin": self.origin, "value": value,
                "element": self.element, "window": self.window, "sources": [dict(s) for s in self.sources],
                "note": self.note}


def generated(ws: Workspace, report_id: str, period: str, org_code: str, level: str, role: str) -> ReportResult:
    from biaotong.reports.generate import generate

    return generate(ws, report_id, period, org_code, level=level, role=role, purpose="task.prefill")


def _values(result: ReportResult) -> dict[str, Any]:
    if result.items:
        return {i["id"]: i["value"] for i in result.items}
    if result.rows:
        return dict(result.rows[0].values)
    return {}


def asked_fields(ws: Workspace, report_id: str) -> dict[str, AskedField]:
    """The fields of a report that a person fills: collected elements, and unit-level elements that no
    department system holds (the collection's own answers do not count as a system)."""
    from biaotong.onetable import build_entity
    from biaotong.reports.context import get_spec, workspace_library
    from biaotong.reports.resolve import resolve

    spec = get_spec(ws, report_id)
    res = resolve(spec, workspace_library(ws))
    catalog = ws.catalog
    merged = build_entity(ws, UNIT_ENTITY)
    out: dict[str, AskedField] = {}
    labels = {c.id: c for c in res.columns()}
    for fid, f in res.fields.items():
        if fid not in res.shown:
            continue
        code: str | None = None
        if f.kind == "collected" and (f.entity or UNIT_ENTITY) == UNIT_ENTITY:
            code = f.collected
        elif f.kind == "aggregate" and f.entity == UNIT_ENTITY and f.agg in ("sum", "max", "min") and f.of \
                and not f.filter and f.of.isidentifier():
            held = [s for s in merged.element_sources.get(f.of, []) if not is_collection_source(s)]
            el = next((e for e in catalog.elements_of(UNIT_ENTITY) if e.code == f.of), None)
            if el is not None and not held:
                code = f.of
        if code is None:
            continue
        el = catalog.element(UNIT_ENTITY, code)
        col = labels.get(fid)
        out[fid] = AskedField(fid, col.label if col else fid, f"{UNIT_ENTITY}.{code}", el.value_type, el.code_list,
                              col.unit if col else el.unit)
    return out


def prefilled(ws: Workspace, *, report_id: str, period: str, org_code: str, level: str, role: str,
              conn: Connection | None = None) -> tuple[ReportResult, dict[str, AskedField]]:
    """The report behind a task's pre-filled values and the report's asked fields, kept per workspace until a
    spec, the lake or the org tree changes (biaotong.reports.cache, whose key is read over `conn` if given)."""
    from biaotong.reports import cache

    return cache.prefill(ws, report_id, period, org_code, level, role,
                         lambda: generated(ws, report_id, period, org_code, level, role),
                         lambda: asked_fields(ws, report_id), conn=conn)


def asked_windows(ws: Workspace, result: ReportResult, asked: dict[str, AskedField]) -> dict[str, str]:
    """Per asked field, the window its answer is kept for in the task's period."""
    out = {}
    for fid, a in asked.items():
        el = ws.catalog.element(*a.element.split(".", 1))
        out[fid] = window(el.validity, str(result.period), result.period.end)
    return out


def fields_of(ws: Workspace, result: ReportResult, asked: dict[str, AskedField], current: dict[tuple[str, str], Any],
              *, task_id: int | None) -> list[TaskField]:
    """Every field of the task, given the unit's current answers per (element, window)."""
    values = _values(result)
    windows = asked_windows(ws, result, asked)
    # The snapshots behind the report (source and time); `report explain` gives each field's own lineage.
    snaps = [{"source": s.get("source"), "taken_at": s.get("taken_at")} for s in result.snapshots
             if not is_collection_source(s.get("source") or "")]
    out: list[TaskField] = []
    for col in result.columns:
        if col.id in asked:
            a = asked[col.id]
            win = windows[col.id]
            ans = current.get((a.element, win))
            if ans is None:
                origin, value = "asked", None
            else:
                origin = "typed" if ans.task_id == task_id and task_id is not None else "reused"
                value = ans.value
            out.append(TaskField(col.id, col.label, col.unit, origin, value, a.element, win))
            continue
        miss = result.missing.get(col.id)
        out.append(TaskField(col.id, col.label, col.unit, "prefilled", values.get(col.id),
                             sources=snaps if miss is None else [], note=(miss or {}).get("zh")))
    return out


def task_fields(
    ws: Workspace, conn: Connection, *, report_id: str, period: str, org_code: str, level: str, role: str,
    task_id: int | None,
) -> tuple[list[TaskField], ReportResult]:
    result, asked = prefilled(ws, report_id=report_id, period=period, org_code=org_code, level=level, role=role,
                              conn=conn)
    windows = asked_windows(ws, result, asked)
    current = store.current_many(conn, org_code, [(a.element, windows[fid]) for fid, a in asked.items()],
                                 statuses=ANSWERED)
    return fields_of(ws, result, asked, current, task_id=task_id), result
