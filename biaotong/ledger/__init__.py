"""存证账本 — the tamper-evident ledger: an append-only RFC 6962 Merkle log with signed checkpoints.

Other capabilities need only `Event` and `record`::

    from biaotong.ledger import Event, record
    record(conn, Event(action="report.generate", actor=user, object=f"report:{rid}", hashes={"xlsx_sha256": h}))
"""

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
from biaotong.ledger.verify import Problem, VerifyReport, verify

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
    "verify",
]
