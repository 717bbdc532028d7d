"""The Alembic migrations build exactly the schema the code declares, on SQLite and on PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect

from biaotong.store import migrate
from biaotong.store.tables_all import metadata


def test_migrations_match_the_declared_schema(store_engine: Engine) -> None:
    with store_engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []
    names = set(inspect(store_engine).get_table_names())
    assert {"sources", "snapshots", "org_units", "report_specs"} <= names
    assert any(n.startswith("ledger") for n in names)


def test_migrate_twice_is_harmless(store_engine: Engine) -> None:
    migrate(store_engine)
    with store_engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_heads()  # branches (one per capability) allowed
