"""Tasks, the answers units give (versioned, one per unit · element · validity window, and per person for a
roster task's collected columns), reviews and corrections (纠错) sent to the department that owns a
pre-filled value."""

from sqlalchemy import JSON, Boolean, Column, Date, DateTime, Integer, String, Table, Text, UniqueConstraint

from biaotong.store.schema import metadata

tasks = Table(
    "tasks",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("report_id", String(80), nullable=False, index=True),
    Column("period", String(16), nullable=False),
    Column("org_code", String(12), nullable=False, index=True),
    Column("level", String(16), nullable=False),
    Column("status", String(16), nullable=False, comment="draft | submitted | returned | approved"),
    Column("version", Integer, nullable=False, comment="optimistic concurrency: every change adds one"),
    Column("due", Date, nullable=True),
    Column("published_by", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("opened_at", DateTime(timezone=True), nullable=True),
    Column("submitted_at", DateTime(timezone=True), nullable=True),
    Column("decided_at", DateTime(timezone=True), nullable=True),
    Column("fields", JSON, nullable=False, comment="per field: origin (prefilled | reused | typed | asked), element"),
    UniqueConstraint("report_id", "period", "org_code", name="uq_tasks_report_period_org"),
)

answers = Table(
    "answers",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("org_code", String(12), nullable=False, index=True),
    Column("element", String(80), nullable=False, comment="entity.code of a data element"),
    Column("window", String(40), nullable=False, comment="validity: 2025, 2025-06, 2025Q2, or * until changed"),
    Column("entity_key", String(64), nullable=True,
           comment="a person's answer (roster tasks): HMAC-SHA256 of the entity key under the workspace secret; null: the unit's own"),
    Column("value", JSON, nullable=True),
    Column("status", String(16), nullable=False, comment="draft | submitted | approved"),
    Column("current", Boolean, nullable=False, comment="the newest version of this unit · element · window"),
    Column("version", Integer, nullable=False),
    Column("previous", JSON, nullable=True),
    Column("reason", Text, nullable=True),
    Column("actor", String(64), nullable=False),
    Column("task_id", Integer, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

task_reviews = Table(
    "task_reviews",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("task_id", Integer, nullable=False, index=True),
    Column("action", String(16), nullable=False, comment="submit | return | approve"),
    Column("actor", String(64), nullable=False),
    Column("comment", Text, nullable=True),
    Column("field_comments", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

corrections = Table(
    "corrections",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("task_id", Integer, nullable=False, index=True),
    Column("report_id", String(80), nullable=False),
    Column("field", String(80), nullable=False),
    Column("org_code", String(12), nullable=False),
    Column("period", String(16), nullable=False),
    Column("value_seen", JSON, nullable=True, comment="the pre-filled value the worker says is wrong"),
    Column("reason", Text, nullable=False),
    Column("evidence", Text, nullable=True),
    Column("keys", JSON, nullable=False, comment="entity keys the worker points at (drill-down)"),
    Column("sources", JSON, nullable=False, comment="the sources holding the field's elements"),
    Column("department", String(100), nullable=False, index=True),
    Column("status", String(16), nullable=False, comment="open | accepted | rejected | fixed"),
    Column("answer", Text, nullable=True),
    Column("created_by", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("closed_at", DateTime(timezone=True), nullable=True),
)
