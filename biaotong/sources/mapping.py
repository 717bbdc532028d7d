"""Mapping raw source columns to the standard's data elements, a whole batch at a time.

`map_batch` returns the mapped rows (one typed column per element plus `_row`, the 1-based source row)
and the rejects (row, column, element, value, reason, reason_en, kind). A value that cannot be used
becomes NULL and a 'cell' reject; a row without a usable key or org unit is dropped as a 'row' reject.
Nothing is dropped silently. Every step is an Arrow compute kernel or runs once per distinct value.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from biaotong.errors import SourceError
from biaotong.lake.types import ARROW_TYPES, REJECT_SCHEMA
from biaotong.sources.connectors.base import ROW_COLUMN, SKIP_COLUMN, source_where
from biaotong.sources.derive import SelectError, derive, select_error
from biaotong.sources.orgs import OrgResolver, org_codes, org_names
from biaotong.sources.reasons import Reason, reason_for
from biaotong.sources.transforms import (
    Parsed,
    as_text,
    clean_text,
    to_bool,
    to_code,
    to_date,
    to_decimal,
    to_int,
    to_string,
)
from biaotong.sources.validate import to_citizen_id, to_uscc

if TYPE_CHECKING:
    from biaotong.catalog.model import DataElement
    from biaotong.sources.spec import ColumnMap, SourceSpec

# The lake's storage types are the contract between mapping and snapshots.


def mapped_schema(spec: SourceSpec, catalog: Any) -> pa.Schema:
    """The schema `map_batch` produces for this spec (also that of an empty result)."""
    fields = [pa.field(m.element, ARROW_TYPES[catalog.element(spec.entity, m.element).value_type])
              for m in spec.columns.values()]
    return pa.schema([*fields, pa.field(ROW_COLUMN, pa.int64())])


def convert(raw: pa.Array, el: DataElement, cmap: ColumnMap, catalog: Any) -> Parsed:
    """One raw column to the element's type."""
    if el.validator == "citizen_id":
        return to_citizen_id(raw)
    if el.validator == "uscc":
        return to_uscc(raw)
    kind = el.value_type
    if kind == "integer":
        return to_int(raw)
    if kind == "decimal":
        return to_decimal(raw)
    if kind == "boolean":
        return to_bool(raw, cmap.codes)
    if kind == "date":
        return to_date(raw, cmap.date_format)
    if kind == "code":
        codes = catalog.code_list(el.code_list) if el.code_list else None
        width = _code_width(codes)
        return to_code(raw, cmap.codes, codes.lookup if codes else None, width)
    return to_string(raw)


def _code_width(codes: Any) -> int | None:
    widths = {len(c.code) for c in codes.codes} if codes is not None else set()
    if len(widths) == 1 and all(c.code.isdigit() for c in codes.codes):
        return widths.pop()
    return None


def _as_table(batch: pa.RecordBatch | pa.Table) -> pa.Table:
    table = pa.Table.from_batches([batch]) if isinstance(batch, pa.RecordBatch) else batch
    return table.combine_chunks()


def _column(table: pa.Table, name: str) -> pa.Array:
    col = table.column(name)
    return col.chunk(0) if col.num_chunks == 1 else col.combine_chunks()


def _row_numbers(table: pa.Table, first_row: int) -> pa.Array:
    if ROW_COLUMN in table.column_names:
        return _column(table, ROW_COLUMN).cast(pa.int64())
    return pa.array(np.arange(first_row, first_row + table.num_rows, dtype=np.int64))


def _rejects(rows: pa.Array, column: str, element: str, raw: pa.Array, mask: pa.Array, reason: Reason,
             kind: str) -> pa.Table | None:
    if not pc.any(mask).as_py():
        return None
    picked_rows = rows.filter(mask)
    n = len(picked_rows)
    zh = reason.zh.filter(mask) if isinstance(reason.zh, pa.Array) else pa.array([reason.zh] * n, pa.string())
    en = reason.en.filter(mask) if isinstance(reason.en, pa.Array) else pa.array([reason.en] * n, pa.string())
    return pa.Table.from_arrays(
        [picked_rows, pa.array([column] * n, pa.string()), pa.array([element] * n, pa.string()),
         as_text(raw.filter(mask)), zh, en, pa.array([kind] * n, pa.string())],
        schema=REJECT_SCHEMA,
    )


