"""Report specs in the metadata store (`report add`): the validated spec as JSON, its SHA-256, a status."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from biaotong.errors import ReportError, where
from biaotong.ledger.events import Event
from biaotong.ledger.log import record
from biaotong.reports.library import Library
from biaotong.reports.resolve import resolve
from biaotong.reports.spec import ReportSpec, load_spec_file
from biaotong.store.schema import report_specs

if TYPE_CHECKING:
    from sqlalchemy import Engine



def validate(spec: ReportSpec, library: Library, catalog: Any, *, file: str | None = None) -> None:
    """Resolve indicators and compile every expression once, so a bad spec is refused before it is stored."""
    from datetime import date

    from biaotong.expr import compile_fields
    from biaotong.expr.compile import queries_of
    from biaotong.reports.resolve import DEFAULT_ENTITY
    from biaotong.reports.roster import roster_elements, roster_query

    day = date.today()
    if spec.layout == "roster":
        roster_elements(spec, catalog)
        roster_query(spec, catalog, day, day, [])
        return
    res = resolve(spec, library)
    for entity, population in queries_of(res.fields, DEFAULT_ENTITY):  # a source's roster compiles too
        compile_fields(res.fields, entity, catalog, day, day, report_id=spec.id, population=population)
    try:
        catalog.department(spec.department)
    except Exception as exc:
        raise ReportError(f"未知的部门：{spec.department}", f"unknown department: {spec.department}",
                          where(file=file, key="department")) from exc


def save_spec(
    engine: Engine, spec: ReportSpec, *, template: bytes | None = None, actor: str = "cli", origin: str = "spec",
) -> str:
    """Insert or replace a draft spec with its ledger entry (`report.register`); returns 'added' or 'updated'.

    An approved or published report cannot be overwritten: it goes through admission review again under a new
    id. Status changes belong to biaotong.review (approve, reject, publish), never to this module.
    """
    now = datetime.now(UTC)
    values: dict[str, Any] = {
        "title": spec.title, "department": spec.department, "layout": spec.layout, "period_type": spec.period_type,
        "spec": spec.to_json(), "spec_sha256": spec.sha256, "status": "draft", "updated_at": now,
    }
    hashes = {"spec_sha256": spec.sha256}
    if template is not None:
        values["template"] = template
        hashes["template_sha256"] = hashlib.sha256(template).hexdigest()
    with engine.begin() as conn:
        row = conn.execute(sa.select(report_specs.c.status).where(report_specs.c.id == spec.id)).first()
        if row is not None and row.status in ("approved", "published"):
            raise ReportError(
                f"报表 {spec.id} 已{'发布' if row.status == 'published' else '通过准入'}，不能覆盖；请换一个编号",
                f"report {spec.id} is {row.status} and cannot be overwritten; use a new id",
                where(key=spec.id),
            )
        if row is None:
            conn.execute(sa.insert(report_specs).values(id=spec.id, created_at=now, **values))
        else:
            conn.execute(sa.update(report_specs).where(report_specs.c.id == spec.id).values(**values))
        record(conn, Event(
            action="report.register", actor=actor, object=f"report:{spec.id}", hashes=hashes,
            detail={"layout": spec.layout, "fields": len(spec.fields), "from": origin},
        ))
    return "added" if row is None else "updated"


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
