"""退役军人 信息采集: an API-style JSON document {"code":0,"data":{"items":[…]}} with camelCase keys,
its own type codes, 入伍/退役 as year-month, 男/女 in words."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa

from biaotong.demo.arrays import format_dates
from biaotong.demo.ids import citizen_id_valid, corrupt_check_digit
from biaotong.demo.people import DECEASED, REF_DATE
from biaotong.demo.systems.base import Context, SystemResult, pick_rows, write_source

FILE = "systems/tyjr.json"
TYPES = {"TYSB": "1", "SCJR": "2", "LSYS": "3", "YGXS": "4", "BGJR": "5", "XYJS": "6", "QTYF": "7"}
BRANCHES = ["陆军", "海军", "空军", "火箭军", "武警", "战略支援部队"]


def build(ctx: Context) -> SystemResult:
    pop = ctx.pop
    rng = ctx.rng(6)
    n, age = pop.n, pop.age
    male = pop.sex == 1
    p = np.where((age >= 22) & (age <= 85), np.where(male, 0.021, 0.0015), 0.0)
    vet = (rng.random(n) < p) & (pop.status != 2)
    rows = np.flatnonzero(vet)
    k = len(rows)
    a = age[rows]
    birth = pop.birth[rows]
    enlist = birth + ((18 + rng.integers(0, 4, k)) * 365.25).astype(np.int64)
    service = rng.choice([2, 2, 2, 3, 4, 5, 8, 12, 16], k)
    discharge = np.minimum(enlist + (service * 365.25).astype(np.int64), REF_DATE - 30)
    vtype = np.where(rng.random(k) < 0.9, "TYSB", np.where(rng.random(k) < 0.6, "SCJR", "QTYF"))
    branch = np.array(BRANCHES)[np.searchsorted(np.cumsum([0.62, 0.1, 0.1, 0.06, 0.1, 0.02]), rng.random(k) * 0.999)]
    ids = corrupt_check_digit(pop.id_number.take(pa.array(rows)), pick_rows(rng, k, 0.003))
    vcodes = ctx.village_codes()[pop.village[rows]]
    items = []
    cols = {
        "idCard": ids.to_pylist(), "name": pop.name.take(pa.array(rows)).to_pylist(),
        "gender": np.where(male[rows], "男", "女").tolist(),
        "birthday": format_dates(birth, "iso").to_pylist(),
        "veteranType": vtype.tolist(), "enlistDate": format_dates(enlist, "ym").to_pylist(),
        "dischargeDate": format_dates(discharge, "ym").to_pylist(), "branch": branch.tolist(),
        "areaCode": vcodes.tolist(), "phone": pop.phone.take(pa.array(rows)).to_pylist(),
        "isAlive": (pop.status[rows] != DECEASED).tolist(),
    }
    keys = list(cols)
    for i in range(k):
        items.append({key: cols[key][i] for key in keys})
    doc = {"code": 0, "msg": "success",
           "data": {"total": k, "pageNo": 1, "pageSize": k, "updateTime": "2025-06-30 23:00:00", "items": items}}
    path = ctx.out_dir / FILE
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    src = write_source(ctx, {
        "name": "tyjr_veterans", "title": "退役军人信息采集系统", "department": "veterans", "entity": "resident",
        "connection": {"kind": "json", "path": f"../{FILE}", "records": "data.items"}, "key": "id_number",
        "columns": {"idCard": "id_number", "name": "name", "gender": "sex",
                    "birthday": {"element": "birth_date", "date_format": "%Y-%m-%d"},
                    "veteranType": {"element": "veteran_type", "codes": TYPES},
                    "enlistDate": {"element": "enlist_date", "date_format": "%Y-%m"},
                    "dischargeDate": {"element": "discharge_date", "date_format": "%Y-%m"},
                    "branch": "service_branch", "areaCode": "org_code", "phone": "phone"},
        "sync": {"mode": "full"},
    }, "退役军人信息（接口 JSON，记录在 data.items）。veteranType：TYSB 退役士兵 SCJR 伤残军人 QTYF 其他优抚对象；\n"
       "入伍、退役时间为年月。")
    return SystemResult(
        id="tyjr", title="退役军人事务信息系统", department="veterans", kind="json", files=[FILE],
        tables={"data.items": k}, sources=[src],
        mess={"invalid_ids": int((~citizen_id_valid(ids)).sum()),
              "deceased_listed": int((pop.status[rows] == DECEASED).sum()), "aged_60_plus": int((a >= 60).sum())},
    )
