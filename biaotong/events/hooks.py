"""The `biaotong.after_sync` hook of life events: every new snapshot is diffed against its source's previous one."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from biaotong.events.detect import detect

if TYPE_CHECKING:
    from biaotong.workspace import Workspace


def after_sync(ws: Workspace, synced: list[tuple[str, str]], actor: str) -> list[dict[str, Any]]:
    return [detect(ws, source, snapshot_id, actor) for source, snapshot_id in synced]
