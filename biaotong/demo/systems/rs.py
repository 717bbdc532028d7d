"""人社 城乡居民养老保险 and 劳动力资源: PostgreSQL (schema demo_rs) when a URL is given, else SQLite;
AAC-style column names, its own status codes ('10' 正常参保, '21' 待遇领取 …), real DATE and numeric
types; deceased pensioners still drawing (the classic 冒领 check)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from biaotong.demo.arrays import date_array
from biaotong.demo.ids import citizen_id_valid, corrupt_check_digit
from biaotong.demo.people import DECEASED, MOVED_OUT, REF_DATE
from biaotong.demo.systems.base import Context, SystemResult, pick_rows, write_source
from biaotong.demo.writers import write_postgres, write_sqlite

DB = "systems/rs_ylbx.db"
PG_ENV = "BIAOTONG_DEMO_PG_URL"
STATUS = {"10": "1", "21": "2", "22": "3", "30": "3", "40": "4"}
JYZT = {"A": "1", "B": "2", "C": "3", "D": "4", "E": "5", "F": "6", "G": "8", "H": "9"}
GRADES = np.array([100, 200, 300, 400, 500, 600, 800, 1000, 1500, 2000])


def build(ctx: Context) -> SystemResult:
    pop = ctx.pop
    rng = ctx.rng(3)
    n, age = pop.n, pop.age
    dead, moved = pop.status == DECEASED, pop.status == MOVED_OUT
    worker_insured = (~pop.hh_rural[pop.hh]) & (age >= 22) & (age < 60) & (rng.random(n) < 0.35)
    eligible = (age >= 16) & ((age >= 22) | (rng.random(n) < 0.25)) & ~worker_insured
    insured = eligible & (rng.random(n) < np.where(age >= 45, 0.93, 0.8))
    rows = np.flatnonzero(insured)
    k = len(rows)
    a = age[rows]
    status = np.where(a >= 60, np.where(rng.random(k) < 0.985, "21", "22"),
                      np.select([rng.random(k) < 0.84, rng.random(k) < 0.8], ["10", "30"], "40"))
    r_dead = dead[rows]
    still_paid = r_dead & (rng.random(k) < 0.2) & (status == "21")
    status = np.where(r_dead & ~still_paid, "40", status)
    status = np.where(moved[rows] & (rng.random(k) < 0.7), "40", status)
    birth = pop.birth[rows]
    earliest = np.maximum(np.datetime64("2009-10-01"), birth + 16 * 365 + 5)
    span = np.maximum((REF_DATE - earliest).astype(np.int64), 1)
    insured_date = earliest + (rng.random(k) * span * 0.7).astype(np.int64)
    grade = GRADES[np.searchsorted(np.cumsum([0.18, 0.32, 0.18, 0.08, 0.08, 0.05, 0.04, 0.04, 0.02, 0.01]),
                                   rng.random(k) * 0.999)].astype(np.float64)
    benefit = np.where(np.isin(status, ["21", "22"]) | still_paid, np.round(rng.uniform(153, 420, k), 2), np.nan)
    ids = corrupt_check_digit(pop.id_number.take(pa.array(rows)), pick_rows(rng, k, 0.001))
    # conflicts with 公安: a birth date typed differently
    birth_rs = birth.copy()
    bconf = pick_rows(rng, k, 0.003)
    birth_rs[bconf] = birth_rs[bconf] + rng.choice([-365, -31, 1, 31, 365], len(bconf))
    aac001 = pa.array(np.arange(k, dtype=np.int64) + 5309270000001)
    ac01 = pa.table({
        "aac001": aac001, "aac002": ids, "aac003": pop.name.take(pa.array(rows)),
        "aac004": pa.array(pop.sex[rows].astype(str), pa.string()), "aac006": date_array(birth_rs),
        "aac005": pop.ethnicity.take(pa.array(rows)),
        "aab301": pa.array(ctx.village_codes()[pop.village[rows]], pa.string()),
    })
    ts = (insured_date.astype("datetime64[s]") + rng.integers(8 * 3600, 18 * 3600, k).astype("timedelta64[s]"))
    ac20 = pa.table({
        "aac001": aac001, "aae140": pa.array(["120"] * k, pa.string()),  # 险种: 城乡居民养老保险
        "aac008": pa.array(status, pa.string()), "aac030": date_array(insured_date),
        "aaa040": pa.array(grade), "aic261": pa.array(benefit, mask=np.isnan(benefit)),
        "aae036": pa.array(ts.astype("datetime64[us]")),
    })
    # 劳动力资源 of rural people aged 16–64
    lab = np.flatnonzero(pop.active & (age >= 16) & (age <= 64) & pop.hh_rural[pop.hh])
    la = age[lab]
    away = pop.away[lab]
    u = rng.random(len(lab))
    jyzt = np.select(
        [away, la < 20, u < 0.55, u < 0.65, u < 0.75, u < 0.8, u < 0.86],
        ["E", "G", "D", "A", "B", "C", "F"], "H",
    )
    months = np.where(jyzt == "E", rng.integers(3, 13, len(lab)), 0)
    ldl = pa.table({
        "aac002": pop.id_number.take(pa.array(lab)), "aac003": pop.name.take(pa.array(lab)),
        "jyzt": pa.array(jyzt, pa.string()), "sfwcwg": pa.array(np.where(jyzt == "E", "1", "0"), pa.string()),
        "wgys": pa.array(months), "aab301": pa.array(ctx.village_codes()[pop.village[lab]], pa.string()),
    })
    if not ctx.pg_url:  # SQLite keeps dates and times as text
        ac01 = ac01.set_column(4, "aac006", pc.cast(ac01["aac006"], pa.string()))
        ac20 = ac20.set_column(3, "aac030", pc.cast(ac20["aac030"], pa.string()))
        ac20 = ac20.set_column(6, "aae036", pc.strftime(ac20["aae036"], "%Y-%m-%d %H:%M:%S"))
    tables = {"ac01": ac01, "ac20": ac20, "ldl_jbxx": ldl}
    if ctx.pg_url:
        write_postgres(ctx.pg_url, ctx.pg_schema, tables)
        connection = {"kind": "postgresql", "url": "${" + PG_ENV + "}"}
        prefix, files, kind = f"{ctx.pg_schema}.", [], "postgresql"
    else:
        write_sqlite(ctx.out_dir / DB, tables, indexes=[("ac01", "aac001"), ("ac20", "aac001")])
        connection = {"kind": "sqlite", "url": f"sqlite:///../{DB}"}
        prefix, files, kind = "", [DB], "sqlite"
    query = (f"select a.aac002, a.aac003, a.aac004, a.aac006, a.aab301, b.aac008, b.aac030, b.aaa040, b.aic261, "
             f"b.aae036 from {prefix}ac01 a join {prefix}ac20 b on a.aac001 = b.aac001 where b.aae140 = '120'")
    src = write_source(ctx, {
        "name": "rs_pension", "title": "人社城乡居民基本养老保险", "department": "hrss", "entity": "resident",
        "connection": connection, "query": query, "key": "id_number",
        "columns": {"aac002": "id_number", "aac003": "name", "aac004": "sex", "aac006": "birth_date",
                    "aab301": "org_code", "aac008": {"element": "pension_status", "codes": STATUS},
                    "aac030": "pension_insured_date", "aaa040": "pension_contribution_grade",
                    "aic261": "pension_monthly_benefit"},
        "sync": {"mode": "incremental", "updated_at": "aae036"},
    }, "人社城乡居民养老保险（ac01 个人信息 + ac20 参保信息）。参保状态 aac008：10 正常参保 21 待遇领取\n"
       "22 暂停领取 30 中断缴费 40 终止参保。" + (f"PostgreSQL 连接串取自环境变量 {PG_ENV}。" if ctx.pg_url else ""))
    src_l = write_source(ctx, {
        "name": "rs_labor", "title": "人社劳动力资源信息", "department": "hrss", "entity": "resident",
        "connection": connection, "table": f"{prefix}ldl_jbxx", "key": "id_number",
        "columns": {"aac002": "id_number", "aac003": "name", "aab301": "org_code",
                    "jyzt": {"element": "employment_status", "codes": JYZT},
                    "sfwcwg": "migrant_worker",
                    "wgys": "migrant_work_months"},
        "sync": {"mode": "full"},
    }, "人社农村劳动力资源信息采集（16–64 岁）。就业状态 jyzt：A 单位就业 B 灵活就业 C 自主创业 D 务农\n"
       "E 转移就业 F 失业 G 在校学生 H 其他；sfwcwg 是否外出务工 1/0。")
    return SystemResult(
        id="rs", title="人社城乡居民养老保险与劳动力资源", department="hrss", kind=kind, files=files,
        tables={"ac01": k, "ac20": k, "ldl_jbxx": len(lab)}, sources=[src, src_l],
        mess={"invalid_ids": int((~citizen_id_valid(ids)).sum()),
              "deceased_receiving": int(still_paid.sum()),
              "birth_date_conflicts": len(bconf),
              "receiving": int(pc.sum(pc.equal(ac20["aac008"], "21")).as_py() or 0)},
        notes=[f"PostgreSQL schema {ctx.pg_schema}; set {PG_ENV}"] if ctx.pg_url else [],
    )
