"""Scheduled syncs on a real workspace: due times from cron and every-N-hours, a missed run and a failed run
recorded in `sync_runs`, the ledger and `source list`, one run per source at a time (a lock held by another
real process), and the APScheduler background scheduler that `biaotong serve` can start."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from biaotong.auth.actor import Actor
from biaotong.catalog import Catalog, import_org_tree, make_citizen_id
from biaotong.errors import SourceError
from biaotong.sources import load_source_spec
from biaotong.sources.spec import Schedule
from biaotong.store.schema import sync_runs
from biaotong.sync.schedule import due_sources, fire_times, run_due, start_scheduler
from biaotong.sync.schedule_lock import SyncBusy, source_lock
from biaotong.workspace import Workspace

ORG = """
units:
  - {code: "530000000000", name: 云南省, level: province}
  - {code: "530102000000", name: 五华区, level: county, parent: "530000000000"}
  - {code: "530102001000", name: 华山街道, level: township, parent: "530102000000"}
  - {code: "530102001001", name: 红旗社区, level: village, parent: "530102001000"}
"""
SPEC = """\
name: mz
entity: resident
connection: {kind: csv, path: mz.csv}
columns:
  身份证: id_number
  村: org_code
schedule: SCHEDULE
"""
ADMIN = Actor("admin", frozenset({"data_admin"}), None, None, "cleared")


@pytest.fixture
def scheduled(workspace: Workspace, tmp_path: Path) -> Workspace:
    from biaotong.sync import add_source

    (tmp_path / "org.yaml").write_text(ORG, encoding="utf-8")
    with workspace.engine.begin() as conn:
        import_org_tree(conn, tmp_path / "org.yaml")
    people = [make_citizen_id("530102", date(1970, 1, 1 + i), i) for i in range(20)]
    (tmp_path / "mz.csv").write_text("身份证,村\n" + "\n".join(f"{p},530102001001" for p in people), encoding="utf-8")
    (tmp_path / "mz.yaml").write_text(SPEC.replace("SCHEDULE", "{every_hours: 6}"), encoding="utf-8")
    add_source(workspace, tmp_path / "mz.yaml")
    return workspace


def _runs(ws: Workspace) -> list[str]:
    with ws.engine.connect() as conn:
        return [r.status for r in conn.execute(sa.select(sync_runs).order_by(sync_runs.c.id))]


def _ledger_actions(ws: Workspace) -> list[str]:
    from biaotong.ledger.tables import ledger_entries

    with ws.engine.connect() as conn:
        return [r.action for r in conn.execute(sa.select(ledger_entries.c.action).order_by(ledger_entries.c.seq))]


def test_fire_times() -> None:
    start = datetime(2025, 1, 1, 0, 30, tzinfo=UTC)
    assert fire_times(Schedule(every_hours=6), start, start + timedelta(hours=13)) == [
        start + timedelta(hours=6), start + timedelta(hours=12)]
    # 02:00 China time is 18:00 UTC the day before.
    nightly = fire_times(Schedule(cron="0 2 * * *"), start, start + timedelta(days=2))
    assert nightly == [datetime(2025, 1, 1, 18, 0, tzinfo=UTC), datetime(2025, 1, 2, 18, 0, tzinfo=UTC)]


def test_due_missed_and_caught_up(scheduled: Workspace) -> None:
    from biaotong.services import sources as svc

    first = run_due(scheduled)
    assert [(r.source, r.status, r.missed) for r in first] == [("mz", "ok", 0)] and first[0].snapshot
    assert due_sources(scheduled) == [] and run_due(scheduled) == []
    later = datetime.now(UTC) + timedelta(hours=13)  # two fire times passed: one was missed
    runs = run_due(scheduled, later)
    assert [(r.status, r.missed) for r in runs] == [("ok", 1)]
    statuses = _runs(scheduled)
    assert statuses[:2] == ["ok", "missed"] and statuses[2] in ("ok", "unchanged")  # the same file: no new data
    assert "source.sync_missed" in _ledger_actions(scheduled)
    listed = svc.list_sources(ADMIN, scheduled)[0]
    assert listed["last_sync"]["status"] == statuses[2] and listed["schedule"]["last_problem"]["status"] == "missed"
    assert listed["schedule"]["schedule"] == {"every_hours": 6.0} and listed["schedule"]["next_due"]


def test_failed_run_is_visible(scheduled: Workspace, tmp_path: Path) -> None:
    from biaotong.services import sources as svc

    (tmp_path / "mz.csv").unlink()
    runs = run_due(scheduled)
    assert [r.status for r in runs] == ["failed"] and "mz.csv" in (runs[0].error or "")
    assert _runs(scheduled) == ["failed"] and "source.sync_failed" in _ledger_actions(scheduled)
    listed = svc.list_sources(ADMIN, scheduled)[0]
    assert listed["last_sync"]["status"] == "failed" and listed["schedule"]["last_problem"]["status"] == "failed"


def test_never_two_runs_of_one_source(scheduled: Workspace) -> None:
    lock = scheduled.home / "locks" / "sync-mz.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import fcntl, sys, time\nf = open(sys.argv[1], 'a+')\n"
         "fcntl.flock(f, fcntl.LOCK_EX)\nprint('held', flush=True)\ntime.sleep(30)", str(lock)],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        assert [r.status for r in run_due(scheduled)] == ["busy"]
        assert _runs(scheduled) == []
    finally:
        holder.kill()
        holder.wait()
        assert holder.stdout is not None
        holder.stdout.close()
    with source_lock(scheduled, "mz") as got:  # the same process's threads are excluded too, and a sync by hand
        assert got and [r.status for r in run_due(scheduled)] == ["busy"]
        from biaotong.sync import sync_source

        with pytest.raises(SyncBusy) as info:
            sync_source(scheduled, "mz")
        assert "already being synced" in info.value.en
    assert [r.status for r in run_due(scheduled)] == ["ok"]


def test_background_scheduler_runs_due_syncs(scheduled: Workspace) -> None:
    scheduler = start_scheduler(scheduled, tick_seconds=1)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and "ok" not in _runs(scheduled):
            time.sleep(0.2)
    finally:
        scheduler.shutdown(wait=True)
    assert _runs(scheduled) == ["ok"]


def test_bad_schedule_names_the_line(write_spec: Callable[..., Path], catalog: Catalog) -> None:
    path = write_spec(SPEC.replace("SCHEDULE", "\n  cron: '61 2 * * *'"))
    with pytest.raises(SourceError) as info:
        load_source_spec(path, catalog)
    assert info.value.where.key == "schedule.cron" and info.value.where.row == 8
    path = write_spec(SPEC.replace("SCHEDULE", "{cron: '0 2 * * *', every_hours: 4}"))
    with pytest.raises(SourceError) as info:
        load_source_spec(path, catalog)
    assert info.value.where.key == "schedule"
