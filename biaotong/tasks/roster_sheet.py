"""A roster task's sheet: the roster in biaotong's own layout (a row per person, as the downloader sees it),
or, when the report was saved from a department's roster form (`template save`), that form filled by the
same code as `report generate --format template`. Either way one unlocked yellow cell per person · collected
column, every other cell locked, the sheet protected. The very hidden `_biaotong` sheet carries the task, its
version, the layout's hash (with the form's digest) and each sheet row's hashed key, so an upload is matched
by key, never by row position or name; a row whose key is not in the task is refused naming the row, and
nothing is stored then."""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import openpyxl
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter

from biaotong.errors import WorkflowError, where
from biaotong.i18n import msg
from biaotong.reports.export.safe import set_text_cell
from biaotong.tasks.sheet import YELLOW, FormSheet, form_hash, names_of, open_upload, protect, write_meta

if TYPE_CHECKING:
    from biaotong.workspace import Workspace

FIRST = 5  # the first person's row
SHEET = "花名册"


def layout_hash(task: dict[str, Any]) -> str:
    cols = [[c["id"], bool(c["asked"])] for c in task["columns"]]
    return hashlib.sha256(json.dumps(["roster", task["report"], task["period"], task["org_code"], cols]).encode()).hexdigest()


def _text(value: Any) -> Any:
    return value if value is None or isinstance(value, int | float | str) else str(value)


def roster_form_of(ws: Workspace, report_id: str, asked: list[str]) -> FormSheet | None:
    """The department roster form the report was saved from, or None (biaotong's layout is used then): also
    None when a column the task asks has no column in the form, as nothing could be typed for it there."""
    from biaotong.errors import FormError
    from biaotong.forms.model import FormLayout
    from biaotong.forms.store import load_template

    try:
        spec, raw = load_template(ws, report_id)
    except FormError:  # no workbook stored
        return None
    layout = ((spec.get("template") or {}).get("anchors") or {}).get("layout")
    if not layout or layout.get("layout") != "roster":
        return None
    form = FormSheet(spec, raw, FormLayout.from_json(layout))
    if any(element_column(form, fid) is None for fid in asked):
        return None
    return form


def element_column(form: FormSheet, element: str) -> str | None:
    """The column letter the form gives a roster element (近期动态 → I)."""
    return next((str(a.get("column") or key) for key, a in (form.anchors.get("columns") or {}).items()
                 if a.get("element") == element), None)


@dataclass
class _Shown:
    """The task's rows as a roster result, for the template export's own row writer."""

    records: list[dict[str, Any]]
    places: list[str | None]
    layout: str = "roster"


def _names_at(ws: Workspace, on: Any) -> Callable[[str, str], str | None]:
    cache: dict[str, dict[str, str]] = {}

    def names_at(code: str, level: str) -> str | None:
        if code not in cache:
            cache[code] = names_of(ws, code, on)
        return cache[code].get(level)

    return names_at


def _form_sheet(ws: Workspace, task: dict[str, Any], form: FormSheet, path: Path) -> Path:
    """The department's roster form filled for the unit and period: the rows written by the template export's
    writer (`rows_from_result` → `fill_workbook`, as `report generate --format template`), each person's asked
    cells unlocked and yellow, every other cell locked."""
    from datetime import date

    from biaotong.forms.fill import fill_workbook, rows_from_result
    from biaotong.reports.period import Period

    layout = form.layout
    shown = _Shown([{**r["values"], **{fid: r["asked"][fid]["value"] for fid in task["asked"]}} for r in task["rows"]],
                   [r.get("org_code") for r in task["rows"]])
    on = Period.parse(task["period"], form.spec.get("period_type")).end
    rows = rows_from_result(shown, form.anchors, _names_at(ws, on))
    notes = {"org": task["org_name"], "date": date.today().strftime("%Y年%m月%d日")}
    placed: dict[int, int] = {}
    data = fill_workbook(form.raw, layout, rows, notes=notes, placed=placed)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    letters = {fid: element_column(form, fid) or "" for fid in task["asked"]}
    keys: dict[str, str] = {}
    mine: set[str] = set()
    for i, r in enumerate(task["rows"]):
        n = placed[i]  # a roster form has no pre-listed names: every row is placed
        keys[str(n)] = r["key"]
        mine.update(f"{letters[fid]}{n}" for fid in task["asked"])
    protect(wb, {layout.sheet: mine})
    write_meta(wb, {"task": task["id"], "kind": "roster", "version": task["version"],
                    "layout": form_hash(layout_hash(task), form), "sheet": layout.sheet, "columns": letters,
                    "name": element_column(form, "name"), "rows": keys})
    wb.save(path)
    return path


