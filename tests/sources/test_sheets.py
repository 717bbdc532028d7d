"""Exports as departments make them: a real legacy .xls (written with xlwt, read with python-calamine) and an
.xlsx whose header spans merged rows below a title, with 小计/合计 rows and notes inside the data."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
import xlwt

from biaotong.catalog import Catalog, OrgTree
from biaotong.errors import SourceError
from biaotong.sources import load_source_spec, open_connector, test_source

SPEC = """\
name: cl_xls
entity: resident
connection: {kind: KIND, path: FILE}
columns:
  身份证号: id_number
  姓名: name
  类别: disability_category
  等级: disability_grade
  村（社区）代码: org_code
"""


def write_xls(path: Path, ids: list[str]) -> None:
    """Title, a 填报单位 line, a two-row merged header (残疾信息 › 类别 / 等级), data with a 小计 row per
    village, a 合计 row and a 填表人 footer — as a federation's system exports it."""
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("持证残疾人")
    ws.write_merge(0, 0, 0, 5, "五华区持证残疾人花名册")
    ws.write_merge(1, 1, 0, 5, "填报单位：五华区残联          2025年6月")
    ws.write_merge(2, 3, 0, 0, "序号")
    ws.write_merge(2, 3, 1, 1, "姓名")
    ws.write_merge(2, 3, 2, 2, "身份证号")
    ws.write_merge(2, 2, 3, 4, "残疾信息")
    ws.write(3, 3, "类别")
    ws.write(3, 4, "等级")
    ws.write_merge(2, 3, 5, 5, "村（社区）代码")
    rows = [(1, "张三", ids[0], "视力", "一级", "530102001001"), (2, "李四", ids[1], "肢体", "二级", "530102001001"),
            ("小计", None, None, None, None, None),
            (3, "王五", ids[2], "听力", "三级", "530102001002"),
            ("小 计", None, None, None, None, None),
            ("合计", None, None, None, None, None)]
    for i, row in enumerate(rows, start=4):
        for j, value in enumerate(row):
            if value is not None:
                ws.write(i, j, value)
    ws.write(6, 3, 2)  # the subtotal row's count
    ws.write_merge(10, 10, 0, 5, "填表人：赵六    审核人：钱七")
    wb.save(str(path))


@pytest.mark.parametrize(("kind", "name"), [("xls", "cl.xls"), ("et", "cl.et")])
def test_legacy_xls_with_merged_header_and_subtotals(write_spec: Callable[..., Path], catalog: Catalog,
                                                     org_tree: OrgTree, ids: list[str], kind: str, name: str) -> None:
    path = write_spec(SPEC.replace("KIND", kind).replace("FILE", name))
    write_xls(path.parent / name, ids)
    preview = test_source(load_source_spec(path, catalog), catalog, org_tree)
    rows = preview.mapped.to_pylist()
    assert [(r["id_number"], r["name"], r["disability_category"], r["disability_grade"], r["org_code"], r["_row"])
            for r in rows] == [
        (ids[0], "张三", "1", "1", "530102001001", 5), (ids[1], "李四", "4", "2", "530102001001", 6),
        (ids[2], "王五", "2", "3", "530102001002", 8)]
    # Subtotal and note rows are reported, never loaded as people.
    assert [(r["row"], r["value"], r["kind"]) for r in preview.rejects.to_pylist()] == [
        (7, "小计", "skipped"), (9, "小计", "skipped"), (10, "合计", "skipped"),
        (11, "填表人：赵六审核人：钱七", "skipped")]


