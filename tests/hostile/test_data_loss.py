"""No silent data loss: a sync that loses most rows is held back until accepted, a PostgreSQL workspace never
falls back to an empty SQLite store, and one failing source never stops the others."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa

from biaotong.errors import ConfigError
from biaotong.lake import snapshot_as_of
from biaotong.ledger.tables import ledger_entries
from biaotong.sync import add_source, sync_source
from biaotong.sync.hold import SyncHeld
from biaotong.workspace import CONFIG_FILE, Workspace
from tests.hostile.conftest import cli, fingerprint
from tests.sync.conftest import CL_SPEC


def _keep(db: Path, n: int) -> None:
    con = sqlite3.connect(db)
    con.execute(f"DELETE FROM t_rk WHERE rowid > {int(n)}")
    con.commit()
    con.close()


def _actions(ws: Workspace) -> list[str]:
    with ws.engine.connect() as conn:
        return list(conn.execute(sa.select(ledger_entries.c.action).order_by(ledger_entries.c.seq)).scalars())


def test_a_header_only_export_does_not_replace_the_source(register_ws: Workspace, tmp_path: Path) -> None:
    ws = register_ws
    with ws.engine.connect() as conn:
        before = snapshot_as_of(conn, "gaj")
    assert before is not None and before.row_count == 30
    _keep(tmp_path / "gaj.db", 0)
    with pytest.raises(SyncHeld) as err:
        sync_source(ws, "gaj")
    assert "--accept-drop" in err.value.en and "30" in err.value.en
    with ws.engine.connect() as conn:
        assert snapshot_as_of(conn, "gaj") == before  # the previous snapshot stays current
    assert "source.sync_held" in _actions(ws)[-3:]
    code, out = cli(ws, "source", "sync", "gaj")  # again: still held, non-zero
    assert code != 0 and "accept-drop" in out
    code, out = cli(ws, "source", "sync", "gaj", "--accept-drop")
    assert code == 0, out
    with ws.engine.connect() as conn:
        now = snapshot_as_of(conn, "gaj")
    assert now is not None and now.row_count == 0
    actions = _actions(ws)
    held = len(actions) - 1 - actions[::-1].index("source.sync_held")
    assert "source.sync" in actions[held:]  # the ledger records both: the hold, then the acceptance
    with ws.engine.connect() as conn:
        last = conn.execute(sa.select(ledger_entries.c.event).where(ledger_entries.c.action == "source.sync")
                            .order_by(ledger_entries.c.seq.desc()).limit(1)).scalar_one()
    assert '"accepted_drop":true' in last
    code, out = cli(ws, "ledger", "verify")
    assert code == 0, out


def test_a_fall_beyond_the_share_is_held_a_smaller_one_is_not(register_ws: Workspace, tmp_path: Path) -> None:
    ws = register_ws
    _keep(tmp_path / "gaj.db", 20)  # -33 %: fine
    assert sync_source(ws, "gaj").snapshot.row_count == 20  # type: ignore[union-attr]
    _keep(tmp_path / "gaj.db", 9)  # -55 %: held
    with pytest.raises(SyncHeld):
        sync_source(ws, "gaj")
    with ws.engine.connect() as conn:
        assert snapshot_as_of(conn, "gaj").row_count == 20  # type: ignore[union-attr]


def test_one_failing_source_does_not_stop_the_others(register_ws: Workspace, tmp_path: Path) -> None:
    ws = register_ws
    (tmp_path / "cl.csv").write_text("身份证号,性别,村,残疾类别\n", encoding="gbk")
    (tmp_path / "cl.yaml").write_text(CL_SPEC, encoding="utf-8")
    add_source(ws, tmp_path / "cl.yaml", check=False)
    (tmp_path / "cl.csv").unlink()  # the department's export vanished
    code, out = cli(ws, "source", "sync", "--all")
    assert code == 1
    assert "cl" in out and "gaj" in out and "Traceback" not in out
    with ws.engine.connect() as conn:
        assert snapshot_as_of(conn, "gaj") is not None


def test_a_postgresql_workspace_refuses_to_open_without_its_url(tmp_path: Path) -> None:
    home = tmp_path / "pgws"
    home.mkdir()
    (home / CONFIG_FILE).write_text("store_kind: postgresql\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        Workspace.open(home)
    assert "store_url" in err.value.en
    assert not (home / "biaotong.db").exists()


def test_a_sqlite_workspace_whose_store_vanished_is_not_reopened_empty(register_ws: Workspace) -> None:
    ws = register_ws
    if ws.setting("store_url"):
        pytest.skip("a SQLite store only")
    before = fingerprint(ws)
    ws.close()
    db = ws.home / "biaotong.db"
    moved = db.with_suffix(".bak")
    db.rename(moved)
    with pytest.raises(ConfigError):
        Workspace.open(ws.home)
    assert not db.exists()
    moved.rename(db)
    again = Workspace.open(ws.home)
    try:
        assert fingerprint(again) == before
    finally:
        again.close()


@pytest.mark.pg
def test_a_dropped_store_connection_stops_one_source_not_the_others(register_ws: Workspace, tmp_path: Path) -> None:
    """The PostgreSQL backend of the first source's commit is terminated for real (pg_terminate_backend);
    that source fails, named in the summary, and the next one syncs."""
    import os

    from sqlalchemy import event

    from biaotong.store import normalize_url
    from biaotong.sync import sync_all
    from tests.sync.conftest import GAJ_SPEC, write_gaj

    ws = register_ws
    if not str(ws.setting("store_url") or "").startswith("postgresql"):
        pytest.skip("needs the PostgreSQL store")
    other = tmp_path / "other"
    other.mkdir()
    write_gaj(other / "gaj.db", 12, start=100)
    (other / "gaj2.yaml").write_text(GAJ_SPEC.replace("name: gaj", "name: gaj2"), encoding="utf-8")
    add_source(ws, other / "gaj2.yaml")
    _keep(tmp_path / "gaj.db", 25)  # gaj changes, so its sync commits a new snapshot
    admin = sa.create_engine(normalize_url(os.environ["BIAOTONG_TEST_PG_URL"]))
    killed: list[int] = []

    def drop(conn, cursor, statement, *_args):  # type: ignore[no-untyped-def]
        if not killed and statement.lstrip().upper().startswith("INSERT INTO SNAPSHOTS"):
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
            killed.append(pid)
            with admin.begin() as a:
                a.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})

    event.listen(ws.engine, "before_cursor_execute", drop)
    try:
        results = {r.source: r for r in sync_all(ws)}
    finally:
        event.remove(ws.engine, "before_cursor_execute", drop)
        admin.dispose()
    assert killed
    assert not results["gaj"].ok and results["gaj"].error
    assert results["gaj2"].ok and results["gaj2"].snapshot is not None
    with ws.engine.connect() as conn:
        assert snapshot_as_of(conn, "gaj").row_count == 30  # type: ignore[union-attr]
