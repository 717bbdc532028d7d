"""The task sheet is the department's own form when the report was saved from one: a real .xlsx drawn,
imported and saved, downloaded as the village's task (filled for the unit, the asked cells unlocked and
yellow, every other cell locked, the sheet protected), filled with openpyxl and uploaded back; a wrong value
is named by its cell and field, another task's sheet is refused, and nothing is stored on a refusal."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from openpyxl.cell.cell import MergedCell

from biaotong.errors import WorkflowError
from biaotong.services import tasks as ts
from biaotong.workspace import Workspace
from tests.reports.county import COUNTY, V11, V12, install, make_county
from tests.tasks.formfix import ADMIN, MZ, save_card_form, save_table_form, village


@pytest.fixture
def ws(workspace: Workspace, tmp_path: Path) -> Workspace:
    install(workspace, make_county())
    save_table_form(workspace, tmp_path)
    return workspace


def _task(ws: Workspace, org: str, report: str) -> int:
    return next(t["id"] for t in ts.list_tasks(ws, ADMIN, report=report, period="2025") if t["org_code"] == org)


def _locks(sheet: openpyxl.worksheet.worksheet.Worksheet) -> tuple[set[str], set[str]]:
    """(unlocked coordinates, locked coordinates that hold something)."""
    unlocked, locked = set(), set()
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell, MergedCell):  # Excel takes a merged range's lock from its first cell
                continue
            if not cell.protection.locked:
                unlocked.add(cell.coordinate)
            elif cell.value is not None:
                locked.add(cell.coordinate)
    return unlocked, locked


def test_table_form_round_trip(ws: Workspace, tmp_path: Path) -> None:
    ts.publish(ws, MZ, "mz_form", period="2025", to=COUNTY, level="village")
    t11, t12 = _task(ws, V11, "mz_form"), _task(ws, V12, "mz_form")
    view = ts.show(ws, village(V11), t11)
    pop = next(f["value"] for f in view["fields"] if f["id"] == "pop_total")
    path = tmp_path / "t11.xlsx"
    ts.download(ws, village(V11), t11, path)

    wb = openpyxl.load_workbook(path)
    sheet = wb["Sheet1"]  # the department's sheet, not biaotong's 填报 layout
    assert sheet["A1"].value == "村级基本情况年报" and sheet["C3"].value == "村两委成员数(人)"
    assert sheet["A4"].value == "东风村" and sheet["B4"].value == pop  # filled for the unit
    assert "东风村" in sheet["A2"].value  # 填表单位
    assert sheet.protection.sheet and not sheet.protection.password
    unlocked, locked = _locks(sheet)
    assert unlocked == {"C4", "D4"}  # exactly the collected cells
    assert {"A1", "A3", "A4", "B4"} <= locked
    assert sheet["C4"].fill.fgColor.rgb.endswith("FFF2CC")
    assert wb["_biaotong"].sheet_state == "veryHidden"

    sheet["C4"], sheet["D4"] = "七", 3  # a wrong value: named by its cell and field
    wb.save(path)
    with pytest.raises(WorkflowError) as err:
        ts.upload(ws, village(V11), t11, path.read_bytes(), name=path.name)
    assert "Sheet1!C4" in err.value.zh and "col_c" in err.value.zh and "应填数字" in err.value.zh
    assert err.value.where.column == "Sheet1!C4" and err.value.where.field == "col_c"
    assert ts.show(ws, village(V11), t11)["version"] == 1  # nothing stored

    # another task's sheet is refused before anything is read
    with pytest.raises(WorkflowError, match=f"是任务 {t11} 的表"):
        ts.upload(ws, village(V12), t12, path.read_bytes(), name=path.name)
    assert ts.show(ws, village(V12), t12)["version"] == 1

    sheet["C4"] = 7
    wb.save(path)
    wb.save(tmp_path / "old.xlsx")
    out = ts.upload(ws, village(V11), t11, path.read_bytes(), name=path.name)
    assert out["changed"] == 2 and out["version"] == 2
    after = {f["id"]: (f["origin"], f["value"]) for f in ts.show(ws, village(V11), t11)["fields"]}
    assert after["col_c"] == ("typed", 7) and after["col_d"] == ("typed", 3)
    # the next download carries the typed answers in their cells, still unlocked
    ts.download(ws, village(V11), t11, path)
    again = openpyxl.load_workbook(path)["Sheet1"]
    assert (again["C4"].value, again["D4"].value) == (7, 3) and not again["C4"].protection.locked
    # the sheet downloaded at version 1 is stale now
    with pytest.raises(WorkflowError, match="下载于版本 1"):
        ts.upload(ws, village(V11), t11, (tmp_path / "old.xlsx").read_bytes(), name="old.xlsx")


def test_card_form_cells(ws: Workspace, tmp_path: Path) -> None:
    truth = save_card_form(ws, tmp_path)
    ts.publish(ws, MZ, "mz_card", period="2025", to=COUNTY, level="village")
    t11 = _task(ws, V11, "mz_card")
    path = tmp_path / "card.xlsx"
    ts.download(ws, village(V11), t11, path)
    wb = openpyxl.load_workbook(path)
    sheet = wb.worksheets[0]
    cells = {leaf["truth"].get("collected") or leaf["truth"]["indicator"]: leaf["cell"] for leaf in truth["leaves"]}
    unlocked, locked = _locks(sheet)
    assert unlocked == {cells["cadres"], cells["grid_count"]}
    assert cells["pop_total"] in locked and sheet[truth["name_cell"]].value == "东风村"
    assert all(s.protection.sheet for s in wb.worksheets if s.title != "_biaotong")
    sheet[cells["cadres"]], sheet[cells["grid_count"]] = 6, -1
    wb.save(path)
    with pytest.raises(WorkflowError) as err:
        ts.upload(ws, village(V11), t11, path.read_bytes(), name=path.name)
    assert f"{sheet.title}!{cells['grid_count']}" in err.value.zh and "不小于 0" in err.value.zh
    assert ts.show(ws, village(V11), t11)["version"] == 1
    sheet[cells["grid_count"]] = 2
    wb.save(path)
    assert ts.upload(ws, village(V11), t11, path.read_bytes(), name=path.name)["changed"] == 2


def test_a_changed_form_is_refused(ws: Workspace, tmp_path: Path) -> None:
    ts.publish(ws, MZ, "mz_form", period="2025", to=COUNTY, level="village")
    t11 = _task(ws, V11, "mz_form")
    path = tmp_path / "t11.xlsx"
    ts.download(ws, village(V11), t11, path)
    # the report's form is replaced while the sheet is out (a draft re-save under the same id)
    from biaotong.store.schema import report_specs

    with ws.engine.begin() as conn:
        conn.execute(report_specs.update().where(report_specs.c.id == "mz_form").values(template=b"other" + b"x" * 10))
    with pytest.raises(WorkflowError, match="表样与当前任务不一致"):
        ts.upload(ws, village(V11), t11, path.read_bytes(), name=path.name)
