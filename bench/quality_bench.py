"""Quality checks on a 1M-row register snapshot, and the event diff of two consecutive 1M-row snapshots,
against hand-written DuckDB queries doing the same work.

    python bench/quality_bench.py [--rows 1000000]

Prints seconds for each, and the ratio biaotong / hand-written (goal: each ≤ 10 s here).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from biaotong.engines.duckdb import connect
from biaotong.events.diff import diff
from biaotong.lake.snapshots import Snapshot
from biaotong.quality.context import CheckContext, SourceView
from biaotong.quality.run import run_checks
from biaotong.workspace import Workspace

WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])


def ids(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    birth = np.datetime64("1930-01-01") + rng.integers(0, 33000, n).astype("timedelta64[D]")
    ymd = np.char.replace(np.datetime_as_string(birth), "-", "")
    body = np.char.add(np.char.add("530927", ymd), np.char.zfill((np.arange(n) % 1000).astype(str), 3))
    d = np.frombuffer("".join(body.tolist()).encode(), dtype=np.uint8).reshape(n, 17) - 48
    check = np.array(list("10X98765432"))[(d * WEIGHTS).sum(axis=1) % 11]
    return np.char.add(body, check), birth  # duplicates (same day and sequence) are dropped by the caller


def make(n: int, folder: Path) -> dict[str, Path]:
    rng = np.random.default_rng(7)
    key, birth = ids(n, rng)
    uniq = np.unique(key, return_index=True)[1]
    key, birth = key[uniq], birth[uniq]
    n = len(key)
    villages = np.array([f"530927{t:03d}{v:03d}" for t in range(1, 14) for v in range(1, 12)])
    org = villages[rng.integers(0, len(villages), n)]
    dead = rng.random(n) < 0.02
    moved = (~dead) & (rng.random(n) < 0.01)
    death = np.where(dead, np.datetime64("2024-01-01") + rng.integers(0, 600, n).astype("timedelta64[D]"),
                     np.datetime64("NaT"))
    dereg = np.where(moved, np.datetime64("2024-06-01"), np.datetime64("NaT"))
    sex = np.where(np.frombuffer("".join(k[16] for k in key).encode(), dtype=np.uint8) % 2 == 1, "1", "2")
    hh = np.char.add("HH", (np.arange(n) // 3).astype(str))
    reg = pa.table({"id_number": key, "name": np.full(n, "张三"), "sex": sex, "birth_date": pa.array(birth),
                    "org_code": org, "household_id": hh, "death_date": pa.array(death, pa.date32()),
                    "deregistered_date": pa.array(dereg, pa.date32())})
    take = rng.random(n) < 0.3
    pen = reg.filter(pa.array(take))
    m = pen.num_rows
    status = np.where(rng.random(m) < 0.6, "2", "1")
    bd = pen.column("birth_date").to_numpy()
    shifted = np.where(rng.random(m) < 0.001, bd + np.timedelta64(1, "D"), bd)
    pension = pa.table({"id_number": pen.column("id_number"), "birth_date": pa.array(shifted),
                        "org_code": pen.column("org_code"), "pension_status": status})
    files = {"register": folder / "reg.parquet", "pension": folder / "pen.parquet", "register2": folder / "reg2.parquet"}
    pq.write_table(reg, files["register"])
    pq.write_table(pension, files["pension"])
    # the next snapshot: 1% newly dead, 0.5% moved village, 0.1% gone, 0.1% born
    d2 = np.where((~dead) & (rng.random(n) < 0.01), np.datetime64("2025-03-01"), death)
    org2 = np.where(rng.random(n) < 0.005, villages[rng.integers(0, len(villages), n)], org)
    keep = rng.random(n) > 0.001
    reg2 = reg.set_column(6, "death_date", pa.array(d2, pa.date32())).set_column(4, "org_code", pa.array(org2))
    reg2 = reg2.filter(pa.array(keep))
    pq.write_table(reg2, files["register2"])
    return files


def snapshot(name: str, path: Path, rows: int, taken: date) -> Snapshot:
    cols = [{"name": f.name, "type": str(f.type)} for f in pq.read_schema(path)]
    from datetime import UTC, datetime

    return Snapshot(name, name, datetime(taken.year, taken.month, taken.day, tzinfo=UTC), "full", rows, 0, "0" * 64,
                    cols, str(path.parent), None, {})


HAND_CHECKS = """
SELECT count(*) FROM (
  SELECT p.id_number FROM pen p JOIN reg r USING (id_number) WHERE r.death_date IS NOT NULL AND p.pension_status = '2'
  UNION ALL SELECT p.id_number FROM pen p JOIN reg r USING (id_number) WHERE r.deregistered_date IS NOT NULL
        AND r.death_date IS NULL AND p.pension_status = '2'
  UNION ALL SELECT x.id_number FROM pen x JOIN reg o USING (id_number) WHERE x.birth_date IS DISTINCT FROM o.birth_date
  UNION ALL SELECT x.id_number FROM pen x JOIN reg o USING (id_number) WHERE x.org_code IS DISTINCT FROM o.org_code
  UNION ALL SELECT id_number FROM reg WHERE birth_date <> try_strptime(substr(id_number, 7, 8), '%Y%m%d')::DATE
  UNION ALL SELECT id_number FROM pen WHERE birth_date <> try_strptime(substr(id_number, 7, 8), '%Y%m%d')::DATE
  UNION ALL SELECT id_number FROM reg WHERE CASE WHEN CAST(substr(id_number, 17, 1) AS INTEGER) % 2 = 1 THEN '1' ELSE '2' END <> sex
  UNION ALL SELECT id_number FROM reg WHERE death_date < birth_date OR deregistered_date < birth_date
  UNION ALL SELECT p.id_number FROM pen p ANTI JOIN reg r USING (id_number)
  UNION ALL SELECT id_number FROM reg WHERE org_code IS NULL OR name IS NULL OR name = ''
)"""

HAND_DIFF = """
SELECT count(*) FROM (
  SELECT b.id_number FROM b ANTI JOIN a USING (id_number)
  UNION ALL SELECT a.id_number FROM a ANTI JOIN b USING (id_number)
  UNION ALL SELECT b.id_number FROM a JOIN b USING (id_number) WHERE a.death_date IS NULL AND b.death_date IS NOT NULL
  UNION ALL SELECT b.id_number FROM a JOIN b USING (id_number) WHERE a.deregistered_date IS NULL AND b.deregistered_date IS NOT NULL
  UNION ALL SELECT b.id_number FROM a JOIN b USING (id_number) WHERE a.org_code <> b.org_code
  UNION ALL SELECT b.id_number FROM b SEMI JOIN a USING (id_number) WHERE b.death_date IS NULL AND
     CAST(b.birth_date + INTERVAL 60 YEAR AS DATE) > DATE '2025-01-01' AND CAST(b.birth_date + INTERVAL 60 YEAR AS DATE) <= DATE '2025-06-30'
)"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        files = make(args.rows, folder)
        n = pq.read_metadata(files["register"]).num_rows
        ws = Workspace.open(folder / "ws")
        con = connect(ws)
        con.execute(f"CREATE VIEW src_reg AS SELECT * FROM read_parquet('{files['register']}')")
        con.execute(f"CREATE VIEW src_pen AS SELECT * FROM read_parquet('{files['pension']}')")
        ctx = CheckContext(ws, con)
        ctx.sources["gaj_population"] = SourceView("gaj_population", "public_security", "resident",
                                                   snapshot("reg", files["register"], n, date(2025, 1, 1)),
                                                   "src_reg", True, None)
        ctx.sources["rs_pension"] = SourceView("rs_pension", "hrss", "resident",
                                               snapshot("pen", files["pension"], 0, date(2025, 1, 1)),
                                               "src_pen", False, None)
        t0 = time.perf_counter()
        report = run_checks(ws, ctx=ctx)
        ours = time.perf_counter() - t0
        hand_con = connect(ws)
        hand_con.execute(f"CREATE VIEW reg AS SELECT * FROM read_parquet('{files['register']}')")
        hand_con.execute(f"CREATE VIEW pen AS SELECT * FROM read_parquet('{files['pension']}')")
        t0 = time.perf_counter()
        hand_con.sql(HAND_CHECKS).fetchall()
        hand = time.perf_counter() - t0
        print(f"checks on {n:,} register rows + pension roster: biaotong {ours:.2f} s "
              f"({report.findings.num_rows:,} findings, {len(report.errors)} errors), hand-written DuckDB {hand:.2f} s, "
              f"ratio {ours / hand:.2f}")
        t0 = time.perf_counter()
        events = diff(con, files["register"], files["register2"], key="id_number", register=True, entity="resident",
                      prev_cols=set(pq.read_schema(files["register"]).names),
                      new_cols=set(pq.read_schema(files["register2"]).names),
                      prev_taken=date(2025, 1, 1), new_taken=date(2025, 6, 30))
        ours_d = time.perf_counter() - t0
        hand_con.execute(f"CREATE VIEW a AS SELECT * FROM read_parquet('{files['register']}')")
        hand_con.execute(f"CREATE VIEW b AS SELECT * FROM read_parquet('{files['register2']}')")
        t0 = time.perf_counter()
        hand_con.sql(HAND_DIFF).fetchall()
        hand_d = time.perf_counter() - t0
        print(f"event diff of two {n:,}-row snapshots: biaotong {ours_d:.2f} s ({events.num_rows:,} events), "
              f"hand-written DuckDB {hand_d:.2f} s, ratio {ours_d / hand_d:.2f}")
        ws.close()


if __name__ == "__main__":
    main()
