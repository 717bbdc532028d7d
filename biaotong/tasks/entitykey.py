"""The keyed hash that names a person in the metadata store (`answers.entity_key`), the pages and the task
sheets: HMAC-SHA256 of the entity key (the ID number) under a secret kept in the workspace's keys folder
(mode 0600, like the ledger's key). A bare hash of an 18-digit ID is found by trying every birth date and
sequence; without the secret this one is not. Standard library only: created on first need (the first roster task), race-safe."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path
from typing import Any

SECRET_FILE = "entity-key.secret"


def entity_secret(keys_dir: Path) -> bytes:
    """The workspace's secret, created once. Losing it loses the link from the answers to the persons: it is
    backed up with the keys folder."""
    path = keys_dir / SECRET_FILE
    if not path.exists():
        keys_dir.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first: theirs is the one
            return path.read_bytes()
        with os.fdopen(fd, "wb") as f:
            f.write(secrets.token_bytes(32))
    return path.read_bytes()


def entity_key(secret: bytes, entity: str, key: Any) -> str:
    """64 hex characters; the same person always hashes alike in one workspace, and differently in another."""
    return hmac.new(secret, f"{entity}\n{key}".encode(), hashlib.sha256).hexdigest()
