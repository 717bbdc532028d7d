"""The report inventory (报表清单): what may be asked of a unit, each report's basis, and the yearly review
weighing each listed report by its hours and its feedback. Through biaotong.services.inventory."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from biaotong.errors import AccessDenied, BiaotongError
from biaotong.services import inventory as svc
from biaotong.web.deps import ApiActor, Csrf, PageActor, WorkspaceDep
from biaotong.web.render import NavItem, page

# A POST made with the session cookie must carry its CSRF token (a bearer token needs none).
api = APIRouter(prefix="/api/inventory", tags=["inventory"], dependencies=[Csrf])
pages = APIRouter(prefix="/inventory")
nav = [NavItem("/inventory", "报表清单", "Inventory", (), 25)]

Org = Annotated[str | None, Query(max_length=12, description="org unit code (default: the user's own unit)")]


class BasisBody(BaseModel):
    basis: str = Field(max_length=2000, description="the legal or policy basis")
    basis_ref: str = Field(max_length=500, description="its reference (document number)")


@api.get("", summary="The listed reports that reach a unit")
def for_unit_api(actor: ApiActor, ws: WorkspaceDep, org: Org = None, on: date | None = None) -> dict[str, Any]:
    return svc.for_unit(ws, actor, org, on)


@api.get("/review/{year}", summary="Yearly review: burden hours and feedback per listed report, 表外表 per department")
def review_api(actor: ApiActor, ws: WorkspaceDep, year: Annotated[int, Path(ge=1900, le=2100)]) -> dict[str, Any]:
    return svc.yearly_review(ws, actor, year)


@api.post("/{report_id}/basis", summary="Set a listed report's legal or policy basis")
def basis_api(actor: ApiActor, ws: WorkspaceDep, report_id: str, body: BasisBody) -> dict[str, Any]:
    return svc.set_basis(ws, actor, report_id, body.basis, body.basis_ref)


def _page(request: Request, actor: Any, ws: Any, org: str | None, error: str | None = None) -> Response:
    data = svc.for_unit(ws, actor, org)
    editor = actor.has_role("designer", "data_admin")
    return page(request, "inventory.html", actor, data=data, org=org or "", editor=editor, error=error,
                status_code=400 if error else 200)


@pages.get("")
def inventory_page(request: Request, actor: PageActor, ws: WorkspaceDep, org: Org = None) -> Response:
    return _page(request, actor, ws, org or None)


@pages.post("/{report_id}/basis", dependencies=[Csrf])
def basis_page(request: Request, actor: PageActor, ws: WorkspaceDep, report_id: str,
               basis: Annotated[str, Form(max_length=2000)], basis_ref: Annotated[str, Form(max_length=500)],
               org: Annotated[str, Form(max_length=12)] = "") -> Response:
    error = None
    try:
        svc.set_basis(ws, actor, report_id, basis, basis_ref)
    except AccessDenied:
        raise
    except BiaotongError as exc:
        error = exc.message
    return _page(request, actor, ws, org or None, error)


@pages.get("/review")
def review_page(request: Request, actor: PageActor, ws: WorkspaceDep,
                year: Annotated[int | None, Query(ge=2000, le=2100)] = None) -> Response:
    y = year or date.today().year
    return page(request, "inventory_review.html", actor, data=svc.yearly_review(ws, actor, y), year=y)
