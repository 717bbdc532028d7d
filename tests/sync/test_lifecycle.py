"""Sources have a life cycle (issue 15, point 7): checked against the data before they are accepted, removed
and re-added as new versions in the ledger, unchanged syncs write nothing, rejects summed across incremental
syncs, and `lake gc` — on real SQLite/CSV systems and SQLite and PostgreSQL stores."""

from __future__ import annotations

import json
import os
import sqlite3
import time
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from biaotong.cli.main import app
from biaotong.errors import SourceError, WorkflowError
from biaotong.lake import list_snapshots
from biaotong.lake.gc import collect
from biaotong.ledger.tables import ledger_entries
from biaotong.onetable import register
from biaotong.store.schema import sources, sync_runs
from biaotong.sync import add_source, source_status, sync_source
from biaotong.sync.registry import remove_source, source_versions_of
from biaotong.workspace import Workspace
from tests.sync.conftest import GAJ_SPEC, write_gaj

runner = CliRunner()


def _events(ws: Workspace, action: str) -> list[dict]:
    with ws.engine.connect() as conn:
        rows = conn.execute(sa.select(ledger_entries.c.event).where(ledger_entries.c.action == action)
                            .order_by(ledger_entries.c.seq)).scalars().all()
    return [json.loads(r) for r in rows]


def _gaj(ws: Workspace, tmp_path: Path, n: int = 20, spec: str = GAJ_SPEC) -> Path:
    if not (tmp_path / "gaj.db").exists():
        write_gaj(tmp_path / "gaj.db", n)
    path = tmp_path / "gaj.yaml"
    path.write_text(spec, encoding="utf-8")
    return path


def test_add_refuses_a_spec_that_does_not_fit_the_data(county: Workspace, tmp_path: Path) -> None:
    # A key that repeats (every man shares sex 1): the one table would merge people.
    bad_key = _gaj(county, tmp_path, spec=GAJ_SPEC.replace("sync: {mode: full", "key: sex\nsync: {mode: full"))
    with pytest.raises(SourceError) as err:
        add_source(county, bad_key)
    assert "sex" in err.value.en and "unique" in err.value.en and err.value.where.key == "key"
    # A mapped column the table does not have.
    no_col = _gaj(county, tmp_path, spec=GAJ_SPEC.replace("XM: name", "XINGMING: name"))
    with pytest.raises(SourceError) as err:
        add_source(county, no_col)
    assert "XINGMING" in err.value.en
    # Values that are no citizen IDs at all: every sampled row would be rejected.
    ids_in_name = _gaj(county, tmp_path, spec=GAJ_SPEC.replace("GMSFHM: id_number", "GMSFHM: name").replace(
        "XM: name", "XM: id_number"))
    with pytest.raises(SourceError):
        add_source(county, ids_in_name)
    with county.engine.connect() as conn:  # the workspace as it was
        assert conn.execute(sa.select(sa.func.count()).select_from(sources)).scalar() == 0
    assert add_source(county, _gaj(county, tmp_path)).name == "gaj"
    assert _events(county, "source.register")[-1]["detail"]["checked"]["id_number_unique"] == 1.0


