"""Tampering with the stored ledger directly in SQL, on SQLite and PostgreSQL: verify names what and where."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy import Connection, Engine

from biaotong.ledger import Event, head, record
from biaotong.ledger.checkpoint import Signer
from biaotong.ledger.events import event_text, format_time
from biaotong.ledger.merkle import MemoryTree
from biaotong.ledger.tables import ledger_entries, ledger_heads, ledger_nodes, ledger_state
from biaotong.ledger.verify import verify

from .helpers import event, fill

N = 20
E = ledger_entries.c


def _leaf(text: str) -> bytes:
    return hashlib.sha256(b"\x00" + text.encode()).digest()


def _row(conn: Connection, seq: int) -> sa.Row[tuple[str, bytes]]:
    return conn.execute(sa.select(E.event, E.leaf_hash).where(E.seq == seq)).one()


def _shift(conn: Connection, start: int, by: int) -> None:
    """Renumber entries from `start` on by `by`, in two steps so no primary key clashes midway."""
    conn.execute(sa.update(ledger_entries).where(E.seq >= start).values(seq=E.seq + 1_000_000))
    conn.execute(sa.update(ledger_entries).where(E.seq >= 1_000_000).values(seq=E.seq - 1_000_000 + by))


def _fake_row(seq: int) -> dict[str, object]:
    now = datetime.now(UTC)
    ev = Event(action="task.approve", actor="冒名者", object="task:forged")
    text = event_text(ev, seq, format_time(now))
    return {"seq": seq, "leaf_hash": _leaf(text), "event": text, "actor": ev.actor, "action": ev.action, "object": ev.object, "created_at": now}


def change_text(conn: Connection) -> None:
    conn.execute(sa.update(ledger_entries).where(E.seq == 7).values(event=sa.func.replace(E.event, "操作员1", "操作员9")))


def change_column(conn: Connection) -> None:
    conn.execute(sa.update(ledger_entries).where(E.seq == 7).values(actor="某人"))


def change_time_column(conn: Connection) -> None:
    conn.execute(sa.update(ledger_entries).where(E.seq == 7).values(created_at=datetime(2020, 1, 1, tzinfo=UTC)))


def change_text_and_hash(conn: Connection) -> None:
    text = _row(conn, 7).event.replace("操作员1", "操作员9")
    conn.execute(sa.update(ledger_entries).where(E.seq == 7).values(event=text, actor="操作员9", leaf_hash=_leaf(text)))


def delete(conn: Connection) -> None:
    conn.execute(sa.delete(ledger_entries).where(E.seq == 7))


def delete_and_renumber(conn: Connection) -> None:
    delete(conn)
    _shift(conn, 8, -1)


def swap_contents(conn: Connection) -> None:
    a, b = _row(conn, 3), _row(conn, 9)
    for seq, r in ((3, b), (9, a)):
        doc = json.loads(r.event)
        conn.execute(sa.update(ledger_entries).where(E.seq == seq).values(
            event=r.event, leaf_hash=r.leaf_hash, actor=doc["actor"], object=doc["object"]))


def swap_numbers(conn: Connection) -> None:
    conn.execute(sa.update(ledger_entries).where(E.seq == 3).values(seq=-1))
    conn.execute(sa.update(ledger_entries).where(E.seq == 9).values(seq=3))
    conn.execute(sa.update(ledger_entries).where(E.seq == -1).values(seq=9))


def insert_at_end(conn: Connection) -> None:
    conn.execute(sa.insert(ledger_entries).values(_fake_row(N)))


def insert_in_middle(conn: Connection) -> None:
    _shift(conn, 5, 1)
    conn.execute(sa.insert(ledger_entries).values(_fake_row(5)))


def truncate(conn: Connection) -> None:
    conn.execute(sa.delete(ledger_entries).where(E.seq >= 15))


def truncate_and_tidy(conn: Connection) -> None:
    """Truncate, and rewrite the nodes and state to match: only the signed head still remembers."""
    truncate(conn)
    tree = MemoryTree([bytes(h) for h in conn.execute(sa.select(E.leaf_hash).order_by(E.seq)).scalars()])
    conn.execute(sa.delete(ledger_nodes))
    rows = [{"level": lv, "idx": ix, "hash": h} for lv in range(1, len(tree.levels)) for ix, h in enumerate(tree.levels[lv])]
    conn.execute(sa.insert(ledger_nodes), rows)
    conn.execute(sa.update(ledger_state).values(size=15, root=tree.root(), frontier=b"".join(tree.frontier())))


def change_node(conn: Connection) -> None:
    conn.execute(sa.update(ledger_nodes).where(ledger_nodes.c.level == 2, ledger_nodes.c.idx == 1).values(hash=bytes(32)))


def delete_node(conn: Connection) -> None:
    conn.execute(sa.delete(ledger_nodes).where(ledger_nodes.c.level == 1, ledger_nodes.c.idx == 5))


def change_state(conn: Connection) -> None:
    conn.execute(sa.update(ledger_state).values(root=bytes(32)))


def change_head(conn: Connection) -> None:
    conn.execute(sa.update(ledger_heads).values(checkpoint=sa.func.replace(ledger_heads.c.checkpoint, f"\n{N}\n", f"\n{N - 1}\n")))


CASES: list[tuple[Callable[[Connection], None], str, int | None]] = [
    (change_text, "changed", 7),
    (change_column, "changed", 7),
    (change_time_column, "changed", 7),
    (change_text_and_hash, "node", 6),  # its leaf hash rewritten too: the level-1 node over 6..7 disagrees
    (delete, "deleted", 7),
    (delete_and_renumber, "deleted", 7),
    (swap_contents, "reordered", 3),
    (swap_numbers, "reordered", 3),
    (insert_at_end, "inserted", N),
    (insert_in_middle, "inserted", 5),
    (truncate, "truncated", 15),
    (truncate_and_tidy, "truncated", 15),
    (change_node, "node", 4),
    (delete_node, "node", 10),
    (change_state, "state", None),
    (change_head, "head", None),
]


@pytest.mark.parametrize(("tamper", "reason", "position"), CASES, ids=[c[0].__name__ for c in CASES])
def test_tampering_is_found_and_located(
    store_engine: Engine, log_key: Signer, tamper: Callable[[Connection], None], reason: str, position: int | None
) -> None:
    fill(store_engine, N)
    with store_engine.begin() as conn:
        head(conn, log_key)
        assert verify(conn, log_key.verifier).ok
        tamper(conn)
    with store_engine.connect() as conn:
        report = verify(conn, log_key.verifier)
    assert report.problem is not None, f"{tamper.__name__} went unnoticed"
    assert (report.problem.reason, report.problem.position) == (reason, position), report.problem.message


def _rewrite_and_resign(engine: Engine, key: Signer) -> None:
    """An operator with the key rewrites entry 4 and rebuilds and re-signs the whole log."""
    with engine.begin() as conn:
        docs = [json.loads(t) for t in conn.execute(sa.select(E.event).order_by(E.seq)).scalars()]
        for table in (ledger_entries, ledger_nodes, ledger_heads, ledger_state):
            conn.execute(sa.delete(table))
        docs[4]["actor"] = "无关人员"
        record(conn, *(Event(d["action"], d["actor"], d["object"], d["hashes"], d["detail"]) for d in docs))
        head(conn, key)


def test_a_head_signed_before_a_resigned_rewrite_catches_it(store_engine: Engine, log_key: Signer) -> None:
    fill(store_engine, N)
    with store_engine.begin() as conn:
        kept = head(conn, log_key).checkpoint  # an auditor keeps this
    _rewrite_and_resign(store_engine, log_key)
    with store_engine.connect() as conn:
        assert verify(conn, log_key.verifier).ok  # self-consistent: nothing inside the log can tell
        report = verify(conn, log_key.verifier, older_head=kept)
    assert report.problem is not None and report.problem.reason == "rewritten"


def test_head_refuses_to_sign_a_tampered_log(store_engine: Engine, log_key: Signer) -> None:
    fill(store_engine, N)
    with store_engine.begin() as conn:
        head(conn, log_key)
        truncate_and_tidy(conn)
    from biaotong.errors import LedgerError

    with pytest.raises(LedgerError), store_engine.begin() as conn:
        head(conn, log_key)
    fill(store_engine, 1, start=100)
    with pytest.raises(LedgerError), store_engine.begin() as conn:
        head(conn, log_key)


def test_event_helper_round_trips() -> None:
    assert json.loads(event_text(event(7), 7, "t"))["actor"] == "操作员1"
