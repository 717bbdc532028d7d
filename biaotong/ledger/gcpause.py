"""Pausing Python's cyclic garbage collector around bulk work.

Reading or appending a million entries allocates millions of short-lived tuples; the collector would walk
them again and again and roughly double the time. Nothing the ledger builds holds reference cycles, so the
collector is paused for the duration and restored (as it was) afterwards.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc(enabled: bool = True) -> Iterator[None]:
    was = gc.isenabled()
    if enabled:
        gc.disable()
    try:
        yield
    finally:
        if was and enabled:
            gc.enable()
