"""Report generation benchmark: one 20-field aggregate report for all villages of a county (1 M residents)
and of a province (10 M residents, 11,000 villages), against

  (a) one hand-written DuckDB query over the same Parquet (the practical limit; goal: ours <= 1.2x),
  (b) vectorised pandas: read the Parquet, boolean masks, one groupby (goal: ours >= 2x faster),
  (c) one query per field, as a naive report tool does (goal: ours >= 10x faster).

The one-table Parquet is synthesised with numpy. Each method runs in a fresh process, so its peak memory
(ru_maxrss) is its own. Usage:  python bench/report_bench.py [--scale county|province|both] [--dir DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

END = date(2025, 6, 30)
START = date(2025, 6, 1)
FIELDS = [
    "pop_total", "pop_male", "pop_female", "pop_0_6", "pop_under_18", "pop_60plus", "pop_65plus", "pop_80plus",
    "pop_agricultural", "pop_nonagricultural", "pop_inflow", "pop_out", "dibao_persons", "tekun_persons",
    "fd_signed", "hypertension_patients", "diabetes_patients", "poverty_alleviated_persons", "migrant_workers",
    "pension_receiving",
]
SCALES = {"county": (1_000_000, 400, 20), "province": (10_000_000, 11_000, 1_000)}


# ── data ──────────────────────────────────────────────────────────────────────────────────────────────
def org_units(villages: int, townships: int) -> list[dict[str, Any]]:
    """Province 53 › cities › counties › townships › villages, with valid 12-digit codes."""
    counties = max(1, townships // 10)
    cities = max(1, (counties + 9) // 10)
    units = [{"code": "530000000000", "name": "省", "level": "province", "parent": None}]
    for c in range(cities):
        units.append({"code": f"53{c + 1:02d}00000000", "name": f"市{c}", "level": "city", "parent": "530000000000"})
    county_codes = []
    for k in range(counties):
        city = f"53{k % cities + 1:02d}00000000"
        code = f"{city[:4]}{k // cities + 1:02d}000000"
        county_codes.append(code)
        units.append({"code": code, "name": f"县{k}", "level": "county", "parent": city})
    town_codes = []
    for t in range(townships):
        county = county_codes[t % counties]
        code = f"{county[:6]}{t // counties + 1:03d}000"
        town_codes.append(code)
        units.append({"code": code, "name": f"乡镇{t}", "level": "township", "parent": county})
    for v in range(villages):
        town = town_codes[v % townships]
        units.append({"code": f"{town[:9]}{v // townships + 1:03d}", "name": f"村{v}", "level": "village", "parent": town})
    return units


def synthesise(path: Path, n: int, villages: int, townships: int, seed: int = 1) -> list[dict[str, Any]]:
    rng = np.random.default_rng(seed)
    units = org_units(villages, townships)
    vcodes = np.array([u["code"] for u in units if u["level"] == "village"])
    org = rng.integers(0, len(vcodes), n)
    epoch = np.datetime64("1970-01-01")
    birth = (np.datetime64("1925-01-01") + rng.integers(0, 100 * 365, n).astype("timedelta64[D]"))
    ymd = birth.astype("datetime64[D]").astype(str)  # 'yyyy-mm-dd'
    digits = np.zeros((n, 18), dtype=np.uint8)
    digits[:, :6] = np.frombuffer(b"530102", dtype=np.uint8)
    ymd_b = np.char.replace(ymd, "-", "").astype("S8").view(np.uint8).reshape(n, 8)
    digits[:, 6:14] = ymd_b
    seq = rng.integers(0, 1000, n)
    for i, div in enumerate((100, 10, 1)):
        digits[:, 14 + i] = ord("0") + (seq // div) % 10
    digits[:, 17] = ord("X")
    ids = pa.array(digits.view("S18").ravel(), pa.binary(18)).cast(pa.string())

    def dates(p: float, lo: str, hi: str) -> pa.Array:
        lo_d, hi_d = np.datetime64(lo), np.datetime64(hi)
        d = lo_d + rng.integers(0, int((hi_d - lo_d).astype(int)), n).astype("timedelta64[D]")
        mask = rng.random(n) >= p
        return pa.array((d - epoch).astype(np.int32), pa.int32(), mask=mask).cast(pa.date32())

    def codes(values: list[str | None], weights: list[float]) -> pa.Array:
        idx = rng.choice(len(values), n, p=np.array(weights) / sum(weights))
        return pa.array(np.array(values, dtype=object)[idx], pa.string())

    assist = codes([None, "1", "2", "3"], [85, 10, 3, 2])
    table = pa.table({
        "id_number": ids,
        "org_code": pa.array(vcodes[org], pa.string()),
        "sex": codes(["1", "2"], [51, 49]),
        "birth_date": pa.array((birth - epoch).astype(np.int32), pa.int32()).cast(pa.date32()),
        "hukou_type": codes(["1", "2", "3"], [60, 30, 10]),
        "residence_status": codes(["1", "2", "3"], [75, 15, 10]),
        "registered_date": dates(0.05, "2020-01-01", "2026-01-01"),
        "death_date": dates(0.01, "2015-01-01", "2026-01-01"),
        "deregistered_date": dates(0.02, "2015-01-01", "2026-01-01"),
        "assistance_category": assist,
        "assistance_start_date": dates(0.9, "2018-01-01", "2026-01-01"),
        "assistance_end_date": dates(0.1, "2024-01-01", "2026-06-01"),
        "family_doctor_signed": pa.array(rng.random(n) < 0.5),
        "family_doctor_sign_date": dates(0.9, "2020-01-01", "2026-01-01"),
        "hypertension": pa.array(rng.random(n) < 0.15),
        "diabetes": pa.array(rng.random(n) < 0.08),
        "poverty_alleviated": pa.array(rng.random(n) < 0.1),
        "migrant_worker": pa.array(rng.random(n) < 0.2),
        "pension_status": codes(["1", "2", "9", None], [40, 20, 20, 20]),
    })
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path, compression="zstd", row_group_size=1 << 20)
    return units


# ── the methods (each run in its own process) ─────────────────────────────────────────────────────────
def _con(data: Path) -> Any:
    import duckdb

    from biaotong.catalog import load_catalog
    from biaotong.lake.types import DUCKDB_TYPES

    con = duckdb.connect()
    have = set(pq.read_schema(data).names)
    cols = ["*"] + [
        f"CAST(NULL AS {DUCKDB_TYPES[e.value_type]}) AS {e.code}"
        for e in load_catalog().elements_of("resident") if e.code not in have
    ]
    con.execute(f"CREATE VIEW resident AS SELECT {', '.join(cols)} FROM read_parquet('{data}')")
    return con


def _fields() -> dict[str, Any]:
    from biaotong.expr import FieldExpr
    from biaotong.reports.library import builtin_library

    lib = builtin_library()
    return {f: FieldExpr.load(lib.get(f).expr, report_id="bench", field_id=f) for f in FIELDS}


def _warm_up(cat: Any) -> None:
    """Compile one unrelated field first: a long-running service has SQLGlot's dialect tables loaded."""
    from biaotong.expr import FieldExpr, compile_fields

    f = FieldExpr.load({"agg": "count", "filter": "sex = '男'"}, report_id="warm", field_id="w")
    compile_fields({"w": f}, "resident", cat, START, END, report_id="warm").sql()


