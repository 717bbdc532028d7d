"""The lake is verified against the ledger: every kind of tampering found in the experiments is detected and
named, and the one-table cache is rebuilt rather than trusted."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa

from biaotong.lake import list_snapshots
from biaotong.lake.verify import LakeTampered
from biaotong.reports.generate import generate
from biaotong.store.schema import snapshots
from biaotong.workspace import Workspace
from tests.hostile.conftest import cli
from tests.reports.county import COUNTY

REPORT, PERIOD = "tj_population", "2025"


def _total(ws: Workspace) -> object:
    result = generate(ws, REPORT, PERIOD, COUNTY)
    total = next(r for r in result.rows if r.is_total)
    return dict(total.values)


def _resident_snapshot(ws: Workspace):  # type: ignore[no-untyped-def]
    with ws.engine.connect() as conn:
        return next(s for s in list_snapshots(conn) if s.source == "gaj_rk")


def _halve(path) -> None:  # type: ignore[no-untyped-def]
    table = pq.read_table(path)
    pq.write_table(table.slice(0, table.num_rows // 2), path)


def test_an_edited_snapshot_stops_the_report_and_is_named(county_ws: Workspace) -> None:
    ws = county_ws
    _total(ws)  # warm: the file was hashed once and remembered
    snap = _resident_snapshot(ws)
    _halve(snap.data_file(ws.lake_dir))
    with pytest.raises(LakeTampered) as err:
        _total(ws)
    assert snap.id in err.value.message and "data.parquet" in err.value.message
    code, out = cli(ws, "report", "generate", REPORT, "--period", PERIOD, "--org", COUNTY, "--format", "json",
                    "--out", str(ws.home / "r.json"))
    assert code == 2 and snap.id in out and "Traceback" not in out
    code, out = cli(ws, "trace", REPORT, "--period", PERIOD, "--org", COUNTY, "--field", "pop")
    assert code == 2 and snap.id in out  # trace no longer vouches for an altered snapshot
    code, out = cli(ws, "ledger", "verify")  # fast mode: the Parquet footer's row count differs
    assert code == 1 and "changed" in out and snap.id in out
    code, out = cli(ws, "ledger", "verify", "--lake")
    assert code == 1 and "changed" in out and snap.id in out


def test_same_size_rewrite_is_caught_by_the_hash(county_ws: Workspace) -> None:
    """A rewrite keeping the row count passes the fast check's footer, never the content hash."""
    ws = county_ws
    snap = _resident_snapshot(ws)
    path = snap.data_file(ws.lake_dir)
    table = pq.read_table(path)
    sex = pa.array(["1"] * table.num_rows)
    pq.write_table(table.set_column(table.schema.get_field_index("sex"), "sex", sex), path)
    with pytest.raises(LakeTampered):
        _total(ws)
    code, out = cli(ws, "ledger", "verify", "--lake")
    assert code == 1 and snap.id in out


def test_an_edited_one_table_cache_is_rebuilt_not_trusted(county_ws: Workspace) -> None:
    ws = county_ws
    before = _total(ws)
    caches = list((ws.lake_dir / "_onetable" / "resident").glob("*/data.parquet"))
    assert caches
    for path in caches:
        _halve(path)
    assert _total(ws) == before
    code, out = cli(ws, "ledger", "verify", "--lake")
    assert code == 0, out


def test_a_deleted_index_row_is_found(county_ws: Workspace) -> None:
    ws = county_ws
    snap = _resident_snapshot(ws)
    with ws.engine.begin() as conn:
        conn.execute(sa.delete(snapshots).where(snapshots.c.id == snap.id))
    with pytest.raises(LakeTampered) as err:
        _total(ws)
    assert "gaj_rk" in err.value.message
    code, out = cli(ws, "ledger", "verify")
    assert code == 1 and "deleted" in out and snap.id in out


def test_a_wiped_ledger_is_not_ok(county_ws: Workspace) -> None:
    ws = county_ws
    with ws.engine.begin() as conn:
        for table in ("ledger_entries", "ledger_nodes", "ledger_heads", "ledger_state"):
            conn.execute(sa.text(f"DELETE FROM {table}"))
    code, out = cli(ws, "ledger", "verify")
    assert code == 1 and "unknown" in out
    with pytest.raises(LakeTampered) as err:
        _total(ws)
    assert "no sync entry" in err.value.en


def test_an_index_row_whose_hash_was_rewritten_is_found(county_ws: Workspace) -> None:
    ws = county_ws
    snap = _resident_snapshot(ws)
    path = snap.data_file(ws.lake_dir)
    _halve(path)
    import hashlib

    with ws.engine.begin() as conn:  # the attacker also updates the index to the new file's hash
        conn.execute(sa.update(snapshots).where(snapshots.c.id == snap.id).values(
            sha256=hashlib.sha256(path.read_bytes()).hexdigest()))
    with pytest.raises(LakeTampered) as err:
        _total(ws)
    assert "index row" in err.value.en
    code, out = cli(ws, "ledger", "verify")
    assert code == 1 and "index" in out


def test_a_new_workspace_has_a_signed_head(workspace: Workspace) -> None:
    from biaotong.ledger.log import latest_head

    with workspace.engine.connect() as conn:
        assert latest_head(conn) is not None


def test_a_forged_hash_cache_entry_is_not_trusted(county_ws: Workspace) -> None:
    """Someone who can write the lake, not the keys: rewriting the cache to vouch for an edited file fails."""
    import json

    from biaotong.lake import verify as lake_verify

    ws = county_ws
    _total(ws)
    snap = _resident_snapshot(ws)
    path = snap.data_file(ws.lake_dir)
    _halve(path)
    cache_file = ws.lake_dir / lake_verify.CACHE_FILE
    entries = json.loads(cache_file.read_text(encoding="utf-8"))
    key = str(path.relative_to(ws.lake_dir))
    entries[key] = [list(lake_verify.identity(path)), snap.sha256, "0" * 64]
    cache_file.write_text(json.dumps(entries), encoding="utf-8")
    lake_verify._caches.clear()  # as a new process would read it
    lake_verify._in_ledger.clear()
    with pytest.raises(LakeTampered):
        _total(ws)
