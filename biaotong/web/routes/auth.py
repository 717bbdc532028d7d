"""Login, logout, the home page and /api/me."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from biaotong.auth.passwords import authenticate
from biaotong.errors import AccessDenied
from biaotong.i18n import msg
from biaotong.services.users import whoami
from biaotong.web import session as sessions
from biaotong.web.deps import ApiActor, Csrf, OptionalActor, PageActor, WorkspaceDep
from biaotong.web.render import page

api = APIRouter(prefix="/api", tags=["users"])
pages = APIRouter()
nav: list[Any] = []

_throttle = sessions.LoginThrottle()


def _safe_next(value: str | None) -> str:
    """Only a path of this site: never //host or a scheme, so a login link cannot send anyone elsewhere."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/"


def _login_page(request: Request, next_url: str, error: str | None = None, status_code: int = 200) -> Response:
    token = secrets.token_urlsafe(24)
    request.scope["bt_login_csrf"] = token
    response = page(request, "login.html", None, status_code=status_code, next=next_url, error=error)
    response.set_cookie(sessions.LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", max_age=3600,
                        secure=request.url.scheme == "https", path="/login")
    return response


@pages.get("/login")
def login_form(request: Request, actor: OptionalActor, next: str | None = None) -> Response:
    if actor is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return _login_page(request, _safe_next(next))


@pages.post("/login")
def login(
    request: Request, ws: WorkspaceDep, username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=256)], csrf: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    client = request.client.host if request.client else "?"
    if not sessions.same_token(csrf, request.cookies.get(sessions.LOGIN_CSRF_COOKIE)):
        return _login_page(request, _safe_next(next), msg("页面已过期，请重新登录", "the page expired, please log in again"), 403)
    if _throttle.blocked(client):
        return _login_page(request, _safe_next(next), msg("尝试次数过多，请稍后再试", "too many attempts, try again later"), 429)
    try:
        actor = authenticate(ws, username, password)
    except AccessDenied as exc:
        _throttle.failed(client)
        return _login_page(request, _safe_next(next), exc.message, 401)
    _throttle.succeeded(client)
    response = RedirectResponse(_safe_next(next), status_code=303)
    cookie = sessions.encode(sessions.new_session(actor.username), request.app.state.session_key)
    response.set_cookie(sessions.COOKIE, cookie, httponly=True, samesite="lax", max_age=sessions.MAX_AGE,
                        secure=request.url.scheme == "https")
    response.delete_cookie(sessions.LOGIN_CSRF_COOKIE, path="/login")
    return response


@pages.post("/logout", dependencies=[Csrf])
def logout() -> Response:
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(sessions.COOKIE)
    return response


@pages.get("/")
def home(request: Request, actor: PageActor) -> Response:
    return page(request, "home.html", actor)


@api.get("/me", summary="The acting user")
def me(actor: ApiActor, ws: WorkspaceDep) -> dict[str, Any]:
    return whoami(actor, ws)


