"""乡村振兴 防返贫监测: SQLite with household (fp_hxx) and person (fp_ryxx) tables; its own 户编号 next to
the police household number; 是/否 flags, risk types and categories in Chinese, land and income per household."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from biaotong.demo.arrays import format_dates, zfill
from biaotong.demo.ids import citizen_id_valid, corrupt_check_digit
from biaotong.demo.people import REF_DATE
from biaotong.demo.systems.base import Context, SystemResult, null_where, pick_rows, write_source
from biaotong.demo.writers import write_sqlite

DB = "systems/xczx_jc.db"
CATEGORY = ["", "脱贫不稳定户", "边缘易致贫户", "突发严重困难户"]
RISKS = ["因病", "因残", "因学", "因灾", "因意外事故", "因产业项目失败", "因务工就业不稳", "缺劳动力", "住房出现安全问题",
         "因安全饮水"]


def build(ctx: Context) -> SystemResult:
    pop, prog = ctx.pop, ctx.prog
    rng = ctx.rng(7)
    in_sys = prog.tuopin_hh | (prog.monitor_hh > 0)
    hh_rows = np.flatnonzero(in_sys)
    kh = len(hh_rows)
    size = np.bincount(pop.hh, minlength=pop.n_households)[hh_rows]
    mon = prog.monitor_hh[hh_rows]
    hlx = np.where(mon > 0, "监测户", "脱贫户")
    land = np.round(rng.gamma(2.2, 1.6, kh) * np.maximum(size, 1) / 2.5, 1)
    forest = np.round(np.where(rng.random(kh) < 0.6, rng.gamma(1.5, 4.0, kh), 0.0), 1)
    income = np.round(rng.lognormal(np.log(13500), 0.35, kh) * np.where(mon > 0, 0.7, 1.0), 2)
    safety = np.array(["A", "B", "C", "D"])[np.searchsorted([0.78, 0.97, 0.995], rng.random(kh))]
    households = pa.table({
        "HBH": zfill(np.arange(kh, dtype=np.int64) + 1, 8),
        "GAHH": pop.hh_id.take(pa.array(hh_rows)),
        "HZSFZ": pop.id_number.take(pa.array(pop.hh_head[hh_rows])),
        "XZQH": pa.array(ctx.village_codes()[pop.hh_village[hh_rows]], pa.string()),
        "HLX": pa.array(hlx, pa.string()), "JTRK": pa.array(size.astype(np.int64)),
        "GDMJ": pa.array(land), "LDMJ": pa.array(forest), "ZFAQ": pa.array(safety, pa.string()),
        "RJCSR": pa.array(income),
        "YSAQ": pa.array(np.where(rng.random(kh) < 0.97, "是", "否"), pa.string()),
        "HZS": pa.array(np.where(rng.random(kh) < 0.45, "是", "否"), pa.string()),
    })
    # people of those households (the living and registered)
    hb_of = np.full(pop.n_households, -1)
    hb_of[hh_rows] = np.arange(kh)
    p_rows = np.flatnonzero(in_sys[pop.hh] & pop.active)
    kp = len(p_rows)
    hb = hb_of[pop.hh[p_rows]]
    cat = prog.monitor_hh[pop.hh[p_rows]]
    h_ident = REF_DATE - rng.integers(30, 4 * 365, kh)
    h_elim = rng.random(kh) < 0.62
    h_elim_date = np.minimum(h_ident + rng.integers(120, 900, kh), REF_DATE - 1)
    h_elim = h_elim & (h_elim_date > h_ident)
    h_risk = rng.integers(0, len(RISKS), kh)
    monitored = cat > 0
    ident = h_ident[hb]
    elim = h_elim[hb] & monitored
    rel = np.select([pop.role[p_rows] == 0, pop.role[p_rows] == 1], ["户主", "配偶"], "子女")
    ids = corrupt_check_digit(pop.id_number.take(pa.array(p_rows)), pick_rows(rng, kp, 0.002))
    persons = pa.table({
        "HBH": households["HBH"].take(pa.array(hb)), "RBH": zfill(np.arange(kp, dtype=np.int64) + 1, 10),
        "SFZH": ids, "XM": pop.name.take(pa.array(p_rows)), "YHZGX": pa.array(rel, pa.string()),
        "XZQH": pa.array(ctx.village_codes()[pop.village[p_rows]], pa.string()),
        "SFTP": pa.array(np.where(prog.tuopin_hh[pop.hh[p_rows]], "是", "否"), pa.string()),
        "JCDXLB": null_where(pa.array(np.array(CATEGORY)[cat], pa.string()), ~monitored),
        "SBSJ": format_dates(ident, "iso", valid=monitored),
        "FXSFXC": null_where(pa.array(np.where(elim, "是", "否"), pa.string()), ~monitored),
        "XCSJ": format_dates(h_elim_date[hb], "iso", valid=elim),
        "FXLX": null_where(pa.array(np.array(RISKS)[h_risk[hb]], pa.string()), ~monitored),
    })
    write_sqlite(ctx.out_dir / DB, {"fp_hxx": households, "fp_ryxx": persons},
                 indexes=[("fp_ryxx", "SFZH"), ("fp_hxx", "HBH")])
    url = f"sqlite:///../{DB}"
    src_p = write_source(ctx, {
        "name": "xczx_persons", "title": "防止返贫监测信息系统（人员）", "department": "agriculture", "entity": "resident",
        "connection": {"kind": "sqlite", "url": url}, "table": "fp_ryxx", "key": "id_number",
        "columns": {"SFZH": "id_number", "XM": "name", "XZQH": "org_code", "SFTP": "poverty_alleviated",
                    "JCDXLB": "monitoring_category", "SBSJ": {"element": "monitoring_identified_date", "date_format": "%Y-%m-%d"},
                    "FXSFXC": "risk_eliminated", "XCSJ": {"element": "risk_eliminated_date", "date_format": "%Y-%m-%d"},
                    "FXLX": "risk_type"},
        "sync": {"mode": "full"},
    }, "防止返贫监测信息系统人员表 fp_ryxx：是否脱贫人口、监测对象类别、识别与消除时间、风险类型（中文）。")
    src_h = write_source(ctx, {
        "name": "xczx_households", "title": "防止返贫监测信息系统（农户）", "department": "agriculture",
        "entity": "household", "connection": {"kind": "sqlite", "url": url}, "table": "fp_hxx", "key": "household_id",
        "columns": {"GAHH": "household_id", "HZSFZ": "householder_id_number", "XZQH": "org_code",
                    "HLX": "poverty_household_type", "GDMJ": "arable_land_area", "LDMJ": "forest_land_area",
                    "ZFAQ": "house_safety_level", "RJCSR": "per_capita_net_income", "YSAQ": "drinking_water_safe",
                    "HZS": "cooperative_member"},
        "sync": {"mode": "full"},
    }, "防止返贫监测信息系统农户表 fp_hxx：HBH 为本系统户编号，GAHH 为公安户号（与户籍户关联的键）；\n"
       "耕地、林地面积（亩），住房安全等级 A–D，人均纯收入（元），饮水安全与合作社 是/否。")
    return SystemResult(
        id="xczx", title="防止返贫监测信息系统", department="agriculture", kind="sqlite", files=[DB],
        tables={"fp_hxx": kh, "fp_ryxx": kp}, sources=[src_p, src_h],
        mess={"invalid_ids": int((~citizen_id_valid(ids)).sum()),
              "householder_not_active": int((pop.status[pop.hh_head[hh_rows]] != 0).sum())},
    )
