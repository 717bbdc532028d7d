"""Department forms that ship with the demo county, so `biaotong template import` can be tried at once.

Three layouts a township clerk meets every month: an aggregate table by township (民政 低保), a roster of
people (老龄办 高龄老人), and a single-unit card (村基本情况表). They are drawn the way departments draw
them (title, 填表单位 line, merged header, footer), not derived from biaotong's own report specs.
"""

from __future__ import annotations

import io
from pathlib import Path

from openpyxl import Workbook

from biaotong.forms.sketch import SketchOptions, sketch_form
from biaotong.yamlfile import read_yaml

FORMS_DIR = "forms"
AGGREGATE = "低保对象统计表.xlsx"
ROSTER = "高龄老人花名册.xlsx"
CARD = "村基本情况表.xlsx"


def write_demo_forms(out_dir: Path, org_tree_file: Path) -> list[Path]:
    """Write the three forms into out_dir/forms/ and return their paths."""
    folder = Path(out_dir) / FORMS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    townships = [u["name"] for u in (read_yaml(org_tree_file) or {}).get("units", []) if u.get("level") == "township"]
    files = {
        AGGREGATE: sketch_form(
            "青山县城乡低保对象统计表",
            ["乡镇（街道）", "低保户数(户)", "低保对象人数(人)", ("低保对象类别(人)", ["老年人", "成年人", "未成年人"]),
             "当月资金支出数 (万元)"],
            rows=["合计", *townships],
            options=SketchOptions(meta_line="填表单位：青山县民政局          单位：户、人、万元          填表日期：    年  月  日"),
        ),
        ROSTER: sketch_form(
            "青山县80周岁以上高龄老人花名册",
            ["序号", "乡镇（街道）", "村（社区）", "姓名", "性别", "身份证号码", "出生日期", "联系电话"],
            options=SketchOptions(meta_line="填报单位：          数据日期：    年  月  日", blank_rows=3),
        ),
        CARD: _card(),
    }
    written = []
    for name, data in files.items():
        path = folder / name
        path.write_bytes(data)
        written.append(path)
    return written


def _card() -> bytes:
    """A 村基本情况表: label/value pairs, two to a row, as villages fill it once a year."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "基本情况"
    ws["A1"] = "村（社区）基本情况表"
    ws.merge_cells("A1:D1")
    ws["A2"] = "填报单位：                    填报日期：    年  月  日"
    pairs = [("户籍人口数(人)", "户籍户数(户)"), ("60周岁以上老年人(人)", "80周岁以上老年人(人)"),
             ("低保对象人数(人)", "特困供养人数(人)"), ("残疾人数(人)", "村集体收入(万元)")]
    for i, (left, right) in enumerate(pairs, start=3):
        ws.cell(i, 1, left)
        ws.cell(i, 3, right)
    ws.cell(3 + len(pairs) + 1, 1, "填报人：          审核人：          联系电话：")
    for col, width in zip("ABCD", (24, 14, 24, 14), strict=True):
        ws.column_dimensions[col].width = width
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
