"""卫健 基本公卫: SQLite with 健康档案 (chronic disease flags), 家庭医生签约 and 65+ 健康体检 tables; the
source reads them through one query (a view, as health systems export them)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from biaotong.demo.arrays import format_dates, zfill
from biaotong.demo.ids import citizen_id_valid
from biaotong.demo.people import DECEASED, REF_DATE
from biaotong.demo.systems.base import Context, SystemResult, write_source
from biaotong.demo.writers import write_sqlite

DB = "systems/wj_jkda.db"
QUERY = """select d.DAH, d.SFZH, d.XM, d.XB, d.CSRQ, d.XZQH, d.GXY, d.TNB, d.YZJSZA, d.FJH, d.YCF,
  q.QYRQ, case when q.QYZT = '1' then 'Y' else 'N' end as QYBZ, t.TJRQ, t.ZLNLPF, t.ZLNLPJ
from jkda_grjbxx d
left join (select SFZH, max(QYRQ) as QYRQ, max(QYZT) as QYZT from jtys_qy where QYZT = '1' group by SFZH) q
  on q.SFZH = d.SFZH
left join (select SFZH, TJRQ, ZLNLPF, ZLNLPJ from lnr_tj x
           where TJRQ = (select max(TJRQ) from lnr_tj y where y.SFZH = x.SFZH)) t on t.SFZH = d.SFZH
