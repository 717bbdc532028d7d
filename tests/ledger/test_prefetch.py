"""The read-ahead helper used by verify on PostgreSQL: order, early exit, errors."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from biaotong.ledger.scan import prefetched


def test_order_early_exit_and_errors() -> None:
    closed = threading.Event()

    def chunks(n: int, fail_at: int | None = None) -> Iterator[int]:
        try:
            for i in range(n):
                if i == fail_at:
                    raise RuntimeError("database went away")
                yield i
        finally:
            closed.set()

    assert list(prefetched(chunks(100))) == list(range(100))
    closed.clear()
    for i in prefetched(chunks(10_000), depth=1):
        if i == 3:
            break
    assert closed.wait(5)  # the reader stopped and closed its result
    with pytest.raises(RuntimeError, match="went away"):
        list(prefetched(chunks(10, fail_at=4)))
    assert threading.active_count() < 10
