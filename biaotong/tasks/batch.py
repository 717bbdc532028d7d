"""A township fills its villages' tasks in one sheet: one row per village (a table form, or biaotong's own
grid when the report has no department form) or one sheet per village (a card form), pre-filled, the asked
cells unlocked. Uploaded back, every cell is checked first and the whole upload is refused with every bad
cell named; otherwise all the villages' answers are stored in one transaction (versioned, each a `task.fill`
ledger entry by the township user, for the village the answer object names)."""

from __future__ import annotations

import hashlib
import io
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import openpyxl
import sqlalchemy as sa
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from biaotong.errors import WorkflowError, where
from biaotong.i18n import msg
from biaotong.ledger.events import Event
from biaotong.ledger.log import record
from biaotong.reports.export.safe import set_text_cell
from biaotong.tasks import answers as store
from biaotong.tasks.model import STATUSES, window
from biaotong.tasks.sheet import (
    ASKED,
    FormSheet,
    check_all,
    form_of,
    names_of,
    open_upload,
    protect,
    scaled,
    unscaled,
    write_meta,
)
from biaotong.tasks.tables import tasks

if TYPE_CHECKING:
    from biaotong.workspace import Workspace

FIRST = 5  # the first village row of biaotong's own grid
OPEN = ("draft", "returned")


def batch_hash(ws: Workspace, report_id: str, period: str, units: list[tuple[int, str]], form: FormSheet | None) -> str:
    """The tasks (id, unit), the asked fields and the form: a sheet of another batch or a changed report differs."""
    from biaotong.tasks.prefill import asked_fields

    asked = sorted(asked_fields(ws, report_id))
    key = [report_id, period, sorted([int(t), o] for t, o in units), asked, form.digest if form else None]
    return hashlib.sha256(json.dumps(key).encode()).hexdigest()


def write_batch(ws: Workspace, views: list[dict[str, Any]], path: Path, *, report_id: str, period: str,
                filler: str) -> dict[str, Any]:
    """One workbook for the villages' task views (`filler`: the township's name, for 填报单位)."""
    from biaotong.reports.context import get_spec
    from biaotong.reports.period import Period

    form = form_of(ws, report_id)
    spec = get_spec(ws, report_id)
    per = Period.parse(period, spec.period_type)
    if form is None:
        wb, refs = _own_grid(views, spec.title, period, filler)
        kind = "grid"
    else:
        data, refs = _form_batch(ws, form, views, per.end, filler)
        wb = openpyxl.load_workbook(io.BytesIO(data))
        kind = "cards" if form.layout.kind == "form" else "rows"
    unlocked: dict[str, set[str]] = {}
    for ref in refs:
        sheet, _, coord = ref.rpartition("!")
        unlocked.setdefault(sheet, set()).add(coord)
    protect(wb, unlocked)
    units = [(v["id"], v["org_code"]) for v in views]
    write_meta(wb, {"batch": True, "report": report_id, "period": period,
                    "tasks": {str(v["id"]): v["version"] for v in views},
                    "layout": batch_hash(ws, report_id, period, units, form),
                    "cells": {ref: list(target) for ref, target in refs.items()}})
    wb.save(path)
    return {"kind": kind, "tasks": len(views), "cells": len(refs)}


def _asked(view: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for f in view["fields"] if f["origin"] in ASKED]


def _form_batch(ws: Workspace, form: FormSheet, views: list[dict[str, Any]], end: date,
                filler: str) -> tuple[bytes, dict[str, tuple[int, str]]]:
    from biaotong.forms.fill import Card, FillRow, fill_cards, fill_workbook

    layout = form.layout
    notes = {"org": filler, "date": date.today().strftime("%Y年%m月%d日")}
    refs: dict[str, tuple[int, str]] = {}
    if layout.kind == "form":  # a card: one sheet per village, where the template's sheet was
        cards = []
        for v in views:
            cells = {a["cell"]: scaled(f["value"], form.scale(f["id"])) for f in v["fields"]
                     if (a := form.column_of(f["id"])) and a.get("cell")}
            cards.append(Card(v["org_name"], cells, parent=names_of(ws, v["org_code"], end).get("township"),
                              code=v["org_code"]))
        data = fill_cards(form.raw, layout, cards, notes={k: x for k, x in notes.items() if k != "org"})
        at = openpyxl.load_workbook(io.BytesIO(form.raw), read_only=True).sheetnames.index(layout.sheet)
        titles = openpyxl.load_workbook(io.BytesIO(data), read_only=True).sheetnames
        for i, v in enumerate(views):
            for f in _asked(v):
                a = form.column_of(f["id"])
                if a and a.get("cell"):
                    refs[f"{titles[at + i]}!{a['cell']}"] = (v["id"], f["id"])
        return data, refs
    rows = []
    for v in views:
        values = {a["key"]: scaled(f["value"], form.scale(f["id"])) for f in v["fields"]
                  if (a := form.column_of(f["id"]))}
        names = names_of(ws, v["org_code"], end)
        rows.append(FillRow(values, {**names, "org": v["org_name"]}, name=v["org_name"], level="village"))
    placed: dict[int, int] = {}
    data = fill_workbook(form.raw, layout, rows, notes=notes, placed=placed)
    for i, v in enumerate(views):
        if i not in placed:
            continue
        for f in _asked(v):
            a = form.column_of(f["id"])
            if a:
                refs[f"{layout.sheet}!{a['column']}{placed[i]}"] = (v["id"], f["id"])
    return data, refs


