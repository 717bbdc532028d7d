"""Ledger benchmark: appends/s (single and batched), verify time for N entries, proof time.

    python bench/ledger_bench.py                      # SQLite, plus PostgreSQL if BIAOTONG_TEST_PG_URL is set
    python bench/ledger_bench.py --entries 1000000 --keep /tmp/ledger-bench.db

Goals: >= 20,000 batched appends/s, verify of 1,000,000 entries <= 10 s, one proof <= 1 ms.
Each figure is wall-clock time; CPU time of this process is shown beside it, because on a shared
machine other processes can take the cores (PostgreSQL's own work is not in the CPU figure).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from biaotong.ledger import Event, consistency, head, prove, record
from biaotong.ledger.keys import ensure_keys
from biaotong.ledger.tables import LEDGER_TABLES
from biaotong.ledger.verify import verify
from biaotong.store.db import connect, normalize_url
from biaotong.store.schema import metadata

GOAL_BATCHED = 20_000.0
GOAL_VERIFY_1M = 10.0
GOAL_PROOF_MS = 1.0


def events(n: int, start: int = 0) -> list[Event]:
    return [
        Event(
            action="source.sync", actor="数据局管理员", object=f"source:gaj-{i % 50}",
            hashes={"snapshot_sha256": f"{i:064x}"}, detail={"rows": i, "mode": "full"},
        )
        for i in range(start, start + n)
    ]


@contextmanager
def timed() -> Iterator[dict[str, float]]:
    out: dict[str, float] = {}
    w, c = time.perf_counter(), time.process_time()
    yield out
    out["wall"], out["cpu"] = time.perf_counter() - w, time.process_time() - c


@contextmanager
def pg_engine(url: str) -> Iterator[Engine]:
    schema = f"ledger_bench_{uuid.uuid4().hex[:8]}"
    admin = connect(url)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in url else "?"
    engine = connect(normalize_url(url) + f"{sep}options=-csearch_path%3D{schema}")
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()


def bench(name: str, engine: Engine, n: int, batch: int, singles: int, home: Path) -> dict[str, Any]:
    metadata.create_all(engine, tables=list(LEDGER_TABLES))
    key = ensure_keys(home)
    res: dict[str, Any] = {"db": name, "entries": n}
    with timed() as t:
        for _ in range(singles):
            with engine.begin() as conn:
                record(conn, *events(1))
    res["single_per_s"] = singles / t["wall"]
    todo, batches, spent = n - singles, [], 0.0
    while todo > 0:
        k = min(batch, todo)
        evs = events(k, n - todo)  # built by the caller: not part of the ledger's time
        b0 = time.perf_counter()
        with engine.begin() as conn:
            record(conn, *evs)
        took = time.perf_counter() - b0
        spent += took
        batches.append(k / took)
        todo -= k
    res["batched_per_s"] = (n - singles) / spent
    res["batched_median_batch_per_s"] = statistics.median(batches)
    with engine.begin() as conn:
        head(conn, key)
    with engine.connect() as conn, timed() as t:
        report = verify(conn, key.verifier)
    assert report.ok, report.problem
    res["verify_s"], res["verify_cpu_s"] = t["wall"], t["cpu"]
    res["verify_1m_estimate_s"] = t["wall"] * 1_000_000 / n
    step = max(1, n // 200)
    with engine.connect() as conn:
        prove(conn, 0)  # warm up
        with timed() as t:
            for seq in range(0, n, step):
                prove(conn, seq)
        res["proof_ms"] = t["wall"] * 1000 / len(range(0, n, step))
        with timed() as t:
            for old in range(1, n, step):
                consistency(conn, old, n)
        res["consistency_ms"] = t["wall"] * 1000 / len(range(1, n, step))
    return res


def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(args.keep) if args.keep else Path(tmp) / "ledger.db"
        db.unlink(missing_ok=True)
        engine = connect(f"sqlite:///{db}")
        results.append(bench("sqlite", engine, args.entries, args.batch, args.singles, Path(tmp)))
        engine.dispose()
        pg = os.environ.get("BIAOTONG_TEST_PG_URL")
        if pg and not args.sqlite_only:
            with pg_engine(pg) as engine:
                results.append(bench("postgresql", engine, args.entries, args.batch, args.singles, Path(tmp)))
    return results


def verdict(value: float, goal: float, higher_is_better: bool) -> str:
    ratio = value / goal if higher_is_better else goal / value
    return f"{ratio:.2f}x goal ({'met' if ratio >= 1 else 'MISSED'})"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--entries", type=int, default=1_000_000)
    ap.add_argument("--batch", type=int, default=10_000)
    ap.add_argument("--singles", type=int, default=500, help="appends of one entry, one transaction each")
    ap.add_argument("--keep", help="keep the SQLite file here")
    ap.add_argument("--sqlite-only", action="store_true")
    args = ap.parse_args(argv)
    print(f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs; load {os.getloadavg()}")
    for r in run(args):
        print(f"\n== {r['db']}, {r['entries']:,} entries")
        print(f"single appends (1 entry per transaction): {r['single_per_s']:,.0f}/s")
        print(f"batched appends ({args.batch:,} per transaction): {r['batched_per_s']:,.0f}/s "
              f"(median batch {r['batched_median_batch_per_s']:,.0f}/s) — {verdict(r['batched_per_s'], GOAL_BATCHED, True)}")
        print(f"verify: {r['verify_s']:.2f} s wall, {r['verify_cpu_s']:.2f} s CPU; "
              f"1M estimate {r['verify_1m_estimate_s']:.2f} s — {verdict(r['verify_1m_estimate_s'], GOAL_VERIFY_1M, False)}")
        print(f"inclusion proof: {r['proof_ms']:.3f} ms — {verdict(r['proof_ms'], GOAL_PROOF_MS, False)}; "
              f"consistency proof: {r['consistency_ms']:.3f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())

