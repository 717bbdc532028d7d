"""The report inventory (报表清单) as each acting user may read and keep it, and the yearly review that
weighs every listed report by the hours it costs and what the grassroots said about it.

Nothing here counts clicks, views or downloads: burden is hours of work, and evidence is feedback."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from biaotong.auth.actor import Actor, require_role, require_scope
from biaotong.errors import AccessDenied, where
from biaotong.feedback.tables import feedback_items
from biaotong.inventory import listing
from biaotong.inventory.tables import outside_forms
from biaotong.ledger.events import Event
from biaotong.ledger.log import record
from biaotong.store.schema import report_specs

if TYPE_CHECKING:
    from biaotong.workspace import Workspace

REVIEW_CATEGORIES = ("duplicate", "unclear", "burden")


def for_unit(ws: Workspace, actor: Actor, org_code: str | None = None, on: date | None = None
             ) -> dict[str, Any]:
    """What may be asked of a unit: the listed reports whose reach covers it. Without a unit, a user with
    the whole tree in scope sees every listing."""
    tree = ws.org_tree()
    code = org_code or actor.org_code
    with ws.engine.connect() as conn:
        if code is None:
            rows = [listing.entry(conn, r, tree, on) for r in listing.all_listings(conn)]
            return {"org": None, "date": on, "reports": rows}
        require_scope(actor, tree, code, on)
        unit = tree.get(code, on)
        return {"org": code, "name": unit.name, "level": unit.level, "date": on,
                "reports": listing.for_unit(conn, tree, code, on)}


def set_basis(ws: Workspace, actor: Actor, report_id: str, basis: str, basis_ref: str) -> dict[str, Any]:
    """The legal or policy basis a listed report rests on (the owning department or the data administration)."""
    require_role(actor, "designer", "data_admin")
    with ws.engine.begin() as conn:
        dept = conn.execute(sa.select(report_specs.c.department).where(report_specs.c.id == report_id)).scalar()
        if actor.has_role("designer") and not actor.has_role("data_admin") and dept != actor.department:
            raise AccessDenied(f"报表 {report_id} 不属于 {actor.department}", f"report {report_id} is not {actor.department}'s",
                               where(key=report_id))
        listing.set_basis(conn, report_id, basis.strip(), basis_ref.strip())
        record(conn, Event(action="inventory.basis", actor=actor.ledger_actor, object=f"report:{report_id}",
                           detail={"basis_ref": basis_ref.strip()[:200]}))
    return {"report": report_id, "basis": basis.strip(), "basis_ref": basis_ref.strip()}


def yearly_review(ws: Workspace, actor: Actor, year: int) -> dict[str, Any]:
    """Per listed report: burden hours per year, its duplicate / unclear / burden feedback; per department:
    the 表外表 it sent. The evidence to merge or drop reports."""
    require_role(actor, "data_admin", "auditor", "sysadmin", "designer")
    if not 2000 <= year <= 2100:
        from biaotong.errors import WorkflowError

        raise WorkflowError(f"年度应在 2000–2100 之间：{year}", f"the year is 2000–2100: {year}", where(field="year"))
    tree = ws.org_tree()
    start = datetime(year, 1, 1, tzinfo=UTC)
    end = datetime(year + 1, 1, 1, tzinfo=UTC)
    on = min(date(year, 12, 31), date.today())
    reports: list[dict[str, Any]] = []
    with ws.engine.connect() as conn:
        fb: dict[str, dict[str, int]] = {}
        for rid, cat, created in conn.execute(sa.select(
                feedback_items.c.report_id, feedback_items.c.category, feedback_items.c.created_at)):
            created = created if created.tzinfo else created.replace(tzinfo=UTC)
            if rid and start <= created < end:
                fb.setdefault(rid, {}).setdefault(cat, 0)
                fb[rid][cat] += 1
        for row in listing.all_listings(conn):
            e = listing.entry(conn, row, tree, on)
            if actor.has_role("designer") and not actor.has_role("data_admin", "auditor", "sysadmin") \
                    and e["department"] != actor.department:
                continue
            cycles = listing.CYCLES_PER_YEAR.get(e["frequency"], 1)
            minutes = e["minutes_per_cycle"]
            counts = fb.get(e["report"], {})
            reports.append({
                "report": e["report"], "title": e["title"], "department": e["department"],
                "frequency": e["frequency"], "units_asked": e["units_asked"],
                # From admission review's estimate (fields typed × units × minutes per field) until tasks
                # record the real work.
                "burden_hours_per_year": round(minutes * cycles / 60, 1) if minutes is not None else None,
                "feedback": {c: counts.get(c, 0) for c in REVIEW_CATEGORIES},
                "feedback_total": sum(counts.values()),
            })
        outside = conn.execute(
            sa.select(outside_forms.c.department, sa.func.count())
            .where(outside_forms.c.received_on >= date(year, 1, 1), outside_forms.c.received_on <= date(year, 12, 31))
            .group_by(outside_forms.c.department)).all()
    reports.sort(key=lambda r: (-(r["burden_hours_per_year"] or 0), r["report"]))
    return {"year": year, "reports": reports,
            "outside_forms_by_department": {d: int(n) for d, n in sorted(outside)}}


def publish(
    ws: Workspace, actor: Actor, report_id: str, *, to: str | None = None, level: str | None = None,
    basis: str | None = None, basis_ref: str | None = None,
) -> dict[str, Any]:
    """Publish an approved report to an area (the owning department's designer or the data administration);
    it enters the inventory with that reach."""
    from biaotong.review.admission import publish as publish_report

    require_role(actor, "designer", "data_admin")
    with ws.engine.connect() as conn:
        dept = conn.execute(sa.select(report_specs.c.department).where(report_specs.c.id == report_id)).scalar()
    if actor.has_role("designer") and not actor.has_role("data_admin") and dept != actor.department:
        raise AccessDenied(f"报表 {report_id} 不属于 {actor.department}，不能由其发布",
                           f"report {report_id} is not {actor.department}'s to publish", where(key=report_id))
    if to is not None:
        require_scope(actor, ws.org_tree(), to)
    elif actor.org_code is not None:
        to = actor.org_code  # a county user publishes to their county, never beyond it
    return publish_report(ws, report_id, actor.ledger_actor, to=to, level=level, basis=basis, basis_ref=basis_ref)
