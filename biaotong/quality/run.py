"""Running the catalogue over the current snapshots, and keeping its findings as work: a finding seen for
the first time is opened; one no longer found is closed as fixed (naming the owner's snapshot that no
longer shows it); 'explained' findings stay closed. Each run is one ledger entry."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import sqlalchemy as sa

from biaotong.errors import BiaotongError
from biaotong.i18n import msg
from biaotong.ledger.events import Event
from biaotong.ledger.log import record
from biaotong.quality.checks import builtin_checks
from biaotong.quality.context import CheckContext, build_context
from biaotong.quality.model import COLUMNS, FINDING_SCHEMA, Check, QualityReport
from biaotong.quality.rules import load_rules
from biaotong.quality.tables import quality_findings, quality_runs

if TYPE_CHECKING:
    from biaotong.workspace import Workspace

CLOSED = ("fixed", "explained")


def catalogue(ws: Workspace) -> list[Check]:
    return [*builtin_checks(), *load_rules(ws)]


def run_checks(ws: Workspace, *, only: list[str] | None = None, ctx: CheckContext | None = None) -> QualityReport:
    """Every check (or those named) over the current snapshots; a check that fails is reported, not fatal."""
    checks = [c for c in catalogue(ws) if not only or c.slug in only]
    ctx = ctx or build_context(ws)
    tables: list[pa.Table] = []
    errors: list[dict[str, str]] = []
    for check in checks:
        try:
            out = check.run(ctx, dict(check.params))
            if out is None:
                continue
            table = ctx.con.sql(out).to_arrow_table() if isinstance(out, str) else out
        except BiaotongError as exc:
            errors.append({"check": check.slug, "error": exc.message})
            continue
        except Exception as exc:  # a broken check must not hide the others' findings
            errors.append({"check": check.slug, "error": f"{type(exc).__name__}: {exc}"})
            continue
        if table.num_rows:
            table = table.select(COLUMNS[1:]).cast(pa.schema(list(FINDING_SCHEMA)[1:]))
            tables.append(table.add_column(0, "check", pa.array([check.slug] * table.num_rows, pa.string())))
    findings = pa.concat_tables(tables) if tables else FINDING_SCHEMA.empty_table()
    return QualityReport(findings=findings, checks=checks, errors=errors)


def fingerprint(row: dict[str, Any]) -> str:
    text = "|".join(str(row.get(k) or "") for k in ("check", "entity", "key", "source", "element"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class RunSummary:
    findings: int
    new: int
    fixed: int
    reopened: int
    errors: list[dict[str, str]]
    seconds: float

    def to_json(self) -> dict[str, Any]:
        return {"findings": self.findings, "new": self.new, "fixed": self.fixed, "reopened": self.reopened,
                "errors": self.errors, "seconds": round(self.seconds, 2)}


def run_and_record(ws: Workspace, *, trigger: str, actor: str, only: list[str] | None = None) -> RunSummary:
    """Run the checks and bring the findings' work list up to date, with one ledger entry for the run."""
    t0 = time.perf_counter()
    ctx = build_context(ws)
    try:
        report = run_checks(ws, only=only, ctx=ctx)
    finally:
        ctx.con.close()
    now = datetime.now(UTC)
    snap_of = {s.name: s.snapshot.id for s in ctx.sources.values()}
    dept_of = {s.name: s.department for s in ctx.sources.values()}
    ran = {c.slug for c in report.checks} - {e["check"] for e in report.errors}
    rows = report.findings.to_pylist()
    seen = {fingerprint(r): r for r in rows}
    new = fixed = reopened = 0
    with ws.engine.begin() as conn:
        existing = {r.fingerprint: r for r in conn.execute(
            sa.select(quality_findings.c.id, quality_findings.c.fingerprint, quality_findings.c.status,
                      quality_findings.c.check, quality_findings.c.source))}
        inserts = []
        for fp, r in seen.items():
            old = existing.get(fp)
            if old is None:
                inserts.append({**{k: r[k] for k in COLUMNS}, "fingerprint": fp, "status": "open",
                                "department": dept_of.get(r["source"], r["source"]), "first_seen_at": now,
                                "last_seen_at": now, "seen_in": snap_of.get(r["source"])})
        if inserts:
            conn.execute(sa.insert(quality_findings), inserts)
        new = len(inserts)
        # seen again: refresh; a 'fixed' one that is back is open again
        back = [e.id for fp, e in existing.items() if fp in seen and e.status == "fixed"]
        still = [e.id for fp, e in existing.items() if fp in seen and e.status != "fixed"]
        for ids, values in ((back, {"status": "open", "closed_at": None, "note": None}), (still, {})):
            for chunk in _chunks(ids):
                conn.execute(sa.update(quality_findings).where(quality_findings.c.id.in_(chunk))
                             .values(last_seen_at=now, **values))
        reopened = len(back)
        gone = [e for fp, e in existing.items() if fp not in seen and e.status not in CLOSED and e.check in ran]
        for e in gone:
            conn.execute(sa.update(quality_findings).where(quality_findings.c.id == e.id).values(
                status="fixed", closed_at=now, updated_by=actor,
                note=msg(f"数据源 {e.source} 的快照 {snap_of.get(e.source, '—')} 中已不再出现",
                         f"no longer in snapshot {snap_of.get(e.source, '—')} of {e.source}")))
        fixed = len(gone)
        conn.execute(sa.insert(quality_runs).values(
            at=now, trigger=trigger[:100], checks=len(report.checks), findings=len(seen), new=new, fixed=fixed,
            errors="; ".join(f"{e['check']}: {e['error']}" for e in report.errors)[:2000] or None))
        digest = hashlib.sha256("\n".join(sorted(seen)).encode()).hexdigest()
        record(conn, Event(action="quality.run", actor=actor, object=f"quality:{trigger[:80]}",
                           hashes={"findings_sha256": digest},
                           detail={"findings": len(seen), "new": new, "fixed": fixed, "reopened": reopened,
                                   "checks": len(report.checks), "errors": len(report.errors)}))
    return RunSummary(len(seen), new, fixed, reopened, report.errors, time.perf_counter() - t0)


def _chunks(ids: list[int], n: int = 500) -> list[list[int]]:
    return [ids[i:i + n] for i in range(0, len(ids), n)]


def after_sync(ws: Workspace, synced: list[tuple[str, str]], actor: str) -> dict[str, Any]:
    """The `biaotong.after_sync` hook: every sync runs the checks (they read every current snapshot, so a
    register change raises dead-but-paid findings the moment it lands)."""
    names = ",".join(s for s, _ in synced)
    return run_and_record(ws, trigger=f"sync:{names}", actor=actor).to_json()
