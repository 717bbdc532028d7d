"""The demo's grassroots half: one report with collected fields (村（社区）基本情况表) approved and published
for the demo year to every village, so each village's task is there to open, fill and submit at once."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from biaotong.auth.actor import Actor

if TYPE_CHECKING:
    from biaotong.workspace import Workspace

DEMO_TASK_REPORT = "tj_village_basic"


def seed_tasks(ws: Workspace, year: str) -> dict[str, Any]:
    """Register, approve and publish the village card for `year` (idempotent: a second run creates none)."""
    import sqlalchemy as sa

    from biaotong.reports.library import builtin_library
    from biaotong.reports.spec import BUILTIN_SPECS
    from biaotong.reports.store import add_file
    from biaotong.review import approve
    from biaotong.services.tasks import publish
    from biaotong.store.schema import report_specs

    with ws.engine.connect() as conn:
        status = conn.execute(sa.select(report_specs.c.status).where(report_specs.c.id == DEMO_TASK_REPORT)).scalar()
    if status is None:
        add_file(ws.engine, BUILTIN_SPECS / f"{DEMO_TASK_REPORT}.yaml", builtin_library(), ws.catalog)
        status = "draft"
    if status == "draft":
        approve(ws, DEMO_TASK_REPORT, "系统生成大部分字段，仅村民小组数、两委成员数等由村填报一次", "admin")
    admin = Actor("admin", frozenset({"data_admin", "sysadmin"}), None, None, "staff")
    return publish(ws, admin, DEMO_TASK_REPORT, period=year, level="village",
                   basis="《统计法》", basis_ref="县统计局年报制度")
