"""The lines around a real form's header, read for what they are: 表号 block beside the title, a 填报单位 /
统计时点 / 单位 line split over merged cells, several sheets, pre-listed rows; and bad sheets get messages
naming sheet, range and column."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook
from openpyxl.styles import Border, Side
from openpyxl.worksheet.worksheet import Worksheet

from biaotong.errors import FormError
from biaotong.forms import read_form_bytes
from biaotong.forms.layout import read_forms_bytes

BOX = Border(*(Side(style="thin"),) * 4)


def _save(wb: Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _county_form(ws: Worksheet) -> None:
    """A statistical form as a county bureau draws it: title beside a top-right 表号 block, the 填报单位 /
    统计时点 / 单位 line in three merged cells, a two-row header with label columns merged down."""
    ws["A1"] = "2025年6月农村低保对象统计表"
    ws.merge_cells("A1:E2")
    for r, line in enumerate(["表    号：民统3表", "制定机关：县民政局", "有效期至：2027年12月"], start=1):
        ws.cell(r, 6, line)
        ws.merge_cells(start_row=r, start_column=6, end_row=r, end_column=7)
    ws["A4"] = "填报单位（盖章）："
    ws["C4"] = "统计时点：2025年6月30日"
    ws["F4"] = "单位：户、人"
    ws.merge_cells("A4:B4")
    ws.merge_cells("C4:E4")
    ws.merge_cells("F4:G4")
    for c, text in enumerate(["序号", "乡镇（街道）", "村（社区）"], start=1):
        ws.cell(5, c, text)
        ws.merge_cells(start_row=5, start_column=c, end_row=6, end_column=c)
    ws["D5"] = "低保"
    ws.merge_cells("D5:F5")
    for c, text in enumerate(["户数（户）", "人数（人）", "其中：女"], start=4):
        ws.cell(6, c, text)
    ws["G5"] = "备注"
    ws.merge_cells("G5:G6")
    for r in range(7, 12):
        for c in range(1, 8):
            ws.cell(r, c).border = BOX
    ws["C7"] = "合计"
    ws["A13"] = "填表说明：1.本表统计在保对象。"
    ws["A14"] = "2.年龄按周岁计算。"
    ws["A16"] = "单位负责人：      统计负责人：      填表人：      报出日期：    年  月  日"


def test_head_block_beside_title_split_meta_line_and_reference_date() -> None:
    wb = Workbook()
    _county_form(wb.active)
    layout = read_form_bytes(_save(wb))
    assert layout.kind == "aggregate"
    assert layout.title == "2025年6月农村低保对象统计表"
    assert layout.header_rows == [5, 6] and layout.first_data_row == 7
    assert [(leaf.column, leaf.role, leaf.level) for leaf in layout.leaves[:3]] == [
        ("A", "index", None), ("B", "label", "township"), ("C", "label", "village")]
    assert [leaf.name for leaf in layout.data_columns] == ["户数", "人数", "女", "备注"]
    assert layout.reference_date == "2025-06-30"
    kinds = [n.kind for n in layout.notes]
    assert kinds.count("block") == 3 and "reference" in kinds and "org" in kinds and "unit" in kinds
    remarks = [n.text for n in layout.notes if n.kind == "remark"]
    assert remarks == ["填表说明：1.本表统计在保对象。", "2.年龄按周岁计算。"]
    assert layout.default_units == ["户", "人"]
    assert layout.template_labels == {7: "合计"}


def test_notes_sheet_first_and_a_blank_sheet_are_not_forms() -> None:
    wb = Workbook()
    notes = wb.active
    notes.title = "填表说明"
    notes["A1"] = "填表说明"
    notes["A2"] = "1.本表由村（社区）填报，乡镇汇总。"
    notes["A3"] = "2.数据截至每月最后一日。"
    _county_form(wb.create_sheet("低保月报"))
    wb.create_sheet("Sheet2")
    data = _save(wb)
    assert read_form_bytes(data).sheet == "低保月报"
    assert [f.sheet for f in read_forms_bytes(data)] == ["低保月报"]


def test_several_sheets_are_several_forms() -> None:
    wb = Workbook()
    _county_form(wb.active)
    wb.active.title = "城市"
    _county_form(wb.create_sheet("农村"))
    forms = read_forms_bytes(_save(wb))
    assert [(f.sheet, f.kind, len(f.data_columns)) for f in forms] == [("城市", "aggregate", 4), ("农村", "aggregate", 4)]


def test_a_pre_listed_first_column_is_a_label_even_with_an_unknown_header() -> None:
    wb = Workbook()
    ws = wb.active
    ws["A1"] = "卫生院门诊量统计表"
    ws.append(["站所", "门诊人次", "住院人次"])
    for name in ("中心卫生院", "河西分院", "合计"):
        ws.append([name, None, None])
    layout = read_form_bytes(_save(wb))
    assert layout.kind == "aggregate"
    assert layout.leaf("A").role == "label"
    assert [leaf.column for leaf in layout.data_columns] == ["B", "C"]


def test_label_value_card_with_identity_line() -> None:
    wb = Workbook()
    ws = wb.active
    ws["A1"] = "村基本情况表"
    ws.merge_cells("A1:F1")
    ws["A2"], ws["D2"] = "村（社区）名称：", "所属乡镇："
    ws.merge_cells("B2:C2")
    ws["A3"] = "统计时点：2025年6月30日"
    ws.merge_cells("A3:F3")
    fields = [("户籍人口（人）", "常住人口（人）"), ("耕地面积", "村集体收入（万元）")]
    for r, (a, b) in enumerate(fields, start=4):
        ws.cell(r, 1, a)
        ws.cell(r, 4, b)
        ws.merge_cells(start_row=r, start_column=2, end_row=r, end_column=3)
        for c in range(1, 7):
            ws.cell(r, c).border = BOX
    ws["E5"] = None
    ws["F5"] = "亩"
    ws["A8"] = "填表人：        联系电话："
    layout = read_form_bytes(_save(wb))
    assert layout.kind == "form"
    assert [(leaf.cell, leaf.name, leaf.unit) for leaf in layout.leaves] == [
        ("B4", "户籍人口", "人"), ("E4", "常住人口", "人"), ("B5", "耕地面积", None), ("E5", "村集体收入", "万元")]
    ident = {n.kind: n.value_cell for n in layout.notes if n.kind in ("unit_name", "parent")}
    assert ident == {"unit_name": "B2", "parent": "E2"}
    assert layout.reference_date == "2025-06-30"


def test_merged_cells_only_is_refused_with_the_range() -> None:
    wb = Workbook()
    ws = wb.active
    ws["B2"] = "统计表"
    ws.merge_cells("B2:H9")
    with pytest.raises(FormError) as err:
        read_form_bytes(_save(wb), file="合并.xlsx")
    assert "B2:H9" in err.value.zh and err.value.where.key == "Sheet"


def test_names_listed_under_a_measure_column_is_refused_naming_the_column() -> None:
    wb = Workbook()
    ws = wb.active
    ws["A1"] = "各村人口统计表"
    ws.append(["户籍人口（人）", "常住人口（人）", "备注"])
    for name in ("东风村", "红旗社区", "西山村"):
        ws.append([None, None, name])
    with pytest.raises(FormError) as err:
        read_form_bytes(_save(wb), file="无标签.xlsx")
    e = err.value
    assert "找不到行标签列" in e.zh and "A2:C2" in e.zh and e.where.column == "C" and e.where.key == "Sheet"


def test_period_columns_are_headers_not_a_date_line() -> None:
    wb = Workbook()
    ws = wb.active
    ws["A1"] = "各乡镇人口对比表"
    ws.append(["地区", "2024年6月", "2025年6月"])
    ws.append(["合计", None, None])
    ws.append(["城关镇", None, None])
    layout = read_form_bytes(_save(wb))
    assert layout.kind == "aggregate" and layout.header_rows == [2]
    assert [(leaf.role, leaf.name) for leaf in layout.leaves] == [
        ("label", "地区"), ("data", "2024年6月"), ("data", "2025年6月")]
    assert layout.template_labels == {3: "合计", 4: "城关镇"}


def test_a_unit_row_of_ming_is_units_not_sub_headers() -> None:
    # 计量单位 | 名 | 名 … under a two-level header whose right-hand columns are not merged down: 名 is a unit
    # (persons), so row 6 must not become a header row passing 流动党员 on to the columns right of it
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws["A1"] = "村（社区）党组织和党员队伍情况统计表"
    ws.merge_cells("A1:H1")
    ws["A2"] = "填报单位（盖章）：          截至2025年6月30日"
    ws.merge_cells("A2:H2")
    heads = ["地区", "党员总数", "其中", None, None, "本年发展党员", "村两委成员", "党费收缴"]
    for c, text in enumerate(heads, start=1):
        ws.cell(3, c, text)
    ws.merge_cells("A3:A4")
    ws.merge_cells("C3:E3")
    for c, text in enumerate(["女党员", "预备党员", "流动党员"], start=3):
        ws.cell(4, c, text)
    for c, text in enumerate(["计量单位", "名", "名", "名", "名", "名", "人", "元"], start=1):
        ws.cell(5, c, text)
    for c, text in enumerate(["甲", 1, 2, 3, 4, 5, 6, 7], start=1):
        ws.cell(6, c, text)
    for r, name in enumerate(["东风村", "红旗社区"], start=7):
        ws.cell(r, 1, name)
    layout = read_form_bytes(_save(wb))
    assert layout.kind == "aggregate"
    assert layout.header_rows == [3, 4, 5] and layout.code_row == 6 and layout.first_data_row == 7
    assert [(leaf.column, leaf.role) for leaf in layout.leaves if leaf.role != "data"] == [("A", "label")]
    assert {leaf.column: (leaf.path, leaf.unit) for leaf in layout.data_columns} == {
        "B": (["党员总数"], "名"), "C": (["其中", "女党员"], "名"), "D": (["其中", "预备党员"], "名"),
        "E": (["其中", "流动党员"], "名"), "F": (["本年发展党员"], "名"), "G": (["村两委成员"], "人"),
        "H": (["党费收缴"], "元")}
    assert layout.template_labels == {7: "东风村", 8: "红旗社区"}
