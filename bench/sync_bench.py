"""Sync throughput and peak memory: 1 million residents from SQLite, PostgreSQL and a GBK CSV into the lake.

    python bench/sync_bench.py [--rows 1000000] [--pg postgresql://postgres@127.0.0.1:5432/test]

Each sync runs in a fresh child process so its peak RSS is its own. Goal: ≥ 500,000 rows/s from PostgreSQL and
SQLite. Prints rows/s and the ratio against that goal.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

GOAL = 500_000
COLUMNS = {"GMSFHM": "id_number", "XM": "name", "XB": "sex", "CSRQ": "birth_date", "MZ": "ethnicity",
           "XZQH": "org_code", "HH": "household_id", "YHZGX": "relationship", "SWRQ": "death_date"}
ORG = """units:
  - {code: "530000000000", name: 云岭省, level: province}
  - {code: "530900000000", name: 彩云市, level: city, parent: "530000000000"}
  - {code: "530927000000", name: 青山县, level: county, parent: "530900000000"}
  - {code: "530927101000", name: 石桥镇, level: township, parent: "530927000000"}
""" + "".join(
    f'  - {{code: "530927101{v:03d}", name: 村{v}, level: village, parent: "530927101000"}}\n' for v in range(200, 300)
)


def people(n: int) -> pa.Table:
    from biaotong.demo.ids import citizen_ids

    rng = np.random.default_rng(1)
    birth = (np.datetime64("1930-01-01") + rng.integers(0, 30000, n)).astype("datetime64[D]")
    ymd = np.char.replace(np.datetime_as_string(birth), "-", "")
    seq = np.arange(n) % 1000
    ids = citizen_ids(np.full(n, "530927"), ymd.astype(np.int64), seq)
    idx = np.arange(n)
    return pa.table({
        "GMSFHM": ids, "XM": pa.array(np.char.add("张", (idx % 9973).astype(str))),
        "XB": np.where(seq % 2 == 1, "1", "2"), "CSRQ": ymd,
        "MZ": np.where(rng.random(n) < 0.9, "01", "03"),
        "XZQH": np.char.add("530927101", (200 + idx % 100).astype(str)),
        "HH": np.char.add("H", (idx // 3).astype(str)), "YHZGX": np.where(idx % 3 == 0, "02", "10"),
        "SWRQ": pa.nulls(n, pa.string()),
    })


def spec(kind: str, conn: str) -> str:
    cols = "\n".join(f"  {c}: {e}" for c, e in COLUMNS.items())
    src = {"sqlite": f"connection: {{kind: sqlite, url: '{conn}'}}\ntable: t_rk",
           "postgresql": f"connection: {{kind: postgresql, url: '{conn}'}}\ntable: bench_rk",
           "csv": f"connection: {{kind: csv, path: '{conn}', encoding: gbk}}"}[kind]
    return f"name: bench_{kind}\ndepartment: public_security\nentity: resident\n{src}\ncolumns:\n{cols}\n"


def child(home: str, name: str) -> None:
    from biaotong.sources.connectors import connector_class
    from biaotong.sync import sync_source
    from biaotong.sync.registry import get_source
    from biaotong.workspace import Workspace

    ws = Workspace.open(home)
    # Start-up (catalog, org tree, driver imports) is a fixed cost, measured apart from the rows/s.
    ws.catalog, ws.org_tree(), connector_class(get_source(ws, name).spec.connection.kind)
    t0 = time.perf_counter()
    r = sync_source(ws, name)
    secs = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"rows": r.rows_read, "seconds": secs, "peak_mb": peak, "rejects": r.snapshot.reject_count}))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--pg", default=os.environ.get("BIAOTONG_TEST_PG_URL"))
    ap.add_argument("--child", nargs=2)
    args = ap.parse_args()
    if args.child:
        child(*args.child)
        return
    from biaotong.catalog import import_org_tree
    from biaotong.sync import add_source
    from biaotong.workspace import Workspace

    tmp = Path(tempfile.mkdtemp(prefix="bt-sync-bench-"))
    t0 = time.perf_counter()
    table = people(args.rows)
    print(f"made {args.rows:,} rows in {time.perf_counter() - t0:.1f}s")
    targets: dict[str, str] = {}
    import adbc_driver_sqlite.dbapi as sq

    with sq.connect(str(tmp / "gaj.db")) as c:
        c.cursor().adbc_ingest("t_rk", table, mode="create")
        c.commit()
    targets["sqlite"] = f"sqlite:///{tmp / 'gaj.db'}"
    with pacsv.CSVWriter(tmp / "gaj.utf8.csv", table.schema) as w:
        w.write_table(table)
    (tmp / "gaj.csv").write_bytes((tmp / "gaj.utf8.csv").read_text("utf-8").encode("gbk"))
    targets["csv"] = str(tmp / "gaj.csv")
    if args.pg:
        import adbc_driver_postgresql.dbapi as pgd

        with pgd.connect(args.pg) as c:
            c.cursor().execute("DROP TABLE IF EXISTS bench_rk")
            c.cursor().adbc_ingest("bench_rk", table, mode="create")
            c.commit()
        targets["postgresql"] = args.pg
    ws = Workspace.open(tmp / "ws")
    (tmp / "org.yaml").write_text(ORG, encoding="utf-8")
    with ws.engine.begin() as conn:
        import_org_tree(conn, tmp / "org.yaml")
    print(f"{'source':<12}{'rows':>11}{'seconds':>9}{'rows/s':>11}{'peak MB':>9}{'vs goal':>9}")
    for kind, conn in targets.items():
        (tmp / f"{kind}.yaml").write_text(spec(kind, conn), encoding="utf-8")
        add_source(ws, tmp / f"{kind}.yaml")
        out = subprocess.run([sys.executable, __file__, "--child", str(ws.home), f"bench_{kind}"],
                             capture_output=True, text=True, check=True).stdout
        r = json.loads(out.strip().splitlines()[-1])
        rate = r["rows"] / r["seconds"]
        print(f"{kind:<12}{r['rows']:>11,}{r['seconds']:>9.2f}{rate:>11,.0f}{r['peak_mb']:>9.0f}{rate / GOAL:>8.2f}×")
    if args.pg:
        import adbc_driver_postgresql.dbapi as pgd

        with pgd.connect(args.pg) as c:
            c.cursor().execute("DROP TABLE IF EXISTS bench_rk")
            c.commit()


if __name__ == "__main__":
    main()
