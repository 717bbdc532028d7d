"""Writing one snapshot: stage every batch in a hidden folder, de-duplicate, hash, then rename into place.

A snapshot exists only once its row is committed in the metadata store; until then its folder is invisible
(a staging folder starts with '.', and a renamed folder without a row is an orphan that `gc` removes). So a
sync killed at any moment leaves the previous snapshot current and nothing half-written visible.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from biaotong.engines.duckdb import connect, ident, literal
from biaotong.lake.snapshots import Snapshot
from biaotong.lake.types import REJECT_SCHEMA

_CHUNK = 1 << 20


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_file(path: Path) -> None:
    with path.open("rb") as fh:
        os.fsync(fh.fileno())


@dataclass
class SnapshotWriter:
    """Collects mapped batches of one sync and turns them into an immutable snapshot folder."""

    lake_dir: Path
    source: str
    schema: pa.Schema  # element columns plus _row
    key: str
    keep: str = "last"  # duplicate keys: last | first | latest (by `latest_by`, an element) | reject (none kept)
    latest_by: str | None = None

    def __post_init__(self) -> None:
        self.staging = self.lake_dir / self.source / f".staging-{uuid.uuid4().hex}"
        self.staging.mkdir(parents=True)
        self._raw = pq.ParquetWriter(self.staging / "raw.parquet", self.schema, compression="zstd")
        self._rejects = pq.ParquetWriter(self.staging / "rejects-raw.parquet", REJECT_SCHEMA)
        self.closed = False

    def write(self, mapped: pa.Table, rejects: pa.Table) -> None:
        if mapped.num_rows:
            self._raw.write_table(mapped.select(self.schema.names).cast(self.schema))
        if rejects.num_rows:
            self._rejects.write_table(rejects.select(REJECT_SCHEMA.names).cast(REJECT_SCHEMA))

    def finalize(self, *, previous: Snapshot | None, mode: str, watermark: str | None) -> Snapshot:
        """De-duplicate on the key (merging with the previous snapshot for incremental syncs), write the
        snapshot's data and rejects, hash them, and move the folder into place. The caller commits the row."""
        self._raw.close()
        self._rejects.close()
        self.closed = True
        con = connect()
        try:
            raw = literal(str(self.staging / "raw.parquet"))
            key = ident(self.key)
            cols = [n for n in self.schema.names if n != "_row"]
            col_list = ", ".join(ident(c) for c in cols)
            # Most keys occur once: rank and hash only the rows whose key repeats.
            con.execute(f"CREATE TEMP VIEW raw AS SELECT * FROM read_parquet({raw})")
            con.execute(f"CREATE TEMP TABLE dupkeys AS SELECT {key} FROM raw GROUP BY {key} HAVING count(*) > 1")
            con.execute(
                f"""CREATE TEMP TABLE ranked AS SELECT *,
                    row_number() OVER (PARTITION BY {key} ORDER BY {self._rank_order()}) AS _rank,
                    hash({col_list}) AS _h
                FROM raw WHERE {key} IN (SELECT {key} FROM dupkeys)"""
            )
            # Last occurrence of a key wins by default (exports append corrections), or the source's declared
            # policy; every other copy is a reject naming the kept row. keep: reject keeps none of them.
            rejected_all = self.keep == "reject"
            con.execute(
                f"""CREATE TEMP VIEW dups AS
                SELECT r._row AS "row", NULL::VARCHAR AS "column", {literal(self.key)} AS element,
                    CAST(r.{key} AS VARCHAR) AS value,
                    CASE WHEN r._h = k._h THEN '重复行，与第 ' || k._row || ' 行完全相同'
                         ELSE '主键重复，保留第 ' || k._row || ' 行' END AS reason,
                    CASE WHEN r._h = k._h THEN 'duplicate row, identical to row ' || k._row
                         ELSE 'duplicate key, row ' || k._row || ' kept' END AS reason_en,
                    'duplicate' AS kind
                FROM ranked r JOIN ranked k ON k.{key} = r.{key} AND k._rank = 1 WHERE r._rank > 1"""
                if not rejected_all else
                f"""CREATE TEMP VIEW dups AS
                SELECT r._row AS "row", NULL::VARCHAR AS "column", {literal(self.key)} AS element,
                    CAST(r.{key} AS VARCHAR) AS value,
                    '主键重复，按重复键策略（reject）全部拒收，共 ' || count(*) OVER (PARTITION BY r.{key}) || ' 行' AS reason,
                    'duplicate key, all ' || count(*) OVER (PARTITION BY r.{key}) || ' rows rejected (duplicates: reject)'
                        AS reason_en,
                    'duplicate' AS kind
                FROM ranked r"""
            )
            current = f"SELECT {col_list} FROM raw WHERE {key} NOT IN (SELECT {key} FROM dupkeys)"
            if not rejected_all:
                current += f" UNION ALL SELECT {col_list} FROM ranked WHERE _rank = 1"
            if mode == "incremental" and previous is not None:
                prev = literal(str(previous.data_file(self.lake_dir)))
                current = (
                    f"SELECT {col_list} FROM ({current}) UNION ALL BY NAME "
                    f"SELECT * FROM read_parquet({prev}) p WHERE p.{key} NOT IN (SELECT {key} FROM raw)"
                )
            data = self.staging / "data.parquet"
            # Sorted by key, so an unchanged source gives the same bytes (and hash) at every sync.
            row_count = con.execute(
                f"COPY (SELECT * FROM ({current}) ORDER BY {key}) TO {literal(str(data))} (FORMAT parquet)"
            ).fetchone()[0]
            rejects = self.staging / "rejects.parquet"
            rej_raw = literal(str(self.staging / "rejects-raw.parquet"))
            con.execute(
                f"COPY (SELECT * FROM read_parquet({rej_raw}) UNION ALL SELECT * FROM dups ORDER BY 1, 2) "
                f"TO {literal(str(rejects))} (FORMAT parquet)"
            )
            summary_rows = con.execute(
                "SELECT kind, regexp_replace(reason, '[0-9]+', 'N', 'g'), regexp_replace(reason_en, '[0-9]+', 'N', 'g'), count(*) "
                f"FROM read_parquet({literal(str(rejects))}) "
                "GROUP BY ALL ORDER BY 4 DESC"
            ).fetchall()
        finally:
            con.close()
        (self.staging / "raw.parquet").unlink()
        (self.staging / "rejects-raw.parquet").unlink()
        for f in (data, rejects):
            _fsync_file(f)
        sha = file_sha256(data)
        taken = datetime.now(UTC)
        snap_id = f"{self.source}@{taken:%Y%m%dT%H%M%S%fZ}-{sha[:8]}"
        rel = f"{self.source}/{taken:%Y%m%dT%H%M%S%fZ}-{sha[:8]}"
        final = self.lake_dir / rel
        os.replace(self.staging, final)
        _fsync_dir(final.parent)
        columns = [
            {"name": f.name, "type": str(f.type)} for f in pq.read_schema(final / "data.parquet")
        ]
        return Snapshot(
            id=snap_id, source=self.source, taken_at=taken, mode=mode, row_count=int(row_count),
            reject_count=sum(int(n) for *_, n in summary_rows), sha256=sha, columns=columns, path=rel,
            watermark=watermark, reject_summary=_summary(summary_rows),
        )

    def _rank_order(self) -> str:
        if self.keep == "first":
            return "_row ASC"
        if self.keep == "latest" and self.latest_by:
            return f"{ident(self.latest_by)} DESC NULLS LAST, _row DESC"
        return "_row DESC"

    def abort(self) -> None:
        if not self.closed:
            self._raw.close()
            self._rejects.close()
            self.closed = True
        shutil.rmtree(self.staging, ignore_errors=True)


def _summary(rows: list[tuple[Any, ...]]) -> dict[str, Any]:
    by_kind: dict[str, int] = {}
    for kind, _zh, _en, n in rows:
        by_kind[kind] = by_kind.get(kind, 0) + int(n)
    return {
        "by_kind": by_kind,
        "top_reasons": [{"kind": k, "reason": zh, "reason_en": en, "count": int(n)} for k, zh, en, n in rows[:10]],
    }


def remove_snapshot_dir(lake_dir: Path, snapshot: Snapshot) -> None:
    shutil.rmtree(lake_dir / snapshot.path, ignore_errors=True)
