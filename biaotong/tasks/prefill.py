"""A task as a unit sees it: every field of the report for the unit and period, pre-filled from systems
(read-only, with its sources and snapshot times), reused from an answer the unit already gave for the
element's window, or asked."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from biaotong.tasks import answers as store
from biaotong.tasks.answers import COLLECTION_SOURCE
from biaotong.tasks.model import UNIT_ENTITY, AskedField, window

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
        return asdict(self)


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
            held = [s for s in merged.element_sources.get(f.of, []) if s != COLLECTION_SOURCE]
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


def task_fields(
    ws: Workspace, conn: Connection, *, report_id: str, period: str, org_code: str, level: str, role: str,
    task_id: int | None,
) -> tuple[list[TaskField], ReportResult]:
    from biaotong.reports import cache  # kept per workspace until a spec, the lake or the org tree changes

    result, asked = cache.prefill(ws, report_id, period, org_code, level, role,
                                  lambda: generated(ws, report_id, period, org_code, level, role),
                                  lambda: asked_fields(ws, report_id))
    values = _values(result)
    # The snapshots behind the report (source and time); `report explain` gives each field's own lineage.
    snaps = [{"source": s.get("source"), "taken_at": s.get("taken_at")} for s in result.snapshots
             if s.get("source") != COLLECTION_SOURCE]
    out: list[TaskField] = []
    for col in result.columns:
        if col.id in asked:
            a = asked[col.id]
            el = ws.catalog.element(*a.element.split(".", 1))
            win = window(el.validity, str(result.period), result.period.end)
            ans = store.current(conn, org_code, a.element, win, statuses=("draft", "submitted", "approved"))
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
    return out, result
