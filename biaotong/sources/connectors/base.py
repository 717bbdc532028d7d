"""The one contract every connector follows, built-in or a province's own.

A connector reads a source system and yields Arrow record batches of the RAW columns the spec maps
(strings or the system's native types; the mapping step types them). It never maps or validates values.
File connectors may add an int64 `_row` column holding each record's row number in the file, so rejects
point at the line a person can open; database connectors leave numbering to the caller.
"""

from __future__ import annotations

import difflib
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import pyarrow as pa
from sqlalchemy.engine import make_url

from biaotong.errors import Location, SourceError, where

if TYPE_CHECKING:
    from biaotong.sources.spec import SourceSpec

ROW_COLUMN = "_row"
SKIP_COLUMN = "_skip"  # a connector's reason to skip a row (a 小计/合计 line): reported as a reject, never mapped
BATCH_ROWS = 50_000


class Connector(ABC):
    """Reads one kind of system. Subclass it, set `kind` and the class flags, and register it under the
    `biaotong.connectors` entry-point group (name = kind, value = "module:Class")."""

    kind: ClassVar[str] = ""
    uses_url: ClassVar[bool] = False  # connection.url is required
    uses_path: ClassVar[bool] = False  # connection.path is required (a file, relative to the spec)
    is_database: ClassVar[bool] = False  # the spec must give `table` or `query`

    @abstractmethod
    def batches(
        self, spec: SourceSpec, *, watermark: Any = None, limit: int | None = None
    ) -> Iterator[pa.RecordBatch]:
        """Yield the raw columns of the spec (`spec.source_columns()`), at most `limit` rows in all; with a
        watermark, only rows whose `sync.updated_at` column is greater than it."""

    def test(self, spec: SourceSpec) -> None:
        """Raise SourceError if the source cannot be reached or lacks a mapped column."""
        for _ in self.batches(spec, limit=1):
            break


def source_where(spec: SourceSpec, **kwargs: Any) -> Location:
    return where(file=str(spec.file) if spec.file else None, **kwargs)


def redact_url(url: str) -> str:
    """The URL with its password replaced by ***, safe for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        if "@" in url and "://" in url:
            scheme, rest = url.split("://", 1)
            return f"{scheme}://***@{rest.rsplit('@', 1)[1]}"
        return url


def check_columns(
    spec: SourceSpec, available: Sequence[str], container: str, normalize: Callable[[str], str] = str
) -> None:
    """Every column the spec reads must exist in the source; name the first missing one and close matches."""
    have = {normalize(a) for a in available}
    for col in spec.source_columns():
        if normalize(col) not in have:
            close = difflib.get_close_matches(col, list(available), n=3, cutoff=0.5)
            hint_zh = f"；相近的列：{'、'.join(close)}" if close else ""
            hint_en = f"; close matches: {', '.join(close)}" if close else ""
            raise SourceError(
                f"数据源 {spec.name} 的 {container} 中没有列 {col}{hint_zh}",
                f"source {spec.name}: {container} has no column {col}{hint_en}",
                source_where(spec, column=col, key=spec.key_path_of_column(col)),
                details={"available": list(available)},
            )


def take_limit(batches: Iterator[pa.RecordBatch], limit: int | None) -> Iterator[pa.RecordBatch]:
    """Stop after `limit` rows in all (None = no limit)."""
    if limit is None:
        yield from batches
        return
    left = limit
    for batch in batches:
        if left <= 0:
            return
        if batch.num_rows > left:
            batch = batch.slice(0, left)
        left -= batch.num_rows
        yield batch


def filter_watermark(batch: pa.RecordBatch, column: str, watermark: Any) -> pa.RecordBatch:
    """For file sources in incremental mode: keep the rows whose `column` is greater than the watermark
    (text compares as text, so ISO timestamps order correctly)."""
    import pyarrow.compute as pc

    values = batch.column(column)
    if pa.types.is_string(values.type) or pa.types.is_large_string(values.type):
        bound = pa.scalar(str(watermark.isoformat(sep=" ") if hasattr(watermark, "isoformat") else watermark))
    else:
        bound = pa.scalar(watermark).cast(values.type)
    return batch.filter(pc.fill_null(pc.greater(values, bound), False))


def with_row_numbers(batch: pa.RecordBatch, first: int) -> pa.RecordBatch:
    """Append the `_row` column: `first`, `first`+1, … (1-based row numbers in the source file)."""
    import numpy as np

    rows = pa.array(np.arange(first, first + batch.num_rows, dtype=np.int64))
    return pa.RecordBatch.from_arrays([*batch.columns, rows], names=[*batch.schema.names, ROW_COLUMN])
