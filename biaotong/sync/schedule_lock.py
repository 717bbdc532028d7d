"""One run of a source at a time: an exclusive, non-blocking lock per source, held across this process's
threads and across processes (a lock file `locks/sync-<source>.lock` in the workspace, under `flock`; kept
out of the lake so that lake listings and clean-up never see it). Every sync — by hand,
`--all` or the scheduler — takes it; a second run of the same source is refused at once, not queued."""

from __future__ import annotations

import fcntl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from biaotong.errors import SyncError, where

if TYPE_CHECKING:
    from biaotong.workspace import Workspace

LOCK_DIR = "locks"
_local_locks: dict[str, threading.Lock] = {}
_local_guard = threading.Lock()


class SyncBusy(SyncError):
    """Another run of the source holds its lock."""


@contextmanager
def source_lock(ws: Workspace, source: str) -> Iterator[bool]:
    """Yields True while holding the source's lock, False (immediately) when another run holds it."""
    with _local_guard:
        local = _local_locks.setdefault(f"{ws.home}:{source}", threading.Lock())
    if not local.acquire(blocking=False):
        yield False
        return
    try:
        folder = ws.home / LOCK_DIR
        folder.mkdir(parents=True, exist_ok=True)
        with (folder / f"sync-{source}.lock").open("a+") as fh:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
    finally:
        local.release()


@contextmanager
def exclusive(ws: Workspace, source: str) -> Iterator[None]:
    """Run the body holding the source's lock, or raise SyncBusy."""
    with source_lock(ws, source) as got:
        if not got:
            raise SyncBusy(
                f"数据源 {source} 正在同步（另一个同步或计划任务持有锁），请稍后再试",
                f"source {source} is already being synced (another run holds its lock); try again later",
                where(key=source),
            )
        yield
