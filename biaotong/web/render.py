"""Server-rendered pages: one Jinja2 environment (every template auto-escaped), the navigation each route
module contributes, and `page()` which renders a template with what every page needs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, PackageLoader

from biaotong.auth.actor import ROLES, Actor
from biaotong.i18n import lang, msg


@dataclass(frozen=True)
class NavItem:
    """A link in the menu: shown to users holding one of `roles` (empty: everyone logged in)."""

    path: str
    zh: str
    en: str
    roles: tuple[str, ...] = ()
    order: int = 50

    def visible(self, actor: Actor | None) -> bool:
        return actor is not None and (not self.roles or actor.has_role(*self.roles))


NAV: list[NavItem] = []


def add_nav(*items: NavItem) -> None:
    NAV.extend(i for i in items if i not in NAV)
    NAV.sort(key=lambda i: (i.order, i.path))


env = Environment(loader=PackageLoader("biaotong.web", "templates"), autoescape=True, trim_blocks=True,
                  lstrip_blocks=True)
env.globals.update(t=msg, ROLES=ROLES)
templates = Jinja2Templates(env=env)


def page(request: Request, template: str, actor: Actor | None, status_code: int = 200, **context: Any) -> HTMLResponse:
    from biaotong.web.deps import current_session

    s = current_session(request)
    return templates.TemplateResponse(request, template, {
        "actor": actor, "lang": lang(), "nav": [i for i in NAV if i.visible(actor)],
        "csrf": s.csrf if s else request.scope.get("bt_login_csrf", ""), "path": request.url.path, **context,
    }, status_code=status_code)