def run_ours(data: Path, units_file: Path) -> dict[str, Any]:
    """The report generator's own path: compile, one query, roll up the tree, derive, lay out rows."""
    from biaotong.catalog import OrgTree, OrgUnit, load_catalog
    from biaotong.reports.aggregate import compute, data_org_codes, derive_all
    from biaotong.reports.orgmap import layout_rows, plan_orgs

    units = json.loads(units_file.read_text())
    tree = OrgTree(OrgUnit(u["code"], u["name"], u["level"], u["parent"]) for u in units)
    con, cat, fields = _con(data), load_catalog(), _fields()
    _warm_up(cat)
    t = time.perf_counter()
    plan = plan_orgs(tree, "530000000000", "village", END, data_org_codes(con, ["resident"]))
    now = compute(con, fields, plan, cat, START, END, report_id="bench")
    rows = layout_rows(tree, plan)
    values = derive_all(fields, now, None, [u.code for u, _, _ in rows])
    elapsed = time.perf_counter() - t
    villages = [u.code for u, _, sub in rows if u.level == "village"]
    return {"seconds": elapsed, "rows": len(rows), "total": values[plan.unit.code]["pop_total"],
            "check": sum(values[v]["pop_60plus"] for v in villages)}


HAND = """
WITH r AS (
  SELECT org_code, sex, hukou_type, residence_status, assistance_category, assistance_start_date,
         assistance_end_date, family_doctor_signed, family_doctor_sign_date, hypertension, diabetes,
         poverty_alleviated, migrant_worker, pension_status,
         (20250630 - (year(birth_date) * 10000 + month(birth_date) * 100 + day(birth_date))) // 10000 AS age
  FROM read_parquet('{data}')
  WHERE (death_date IS NULL OR death_date > DATE '2025-06-30')
    AND (deregistered_date IS NULL OR deregistered_date > DATE '2025-06-30')
    AND (registered_date IS NULL OR registered_date <= DATE '2025-06-30')
)
SELECT org_code, count(*) AS pop_total,
  count(*) FILTER (WHERE sex = '1'), count(*) FILTER (WHERE sex = '2'),
  count(*) FILTER (WHERE age <= 6), count(*) FILTER (WHERE age < 18), count(*) FILTER (WHERE age >= 60) AS pop_60plus,
  count(*) FILTER (WHERE age >= 65), count(*) FILTER (WHERE age >= 80),
  count(*) FILTER (WHERE hukou_type = '1'), count(*) FILTER (WHERE hukou_type = '2'),
  count(*) FILTER (WHERE residence_status = '3'), count(*) FILTER (WHERE residence_status = '2'),
  count(*) FILTER (WHERE assistance_category = '1' AND (assistance_start_date IS NULL OR assistance_start_date <= DATE '2025-06-30')
                   AND (assistance_end_date IS NULL OR assistance_end_date > DATE '2025-06-30')),
  count(*) FILTER (WHERE assistance_category = '2' AND (assistance_start_date IS NULL OR assistance_start_date <= DATE '2025-06-30')
                   AND (assistance_end_date IS NULL OR assistance_end_date > DATE '2025-06-30')),
  count(*) FILTER (WHERE family_doctor_signed AND (family_doctor_sign_date IS NULL OR family_doctor_sign_date <= DATE '2025-06-30')),
  count(*) FILTER (WHERE hypertension), count(*) FILTER (WHERE diabetes), count(*) FILTER (WHERE poverty_alleviated),
  count(*) FILTER (WHERE migrant_worker), count(*) FILTER (WHERE pension_status = '2')
FROM r GROUP BY org_code
"""


