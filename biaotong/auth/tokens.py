"""API tokens for systems: `bt_<id>_<secret>`, scoped like users (roles, org subtree, clearance), never wider
than their owner. Only the SHA-256 of the random secret is kept."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from biaotong.auth.actor import CLEARANCES, Actor, in_scope
from biaotong.auth.tables import api_tokens, users
from biaotong.auth.users import check_roles, get_user, record_user_change
from biaotong.errors import AccessDenied, ConfigError, where

if TYPE_CHECKING:
    from biaotong.workspace import Workspace

PREFIX = "bt_"


@dataclass(frozen=True)
class IssuedToken:
    id: str
    token: str  # shown once
    roles: tuple[str, ...]
    org_code: str | None
    clearance: str
    expires_at: datetime | None

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "token": self.token, "roles": list(self.roles), "org_code": self.org_code,
                "clearance": self.clearance, "expires_at": self.expires_at.isoformat() if self.expires_at else None}


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(
    ws: Workspace, owner: str, label: str, *, roles: Iterable[str] | None = None, org_code: str | None = None,
    clearance: str | None = None, days: int | None = None, by: str = "system",
) -> IssuedToken:
    user = get_user(ws, owner)
    roles_ = check_roles(roles) if roles else user.roles
    wider = set(roles_) - set(user.roles)
    if wider:
        raise ConfigError(f"令牌的角色不能超出其所有者：{', '.join(sorted(wider))}",
                          f"a token's roles cannot exceed its owner's: {', '.join(sorted(wider))}", where(key="roles"))
    scope = org_code or user.org_code
    if scope is not None and not in_scope(user.actor(), ws.org_tree(), scope):
        raise ConfigError(f"令牌的范围 {scope} 超出其所有者的管辖", f"token scope {scope} is outside its owner's",
                          where(key="org"))
    clear = clearance or user.clearance
    if clear not in CLEARANCES or CLEARANCES.index(clear) > CLEARANCES.index(user.clearance):
        raise ConfigError(f"令牌的权限级别不能高于其所有者：{clear}", f"a token's clearance cannot exceed its owner's: {clear}",
                          where(key="clearance"))
    tid, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    expires = now + timedelta(days=days) if days else None
    with ws.engine.begin() as conn:
        conn.execute(api_tokens.insert().values(
            id=tid, username=owner, label=label, secret_sha256=_digest(secret), roles=list(roles_), org_code=scope,
            clearance=clear, created_at=now, expires_at=expires))
        record_user_change(conn, by, owner, "token", token=tid, roles=list(roles_), org_code=scope, clearance=clear)
    return IssuedToken(tid, f"{PREFIX}{tid}_{secret}", roles_, scope, clear, expires)


def revoke_token(ws: Workspace, token_id: str, *, by: str = "system") -> None:
    with ws.engine.begin() as conn:
        row = conn.execute(sa.select(api_tokens.c.username).where(api_tokens.c.id == token_id)).first()
        if row is None:
            raise ConfigError(f"未知令牌：{token_id}", f"unknown token: {token_id}", where(key=token_id))
        conn.execute(api_tokens.update().where(api_tokens.c.id == token_id).values(revoked_at=datetime.now(UTC)))
        record_user_change(conn, by, row.username, "token.revoke", token=token_id)


def list_tokens(ws: Workspace, owner: str | None = None) -> list[dict[str, Any]]:
    q = sa.select(api_tokens).order_by(api_tokens.c.created_at)
    if owner:
        q = q.where(api_tokens.c.username == owner)
    with ws.engine.connect() as conn:
        return [{"id": r.id, "username": r.username, "label": r.label, "roles": r.roles, "org_code": r.org_code,
                 "clearance": r.clearance, "revoked": r.revoked_at is not None,
                 "expires_at": r.expires_at.isoformat() if r.expires_at else None} for r in conn.execute(q)]


def actor_for_token(ws: Workspace, token: str) -> Actor:
    """The actor a presented token acts as; refused if unknown, revoked, expired, or its owner is disabled."""
    refused = AccessDenied("无效的访问令牌", "invalid API token")
    parts = token.split("_", 2)
    if len(parts) != 3 or f"{parts[0]}_" != PREFIX:
        raise refused
    with ws.engine.connect() as conn:
        row = conn.execute(
            sa.select(api_tokens, users.c.disabled, users.c.display_name, users.c.department)
            .join(users, users.c.username == api_tokens.c.username).where(api_tokens.c.id == parts[1])
        ).first()
    now = datetime.now(UTC)
    if row is None or not hmac.compare_digest(row.secret_sha256, _digest(parts[2])):
        raise refused
    expired = row.expires_at is not None and (row.expires_at.replace(tzinfo=UTC) if row.expires_at.tzinfo is None
                                              else row.expires_at) <= now
    if row.revoked_at is not None or expired or row.disabled:
        raise refused
    with ws.engine.begin() as conn:
        conn.execute(api_tokens.update().where(api_tokens.c.id == row.id).values(last_used_at=now))
    return Actor(row.username, frozenset(row.roles), row.org_code, row.department, row.clearance,
                 row.display_name, {"token": row.id})
