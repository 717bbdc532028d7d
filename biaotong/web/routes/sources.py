"""Sources, their syncs and rejects, and the conflicts between them (data administrator, auditor)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from biaotong.services import sources as svc
from biaotong.web.deps import ApiActor, Csrf, PageActor, WorkspaceDep
from biaotong.web.render import NavItem, page

api = APIRouter(prefix="/api", tags=["sources"])
pages = APIRouter()
nav = [NavItem("/sources", "数据源", "Sources", svc.SOURCE_READERS, 30),
       NavItem("/conflicts", "跨系统冲突", "Conflicts", svc.CONFLICT_READERS, 31)]


@api.get("/sources", summary="Sources with their current snapshot and last sync")
def list_api(actor: ApiActor, ws: WorkspaceDep) -> list[dict[str, Any]]:
    return svc.list_sources(actor, ws)


@api.get("/sources/{name}/test", summary="A masked sample of mapped rows and rejects (recorded if clear)")
def test_api(actor: ApiActor, ws: WorkspaceDep, name: str,
             limit: Annotated[int, Query(ge=1, le=1000)] = 10) -> dict[str, Any]:
    return svc.test_source(actor, ws, name, limit=limit)


@api.post("/sources/{name}/sync", summary="Sync one source now", dependencies=[Csrf])
def sync_api(actor: ApiActor, ws: WorkspaceDep, name: str) -> list[dict[str, Any]]:
    return [r.to_json() for r in svc.sync_sources(actor, ws, name)]


@api.get("/conflicts", summary="Disagreements between sources (sample rows masked)")
def conflicts_api(actor: ApiActor, ws: WorkspaceDep, entity: str | None = None,
                  sample: Annotated[int, Query(ge=0, le=200)] = 0) -> dict[str, Any]:
    return svc.conflicts(actor, ws, entity=entity, sample=sample)


@pages.get("/sources")
def sources_page(request: Request, actor: PageActor, ws: WorkspaceDep) -> Response:
    return page(request, "sources.html", actor, sources=svc.list_sources(actor, ws),
                may_sync=actor.has_role("data_admin"))


@pages.post("/sources/{name}/sync", dependencies=[Csrf])
def sync_page(request: Request, actor: PageActor, ws: WorkspaceDep, name: str) -> Response:
    results = svc.sync_sources(actor, ws, name)
    return page(request, "sources.html", actor, sources=svc.list_sources(actor, ws), may_sync=True,
                synced=[r.to_json() for r in results])


@pages.get("/conflicts")
def conflicts_page(request: Request, actor: PageActor, ws: WorkspaceDep) -> Response:
    return page(request, "conflicts.html", actor, report=svc.conflicts(actor, ws, sample=10))
