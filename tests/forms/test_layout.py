"""Reading a form's layout: title, merged header block up to four levels, units, label column, footers."""

from __future__ import annotations

import io

from openpyxl import Workbook

from biaotong.forms import read_form_bytes
from biaotong.forms.sketch import SketchOptions, sketch_form
from tests.forms.catalog_forms import DEV_FORMS
from tests.forms.conftest import draw


def case(form_id: str):  # type: ignore[no-untyped-def]
    return next(c for c in DEV_FORMS if c.id == form_id)


def test_two_level_header_units_labels_and_footer() -> None:
    layout = read_form_bytes(draw(case("f1_dibao")), file="f1.xlsx")
    assert layout.title == "2021年7月城市低保对象综合统计表"
    assert layout.title_rows == [1]
    assert layout.header_rows == [3, 4]
    assert layout.first_data_row == 5 and layout.last_template_row == 8
    assert layout.default_units == ["人", "元"]
    f = layout.leaf("F")
    assert f.path == ["低保对象类别(人)", "老年人"] and f.unit == "人"
    assert layout.leaf("I").unit == "万元" and layout.leaf("C").unit == "%"
    assert layout.leaf("A").role == "label" and layout.leaf("A").level == "org"
    assert layout.template_labels == {5: "合计", 6: "雨山镇", 7: "采石街道", 8: "银塘镇"}
    kinds = {n.kind for n in layout.notes}
    assert {"org", "date", "head", "reviewer", "filler", "unit"} <= kinds
    header = layout.to_json()["header"]
    group = next(n for n in header if n["text"] == "低保对象类别(人)")
    assert group["cells"] == "F3:H3" and [c["text"] for c in group["children"]] == ["老年人", "成年人", "未成年人"]


def test_four_level_header_and_column_number_row() -> None:
    header = ["地区", ("供养救助标准", ["基本生活保障标准(元/月)",
                                   ("照料护理标准", [("一档", ["(元/月)"]), ("二档", ["(元/月)"])])])]
    layout = read_form_bytes(sketch_form("特困人员救助供养标准表", header, options=SketchOptions(code_row=True)))
    assert layout.header_rows == [3, 4, 5, 6]
    assert layout.code_row == 7 and layout.first_data_row == 8
    d = layout.leaf("D")
    assert d.path == ["供养救助标准", "照料护理标准", "二档", "(元/月)"]
    assert d.name == "二档" and d.unit == "元/月"


def test_unmerged_group_headers_are_understood() -> None:
    header = ["地区", ("性别", ["男", "女"]), "合计"]
    data = sketch_form("暂住人口统计", header, options=SketchOptions(unmerged_groups=True))
    layout = read_form_bytes(data)
    assert layout.header_rows == [3, 4]
    assert layout.leaf("C").path == ["性别", "女"]


def test_roster_layout() -> None:
    layout = read_form_bytes(draw(case("f15_poverty_roster")))
    assert layout.kind == "roster"
    assert layout.leaf("A").role == "index"
    assert [layout.leaf(k).level for k in "BCD"] == ["county", "township", "village"]


def test_label_value_form() -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws["A1"] = "村基本情况表"
    ws.merge_cells("A1:D1")
    ws["A2"] = "填报单位：            填报日期：    年  月  日"
    rows = [("人口总数(人)", "户籍人口数(人)"), ("常住人口数(人)", "农业人口数(人)"),
            ("村集体收入(万元)", "农业产值(万元)"), ("村小学个数", "村中学个数")]
    for i, (a, b) in enumerate(rows, start=3):
        ws.cell(i, 1, a)
        ws.cell(i, 3, b)
    ws["A8"] = "填报人：          联系电话："
    buf = io.BytesIO()
    wb.save(buf)
    layout = read_form_bytes(buf.getvalue())
    assert layout.kind == "form"
    assert [leaf.cell for leaf in layout.leaves][:3] == ["B3", "D3", "B4"]
    assert layout.leaf("B5").name == "村集体收入" and layout.leaf("B5").unit == "万元"
    assert {n.kind for n in layout.notes} >= {"org", "date", "filler", "phone"}


def test_vertical_item_value_form() -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws["A1"] = "人口统计年报"
    ws.append(["项目", "单位", "数量"])
    for item, unit in (("年末总户数", "户"), ("年末总人口", "万人"), ("城镇化率", "%")):
        ws.append([item, unit, None])
    buf = io.BytesIO()
    wb.save(buf)
    layout = read_form_bytes(buf.getvalue())
    assert layout.kind == "form"
    assert [(leaf.name, leaf.unit, leaf.cell) for leaf in layout.leaves] == [
        ("年末总户数", "户", "C3"), ("年末总人口", "万人", "C4"), ("城镇化率", "%", "C5")]