def write_roster_sheet(task: dict[str, Any], path: Path, *, ws: Workspace | None = None) -> Path:
    """The department's roster form when the report was saved from one (`ws` given), else biaotong's."""
    form = roster_form_of(ws, task["report"], task["asked"]) if ws is not None else None
    if form is not None:
        return _form_sheet(ws, task, form, path)  # type: ignore[arg-type]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = SHEET
    cols = task["columns"]
    width = len(cols) + 1
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws.cell(1, 1, task["title"]).font = Font(bold=True, size=14)
    ws.cell(1, 1).alignment = Alignment(horizontal="center")
    ws.cell(2, 1, msg(f"填报单位：{task['org_name']}（{task['org_code']}）　报告期：{task['period']}",
                      f"unit: {task['org_name']} ({task['org_code']})  period: {task['period']}"))
    ws.cell(3, 1, msg("灰色为系统数据（不可修改）；黄色为需要逐人填写的项目。请勿增删或调换行：每行按人员识别。",
                      "grey: system data (locked); yellow: fill these per person. Do not add, delete or move rows."))
    heads = ["序号", *(c["label"] + (f"（{c['unit']}）" if c.get("unit") and "（" not in c["label"] else "") for c in cols)]
    for c, head in enumerate(heads, start=1):
        cell = ws.cell(4, c, head)
        cell.font, cell.border = Font(bold=True), box
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    grey, yellow = PatternFill("solid", fgColor="EEEEEE"), PatternFill("solid", fgColor=YELLOW)
    rows: dict[str, str] = {}
    letters = {c["id"]: get_column_letter(i + 2) for i, c in enumerate(cols)}
    for i, r in enumerate(task["rows"]):
        n = FIRST + i
        rows[str(n)] = r["key"]
        ws.cell(n, 1, r["seq"]).fill = grey
        ws.cell(n, 1).border = box
        for j, c in enumerate(cols, start=2):
            cell = ws.cell(n, j)
            value = r["asked"][c["id"]]["value"] if c["asked"] else r["values"].get(c["id"])
            value = _text(value)
            if isinstance(value, str):
                set_text_cell(cell, value)
            else:
                cell.value = value
            cell.border = box
            cell.fill = yellow if c["asked"] else grey
            cell.protection = Protection(locked=not c["asked"])
    for c in range(1, width + 1):
        ws.column_dimensions[get_column_letter(c)].width = 6 if c == 1 else 14
    for c in cols:
        if c["asked"]:
            ws.column_dimensions[letters[c["id"]]].width = 36
    ws.freeze_panes = ws.cell(FIRST, 2)
    ws.protection.sheet = True  # the locked cells are the systems'; sorting or inserting rows is refused too
    ws.print_title_rows = "4:4"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.oddFooter.center.text = "第 &P 页 共 &N 页"
    name_at = next((letters[c["id"]] for c in cols if c["id"] == "name"), None)
    write_meta(wb, {"task": task["id"], "kind": "roster", "version": task["version"], "layout": layout_hash(task),
                    "sheet": SHEET, "columns": {fid: letters[fid] for fid in task["asked"]}, "name": name_at,
                    "rows": rows})
    wb.save(path)
    return path


