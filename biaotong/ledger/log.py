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
    if len(rows) >= COPY_THRESHOLD and hasattr(raw, "cursor") and hasattr(raw.cursor(), "copy"):
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


# --- reading nodes for proofs: one query for leaves, one for interior nodes ---


def fetch_nodes(
    conn: Connection, keys: Iterable[tuple[int, int]], texts: Iterable[int] = ()
) -> tuple[dict[tuple[int, int], bytes], dict[int, str]]:
    """The hashes of perfect subtrees (level, index) — level 0 from ledger_entries — and the event text of
    the entries in `texts`, in one query.

    The SQL is written out with the (integer) keys inlined: building an expression tree per proof costs
    more than the query itself. An OR of (level AND idx) uses the primary key on SQLite and PostgreSQL."""
    keys = {(int(lv), int(ix)) for lv, ix in keys}
    want_text = {int(s) for s in texts}
    leaves = ", ".join(str(ix) for ix in sorted({ix for lv, ix in keys if lv == 0} | want_text))
    inner = " OR ".join(f"(level = {lv} AND idx = {ix})" for lv, ix in sorted(keys) if lv > 0)
    parts = []
    if leaves:
        parts.append(f"SELECT 0, seq, leaf_hash, event FROM ledger_entries WHERE seq IN ({leaves})")
    if inner:
        parts.append(f"SELECT level, idx, hash, NULL FROM ledger_nodes WHERE {inner}")
    nodes: dict[tuple[int, int], bytes] = {}
    events: dict[int, str] = {}
    for lv, ix, h, text in conn.exec_driver_sql(" UNION ALL ".join(parts)) if parts else ():
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
    return nodes, events


def _with_nodes(conn: Connection, build: Callable[[NodeGetter], Any]) -> Any:
    nodes, _ = fetch_nodes(conn, needed_nodes(build))
    return build(lambda level, index: nodes[level, index])


def _damaged(zh: str, en: str) -> LedgerError:
    return LedgerError(
        f"{zh}校验失败，账本可能被篡改，请运行 biaotong ledger verify",
        f"{en} does not check out; the ledger may have been tampered with; run biaotong ledger verify",
    )


def root_at(conn: Connection, size: int, state: State | None = None) -> bytes:
    state = state or read_state(conn)
    if not 0 <= size <= state.size:
        raise LedgerError(f"账本只有 {state.size} 条，没有大小 {size}", f"the ledger has {state.size} entries, not {size}")
    if size == state.size:
        return state.root
    return EMPTY_ROOT if size == 0 else _with_nodes(conn, lambda get: subtree_hash(0, size, get))


# --- heads ---


def _head(row: Any) -> Head:
    t = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC)
    return Head(row.size, bytes(row.root), row.checkpoint, t.astimezone(UTC))


def list_heads(conn: Connection) -> list[Head]:
    return [_head(r) for r in conn.execute(select(ledger_heads).order_by(ledger_heads.c.id))]


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
    """(size, checkpoint) of the newest head meeting `condition` (SQL over integers we computed)."""
    sql = f"SELECT size, checkpoint FROM ledger_heads WHERE {condition} ORDER BY id DESC LIMIT 1"
    row = conn.exec_driver_sql(sql).first()
    return (int(row[0]), row[1]) if row is not None else None


def prove(conn: Connection, seq: int, size: int | None = None) -> InclusionProof:
    """Inclusion proof of entry `seq` in the tree of `size` entries (default: the newest signed head that
    covers it, else the current tree). The head's checkpoint is attached when one has that size."""
    seq = int(seq)
    row = conn.execute(select(ledger_state.c.size, ledger_state.c.root)).first()
    state_size, state_root = (row.size, bytes(row.root)) if row is not None else (0, EMPTY_ROOT)
    signed = _signed(conn, f"size > {seq}" if size is None else f"size = {int(size)}")
    if size is None:
        size = signed[0] if signed is not None else state_size
    if not 0 <= seq < size <= state_size:
        raise LedgerError(
            f"条目 {seq} 不在大小为 {size} 的账本中（共 {state_size} 条）",
            f"entry {seq} is not in a ledger of size {size} (it has {state_size})",
        )
    n = size
    if signed is not None and signed[0] == n:
        root = cp.parse(signed[1]).root  # the signed text, not the row's copy
    elif n == state_size:
        root = state_root
    else:
        root = _with_nodes(conn, lambda get: subtree_hash(0, n, get))
    nodes, texts = fetch_nodes(conn, needed_nodes(lambda get: inclusion_proof(seq, n, get)), texts=[seq])
    path, leaf, text = inclusion_proof(seq, n, lambda lv, ix: nodes[lv, ix]), nodes[0, seq], texts[seq]
    if hashlib.sha256(b"\x00" + text.encode()).digest() != leaf or not verify_inclusion(leaf, seq, n, path, root):
        raise _damaged(f"条目 {seq} 的包含证明", f"the inclusion proof of entry {seq}")
    return InclusionProof(seq, n, leaf, root, path, text, signed[1] if signed else None)


def consistency(conn: Connection, old: int, new: int | None = None, *, state: State | None = None) -> ConsistencyProof:
    """Proof that the tree of `old` entries is a prefix of the tree of `new` (default: current) entries."""
    state = state or read_state(conn)
    new = state.size if new is None else new
    if not 0 < old <= new <= state.size:
        raise LedgerError(
            f"无法证明大小 {old} 到 {new} 的一致性（账本共 {state.size} 条）",
            f"no consistency proof from size {old} to {new} (the ledger has {state.size} entries)",
        )

    def build(get: NodeGetter) -> tuple[list[bytes], bytes, bytes]:
        return consistency_proof(old, new, get), subtree_hash(0, old, get), subtree_hash(0, new, get)

    path, root1, root2 = _with_nodes(conn, build)
    if new == state.size and root2 != state.root:
        raise _damaged("树根", "the root")
    h1, h2 = latest_head(conn, size=old), latest_head(conn, size=new)
    return ConsistencyProof(old, new, root1, root2, path, h1.checkpoint if h1 else None, h2.checkpoint if h2 else None)
