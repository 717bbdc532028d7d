"""SQLite files through ADBC, opened read-only. Every column is read as TEXT: SQLite lets one column hold
integers in some rows and text in others, which a typed Arrow stream cannot carry; mapping types them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import adbc_driver_sqlite.dbapi as adbc_sqlite
import pyarrow as pa

from biaotong.errors import SourceError
from biaotong.sources.connectors.base import BATCH_ROWS, source_where
from biaotong.sources.connectors.database import DatabaseConnector
from biaotong.sources.watermark import as_text

if TYPE_CHECKING:
    from biaotong.sources.spec import SourceSpec


def sqlite_path(url: str) -> str:
    for prefix in ("sqlite:///", "sqlite://"):
        if url.startswith(prefix):
            return url[len(prefix):]
    return url


class SQLiteConnector(DatabaseConnector):
    kind = "sqlite"
    dialect = "sqlite"
    marker = "?"
    cast_text = True

    def _connect(self, spec: SourceSpec, url: str) -> Any:
        path = sqlite_path(url)
        if not Path(path).is_file():
            raise SourceError(
                f"数据源 {spec.name} 的 SQLite 文件不存在：{path}", f"source {spec.name}: SQLite file not found: {path}",
                source_where(spec, key="connection.url"),
            )
        return adbc_sqlite.connect(f"file:{Path(path).resolve().as_posix()}?mode=ro")

    def _column_names(self, conn: Any, sql: str) -> list[str]:
        with conn.cursor() as cur:
            cur.execute(sql)
            return [d[0] for d in cur.description or []]

    def _stream(self, conn: Any, sql: str, params: list[Any]) -> Iterator[pa.RecordBatch]:
        # SQLite keeps dates as text (or numbers): bind a date/datetime watermark as its ISO text.
        params = [as_text(p) if isinstance(p, date) else p for p in params]
        with conn.cursor() as cur:
            cur.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": str(BATCH_ROWS)})
            cur.execute(sql, parameters=params or None)
            yield from cur.fetch_record_batch()