# The same query, with the same fallback the compiler emits: the birth date from the ID number where a source
# has no birth_date (it makes DuckDB read the 18-character ID column as well).
HAND_ID = HAND.replace(
    "(year(birth_date) * 10000 + month(birth_date) * 100 + day(birth_date))",
    "coalesce(year(birth_date) * 10000 + month(birth_date) * 100 + day(birth_date), "
    "CASE WHEN length(id_number) = 18 THEN TRY_CAST(substring(id_number, 7, 8) AS INT) END)",
).replace("poverty_alleviated, migrant_worker, pension_status,", "poverty_alleviated, migrant_worker, pension_status, id_number,")


def run_hand(data: Path, units_file: Path, query: str = HAND) -> dict[str, Any]:
    import duckdb

    con = duckdb.connect()
    t = time.perf_counter()
    rows = con.execute(query.format(data=data)).fetchall()
    elapsed = time.perf_counter() - t
    return {"seconds": elapsed, "rows": len(rows), "total": sum(r[1] for r in rows), "check": sum(r[6] for r in rows)}


def run_pandas(data: Path, units_file: Path) -> dict[str, Any]:
    import pandas as pd

    t = time.perf_counter()
    df = pd.read_parquet(data, columns=[c for c in pq.read_schema(data).names if c != "id_number"])
    end = pd.Timestamp(END)

    def dt(c: str) -> Any:
        return pd.to_datetime(df[c])

    b = dt("birth_date")
    age = (20250630 - (b.dt.year * 10000 + b.dt.month * 100 + b.dt.day)) // 10000
    alive = (dt("death_date").isna() | (dt("death_date") > end)) & (dt("deregistered_date").isna() | (dt("deregistered_date") > end)) \
        & (dt("registered_date").isna() | (dt("registered_date") <= end))
    in_assist = (dt("assistance_start_date").isna() | (dt("assistance_start_date") <= end)) & \
        (dt("assistance_end_date").isna() | (dt("assistance_end_date") > end))
    signed = df["family_doctor_signed"] & (dt("family_doctor_sign_date").isna() | (dt("family_doctor_sign_date") <= end))
    masks = {
        "pop_total": alive, "pop_male": df["sex"] == "1", "pop_female": df["sex"] == "2", "pop_0_6": age <= 6,
        "pop_under_18": age < 18, "pop_60plus": age >= 60, "pop_65plus": age >= 65, "pop_80plus": age >= 80,
        "pop_agricultural": df["hukou_type"] == "1", "pop_nonagricultural": df["hukou_type"] == "2",
        "pop_inflow": df["residence_status"] == "3", "pop_out": df["residence_status"] == "2",
        "dibao_persons": (df["assistance_category"] == "1") & in_assist,
        "tekun_persons": (df["assistance_category"] == "2") & in_assist, "fd_signed": signed,
        "hypertension_patients": df["hypertension"], "diabetes_patients": df["diabetes"],
        "poverty_alleviated_persons": df["poverty_alleviated"], "migrant_workers": df["migrant_worker"],
        "pension_receiving": df["pension_status"] == "2",
    }
    frame = pd.DataFrame({k: (v & alive).astype("int32") for k, v in masks.items()})
    frame["org_code"] = df["org_code"]
    out = frame.groupby("org_code", sort=False).sum()
    elapsed = time.perf_counter() - t
    return {"seconds": elapsed, "rows": len(out), "total": int(out["pop_total"].sum()), "check": int(out["pop_60plus"].sum())}


