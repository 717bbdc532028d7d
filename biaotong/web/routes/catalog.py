"""The standard and the org tree (cut to the user's subtree)."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter

from biaotong.services import catalog as svc
from biaotong.web.deps import ApiActor, WorkspaceDep

api = APIRouter(prefix="/api", tags=["catalog"])
nav: list[Any] = []


@api.get("/catalog/elements", summary="Data elements (of one entity)")
def elements_api(actor: ApiActor, ws: WorkspaceDep, entity: str | None = None) -> list[dict[str, Any]]:
    return svc.elements(actor, ws, entity)


@api.get("/catalog/codes/{list_id}", summary="A code list")
def codes_api(actor: ApiActor, ws: WorkspaceDep, list_id: str) -> dict[str, Any]:
    return svc.code_list(actor, ws, list_id)


@api.get("/org", summary="Org units valid on a date, within the user's scope")
def org_api(actor: ApiActor, ws: WorkspaceDep, on: date | None = None, level: str | None = None) -> list[dict[str, Any]]:
    return svc.org_units(actor, ws, on, level)
