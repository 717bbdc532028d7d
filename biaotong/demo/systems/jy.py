"""教育 学籍: a UTF-8 CSV of pupils (学前 to 高中/中职) with 学段 in words and a 辍学 flag."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from biaotong.demo.arrays import concat, take_str
from biaotong.demo.ids import citizen_id_valid
from biaotong.demo.systems.base import Context, SystemResult, pick_rows, write_source
from biaotong.demo.writers import write_csv

FILE = "systems/jy_xsxj.csv"


def build(ctx: Context) -> SystemResult:
    pop, tree = ctx.pop, ctx.tree
    rng = ctx.rng(10)
    age = pop.age
    pupil = pop.active & (age >= 3) & (age <= 18) & (rng.random(pop.n) < np.where(age <= 15, 0.99, 0.85))
    rows = np.flatnonzero(pupil)
    k = len(rows)
    a = age[rows]
    stage = np.select([a < 6, a < 12, a < 15], [0, 1, 2], np.where(rng.random(k) < 0.65, 3, 4))
    stage_label = ["学前", "小学", "初中", "高中", "中职"]
    grade = np.select([stage == 0, stage == 1, stage == 2], [a - 2, a - 5, a - 11], a - 14)
    dropout = (stage >= 1) & (stage <= 2) & (rng.random(k) < 0.002)
    dropout[pick_rows(rng, k, 0.0005)] = True  # make sure a few are there
    town = np.array([tree.townships[v.township].root for v in tree.villages])[pop.village[rows]]
    school = take_str(["中心幼儿园", "中心小学", "中学", "青山县第一中学", "青山县职业高级中学"], stage)
    school = concat(pa.array(np.where(stage <= 2, town, ""), pa.string()), school)
    ids = pop.id_number.take(pa.array(rows))
    table = pa.table({
        "学籍号": concat("G", ids), "姓名": pop.name.take(pa.array(rows)),
        "性别": pa.array(np.where(pop.sex[rows] == 1, "男", "女"), pa.string()), "身份证件号": ids,
        "学校名称": school, "学段": take_str(stage_label, stage), "年级": pa.array(grade.astype(np.int64)),
        "就读状态": pa.array(np.where(dropout, "辍学", "在读"), pa.string()),
        "是否辍学": pa.array(np.where(dropout, "是", "否"), pa.string()),
        "户籍行政区划": pa.array(ctx.village_codes()[pop.village[rows]], pa.string()),
    })
    write_csv(ctx.out_dir / FILE, table)
    src = write_source(ctx, {
        "name": "jy_students", "title": "教育学籍信息", "department": "education", "entity": "resident",
        "connection": {"kind": "csv", "path": f"../{FILE}"}, "key": "id_number",
        "columns": {"身份证件号": "id_number", "姓名": "name", "性别": "sex", "学段": "student_status",
                    "是否辍学": "school_dropout", "户籍行政区划": "org_code"},
        "sync": {"mode": "full"},
    }, "教育学籍（学前至高中、中职）。学段为中文；就读状态 在读/辍学。")
    return SystemResult(
        id="jy", title="学生学籍管理系统", department="education", kind="csv", files=[FILE],
        tables={"jy_xsxj.csv": k}, sources=[src],
        mess={"invalid_ids": int((~citizen_id_valid(ids)).sum()), "dropouts": int(dropout.sum())},
    )
