"""JSON documents: a list of records, found at `records` (a dotted path such as data.items) inside the
document. Shared with the HTTP connector."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from biaotong import limits
from biaotong.errors import SourceError
from biaotong.sources.connectors.base import (
    BATCH_ROWS,
    ROW_COLUMN,
    Connector,
    check_columns,
    filter_watermark,
    source_where,
    take_limit,
)
from biaotong.sources.connectors.csvfile import source_file

if TYPE_CHECKING:
    from biaotong.sources.spec import SourceSpec


def find_records(spec: SourceSpec, document: Any, where_from: str) -> list[Any]:
    """Follow the `records` path (dots; numbers index lists) to the list of records."""
    path = spec.connection.records
    node = document
    for part in path.split(".") if path else []:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            raise SourceError(
                f"{where_from} 中找不到 records 路径 {path}（缺少 {part}）",
                f"{where_from}: records path {path} not found (no {part})",
                source_where(spec, key="connection.records"),
            )
    if not isinstance(node, list) or not all(isinstance(r, dict) for r in node):
        raise SourceError(
            f"{where_from} 的 records 路径 {path or '(文档本身)'} 不是记录列表",
            f"{where_from}: records path {path or '(the document)'} is not a list of records",
            source_where(spec, key="connection.records"),
        )
    return node


def _column(values: list[Any]) -> pa.Array:
    try:
        arr = pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
        arr = None
    if arr is not None and not (pa.types.is_nested(arr.type) or pa.types.is_null(arr.type)):
        return arr
    return pa.array(
        [v if v is None or isinstance(v, str) else json.dumps(v, ensure_ascii=False) for v in values], pa.string()
    )


def records_to_batches(
    spec: SourceSpec, records: Sequence[dict[str, Any]], first_row: int, watermark: Any
) -> Iterator[pa.RecordBatch]:
    wanted = spec.source_columns()
    for start in range(0, len(records), BATCH_ROWS):
        chunk = records[start: start + BATCH_ROWS]
        arrays = [_column([r.get(c) for r in chunk]) for c in wanted]
        rows = pa.array(range(first_row + start, first_row + start + len(chunk)), pa.int64())
        batch = pa.RecordBatch.from_arrays([*arrays, rows], names=[*wanted, ROW_COLUMN])
        if watermark is not None and spec.sync.updated_at:
            batch = filter_watermark(batch, spec.sync.updated_at, watermark)
        yield batch


def record_keys(records: Sequence[dict[str, Any]]) -> list[str]:
    keys: dict[str, None] = {}
    for r in records:
        keys.update(dict.fromkeys(r))
    return list(keys)


class JSONFileConnector(Connector):
    kind = "json"
    uses_path = True

    def batches(
        self, spec: SourceSpec, *, watermark: Any = None, limit: int | None = None
    ) -> Iterator[pa.RecordBatch]:
        path = source_file(spec)
        if path.stat().st_size > limits.get("json_max_mb") * (1 << 20):
            raise limits.refuse(SourceError, path.name, "JSON 文件过大", "the JSON file is too large", "json_max_mb")
        raw = path.read_bytes()
        limits.check_json(raw, path.name, SourceError)  # size and nesting, before the recursive parser
        try:
            document = json.loads(raw.decode("utf-8-sig"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise SourceError(
                f"文件 {path.name} 不是有效的 JSON：{exc}", f"file {path.name} is not valid JSON: {exc}",
                source_where(spec, key="connection.path", row=getattr(exc, "lineno", None)),
            ) from None
        records = find_records(spec, document, path.name)
        if limit is not None:
            records = records[:limit]
        if records:
            check_columns(spec, record_keys(records), path.name)
        yield from take_limit(records_to_batches(spec, records, 1, watermark), limit)
