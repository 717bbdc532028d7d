"""PostgreSQL through ADBC: the server's binary COPY stream arrives as Arrow record batches."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import adbc_driver_postgresql.dbapi as adbc_pg
import pyarrow as pa

from biaotong.sources.connectors.database import DatabaseConnector

if TYPE_CHECKING:
    from biaotong.sources.spec import SourceSpec


def libpq_url(url: str) -> str:
    """postgresql+psycopg://… and postgres://… → postgresql://… as libpq expects."""
    scheme, sep, rest = url.partition("://")
    if scheme.split("+")[0] in ("postgresql", "postgres") and sep:
        return "postgresql://" + rest
    return url


class PostgresConnector(DatabaseConnector):
    kind = "postgresql"
    dialect = "postgres"
    marker = "$1"

    def _connect(self, spec: SourceSpec, url: str) -> Any:
        return adbc_pg.connect(libpq_url(url))

    def _column_names(self, conn: Any, sql: str) -> list[str]:
        with conn.cursor() as cur:
            cur.execute(sql)
            return list(cur.fetch_arrow_table().schema.names)

    def _stream(self, conn: Any, sql: str, params: list[Any]) -> Iterator[pa.RecordBatch]:
        with conn.cursor() as cur:
            cur.execute(sql, parameters=params or None)
            yield from cur.fetch_record_batch()
