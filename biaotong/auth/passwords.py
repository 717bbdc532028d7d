"""Passwords (argon2id, argon2-cffi's defaults) and logins with throttling and lockout.

A wrong password and an unknown user answer the same, so a login form does not tell which names exist."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from biaotong.auth.actor import Actor
from biaotong.auth.tables import users
from biaotong.errors import AccessDenied, ConfigError, where

if TYPE_CHECKING:
    from biaotong.workspace import Workspace

_hasher = PasswordHasher()
MIN_LENGTH = 8
MAX_FAILURES = 5  # then the account is locked for LOCKOUT
LOCKOUT = timedelta(minutes=15)
# Verified against when the user is unknown, so both paths cost one argon2 verification.
_DUMMY = _hasher.hash("biaotong-no-such-user")


def hash_password(password: str) -> str:
    if len(password) < MIN_LENGTH:
        raise ConfigError(f"密码至少 {MIN_LENGTH} 位", f"a password has at least {MIN_LENGTH} characters",
                          where(field="password"))
    return _hasher.hash(password)


def _refused() -> AccessDenied:
    return AccessDenied("用户名或密码错误", "wrong username or password")


def _utc(t: datetime) -> datetime:
    return t if t.tzinfo else t.replace(tzinfo=UTC)  # SQLite hands back naive datetimes


def authenticate(ws: Workspace, username: str, password: str, *, now: datetime | None = None) -> Actor:
    """The actor for a correct password; refused for a wrong one, a disabled or a locked account."""
    now = now or datetime.now(UTC)
    with ws.engine.connect() as conn:
        row = conn.execute(sa.select(users).where(users.c.username == username)).first()
    if row is None or row.password_hash is None:
        with contextlib.suppress(VerificationError):
            _hasher.verify(_DUMMY, password + "x")
        raise _refused()
    if row.locked_until is not None and _utc(row.locked_until) > now:
        raise AccessDenied("登录失败次数过多，账号暂时锁定，请稍后再试",
                           "too many failed logins: the account is locked for a while, try again later")
    try:
        _hasher.verify(row.password_hash, password)
    except (VerificationError, InvalidHashError):
        failures = int(row.failed_logins) + 1
        locked = now + LOCKOUT if failures >= MAX_FAILURES else None
        with ws.engine.begin() as conn:
            conn.execute(users.update().where(users.c.username == username).values(
                failed_logins=0 if locked else failures, locked_until=locked))
        raise _refused() from None
    if row.disabled:
        raise _refused()
    with ws.engine.begin() as conn:
        values: dict[str, object] = {"failed_logins": 0, "locked_until": None}
        if _hasher.check_needs_rehash(row.password_hash):
            values["password_hash"] = _hasher.hash(password)
        conn.execute(users.update().where(users.c.username == username).values(**values))
    return Actor(row.username, frozenset(row.roles), row.org_code, row.department, row.clearance, row.display_name)
