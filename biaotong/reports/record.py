"""What report work leaves in the ledger: each generated file (its SHA-256) and each read of personal data."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from biaotong.catalog.model import DataElement
from biaotong.lake.writer import file_sha256
from biaotong.ledger.events import Event
from biaotong.ledger.log import record
from biaotong.reports.mask import must_mask

if TYPE_CHECKING:
    from biaotong.reports.result import ReportResult
    from biaotong.workspace import Workspace


def _object(result: ReportResult) -> str:
    return f"report:{result.spec.id}/{result.period.code}/{result.org_code}"


def record_output(ws: Workspace, result: ReportResult, path: Path, fmt: str, *, actor: str = "cli") -> None:
    """A generated file, by content hash, with the snapshots it was computed from."""
    detail: dict[str, Any] = {
        "format": fmt, "file": path.name, "role": result.role, "spec_sha256": result.spec.sha256,
        "snapshots": sorted({s["id"] for s in result.snapshots}),
        # What it knew: re-generated `--as-known-at` this entry's time, the file has the same SHA-256.
        "data_as_of": result.data_as_of.isoformat() if result.data_as_of else None,
        "known_at": result.known_at.isoformat() if result.known_at else None,
        "rows": len(result.rows) or len(result.records) or len(result.items),
    }
    with ws.engine.begin() as conn:
        record(conn, Event(action="report.generate", actor=actor, object=_object(result),
                           hashes={"output_sha256": file_sha256(path)}, detail=detail))


def record_personal_read(
    ws: Workspace, what: str, *, role: str, rows: int, elements: list[str], actor: str = "cli",
    purpose: str = "report.generate",
) -> None:
    """Every read of personal data in the clear (a roster, a drill-down, a source sample, a conflict sample)
    is recorded: who, for what purpose, how many rows, which elements (never the values)."""
    if not rows or not elements:
        return
    with ws.engine.begin() as conn:
        record(conn, Event(action="personal.read", actor=actor, object=what,
                           detail={"role": role, "purpose": purpose, "rows": rows, "elements": sorted(elements)}))


def clear_personal(elements: Iterable[DataElement], clearance: str) -> list[str]:
    """The personal or sensitive elements among `elements` that `clearance` reads unmasked."""
    return sorted({e.code for e in elements
                   if e.sensitivity in ("personal", "sensitive") and not must_mask(e, clearance)})
