"""医保 参保人员: SQLite, national 险种 codes (310 职工, 390 城乡居民), 参保年度 as an integer; some
deceased people still insured for 2025."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from biaotong.demo.ids import citizen_id_valid, corrupt_check_digit
from biaotong.demo.people import DECEASED
from biaotong.demo.systems.base import Context, SystemResult, pick_rows, write_source
from biaotong.demo.writers import write_sqlite

DB = "systems/yb_cbxx.db"
XZLX = {"310": "2", "390": "1"}


def build(ctx: Context) -> SystemResult:
    pop = ctx.pop
    rng = ctx.rng(9)
    n = pop.n
    dead = pop.status == DECEASED
    insured = (pop.status == 0) & (rng.random(n) < 0.955) | (dead & (rng.random(n) < 0.1))
    rows = np.flatnonzero(insured)
    k = len(rows)
    worker = (~pop.hh_rural[pop.hh[rows]]) & (pop.age[rows] >= 20) & (rng.random(k) < 0.3)
    ids = corrupt_check_digit(pop.id_number.take(pa.array(rows)), pick_rows(rng, k, 0.0005))
    table = pa.table({
        "GMSFHM": ids, "XM": pop.name.take(pa.array(rows)),
        "XZLX": pa.array(np.where(worker, "310", "390"), pa.string()),
        "CBND": pa.array(np.where(rng.random(k) < 0.97, 2025, 2024).astype(np.int64)),
        "CBZT": pa.array(np.where(rng.random(k) < 0.98, "1", "2"), pa.string()),
        "TCQ": pa.array(["530927"] * k, pa.string()),
        "XZQH": pa.array(ctx.village_codes()[pop.village[rows]], pa.string()),
    })
    write_sqlite(ctx.out_dir / DB, {"CBRY": table}, indexes=[("CBRY", "GMSFHM")])
    src = write_source(ctx, {
        "name": "yb_insured", "title": "医保参保人员信息", "department": "medical_security", "entity": "resident",
        "connection": {"kind": "sqlite", "url": f"sqlite:///../{DB}"}, "table": "CBRY", "key": "id_number",
        "columns": {"GMSFHM": "id_number", "XM": "name", "XZLX": {"element": "medical_insurance_type", "codes": XZLX},
                    "CBND": "medical_insured_year", "XZQH": "org_code"},
        "sync": {"mode": "full"},
    }, "医保参保人员（险种 XZLX：310 职工基本医疗保险，390 城乡居民基本医疗保险；CBND 参保年度）。")
    return SystemResult(
        id="yb", title="医疗保障信息平台", department="medical_security", kind="sqlite", files=[DB],
        tables={"CBRY": k}, sources=[src],
        mess={"invalid_ids": int((~citizen_id_valid(ids)).sum()), "deceased_insured": int(dead[rows].sum())},
    )