def test_remove_and_readd_are_versions_and_old_snapshots_stay_readable(county: Workspace, tmp_path: Path) -> None:
    add_source(county, _gaj(county, tmp_path, n=12))
    first = sync_source(county, "gaj").snapshot
    assert first is not None
    time.sleep(0.01)
    add_source(county, _gaj(county, tmp_path, spec=GAJ_SPEC.replace("公安人口信息系统", "公安人口系统（新）")))
    versions = source_versions_of(county, "gaj")
    assert [v["version"] for v in versions] == [1, 2] and versions[0]["valid_to"] is not None
    con = duckdb.connect()
    register(con, county, entities=["resident"])  # version 2 is not synced yet: no resident known now
    assert con.execute("SELECT count(*) FROM resident").fetchone() == (0,)
    register(con, county, as_of=first.taken_at + timedelta(microseconds=1), entities=["resident"])
    assert con.execute("SELECT count(*) FROM resident").fetchone() == (12,)  # as known then
    second = sync_source(county, "gaj")
    assert second.snapshot is not None and second.snapshot.id != first.id and not second.unchanged
    assert source_status(county)[0]["version"] == 2

    assert runner.invoke(app, ["--home", str(county.home), "source", "remove", "nope"]).exit_code != 0
    r = runner.invoke(app, ["--home", str(county.home), "source", "remove", "gaj", "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["snapshots_kept"] == 2
    with pytest.raises(SourceError):
        remove_source(county, "gaj")  # gone
    register(con, county, entities=["resident"])
    assert con.execute("SELECT count(*) FROM resident").fetchone() == (0,)  # reports stop using it at once
    register(con, county, as_of=second.snapshot.taken_at + timedelta(microseconds=1), entities=["resident"])
    assert con.execute("SELECT count(*) FROM resident").fetchone() == (12,)  # still readable as known then
    removed = _events(county, "source.remove")
    assert removed[-1]["object"] == "source:gaj" and removed[-1]["detail"]["snapshots_kept"] == 2
    assert [e["detail"]["version"] for e in _events(county, "source.register")] == [1, 2]


def test_an_unchanged_sync_writes_no_snapshot_and_the_ledger_says_so(county: Workspace, tmp_path: Path) -> None:
    add_source(county, _gaj(county, tmp_path))
    first = sync_source(county, "gaj")
    again = sync_source(county, "gaj")
    assert again.unchanged and again.snapshot is not None and again.snapshot.id == first.snapshot.id  # type: ignore[union-attr]
    with county.engine.connect() as conn:
        assert len(list_snapshots(conn, "gaj")) == 1
        runs = conn.execute(sa.select(sync_runs.c.status).order_by(sync_runs.c.id)).scalars().all()
    assert runs == ["ok", "unchanged"]
    check = _events(county, "source.sync_unchanged")
    assert len(check) == 1 and check[0]["hashes"]["snapshot_sha256"] == first.snapshot.sha256  # type: ignore[union-attr]
    kept = [p for p in (county.lake_dir / "gaj").iterdir() if not p.name.startswith(".")]  # (.sync.lock)
    assert len(kept) == 1  # the identical copy is gone


def test_rejects_are_summed_across_incremental_syncs(county: Workspace, tmp_path: Path) -> None:
    spec = GAJ_SPEC.replace("mode: full", "mode: incremental")
    add_source(county, _gaj(county, tmp_path, n=10, spec=spec))
    con = sqlite3.connect(tmp_path / "gaj.db")
    con.execute("INSERT INTO t_rk VALUES ('bad-1', '坏', '1', '19500101', '530927101201', '2025-01-01 00:00:00')")
    con.commit()
    first = sync_source(county, "gaj").snapshot
    con.execute("INSERT INTO t_rk VALUES ('bad-2', '坏', '1', '19500101', '530927101201', '2025-02-01 00:00:00')")
    con.execute("INSERT INTO t_rk VALUES ('bad-3', '坏', '1', '19500101', '530927101201', '2025-02-01 00:00:00')")
    con.commit()
    con.close()
    write_gaj(tmp_path / "gaj.db", 1, start=50, stamp="2025-02-01 00:00:00")
    second = sync_source(county, "gaj").snapshot
    assert first is not None and second is not None
    assert first.reject_count == 1 and second.reject_count == 2  # kept per snapshot: each sync's own rows
    status = source_status(county)[0]["snapshot"]
    assert status["rejects"] == 2 and status["rejects_since_full"]["count"] == 3
    assert status["rejects_since_full"]["snapshots"] == [second.id, first.id]


def test_lake_gc_keeps_the_newest_and_the_hashes(county: Workspace, tmp_path: Path) -> None:
    add_source(county, _gaj(county, tmp_path, n=5))
    snaps = []
    for i in range(3):
        write_gaj(tmp_path / "gaj.db", 1, start=100 + i)
        snaps.append(sync_source(county, "gaj").snapshot)
    stale = county.lake_dir / "gaj" / ".staging-deadbeef"
    stale.mkdir()
    (stale / "raw.parquet").write_bytes(b"x" * 100)
    orphan = county.lake_dir / "gaj" / "20200101T000000000000Z-00000000"
    orphan.mkdir()
    fresh = county.lake_dir / "gaj" / ".staging-running"
    fresh.mkdir()
    old = time.time() - 7200
    for d in (stale, orphan):
        os.utime(d, (old, old))
    dry = collect(county, keep=1, dry_run=True)
    assert len(dry.removed) == 2 and all(p.exists() for p in (stale, orphan))
    r = runner.invoke(app, ["--home", str(county.home), "lake", "gc", "--keep", "1", "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert {x["id"] for x in out["removed"]} == {snaps[0].id, snaps[1].id}  # type: ignore[union-attr]
    assert out["staging_removed"] == ["gaj/.staging-deadbeef"] and out["orphans_removed"] == [str(orphan.relative_to(county.lake_dir))]
    assert fresh.exists() and not stale.exists() and not orphan.exists()
    with county.engine.connect() as conn:
        assert [s.id for s in list_snapshots(conn, "gaj")] == [snaps[2].id]  # type: ignore[union-attr]
    gc = _events(county, "lake.gc")[-1]
    assert {x["sha256"] for x in gc["detail"]["removed"]} == {snaps[0].sha256, snaps[1].sha256}  # type: ignore[union-attr]
    con = duckdb.connect()
    register(con, county, entities=["resident"])  # the newest snapshot still reads (and verifies)
    assert con.execute("SELECT count(*) FROM resident").fetchone() == (8,)
    with pytest.raises(WorkflowError) as err:  # as known when snapshot 0 was current: removed, and said so
        register(con, county, as_of=snaps[1].taken_at, entities=["resident"])  # type: ignore[union-attr]
    assert snaps[0].id in err.value.en  # type: ignore[union-attr]
    r = runner.invoke(app, ["--home", str(county.home), "lake", "gc"])
    assert r.exit_code != 0  # neither --keep nor --keep-days
