"""Source versions: every spec a source name has had, with the time span it was the registered one.

`sources` holds the current spec; a version row is written at each `source add` of a changed spec and
closed at `source remove` or the next change, so a report as known at a past time uses the sources (and
their snapshots) registered then, and a removed source's snapshots stay readable for `--as-known-at`.
"""

from sqlalchemy import JSON, Column, DateTime, Integer, String, Table

from biaotong.store.schema import metadata

source_versions = Table(
    "source_versions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(64), nullable=False, index=True),
    Column("version", Integer, nullable=False),
    Column("title", String(200), nullable=False),
    Column("department", String(100), nullable=False),
    Column("entity", String(32), nullable=False),
    Column("spec", JSON, nullable=False),
    Column("spec_sha256", String(64), nullable=False),
    Column("valid_from", DateTime(timezone=True), nullable=False),
    Column("valid_to", DateTime(timezone=True), nullable=True, comment="exclusive; NULL while registered"),
    Column("actor", String(100), nullable=False),
)
