"""残联 持证残疾人: a GBK-encoded CSV with Chinese headers, 男/女, categories and grades in words,
town and village by name, ID numbers sometimes with a lower-case x; some values disagree with 公安."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from biaotong.demo.arrays import format_dates
from biaotong.demo.ids import citizen_id_valid, corrupt_check_digit
from biaotong.demo.people import DECEASED, MOVED_OUT, REF_DATE
from biaotong.demo.systems.base import Context, SystemResult, pick_rows, with_duplicates, write_source
from biaotong.demo.writers import write_csv

FILE = "systems/cl_cjr.csv"
CATEGORIES = ["视力", "听力", "言语", "肢体", "智力", "精神", "多重"]
GRADES = ["一级", "二级", "三级", "四级"]


def build(ctx: Context) -> SystemResult:
    pop, prog = ctx.pop, ctx.prog
    rng = ctx.rng(4)
    # the federation learns of deaths late: a quarter of the deceased are still listed
    listed = prog.disabled & (pop.status != MOVED_OUT) & ((pop.status != DECEASED) | (rng.random(pop.n) < 0.25))
    rows = np.flatnonzero(listed)
    k = len(rows)
    take = pa.array(rows)
    bad = pick_rows(rng, k, 0.002)
    ids = corrupt_check_digit(pop.id_number.take(take), bad).to_numpy(zero_copy_only=False).astype(object)
    lower = np.array([i for i in range(k) if ids[i].endswith("X") and rng.random() < 0.4], dtype=np.int64)
    ids[lower] = np.array([s[:-1] + "x" for s in ids[lower]], dtype=object)
    sex = pop.sex[rows].copy()
    sex_conf = pick_rows(rng, k, 0.004)
    sex[sex_conf] = 3 - sex[sex_conf]
    birth = pop.birth[rows].copy()
    birth_conf = pick_rows(rng, k, 0.005)
    birth[birth_conf] = birth[birth_conf] + rng.choice([-3650, -365, -30, 30, 365], len(birth_conf))
    village = pop.village[rows].copy()
    cur = np.array(ctx.tree.current_villages())
    vill_conf = pick_rows(rng, k, 0.008)
    village[vill_conf] = cur[rng.integers(0, len(cur), len(vill_conf))]
    cat, grade = prog.dis_category[rows], prog.dis_grade[rows]
    cert = pa.array([f"{s.upper()}{c}{g}" for s, c, g in zip(pop.id_number.take(take).to_pylist(), cat, grade,
                                                             strict=True)])
    living = (prog.assistance[rows] > 0) & (rng.random(k) < 0.92)
    care = (grade <= 2) & (rng.random(k) < 0.95)
    issued = np.maximum(pop.birth[rows] + 365, REF_DATE - rng.integers(30, 12 * 365, k))
    date_style = rng.random(k) < 0.85
    iso, cn = format_dates(birth, "iso"), format_dates(birth, "cn")
    table = pa.table({
        "残疾证号": cert,
        "姓名": pop.name.take(take),
        "性别": pa.array(np.where(sex == 1, "男", "女"), pa.string()),
        "身份证号": pa.array(ids.tolist(), pa.string()),
        "出生日期": pc.if_else(pa.array(date_style), iso, cn),
        "民族": pa.array(np.array(_ethnic_labels())[pop.ethnicity.take(take).to_numpy(zero_copy_only=False)
                                                  .astype(np.int64) - 1], pa.string()),
        "残疾类别": pa.array(np.array(CATEGORIES)[cat - 1], pa.string()),
        "残疾等级": pa.array(np.array(GRADES)[grade - 1], pa.string()),
        "所在乡镇": pa.array(ctx.township_names()[village], pa.string()),
        "所在村（社区）": pa.array(ctx.village_names()[village], pa.string()),
        "困难残疾人生活补贴": pa.array(np.where(living, "是", "否"), pa.string()),
        "重度残疾人护理补贴": pa.array(np.where(care, "是", "否"), pa.string()),
        "发证日期": format_dates(issued, "iso"),
        "联系电话": pop.phone.take(take),
    })
    dups = pick_rows(rng, k, 0.004)
    table = with_duplicates(table, dups)
    write_csv(ctx.out_dir / FILE, table, encoding="gbk")
    src = write_source(ctx, {
        "name": "cl_disabled", "title": "残联持证残疾人信息", "department": "disabled_federation",
        "entity": "resident", "connection": {"kind": "csv", "path": f"../{FILE}", "encoding": "gbk"},
        "key": "id_number",
        "columns": {
            "身份证号": "id_number", "姓名": "name", "性别": "sex",
            "出生日期": {"element": "birth_date", "date_format": "auto"}, "民族": "ethnicity",
            "残疾证号": "disability_cert_no", "残疾类别": "disability_category", "残疾等级": "disability_grade",
            "所在村（社区）": {"element": "org_code", "org_by_name": True, "parent_column": "所在乡镇"},
            "困难残疾人生活补贴": "disability_living_subsidy",
            "重度残疾人护理补贴": "severe_disability_care_subsidy", "联系电话": "phone",
        },
        "sync": {"mode": "full"},
    }, "残联持证残疾人信息（GBK 编码 CSV 导出）。性别 男/女，残疾类别与等级为中文，乡镇与村按名称；\n"
       "身份证号末位偶有小写 x；出生日期有 2025-01-31 与 2025年1月31日 两种写法。")
    return SystemResult(
        id="cl", title="残联残疾人人口基础数据库", department="disabled_federation", kind="csv", files=[FILE],
        tables={"cl_cjr.csv": table.num_rows}, sources=[src],
        mess={"invalid_ids": int((~citizen_id_valid(table["身份证号"].combine_chunks())).sum()),
              "lowercase_x": len(lower), "sex_conflicts": len(sex_conf), "birth_date_conflicts": len(birth_conf),
              "org_conflicts": len(vill_conf), "duplicates": len(dups),
              "deceased_listed": int((pop.status[rows] == DECEASED).sum())},
    )


def _ethnic_labels() -> list[str]:
    return ["汉族", "蒙古族", "回族", "藏族", "维吾尔族", "苗族", "彝族", "壮族", "布依族", "朝鲜族", "满族", "侗族",
            "瑶族", "白族", "土家族", "哈尼族", "哈萨克族", "傣族", "黎族", "傈僳族", "佤族", "畲族", "高山族", "拉祜族"]
