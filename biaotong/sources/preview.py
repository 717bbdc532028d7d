"""Reading a source end to end: `read_mapped` for syncs (batch by batch, rows numbered, watermark
tracked) and `test_source` for `biaotong source test NAME` (the first rows, mapped, with rejects)."""

from __future__ import annotations

import queue
import threading
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from biaotong.sources.connectors import open_connector
from biaotong.sources.mapping import REJECT_SCHEMA, map_batch, mapped_schema
from biaotong.sources.watermark import batch_watermark, later

if TYPE_CHECKING:
    from biaotong.sources.orgs import OrgResolver
    from biaotong.sources.spec import SourceSpec


@dataclass(frozen=True)
class MappedBatch:
    mapped: pa.Table  # element columns + _row
    rejects: pa.Table  # REJECT_SCHEMA
    raw_rows: int  # rows read from the source in this batch
    watermark: Any  # greatest sync.updated_at value so far (None in full mode or without the column)


def read_mapped(
    spec: SourceSpec, catalog: Any, org_resolver: OrgResolver | None, *, watermark: Any = None,
    limit: int | None = None, org_threshold: float | None = None, read_ahead: int = 0, workers: int = 1,
) -> Iterator[MappedBatch]:
    """Connect, stream the raw batches and map each one. Row numbers continue across batches. With
    `read_ahead`, a thread reads that many batches ahead while this one maps (drivers and Arrow release the
    GIL, so reading and mapping overlap)."""
    connector = open_connector(spec.connection.kind)
    first_row = 1
    mark = watermark
    raw = connector.batches(spec, watermark=watermark, limit=limit)
    batches = read_ahead_of(raw, read_ahead) if read_ahead else raw
    if workers <= 1:
        for batch in batches:
            mapped, rejects = map_batch(spec, catalog, org_resolver, batch, first_row, org_threshold=org_threshold)
            first_row += batch.num_rows
            mark = later(mark, batch_watermark(spec.sync.updated_at, batch))
            yield MappedBatch(mapped, rejects, batch.num_rows, mark)
        return
    # Several batches map at once (Arrow compute releases the GIL); results come back in source order.
    with ThreadPoolExecutor(workers, thread_name_prefix="biaotong-map") as pool:
        pending: deque[tuple[Future[tuple[pa.Table, pa.Table]], int, Any]] = deque()
        for batch in batches:
            job = pool.submit(map_batch, spec, catalog, org_resolver, batch, first_row, org_threshold=org_threshold)
            first_row += batch.num_rows
            mark = later(mark, batch_watermark(spec.sync.updated_at, batch))
            pending.append((job, batch.num_rows, mark))
            if len(pending) > workers:
                job, n, m = pending.popleft()
                yield MappedBatch(*job.result(), n, m)
        while pending:
            job, n, m = pending.popleft()
            yield MappedBatch(*job.result(), n, m)


_DONE = object()


def read_ahead_of(items: Iterator[Any], depth: int) -> Iterator[Any]:
    """Iterate `items` in a background thread, keeping up to `depth` ready; errors surface here."""
    box: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def pump() -> None:
        try:
            for item in items:
                if stop.is_set():
                    return
                box.put(item)
            box.put(_DONE)
        except BaseException as exc:  # handed to the consumer, raised in its thread
            box.put(exc)

    worker = threading.Thread(target=pump, name="biaotong-read-ahead", daemon=True)
    worker.start()
    try:
        while (item := box.get()) is not _DONE:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while worker.is_alive():  # unblock a producer waiting on a full queue
            try:
                box.get_nowait()
            except queue.Empty:
                worker.join(0.05)


@dataclass(frozen=True)
class SourcePreview:
    raw: pa.Table  # the raw rows as read
    mapped: pa.Table
    rejects: pa.Table
    resolution: dict[str, dict[str, int]] = field(default_factory=dict)  # org names: {column: {outcome: rows}}
    scanned: int = 0  # rows the resolution counts and reject_counts cover
    reject_counts: dict[str, int] = field(default_factory=dict)  # by kind (row, cell, flag, skipped, …)

    @property
    def ok(self) -> bool:
        return self.rejects.num_rows == 0


def test_source(
    spec: SourceSpec, catalog: Any, org_tree: OrgResolver | None, limit: int = 20, *, scan: int = 0
) -> SourcePreview:
    """Connect, read the first `limit` rows, map them. Raises SourceError if the source cannot be read.
    With `scan` > `limit`, the first `scan` rows are mapped too, for the org-name resolution counts by
    outcome and the reject counts by kind (duplicates are only found by a sync)."""
    connector = open_connector(spec.connection.kind)
    raws: list[pa.RecordBatch] = []
    maps: list[pa.Table] = []
    rejects: list[pa.Table] = []
    first_row = 1
    stats: dict[str, dict[str, int]] = {}
    for batch in connector.batches(spec, limit=limit):
        raws.append(batch)
        mapped, rej = map_batch(spec, catalog, org_tree, batch, first_row, stats=stats)
        first_row += batch.num_rows
        maps.append(mapped)
        rejects.append(rej)
    raw = pa.Table.from_batches(raws) if raws else pa.table({c: pa.array([], pa.string()) for c in spec.source_columns()})
    return SourcePreview(
        raw=raw,
        mapped=pa.concat_tables(maps) if maps else mapped_schema(spec, catalog).empty_table(),
        rejects=pa.concat_tables(rejects) if rejects else REJECT_SCHEMA.empty_table(),
        resolution=stats, scanned=first_row - 1,
        reject_counts=_kinds(rejects),
    ) if scan <= limit else _scanned(spec, catalog, org_tree, limit, scan, raw, maps, rejects)


def _kinds(rejects: list[pa.Table]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for t in rejects:
        for kind in t.column("kind").to_pylist():
            counts[kind] = counts.get(kind, 0) + 1
    return counts


def _scanned(spec: SourceSpec, catalog: Any, org_tree: OrgResolver | None, limit: int, scan: int, raw: pa.Table,
             maps: list[pa.Table], rejects: list[pa.Table]) -> SourcePreview:
    stats: dict[str, dict[str, int]] = {}
    counted: list[pa.Table] = []
    first_row = 1
    for batch in open_connector(spec.connection.kind).batches(spec, limit=scan):
        _mapped, rej = map_batch(spec, catalog, org_tree, batch, first_row, stats=stats)
        first_row += batch.num_rows
        counted.append(rej.select(["kind"]))
    return SourcePreview(
        raw=raw, mapped=pa.concat_tables(maps) if maps else mapped_schema(spec, catalog).empty_table(),
        rejects=pa.concat_tables(rejects) if rejects else REJECT_SCHEMA.empty_table(),
        resolution=stats, scanned=first_row - 1, reject_counts=_kinds(counted),
    )


test_source.__test__ = False  # type: ignore[attr-defined]  # not a pytest test
