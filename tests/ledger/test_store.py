"""The ledger on a real metadata store (SQLite, and PostgreSQL when BIAOTONG_TEST_PG_URL is set)."""

from __future__ import annotations

import hashlib
import json

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from biaotong.errors import LedgerError
from biaotong.ledger import Event, consistency, head, latest_head, prove, read_state, record
from biaotong.ledger.audit import check_proof_document
from biaotong.ledger.checkpoint import Signer
from biaotong.ledger.merkle import MemoryTree, verify_consistency, verify_inclusion
from biaotong.ledger.tables import ledger_entries, ledger_nodes
from biaotong.ledger.verify import verify

from .helpers import event, fill


def _leaves(engine: Engine) -> list[bytes]:
    with engine.connect() as conn:
        return [bytes(h) for h in conn.execute(sa.select(ledger_entries.c.leaf_hash).order_by(ledger_entries.c.seq)).scalars()]


def test_record_appends_inside_the_callers_transaction(store_engine: Engine) -> None:
    with store_engine.begin() as conn:
        assert record(conn, event(0), event(1)) == [0, 1]
        assert record(conn) == []
    with pytest.raises(RuntimeError), store_engine.begin() as conn:
        assert record(conn, event(2)) == [2]
        raise RuntimeError("the caller's change failed")
    with store_engine.connect() as conn:
        assert read_state(conn).size == 2  # no entry without its change
        rows = conn.execute(sa.select(ledger_entries).order_by(ledger_entries.c.seq)).all()
    assert [r.seq for r in rows] == [0, 1]
    doc = json.loads(rows[1].event)
    assert (doc["seq"], doc["action"], doc["actor"], doc["object"], doc["v"]) == (1, "source.sync", "操作员1", "source:gaj-1", 1)
    assert rows[1].leaf_hash == hashlib.sha256(b"\x00" + rows[1].event.encode()).digest()
    assert rows[1].event == json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    with pytest.raises(TypeError), store_engine.begin() as conn:
        record(conn, {"action": "x.y"})  # type: ignore[arg-type]


def test_stored_nodes_state_and_proofs_match_the_tree(store_engine: Engine, log_key: Signer) -> None:
    fill(store_engine, 37)
    tree = MemoryTree(_leaves(store_engine))
    with store_engine.connect() as conn:
        state = read_state(conn)
        nodes = {(r.level, r.idx): bytes(r.hash) for r in conn.execute(sa.select(ledger_nodes))}
    assert (state.size, state.root, state.frontier) == (37, tree.root(), tree.frontier())
    assert nodes == {(lv, ix): h for lv in range(1, len(tree.levels)) for ix, h in enumerate(tree.levels[lv])}

    with store_engine.begin() as conn:
        h37 = head(conn, log_key)
        assert head(conn, log_key) == h37  # nothing new: the same head
    fill(store_engine, 13, start=37)
    with store_engine.begin() as conn:
        h50 = head(conn, log_key)
    tree = MemoryTree(_leaves(store_engine))
    assert (h37.size, h37.root, h50.size, h50.root) == (37, tree.root(37), 50, tree.root(50))

    with store_engine.connect() as conn:
        for seq in range(50):
            p = prove(conn, seq)  # anchored to the newest head covering it
            assert p.tree_size == 50 and p.checkpoint == h50.checkpoint
            assert p.path == tree.inclusion_proof(seq, 50)
            assert verify_inclusion(p.leaf_hash, seq, 50, p.path, h50.root)
            assert check_proof_document(p.to_json(), log_key.verifier.vkey)
        old = prove(conn, 20, size=37)
        assert old.checkpoint == h37.checkpoint and verify_inclusion(old.leaf_hash, 20, 37, old.path, h37.root)
        bare = prove(conn, 3, size=10)  # no head of size 10: no checkpoint, root from stored nodes
        assert bare.checkpoint is None and bare.root == tree.root(10)
        for m in range(1, 51):
            c = consistency(conn, m, 50)
            assert c.path == tree.consistency_proof(m, 50)
            assert verify_consistency(m, 50, c.root1, c.root2, c.path) and c.root1 == tree.root(m)
        c = consistency(conn, 37, 50)
        assert (c.checkpoint1, c.checkpoint2) == (h37.checkpoint, h50.checkpoint)
        assert check_proof_document(c.to_json(), log_key.verifier.vkey)
        for bad in [(50, None), (-1, None), (0, 60)]:
            with pytest.raises(LedgerError):
                prove(conn, *bad)
        with pytest.raises(LedgerError):
            consistency(conn, 0, 50)
        with pytest.raises(LedgerError):
            consistency(conn, 10, 51)
        report = verify(conn, log_key.verifier, older_head=h37.checkpoint)
    assert report.ok, report.problem
    assert (report.size, report.root, report.heads_checked, report.older_head_size) == (50, tree.root(), 2, 37)