def run_per_field(data: Path, units_file: Path) -> dict[str, Any]:
    from biaotong.catalog import load_catalog
    from biaotong.expr import compile_fields

    con, cat, fields = _con(data), load_catalog(), _fields()
    _warm_up(cat)
    t = time.perf_counter()
    results = {}
    for fid, f in fields.items():
        q = compile_fields({fid: f}, "resident", cat, START, END, report_id="bench")
        results[fid] = dict(con.execute(q.sql(pretty=False)).fetchall())
    elapsed = time.perf_counter() - t
    return {"seconds": elapsed, "rows": len(results["pop_total"]), "total": sum(results["pop_total"].values()),
            "check": sum(results["pop_60plus"].values())}


def run_hand_id(data: Path, units_file: Path) -> dict[str, Any]:
    return run_hand(data, units_file, HAND_ID)


METHODS = {"ours": run_ours, "duckdb_hand": run_hand, "duckdb_hand_id": run_hand_id, "pandas": run_pandas,
           "per_field": run_per_field}


def child(method: str, data: Path, units: Path) -> None:
    out = METHODS[method](data, units)
    out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out))


def measure(method: str, data: Path, units: Path) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, __file__, "--child", method, "--data", str(data), "--units", str(units)],
        capture_output=True, text=True, check=True, cwd=Path(__file__).resolve().parents[1],
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", default="both", choices=["county", "province", "both"])
    ap.add_argument("--dir", default="/tmp/biaotong-bench")
    ap.add_argument("--child")
    ap.add_argument("--data")
    ap.add_argument("--units")
    ap.add_argument("--repeat", type=int, default=1)
    a = ap.parse_args()
    if a.child:
        child(a.child, Path(a.data), Path(a.units))
        return
    scales = ["county", "province"] if a.scale == "both" else [a.scale]
    for scale in scales:
        n, villages, towns = SCALES[scale]
        data = Path(a.dir) / f"{scale}.parquet"
        units_file = Path(a.dir) / f"{scale}-units.json"
        if not data.exists() or not units_file.exists():
            t = time.perf_counter()
            units = synthesise(data, n, villages, towns)
            units_file.write_text(json.dumps(units))
            print(f"[{scale}] synthesised {n:,} residents in {villages:,} villages: {time.perf_counter() - t:.1f}s")
        runs: dict[str, list[dict[str, Any]]] = {m: [] for m in METHODS}
        for _ in range(a.repeat):  # interleaved, so load from other processes hits every method alike
            for m in METHODS:
                runs[m].append(measure(m, data, units_file))
        res = {m: min(rs, key=lambda r: r["seconds"]) for m, rs in runs.items()}
        base = res["ours"]
        print(f"\n[{scale}] {n:,} residents, {villages:,} villages, 20 fields")
        print(f"{'method':<14}{'seconds':>9}{'peak MB':>9}{'ours ×':>9}   check (residents, 60+)")
        for m, r in res.items():
            ratio = r["seconds"] / base["seconds"]
            print(f"{m:<14}{r['seconds']:>9.2f}{r['peak_mb']:>9.0f}{ratio:>9.2f}   {r['total']:,} {r['check']:,}")
        print(f"ours / hand-written DuckDB = {base['seconds'] / res['duckdb_hand']['seconds']:.2f} (goal <= 1.2)")
        print(f"ours / hand-written DuckDB with the ID fallback = "
              f"{base['seconds'] / res['duckdb_hand_id']['seconds']:.2f} (goal <= 1.2)")
        print(f"pandas / ours = {res['pandas']['seconds'] / base['seconds']:.2f} (goal >= 2)")
        print(f"per-field / ours = {res['per_field']['seconds'] / base['seconds']:.2f} (goal >= 10)")
        same = {(r["total"], r["check"]) for r in res.values()}
        print("all methods agree" if len(same) == 1 else f"MISMATCH {same}")


if __name__ == "__main__":
    main()