def read_roster_sheet(data: bytes, task: dict[str, Any], *, name: str = "upload.xlsx",
                      ws: Workspace | None = None) -> dict[str, Any]:
    """{values: {key: {field: raw}}, cells: {key: {field: ref}}, rows: {key: sheet row}, version}, every row's key
    checked to be one of the task's first: an unknown row is refused naming it (its cell, the row's place among
    the sheet's persons and the masked name). With `ws`, a sheet of the department's form is expected when the
    report has one (and its layout hash includes the form's digest)."""
    from biaotong.reports.mask import mask_name

    wb, meta = open_upload(data, name)
    if meta.get("kind") != "roster" or meta.get("task") != task["id"]:
        raise WorkflowError(f"{name} 是任务 {meta.get('task')} 的表，不是任务 {task['id']} 的花名册",
                            f"{name} belongs to task {meta.get('task')}, not to roster task {task['id']}", where(file=name))
    form = roster_form_of(ws, task["report"], task["asked"]) if ws is not None else None
    if meta.get("layout") != (form_hash(layout_hash(task), form) if form is not None else layout_hash(task)):
        raise WorkflowError(f"{name} 的表样与当前任务不一致（报表已变更），请重新下载",
                            f"the layout of {name} differs from the task's (the report changed); download it again",
                            where(file=name))
    sheet_name = str(meta.get("sheet") or SHEET)
    if sheet_name not in wb.sheetnames:
        raise WorkflowError(f"{name} 缺少工作表“{sheet_name}”，请重新下载", f"{name} has no sheet {sheet_name!r}; download it again",
                            where(file=name))
    sheet = wb[sheet_name]
    columns = meta.get("columns") if isinstance(meta.get("columns"), dict) else {}
    rows = meta.get("rows") if isinstance(meta.get("rows"), dict) else {}
    known = {r["key"] for r in task["rows"]}
    name_col = meta.get("name") if isinstance(meta.get("name"), str) else None
    if "name" not in meta and form is None:  # a sheet downloaded before the meta named the name column
        name_col = next((get_column_letter(i + 2) for i, c in enumerate(task["columns"]) if c["id"] == "name"), None)
    order = sorted(int(n) for n in rows if str(n).isdigit())  # sheet rows in order: a row's place is its 序号
    values: dict[str, dict[str, Any]] = {}
    cells: dict[str, dict[str, str]] = {}
    seen: dict[str, int] = {}
    unknown: list[str] = []
    for n_text, key in rows.items():
        if not str(n_text).isdigit() or not isinstance(key, str):
            continue
        n = int(n_text)
        if key not in known:
            who = sheet[f"{name_col}{n}"].value if name_col else None
            unknown.append(f"{sheet_name}!{name_col or 'A'}{n} 第 {order.index(n) + 1} 行"
                           f"（{mask_name(str(who)) if who else '—'}）")
            continue
        seen[key] = n
        for fid, letter in columns.items():
            if fid in task["asked"] and isinstance(letter, str):
                values.setdefault(key, {})[fid] = sheet[f"{letter}{n}"].value
                cells.setdefault(key, {})[fid] = f"{sheet_name}!{letter}{n}"
    if unknown:
        raise WorkflowError(
            f"{name} 有 {len(unknown)} 行的人员不在本任务的花名册中（可能已迁出或不再在册），未导入任何数据：{'；'.join(unknown[:20])}",
            f"{name}: {len(unknown)} rows are persons not in this task's roster (left it?); nothing was stored",
            where(file=name), details={"rows": unknown[:200]})
    return {"values": values, "cells": cells, "rows": seen, "version": int(meta.get("version", 0))}


def upload(ws: Workspace, task: dict[str, Any], data: bytes, *, actor: str, name: str) -> dict[str, Any]:
    from biaotong.tasks import roster

    got = read_roster_sheet(data, task, name=name, ws=ws)
    if got["version"] != task["version"]:
        raise WorkflowError(f"{name} 下载于版本 {got['version']}，任务已更新到版本 {task['version']}；请重新下载后再填",
                            f"{name} was downloaded at version {got['version']}; the task is at {task['version']}: download again",
                            where(file=name))
    ask = roster.roster_ask(ws, task["report"])
    assert ask is not None
    return roster.fill(ws, ask, task["id"], got["values"], actor=actor, version=got["version"], cells=got["cells"],
                       rows_seen={k: i + 1 for i, (k, _) in enumerate(sorted(got["rows"].items(), key=lambda x: x[1]))})
