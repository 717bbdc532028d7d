"""Report specs in the metadata store (`report add`): the validated spec as JSON, its SHA-256, a status."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from biaotong.errors import ReportError, where
from biaotong.reports.library import Library
from biaotong.reports.resolve import resolve
from biaotong.reports.spec import ReportSpec, load_spec_file
from biaotong.store.schema import report_specs

if TYPE_CHECKING:
    from sqlalchemy import Engine

STATUSES = ("draft", "approved", "rejected", "published")


def validate(spec: ReportSpec, library: Library, catalog: Any, *, file: str | None = None) -> None:
    """Resolve indicators and compile every expression once, so a bad spec is refused before it is stored."""
    from datetime import date

    from biaotong.expr import compile_fields, entities_of
    from biaotong.reports.resolve import DEFAULT_ENTITY
    from biaotong.reports.roster import roster_elements, roster_query

    day = date.today()
    if spec.layout == "roster":
        roster_elements(spec, catalog)
        roster_query(spec, catalog, day, day, [])
        return
    res = resolve(spec, library)
    for entity in entities_of(res.fields, DEFAULT_ENTITY):
        compile_fields(res.fields, entity, catalog, day, day, report_id=spec.id)
    try:
        catalog.department(spec.department)
    except Exception as exc:
        raise ReportError(f"未知的部门：{spec.department}", f"unknown department: {spec.department}",
                          where(file=file, key="department")) from exc


def save_spec(engine: Engine, spec: ReportSpec, *, status: str = "draft", template: bytes | None = None) -> str:
    """Insert or replace a spec; returns 'added' or 'updated'."""
    if status not in STATUSES:
        raise ReportError(f"未知的状态：{status}", f"unknown status: {status}", where(key="status"))
    now = datetime.now(UTC)
    values = {
        "title": spec.title, "department": spec.department, "layout": spec.layout, "period_type": spec.period_type,
        "spec": spec.to_json(), "spec_sha256": spec.sha256, "status": status, "updated_at": now,
    }
    if template is not None:
        values["template"] = template
    with engine.begin() as conn:
        exists = conn.execute(sa.select(report_specs.c.id).where(report_specs.c.id == spec.id)).first()
        if exists:
            conn.execute(sa.update(report_specs).where(report_specs.c.id == spec.id).values(**values))
            return "updated"
        conn.execute(sa.insert(report_specs).values(id=spec.id, created_at=now, **values))
        return "added"


def set_status(engine: Engine, report_id: str, status: str) -> None:
    if status not in STATUSES:
        raise ReportError(f"未知的状态：{status}", f"unknown status: {status}", where(key="status"))
    with engine.begin() as conn:
        n = conn.execute(
            sa.update(report_specs).where(report_specs.c.id == report_id)
            .values(status=status, updated_at=datetime.now(UTC))
        ).rowcount
    if not n:
        raise ReportError(f"未登记的报表：{report_id}", f"report not stored: {report_id}", where(key=report_id))


def stored(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(
            report_specs.c.id, report_specs.c.status, report_specs.c.spec_sha256, report_specs.c.updated_at
        ).order_by(report_specs.c.id)).mappings().all()
    return [dict(r) for r in rows]


def add_file(engine: Engine, path: Path | str, library: Library, catalog: Any) -> tuple[ReportSpec, str]:
    spec = load_spec_file(path)
    validate(spec, library, catalog, file=str(path))
    return spec, save_spec(engine, spec)
