"""The web application: FastAPI serving the JSON API (/api, OpenAPI at /api/openapi.json) and the
server-rendered pages, both over the same service functions.

Every module in biaotong/web/routes/ is picked up: its `api` router (JSON), its `pages` router (HTML) and its
`nav` items. Adding a capability's pages is adding one module there (docs/web.md)."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path
from typing import Any
from urllib.parse import quote

from anyio import to_thread
from fastapi import FastAPI, Request
from fastapi.exceptions import HTTPException
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from biaotong import __version__
from biaotong.errors import AccessDenied, BiaotongError, ReportError
from biaotong.i18n import msg, request_lang
from biaotong.web import routes
from biaotong.web.deps import LoginRequired, optional_actor
from biaotong.web.render import add_nav, page
from biaotong.web.session import session_key
from biaotong.workspace import Workspace

STATIC = Path(__file__).parent / "static"
LANG_COOKIE = "bt_lang"
MAX_BODY = 20 * 1024 * 1024  # uploads (Excel forms, task sheets) and any other body
# Threads running the (synchronous) routes per process, instead of anyio's 40: the work is CPU-bound Python
# under one GIL, so more threads only queue on the store's connection pool (biaotong.store.db.POOL), which
# must hold each thread's nested connections.
REQUEST_THREADS = 10

# No inline script or style anywhere: every page's script is a file under /static.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def route_modules() -> list[Any]:
    return [importlib.import_module(f"{routes.__name__}.{m.name}") for m in pkgutil.iter_modules(routes.__path__)]


def _status(exc: BiaotongError) -> int:
    if isinstance(exc, AccessDenied):
        return 403
    if isinstance(exc, ReportError) and exc.where.key == "report":
        return 404
    return 400


def create_app(ws: Workspace) -> FastAPI:
    app = FastAPI(
        title="biaotong 表通", version=__version__, openapi_url="/api/openapi.json", docs_url=None, redoc_url=None,
        description="报表数据中心 JSON API. Log in at /login (session cookie) or send `Authorization: Bearer bt_…`.",
    )
    app.state.ws = ws
    app.state.session_key = session_key(ws.keys_dir)

    threads_set = False

    @app.middleware("http")
    async def language_and_headers(request: Request, call_next: Any) -> Response:
        nonlocal threads_set
        if not threads_set:  # the limiter belongs to the running event loop, so it is set on the first request
            to_thread.current_default_thread_limiter().total_tokens = REQUEST_THREADS
            threads_set = True
        length = request.headers.get("content-length")
        if length and length.isdigit() and int(length) > MAX_BODY:
            return JSONResponse({"error": "TooLarge", "message": msg("请求过大", "request too large")}, status_code=413)
        chosen = request.query_params.get("lang")
        code = chosen if chosen in ("zh", "en") else request.cookies.get(LANG_COOKIE)
        token = request_lang.set(code if code in ("zh", "en") else "zh")
        try:
            response: Response = await call_next(request)
        finally:
            request_lang.reset(token)
        if chosen in ("zh", "en"):
            response.set_cookie(LANG_COOKIE, chosen, max_age=365 * 86400, samesite="lax",
                                secure=request.url.scheme == "https")
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if request.url.scheme == "https":
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        return RedirectResponse(f"/login?next={quote(exc.next_url, safe='')}", status_code=303)

    @app.exception_handler(BiaotongError)
    async def our_error(request: Request, exc: BiaotongError) -> Response:
        status = _status(exc)
        if request.url.path.startswith("/api/"):
            return JSONResponse(exc.to_json(), status_code=status)
        return page(request, "error.html", optional_actor(request), status_code=status, message=exc.message)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        if request.url.path.startswith("/api/") or exc.status_code not in (401, 403, 404):
            return JSONResponse({"error": "HTTPError", "message": str(exc.detail)}, status_code=exc.status_code,
                                headers=getattr(exc, "headers", None))
        return page(request, "error.html", None, status_code=exc.status_code, message=str(exc.detail))

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in route_modules():
        if getattr(module, "api", None) is not None:
            app.include_router(module.api)
        if getattr(module, "pages", None) is not None:
            app.include_router(module.pages, include_in_schema=False)
        add_nav(*getattr(module, "nav", ()))
    return app