def map_batch(
    spec: SourceSpec,
    catalog: Any,
    org_resolver: OrgResolver | None,
    batch: pa.RecordBatch | pa.Table,
    first_row: int = 1,
    *,
    org_threshold: float | None = None,
    stats: dict[str, dict[str, int]] | None = None,
) -> tuple[pa.Table, pa.Table]:
    """Map one raw batch. `first_row` numbers the rows when the batch has no `_row` column (databases):
    the caller passes 1 for the first batch and adds each batch's row count. `org_threshold` is the lowest
    similarity (0-100) for resolving org units by name (the workspace's org_fuzzy_threshold). `stats`, if
    given, gathers per column how org names resolved ({column: {outcome: rows}})."""
    table = _as_table(batch)
    if spec.select:  # derived columns before mapping, for every connector alike
        try:
            table = derive(table, spec.select)
        except SelectError as exc:
            name = exc.name or next(iter(spec.select))
            raise select_error(spec.name, name, exc, source_where(spec, key=f"select.{name}")) from None
    for col in spec.mapped_columns():
        if col not in table.column_names:
            raise SourceError(
                f"数据源 {spec.name} 的数据中没有列 {col}", f"source {spec.name}: the data has no column {col}",
                source_where(spec, column=col, key=spec.key_path_of_column(col)),
            )
    if org_resolver is None and any(m.org_by_name for m in spec.columns.values()):
        col = next(c for c, m in spec.columns.items() if m.org_by_name)
        raise SourceError(
            "按名称匹配行政区划需要先导入行政区划树", "org_by_name needs the org tree; import it first",
            source_where(spec, column=col, key=f"columns.{col}.org_by_name"),
        )
    entity = catalog.entity(spec.entity)
    key = spec.key or entity.key
    rows = _row_numbers(table, first_row)
    drop = np.zeros(table.num_rows, dtype=bool)
    one_to_many = _one_to_many(spec)
    pieces: list[pa.Table] = []
    arrays: list[pa.Array] = []
    if SKIP_COLUMN in table.column_names:  # 小计/合计 rows a connector recognised: reported, never loaded
        reason = _column(table, SKIP_COLUMN)
        skip = pc.is_valid(reason)
        if pc.any(skip).as_py():
            first = spec.read_column(next(iter(spec.columns)))
            piece = _rejects(rows, first, key, reason, skip,
                             Reason(pc.binary_join_element_wise("小计/合计行，已跳过：", reason, ""),
                                    pc.binary_join_element_wise("subtotal row skipped: ", reason, "")), "skipped")
            if piece is not None:
                pieces.append(piece)
            keep = pc.invert(skip)
            table, rows = table.filter(keep), rows.filter(keep)
            drop = np.zeros(table.num_rows, dtype=bool)
    for col, cmap in spec.columns.items():
        el = catalog.element(spec.entity, cmap.element)
        raw = _column(table, spec.read_column(col))
        if el.code == entity.org and cmap.org_by_name:
            parents = clean_text(_column(table, cmap.parent_column)) if cmap.parent_column else None
            level = None if cmap.level == "any" else cmap.level
            parsed = org_names(raw, parents, org_resolver, org_threshold, level=level, address=cmap.address)
        elif el.code == entity.org:
            parsed = org_codes(raw, org_resolver)
        else:
            parsed = convert(raw, el, cmap, catalog)
            if cmap.codes and col in one_to_many:
                # The codes name the values that set this element; the column's other values are meant
                # for the other element(s) reading it (特困供养 has no 城乡), so they leave it blank quietly.
                parsed = Parsed(parsed.values, pa.array(np.zeros(len(raw), dtype=bool)))
        if stats is not None and parsed.outcome is not None:
            counts = stats.setdefault(col, {})
            for item in pc.value_counts(parsed.outcome).to_pylist():
                counts[item["values"]] = counts.get(item["values"], 0) + int(item["counts"])
        whole_row = el.code in (key, entity.org)
        policy = cmap.on_invalid or ("reject_row" if whole_row else "blank")
        kind = {"reject_row": "row", "blank": "cell", "flag": "flag"}[policy]
        piece = _rejects(rows, col, el.code, raw, parsed.bad, _reason(el, cmap, parsed, catalog, policy), kind)
        if piece is not None:
            pieces.append(piece)
        if policy == "flag":  # kept as written (cleaned), and listed: a credit code with a wrong check digit
            parsed = Parsed(pc.if_else(pc.fill_null(parsed.bad, False), clean_text(raw), parsed.values), parsed.bad)
        elif policy == "reject_row" and not whole_row:
            drop |= pc.fill_null(parsed.bad, False).to_numpy(zero_copy_only=False)
        if whole_row:
            empty = pc.and_(pc.is_null(parsed.values), pc.invert(parsed.bad))
            piece = _rejects(rows, col, el.code, raw, empty, Reason.empty(el, key), "row")
            if piece is not None:
                pieces.append(piece)
            drop |= pc.is_null(parsed.values).to_numpy(zero_copy_only=False)
        arrays.append(parsed.values.cast(ARROW_TYPES[el.value_type]))
    schema = mapped_schema(spec, catalog)
    mapped = pa.Table.from_arrays([*arrays, rows], schema=schema)
    if drop.any():
        mapped = mapped.filter(pa.array(~drop))
    rejects = pa.concat_tables(pieces) if pieces else REJECT_SCHEMA.empty_table()
    if rejects.num_rows:
        rejects = rejects.sort_by([("row", "ascending"), ("kind", "descending")])
    return mapped, rejects


def _one_to_many(spec: SourceSpec) -> set[str]:
    """The columns: entries that read, by `column:`, a raw column another entry reads too (城乡 reading
    救助类型 for 户口性质 while 救助类型 sets 救助类别). The entry named after the raw column keeps rejecting
    values it cannot use."""
    readers: dict[str, list[str]] = {}
    for col in spec.columns:
        readers.setdefault(spec.read_column(col), []).append(col)
    return {col for raw, cols in readers.items() if len(cols) > 1 for col in cols if col != raw}


def _reason(el: DataElement, cmap: ColumnMap, parsed: Parsed, catalog: Any, policy: str) -> Reason:
    reason = reason_for(el, cmap, parsed, catalog)
    if policy != "flag":
        return reason
    tag_zh, tag_en = "（按 on_invalid: flag 保留原值）", " (kept as written: on_invalid: flag)"
    zh = pc.binary_join_element_wise(reason.zh, tag_zh, "") if isinstance(reason.zh, pa.Array) else reason.zh + tag_zh
    en = pc.binary_join_element_wise(reason.en, tag_en, "") if isinstance(reason.en, pa.Array) else reason.en + tag_en
    return Reason(zh, en)


__all__ = ["ARROW_TYPES", "REJECT_SCHEMA", "convert", "map_batch", "mapped_schema"]
