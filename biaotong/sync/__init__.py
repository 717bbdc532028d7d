"""Registering sources and syncing them into the lake (从系统取)."""

from biaotong.sync.registry import SourceInfo, add_source, get_source, list_sources, source_status
from biaotong.sync.run import SyncResult, sync_all, sync_source

__all__ = [
    "SourceInfo", "SyncResult", "add_source", "get_source", "list_sources", "source_status", "sync_all",
    "sync_source",
]
