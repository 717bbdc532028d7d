"""The ledger's tables, on the shared metadata (registered for migrations by biaotong.store.tables_all).

* ledger_entries — one row per leaf; `event` is the exact canonical JSON that was hashed; actor, action,
  object and created_at are copies for querying (verify checks they agree with the text).
* ledger_nodes   — every perfect subtree of level >= 1 (level 0 is ledger_entries.leaf_hash), so a proof
  costs O(log n) lookups.
* ledger_heads   — every signed tree head (C2SP checkpoint text) the log has issued.
* ledger_state   — one row (id = 1): size, root and frontier; appends lock it, so they cannot interleave.
"""

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Table,
    Text,
)

from biaotong.store.schema import metadata

# INTEGER PRIMARY KEY is SQLite's rowid: the fastest layout for an append-only, 0-based sequence.
_Seq = BigInteger().with_variant(Integer(), "sqlite")

ledger_entries = Table(
    "ledger_entries",
    metadata,
    Column("seq", _Seq, primary_key=True, autoincrement=False, comment="0-based leaf index"),
    Column("leaf_hash", LargeBinary(32), nullable=False, comment="SHA-256(0x00 || UTF-8 of event)"),
    Column("event", Text, nullable=False, comment="canonical JSON: sorted keys, no spaces, non-ASCII kept"),
    Column("actor", String(500), nullable=False, index=True),
    Column("action", String(100), nullable=False, index=True),
    Column("object", String(500), nullable=False, index=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

ledger_nodes = Table(
    "ledger_nodes",
    metadata,
    Column("level", SmallInteger, primary_key=True, autoincrement=False),
    Column("idx", BigInteger, primary_key=True, autoincrement=False, comment="covers leaves idx*2^level .."),
    Column("hash", LargeBinary(32), nullable=False),
    sqlite_with_rowid=False,
)

ledger_heads = Table(
    "ledger_heads",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("size", BigInteger, nullable=False, index=True),
    Column("root", LargeBinary(32), nullable=False),
    Column("checkpoint", Text, nullable=False, comment="signed note, C2SP tlog-checkpoint"),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

ledger_state = Table(
    "ledger_state",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("size", BigInteger, nullable=False),
    Column("root", LargeBinary(32), nullable=False),
    Column("frontier", LargeBinary, nullable=False, comment="perfect subtree hashes, largest first, 32 bytes each"),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    CheckConstraint("id = 1", name="single_row"),
)

LEDGER_TABLES = (ledger_entries, ledger_nodes, ledger_heads, ledger_state)
