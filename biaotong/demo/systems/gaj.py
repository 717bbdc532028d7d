"""公安 人口信息系统: SQLite, pinyin-initial column names, GB codes as digits, dates as 20250131,
deceased and removed people kept with their dates, GXSJ (更新时间) for incremental syncs."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from biaotong.demo.arrays import ascii_matrix_to_arrow, digits, format_dates, zfill
from biaotong.demo.ids import citizen_id_valid, corrupt_check_digit, fixed_width_matrix
from biaotong.demo.orgs import MERGE_DATE, MERGED_ROOT
from biaotong.demo.people import (
    CHILD,
    DECEASED,
    GRANDCHILD,
    HEAD,
    MOVED_OUT,
    PARENT,
    REF_DATE,
    SPOUSE,
    Population,
)
from biaotong.demo.systems.base import Context, SystemResult, pick_rows, write_source
from biaotong.demo.writers import write_sqlite

DB = "systems/gaj_rkxx.db"
# 公安's own 注销原因 codes, mapped to the catalog's deregister_reason in the source spec.
ZXYY = {"100": "1", "201": "2", "202": "2", "300": "3", "400": "4"}


def relationship_codes(pop: Population, rng: np.random.Generator) -> pa.Array:
    """GB/T 4761 codes: 02 户主, 10 配偶, 2x 子, 3x 女, 4x 孙辈, 51/52 父母."""
    male = pop.sex == 1
    order = np.minimum(np.arange(pop.n) - pop.hh_head[pop.hh], 5)  # birth order-ish
    child = np.where(male, 20 + np.clip(order - 1, 1, 5), 30 + np.clip(order - 1, 1, 5))
    child = np.where(rng.random(pop.n) < 0.5, np.where(male, 20, 30), child)
    code = np.select(
        [pop.role == HEAD, pop.role == SPOUSE, pop.role == PARENT, pop.role == CHILD, pop.role == GRANDCHILD],
        [2, 10, np.where(male, 51, 52), child, np.where(male, 41, 42)], 99,
    )
    return zfill(code, 2)


def persons_village_codes(ctx: Context) -> pa.Array:
    """Current village code; people who left before the 2024 merge keep their old village's code."""
    pop, tree = ctx.pop, ctx.tree
    codes = ctx.village_codes()
    village = pop.village.copy()
    merged = next(i for i, v in enumerate(tree.villages) if v.root == MERGED_ROOT)
    olds = [i for i, v in enumerate(tree.villages) if v.valid_to is not None]
    gone_before = (pop.status != 0) & (pop.dereg_date < np.datetime64(MERGE_DATE))
    hit = (village == merged) & gone_before
    village[hit] = np.array(olds)[pop.hh[hit] % 2]
    return pa.array(codes[village], pa.string())


