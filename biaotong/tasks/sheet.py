"""A task's own sheet: downloaded pre-filled (system values locked, the fields to fill unlocked, the sheet
protected), filled offline, uploaded back. The sheet carries its task id, version and the hash of its layout
in a hidden sheet, so another task's sheet or a changed layout is refused before anything is stored.

A report saved from a department's form (`template save`) gets that form back, filled for the unit and
period by the same code as `report generate --format template`: the cells of the asked fields unlocked and
yellow, every other cell locked; the hidden sheet then also names the cell of each asked field."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import openpyxl
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter

from biaotong.errors import WorkflowError, where
from biaotong.i18n import msg
from biaotong.reports.export.safe import set_text_cell
from biaotong.tasks.model import ORIGINS

if TYPE_CHECKING:
    from biaotong.forms.model import FormLayout
    from biaotong.workspace import Workspace

META_SHEET = "_biaotong"
FIRST = 5  # the first field row
COLS = ("序号", "字段", "单位", "填报值", "来源", "说明")
VALUE_COL = 4
ASKED = ("asked", "typed", "reused")


def layout_hash(task: dict[str, Any]) -> str:
    ids = [f["id"] for f in task["fields"]]
    return hashlib.sha256(json.dumps([task["report"], task["period"], task["org_code"], ids]).encode()).hexdigest()


YELLOW = "FFF2CC"


class FormSheet:
    """A report's department form: its stored spec, workbook bytes and layout (tables and cards only)."""

    def __init__(self, spec: dict[str, Any], raw: bytes, layout: FormLayout) -> None:
        self.spec, self.raw, self.layout = spec, raw, layout
        self.anchors: dict[str, Any] = (spec.get("template") or {}).get("anchors") or {}
        self.digest = hashlib.sha256(raw).hexdigest()

    def column_of(self, field_id: str) -> dict[str, Any] | None:
        return next(({"key": k, **a} for k, a in (self.anchors.get("columns") or {}).items()
                     if a.get("field") == field_id), None)

    def scale(self, field_id: str) -> float:
        a = self.column_of(field_id)
        return float((a or {}).get("scale") or 1.0)


def form_of(ws: Workspace, report_id: str) -> FormSheet | None:
    """The department form a report was saved from, or None (biaotong's own layout is used then)."""
    from biaotong.errors import FormError
    from biaotong.forms.model import FormLayout
    from biaotong.forms.store import load_template

    try:
        spec, raw = load_template(ws, report_id)
    except FormError:  # no workbook stored
        return None
    layout = ((spec.get("template") or {}).get("anchors") or {}).get("layout")
    if not layout or layout.get("layout") not in ("aggregate", "form"):
        return None  # a roster has no per-unit cells to ask
    return FormSheet(spec, raw, FormLayout.from_json(layout))


def scaled(value: Any, scale: float) -> Any:
    if scale == 1.0 or not isinstance(value, int | float) or isinstance(value, bool):
        return value
    return round(value * scale, 6)


def unscaled(value: Any, scale: float) -> Any:
    """A number typed in the form's unit (万元) back in the field's (元); text that is no number is left for
    the value check to name."""
    if scale == 1.0 or isinstance(value, bool):
        return value
    if isinstance(value, str):
        try:
            value = float(value.strip().replace(",", ""))
        except ValueError:
            return value
    if not isinstance(value, int | float) or value != value or value in (float("inf"), float("-inf")):
        return value
    out = round(value / scale, 6)
    return int(out) if out == int(out) else out


def names_of(ws: Workspace, org_code: str, period_end: Any) -> dict[str, str]:
    """The unit's own name and its ancestors' by level, for a form's label columns."""
    tree = ws.org_tree()
    try:
        chain = [tree.get(org_code, period_end), *tree.ancestors(org_code, period_end)]
    except Exception:  # a unit the tree does not know on that day: its label stays blank
        return {}
    return {str(u.level): str(u.name) for u in chain}