def test_empty_ledger(store_engine: Engine, log_key: Signer) -> None:
    with store_engine.connect() as conn:
        assert read_state(conn).size == 0
        assert latest_head(conn) is None
        report = verify(conn, log_key.verifier)
        assert report.ok and report.size == 0 and report.notes  # "no signed head yet"
        with pytest.raises(LedgerError):
            prove(conn, 0)
    with store_engine.begin() as conn:
        h = head(conn, log_key)
    assert h.size == 0 and h.root == hashlib.sha256(b"").digest()


def test_unusual_text_takes_the_exact_path(store_engine: Engine, log_key: Signer) -> None:
    """Values JSON must escape (quotes, backslashes, control characters) still verify as intact."""
    odd = Event(action="task.fill", actor='王"五"\\', object="task:1\n2\t\u2028", detail={"x": "\x00"})
    with store_engine.begin() as conn:
        record(conn, event(0), odd, event(2))
        head(conn, log_key)
    with store_engine.connect() as conn:
        report = verify(conn, log_key.verifier)
    assert report.ok, report.problem
    with store_engine.begin() as conn:
        conn.execute(sa.update(ledger_entries).where(ledger_entries.c.seq == 1).values(actor='王"六"\\'))
        report = verify(conn, log_key.verifier)
    assert (report.problem and report.problem.reason, report.problem and report.problem.position) == ("changed", 1)


def test_proofs_after_the_log_was_replaced_at_the_same_address(store_engine: Engine, log_key: Signer) -> None:
    """prove() remembers the newest head's size per database as a guess; a stale guess must not matter."""
    fill(store_engine, 40)
    with store_engine.begin() as conn:
        head(conn, log_key)
        assert prove(conn, 30).tree_size == 40
        for table in ("ledger_entries", "ledger_nodes", "ledger_heads", "ledger_state"):
            conn.exec_driver_sql(f"DELETE FROM {table}")
    fill(store_engine, 10)
    with store_engine.begin() as conn:
        h = head(conn, log_key)
        p = prove(conn, 3)
        assert (p.tree_size, p.root, p.checkpoint) == (10, h.root, h.checkpoint)
        with pytest.raises(LedgerError):
            prove(conn, 30)
    fill(store_engine, 5, start=10)
    with store_engine.begin() as conn:
        h15 = head(conn, log_key)
        assert prove(conn, 3).checkpoint == h15.checkpoint  # a newer head than the one remembered


def test_an_in_memory_sqlite_store(log_key: Signer) -> None:
    from biaotong.ledger.tables import LEDGER_TABLES
    from biaotong.store.schema import metadata

    engine = sa.create_engine("sqlite://")
    metadata.create_all(engine, tables=list(LEDGER_TABLES))
    with engine.begin() as conn:
        record(conn, *(event(i) for i in range(30)))
        head(conn, log_key)
        assert verify(conn, log_key.verifier).ok
        assert prove(conn, 29).tree_size == 30
    engine.dispose()