def build(ctx: Context) -> SystemResult:
    pop = ctx.pop
    rng = ctx.rng(1)
    n = pop.n
    dead, moved = pop.status == DECEASED, pop.status == MOVED_OUT
    gone = dead | moved
    ids = pop.id_number
    bad = pick_rows(rng, n, 0.0004)  # legacy 15→18 upgrades with a wrong check digit
    ids = corrupt_check_digit(ids, bad)
    zxyy = np.where(dead, "100", np.where(rng.random(n) < 0.7, "201", "202"))
    zxyy = np.where(moved & (rng.random(n) < 0.06), "300", zxyy)
    # 2016 reform: newly registered people get the unified 居民 type
    hkxz = np.where(pop.registered_date >= np.datetime64("2016-01-01"), "3",
                    np.where(pop.agricultural, "1", "2"))
    last_change = np.maximum(pop.registered_date, np.where(gone, pop.dereg_date, pop.registered_date))
    touched = rng.random(n) < 0.35  # 数据治理 rounds touched many records recently
    last_change = np.where(touched, REF_DATE - rng.integers(1, 700, n), last_change)
    secs = rng.integers(8 * 3600, 18 * 3600, n)
    gxsj = _timestamps(last_change.astype("datetime64[D]"), secs)
    persons = pa.table({
        "RYBH": zfill(np.arange(1, n + 1) + 10_000_000, 9),
        "GMSFHM": ids,
        "XM": pop.name,
        "XBDM": pa.array((pop.sex).astype(str), pa.string()),
        "CSRQ": format_dates(pop.birth, "compact"),
        "MZDM": pop.ethnicity,
        "HH": pop.hh_id.take(pa.array(pop.hh)),
        "YHZGXDM": relationship_codes(pop, rng),
        "HKXZDM": pa.array(hkxz, pa.string()),
        "HYZKDM": pop.marital,
        "WHCDDM": pop.education,
        "LXDH": pop.phone,
        "ZZ": pop.hh_address.take(pa.array(pop.hh)),
        "SSJWHDM": persons_village_codes(ctx),
        "RYZTDM": pa.array(np.select([dead, moved], ["1", "2"], "0"), pa.string()),
        "DJRQ": format_dates(pop.registered_date, "compact"),
        "SWRQ": format_dates(pop.death_date, "compact", valid=dead),
        "ZXRQ": format_dates(pop.dereg_date, "compact", valid=gone),
        "ZXYYDM": pa.array(zxyy, pa.string(), mask=~gone),
        "GXSJ": gxsj,
    })
    h = pop.n_households
    collective = (~pop.hh_rural) & (np.bincount(pop.hh, minlength=h) == 1) & (rng.random(h) < 0.03)
    heads = pa.array(pop.hh_head)
    households = pa.table({
        "HH": pop.hh_id,
        "HLBDM": pa.array(np.where(collective, "2", "1"), pa.string()),
        "HZGMSFHM": ids.take(heads),
        "HZXM": pop.name.take(heads),
        "SSJWHDM": pa.array(ctx.village_codes()[pop.hh_village], pa.string()),
        "ZZ": pop.hh_address,
        "LXDH": pop.phone.take(heads),
        "GXSJ": gxsj.take(heads),
    })
    write_sqlite(ctx.out_dir / DB, {"T_RK_JBXX": persons, "T_RK_HJXX": households},
                 indexes=[("T_RK_JBXX", "GXSJ"), ("T_RK_JBXX", "GMSFHM"), ("T_RK_HJXX", "HH")])
    url = f"sqlite:///../{DB}"
    d = "%Y%m%d"
    src_p = write_source(ctx, {
        "name": "gaj_population", "title": "公安人口信息系统（户籍人员）", "department": "public_security",
        "entity": "resident", "connection": {"kind": "sqlite", "url": url}, "table": "T_RK_JBXX",
        "key": "id_number",
        "columns": {
            "GMSFHM": "id_number", "XM": "name", "XBDM": "sex", "CSRQ": {"element": "birth_date", "date_format": d},
            "MZDM": "ethnicity", "HH": "household_id", "YHZGXDM": "relationship", "HKXZDM": "hukou_type",
            "HYZKDM": "marital_status", "WHCDDM": "education", "LXDH": "phone", "ZZ": "address",
            "SSJWHDM": "org_code", "DJRQ": {"element": "registered_date", "date_format": d},
            "SWRQ": {"element": "death_date", "date_format": d},
            "ZXRQ": {"element": "deregistered_date", "date_format": d},
            "ZXYYDM": {"element": "deregister_reason", "codes": ZXYY},
        },
        "sync": {"mode": "incremental", "updated_at": "GXSJ"},
    }, "公安人口信息系统：户籍人员表 T_RK_JBXX。RYZTDM 人员状态 0 正常 1 死亡 2 迁出；注销人员保留死亡/注销日期。\n"
       "GXSJ 为更新时间（YYYY-MM-DD HH:MM:SS），用于增量同步。")
    src_h = write_source(ctx, {
        "name": "gaj_household", "title": "公安人口信息系统（户籍户）", "department": "public_security",
        "entity": "household", "connection": {"kind": "sqlite", "url": url}, "table": "T_RK_HJXX",
        "key": "household_id",
        "columns": {"HH": "household_id", "HLBDM": "household_type", "HZGMSFHM": "householder_id_number",
                    "HZXM": "householder_name", "SSJWHDM": "org_code", "ZZ": "address", "LXDH": "phone"},
        "sync": {"mode": "incremental", "updated_at": "GXSJ"},
    }, "公安人口信息系统：户籍户表 T_RK_HJXX（HLBDM 1 家庭户 2 集体户）。")
    invalid = int((~citizen_id_valid(ids)).sum())
    return SystemResult(
        id="gaj", title="公安人口信息系统", department="public_security", kind="sqlite", files=[DB],
        tables={"T_RK_JBXX": n, "T_RK_HJXX": h}, sources=[src_p, src_h],
        mess={"invalid_ids": invalid, "invalid_householder_ids": int((~citizen_id_valid(households["HZGMSFHM"])).sum()),
              "deceased": int(dead.sum()), "moved_out": int(moved.sum()),
              "old_village_codes": _count_old(ctx, persons)},
    )


def _count_old(ctx: Context, persons: pa.Table) -> int:
    olds = {v.code for v in ctx.tree.villages if v.valid_to is not None}
    return int(pc.sum(pc.is_in(persons["SSJWHDM"], pa.array(sorted(olds)))).as_py() or 0)


def _timestamps(days: np.ndarray, secs: np.ndarray) -> pa.Array:
    """'YYYY-MM-DD HH:MM:SS' strings, built as bytes (pyarrow's strftime is slow on millions of rows)."""
    date = format_dates(days, "iso")
    mat = fixed_width_matrix(date, 10)
    assert mat is not None
    n = len(days)
    hms = np.concatenate([np.full((n, 1), 32, np.uint8), digits(secs // 3600, 2), np.full((n, 1), 58, np.uint8),
                          digits(secs // 60 % 60, 2), np.full((n, 1), 58, np.uint8), digits(secs % 60, 2)], axis=1)
    return ascii_matrix_to_arrow(np.concatenate([mat, hms], axis=1))
