"""What report work leaves in the ledger: each generated file (its SHA-256) and each read of personal data."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from biaotong.lake.writer import file_sha256
from biaotong.ledger.events import Event
from biaotong.ledger.log import record

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
        "rows": len(result.rows) or len(result.records) or len(result.items),
    }
    with ws.engine.begin() as conn:
        record(conn, Event(action="report.generate", actor=actor, object=_object(result),
                           hashes={"output_sha256": file_sha256(path)}, detail=detail))


def record_personal_read(
    ws: Workspace, what: str, *, role: str, rows: int, elements: list[str], actor: str = "cli"
) -> None:
    """Every read of personal data in the clear (a roster or a drill-down for a cleared role) is recorded."""
    if not rows or not elements:
        return
    with ws.engine.begin() as conn:
        record(conn, Event(action="personal.read", actor=actor, object=what,
                           detail={"role": role, "rows": rows, "elements": sorted(elements)}))
