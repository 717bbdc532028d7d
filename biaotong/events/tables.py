"""Detected events, departments' subscriptions to them, and the records a subscription produced."""

from sqlalchemy import JSON, Boolean, Column, Date, DateTime, Integer, String, Table

from biaotong.store.schema import metadata

life_events = Table(
    "life_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("type", String(32), nullable=False, index=True),
    Column("entity", String(32), nullable=False),
    Column("key", String(100), nullable=False, index=True),
    Column("org_code", String(12), nullable=True, index=True),
    Column("source", String(64), nullable=False),
    Column("snapshot_id", String(80), nullable=False, index=True),
    Column("previous_snapshot_id", String(80), nullable=False),
    Column("occurred_on", Date, nullable=True, comment="the record's own date where it has one"),
    Column("detail", JSON, nullable=False, default=dict, comment="codes and dates, e.g. {from, to, programme}"),
    Column("detected_at", DateTime(timezone=True), nullable=False, index=True),
)

event_subscriptions = Table(
    "event_subscriptions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("department", String(100), nullable=False, index=True),
    Column("types", JSON, nullable=False),
    Column("org_code", String(12), nullable=True, comment="jurisdiction root; NULL: everywhere"),
    Column("action", String(16), nullable=False, comment="notify | task"),
    Column("title", String(200), nullable=False, comment="what the department's record is called"),
    Column("active", Boolean, nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

event_records = Table(
    "event_records",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("subscription_id", Integer, nullable=False, index=True),
    Column("event_id", Integer, nullable=False, index=True),
    Column("department", String(100), nullable=False, index=True),
    Column("action", String(16), nullable=False),
    Column("org_code", String(12), nullable=True),
    Column("content", JSON, nullable=False, comment="the record pre-filled from the one table"),
    Column("status", String(16), nullable=False, comment="open | done"),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
