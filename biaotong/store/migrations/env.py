"""Alembic environment: the connection is handed over by biaotong.store.db.migrate."""

from alembic import context

from biaotong.store.tables_all import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
