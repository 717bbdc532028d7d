"""Metadata store: SQLAlchemy Core tables with Alembic migrations, on SQLite (default) or PostgreSQL."""

from biaotong.store.db import connect, migrate, normalize_url
from biaotong.store.schema import metadata

__all__ = ["connect", "metadata", "migrate", "normalize_url"]
