"""The ledger API other capabilities call.

    from biaotong.ledger import Event, record
    with engine.begin() as conn:
        ...change something...
        record(conn, Event(action="source.sync", actor=user, object="source:gaj",
                           hashes={"snapshot_sha256": digest}, detail={"rows": 1200}))

`record` appends inside the caller's transaction and never commits: the change and its entry are
committed, or rolled back, together. Appends lock the single ledger_state row (SELECT … FOR UPDATE on
PostgreSQL; on SQLite the first statement takes the database write lock), so concurrent appends queue
up instead of interleaving.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, Connection, Table, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from biaotong.errors import LedgerError
from biaotong.ledger import checkpoint as cp
from biaotong.ledger.events import Event, event_text, format_time
from biaotong.ledger.gcpause import paused_gc
from biaotong.ledger.merkle import (
    EMPTY_ROOT,
    HASH_SIZE,
    NodeGetter,
    append_leaves,
    consistency_proof,
    inclusion_proof,
    needed_nodes,
    root_from_frontier,
    subtree_hash,
    verify_consistency,
    verify_inclusion,
)
from biaotong.ledger.tables import ledger_entries, ledger_heads, ledger_nodes, ledger_state

PROOF_FORMAT = "biaotong-ledger-proof/v1"


@dataclass(frozen=True)
class State:
    size: int
    root: bytes
    frontier: list[bytes]


@dataclass(frozen=True)
class Head:
    """A signed tree head as stored in ledger_heads."""

    size: int
    root: bytes
    checkpoint: str
    time: datetime

    def to_json(self) -> dict[str, Any]:
        return {"size": self.size, "root": self.root.hex(), "time": self.time.isoformat(), "checkpoint": self.checkpoint}


@dataclass(frozen=True)
class InclusionProof:
    seq: int
    tree_size: int
    leaf_hash: bytes
    root: bytes
    path: list[bytes]
    event: str
    checkpoint: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "format": PROOF_FORMAT, "type": "inclusion", "seq": self.seq, "tree_size": self.tree_size,
            "leaf_hash": self.leaf_hash.hex(), "root": self.root.hex(), "proof": [h.hex() for h in self.path],
            "event": self.event, "checkpoint": self.checkpoint,
        }


@dataclass(frozen=True)
class ConsistencyProof:
    size1: int
    size2: int
    root1: bytes
    root2: bytes
    path: list[bytes]
    checkpoint1: str | None
    checkpoint2: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "format": PROOF_FORMAT, "type": "consistency", "size1": self.size1, "size2": self.size2,
            "root1": self.root1.hex(), "root2": self.root2.hex(), "proof": [h.hex() for h in self.path],
            "checkpoint1": self.checkpoint1, "checkpoint2": self.checkpoint2,
        }


def _split(frontier: bytes) -> list[bytes]:
    return [frontier[i : i + HASH_SIZE] for i in range(0, len(frontier), HASH_SIZE)]


def read_state(conn: Connection) -> State:
    row = conn.execute(select(ledger_state.c.size, ledger_state.c.root, ledger_state.c.frontier)).first()
    if row is None:
        return State(0, EMPTY_ROOT, [])
    return State(row.size, bytes(row.root), _split(bytes(row.frontier)))


def _create_state_row(conn: Connection) -> None:
    values = {"id": 1, "size": 0, "root": EMPTY_ROOT, "frontier": b"", "updated_at": datetime.now(UTC)}
    name = conn.dialect.name
    if name in ("sqlite", "postgresql"):
        dialect_insert = sqlite.insert if name == "sqlite" else postgresql.insert
        conn.execute(dialect_insert(ledger_state).values(values).on_conflict_do_nothing())
        return
    try:
        with conn.begin_nested():
            conn.execute(insert(ledger_state).values(values))
    except IntegrityError:
        pass  # a concurrent first append created it


def _lock_state(conn: Connection) -> State:
    if conn.dialect.name == "sqlite":
        # No row locks in SQLite: write first, so this transaction holds the database write lock before it
        # reads the state (a read-then-write transaction could fail to upgrade its lock).
        conn.execute(update(ledger_state).where(ledger_state.c.id == 1).values(size=ledger_state.c.size))
    query = select(ledger_state.c.size, ledger_state.c.frontier).where(ledger_state.c.id == 1).with_for_update()
    row = conn.execute(query).first()
    if row is None:
        _create_state_row(conn)
        row = conn.execute(query).one()
    return State(row.size, b"", _split(bytes(row.frontier)))


COPY_THRESHOLD = 20


def _insert_many(conn: Connection, table: Table, rows: Sequence[tuple[Any, ...]]) -> None:
    """Bulk append of tuples in the table's column order, skipping SQLAlchemy's per-row parameter
    processing (values must already be what the driver takes; see `_db_value`). Uses COPY when the
    driver offers it (psycopg 3), else DB-API executemany."""
    cols = ", ".join(c.name for c in table.columns)
    raw = conn.connection.driver_connection
    if len(rows) >= COPY_THRESHOLD and hasattr(getattr(raw, "cursor_factory", None), "copy"):
        with raw.cursor() as cur, cur.copy(f"COPY {table.name} ({cols}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    marks = ", ".join([mark] * len(table.columns))
    conn.exec_driver_sql(f"INSERT INTO {table.name} ({cols}) VALUES ({marks})", list(rows))


def _db_value(conn: Connection, column: Column[Any], value: Any) -> Any:
    process = column.type._cached_bind_processor(conn.dialect)
    return process(value) if process else value


def record(conn: Connection, *events: Event) -> list[int]:
    """Append `events` to the ledger inside the caller's transaction; return their positions (seq).

    No commit here: the caller commits the change and its entries together, or neither.
    """
    if not events:
        return []
    for ev in events:
        if not isinstance(ev, Event):
            raise TypeError(f"record() takes biaotong.ledger.Event objects, not {type(ev).__name__}")
    state = _lock_state(conn)
    now = datetime.now(UTC)
    stamp, db_now = format_time(now), _db_value(conn, ledger_entries.c.created_at, now)
    sha256 = hashlib.sha256
    rows: list[tuple[Any, ...]] = []
    leaves: list[bytes] = []
    with paused_gc(len(events) >= 1000):
        for seq, ev in enumerate(events, start=state.size):
            text = event_text(ev, seq, stamp)
            h = sha256(b"\x00" + text.encode()).digest()
            leaves.append(h)
            rows.append((seq, h, text, ev.actor, ev.action, ev.object, db_now))
        frontier, nodes = append_leaves(state.size, state.frontier, leaves)
        _insert_many(conn, ledger_entries, rows)
        if nodes:
            _insert_many(conn, ledger_nodes, nodes)
    size = state.size + len(events)
    conn.execute(
        update(ledger_state)
        .where(ledger_state.c.id == 1)
        .values(size=size, root=root_from_frontier(frontier), frontier=b"".join(frontier), updated_at=now)
    )
    return list(range(state.size, size))


# --- reading nodes for proofs ---


def _query(conn: Connection, sql: str) -> list[Any]:
    """Run a read-only statement written entirely here (integers inlined, no outside text) on the caller's
    DB-API connection, within its transaction. A proof must take under a millisecond, and SQLAlchemy's
    statement machinery alone costs a tenth of that per query."""
    cur = conn.connection.driver_connection.cursor()
    try:
        cur.execute(sql)
        return cur.fetchall()
    finally:
        cur.close()


def fetch_nodes(
    conn: Connection, keys: Iterable[tuple[int, int]], texts: Iterable[int] = (), head_over: int | None = None
) -> tuple[dict[tuple[int, int], bytes], dict[int, str], tuple[int, str] | None]:
    """The hashes of perfect subtrees (level, index) — level 0 from ledger_entries — the event text of the
    entries in `texts` and, given `head_over`, the newest head of more than that many entries: all in one
    query, which uses the primary keys on SQLite and PostgreSQL."""
    keys = {(int(lv), int(ix)) for lv, ix in keys}
    want_text = {int(s) for s in texts}
    leaves = ", ".join(str(ix) for ix in sorted({ix for lv, ix in keys if lv == 0} | want_text))
    inner = ", ".join(f"({lv}, {ix})" for lv, ix in sorted(keys) if lv > 0)
    parts = []
    if inner:
        parts.append("SELECT n.level, n.idx, n.hash, NULL FROM ledger_nodes n JOIN k ON n.level = k.level AND n.idx = k.idx")
    if leaves:
        parts.append(f"SELECT 0, seq, leaf_hash, event FROM ledger_entries WHERE seq IN ({leaves})")
    if head_over is not None:
        newest = f"SELECT size, checkpoint FROM ledger_heads WHERE size > {int(head_over)} ORDER BY id DESC LIMIT 1"
        parts.append(f"SELECT -1, h.size, NULL, h.checkpoint FROM ({newest}) h")
    sql = (f"WITH k(level, idx) AS (VALUES {inner}) " if inner else "") + " UNION ALL ".join(parts)
    nodes: dict[tuple[int, int], bytes] = {}
    events: dict[int, str] = {}
    signed: tuple[int, str] | None = None
    for lv, ix, h, text in _query(conn, sql) if parts else ():
        if lv < 0:
            signed = (int(ix), text)
            continue
        nodes[lv, ix] = bytes(h)
        if lv == 0 and ix in want_text:
            events[ix] = text
    missing = sorted(keys - nodes.keys()) + [(0, ix) for ix in sorted(want_text - events.keys())]
    if missing:
        lv, ix = missing[0]
        raise LedgerError(
            f"账本缺少节点（层 {lv}，序号 {ix}），请运行 biaotong ledger verify",
            f"the ledger is missing node (level {lv}, index {ix}); run biaotong ledger verify",
        )
    return nodes, events, signed


def _with_nodes(conn: Connection, build: Callable[[NodeGetter], Any]) -> Any:
    nodes, _, _ = fetch_nodes(conn, needed_nodes(build))
    return build(lambda level, index: nodes[level, index])


def _damaged(zh: str, en: str) -> LedgerError:
    return LedgerError(
        f"{zh}校验失败，账本可能被篡改，请运行 biaotong ledger verify",
        f"{en} does not check out; the ledger may have been tampered with; run biaotong ledger verify",
    )


# --- heads ---


def _head(row: Any) -> Head:
    t = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC)
    return Head(row.size, bytes(row.root), row.checkpoint, t.astimezone(UTC))


def latest_head(conn: Connection, *, size: int | None = None, covering: int | None = None) -> Head | None:
    """The newest signed head (of exactly `size`, or covering entry `covering`, if given)."""
    q = select(ledger_heads).order_by(ledger_heads.c.id.desc()).limit(1)
    if size is not None:
        q = q.where(ledger_heads.c.size == size)
    if covering is not None:
        q = q.where(ledger_heads.c.size > covering)
    row = conn.execute(q).first()
    return _head(row) if row is not None else None


def head(conn: Connection, key: cp.Signer, *, fresh: bool = False) -> Head:
    """Sign and store a head for the current tree (or return the latest one if nothing was appended since,
    unless `fresh`). Refuses to sign a tree that is not consistent with the previous head."""
    state = read_state(conn)
    prev = latest_head(conn)
    if prev is not None and not fresh and (prev.size, prev.root) == (state.size, state.root):
        return prev
    if prev is not None and prev.size > 0:
        signed = cp.parse(prev.checkpoint)  # trust the signed text, not the row's copy of it
        ok = signed.size <= state.size and verify_consistency(
            signed.size, state.size, signed.root, state.root, consistency(conn, signed.size, state=state).path
        )
        if not ok:
            raise _damaged("与上一个签名树头的一致性", "consistency with the previous signed head")
    now = datetime.now(UTC)
    note = cp.sign(cp.checkpoint_text(key.name, state.size, state.root, now), key)
    conn.execute(
        insert(ledger_heads).values(size=state.size, root=state.root, checkpoint=note, created_at=now)
    )
    return Head(state.size, state.root, note, now)


# --- proofs ---


def _signed(conn: Connection, condition: str) -> tuple[int, str] | None:
    """(size, checkpoint) of the newest head meeting `condition` (SQL over integers computed here)."""
    rows = _query(conn, f"SELECT size, checkpoint FROM ledger_heads WHERE {condition} ORDER BY id DESC LIMIT 1")
    return (int(rows[0][0]), rows[0][1]) if rows else None


def _state_size_root(conn: Connection) -> tuple[int, bytes]:
    rows = _query(conn, "SELECT size, root FROM ledger_state")
    return (int(rows[0][0]), bytes(rows[0][1])) if rows else (0, EMPTY_ROOT)


# The size of the newest signed head last seen, per database: a guess that lets the usual proof (against
# the newest head) take one round trip; the query returns the real newest head, and a wrong guess costs a
# second query, never a wrong proof.
_newest_head_size: dict[str, int] = {}


def prove(conn: Connection, seq: int, size: int | None = None) -> InclusionProof:
    """Inclusion proof of entry `seq` in the tree of `size` entries (default: the newest signed head that
    covers it, else the current tree). The head's checkpoint is attached when one has that size."""
    seq = int(seq)
    where = str(conn.engine.url)
    if seq < 0:
        raise LedgerError(f"条目序号从 0 起：{seq}", f"entries are numbered from 0: {seq}")
    if size is None:
        if _newest_head_size.get(where, 0) > seq:
            with contextlib.suppress(LedgerError):  # a stale guess can name nodes that do not exist
                proof = _prove_in(conn, seq, _newest_head_size[where], head_over=seq)
                if proof is not None:
                    return proof
        signed = _signed(conn, f"size > {seq}")
        if signed is not None:
            _newest_head_size[where] = signed[0]
            return _prove_in(conn, seq, signed[0], root=cp.parse(signed[1]).root, checkpoint=signed[1])
    else:
        signed = _signed(conn, f"size = {int(size)}")
    state_size, state_root = _state_size_root(conn)
    n = state_size if size is None else int(size)
    if not 0 <= seq < n <= state_size:
        raise LedgerError(
            f"条目 {seq} 不在大小为 {n} 的账本中（共 {state_size} 条）",
            f"entry {seq} is not in a ledger of size {n} (it has {state_size})",
        )
    if signed is not None:
        root = cp.parse(signed[1]).root  # the signed text, not the row's copy
    elif n == state_size:
        root = state_root
    else:
        root = _with_nodes(conn, lambda get: subtree_hash(0, n, get))
    return _prove_in(conn, seq, n, root=root, checkpoint=signed[1] if signed else None)


