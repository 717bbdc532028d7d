"""Reports: the list, one report for a unit and period (table, chart, downloads), a cell's explanation."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Query, Request
from fastapi.responses import FileResponse, Response

from biaotong.reports.export import suffix
from biaotong.services import reports as svc
from biaotong.web.deps import ApiActor, PageActor, WorkspaceDep
from biaotong.web.render import NavItem, page

api = APIRouter(prefix="/api/reports", tags=["reports"])
pages = APIRouter(prefix="/reports")
nav = [NavItem("/reports", "报表", "Reports", ("grassroots", "township", "designer", "data_admin", "auditor"), 10)]

Period = Annotated[str | None, Query(max_length=20, description="2026-06, 2026Q2, 2026H1, 2026 (default: last month)")]
Org = Annotated[str | None, Query(max_length=12, description="org unit code (default: the user's scope root)")]
MEDIA = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "csv": "text/csv",
         "json": "application/json"}
MEDIA["template"] = MEDIA["xlsx"]  # the department's own form, filled


@api.get("", summary="Reports the user may read")
def list_api(actor: ApiActor, ws: WorkspaceDep) -> list[dict[str, Any]]:
    return svc.list_reports(actor, ws)


@api.get("/{report_id}", summary="A report for a unit and period, masked for the user")
def result_api(actor: ApiActor, ws: WorkspaceDep, report_id: str, period: Period = None, org: Org = None,
               level: str | None = None) -> dict[str, Any]:
    per, unit = svc.default_question(actor, ws, period, org)
    return svc.report_result(actor, ws, report_id, per, unit, level=level).to_json()


@api.get("/{report_id}/explain", summary="One cell: expression, SQL, snapshots, drill-down")
def explain_api(actor: ApiActor, ws: WorkspaceDep, report_id: str, field: Annotated[str, Query(max_length=80)],
                period: Period = None, org: Org = None,
                limit: Annotated[int, Query(ge=1, le=200)] = 20) -> dict[str, Any]:
    per, unit = svc.default_question(actor, ws, period, org)
    return svc.explain_cell(actor, ws, report_id, per, unit, field, limit=limit)


@api.get("/{report_id}/download", summary="The report as a file (xlsx, csv, json, or the department's own form: "
         "template); recorded in the ledger")
def download_api(actor: ApiActor, ws: WorkspaceDep, report_id: str, background: BackgroundTasks,
                 period: Period = None, org: Org = None,
                 format: Annotated[str, Query(pattern="^(xlsx|csv|json|template)$")] = "xlsx") -> Response:
    per, unit = svc.default_question(actor, ws, period, org)
    folder = Path(tempfile.mkdtemp(prefix="biaotong-dl-"))
    name = f"{report_id}-{per}-{unit}{suffix(format)}"
    done = svc.generate_report(actor, ws, report_id, per, unit, folder / name, fmt=format)
    background.add_task(lambda: (done.path.unlink(missing_ok=True), folder.rmdir()))
    return FileResponse(done.path, media_type=MEDIA[format], filename=name)


@pages.get("")
def list_page(request: Request, actor: PageActor, ws: WorkspaceDep) -> Response:
    return page(request, "reports.html", actor, reports=svc.list_reports(actor, ws))


def _chart(result: Any) -> dict[str, Any] | None:
    """The first numeric column by unit, for an ECharts bar chart (rows below the total only)."""
    rows = [r for r in result.rows if not r.is_total]
    for c in result.columns:
        values = [r.values.get(c.id) for r in rows]
        if rows and all(isinstance(v, int | float) or v is None for v in values) and any(values):
            return {"title": c.label, "labels": [r.name for r in rows], "values": values}
    return None


@pages.get("/{report_id}")
def report_page(request: Request, actor: PageActor, ws: WorkspaceDep, report_id: str, period: Period = None,
                org: Org = None) -> Response:
    per, unit = svc.default_question(actor, ws, period, org)
    result = svc.report_result(actor, ws, report_id, per, unit)
    heads, body = result.table()
    return page(request, "report.html", actor, result=result, heads=heads, body=body, period=per, org=unit,
                chart=_chart(result) if result.layout == "aggregate" else None)


@pages.get("/{report_id}/explain")
def explain_page(request: Request, actor: PageActor, ws: WorkspaceDep, report_id: str,
                 field: Annotated[str, Query(max_length=80)], period: Period = None, org: Org = None) -> Response:
    per, unit = svc.default_question(actor, ws, period, org)
    info = svc.explain_cell(actor, ws, report_id, per, unit, field)
    return page(request, "explain.html", actor, info=info, report_id=report_id, period=per, org=unit)
