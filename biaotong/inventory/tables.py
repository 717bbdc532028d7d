"""The inventory's listings (one per report, with where it may reach) and the 表外表 reports."""

from sqlalchemy import JSON, Column, Date, DateTime, Integer, LargeBinary, String, Table, Text

from biaotong.store.schema import metadata

inventory_listings = Table(
    "inventory_listings",
    metadata,
    Column("report_id", String(80), primary_key=True),
    Column("basis", Text, nullable=False, default="", comment="legal or policy basis, as text"),
    Column("basis_ref", String(200), nullable=False, default="", comment="document reference (文号)"),
    Column("frequency", String(16), nullable=False),
    Column("reach", JSON, nullable=False, comment='[{"org": code, "level": "village"}, ...]'),
    Column("listed_by", String(64), nullable=False),
    Column("listed_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

outside_forms = Table(
    "outside_forms",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("department", String(100), nullable=False, index=True, comment="the department that sent the form"),
    Column("received_on", Date, nullable=False),
    Column("title", String(200), nullable=False),
    Column("org_code", String(12), nullable=True, comment="the unit that received it; NULL when anonymous"),
    Column("reporter", String(64), nullable=True, comment="NULL when anonymous"),
    Column("feedback_id", Integer, nullable=True),
    Column("attachment", LargeBinary, nullable=True),
    Column("attachment_name", String(200), nullable=True),
    Column("content_sha256", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
