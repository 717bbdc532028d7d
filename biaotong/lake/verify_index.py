"""`ledger verify` for the lake: every snapshot row against its ledger entry, every committed file against it.

Fast mode (the default) reads no data: index rows against the ledger's `source.sync` entries (hash, row
count, and entries whose snapshot row is gone), each file's presence, its Parquet footer's row count, and its
size against the one remembered when it was last hashed. `full` (`ledger verify --lake`) hashes every file.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import sqlalchemy as sa
from sqlalchemy import Connection

from biaotong.i18n import msg
from biaotong.lake.snapshots import Snapshot, list_snapshots
from biaotong.lake.verify import hash_cache, ledger_records
from biaotong.lake.writer import file_sha256
from biaotong.ledger.tables import ledger_entries

# reason -> what it means (docs/ledger.md lists the same)
LAKE_REASONS = {
    "unknown": "a snapshot the ledger has no sync entry for (the log was wiped or replaced)",
    "index": "a snapshot row differs from its ledger entry (hash or row count)",
    "deleted": "the ledger records a snapshot whose index row is gone",
    "missing": "a committed snapshot's file is gone",
    "changed": "a committed snapshot's file differs from its hash",
}


@dataclass
class LakeProblem:
    reason: str
    snapshot: str
    message: str
    file: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"reason": self.reason, "snapshot": self.snapshot, "file": self.file, "message": self.message}


@dataclass
class LakeReport:
    full: bool
    snapshots: int = 0
    files_hashed: int = 0
    bytes_hashed: int = 0
    problems: list[LakeProblem] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok, "full": self.full, "snapshots": self.snapshots, "files_hashed": self.files_hashed,
            "bytes_hashed": self.bytes_hashed, "problems": [p.to_json() for p in self.problems],
            "seconds": round(self.seconds, 3),
        }


def _sources_in_ledger(conn: Connection) -> list[str]:
    rows = conn.execute(
        sa.select(ledger_entries.c.object).where(ledger_entries.c.action == "source.sync").distinct()
    ).scalars()
    return sorted(o.split(":", 1)[1] for o in rows if o.startswith("source:"))


def _collected(conn: Connection) -> set[str]:
    """Snapshot ids that `lake gc` removed on the record (their hashes stay in the ledger)."""
    ids: set[str] = set()
    rows = conn.execute(sa.select(ledger_entries.c.event).where(ledger_entries.c.action == "lake.gc")).scalars()
    for text in rows:
        try:
            detail = json.loads(text).get("detail", {})
        except ValueError:
            continue
        for value in detail.values() if isinstance(detail, dict) else ():
            for item in value if isinstance(value, list) else ():
                if isinstance(item, str):
                    ids.add(item)
                elif isinstance(item, dict) and isinstance(item.get("id"), str):
                    ids.add(item["id"])
    return ids


def _check_file(report: LakeReport, lake_dir: Path, snap: Snapshot) -> None:
    file = snap.data_file(lake_dir)
    shown = str(file)
    if not file.is_file():
        report.problems.append(LakeProblem("missing", snap.id, msg(f"快照 {snap.id} 的文件不存在", f"snapshot {snap.id}: its file is missing"), shown))
        return
    changed = msg(f"快照 {snap.id} 的文件被改动（与账本记录的哈希不符）", f"snapshot {snap.id}: its file was altered (differs from the ledger's hash)")
    if report.full:
        report.files_hashed += 1
        report.bytes_hashed += file.stat().st_size
        if file_sha256(file) != snap.sha256:
            report.problems.append(LakeProblem("changed", snap.id, changed, shown))
        return
    cached = hash_cache(lake_dir).entries.get(str(Path(snap.path) / "data.parquet"))
    try:
        rows = pq.read_metadata(file).num_rows
    except Exception:  # not Parquet any more
        report.problems.append(LakeProblem("changed", snap.id, changed, shown))
        return
    if rows != snap.row_count or (isinstance(cached, list) and cached[1] == snap.sha256 and cached[0][0] != file.stat().st_size):
        report.problems.append(LakeProblem("changed", snap.id, changed, shown))


def verify_lake(conn: Connection, lake_dir: Path, *, full: bool = False) -> LakeReport:
    started = time.perf_counter()
    report = LakeReport(full=full)
    snaps = list_snapshots(conn)
    report.snapshots = len(snaps)
    by_source: dict[str, list[Snapshot]] = {}
    for s in snaps:
        by_source.setdefault(s.source, []).append(s)
    collected = _collected(conn)
    for source in sorted(set(by_source) | set(_sources_in_ledger(conn))):
        records = ledger_records(conn, source)
        held = {s.id for s in by_source.get(source, [])}
        for snap in by_source.get(source, []):
            rec = records.get(snap.id)
            if rec is None:
                report.problems.append(LakeProblem("unknown", snap.id, msg(
                    f"快照 {snap.id} 在账本中没有同步记录（账本被清空或替换？）",
                    f"snapshot {snap.id} has no sync entry in the ledger (was the log wiped or replaced?)")))
            elif rec["sha256"] != snap.sha256 or (rec["rows"] is not None and int(rec["rows"]) != snap.row_count):
                report.problems.append(LakeProblem("index", snap.id, msg(
                    f"快照 {snap.id} 的索引行与账本第 {rec['seq']} 条不符（哈希或行数）",
                    f"snapshot {snap.id}: its index row differs from ledger entry {rec['seq']} (hash or row count)")))
            _check_file(report, lake_dir, snap)
        for snap_id, rec in records.items():
            if snap_id not in held and snap_id not in collected:
                report.problems.append(LakeProblem("deleted", snap_id, msg(
                    f"账本第 {rec['seq']} 条记录了快照 {snap_id}，但快照索引中没有该行",
                    f"ledger entry {rec['seq']} records snapshot {snap_id}, whose index row is gone")))
    report.seconds = time.perf_counter() - started
    return report
