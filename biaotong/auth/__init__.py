"""Who is asking: the acting user, their roles and org scope; users, passwords and tokens in the store."""

from biaotong.auth.actor import ROLES, SYSTEM, Actor, in_scope, require_role, require_scope

__all__ = ["ROLES", "SYSTEM", "Actor", "in_scope", "require_role", "require_scope"]
