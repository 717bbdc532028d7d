"""Admission review (报表准入) for the acting user: reading a review (the report's own department, the data
administration, auditors), and deciding it (the data administration only). The ledger actor is the user."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from biaotong.auth.actor import Actor, require_role
from biaotong.errors import AccessDenied, where
from biaotong.store.schema import report_specs

if TYPE_CHECKING:
    from biaotong.review.admission import ReviewResult
    from biaotong.workspace import Workspace


def _department(ws: Workspace, report_id: str) -> str | None:
    with ws.engine.connect() as conn:
        return conn.execute(sa.select(report_specs.c.department).where(report_specs.c.id == report_id)).scalar()


def review(ws: Workspace, actor: Actor, report_id: str) -> ReviewResult:
    from biaotong.review import review as run

    require_role(actor, "designer", "data_admin", "auditor", "sysadmin")
    if not actor.has_role("data_admin", "auditor", "sysadmin") and _department(ws, report_id) != actor.department:
        raise AccessDenied(f"报表 {report_id} 不属于本部门", f"report {report_id} is not your department's",
                           where(key=report_id))
    return run(ws, report_id)


def decide(ws: Workspace, actor: Actor, report_id: str, verdict: str, reason: str) -> dict[str, Any]:
    """Approve or send back: the data administration reviews what reaches the grassroots."""
    from biaotong.review import approve, reject

    require_role(actor, "data_admin")
    fn = approve if verdict == "approve" else reject
    return fn(ws, report_id, reason, actor.ledger_actor)
