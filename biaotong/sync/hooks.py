"""What runs after syncs land: the `biaotong.after_sync` entry-point group (quality checks, life events, and
a province's own hooks register the same way). A hook that fails is reported beside the sync's result and
never undoes it: the snapshot is committed before any hook runs."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from biaotong.workspace import Workspace

log = logging.getLogger(__name__)

# Built-ins, also declared as entry points; listed here for a source checkout without package metadata.
BUILTIN = {"events": "biaotong.events.hooks:after_sync", "quality": "biaotong.quality.run:after_sync",
           "corrections": "biaotong.tasks.corrections:after_sync"}


def _hooks() -> dict[str, Any]:
    import importlib

    found: dict[str, Any] = {}
    for ep in entry_points(group="biaotong.after_sync"):
        found[ep.name] = ep
    for name, target in BUILTIN.items():
        if name not in found:
            module, attr = target.split(":")
            found[name] = getattr(importlib.import_module(module), attr)
    # events first: quality's dead-but-paid findings then sit beside the death that raised them
    return dict(sorted(found.items(), key=lambda kv: (kv[0] != "events", kv[0])))


def run_after_sync(ws: Workspace, synced: Sequence[tuple[str, str]], actor: str) -> dict[str, Any]:
    """Run every hook once for the (source, snapshot id) pairs just committed; returns what each said."""
    if not synced:
        return {}
    out: dict[str, Any] = {}
    for name, hook in _hooks().items():
        fn = hook.load() if hasattr(hook, "load") else hook
        try:
            out[name] = fn(ws, list(synced), actor)
        except Exception as exc:  # a hook never undoes a committed sync
            log.warning("after-sync hook %s failed: %s", name, exc)
            out[name] = {"error": f"{type(exc).__name__}: {str(exc)[:300]}"}
    return out
