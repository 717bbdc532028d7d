"""Login sessions in a signed cookie, CSRF tokens, and login throttling by client address.

The cookie holds the username, when the session began and its CSRF token, signed with HMAC-SHA256 under a
key kept in the workspace (keys/web-session.key, 0600). The user is looked up again on every request, so a
disabled user is cut off at once; a session ends after MAX_AGE."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass
from pathlib import Path

COOKIE = "bt_session"
LOGIN_CSRF_COOKIE = "bt_login_csrf"
MAX_AGE = 8 * 3600
THROTTLE_WINDOW = 300.0  # seconds
THROTTLE_MAX = 10  # failed logins per address per window


@dataclass(frozen=True)
class Session:
    username: str
    issued: int
    csrf: str


def session_key(keys_dir: Path) -> bytes:
    path = keys_dir / "web-session.key"
    if not path.exists():
        keys_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(secrets.token_bytes(32))
    return path.read_bytes()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def new_session(username: str) -> Session:
    return Session(username, int(time.time()), secrets.token_urlsafe(24))


def encode(session: Session, key: bytes) -> str:
    body = _b64(json.dumps({"u": session.username, "t": session.issued, "c": session.csrf}).encode())
    return f"{body}.{_b64(hmac.new(key, body.encode(), hashlib.sha256).digest())}"


def decode(cookie: str | None, key: bytes, *, now: float | None = None) -> Session | None:
    """The session a cookie carries; None if absent, forged or expired."""
    if not cookie or "." not in cookie:
        return None
    body, sig = cookie.rsplit(".", 1)
    try:
        good = hmac.compare_digest(_unb64(sig), hmac.new(key, body.encode(), hashlib.sha256).digest())
        data = json.loads(_unb64(body)) if good else None
    except (ValueError, TypeError):
        return None
    if not isinstance(data, dict) or (now or time.time()) - int(data.get("t", 0)) > MAX_AGE:
        return None
    return Session(str(data["u"]), int(data["t"]), str(data["c"]))


def same_token(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))


class LoginThrottle:
    """Failed logins per client address in a sliding window; the account lockout is in biaotong.auth."""

    def __init__(self, window: float = THROTTLE_WINDOW, limit: int = THROTTLE_MAX) -> None:
        self.window, self.limit = window, limit
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _trim(self, client: str, now: float) -> deque[float]:
        q = self._failures[client]
        while q and now - q[0] > self.window:
            q.popleft()
        return q

    def blocked(self, client: str) -> bool:
        with self._lock:
            return len(self._trim(client, time.monotonic())) >= self.limit

    def failed(self, client: str) -> None:
        with self._lock:
            self._trim(client, time.monotonic()).append(time.monotonic())

    def succeeded(self, client: str) -> None:
        with self._lock:
            self._failures.pop(client, None)
