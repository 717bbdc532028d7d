"""The demo county's accounts: one per role, in real units of the county, with printed random passwords."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from biaotong.auth.users import ADMIN, ensure_admin, get_user, list_users, set_password
from biaotong.auth.users import add_user as store_add
from biaotong.errors import ConfigError

if TYPE_CHECKING:
    from biaotong.workspace import Workspace


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    role: str
    org_code: str | None
    org_name: str | None
    department: str | None


def _village_and_township(ws: Workspace, on: date) -> tuple[str, str, str, str]:
    tree = ws.org_tree()
    for town in tree.as_of(on, "township"):
        villages = [v for v in tree.children(town.code, on) if v.level == "village"]
        if villages:
            return villages[-1].code, villages[-1].name, town.code, town.name
    raise ConfigError("行政区划树中没有村（社区）", "the org tree has no village")


def create_demo_accounts(ws: Workspace, *, on: date | None = None) -> list[DemoAccount]:
    """One account per role (the administrator included), each with a fresh random password.

    Run again, it resets the passwords of the accounts that exist, so the printed list is always right."""
    ensure_admin(ws)
    village, village_name, town, town_name = _village_and_township(ws, on or date.today())
    wanted = [
        (ADMIN, "sysadmin", None, None, None, "工作区管理员"),
        ("grassroots", "grassroots", village, village_name, None, f"{village_name}填报员"),
        ("township", "township", town, town_name, None, f"{town_name}审核员"),
        ("designer", "designer", None, None, "civil_affairs", "民政局报表设计员"),
        # the statistics bureau publishes the demo's village card tasks: its designer gives the final approval
        ("designer_tj", "designer", None, None, "statistics", "统计局报表设计员"),
        ("data_admin", "data_admin", None, None, None, "数据局管理员"),
        ("auditor", "auditor", None, None, None, "审计员"),
    ]
    existing = {u.username for u in list_users(ws)}
    out = []
    for username, role, org, org_name, dept, display in wanted:
        password = secrets.token_urlsafe(9)
        if username in existing:
            set_password(ws, username, password)
            role = get_user(ws, username).roles[0]
        else:
            store_add(ws, username, roles=[role], display_name=display, org_code=org, department=dept,
                      password=password)
        out.append(DemoAccount(username, password, role, org, org_name, dept))
    return out
