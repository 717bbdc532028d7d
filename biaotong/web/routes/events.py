"""Life events: the events of the user's jurisdiction (IDs masked as their clearance requires), a department's
subscriptions to event types and the records they produced. Through biaotong.services.events."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from biaotong.auth.actor import require_role
from biaotong.errors import AccessDenied, BiaotongError
from biaotong.events.diff import EVENT_TYPES
from biaotong.services import events as svc
from biaotong.web.deps import ApiActor, Csrf, PageActor, WorkspaceDep
from biaotong.web.render import NavItem, page

# A POST made with the session cookie must carry its CSRF token (a bearer token needs none).
api = APIRouter(prefix="/api/events", tags=["events"], dependencies=[Csrf])
pages = APIRouter(prefix="/events")
READERS = ("designer", "data_admin", "township", "auditor", "sysadmin")
nav = [NavItem("/events", "人生事件", "Life events", READERS, 35)]

Org = Annotated[str | None, Query(max_length=12)]
DEFAULT_DAYS = 90  # the page opens on the last quarter's events


class SubscribeBody(BaseModel):
    department: str = Field(max_length=80)
    types: list[str] = Field(min_length=1, max_length=len(EVENT_TYPES))
    org: str | None = Field(None, max_length=12)
    action: str = Field("notify", pattern="^(notify|task)$")
    title: str = Field("", max_length=200)


@api.get("", summary="Life events since a date in the user's jurisdiction")
def list_api(actor: ApiActor, ws: WorkspaceDep, since: date, type: Annotated[list[str] | None, Query()] = None,
             org: Org = None, limit: Annotated[int, Query(ge=0, le=100_000)] = 1000) -> dict[str, Any]:
    return svc.list_events(ws, actor, since=since, types=type, org=org, limit=limit)


@api.post("/subscriptions", summary="A department subscribes to event types in its jurisdiction")
def subscribe_api(actor: ApiActor, ws: WorkspaceDep, body: SubscribeBody) -> dict[str, Any]:
    return svc.subscribe(ws, actor, department=body.department, types=body.types, org=body.org, action=body.action,
                         title=body.title)


@api.get("/records", summary="The records the department's subscriptions produced")
def records_api(actor: ApiActor, ws: WorkspaceDep, department: Annotated[str | None, Query(max_length=80)] = None,
                limit: Annotated[int, Query(ge=1, le=100_000)] = 1000) -> list[dict[str, Any]]:
    return svc.records(ws, actor, department=department, limit=limit)


def _page(request: Request, actor: Any, ws: Any, since: date, type: str | None, org: str | None,
          error: str | None = None, notice: str | None = None) -> Response:
    require_role(actor, *READERS)
    data = svc.list_events(ws, actor, since=since, types=[type] if type else None, org=org, limit=500)
    records = svc.records(ws, actor, limit=200) if actor.department or actor.has_role(
        "data_admin", "auditor", "sysadmin") else None
    return page(request, "events.html", actor, data=data, since=since, type=type, org=org or "", records=records,
                types=EVENT_TYPES, type_zh=svc.TYPE_ZH, error=error, notice=notice,
                status_code=400 if error else 200)


@pages.get("")
def events_page(request: Request, actor: PageActor, ws: WorkspaceDep, since: date | None = None,
                type: Annotated[str | None, Query(max_length=40)] = None, org: Org = None) -> Response:
    return _page(request, actor, ws, since or date.today() - timedelta(days=DEFAULT_DAYS), type or None, org or None)


@pages.post("/subscriptions", dependencies=[Csrf])
async def subscribe_page(request: Request, actor: PageActor, ws: WorkspaceDep) -> Response:
    form = await request.form()
    types = [str(v) for v in form.getlist("types")][:len(EVENT_TYPES)]
    action = str(form.get("action") or "notify")
    department = str(form.get("department") or actor.department or "")[:80]
    error = notice = None
    try:
        out = svc.subscribe(ws, actor, department=department, types=types, action=action,
                            title=str(form.get("title") or "")[:200])
        notice = f"#{out['id']}"
    except AccessDenied:
        raise
    except BiaotongError as exc:
        error = exc.message
    return _page(request, actor, ws, date.today() - timedelta(days=DEFAULT_DAYS), None, None, error, notice)