def _own_grid(views: list[dict[str, Any]], title: str, period: str,
              filler: str) -> tuple[Any, dict[str, tuple[int, str]]]:
    """biaotong's own batch layout: a row per village, a column per field."""
    wb = openpyxl.Workbook()
    sheet = wb.active
    sheet.title = "批量填报"
    fields = views[0]["fields"]
    heads = ["序号", "村（社区）", "区划代码"] + [f["label"] + (f"（{f['unit']}）" if f.get("unit") else "") for f in fields]
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(heads))
    sheet.cell(1, 1, title).font = Font(bold=True, size=14)
    sheet.cell(1, 1).alignment = Alignment(horizontal="center")
    set_text_cell(sheet.cell(2, 1), msg(f"填报单位：{filler}　报告期：{period}", f"unit: {filler}   period: {period}"))
    sheet.cell(3, 1, msg("灰色为系统预填（不可修改）；黄色为需要填写的项目，每行一个村（社区）。",
                         "grey: pre-filled by systems (locked); yellow: fill these, one row per village."))
    for c, head in enumerate(heads, start=1):
        cell = sheet.cell(4, c)
        set_text_cell(cell, head)
        cell.font, cell.border = Font(bold=True), box
        sheet.column_dimensions[get_column_letter(c)].width = 14 if c > 3 else (6, 16, 14)[c - 1]
    grey = PatternFill("solid", fgColor="EEEEEE")
    refs: dict[str, tuple[int, str]] = {}
    for i, v in enumerate(views):
        r = FIRST + i
        sheet.cell(r, 1, i + 1)
        set_text_cell(sheet.cell(r, 2), v["org_name"])
        set_text_cell(sheet.cell(r, 3), v["org_code"])
        by_id = {f["id"]: f for f in v["fields"]}
        for c, f0 in enumerate(fields, start=4):
            f = by_id.get(f0["id"], f0)
            cell = sheet.cell(r, c)
            if isinstance(f["value"], str):
                set_text_cell(cell, f["value"])
            else:
                cell.value = f["value"]
            cell.border = box
            if f["origin"] in ASKED:
                refs[f"{sheet.title}!{cell.coordinate}"] = (v["id"], f["id"])
            else:
                cell.fill = grey
        for c in range(1, 4):
            sheet.cell(r, c).border = box
    sheet.freeze_panes = f"D{FIRST}"
    sheet.print_title_rows = "4:4"
    sheet.page_setup.orientation = "landscape"
    return wb, refs


def read_batch(ws: Workspace, data: bytes, *, name: str) -> dict[str, Any]:
    """The batch's meta and, per task, the raw values and cells (checked to be ours and of this layout)."""
    wb, meta = open_upload(data, name)
    if not meta.get("batch"):
        raise WorkflowError(f"{name} 是单个任务的表，请用 task upload 上传", f"{name} is one task's sheet: use task upload",
                            where(file=name))
    report_id, period = str(meta.get("report") or ""), str(meta.get("period") or "")
    try:
        versions = {int(t): int(v) for t, v in (meta.get("tasks") or {}).items()}
        cells = {str(ref): (int(t), str(f)) for ref, (t, f) in (meta.get("cells") or {}).items()}
    except (TypeError, ValueError, AttributeError):
        raise WorkflowError(f"{name} 的任务信息已损坏，请重新下载", f"the task data in {name} is damaged; download again",
                            where(file=name)) from None
    values: dict[int, dict[str, Any]] = {t: {} for t in versions}
    refs: dict[int, dict[str, str]] = {t: {} for t in versions}
    for ref, (tid, fid) in cells.items():
        if tid not in versions:
            continue
        sheet_name, _, coord = ref.rpartition("!")
        if sheet_name not in wb.sheetnames:
            raise WorkflowError(f"{name} 缺少工作表“{sheet_name}”（表样被改动），请重新下载",
                                f"{name} has no sheet {sheet_name!r}; download it again", where(file=name, column=ref))
        values[tid][fid] = wb[sheet_name][coord].value
        refs[tid][fid] = ref
    return {"report": report_id, "period": period, "versions": versions, "values": values, "cells": refs,
            "layout": meta.get("layout")}


