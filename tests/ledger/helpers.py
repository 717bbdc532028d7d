"""Building small logs for the store, tamper and witness tests."""

from __future__ import annotations

from sqlalchemy import Engine

from biaotong.ledger import Event, record


def event(i: int) -> Event:
    return Event(
        action="source.sync", actor=f"操作员{i % 3}", object=f"source:gaj-{i}",
        hashes={"snapshot_sha256": f"{i:064x}"}, detail={"rows": i, "note": "测试 \"quoted\" \\ text"},
    )


def fill(engine: Engine, n: int, start: int = 0, batch: int = 7) -> None:
    """Append events start..start+n in transactions of `batch`."""
    for lo in range(start, start + n, batch):
        with engine.begin() as conn:
            record(conn, *(event(i) for i in range(lo, min(lo + batch, start + n))))
