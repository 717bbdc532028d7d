"""Form import bench: top-1 mapping accuracy on held-out forms (never used to tune the matcher), import time
for a 50-column form, fill time for a 5,000-row roster.

    python bench/forms_bench.py          # prints a table and JSON; see docs/forms.md for recorded figures
"""

from __future__ import annotations

import json
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from biaotong.forms import read_form_bytes
from biaotong.forms.fill import FillRow, fill_workbook
from biaotong.forms.match import Matcher, Proposal
from biaotong.forms.sketch import SketchOptions, sketch_form
from biaotong.forms.vocab import load_vocabulary

# (id, title, header, expected top-1 per column) — from shared/examples/real-forms.md, written before the
# matcher was run on them; expectations are what a civil servant would choose, not what the matcher says.
HELD_OUT: list[tuple[str, str, list, dict[str, str]]] = [
    ("f29_dibao_dynamic", "低保户动态情况表",
     ["序号", "姓名", "性别", "身份证号", "家庭住址", "联系电话", "低保类别", "月保障金(元)", "近期动态"],
     {"A": "index", "B": "resident.name", "C": "resident.sex", "D": "resident.id_number", "E": "resident.address",
      "F": "resident.phone", "G": "resident.assistance_category", "H": "resident.assistance_amount",
      "I": "resident.recent_situation"}),  # a collected element: the catalog has it (my first guess said unmapped)
    ("f11_labor", "农村劳动力转移就业情况统计表",
     ["乡镇", "劳动力人数(人)", ("其中", ["外出务工人数(人)", "就业人数(人)", "失业人数(人)"]), "技能劳动力(人)"],
     {"A": "label", "B": "labor_force", "C": "migrant_workers", "D": "employed", "E": "unemployed",
      "F": "skilled_labor"}),
    ("disabled_categories", "持证残疾人基本情况统计表",
     ["村（社区）", "持证残疾人总数", ("按残疾类别分", ["视力", "听力", "言语", "肢体", "智力", "精神", "多重"]),
      "一二级残疾人数", ("两项补贴", ["困难残疾人生活补贴人数", "重度残疾人护理补贴人数"])],
     {"A": "label", "B": "disabled_certified", "C": "disabled_visual", "D": "disabled_hearing",
      "E": "disabled_speech", "F": "disabled_physical", "G": "disabled_intellectual", "H": "disabled_mental",
      "I": "disabled_multiple", "J": "disabled_severe", "K": "disability_living_subsidy",
      "L": "disability_care_subsidy"}),
    ("medical_insurance", "城乡居民基本医疗保险参保情况表",
     ["地区", "户籍人口数", ("参保人数", ["城乡居民医保", "职工医保", "合计"]), "未参保人数", "参保率(%)",
      "脱贫人口参保人数", "困难群众参保人数"],
     {"A": "label", "B": "pop_total", "C": "med_insured_resident", "D": "med_insured_employee",
      "E": "med_insured_total", "F": "med_uninsured", "G": "med_coverage", "H": "med_insured_poverty",
      "I": "med_insured_assistance"}),
    ("f27_dropout", "控辍保学工作情况统计表",
     ["乡镇（街道）", "义务教育阶段适龄儿童少年数", ("在校生", ["小学", "初中"]), "疑似辍学人数", "已返校人数"],
     {"A": "label", "B": "compulsory_age_children", "C": "students_primary", "D": "students_junior",
      "E": "dropouts", "F": "unmapped"}),
    ("f14_monitoring", "防止返贫监测对象情况统计表",
     ["行政村", ("监测对象", ["户数(户)", "人数(人)"]),
      ("按类别分(人)", ["脱贫不稳定户", "边缘易致贫户", "突发严重困难户"]), "风险已消除人数(人)", "本月新识别监测对象(人)"],
     {"A": "label", "B": "monitoring_households", "C": "monitoring_persons", "D": "monitoring_unstable",
      "E": "monitoring_edge", "F": "monitoring_sudden", "G": "monitoring_risk_eliminated", "H": "monitoring_new"}),
]


def top1(p: Proposal) -> str:
    if p.kind in ("indicator", "element", "collected"):
        return str(p.target)
    if p.kind == "expression":
        return f"expr:{p.target}"
    return p.kind


def accuracy(matcher: Matcher) -> tuple[int, int, list[str]]:
    ok = total = 0
    misses: list[str] = []
    for form_id, title, header, expected in HELD_OUT:
        layout = read_form_bytes(sketch_form(title, header), file=f"{form_id}.xlsx")
        for p in matcher.match(layout):
            total += 1
            got = top1(p)
            if got == expected.get(p.key):
                ok += 1
            else:
                misses.append(f"{form_id} {p.key} {p.title}: got {got}, expected {expected.get(p.key)}")
    return ok, total, misses


def wide_form() -> bytes:
    names = ["低保户数", "低保人数", "特困人员数", "60周岁以上老年人数", "80岁以上老人", "孤儿数", "持证残疾人数",
             "退役军人数", "养老保险参保人数", "医保参保人数"]
    groups = [(f"第{i + 1}组", [f"{n}(人)" for n in names[:5]] if i % 2 else [f"{n}" for n in names[5:]])
              for i in range(10)]
    return sketch_form("综合情况统计表", ["地区", *groups], options=SketchOptions(code_row=True))


def main() -> None:
    t0 = time.perf_counter()
    matcher = Matcher(load_vocabulary())
    startup = time.perf_counter() - t0
    ok, total, misses = accuracy(matcher)
    data = wide_form()
    t1 = time.perf_counter()
    layout = read_form_bytes(data)
    props = matcher.match(layout)
    import_s = time.perf_counter() - t1
    header = ["序号", "姓名", "身份证号", "性别", "年龄", "家庭住址", "联系电话", "保障人数", "低保类别", "月保障金(元)"]
    template = sketch_form("低保户动态情况表", header)
    roster = read_form_bytes(template)
    rows = [FillRow({k: f"{k}{i}" for k in "BCDEFGHIJ"}) for i in range(5000)]
    t2 = time.perf_counter()
    fill_workbook(template, roster, rows, notes={"org": "红旗社区"})
    fill_s = time.perf_counter() - t2
    out = {
        "machine": f"{platform.processor() or platform.machine()} · {platform.system()} · Python {platform.python_version()}",
        "held_out_columns": total, "top1_correct": ok, "top1_accuracy": round(ok / total, 3),
        "startup_s": round(startup, 2), "import_50_columns_s": round(import_s, 3), "columns": len(props),
        "fill_5000_rows_s": round(fill_s, 2), "misses": misses,
    }
    print(json.dumps(out, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
