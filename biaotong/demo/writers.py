"""Bulk writers: SQLite and PostgreSQL through ADBC ingest, CSV through pyarrow, deterministic xlsx."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

FIXED_ZIP_TIME = (2025, 6, 30, 8, 0, 0)


def write_sqlite(path: Path, tables: dict[str, pa.Table], indexes: Iterable[tuple[str, str]] = ()) -> None:
    import adbc_driver_sqlite.dbapi as adbc

    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.unlink()
    with adbc.connect(str(path)) as conn:
        with conn.cursor() as cur:
            for name, table in tables.items():
                cur.adbc_ingest(name, table, mode="create")
            for table_name, column in indexes:
                cur.execute(f'CREATE INDEX "ix_{table_name}_{column}" ON "{table_name}" ("{column}")')
        conn.commit()


def write_postgres(url: str, schema: str, tables: dict[str, pa.Table]) -> None:
    import adbc_driver_postgresql.dbapi as adbc

    with adbc.connect(url) as conn:
        with conn.cursor() as cur:
            cur.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
            for name in tables:
                cur.execute(f'DROP TABLE IF EXISTS "{schema}"."{name}"')
            conn.commit()
            for name, table in tables.items():
                cur.adbc_ingest(name, table, mode="create", db_schema_name=schema)
        conn.commit()


def csv_bytes(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pacsv.write_csv(table, sink, pacsv.WriteOptions(quoting_style="needed"))
    return sink.getvalue()


def write_csv(path: Path, table: pa.Table, encoding: str = "utf-8") -> None:
    data = csv_bytes(table)
    if encoding.lower().replace("-", "") not in ("utf8",):
        data = data.decode("utf-8").encode(encoding)
    path.write_bytes(data)


def normalize_zip(path: Path) -> None:
    """Rewrite a zip (xlsx) with fixed timestamps and order, so the same content gives the same bytes."""
    with zipfile.ZipFile(path) as zin:
        items = [(info.filename, zin.read(info.filename)) for info in zin.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in items:
            info = zipfile.ZipInfo(name, date_time=FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            zout.writestr(info, data)