def _prove_in(
    conn: Connection, seq: int, n: int, *, head_over: int | None = None, root: bytes | None = None,
    checkpoint: str | None = None,
) -> InclusionProof | None:
    """The proof of `seq` in the tree of `n` entries, its nodes and entry read in one query. With
    `head_over`, the root is the newest head's covering `seq`, and None is returned if that head is not of
    size `n`."""
    nodes, texts, signed = fetch_nodes(
        conn, needed_nodes(lambda get: inclusion_proof(seq, n, get)), texts=[seq], head_over=head_over
    )
    if head_over is not None:
        if signed is None or signed[0] != n:
            return None
        checkpoint, root = signed[1], cp.parse(signed[1]).root  # the signed text, not the row's copy
    if root is None:
        raise ValueError("a root or head_over is needed")
    path, leaf, text = inclusion_proof(seq, n, lambda lv, ix: nodes[lv, ix]), nodes[0, seq], texts[seq]
    if hashlib.sha256(b"\x00" + text.encode()).digest() != leaf or not verify_inclusion(leaf, seq, n, path, root):
        raise _damaged(f"条目 {seq} 的包含证明", f"the inclusion proof of entry {seq}")
    return InclusionProof(seq, n, leaf, root, path, text, checkpoint)


def consistency(conn: Connection, old: int, new: int | None = None, *, state: State | None = None) -> ConsistencyProof:
    """Proof that the tree of `old` entries is a prefix of the tree of `new` (default: current) entries.
    The signed heads of those sizes, if any, are attached."""
    size, current_root = (state.size, state.root) if state else _state_size_root(conn)
    old, new = int(old), size if new is None else int(new)
    if not 0 < old <= new <= size:
        raise LedgerError(
            f"无法证明大小 {old} 到 {new} 的一致性（账本共 {size} 条）",
            f"no consistency proof from size {old} to {new} (the ledger has {size} entries)",
        )

    def build(get: NodeGetter) -> tuple[list[bytes], bytes, bytes]:
        return consistency_proof(old, new, get), subtree_hash(0, old, get), subtree_hash(0, new, get)

    path, root1, root2 = _with_nodes(conn, build)
    if new == size and root2 != current_root:
        raise _damaged("树根", "the root")
    h1, h2 = _signed(conn, f"size = {old}"), _signed(conn, f"size = {new}")
    return ConsistencyProof(old, new, root1, root2, path, h1[1] if h1 else None, h2[1] if h2 else None)
