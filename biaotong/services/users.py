"""User management for an acting user: the system administrator adds, lists, disables users, sets passwords
and issues API tokens; anyone may change their own password and see themselves."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from biaotong.auth import tokens
from biaotong.auth import users as store
from biaotong.auth.actor import Actor, require_role

if TYPE_CHECKING:
    from biaotong.workspace import Workspace


def add_user(
    actor: Actor, ws: Workspace, username: str, *, roles: Iterable[str], display_name: str | None = None,
    org_code: str | None = None, department: str | None = None, clearance: str | None = None,
    password: str | None = None,
) -> dict[str, Any]:
    require_role(actor, "sysadmin")
    return store.add_user(ws, username, roles=roles, display_name=display_name, org_code=org_code,
                          department=department, clearance=clearance, password=password,
                          by=actor.ledger_actor).to_json()


def list_users(actor: Actor, ws: Workspace) -> list[dict[str, Any]]:
    require_role(actor, "sysadmin", "auditor")
    return [u.to_json() for u in store.list_users(ws)]


def whoami(actor: Actor, ws: Workspace) -> dict[str, Any]:
    return {"username": actor.username, "display_name": actor.display_name, "roles": sorted(actor.roles),
            "org_code": actor.org_code, "department": actor.department, "clearance": actor.clearance}


def disable_user(actor: Actor, ws: Workspace, username: str, disabled: bool = True) -> dict[str, Any]:
    require_role(actor, "sysadmin")
    return store.set_disabled(ws, username, disabled, by=actor.ledger_actor).to_json()


def set_password(actor: Actor, ws: Workspace, username: str, password: str) -> None:
    if username != actor.username:
        require_role(actor, "sysadmin")
    store.set_password(ws, username, password, by=actor.ledger_actor)


def issue_token(
    actor: Actor, ws: Workspace, owner: str, label: str, *, roles: Iterable[str] | None = None,
    org_code: str | None = None, days: int | None = None,
) -> dict[str, Any]:
    if owner != actor.username:
        require_role(actor, "sysadmin")
    return tokens.create_token(ws, owner, label, roles=roles, org_code=org_code, days=days,
                               by=actor.ledger_actor).to_json()


def revoke_token(actor: Actor, ws: Workspace, token_id: str) -> None:
    require_role(actor, "sysadmin")
    tokens.revoke_token(ws, token_id, by=actor.ledger_actor)


def list_tokens(actor: Actor, ws: Workspace) -> list[dict[str, Any]]:
    require_role(actor, "sysadmin", "auditor")
    return tokens.list_tokens(ws)
