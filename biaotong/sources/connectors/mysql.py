"""MySQL and MariaDB through PyMySQL's unbuffered cursor: rows stream in chunks of 50,000 and each chunk
becomes one Arrow batch column by column (one transpose per chunk, no per-row dicts)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pymysql
from pymysql.constants import FIELD_TYPE
from pymysql.cursors import SSCursor
from sqlalchemy.engine import make_url

from biaotong.sources.connectors.base import BATCH_ROWS
from biaotong.sources.connectors.database import DatabaseConnector

if TYPE_CHECKING:
    from biaotong.sources.spec import SourceSpec

_TYPES: dict[int, pa.DataType] = {
    FIELD_TYPE.TINY: pa.int64(), FIELD_TYPE.SHORT: pa.int64(), FIELD_TYPE.LONG: pa.int64(),
    FIELD_TYPE.LONGLONG: pa.int64(), FIELD_TYPE.INT24: pa.int64(), FIELD_TYPE.YEAR: pa.int64(),
    FIELD_TYPE.FLOAT: pa.float64(), FIELD_TYPE.DOUBLE: pa.float64(),
    FIELD_TYPE.DATE: pa.date32(), FIELD_TYPE.NEWDATE: pa.date32(),
    FIELD_TYPE.DATETIME: pa.timestamp("us"), FIELD_TYPE.TIMESTAMP: pa.timestamp("us"),
    FIELD_TYPE.VARCHAR: pa.string(), FIELD_TYPE.VAR_STRING: pa.string(), FIELD_TYPE.STRING: pa.string(),
    FIELD_TYPE.ENUM: pa.string(), FIELD_TYPE.SET: pa.string(), FIELD_TYPE.JSON: pa.string(),
}


def _column(values: tuple[Any, ...], type_code: int) -> pa.Array:
    """One column of a chunk: the declared type when the values fit it (zero dates such as 0000-00-00
    arrive as text), else whatever Arrow infers, else text. Exact decimals travel as text."""
    typ = _TYPES.get(type_code)
    try:
        if typ is not None:
            return pa.array(values, type=typ)
        arr = pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
        return pa.array([None if v is None else str(v) for v in values], type=pa.string())
    if pa.types.is_duration(arr.type):  # TIME columns
        return pa.array([None if v is None else str(v) for v in values], type=pa.string())
    if pa.types.is_decimal(arr.type) or pa.types.is_null(arr.type):
        return arr.cast(pa.string())
    if pa.types.is_binary(arr.type):
        try:
            return arr.cast(pa.string())
        except pa.ArrowInvalid:
            return arr
    return arr


class MySQLConnector(DatabaseConnector):
    kind = "mysql"
    dialect = "mysql"
    marker = "%s"
    escape_percent = True

    def _connect(self, spec: SourceSpec, url: str) -> Any:
        u = make_url(url)
        return pymysql.connect(
            host=u.host or "127.0.0.1", port=u.port or 3306, user=u.username or "root", password=u.password or "",
            database=u.database, charset=str(u.query.get("charset", "utf8mb4")),
            connect_timeout=int(spec.connection.timeout), read_timeout=None,
        )

    def _column_names(self, conn: Any, sql: str) -> list[str]:
        with conn.cursor() as cur:
            cur.execute(sql)
            return [d[0] for d in cur.description or []]

    def _stream(self, conn: Any, sql: str, params: list[Any]) -> Iterator[pa.RecordBatch]:
        cur = conn.cursor(SSCursor)
        try:
            cur.execute(sql, params or None)
            names = [d[0] for d in cur.description]
            types = [d[1] for d in cur.description]
            while True:
                rows = cur.fetchmany(BATCH_ROWS)
                if not rows:
                    break
                cols = list(zip(*rows, strict=True))
                yield pa.RecordBatch.from_arrays([_column(c, t) for c, t in zip(cols, types, strict=True)], names=names)
        finally:
            cur.close()
