"""Scheduled syncs: each source may declare `schedule: {cron: "0 2 * * *"}` or `{every_hours: 6}`.

`run_due(ws)` syncs every source that is due, one after another, never two runs of one source at once
(every sync holds the source's lock, biaotong.sync.schedule_lock, across processes); `start_scheduler(ws)` runs `run_due` every
minute in a background thread (what `biaotong serve` starts) and `biaotong scheduler` runs it in the
foreground. A source is due when a fire time of its schedule has passed since its last run began. When more
than one fire time passed unseen (the scheduler was down), the run is recorded as `missed` — a `sync_runs`
row and a `source.sync_missed` ledger entry — before the catch-up sync; a failed sync is a `failed` row (from
the sync itself) and a `source.sync_failed` ledger entry. `source list` shows both as the last run.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from biaotong.errors import BiaotongError
from biaotong.ledger.events import Event
from biaotong.ledger.log import record
from biaotong.sources.policies import cron_trigger
from biaotong.store.schema import sync_runs
from biaotong.sync.schedule_lock import SyncBusy, source_lock

if TYPE_CHECKING:
    from biaotong.sources.spec import Schedule
    from biaotong.sync.registry import SourceInfo
    from biaotong.workspace import Workspace

log = logging.getLogger(__name__)
TICK_SECONDS = 60


@dataclass(frozen=True)
class Due:
    source: str
    due_at: datetime  # the fire time that made it due
    missed: int  # fire times that passed without a run before this one


@dataclass(frozen=True)
class ScheduledRun:
    source: str
    status: str  # ok | failed | busy (another run of the source holds the lock)
    due_at: datetime
    missed: int = 0
    snapshot: str | None = None
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"source": self.source, "status": self.status, "due_at": self.due_at.isoformat(),
                "missed": self.missed, "snapshot": self.snapshot, "error": self.error}


def _utc(t: datetime) -> datetime:
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)


def fire_times(schedule: Schedule, after: datetime, until: datetime, limit: int = 1000) -> list[datetime]:
    """The schedule's fire times in (after, until], at most `limit`."""
    out: list[datetime] = []
    if schedule.every_hours is not None:
        step = timedelta(hours=schedule.every_hours)
        t = after + step
        while t <= until and len(out) < limit:
            out.append(t)
            t += step
        return out
    assert schedule.cron is not None
    trigger = cron_trigger(schedule.cron)
    previous, t = None, after
    while len(out) < limit:
        nxt = trigger.get_next_fire_time(previous, t + timedelta(microseconds=1))
        if nxt is None or _utc(nxt) > until:
            break
        out.append(_utc(nxt))
        previous, t = nxt, nxt
    return out


def _last_start(conn: sa.Connection, source: str) -> datetime | None:
    row = conn.execute(
        sa.select(sa.func.max(sync_runs.c.started_at)).where(sync_runs.c.source == source)
    ).scalar()
    return _utc(row) if row is not None else None


def due_sources(ws: Workspace, now: datetime | None = None) -> list[Due]:
    """Every scheduled source with a fire time in (its last run's start, now]. A source never synced is due
    at once, with nothing missed."""
    from biaotong.sync.registry import list_sources

    now = _utc(now or datetime.now(UTC))
    out: list[Due] = []
    with ws.engine.connect() as conn:
        for info in list_sources(ws):
            schedule = info.spec.schedule
            if schedule is None:
                continue
            last = _last_start(conn, info.name)
            if last is None:
                out.append(Due(info.name, now, 0))
                continue
            times = fire_times(schedule, last, now)
            if times:
                out.append(Due(info.name, times[-1], len(times) - 1))
    return out


def _record_missed(ws: Workspace, due: Due, actor: str) -> None:
    with ws.engine.begin() as conn:
        conn.execute(sa.insert(sync_runs).values(
            source=due.source, started_at=due.due_at, finished_at=due.due_at, status="missed",
            error=f"错过 {due.missed} 次计划同步（调度未运行）/ {due.missed} scheduled run(s) missed (scheduler not running)",
        ))
        record(conn, Event(action="source.sync_missed", actor=actor, object=f"source:{due.source}",
                           hashes={}, detail={"missed": due.missed, "due_at": due.due_at.isoformat()}))


