"""Users of a workspace. PROVISIONAL until the users/roles tables land (issue 11): every CLI call acts as
the workspace administrator. `resolve_actor` is the one function the CLI and the web use to get an Actor."""

from __future__ import annotations

from typing import TYPE_CHECKING

from biaotong.auth.actor import Actor

if TYPE_CHECKING:
    from biaotong.workspace import Workspace

ADMIN = "admin"


def resolve_actor(ws: Workspace, username: str | None) -> Actor:
    """The acting user named `username` (default: the workspace's administrator)."""
    name = username or ADMIN
    return Actor(name, frozenset({"sysadmin", "data_admin", "designer", "auditor"}), None, None, "cleared", name)