def protect(wb: Any, unlocked: dict[str, set[str]]) -> None:
    """Lock every cell of every sheet but `unlocked` (sheet -> coordinates), which turn yellow; protect the
    sheets (no password: the lock says what is the systems', it is not a secret)."""
    yellow = PatternFill("solid", fgColor=YELLOW)
    for sheet in wb.worksheets:
        if sheet.title == META_SHEET:
            continue
        mine = unlocked.get(sheet.title, set())
        for row in sheet.iter_rows():
            for cell in row:
                if cell.coordinate in mine or not hasattr(cell, "protection"):
                    continue
                if not cell.protection.locked:  # a template's own unlocked cell is locked here
                    cell.protection = Protection(locked=True)
        for ref in mine:
            cell = sheet[ref]
            cell.protection = Protection(locked=False)
            cell.fill = yellow
        sheet.protection.sheet = True


def write_meta(wb: Any, meta: dict[str, Any]) -> None:
    sheet = wb.create_sheet(META_SHEET)
    text = json.dumps(meta, ensure_ascii=False)
    # a cell holds 32,767 characters: a big batch's map is split over rows
    for i in range(0, max(len(text), 1), 30000):
        sheet.cell(i // 30000 + 1, 1, text[i:i + 30000])
    sheet.sheet_state = "veryHidden"


def open_upload(data: bytes, name: str) -> tuple[Any, dict[str, Any]]:
    """The uploaded workbook and its meta (checked to be one of ours), before anything is read from it."""
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
    meta_sheet = wb[META_SHEET]
    text = "".join(str(r[0].value or "") for r in meta_sheet.iter_rows(min_col=1, max_col=1))
    try:
        meta = json.loads(text or "{}")
    except ValueError:
        meta = {}
    if not isinstance(meta, dict):
        meta = {}
    return wb, meta


def cell_value(wb: Any, ref: str, name: str) -> Any:
    sheet_name, _, coord = ref.rpartition("!")
    if sheet_name not in wb.sheetnames:
        raise WorkflowError(f"{name} 缺少工作表“{sheet_name}”（表样被改动），请重新下载",
                            f"{name} has no sheet {sheet_name!r} (the layout was changed); download it again",
                            where(file=name, column=ref))
    return wb[sheet_name][coord].value


def form_hash(base: str, form: FormSheet) -> str:
    return hashlib.sha256(json.dumps([base, form.digest]).encode()).hexdigest()


def _form_task(ws: Workspace, task: dict[str, Any], form: FormSheet, path: Path) -> Path:
    from datetime import date

    from biaotong.forms.fill import FillRow, fill_workbook
    from biaotong.reports.period import Period

    layout = form.layout
    asked = [f for f in task["fields"] if f["origin"] in ASKED]
    per = Period.parse(task["period"], form.spec.get("period_type"))
    names = names_of(ws, task["org_code"], per.end)
    notes = {"org": task["org_name"], "date": date.today().strftime("%Y年%m月%d日"), "unit_name": task["org_name"]}
    parent = next((n for lvl, n in names.items() if lvl == "township"), None)
    if parent:
        notes["parent"] = parent
    refs: dict[str, str] = {}
    if layout.kind == "form":
        cells = {}
        for f in task["fields"]:
            a = form.column_of(f["id"])
            if a and a.get("cell"):
                cells[a["cell"]] = scaled(f["value"], form.scale(f["id"]))
                if f in asked:
                    refs[f["id"]] = f"{layout.sheet}!{a['cell']}"
        data = fill_workbook(form.raw, layout, cells=cells, notes=notes)
    else:
        values = {}
        for f in task["fields"]:
            a = form.column_of(f["id"])
            if a:
                values[a["key"]] = scaled(f["value"], form.scale(f["id"]))
        placed: dict[int, int] = {}
        row = FillRow(values, {**names, "org": task["org_name"]}, name=task["org_name"], level="village")
        data = fill_workbook(form.raw, layout, [row], notes=notes, placed=placed)
        for f in asked:
            a = form.column_of(f["id"])
            if a and 0 in placed:
                refs[f["id"]] = f"{layout.sheet}!{a['column']}{placed[0]}"
    wb = openpyxl.load_workbook(io.BytesIO(data))
    unlocked: dict[str, set[str]] = {}
    for ref in refs.values():
        sheet, _, coord = ref.rpartition("!")
        unlocked.setdefault(sheet, set()).add(coord)
    protect(wb, unlocked)
    write_meta(wb, {"task": task["id"], "version": task["version"], "layout": form_hash(layout_hash(task), form),
                    "fields": [f["id"] for f in task["fields"]], "cells": refs})
    wb.save(path)
    return path


def write_sheet(task: dict[str, Any], path: Path, *, ws: Workspace | None = None) -> Path:
    """The task's sheet: the department's form when the report was saved from one (`ws` given), else ours."""
    if task.get("kind") == "roster":  # a row per person (biaotong.tasks.roster_sheet)
        from biaotong.tasks.roster_sheet import write_roster_sheet

        return write_roster_sheet(task, path, ws=ws)
    form = form_of(ws, task["report"]) if ws is not None else None
    if form is not None:
        return _form_task(ws, task, form, path)  # type: ignore[arg-type]
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


def read_sheet(data: bytes, task: dict[str, Any], *, name: str = "upload.xlsx",
               ws: Workspace | None = None) -> tuple[dict[str, Any], dict[str, str], int]:
    """(values of the asked fields, the cell of each, the version the sheet was downloaded at). With `ws`,
    every value is checked first and all the bad cells are named in one error."""
    wb, meta = open_upload(data, name)
    if meta.get("batch"):
        raise WorkflowError(f"{name} 是乡镇批量填报表，请用批量上传（task upload-batch）",
                            f"{name} is a township batch sheet: upload it with task upload-batch", where(file=name))
    if meta.get("task") != task["id"]:
        raise WorkflowError(f"{name} 是任务 {meta.get('task')} 的表，不是任务 {task['id']} 的",
                            f"{name} belongs to task {meta.get('task')}, not task {task['id']}", where(file=name))
    form = form_of(ws, task["report"]) if ws is not None else None
    expected = form_hash(layout_hash(task), form) if form is not None else layout_hash(task)
    if meta.get("layout") != expected:
        raise WorkflowError(f"{name} 的表样与当前任务不一致（报表已变更），请重新下载",
                            f"the layout of {name} differs from the task's (the report changed); download it again",
                            where(file=name))
    values: dict[str, Any] = {}
    cells: dict[str, str] = {}
    refs = meta.get("cells") if form is not None else None
    if isinstance(refs, dict):
        for f in task["fields"]:
            ref = refs.get(f["id"])
            if f["origin"] not in ASKED or not isinstance(ref, str):
                continue
            values[f["id"]] = unscaled(cell_value(wb, ref, name), form.scale(f["id"]))  # type: ignore[union-attr]
            cells[f["id"]] = ref
    else:
        sheet = wb[wb.sheetnames[0]]
        for i, f in enumerate(task["fields"]):
            if f["origin"] not in ASKED:
                continue
            cell = sheet.cell(FIRST + i, VALUE_COL)
            values[f["id"]] = cell.value
            cells[f["id"]] = f"{sheet.title}!{cell.coordinate}"
    if ws is not None:
        check_all(ws, task["report"], [(f"{task['org_name']}", fid, v, cells[fid]) for fid, v in values.items()],
                  name=name)
    return values, cells, int(meta.get("version", 0))


def check_all(ws: Workspace, report_id: str, items: list[tuple[str, str, Any, str]], *, name: str) -> list[Any]:
    """Each (unit name, field id, raw value, cell) checked; every bad one named by its cell and field in a
    single error, so one upload shows them all. Returns the stored values in order."""
    from biaotong.tasks.model import check_value
    from biaotong.tasks.prefill import asked_fields

    asked = asked_fields(ws, report_id)
    out: list[Any] = []
    errors: list[dict[str, str]] = []
    for unit, fid, raw, ref in items:
        if fid not in asked:
            continue
        try:
            out.append(check_value(asked[fid], raw, ws.catalog, cell=ref))
        except WorkflowError as exc:
            errors.append({"cell": ref, "field": fid, "unit": unit, "zh": exc.zh, "en": exc.en})
    if errors:
        first = errors[0]
        raise WorkflowError(
            f"{name} 有 {len(errors)} 处错误，未导入任何数据：" + "；".join(f"{e['cell']}（{e['unit']}·{e['field']}）{e['zh']}"
                                                              for e in errors[:50]),
            f"{name} has {len(errors)} errors; nothing was stored: " + "; ".join(f"{e['cell']} ({e['unit']}, {e['field']}) {e['en']}"
                                                                             for e in errors[:50]),
            where(file=name, column=first["cell"], field=first["field"]), details={"errors": errors})
    return out