where d.DAZT = '1'"""


def build(ctx: Context) -> SystemResult:
    pop, prog = ctx.pop, ctx.prog
    rng = ctx.rng(5)
    n, age = pop.n, pop.age
    has_record = (pop.status != 2) & (rng.random(n) < 0.91)
    rows = np.flatnonzero(has_record)
    k = len(rows)
    a = age[rows]
    r = lambda: rng.random(k)  # noqa: E731
    p_htn = np.select([a < 35, a < 45, a < 55, a < 65, a < 75], [0.004, 0.08, 0.16, 0.26, 0.33], 0.38)
    htn = r() < p_htn
    p_dm = np.select([a < 35, a < 45, a < 55, a < 65], [0.001, 0.03, 0.07, 0.10], 0.12)
    dm = r() < p_dm
    smd = (a >= 15) & (r() < np.where(prog.disabled[rows] & (prog.dis_category[rows] == 6), 0.6, 0.0035))
    tb = r() < 0.0006
    preg = (pop.sex[rows] == 2) & (a >= 20) & (a <= 40) & (r() < 0.05)
    dead = pop.status[rows] == DECEASED
    status = np.where(dead & (r() < 0.8), "2", "1")  # 2 = 已结案 (deceased records closed, most of them)
    records = pa.table({
        "DAH": zfill(np.arange(k, dtype=np.int64) + 530927_0000001, 13),
        "SFZH": pop.id_number.take(pa.array(rows)), "XM": pop.name.take(pa.array(rows)),
        "XB": pa.array(pop.sex[rows].astype(str), pa.string()),
        "CSRQ": format_dates(pop.birth[rows], "iso"),
        "XZQH": pa.array(ctx.village_codes()[pop.village[rows]], pa.string()),
        "GXY": pa.array(np.where(htn, "1", "0"), pa.string()), "TNB": pa.array(np.where(dm, "1", "0"), pa.string()),
        "YZJSZA": pa.array(np.where(smd, "1", "0"), pa.string()), "FJH": pa.array(np.where(tb, "1", "0"), pa.string()),
        "YCF": pa.array(np.where(preg, "1", "0"), pa.string()),
        "JDRQ": format_dates(np.maximum(pop.birth[rows], REF_DATE - rng.integers(100, 4000, k)), "iso"),
        "DAZT": pa.array(status, pa.string()),
    })
    # family doctor contracts: 65+ ~75%, chronic patients ~70%, others ~30%
    p_sign = np.where(a >= 65, 0.76, np.where(htn | dm | smd, 0.7, np.where(preg | (a <= 6), 0.6, 0.3)))
    signed = (r() < p_sign) & ~dead
    s_rows = rows[signed]
    ks = len(s_rows)
    earlier = rng.random(ks) < 0.3  # an older, expired contract as well
    sign_date = REF_DATE - rng.integers(1, 365, ks)
    q_ids = np.concatenate([s_rows, s_rows[earlier]])
    q_dates = np.concatenate([sign_date, sign_date[earlier] - 365])
    q_state = np.concatenate([np.full(ks, "1"), np.full(int(earlier.sum()), "0")])
    contracts = pa.table({
        "QYBH": zfill(np.arange(len(q_ids), dtype=np.int64) + 1, 10),
        "SFZH": pop.id_number.take(pa.array(q_ids)), "QYRQ": format_dates(q_dates, "iso"),
        "QYTD": pa.array(np.char.add(ctx.township_names()[pop.village[q_ids]], "卫生院家庭医生团队"), pa.string()),
        "FWB": pa.array(np.where(age[q_ids] >= 65, "老年人服务包", "基础服务包"), pa.string()),
        "QYZT": pa.array(q_state, pa.string()),
    })
    # 65+ health checks: ~65% checked in the last 12 months; some had one the year before too
    old = rows[(a >= 65) & ~dead]
    checked = old[rng.random(len(old)) < 0.66]
    twice = checked[rng.random(len(checked)) < 0.5]
    t_ids = np.concatenate([checked, twice])
    t_dates = np.concatenate([REF_DATE - rng.integers(1, 365, len(checked)), REF_DATE - rng.integers(366, 730, len(twice))])
    score = np.minimum(rng.geometric(0.35, len(t_ids)) - 1 + (age[t_ids] >= 80) * rng.integers(0, 8, len(t_ids)), 60)
    band = np.select([score <= 3, score <= 8, score <= 18], ["1", "2", "3"], "4")
    checks = pa.table({
        "TJBH": zfill(np.arange(len(t_ids), dtype=np.int64) + 1, 10),
        "SFZH": pop.id_number.take(pa.array(t_ids)), "TJRQ": format_dates(t_dates, "iso"),
        "ZLNLPF": pa.array(score.astype(np.int64)), "ZLNLPJ": pa.array(band, pa.string()),
    })
    write_sqlite(ctx.out_dir / DB, {"jkda_grjbxx": records, "jtys_qy": contracts, "lnr_tj": checks},
                 indexes=[("jtys_qy", "SFZH"), ("lnr_tj", "SFZH")])
    src = write_source(ctx, {
        "name": "wj_health", "title": "卫健基本公共卫生（健康档案、家庭医生签约、老年人体检）", "department": "health",
        "entity": "resident", "connection": {"kind": "sqlite", "url": f"sqlite:///../{DB}"}, "query": QUERY,
        "key": "id_number",
        "columns": {
            "SFZH": "id_number", "XM": "name", "XB": "sex", "CSRQ": {"element": "birth_date", "date_format": "%Y-%m-%d"},
            "XZQH": "org_code", "DAH": "health_record_no", "GXY": "hypertension", "TNB": "diabetes",
            "YZJSZA": "severe_mental_disorder", "FJH": "tuberculosis", "YCF": "pregnant",
            "QYBZ": "family_doctor_signed", "QYRQ": {"element": "family_doctor_sign_date", "date_format": "%Y-%m-%d"},
            "TJRQ": {"element": "elderly_health_check_date", "date_format": "%Y-%m-%d"},
            "ZLNLPF": "self_care_score", "ZLNLPJ": "self_care_level",
        },
        "sync": {"mode": "full"},
    }, "卫健基本公卫系统：jkda_grjbxx 健康档案（DAZT 1 在管 2 结案）、jtys_qy 家庭医生签约（QYZT 1 有效 0 解约）、\n"
       "lnr_tj 65 岁及以上老年人体检与自理能力评估。慢病标志 1/0；签约标志 Y/N。")
    return SystemResult(
        id="wj", title="卫健基本公共卫生服务系统", department="health", kind="sqlite", files=[DB],
        tables={"jkda_grjbxx": k, "jtys_qy": contracts.num_rows, "lnr_tj": checks.num_rows}, sources=[src],
        mess={"invalid_ids": int((~citizen_id_valid(records["SFZH"].combine_chunks())).sum()),
              "open_records_of_deceased": int((dead & (status == "1")).sum()),
              "hypertension": int(htn.sum()), "diabetes": int(dm.sum())},
    )
