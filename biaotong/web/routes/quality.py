"""Data quality: the findings report with filters (each user their scope; IDs masked as their clearance
requires), explaining a finding, the catalogue of checks, completeness and timeliness per source, and outlier
flags of a report. Through biaotong.services.quality."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from biaotong.auth.actor import require_role
from biaotong.errors import AccessDenied, BiaotongError
from biaotong.services import quality as svc
from biaotong.web.deps import ApiActor, Csrf, PageActor, WorkspaceDep
from biaotong.web.render import NavItem, page

# A POST made with the session cookie must carry its CSRF token (a bearer token needs none).
api = APIRouter(prefix="/api/quality", tags=["quality"], dependencies=[Csrf])
pages = APIRouter(prefix="/quality")
READERS = ("data_admin", "sysadmin", "auditor", "designer", "township")
# Completeness and timeliness of every source: the data administration's view of the whole lake.
WHOLE_LAKE = ("data_admin", "sysadmin", "auditor")
# A row id in the address: bounded, so a huge number is a 422, not a database overflow.
Id = Annotated[int, Path(ge=1, le=2**62)]
nav = [NavItem("/quality", "数据质量", "Data quality", READERS, 30)]

Short = Annotated[str | None, Query(max_length=80)]
Status = Annotated[str | None, Query(pattern="^(open|sent|fixed|explained)$")]


class ExplainBody(BaseModel):
    reason: str = Field(max_length=2000)


class RunBody(BaseModel):
    only: list[str] | None = Field(None, description="check slugs (default: all)")


@api.get("/checks", summary="The catalogue of checks: slug, title, level, parameters, message")
def checks_api(actor: ApiActor, ws: WorkspaceDep) -> list[dict[str, Any]]:
    return svc.checks(ws, actor)


@api.get("/report", summary="valid, stats and the findings the user may see")
def report_api(actor: ApiActor, ws: WorkspaceDep, source: Short = None, org: Short = None, check: Short = None,
               status: Status = None, limit: Annotated[int, Query(ge=0, le=100_000)] = 1000) -> dict[str, Any]:
    return svc.report(ws, actor, source=source, org=org, check=check, status=status, limit=limit)


@api.post("/run", summary="Run the catalogue now (data administration)")
def run_api(actor: ApiActor, ws: WorkspaceDep, body: RunBody | None = None) -> dict[str, Any]:
    return svc.run(ws, actor, only=body.only if body else None)


@api.post("/findings/{finding_id}/explain", summary="Close a finding as explained, with the reason")
def explain_api(actor: ApiActor, ws: WorkspaceDep, finding_id: Id, body: ExplainBody) -> dict[str, Any]:
    return svc.explain(ws, actor, finding_id, body.reason)


@api.get("/completeness", summary="Per source: last sync against its frequency, rows, rejects, element fill rates")
def completeness_api(actor: ApiActor, ws: WorkspaceDep) -> dict[str, Any]:
    require_role(actor, *WHOLE_LAKE)
    return svc.completeness(ws, actor)


@api.get("/outliers/{report_id}", summary="Outlier flags beside a report's cells (history and peers)")
def outliers_api(actor: ApiActor, ws: WorkspaceDep, report_id: str, period: Annotated[str, Query(max_length=20)],
                 org: Annotated[str, Query(max_length=12)], history: Annotated[int, Query(ge=1, le=36)] = 6,
                 threshold: Annotated[float, Query(gt=0, le=100)] = 3.5) -> dict[str, Any]:
    return svc.outliers(ws, actor, report_id, period, org, history=history, threshold=threshold)


def _report_page(request: Request, actor: Any, ws: Any, filters: dict[str, Any], error: str | None = None) -> Response:
    require_role(actor, *READERS)
    data = svc.report(ws, actor, limit=500, **filters)
    checks = svc.checks(ws, actor)
    return page(request, "quality.html", actor, data=data, checks=checks, filters=filters, error=error,
                status_code=400 if error else 200)


@pages.get("")
def quality_page(request: Request, actor: PageActor, ws: WorkspaceDep, source: Short = None, org: Short = None,
                 check: Short = None, status: Status = None) -> Response:
    filters = {"source": source or None, "org": org or None, "check": check or None, "status": status or None}
    return _report_page(request, actor, ws, filters)


@pages.post("/findings/{finding_id}/explain", dependencies=[Csrf])
def explain_page(request: Request, actor: PageActor, ws: WorkspaceDep, finding_id: Id,
                 reason: Annotated[str, Form(max_length=2000)] = "") -> Response:
    error = None
    try:
        svc.explain(ws, actor, finding_id, reason)
    except AccessDenied:
        raise
    except BiaotongError as exc:
        error = exc.message
    return _report_page(request, actor, ws, {"source": None, "org": None, "check": None, "status": None}, error)


@pages.get("/completeness")
def completeness_page(request: Request, actor: PageActor, ws: WorkspaceDep) -> Response:
    require_role(actor, *WHOLE_LAKE)
    data = svc.completeness(ws, actor)
    least = {s["source"]: sorted(((e, r) for e, r in (s.get("elements") or {}).items() if r is not None),
                                 key=lambda x: x[1])[:5] for s in data.get("sources", [])}
    return page(request, "quality_completeness.html", actor, data=data, least=least)
