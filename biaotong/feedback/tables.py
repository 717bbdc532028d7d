"""Feedback and its thread. An anonymous item keeps no sender and no unit: only the SHA-256 of a token
that the sender alone holds, so the answer can still reach them."""

from sqlalchemy import JSON, Boolean, Column, DateTime, Integer, LargeBinary, String, Table, Text

from biaotong.store.schema import metadata

feedback_items = Table(
    "feedback_items",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("category", String(32), nullable=False),
    Column("target_kind", String(16), nullable=False, comment="report | field | task | value | system | outside_form"),
    Column("report_id", String(80), nullable=True, index=True),
    Column("field", String(80), nullable=True),
    Column("task_ref", String(120), nullable=True),
    Column("text", Text, nullable=False),
    Column("anonymous", Boolean, nullable=False),
    Column("sender", String(64), nullable=True, comment="NULL when anonymous"),
    Column("sender_org", String(12), nullable=True, index=True, comment="NULL when anonymous"),
    Column("token_sha256", String(64), nullable=True, comment="anonymous: hash of the sender's token"),
    Column("department", String(100), nullable=False, index=True, comment="who must answer"),
    Column("status", String(16), nullable=False, comment="open | answered | closed"),
    Column("escalated", Boolean, nullable=False),
    Column("due_at", DateTime(timezone=True), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("first_answered_at", DateTime(timezone=True), nullable=True),
    Column("closed_at", DateTime(timezone=True), nullable=True),
    Column("attachment", LargeBinary, nullable=True),
    Column("attachment_name", String(200), nullable=True),
    Column("attachment_type", String(16), nullable=True),
    Column("content_sha256", String(64), nullable=False),
    Column("extra", JSON, nullable=False, default=dict),
)

feedback_messages = Table(
    "feedback_messages",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("feedback_id", Integer, nullable=False, index=True),
    Column("kind", String(16), nullable=False, comment="answer | close | reopen | escalate"),
    Column("author", String(64), nullable=False, comment="a username, a department, or 'sender' (anonymous)"),
    Column("text", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
