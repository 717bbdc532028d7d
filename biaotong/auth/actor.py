"""The acting user that every service function takes: roles, org scope, department, clearance.

Pure: no I/O. Where users come from (the store, a login, an API token) lives beside this module; what an
actor may do is decided here and in the service functions, never in views or commands.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from biaotong.errors import AccessDenied, where

if TYPE_CHECKING:
    from biaotong.catalog.orgtree import OrgTree

# role slug: (中文, English)
ROLES: dict[str, tuple[str, str]] = {
    "grassroots": ("基层填报员（村/社区）", "grassroots worker (village/community)"),
    "township": ("乡镇审核员", "township reviewer"),
    "designer": ("部门报表设计员", "department report designer"),
    "data_admin": ("数据管理员（数据局）", "data administrator"),
    "auditor": ("审计员", "auditor"),
    "sysadmin": ("系统管理员", "system administrator"),
}

# Masking clearances, lowest first: public reads internal data in clear, staff personal, cleared sensitive.
CLEARANCES: tuple[str, ...] = ("public", "staff", "cleared")

# The masking clearance (biaotong.reports.mask: public < staff < cleared) a role reads with by default;
# a user's own clearance may be set lower or higher by the system administrator.
ROLE_CLEARANCE: dict[str, str] = {
    "grassroots": "staff",
    "township": "staff",
    "designer": "public",
    "data_admin": "staff",
    "auditor": "cleared",
    "sysadmin": "public",
}


@dataclass(frozen=True)
class Actor:
    """One user acting. `org_code` is the root of the org subtree they may see (None: the whole tree)."""

    username: str
    roles: frozenset[str]
    org_code: str | None = None
    department: str | None = None
    clearance: str = "public"
    display_name: str = ""
    extra: dict[str, str] = field(default_factory=dict, hash=False, compare=False)

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def ledger_actor(self) -> str:
        """The name the ledger records for what this user does."""
        return self.username


# What the software itself does (scheduled syncs, migrations): never a person, never a login.
SYSTEM = Actor("system", frozenset({"data_admin", "sysadmin"}), None, None, "cleared", "系统")


def in_scope(actor: Actor, tree: OrgTree, code: str, on: date | None = None) -> bool:
    """Whether `code` lies in the actor's org subtree as the tree stood on `on` (effective-dated)."""
    if actor.org_code is None or code == actor.org_code:
        return True
    try:
        return any(u.code == actor.org_code for u in tree.ancestors(code, on))
    except Exception:
        return False


def require_scope(actor: Actor, tree: OrgTree, code: str, on: date | None = None) -> None:
    if not in_scope(actor, tree, code, on):
        raise AccessDenied(
            f"用户 {actor.username} 无权查看区划 {code}（超出其管辖范围）",
            f"user {actor.username} may not see org unit {code} (outside their scope)",
            where(key=code),
        )


def require_role(actor: Actor, *roles: str) -> None:
    if not actor.has_role(*roles):
        names_zh = "、".join(ROLES[r][0] for r in roles if r in ROLES)
        names_en = ", ".join(ROLES[r][1] for r in roles if r in ROLES)
        raise AccessDenied(
            f"用户 {actor.username} 无此权限（需要角色：{names_zh}）",
            f"user {actor.username} may not do this (needs a role among: {names_en})",
        )