def test_xlsx_with_three_header_rows(write_spec: Callable[..., Path], catalog: Catalog, org_tree: OrgTree,
                                     ids: list[str]) -> None:
    path = write_spec("""\
    name: mz
    entity: resident
    connection: {kind: xlsx, path: mz.xlsx}
    columns:
      身份证号: id_number
      低保/保障金额: assistance_amount
      低保/认定日期: assistance_start_date
      特困/认定日期: support_mode_start
      村代码: org_code
    """.replace("      特困/认定日期: support_mode_start\n", ""))
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["城乡低保、特困人员花名册"])
    ws.merge_cells("A1:F1")
    ws.append(["身份证号", "救助情况", None, None, None, "村代码"])
    ws.append([None, "低保", None, "特困", None, None])
    ws.append([None, "保障金额", "认定日期", "保障金额", "认定日期", None])
    for rng in ("A2:A4", "B2:E2", "B3:C3", "D3:E3", "F2:F4"):
        ws.merge_cells(rng)
    ws.append([ids[0], 650, datetime.datetime(2024, 3, 1), None, None, "530102001001"])
    ws.append(["合计", 650, None, None, None, None])
    wb.save(path.parent / "mz.xlsx")
    preview = test_source(load_source_spec(path, catalog), catalog, org_tree)
    assert [(r["id_number"], r["assistance_amount"], str(r["assistance_start_date"]), r["_row"])
            for r in preview.mapped.to_pylist()] == [(ids[0], 650.0, "2024-03-01", 5)]
    assert [(r["row"], r["kind"]) for r in preview.rejects.to_pylist()] == [(6, "skipped")]


def test_xls_missing_column_names_the_leaves(write_spec: Callable[..., Path], catalog: Catalog,
                                            ids: list[str]) -> None:
    path = write_spec(SPEC.replace("KIND", "xls").replace("FILE", "cl.xls").replace("等级:", "残疾等级:"))
    write_xls(path.parent / "cl.xls", ids)
    with pytest.raises(SourceError) as info:
        list(open_connector("xls").batches(load_source_spec(path, catalog)))
    assert "残疾等级" in info.value.en and "等级" in info.value.en and info.value.where.key == "columns.残疾等级"


def test_not_a_workbook(write_spec: Callable[..., Path], catalog: Catalog) -> None:
    path = write_spec(SPEC.replace("KIND", "xls").replace("FILE", "cl.xls"))
    (path.parent / "cl.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    with pytest.raises(SourceError) as info:
        list(open_connector("xls").batches(load_source_spec(path, catalog)))
    assert "cl.xls" in info.value.en and info.value.where.key == "connection.path"


def test_xls_mapping_only_top_header_cells(write_spec: Callable[..., Path], catalog: Catalog, org_tree: OrgTree,
                                           ids: list[str]) -> None:
    """Only the columns merged down from the header's first row are mapped: the second header row is still
    header, not a person."""
    path = write_spec(SPEC.replace("KIND", "xls").replace("FILE", "cl.xls").replace("  类别: disability_category\n", "")
                      .replace("  等级: disability_grade\n", ""))
    write_xls(path.parent / "cl.xls", ids)
    preview = test_source(load_source_spec(path, catalog), catalog, org_tree)
    assert [r["_row"] for r in preview.mapped.to_pylist()] == [5, 6, 8]
    assert {r["kind"] for r in preview.rejects.to_pylist()} == {"skipped"}


def test_a_month_typed_as_a_number_reads_as_its_format_shows_it(write_spec: Callable[..., Path], catalog: Catalog,
                                                                org_tree: OrgTree, ids: list[str]) -> None:
    """认定年月 typed 2024.10 is stored by Excel as the float 2024.1; its 0.00 format is what says October. An
    amount whose format would round it keeps its stored value."""
    path = write_spec("""\
    name: mz
    entity: resident
    connection: {kind: xlsx, path: mz.xlsx}
    columns:
      身份证号: id_number
      认定年月: assistance_start_date
      保障金额: assistance_amount
      村代码: org_code
    """)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["身份证号", "认定年月", "保障金额", "村代码"])
    ws.append([ids[0], 2024.10, 650.456, "530102001001"])
    ws.append([ids[1], 2024.1, 700.0, "530102001001"])  # General format: 2024.1 is what the clerk saw
    ws["B2"].number_format = ws["C2"].number_format = ws["C3"].number_format = "0.00"
    wb.save(path.parent / "mz.xlsx")
    preview = test_source(load_source_spec(path, catalog), catalog, org_tree)
    assert [(str(r["assistance_start_date"]), r["assistance_amount"]) for r in preview.mapped.to_pylist()] == [
        ("2024-10-01", 650.456), ("2024-01-01", 700.0)]
