"""Users (system administrator): list and add."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from biaotong.errors import AccessDenied, BiaotongError
from biaotong.services import users as svc
from biaotong.web.deps import ApiActor, Csrf, PageActor, WorkspaceDep
from biaotong.web.render import NavItem, page

api = APIRouter(prefix="/api/users", tags=["users"])
pages = APIRouter(prefix="/users")
nav = [NavItem("/users", "用户", "Users", ("sysadmin",), 60)]


@api.get("", summary="Users with roles, scope and clearance")
def list_api(actor: ApiActor, ws: WorkspaceDep) -> list[dict[str, Any]]:
    return svc.list_users(actor, ws)


@pages.get("")
def users_page(request: Request, actor: PageActor, ws: WorkspaceDep) -> Response:
    return page(request, "users.html", actor, users=svc.list_users(actor, ws))


@pages.post("", dependencies=[Csrf])
def add_page(
    request: Request, actor: PageActor, ws: WorkspaceDep, username: Annotated[str, Form(max_length=64)],
    role: Annotated[str, Form(max_length=32)], display_name: Annotated[str, Form(max_length=100)] = "",
    org_code: Annotated[str, Form(max_length=12)] = "", department: Annotated[str, Form(max_length=100)] = "",
    password: Annotated[str, Form(max_length=256)] = "",
) -> Response:
    error = None
    try:
        svc.add_user(actor, ws, username, roles=[role], display_name=display_name or None, org_code=org_code or None,
                     department=department or None, password=password or None)
    except AccessDenied:
        raise
    except BiaotongError as exc:
        error = exc.message
    return page(request, "users.html", actor, users=svc.list_users(actor, ws), error=error,
                status_code=400 if error else 200)
