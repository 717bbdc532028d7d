"""The inventory (报表清单): which reports may reach which units, on what basis, how often, at what cost.

A report enters the inventory when it is published after admission review; publishing names where it may
reach (an org unit and the level of the units asked). What a unit may be asked is exactly the listed reports
whose reach covers it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy import Connection

from biaotong.errors import ReportError, where
from biaotong.inventory.tables import inventory_listings
from biaotong.store.schema import report_reviews, report_specs

if TYPE_CHECKING:
    from biaotong.catalog.orgtree import OrgTree

FREQUENCY = {"month": ("月报", "monthly"), "quarter": ("季报", "quarterly"), "half_year": ("半年报", "half-yearly"),
             "year": ("年报", "yearly"), "adhoc": ("不定期", "ad hoc")}
CYCLES_PER_YEAR = {"month": 12, "quarter": 4, "half_year": 2, "year": 1, "adhoc": 1}


@dataclass(frozen=True)
class Reach:
    org: str | None  # None: the whole tree
    level: str

    def covers(self, tree: OrgTree, code: str, on: date | None) -> bool:
        unit = tree.get(code, on)
        if unit.level != self.level:
            return False
        return self.org is None or code == self.org or any(u.code == self.org for u in tree.ancestors(code, on))

    def to_json(self) -> dict[str, Any]:
        return {"org": self.org, "level": self.level}


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def reaches_of(row: Any) -> list[Reach]:
    return [Reach(r.get("org"), r["level"]) for r in _json(row.reach) or []]


def list_report(
    conn: Connection, report_id: str, *, reach: Reach, actor: str, basis: str | None = None,
    basis_ref: str | None = None,
) -> dict[str, Any]:
    """Add `reach` to the report's listing (creating it); basis and reference replace the old when given."""
    spec_row = conn.execute(sa.select(report_specs.c.period_type).where(report_specs.c.id == report_id)).first()
    if spec_row is None:
        raise ReportError(f"没有报表 {report_id}", f"no report {report_id}", where(key=report_id))
    now = datetime.now(UTC)
    row = conn.execute(sa.select(inventory_listings).where(inventory_listings.c.report_id == report_id)).first()
    if row is None:
        values = {"report_id": report_id, "basis": basis or "", "basis_ref": basis_ref or "",
                  "frequency": spec_row.period_type, "reach": [reach.to_json()], "listed_by": actor,
                  "listed_at": now, "updated_at": now}
        conn.execute(sa.insert(inventory_listings).values(**values))
        return values
    reaches = [r.to_json() for r in reaches_of(row)]
    if reach.to_json() not in reaches:
        reaches.append(reach.to_json())
    values = {"reach": reaches, "updated_at": now}
    if basis is not None:
        values["basis"] = basis
    if basis_ref is not None:
        values["basis_ref"] = basis_ref
    conn.execute(sa.update(inventory_listings).where(inventory_listings.c.report_id == report_id).values(**values))
    return {**row._asdict(), **values}


def set_basis(conn: Connection, report_id: str, basis: str, basis_ref: str) -> None:
    done = conn.execute(sa.update(inventory_listings).where(inventory_listings.c.report_id == report_id)
                        .values(basis=basis, basis_ref=basis_ref, updated_at=datetime.now(UTC)))
    if not done.rowcount:
        raise ReportError(f"报表 {report_id} 不在报表清单中（须先通过准入并发布）",
                          f"report {report_id} is not in the inventory (approve and publish it first)",
                          where(key=report_id))


def _latest_review(conn: Connection, report_id: str) -> Any:
    return conn.execute(sa.select(report_reviews).where(report_reviews.c.report_id == report_id)
                        .order_by(report_reviews.c.id.desc()).limit(1)).first()


def entry(conn: Connection, row: Any, tree: OrgTree, on: date | None) -> dict[str, Any]:
    """One listed report as the inventory shows it."""
    spec = conn.execute(sa.select(report_specs.c.title, report_specs.c.department, report_specs.c.status)
                        .where(report_specs.c.id == row.report_id)).first()
    review = _latest_review(conn, row.report_id)
    summary = _json(review.summary) if review is not None else {}
    counts = summary.get("counts", {})
    reaches = reaches_of(row)
    units = 0
    for r in reaches:
        try:
            root = [r.org] if r.org else [u.code for u in tree.roots(on)]
            units += sum(len(tree.descendants(c, level=r.level, on=on, include_self=True)) for c in root)
        except Exception:  # a reach whose unit no longer exists at `on` asks nobody there
            continue
    return {
        "report": row.report_id, "title": spec.title if spec else row.report_id,
        "department": spec.department if spec else None, "status": spec.status if spec else None,
        "basis": row.basis, "basis_ref": row.basis_ref, "frequency": row.frequency,
        "reach": [r.to_json() for r in reaches], "units_asked": units,
        "fields_asked_of_people": int(counts.get("new", 0)) + int(counts.get("reused", 0)),
        "fields_new": int(counts.get("new", 0)), "fields_total": sum(int(v) for v in counts.values()),
        "approved_at": review.created_at if review is not None and review.verdict == "approve" else None,
        "admission": {"verdict": review.verdict, "reason": review.reason} if review is not None else None,
        "minutes_per_cycle": summary.get("minutes_after"),
    }


def all_listings(conn: Connection) -> list[Any]:
    return list(conn.execute(sa.select(inventory_listings).order_by(inventory_listings.c.report_id)))


def for_unit(conn: Connection, tree: OrgTree, org_code: str, on: date | None) -> list[dict[str, Any]]:
    """The listed reports that may be asked of `org_code` itself (`asked_of: unit`), and — for a township or
    county — those asked of the units below it (`asked_of: below`)."""
    tree.get(org_code, on)
    out = []
    for row in all_listings(conn):
        if any(r.covers(tree, org_code, on) for r in reaches_of(row)):
            out.append({**entry(conn, row, tree, on), "asked_of": "unit"})
        elif reaches_unit(conn, tree, row.report_id, org_code, on):
            out.append({**entry(conn, row, tree, on), "asked_of": "below"})
    return out


def reaches_unit(conn: Connection, tree: OrgTree, report_id: str, org_code: str, on: date | None) -> bool:
    """Whether the report may be asked of `org_code` or of a unit below it."""
    row = conn.execute(sa.select(inventory_listings).where(inventory_listings.c.report_id == report_id)).first()
    if row is None:
        return False
    for r in reaches_of(row):
        if r.covers(tree, org_code, on):
            return True
        # A township (or county) sees what the units below it are asked.
        area_inside_unit = r.org is not None and any(u.code == org_code for u in tree.ancestors(r.org, on))
        unit_inside_area = r.org is None or r.org == org_code or any(
            u.code == r.org for u in tree.ancestors(org_code, on))
        if area_inside_unit or (unit_inside_area and tree.descendants(org_code, level=r.level, on=on)):
            return True
    return False
