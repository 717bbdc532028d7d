"""Filling the department's own workbook: values in the right cells, merged header and footer kept,
rows inserted in the style of the first data row; a 5,000-row roster in seconds."""

from __future__ import annotations

import io
import time

from openpyxl import load_workbook

from biaotong.forms import read_form_bytes
from biaotong.forms.fill import FillRow, fill_workbook
from biaotong.forms.sketch import sketch_form
from tests.forms.catalog_forms import DEV_FORMS
from tests.forms.conftest import draw


def _case(form_id: str):  # type: ignore[no-untyped-def]
    return next(c for c in DEV_FORMS if c.id == form_id)


def test_rows_inserted_merges_footer_and_styles_kept() -> None:
    template = draw(_case("f2_tekun"))  # 4 header rows, a 甲/1/2 row, 5 blank rows, a footer
    layout = read_form_bytes(template)
    before = load_workbook(io.BytesIO(template)).active
    rows = [FillRow({"B": 100 + i, "C": 10 + i, "P": 1.25}, {"org": f"第{i}村"}, name=f"第{i}村") for i in range(12)]
    rows.append(FillRow({"B": 999}, name="合计", total=True))
    out = fill_workbook(template, layout, rows, notes={"org": "某县民政局", "date": "2024年07月31日"})
    ws = load_workbook(io.BytesIO(out)).active
    first = layout.first_data_row
    assert [ws.cell(first + i, 1).value for i in range(3)] == ["第0村", "第1村", "第2村"]
    assert ws.cell(first + 11, 1).value == "第11村"
    assert ws.cell(first, 2).value == 100 and ws.cell(first + 11, 3).value == 21
    assert ws.cell(first + 12, 1).value == "合计" and ws.cell(first + 12, 2).value == 999
    assert ws.cell(first, 16).value == 1.25
    # the header's merged ranges are untouched; the footer's merge moved down with the footer
    header_merges = {str(r) for r in before.merged_cells.ranges if r.max_row < first}
    assert header_merges <= {str(r) for r in ws.merged_cells.ranges}
    footer_row = before.max_row + 13 - 5
    assert ws.cell(footer_row, 1).value.startswith("单位负责人")
    assert f"A{footer_row}:P{footer_row}" in {str(r) for r in ws.merged_cells.ranges}
    assert "填报日期：2024年07月31日" in ws.cell(footer_row, 1).value
    assert ws["A2"].value.startswith("填表单位：某县民政局")
    # inserted rows look like the template's first data row
    src = before.cell(first, 2)
    for r in (first + 6, first + 12):
        cell = ws.cell(r, 2)
        assert cell.border.left.style == src.border.left.style == "thin"
        assert cell.number_format == src.number_format and cell.font.name == src.font.name
        assert ws.row_dimensions[r].height == before.row_dimensions[first].height
    assert ws.column_dimensions["B"].width == before.column_dimensions["B"].width
    assert ws["A1"].font.bold and ws["A1"].value == before["A1"].value


def test_prelisted_rows_are_matched_by_name() -> None:
    template = draw(_case("f1_dibao"))  # rows 合计, 雨山镇, 采石街道, 银塘镇
    layout = read_form_bytes(template)
    rows = [FillRow({"D": 7}, name="银塘镇"), FillRow({"D": 5}, name="雨山镇"),
            FillRow({"D": 12}, name="合计", total=True), FillRow({"D": 1}, name="新设社区")]
    ws = load_workbook(io.BytesIO(fill_workbook(template, layout, rows))).active
    assert [(ws.cell(r, 1).value, ws.cell(r, 4).value) for r in range(5, 10)] == [
        ("合计", 12), ("雨山镇", 5), ("采石街道", None), ("银塘镇", 7), ("新设社区", 1)]


def test_single_unit_form_cells() -> None:
    header = ["人均纯收入(元)", "农业产值(万元)", "村集体收入(万元)", "村小学个数"]
    template = sketch_form("村基本情况", header, options=None)
    layout = read_form_bytes(template)
    assert layout.kind == "form" and layout.leaf("A").cell == "A4"
    out = fill_workbook(template, layout, cells={"A4": 12800, "C4": 35.5}, notes={"org": "东风村"})
    ws = load_workbook(io.BytesIO(out)).active
    assert ws["A4"].value == 12800 and ws["C4"].value == 35.5 and ws["B4"].value is None


def test_5000_row_roster_fills_in_seconds() -> None:
    header = ["序号", "姓名", "身份证号", "性别", "年龄", "家庭住址", "联系电话", "保障人数", "低保类别", "月保障金(元)"]
    template = sketch_form("低保户动态情况表", header)
    layout = read_form_bytes(template)
    rows = [FillRow({k: f"{k}{i}" for k in "BCDEFGHIJ"}) for i in range(5000)]
    t0 = time.perf_counter()
    out = fill_workbook(template, layout, rows, notes={"org": "红旗社区"})
    elapsed = time.perf_counter() - t0
    assert elapsed < 10, elapsed
    ws = load_workbook(io.BytesIO(out), read_only=True).active
    last = layout.first_data_row + 4999
    values = next(ws.iter_rows(min_row=last, max_row=last, values_only=True))
    assert values[:3] == (5000, "B4999", "C4999")
    footer = next(ws.iter_rows(min_row=last + 2, max_row=last + 2, values_only=True))
    assert str(footer[0]).startswith("单位负责人")
