"""Incremental syncs remember the greatest `sync.updated_at` value they saw. The value keeps its type
when stored as text, so the next sync binds a timestamp against a timestamp column, text against text."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc


def batch_watermark(updated_at: str | None, batch: pa.RecordBatch | pa.Table) -> Any:
    """The greatest value of the `updated_at` column in a raw batch (None if absent or all NULL)."""
    if not updated_at or updated_at not in batch.schema.names:
        return None
    return pc.max(batch.column(updated_at)).as_py()


def later(a: Any, b: Any) -> Any:
    """The greater of two watermarks, either of which may be None."""
    if a is None:
        return b
    if b is None:
        return a
    try:
        return b if b > a else a
    except TypeError:  # e.g. a datetime given by the caller and text read from SQLite: compare as text
        return b if as_text(b) > as_text(a) else a


def as_text(value: Any) -> str:
    """A watermark as text the way SQL databases print it (2025-01-31 09:00:00)."""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def encode_watermark(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return f"datetime:{value.isoformat()}"
    if isinstance(value, date):
        return f"date:{value.isoformat()}"
    if isinstance(value, bool):
        raise TypeError("a boolean cannot be a watermark")
    if isinstance(value, int):
        return f"int:{value}"
    if isinstance(value, float):
        return f"float:{value!r}"
    return f"str:{value}"


def decode_watermark(text: str | None) -> Any:
    if text is None:
        return None
    kind, _, value = text.partition(":")
    if kind == "datetime":
        return datetime.fromisoformat(value)
    if kind == "date":
        return date.fromisoformat(value)
    if kind == "int":
        return int(value)
    if kind == "float":
        return float(value)
    if kind == "str":
        return value
    raise ValueError(f"not an encoded watermark: {text!r}")
