"""Shared fixtures: every storage test runs on real SQLite and, when BIAOTONG_TEST_PG_URL is set, on real
PostgreSQL (each test in a schema of its own, dropped afterwards)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from biaotong.store import connect, migrate, normalize_url
from biaotong.workspace import Workspace

PG_URL = os.environ.get("BIAOTONG_TEST_PG_URL")

STORES = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("pg", id="pg", marks=pytest.mark.pg),
]


def _pg_schema_url(schema: str) -> str:
    assert PG_URL is not None
    base = normalize_url(PG_URL)
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}"


@contextmanager
def empty_store(kind: str, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty metadata store: a SQLite file, or a fresh PostgreSQL schema dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    if not PG_URL:
        pytest.skip("BIAOTONG_TEST_PG_URL is not set")
    schema = f"bt_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(normalize_url(PG_URL))
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield _pg_schema_url(schema)
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=STORES)
def store_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated metadata store engine, once on SQLite and once on PostgreSQL."""
    with empty_store(request.param, tmp_path) as url:
        engine = connect(url)
        migrate(engine)
        try:
            yield engine
        finally:
            engine.dispose()


@pytest.fixture(params=STORES)
def workspace(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Workspace]:
    """A fresh workspace folder whose metadata store is SQLite or PostgreSQL."""
    with empty_store(request.param, tmp_path) as url:
        ws = Workspace.open(tmp_path / "ws", store_url=None if url.startswith("sqlite") else url)
        try:
            yield ws
        finally:
            ws.close()
