"""What the database connectors share: building the SELECT with SQLGlot, checking the columns, streaming.

User text never becomes SQL by pasting: table and column names are quoted identifiers, a `query:` is
parsed (one SELECT only) and embedded as a subquery, and the watermark is a bound parameter.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, ClassVar

import pyarrow as pa
import sqlglot
from sqlglot import exp

from biaotong.errors import SourceError
from biaotong.sources.connectors.base import BATCH_ROWS, Connector, check_columns, redact_url, source_where
from biaotong.workspace import expand_env

if TYPE_CHECKING:
    from biaotong.sources.spec import SourceSpec

_TOKEN = "bt_watermark_7f3c"


def _ident(name: str) -> exp.Identifier:
    return exp.to_identifier(name, quoted=True)


def source_relation(spec: SourceSpec, dialect: str) -> exp.Expression:
    """The FROM target: the quoted table, or the spec's query parsed and wrapped as a subquery."""
    if spec.table is not None:
        parts = spec.table.split(".")
        return exp.Table(this=_ident(parts[-1]), db=_ident(parts[-2]) if len(parts) > 1 else None)
    assert spec.query is not None
    try:
        statements = [s for s in sqlglot.parse(spec.query, read=dialect) if s is not None]
    except sqlglot.errors.ParseError as exc:
        raise SourceError(
            f"query 无法解析：{exc}", f"cannot parse the query: {exc}", source_where(spec, key="query")
        ) from None
    if len(statements) != 1 or not isinstance(statements[0], exp.Query):
        raise SourceError(
            "query 只能是一条 SELECT 语句", "query must be a single SELECT statement", source_where(spec, key="query")
        )
    return statements[0].subquery("bt_src")


def build_select(
    spec: SourceSpec,
    dialect: str,
    columns: list[str] | None,
    *,
    watermark: bool = False,
    limit: int | None = None,
    cast_text: bool = False,
) -> str:
    """SELECT the given columns (all if None) from the source; `_TOKEN` marks the watermark parameter."""
    if columns is None:
        projections: list[exp.Expression] = [exp.Star()]
    else:
        projections = []
        for col in columns:
            ref: exp.Expression = exp.column(_ident(col))
            if cast_text:
                ref = exp.alias_(exp.cast(ref, exp.DataType.build("TEXT")), _ident(col))
            projections.append(ref)
    query = exp.select(*projections).from_(source_relation(spec, dialect))
    if watermark:
        assert spec.sync.updated_at is not None
        query = query.where(exp.GT(this=exp.column(_ident(spec.sync.updated_at)), expression=exp.Placeholder(this=_TOKEN)))
    if limit is not None:
        query = query.limit(limit)
    return query.sql(dialect=dialect)


def bind_marker(sql: str, marker: str, *, escape_percent: bool = False) -> str:
    """Replace the rendered watermark placeholder (the last one; the spec's query cannot add it later)."""
    for rendered in (f"%({_TOKEN})s", f":{_TOKEN}"):
        head, sep, tail = sql.rpartition(rendered)
        if sep:
            if escape_percent:
                head, tail = head.replace("%", "%%"), tail.replace("%", "%%")
            return head + marker + tail
    raise AssertionError("watermark placeholder not found")


def rechunk(batches: Iterator[pa.RecordBatch], rows: int = BATCH_ROWS) -> Iterator[pa.RecordBatch]:
    """Combine small driver batches into ~`rows`-row batches, so mapping runs on big vectors."""
    buf: list[pa.RecordBatch] = []
    n = 0
    for batch in batches:
        if batch.num_rows == 0:
            continue
        buf.append(batch)
        n += batch.num_rows
        if n >= rows:
            yield _combine(buf)
            buf, n = [], 0
    if buf:
        yield _combine(buf)


def _combine(buf: list[pa.RecordBatch]) -> pa.RecordBatch:
    if len(buf) == 1:
        return buf[0]
    return pa.Table.from_batches(buf).combine_chunks().to_batches()[0]


class DatabaseConnector(Connector):
    """A database reached by URL; subclasses say how to connect, list columns and stream a query."""

    uses_url = True
    is_database = True
    dialect: ClassVar[str] = ""
    marker: ClassVar[str] = "?"
    escape_percent: ClassVar[bool] = False
    cast_text: ClassVar[bool] = False

    @abstractmethod
    def _connect(self, spec: SourceSpec, url: str) -> Any: ...

    @abstractmethod
    def _column_names(self, conn: Any, sql: str) -> list[str]: ...

    @abstractmethod
    def _stream(self, conn: Any, sql: str, params: list[Any]) -> Iterator[pa.RecordBatch]: ...

    def _open(self, spec: SourceSpec) -> Any:
        assert spec.connection.url is not None
        url = expand_env(spec.connection.url, key="connection.url")
        try:
            return self._connect(spec, url)
        except SourceError:
            raise
        except Exception as exc:
            shown = redact_url(url)
            reason = str(exc).replace(url, shown).splitlines()[0] if str(exc) else type(exc).__name__
            raise SourceError(
                f"无法连接数据源 {spec.name}（{shown}）：{reason}",
                f"cannot connect to source {spec.name} ({shown}): {reason}",
                source_where(spec, key="connection.url"),
                details={"url": shown},
            ) from None

    def _failed(self, spec: SourceSpec, exc: Exception) -> SourceError:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return SourceError(
            f"读取数据源 {spec.name} 失败：{reason}", f"reading source {spec.name} failed: {reason}",
            source_where(spec, key="table" if spec.table else "query"),
        )

    def batches(
        self, spec: SourceSpec, *, watermark: Any = None, limit: int | None = None
    ) -> Iterator[pa.RecordBatch]:
        conn = self._open(spec)
        try:
            probe = build_select(spec, self.dialect, None, limit=0)
            try:
                names = self._column_names(conn, probe)
            except SourceError:
                raise
            except Exception as exc:
                raise self._failed(spec, exc) from None
            check_columns(spec, names, spec.table or "query")
            use_wm = watermark is not None and spec.sync.updated_at is not None
            sql = build_select(spec, self.dialect, spec.source_columns(), watermark=use_wm, limit=limit,
                               cast_text=self.cast_text)
            params: list[Any] = []
            if use_wm:
                sql = bind_marker(sql, self.marker, escape_percent=self.escape_percent)
                params = [watermark]
            try:
                yield from rechunk(self._stream(conn, sql, params))
            except SourceError:
                raise
            except Exception as exc:
                raise self._failed(spec, exc) from None
        finally:
            conn.close()