def _record_failed(ws: Workspace, source: str, exc: BaseException, actor: str) -> None:
    # The sync already marked its run failed; the ledger gets the fact, not the message (it may quote data).
    where = getattr(exc, "where", None)
    with ws.engine.begin() as conn:
        record(conn, Event(action="source.sync_failed", actor=actor, object=f"source:{source}", hashes={},
                           detail={"error": type(exc).__name__, "key": getattr(where, "key", None)}))


def run_one(ws: Workspace, info: SourceInfo, due: Due, *, actor: str = "scheduler") -> ScheduledRun:
    from biaotong.sync.run import sync_source

    with source_lock(ws, info.name) as free:  # only a look: the sync takes the lock itself
        pass
    if not free:
        return ScheduledRun(info.name, "busy", due.due_at, due.missed)
    if due.missed:
        _record_missed(ws, due, actor)
    try:
        result = sync_source(ws, info.name, actor=actor)
    except SyncBusy:  # taken between the look and the sync: the next tick tries again
        return ScheduledRun(info.name, "busy", due.due_at, due.missed)
    except BiaotongError as exc:
        _record_failed(ws, info.name, exc, actor)
        return ScheduledRun(info.name, "failed", due.due_at, due.missed, error=exc.message)
    except Exception as exc:  # a dropped connection…: this source fails, the scheduler goes on
        _record_failed(ws, info.name, exc, actor)
        return ScheduledRun(info.name, "failed", due.due_at, due.missed, error=f"{type(exc).__name__}: {exc}")
    return ScheduledRun(info.name, "ok", due.due_at, due.missed,
                        snapshot=result.snapshot.id if result.snapshot else None)


def run_due(ws: Workspace, now: datetime | None = None, *, actor: str = "scheduler") -> list[ScheduledRun]:
    """Sync every due source once (one at a time); a busy or failing source does not stop the others."""
    from biaotong.sync.registry import get_source

    runs = []
    for due in due_sources(ws, now):
        runs.append(run_one(ws, get_source(ws, due.source), due, actor=actor))
        log.info("scheduled sync %s: %s", due.source, runs[-1].status)
    return runs


def start_scheduler(ws: Workspace, *, tick_seconds: int = TICK_SECONDS, blocking: bool = False) -> Any:
    """An APScheduler scheduler checking for due sources every `tick_seconds` (never two checks at once).
    Background by default (for `biaotong serve`: call `.shutdown()` on exit); `blocking=True` runs in the
    foreground until interrupted."""
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.schedulers.blocking import BlockingScheduler

    scheduler = (BlockingScheduler if blocking else BackgroundScheduler)(timezone="Asia/Shanghai")
    scheduler.add_job(run_due, "interval", seconds=tick_seconds, args=[ws], id="biaotong-due-syncs",
                      max_instances=1, coalesce=True, next_run_time=datetime.now(UTC))
    scheduler.start()
    return scheduler


def schedule_status(ws: Workspace, now: datetime | None = None) -> dict[str, dict[str, Any]]:
    """Per scheduled-or-troubled source: its schedule, when it is next due, and its latest missed or failed
    run (kept visible after a successful catch-up, so `source list` shows that a run was missed)."""
    from biaotong.sync.registry import list_sources

    now = _utc(now or datetime.now(UTC))
    out: dict[str, dict[str, Any]] = {}
    with ws.engine.connect() as conn:
        for info in list_sources(ws):
            problem = conn.execute(
                sa.select(sync_runs).where(sync_runs.c.source == info.name, sync_runs.c.status.in_(("missed", "failed")))
                .order_by(sync_runs.c.id.desc()).limit(1)
            ).first()
            schedule = info.spec.schedule
            if schedule is None and problem is None:
                continue
            entry: dict[str, Any] = {"schedule": None, "next_due": None, "last_problem": None}
            if schedule is not None:
                entry["schedule"] = schedule.model_dump(exclude_none=True)
                last = _last_start(conn, info.name)
                upcoming = fire_times(schedule, last, last + timedelta(days=400), limit=1) if last else [now]
                entry["next_due"] = upcoming[0].isoformat() if upcoming else None
            if problem is not None:
                entry["last_problem"] = {"status": problem.status, "at": _utc(problem.started_at).isoformat(),
                                         "error": problem.error}
            out[info.name] = entry
    return out
