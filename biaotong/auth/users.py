"""Users of a workspace in the metadata store: add, list, disable, set a password, resolve the acting user.

`resolve_actor` is the one function the CLI and the web use to turn a name into an `Actor`; passwords and
tokens are in biaotong.auth.passwords and biaotong.auth.tokens. Every change is a `user.change` ledger entry
(the username and what changed, never a password or its hash).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy import Connection

from biaotong.auth.actor import CLEARANCES, ROLE_CLEARANCE, ROLES, Actor
from biaotong.auth.passwords import hash_password
from biaotong.auth.tables import users
from biaotong.errors import AccessDenied, ConfigError, where
from biaotong.ledger.events import Event
from biaotong.ledger.log import record

if TYPE_CHECKING:
    from biaotong.workspace import Workspace

ADMIN = "admin"
ADMIN_ROLES = ("sysadmin", "data_admin", "designer", "auditor")


@dataclass(frozen=True)
class User:
    username: str
    display_name: str
    roles: tuple[str, ...]
    org_code: str | None
    department: str | None
    clearance: str
    disabled: bool
    has_password: bool

    def actor(self) -> Actor:
        return Actor(self.username, frozenset(self.roles), self.org_code, self.department, self.clearance,
                     self.display_name)

    def to_json(self) -> dict[str, Any]:
        return {"username": self.username, "display_name": self.display_name, "roles": list(self.roles),
                "org_code": self.org_code, "department": self.department, "clearance": self.clearance,
                "disabled": self.disabled, "has_password": self.has_password}


def _user(row: Any) -> User:
    return User(row.username, row.display_name, tuple(row.roles), row.org_code, row.department, row.clearance,
                bool(row.disabled), row.password_hash is not None)


def default_clearance(roles: Iterable[str]) -> str:
    """The highest clearance any of the roles reads with by default."""
    order = {c: i for i, c in enumerate(CLEARANCES)}
    return max((ROLE_CLEARANCE[r] for r in roles), key=order.__getitem__, default="public")


def check_roles(roles: Iterable[str]) -> tuple[str, ...]:
    out = tuple(dict.fromkeys(r.strip() for r in roles if r.strip()))
    unknown = [r for r in out if r not in ROLES]
    if unknown or not out:
        raise ConfigError(f"未知或缺少角色：{', '.join(unknown) or '（无）'}（可用：{', '.join(ROLES)}）",
                          f"unknown or missing roles: {', '.join(unknown) or '(none)'} (use {', '.join(ROLES)})",
                          where(key="roles"))
    return out


def _check_clearance(clearance: str) -> str:
    if clearance not in CLEARANCES:
        raise ConfigError(f"未知的权限级别：{clearance}（可用：{', '.join(CLEARANCES)}）",
                          f"unknown clearance: {clearance} (use {', '.join(CLEARANCES)})", where(key="clearance"))
    return clearance


def _check_org(ws: Workspace, org_code: str | None) -> None:
    if org_code is not None and org_code not in ws.org_tree():
        raise ConfigError(f"行政区划树中没有单位 {org_code}", f"no org unit {org_code} in the tree", where(key="org"))


def record_user_change(conn: Connection, by: str, username: str, change: str, **detail: Any) -> None:
    record(conn, Event(action="user.change", actor=by, object=f"user:{username}",
                       detail={"change": change, **detail}))


def add_user(
    ws: Workspace, username: str, *, roles: Iterable[str], display_name: str | None = None,
    org_code: str | None = None, department: str | None = None, clearance: str | None = None,
    password: str | None = None, by: str = "system", record_change: bool = True,
) -> User:
    roles_ = check_roles(roles)
    clear = _check_clearance(clearance or default_clearance(roles_))
    if not username or len(username) > 64 or not username.replace("_", "").replace("-", "").replace(".", "").isalnum():
        raise ConfigError(f"用户名不合规：{username!r}", f"invalid username: {username!r}", where(key="username"))
    _check_org(ws, org_code)
    if department is not None and department not in ws.catalog.departments:
        raise ConfigError(f"数据标准中没有部门 {department}", f"no department {department} in the catalog",
                          where(key="department"))
    now = datetime.now(UTC)
    with ws.engine.begin() as conn:
        if conn.execute(sa.select(users.c.username).where(users.c.username == username)).first():
            raise ConfigError(f"用户已存在：{username}", f"user already exists: {username}", where(key=username))
        conn.execute(users.insert().values(
            username=username, display_name=display_name or username, roles=list(roles_), org_code=org_code,
            department=department, clearance=clear, disabled=False, failed_logins=0,
            password_hash=hash_password(password) if password else None, created_at=now, updated_at=now,
        ))
        if record_change:
            record_user_change(conn, by, username, "add", roles=list(roles_), org_code=org_code,
                               department=department, clearance=clear)
    return get_user(ws, username)


def get_user(ws: Workspace, username: str) -> User:
    from biaotong.store.db import reads

    with reads(ws.engine) as conn:  # once per web request: no BEGIN/ROLLBACK round trips around one SELECT
        row = conn.execute(sa.select(users).where(users.c.username == username)).first()
    if row is None:
        raise AccessDenied(f"未知用户：{username}", f"unknown user: {username}", where(key=username))
    return _user(row)


def list_users(ws: Workspace) -> list[User]:
    with ws.engine.connect() as conn:
        return [_user(r) for r in conn.execute(sa.select(users).order_by(users.c.username))]


def set_disabled(ws: Workspace, username: str, disabled: bool = True, *, by: str = "system") -> User:
    get_user(ws, username)
    with ws.engine.begin() as conn:
        conn.execute(users.update().where(users.c.username == username)
                     .values(disabled=disabled, updated_at=datetime.now(UTC)))
        record_user_change(conn, by, username, "disable" if disabled else "enable")
    return get_user(ws, username)


def set_password(ws: Workspace, username: str, password: str, *, by: str = "system") -> None:
    get_user(ws, username)
    with ws.engine.begin() as conn:
        conn.execute(users.update().where(users.c.username == username).values(
            password_hash=hash_password(password), failed_logins=0, locked_until=None, updated_at=datetime.now(UTC)))
        record_user_change(conn, by, username, "password")


def ensure_admin(ws: Workspace, password: str | None = None) -> bool:
    """Create the workspace administrator if the workspace has no user yet; True if it was created.

    Without a password the administrator acts from the command line only (a web login needs `user passwd`).
    Like the ledger's signing key, the administrator comes with the workspace: no ledger entry (every later
    user change has one)."""
    with ws.engine.connect() as conn:
        if conn.execute(sa.select(sa.func.count()).select_from(users)).scalar_one():
            return False
    try:
        add_user(ws, ADMIN, roles=ADMIN_ROLES, display_name="工作区管理员", clearance="staff", password=password,
                 record_change=False)
    except (ConfigError, sa.exc.IntegrityError):
        return False  # another process created it a moment ago
    return True


def resolve_actor(ws: Workspace, username: str | None) -> Actor:
    """The acting user named `username` (default: the workspace's administrator, created on first use).

    An unknown or disabled user is refused: nobody acts as a name the workspace does not know."""
    name = username or ADMIN
    if name == ADMIN:
        ensure_admin(ws)
    user = get_user(ws, name)
    if user.disabled:
        raise AccessDenied(f"用户 {name} 已停用", f"user {name} is disabled", where(key=name))
    return user.actor()
