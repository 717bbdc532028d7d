"""Quality findings as work (open → sent → fixed | explained) and the runs that found them."""

from sqlalchemy import Column, DateTime, Integer, String, Table, Text

from biaotong.store.schema import metadata

quality_findings = Table(
    "quality_findings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("fingerprint", String(64), nullable=False, unique=True, comment="sha256 of check|entity|key|source|element"),
    Column("check", String(64), nullable=False, index=True),
    Column("entity", String(32), nullable=False),
    Column("key", String(100), nullable=False),
    Column("org_code", String(12), nullable=True, index=True),
    Column("source", String(64), nullable=False, index=True),
    Column("department", String(100), nullable=False, index=True, comment="owner of the source: who fixes it"),
    Column("element", String(64), nullable=True),
    Column("value", Text, nullable=True),
    Column("other_source", String(64), nullable=True),
    Column("other_value", Text, nullable=True),
    Column("status", String(16), nullable=False, comment="open | sent | fixed | explained"),
    Column("first_seen_at", DateTime(timezone=True), nullable=False),
    Column("last_seen_at", DateTime(timezone=True), nullable=False),
    Column("seen_in", String(80), nullable=True, comment="the owner's snapshot it was last seen in"),
    Column("closed_at", DateTime(timezone=True), nullable=True),
    Column("note", Text, nullable=True, comment="the explanation, or the snapshot that fixed it"),
    Column("updated_by", String(64), nullable=True),
)

quality_runs = Table(
    "quality_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("trigger", String(100), nullable=False),
    Column("checks", Integer, nullable=False),
    Column("findings", Integer, nullable=False),
    Column("new", Integer, nullable=False),
    Column("fixed", Integer, nullable=False),
    Column("errors", Text, nullable=True),
)
