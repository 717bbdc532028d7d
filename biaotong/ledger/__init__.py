"""存证账本 — the tamper-evident ledger: an append-only RFC 6962 Merkle log with signed checkpoints.

Other capabilities need only `Event` and `record`::

    from biaotong.ledger import Event, record
    record(conn, Event(action="report.generate", actor=user, object=f"report:{rid}", hashes={"xlsx_sha256": h}))

Names are imported on first use, so `python -m biaotong.ledger.audit` (standard library only) runs
without loading the rest of biaotong.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "KNOWN_ACTIONS": "events", "Event": "events", "EventError": "events",
    "ConsistencyProof": "log", "Head": "log", "InclusionProof": "log",
    "consistency": "log", "head": "log", "latest_head": "log", "prove": "log", "read_state": "log", "record": "log",
    "Problem": "verify", "VerifyReport": "verify",
}
# `verify` is a submodule: call `from biaotong.ledger.verify import verify`.
__all__ = [
    "KNOWN_ACTIONS",
    "ConsistencyProof",
    "Event",
    "EventError",
    "Head",
    "InclusionProof",
    "Problem",
    "VerifyReport",
    "consistency",
    "head",
    "latest_head",
    "prove",
    "read_state",
    "record",
]

if TYPE_CHECKING:
    from biaotong.ledger.events import KNOWN_ACTIONS, Event, EventError
    from biaotong.ledger.log import (
        ConsistencyProof,
        Head,
        InclusionProof,
        consistency,
        head,
        latest_head,
        prove,
        read_state,
        record,
    )
    from biaotong.ledger.verify import Problem, VerifyReport


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'biaotong.ledger' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"biaotong.ledger.{module}"), name)
    globals()[name] = value
    return value
