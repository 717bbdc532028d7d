"""The lake: immutable, content-hashed Parquet snapshots, one per sync, indexed by the metadata store."""

from biaotong.lake.snapshots import Snapshot, list_snapshots, snapshot_as_of
from biaotong.lake.writer import SnapshotWriter, file_sha256

__all__ = ["Snapshot", "SnapshotWriter", "file_sha256", "list_snapshots", "snapshot_as_of"]
