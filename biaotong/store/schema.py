"""Every table of the metadata store, in one place, grouped by the capability that owns it.

Bulk data never lives here: rows of department systems are Parquet snapshots in the lake; these tables
hold what describes and governs them.
"""

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Date,
    DateTime,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# --- catalog: the org tree, effective-dated (villages and townships are merged, split and renamed) ---
org_units = Table(
    "org_units",
    metadata,
    Column("code", String(12), primary_key=True),
    Column("valid_from", Date, primary_key=True),
    Column("valid_to", Date, nullable=True, comment="exclusive; NULL while the unit exists"),
    Column("name", String(100), nullable=False),
    Column("level", String(16), nullable=False),
    Column("parent_code", String(12), nullable=True, index=True),
    Column("aliases", JSON, nullable=False, default=list),
    Column("successor_code", String(12), nullable=True, comment="where its data rolls up after 撤并"),
)

org_events = Table(
    "org_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),
    Column("effective_date", Date, nullable=False),
    Column("detail", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# --- sources & sync ---
sources = Table(
    "sources",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("title", String(200), nullable=False),
    Column("department", String(100), nullable=False),
    Column("entity", String(32), nullable=False),
    Column("spec", JSON, nullable=False, comment="the validated source spec, paths made absolute"),
    Column("spec_sha256", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

# --- lake: one row per immutable Parquet snapshot; a snapshot without a row here does not exist ---
snapshots = Table(
    "snapshots",
    metadata,
    Column("id", String(80), primary_key=True),
    Column("source", String(64), nullable=False, index=True),
    Column("taken_at", DateTime(timezone=True), nullable=False, index=True),
    Column("mode", String(16), nullable=False),
    Column("row_count", BigInteger, nullable=False),
    Column("reject_count", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("columns", JSON, nullable=False, comment="[{name, type}] of the Parquet file"),
    Column("path", String(500), nullable=False, comment="relative to the lake root"),
    Column("watermark", String(64), nullable=True, comment="max updated-at seen, for incremental syncs"),
    Column("reject_summary", JSON, nullable=False, default=dict),
)

sync_runs = Table(
    "sync_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source", String(64), nullable=False, index=True),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True), nullable=True),
    Column("status", String(16), nullable=False),
    Column("error", Text, nullable=True),
    Column("snapshot_id", String(80), nullable=True),
)

# --- one table: per entity type, the count of disagreements between sources at each build ---
conflict_summaries = Table(
    "conflict_summaries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("entity", String(32), nullable=False, index=True),
    Column("element", String(64), nullable=False),
    Column("winner", String(64), nullable=False),
    Column("loser", String(64), nullable=False),
    Column("count", BigInteger, nullable=False),
    Column("state_sha256", String(64), nullable=False, comment="hash of the snapshot ids merged"),
    Column("path", String(500), nullable=False, comment="Parquet file of the conflicting rows"),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# --- reports ---
report_specs = Table(
    "report_specs",
    metadata,
    Column("id", String(80), primary_key=True),
    Column("title", String(200), nullable=False),
    Column("department", String(100), nullable=False),
    Column("layout", String(16), nullable=False),
    Column("period_type", String(16), nullable=False),
    Column("spec", JSON, nullable=False),
    Column("spec_sha256", String(64), nullable=False),
    Column("template", LargeBinary, nullable=True, comment="the department's own .xlsx form"),
    Column("status", String(16), nullable=False, default="draft"),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

report_reviews = Table(
    "report_reviews",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("report_id", String(80), nullable=False, index=True),
    Column("verdict", String(16), nullable=False),
    Column("reason", Text, nullable=False),
    Column("actor", String(100), nullable=False),
    Column("summary", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

indicator_aliases = Table(
    "indicator_aliases",
    metadata,
    Column("alias", String(200), primary_key=True),
    Column("indicator", String(80), nullable=False),
    Column("added_by", String(100), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
