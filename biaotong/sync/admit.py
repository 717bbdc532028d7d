"""Before a source is accepted (`source add`): its spec is checked against its data, so a spec that would
break every report of its entity (a wrong `key:`, a column that is not there) is refused, not stored.

The first rows (SAMPLE_ROWS) are read and mapped as a sync would. Refused: a mapped column missing from the
data, a key that most rows lack or that repeats (a merge on it would multiply people), an entity key that is
not unique when the source keys on another element, or a sample whose rows are all rejected.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc

from biaotong.errors import SourceError, where

if TYPE_CHECKING:
    from biaotong.sources.spec import SourceSpec
    from biaotong.workspace import Workspace

SAMPLE_ROWS = 5000
MIN_KEY_PRESENT = 0.5  # share of sampled rows that must carry a valid key
MIN_KEY_UNIQUE = 0.95  # distinct keys / keyed rows; exports repeat a few corrected rows, never most


def _refuse(spec: SourceSpec, key: str, zh: str, en: str, **details: Any) -> SourceError:
    file = str(spec.file) if spec.file else None
    return SourceError(
        f"数据源 {spec.name} 未登记：{zh}", f"source {spec.name} not registered: {en}",
        where(file=file, key=key), details=details,
    )


def check_against_data(ws: Workspace, spec: SourceSpec, *, sample: int = SAMPLE_ROWS) -> dict[str, Any]:
    """Read the first `sample` rows and check the spec against them; returns what was checked (for the
    ledger) or raises SourceError naming the file and the spec key at fault."""
    from biaotong.sources.preview import test_source

    preview = test_source(spec, ws.catalog, ws.org_tree(), limit=sample)
    raw_cols = set(preview.raw.column_names)
    if preview.raw.num_rows:
        missing = [c for c in spec.source_columns() if c not in raw_cols]
        if missing:
            raise _refuse(spec, f"columns.{missing[0]}", f"数据中没有列 {'、'.join(missing)}（已有：{'、'.join(sorted(raw_cols)[:20])}）",
                          f"the data has no column {', '.join(missing)} (it has: {', '.join(sorted(raw_cols)[:20])})",
                          missing=missing)
    entity = ws.catalog.entity(spec.entity)
    key = spec.key or entity.key
    n = preview.raw.num_rows
    facts: dict[str, Any] = {"rows_sampled": n, "key": key}
    if n == 0:
        facts["empty"] = True
        return facts
    mapped = preview.mapped
    if mapped.num_rows == 0:
        reasons = _top_reasons(preview.rejects)
        raise _refuse(spec, "columns", f"抽样的 {n} 行全部被拒收（{reasons}）", f"all {n} sampled rows are rejected ({reasons})")
    for k in dict.fromkeys([key, entity.key]):
        if k not in mapped.column_names:
            continue
        col = mapped.column(k)
        keyed = len(col) - col.null_count
        present = keyed / n
        distinct = len(pc.unique(pc.drop_null(col))) if keyed else 0
        unique = distinct / keyed if keyed else 0.0
        facts[f"{k}_present"], facts[f"{k}_unique"] = round(present, 4), round(unique, 4)
        where_key = "key" if spec.key == k else f"columns.{spec.column_of_element(k) or k}"
        if present < MIN_KEY_PRESENT:
            raise _refuse(
                spec, where_key, f"只有 {present:.0%} 的抽样行带有有效的键 {k}（至少 {MIN_KEY_PRESENT:.0%}）",
                f"only {present:.0%} of sampled rows carry a valid key {k} (at least {MIN_KEY_PRESENT:.0%})",
            )
        # Duplicates within the mapped batch are still there before the snapshot's de-duplication.
        if unique < MIN_KEY_UNIQUE and keyed > 1:
            raise _refuse(
                spec, where_key,
                f"键 {k} 不够唯一：{keyed} 行只有 {distinct} 个不同的值（一表按 {entity.key} 合并，会把一人算成多人）",
                f"key {k} is not unique enough: {distinct} distinct values in {keyed} rows "
                f"(the one table merges on {entity.key}; people would be merged or multiplied)",
            )
    return facts


def _top_reasons(rejects: pa.Table) -> str:
    if rejects.num_rows == 0:
        return "—"
    reasons = rejects.column("reason").to_pylist()
    counts: dict[str, int] = {}
    for r in reasons:
        counts[r] = counts.get(r, 0) + 1
    return "；".join(f"{r} ×{c}" for r, c in sorted(counts.items(), key=lambda kv: -kv[1])[:3])
