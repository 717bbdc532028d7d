"""The snapshot writer on real Parquet files: de-duplication, rejects, hashing, incremental merge, abort."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from biaotong.lake.types import REJECT_SCHEMA
from biaotong.lake.writer import SnapshotWriter

SCHEMA = pa.schema([("id_number", pa.string()), ("sex", pa.string()), ("_row", pa.int64())])


def batch(rows: list[tuple[str, str | None, int]]) -> pa.Table:
    ids, sexes, nums = zip(*rows, strict=True)
    return pa.table({"id_number": list(ids), "sex": list(sexes), "_row": list(nums)}, schema=SCHEMA)


def no_rejects() -> pa.Table:
    return REJECT_SCHEMA.empty_table()


def test_duplicates_are_rejected_with_the_row_kept(tmp_path: Path) -> None:
    w = SnapshotWriter(tmp_path, "gaj", SCHEMA, "id_number")
    w.write(batch([("A", "1", 1), ("B", "2", 2), ("A", "1", 3)]), no_rejects())
    w.write(batch([("B", "1", 4), ("C", None, 5)]), no_rejects())
    snap = w.finalize(previous=None, mode="full", watermark=None)
    data = pq.read_table(snap.data_file(tmp_path)).to_pylist()
    assert data == [
        {"id_number": "A", "sex": "1"},
        {"id_number": "B", "sex": "1"},  # the last occurrence of a key wins
        {"id_number": "C", "sex": None},
    ]
    rejects = pq.read_table(snap.rejects_file(tmp_path)).to_pylist()
    assert [(r["row"], r["kind"], r["reason_en"]) for r in rejects] == [
        (1, "duplicate", "duplicate row, identical to row 3"),
        (2, "duplicate", "duplicate key, row 4 kept"),
    ]
    assert snap.row_count == 3 and snap.reject_count == 2
    assert snap.reject_summary["by_kind"] == {"duplicate": 2}
    assert snap.sha256 == hashlib.sha256(snap.data_file(tmp_path).read_bytes()).hexdigest()
    assert [p.name for p in (tmp_path / "gaj").iterdir()] == [snap.path.split("/")[1]]  # no staging left


def test_mapping_rejects_are_kept_and_incremental_merges_the_previous(tmp_path: Path) -> None:
    w = SnapshotWriter(tmp_path, "gaj", SCHEMA, "id_number")
    w.write(batch([("A", "1", 1), ("B", "2", 2)]), no_rejects())
    first = w.finalize(previous=None, mode="full", watermark="2025-01-01")
    w2 = SnapshotWriter(tmp_path, "gaj", SCHEMA, "id_number")
    bad = pa.table(
        {"row": [7], "column": ["XB"], "element": ["sex"], "value": ["X"], "reason": ["代码不在代码集中"],
         "reason_en": ["not in the code list"], "kind": ["cell"]},
        schema=REJECT_SCHEMA,
    )
    w2.write(batch([("B", "1", 1), ("D", None, 2)]), bad)
    second = w2.finalize(previous=first, mode="incremental", watermark="2025-02-01")
    rows = pq.read_table(second.data_file(tmp_path)).to_pylist()
    assert rows == [{"id_number": "A", "sex": "1"}, {"id_number": "B", "sex": "1"}, {"id_number": "D", "sex": None}]
    assert pq.read_table(second.rejects_file(tmp_path)).column("reason_en").to_pylist() == ["not in the code list"]
    # The first snapshot is untouched: snapshots are immutable.
    assert pq.read_table(first.data_file(tmp_path)).num_rows == 2
    assert second.sha256 != first.sha256


def test_abort_leaves_nothing(tmp_path: Path) -> None:
    w = SnapshotWriter(tmp_path, "gaj", SCHEMA, "id_number")
    w.write(batch([("A", "1", 1)]), no_rejects())
    w.abort()
    assert list((tmp_path / "gaj").iterdir()) == []


def test_empty_source_gives_an_empty_typed_snapshot(tmp_path: Path) -> None:
    w = SnapshotWriter(tmp_path, "gaj", SCHEMA, "id_number")
    snap = w.finalize(previous=None, mode="full", watermark=None)
    table = pq.read_table(snap.data_file(tmp_path))
    assert table.num_rows == 0 and table.schema.field("sex").type == pa.string()
