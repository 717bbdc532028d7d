"""What a route declares to get the workspace and the acting user, as typed dependencies.

`ApiActor`: a logged-in session or an `Authorization: Bearer bt_…` token, else 401. `PageActor`: a session,
else a redirect to the login page. `OptionalActor`: either, or None. State-changing requests made with a
session cookie must carry its CSRF token (form field `csrf` or header `X-CSRF-Token`): `check_csrf`."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request

from biaotong.auth.actor import Actor
from biaotong.errors import AccessDenied
from biaotong.web import session as sessions
from biaotong.workspace import Workspace


class LoginRequired(Exception):
    """Raised by page dependencies; the app answers with a redirect to /login."""

    def __init__(self, next_url: str) -> None:
        self.next_url = next_url


def get_ws(request: Request) -> Workspace:
    return request.app.state.ws


WorkspaceDep = Annotated[Workspace, Depends(get_ws)]


def current_session(request: Request) -> sessions.Session | None:
    if "bt_session_obj" not in request.scope:
        key = request.app.state.session_key
        request.scope["bt_session_obj"] = sessions.decode(request.cookies.get(sessions.COOKIE), key)
    return request.scope["bt_session_obj"]


def _actor(request: Request) -> Actor | None:
    from biaotong.auth.tokens import actor_for_token
    from biaotong.auth.users import resolve_actor

    ws = get_ws(request)
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return actor_for_token(ws, auth[7:].strip())  # a wrong token is refused, not treated as anonymous
    s = current_session(request)
    if s is None:
        return None
    try:
        return resolve_actor(ws, s.username)
    except AccessDenied:
        return None  # disabled or removed since the login


def optional_actor(request: Request) -> Actor | None:
    return _actor(request)


def api_actor(request: Request) -> Actor:
    try:
        actor = _actor(request)
    except AccessDenied as exc:
        raise HTTPException(401, exc.message) from None
    if actor is None:
        raise HTTPException(401, "login required")
    return actor


def page_actor(request: Request) -> Actor:
    actor = _actor(request)
    if actor is None:
        raise LoginRequired(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
    return actor


ApiActor = Annotated[Actor, Depends(api_actor)]
PageActor = Annotated[Actor, Depends(page_actor)]
OptionalActor = Annotated[Actor | None, Depends(optional_actor)]


async def check_csrf(request: Request) -> None:
    """Refuse a state-changing request made with the session cookie unless it carries the session's token."""
    if request.method in ("GET", "HEAD", "OPTIONS") or request.headers.get("authorization", "").lower().startswith("bearer "):
        return
    s = current_session(request)
    sent = request.headers.get("x-csrf-token")
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        sent = (await request.form()).get("csrf")  # type: ignore[assignment]
    if s is None or not sessions.same_token(sent, s.csrf):
        raise HTTPException(403, "CSRF token missing or wrong")


Csrf = Depends(check_csrf)