def store_batch(ws: Workspace, batch: dict[str, Any], rows: dict[int, Any], *, actor: str, name: str) -> dict[str, Any]:
    """Check every cell, then store every village's answers in one transaction (all or nothing)."""
    from biaotong.reports.context import get_spec
    from biaotong.reports.period import Period
    from biaotong.tasks.prefill import asked_fields

    report_id, period = batch["report"], batch["period"]
    form = form_of(ws, report_id)
    if batch["layout"] != batch_hash(ws, report_id, period, [(t, r.org_code) for t, r in rows.items()], form):
        raise WorkflowError(f"{name} 的表样与当前任务不一致（报表或任务已变更），请重新下载",
                            f"the layout of {name} differs from the tasks' (the report changed); download it again",
                            where(file=name))
    tree = ws.org_tree()
    items: list[tuple[int, str, Any, str]] = []
    for tid, vals in batch["values"].items():
        for fid, raw in vals.items():
            scale = form.scale(fid) if form is not None else 1.0
            items.append((tid, fid, unscaled(raw, scale), batch["cells"][tid][fid]))
    problems = [f"{tree.name_of(rows[t].org_code) or rows[t].org_code}（任务 {t}）：" + (
        f"当前为{STATUSES.get(rows[t].status, (rows[t].status,))[0]}，不能修改" if rows[t].status not in OPEN else
        f"下载于版本 {batch['versions'][t]}，现为版本 {rows[t].version}") for t in rows
        if rows[t].status not in OPEN or rows[t].version != batch["versions"][t]]
    if problems:
        raise WorkflowError(f"{name} 未导入：" + "；".join(problems) + "。请重新下载批量表",
                            f"{name} was not stored: {len(problems)} tasks changed since the download; download it again",
                            where(file=name), details={"tasks": problems})
    checked = check_all(ws, report_id, [(tree.name_of(rows[t].org_code) or rows[t].org_code, f, v, ref)
                                         for t, f, v, ref in items], name=name)
    asked = asked_fields(ws, report_id)
    spec = get_spec(ws, report_id)
    per = Period.parse(period, spec.period_type)
    now = datetime.now(UTC)
    changed: dict[int, int] = {}
    with ws.engine.begin() as conn:
        for (tid, fid, _raw, _ref), value in zip([i for i in items if i[1] in asked], checked, strict=True):
            a = asked[fid]
            el = ws.catalog.element(*a.element.split(".", 1))
            win = window(el.validity, str(per), per.end)
            if value is None and store.current(conn, rows[tid].org_code, a.element, win,
                                               statuses=("draft", "submitted", "approved")) is None:
                continue  # a cell left blank where nothing was answered: nothing to record
            changed[tid] = changed.get(tid, 0) + store.put(
                conn, org_code=rows[tid].org_code, element=a.element, window=win, value=value, status="draft",
                actor=actor, task_id=tid, reason=msg("乡镇批量填报", "township batch entry"), now=now)
        versions: dict[int, int] = {}
        for tid, row in rows.items():
            versions[tid] = row.version
            if not changed.get(tid):
                continue
            done = conn.execute(sa.update(tasks).where(tasks.c.id == tid, tasks.c.version == row.version)
                                .values(version=row.version + 1))
            if not done.rowcount:  # changed between the check and now: the whole batch is rolled back
                raise WorkflowError(f"任务 {tid} 刚被他人修改，批量表未导入，请重新下载",
                                    f"task {tid} was just changed by someone else; nothing stored, download again",
                                    where(file=name, key=str(tid)))
            versions[tid] = row.version + 1
        record(conn, Event(action="task.fill", actor=actor, object=f"report:{report_id}/{period}",
                           detail={"batch": True, "file": name[:200],
                                   "for": {str(t): rows[t].org_code for t in sorted(rows)},
                                   "changed": {str(t): n for t, n in sorted(changed.items())}}))
    return {"report": report_id, "period": period, "tasks": len(rows), "changed": sum(changed.values()),
            "versions": {str(t): v for t, v in sorted(versions.items())}}
