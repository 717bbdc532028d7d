"""Sources synced into the lake end to end: real SQLite/CSV systems, real Parquet, SQLite and PostgreSQL stores."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa

from biaotong.errors import SyncError
from biaotong.lake import list_snapshots, snapshot_as_of
from biaotong.ledger.tables import ledger_entries
from biaotong.onetable import conflict_report, register
from biaotong.store.schema import sync_runs
from biaotong.sync import add_source, source_status, sync_source
from biaotong.workspace import Workspace
from tests.sync.conftest import CL_SPEC, GAJ_SPEC, write_gaj


def register_gaj(ws: Workspace, tmp_path: Path, n: int = 30) -> list[str]:
    ids = write_gaj(tmp_path / "gaj.db", n)
    (tmp_path / "gaj.yaml").write_text(GAJ_SPEC, encoding="utf-8")
    add_source(ws, tmp_path / "gaj.yaml")
    return ids


def test_sync_writes_a_snapshot_with_its_ledger_entry(county: Workspace, tmp_path: Path) -> None:
    ids = register_gaj(county, tmp_path)
    con = sqlite3.connect(tmp_path / "gaj.db")
    con.execute("INSERT INTO t_rk VALUES (?, '坏', '1', '19500101', '530927101201', '2025-01-01')", ("530927195001010010",))
    con.execute("INSERT INTO t_rk SELECT * FROM t_rk WHERE rowid = 1")  # an exact duplicate row
    con.commit()
    con.close()
    result = sync_source(county, "gaj")
    snap = result.snapshot
    assert result.ok and snap is not None and result.rows_read == 32
    assert snap.row_count == 30
    table = pq.read_table(snap.data_file(county.lake_dir))
    assert sorted(table.column("id_number").to_pylist()) == sorted(ids)
    rejects = pq.read_table(snap.rejects_file(county.lake_dir)).to_pylist()
    assert {r["kind"] for r in rejects} == {"row", "duplicate"}
    assert any(r["row"] == 31 and r["column"] == "GMSFHM" for r in rejects)
    with county.engine.connect() as conn:
        entries = conn.execute(sa.select(ledger_entries.c.event).order_by(ledger_entries.c.seq)).scalars().all()
    assert '"action":"catalog.change"' in entries[0]  # the org tree import
    assert '"action":"source.register"' in entries[1]
    syncs = [e for e in entries if '"action":"source.sync"' in e]  # later entries (quality runs) may follow
    assert len(syncs) == 1 and snap.sha256 in syncs[-1]
    status = source_status(county)
    assert status[0]["snapshot"]["sha256"] == snap.sha256 and status[0]["snapshot"]["rejects"] == 2


def test_as_of_reads_the_snapshot_current_then(county: Workspace, tmp_path: Path) -> None:
    register_gaj(county, tmp_path, n=10)
    first = sync_source(county, "gaj").snapshot
    write_gaj(tmp_path / "gaj.db", 5, start=10)
    second = sync_source(county, "gaj").snapshot
    assert first and second and second.row_count == 15
    with county.engine.connect() as conn:
        assert snapshot_as_of(conn, "gaj").id == second.id
        assert snapshot_as_of(conn, "gaj", first.taken_at).id == first.id
        assert snapshot_as_of(conn, "gaj", first.taken_at.replace(year=2000)) is None
        assert snapshot_as_of(conn, "gaj", first.taken_at.replace(year=2000), fallback=True).id == first.id
    con = duckdb.connect()
    register(con, county, as_of=first.taken_at, entities=["resident"])
    assert con.execute("SELECT count(*) FROM resident").fetchone() == (10,)
    register(con, county, entities=["resident"])
    assert con.execute("SELECT count(*) FROM resident").fetchone() == (15,)


def test_incremental_sync_merges_changed_rows(county: Workspace, tmp_path: Path) -> None:
    spec = GAJ_SPEC.replace("mode: full", "mode: incremental")
    write_gaj(tmp_path / "gaj.db", 10)
    (tmp_path / "gaj.yaml").write_text(spec, encoding="utf-8")
    add_source(county, tmp_path / "gaj.yaml")
    first = sync_source(county, "gaj")
    con = sqlite3.connect(tmp_path / "gaj.db")
    con.execute("UPDATE t_rk SET XM = '李四', GXSJ = '2025-03-01 00:00:00' WHERE rowid = 1")
    con.commit()
    con.close()
    write_gaj(tmp_path / "gaj.db", 2, start=10, stamp="2025-03-02 00:00:00")
    second = sync_source(county, "gaj")
    assert second.rows_read == 3 and second.snapshot and second.snapshot.mode == "incremental"
    assert second.snapshot.row_count == 12
    names = pq.read_table(second.snapshot.data_file(county.lake_dir)).column("name").to_pylist()
    assert "李四" in names and "张0" not in names
    assert first.snapshot and second.snapshot.watermark > (first.snapshot.watermark or "")


def test_failed_sync_keeps_the_previous_snapshot(county: Workspace, tmp_path: Path) -> None:
    register_gaj(county, tmp_path)
    good = sync_source(county, "gaj").snapshot
    con = sqlite3.connect(tmp_path / "gaj.db")
    con.execute("ALTER TABLE t_rk RENAME COLUMN XB TO XB2")
    con.commit()
    con.close()
    with pytest.raises(SyncError) as err:
        sync_source(county, "gaj")
    assert "XB" in err.value.message
    with county.engine.connect() as conn:
        assert snapshot_as_of(conn, "gaj").id == good.id
        assert conn.execute(sa.select(sync_runs.c.status).order_by(sync_runs.c.id)).scalars().all() == ["ok", "failed"]
    assert [p.name for p in (county.lake_dir / "gaj").iterdir() if not p.name.startswith(".")] == [good.path.split("/")[1]]


def test_one_table_prefers_the_authoritative_source(county: Workspace, tmp_path: Path) -> None:
    ids = register_gaj(county, tmp_path, n=6)
    # The disability federation says person 0 is male (公安: female) and names villages by name.
    sexes = ["男" if i == 0 else ("男" if i % 2 else "女") for i in range(3)]
    lines = ["身份证号,性别,村,残疾类别"] + [f"{ids[i].lower()},{sexes[i]},杨柳村委会,4" for i in range(3)]
    lines.append("530927999999999999,男,不存在村,4")
    (tmp_path / "cl.csv").write_bytes(("\n".join(lines) + "\n").encode("gbk"))
    (tmp_path / "cl.yaml").write_text(CL_SPEC, encoding="utf-8")
    add_source(county, tmp_path / "cl.yaml")
    results = [sync_source(county, "gaj"), sync_source(county, "cl")]
    assert all(r.ok for r in results)
    con = duckdb.connect()
    state = register(con, county, entities=["resident"])
    assert {s["source"] for s in state.snapshots} == {"gaj", "cl"}
    got = dict(con.execute("SELECT id_number, sex FROM resident").fetchall())
    assert got[ids[0]] == "2"  # 公安 (public_security) is authoritative for sex
    assert con.execute("SELECT count(*) FROM resident WHERE disability_category = '4'").fetchone() == (3,)
    report = conflict_report(county, entity="resident", sample=10)
    by = {(i["element"], i["loser"]): i["count"] for i in report["entities"][0]["by_element"]}
    assert by[("sex", "cl")] == 1  # person 0
    assert by[("org_code", "cl")] == 1  # id 0 lives in 龙潭社区 by 公安, 杨柳村 by 残联
    assert report["total"] == 2


@pytest.mark.parametrize("workspace", ["sqlite"], indirect=True)
def test_sync_killed_mid_way_leaves_the_previous_snapshot(county: Workspace, tmp_path: Path) -> None:
    register_gaj(county, tmp_path, n=10)
    good = sync_source(county, "gaj").snapshot
    big = tmp_path / "gaj.db"
    con = sqlite3.connect(big)
    con.execute(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1500000) "
        "INSERT INTO t_rk SELECT '53092719500101' || printf('%04d', i % 10000), 'x', '1', '19500101', "
        "'530927101201', '2025' FROM n"
    )
    con.commit()
    con.close()
    county.close()
    proc = subprocess.Popen(
        [sys.executable, "-m", "biaotong.cli.main", "--home", str(county.home), "source", "sync", "gaj"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 60
    while time.time() < deadline and not any(p.name.startswith(".staging") for p in (county.lake_dir / "gaj").iterdir()):
        time.sleep(0.05)
    time.sleep(0.5)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    ws = Workspace.open(county.home)
    with ws.engine.connect() as conn:
        assert [s.id for s in list_snapshots(conn, "gaj")] == [good.id]
    visible = [p.name for p in (ws.lake_dir / "gaj").iterdir() if not p.name.startswith(".")]
    assert visible == [good.path.split("/")[1]]
    assert pq.read_table(good.data_file(ws.lake_dir)).num_rows == 10
    ws.close()


@pytest.mark.parametrize("workspace", ["sqlite"], indirect=True)
def test_parallel_mapping_keeps_source_order(county: Workspace, tmp_path: Path) -> None:
    import pyarrow as pa

    from biaotong.sources.preview import read_mapped
    from biaotong.sync.registry import get_source

    register_gaj(county, tmp_path, n=5)
    con = sqlite3.connect(tmp_path / "gaj.db")
    con.execute(  # 130,000 rows in three batches; most IDs are invalid, so rejects are numbered too
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 130000) "
        "INSERT INTO t_rk SELECT '5309271950' || printf('%08d', i), 'x' || i, '1', '19500101', "
        "'530927101201', '2025' FROM n"
    )
    con.commit()
    con.close()
    spec = get_source(county, "gaj").spec
    tree = county.org_tree()

    def run(workers: int) -> tuple[pa.Table, pa.Table]:
        parts = list(read_mapped(spec, county.catalog, tree, read_ahead=2, workers=workers))
        assert len(parts) >= 3
        return pa.concat_tables(p.mapped for p in parts), pa.concat_tables(p.rejects for p in parts)

    serial, parallel = run(1), run(3)
    assert parallel[0].equals(serial[0]) and parallel[1].equals(serial[1])
    assert parallel[1].column("row").to_pylist() == sorted(parallel[1].column("row").to_pylist())
    assert parallel[1].num_rows > 100_000


def test_a_source_whose_stored_spec_no_longer_validates_does_not_stop_the_others(
    county: Workspace, tmp_path: Path
) -> None:
    """A spec stored under an older, looser version: `sync --all` syncs the rest and names the broken one,
    `source list` still lists it with why, and syncing it alone says what to do."""
    from biaotong.errors import SourceError
    from biaotong.store.schema import sources
    from biaotong.sync import sync_all

    register_gaj(county, tmp_path)
    (tmp_path / "gaj2.yaml").write_text(GAJ_SPEC.replace("name: gaj", "name: gaj_old"), encoding="utf-8")
    add_source(county, tmp_path / "gaj2.yaml")
    with county.engine.begin() as conn:
        spec = conn.execute(sa.select(sources.c.spec).where(sources.c.name == "gaj_old")).scalar_one()
        conn.execute(sa.update(sources).where(sources.c.name == "gaj_old").values(spec={**spec, "retired_key": 1}))
    results = {r.source: r for r in sync_all(county)}
    assert results["gaj"].ok and results["gaj"].snapshot is not None
    assert not results["gaj_old"].ok and "gaj_old" in (results["gaj_old"].error or "")
    assert "retired_key" in (results["gaj_old"].error or "")
    status = {r["name"]: r for r in source_status(county)}
    assert status["gaj"]["snapshot"]["rows"] == 30
    assert status["gaj_old"]["last_sync"]["status"] == "invalid" and "source add" in status["gaj_old"]["invalid"]
    with pytest.raises(SourceError, match="gaj_old"):
        sync_source(county, "gaj_old")
    from typer.testing import CliRunner

    from biaotong.cli.main import app

    shown = CliRunner().invoke(app, ["--home", str(county.home), "source", "list"], env={"COLUMNS": "200"})
    assert shown.exit_code == 0 and "定义无效" in shown.output and "retired_key" in shown.output
