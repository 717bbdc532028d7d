"""A task's own sheet: downloaded pre-filled (system values locked, the fields to fill unlocked, the sheet
protected), filled offline, uploaded back. The sheet carries its task id, version and the hash of its layout
in a hidden sheet, so another task's sheet or a changed layout is refused before anything is stored."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter

from biaotong.errors import WorkflowError, where
from biaotong.i18n import msg
from biaotong.reports.export.safe import set_text_cell
from biaotong.tasks.model import ORIGINS

META_SHEET = "_biaotong"
FIRST = 5  # the first field row
COLS = ("序号", "字段", "单位", "填报值", "来源", "说明")
VALUE_COL = 4
ASKED = ("asked", "typed", "reused")


def layout_hash(task: dict[str, Any]) -> str:
    ids = [f["id"] for f in task["fields"]]
    return hashlib.sha256(json.dumps([task["report"], task["period"], task["org_code"], ids]).encode()).hexdigest()


def write_sheet(task: dict[str, Any], path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "填报"
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(COLS))
    ws.cell(1, 1, task["title"]).font = Font(bold=True, size=14)
    ws.cell(1, 1).alignment = Alignment(horizontal="center")
    ws.cell(2, 1, msg(f"填报单位：{task['org_name']}（{task['org_code']}）", f"unit: {task['org_name']} ({task['org_code']})"))
    ws.cell(2, 4, msg(f"报告期：{task['period']}", f"period: {task['period']}"))
    ws.cell(3, 1, msg("灰色为系统预填（不可修改，如有误请在系统中纠错）；黄色为需要填写的项目。",
                      "grey: pre-filled by systems (locked; flag errors in the system); yellow: fill these."))
    for c, head in enumerate(COLS, start=1):
        cell = ws.cell(4, c, head)
        cell.font, cell.border = Font(bold=True), box
    grey, yellow = PatternFill("solid", fgColor="EEEEEE"), PatternFill("solid", fgColor="FFF2CC")
    for i, f in enumerate(task["fields"]):
        r = FIRST + i
        ws.cell(r, 1, i + 1)
        set_text_cell(ws.cell(r, 2), f["label"])
        set_text_cell(ws.cell(r, 3), f.get("unit") or "")
        value = ws.cell(r, VALUE_COL)
        if isinstance(f["value"], str):
            set_text_cell(value, f["value"])
        else:
            value.value = f["value"]
        src = "、".join(s["source"] for s in f.get("sources", []) if s.get("source"))
        set_text_cell(ws.cell(r, 5), src or msg(*ORIGINS[f["origin"]]))
        set_text_cell(ws.cell(r, 6), f.get("note") or "")
        asked = f["origin"] in ASKED
        for c in range(1, len(COLS) + 1):
            ws.cell(r, c).border = box
            ws.cell(r, c).fill = yellow if asked and c == VALUE_COL else grey
        value.protection = Protection(locked=not asked)
    for c, width in enumerate((6, 30, 8, 16, 24, 40), start=1):
        ws.column_dimensions[get_column_letter(c)].width = width
    ws.protection.sheet = True  # the locked cells are the systems'
    ws.print_title_rows = "4:4"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.oddFooter.center.text = "第 &P 页 共 &N 页"
    meta = wb.create_sheet(META_SHEET)
    meta["A1"] = json.dumps({"task": task["id"], "version": task["version"], "layout": layout_hash(task),
                             "fields": [f["id"] for f in task["fields"]]})
    meta.sheet_state = "veryHidden"
    wb.save(path)
    return path


def read_sheet(data: bytes, task: dict[str, Any], *, name: str = "upload.xlsx") -> tuple[dict[str, Any], dict[str, str], int]:
    """(values of the asked fields, the cell of each, the version the sheet was downloaded at)."""
    from biaotong.limits import check_workbook

    check_workbook(data, name, WorkflowError)  # size, extent and zip ratios before openpyxl parses anything
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    except Exception as exc:
        raise WorkflowError(f"无法读取上传的文件 {name}：不是有效的 xlsx", f"cannot read {name}: not a valid xlsx",
                            where(file=name)) from exc
    if META_SHEET not in wb.sheetnames:
        raise WorkflowError(f"{name} 不是从本系统下载的任务表（缺少任务信息）", f"{name} is not a task sheet downloaded from biaotong",
                            where(file=name))
    try:
        meta = json.loads(wb[META_SHEET]["A1"].value or "{}")
    except ValueError:
        meta = {}
    if meta.get("task") != task["id"]:
        raise WorkflowError(f"{name} 是任务 {meta.get('task')} 的表，不是任务 {task['id']} 的",
                            f"{name} belongs to task {meta.get('task')}, not task {task['id']}", where(file=name))
    if meta.get("layout") != layout_hash(task):
        raise WorkflowError(f"{name} 的表样与当前任务不一致（报表已变更），请重新下载",
                            f"the layout of {name} differs from the task's (the report changed); download it again",
                            where(file=name))
    sheet = wb[wb.sheetnames[0]]
    values: dict[str, Any] = {}
    cells: dict[str, str] = {}
    for i, f in enumerate(task["fields"]):
        if f["origin"] not in ASKED:
            continue
        cell = sheet.cell(FIRST + i, VALUE_COL)
        values[f["id"]] = cell.value
        cells[f["id"]] = f"{sheet.title}!{cell.coordinate}"
    return values, cells, int(meta.get("version", 0))
