"""Excel in the shape grassroots forms have: title, unit line, merged multi-level headers, 合计 rows, footer."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from biaotong.reports.result import Column, ReportResult

THIN = Side(style="thin", color="000000")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center")
HEAD_FONT = Font(name="宋体", bold=True, size=10)
BODY_FONT = Font(name="宋体", size=10)
BOLD_FONT = Font(name="宋体", size=10, bold=True)
TITLE_FONT = Font(name="黑体", size=16, bold=True)
SUBTOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")
TOTAL_FILL = PatternFill("solid", fgColor="D9E1F2")


def _text_width(text: Any) -> float:
    s = "" if text is None else str(text)
    return sum(2.0 if ord(ch) > 0x2E80 else 1.1 for ch in s)


def number_format(col: Column) -> str:
    if col.number_format:
        return col.number_format
    if col.kind == "ratio" or col.unit == "%":
        return "0.00"
    if col.unit and ("元" in col.unit or "亩" in col.unit or "公顷" in col.unit or "千米" in col.unit):
        return "#,##0.00"
    return "#,##0"


def _lead_columns(result: ReportResult) -> list[tuple[str, float]]:
    if result.layout == "aggregate":
        return [("地区", 18.0), ("区划代码", 15.0)]
    if result.layout == "roster":
        return [("序号", 6.0)]
    return []


def _write_headers(ws: Worksheet, result: ReportResult, top: int) -> int:
    """Merged multi-level headers from field groups; returns the first row after the unit row."""
    lead = _lead_columns(result)
    cols = result.columns
    depth = max((len(c.group) for c in cols), default=0) + 1
    for j, (label, _w) in enumerate(lead, start=1):
        ws.cell(top, j, label)
        if depth > 1:
            ws.merge_cells(start_row=top, start_column=j, end_row=top + depth - 1, end_column=j)
    base = len(lead) + 1
    for level in range(depth):
        j = 0
        while j < len(cols):
            c = cols[j]
            if level < len(c.group):
                prefix = c.group[: level + 1]
                k = j
                while k + 1 < len(cols) and cols[k + 1].group[: level + 1] == prefix:
                    k += 1
                ws.cell(top + level, base + j, c.group[level])
                if k > j:
                    ws.merge_cells(start_row=top + level, start_column=base + j, end_row=top + level,
                                   end_column=base + k)
                j = k + 1
            elif level == len(c.group):
                ws.cell(top + level, base + j, c.label)
                if level < depth - 1:
                    ws.merge_cells(start_row=top + level, start_column=base + j, end_row=top + depth - 1,
                                   end_column=base + j)
                j += 1
            else:
                j += 1
    unit_row = top + depth
    for j, _ in enumerate(lead, start=1):
        ws.cell(unit_row, j, "甲" if j == 1 else "乙" if j == 2 else "")
    for j, c in enumerate(cols):
        ws.cell(unit_row, base + j, c.unit or "")
    last_col = len(lead) + len(cols)
    for r in range(top, unit_row + 1):
        for j in range(1, last_col + 1):
            cell = ws.cell(r, j)
            cell.font = HEAD_FONT if r < unit_row else BODY_FONT
            cell.alignment = CENTER
            cell.border = BOX
    return unit_row + 1


def _write_aggregate(ws: Worksheet, result: ReportResult, row: int) -> int:
    fmts = [number_format(c) for c in result.columns]
    for r in result.rows:
        name = ("　" * max(r.depth - 1, 0)) + r.label if not r.is_total else "合计"
        ws.cell(row, 1, name).alignment = LEFT
        ws.cell(row, 2, r.org_code).alignment = CENTER
        for j, c in enumerate(result.columns):
            cell = ws.cell(row, 3 + j, r.values.get(c.id))
            cell.number_format = fmts[j]
        for j in range(1, 3 + len(result.columns)):
            cell = ws.cell(row, j)
            cell.border = BOX
            cell.font = BOLD_FONT if (r.is_subtotal or r.is_total) else BODY_FONT
            if r.is_total:
                cell.fill = TOTAL_FILL
            elif r.is_subtotal:
                cell.fill = SUBTOTAL_FILL
        row += 1
    return row


def _write_roster(ws: Worksheet, result: ReportResult, row: int) -> int:
    for i, rec in enumerate(result.records, start=1):
        ws.cell(row, 1, i)
        for j, c in enumerate(result.columns):
            v = rec.get(c.id)
            cell = ws.cell(row, 2 + j, v)
            if isinstance(v, date):
                cell.number_format = "yyyy-mm-dd"
            elif isinstance(v, int | float) and not isinstance(v, bool):
                cell.number_format = number_format(c)
        for j in range(1, 2 + len(result.columns)):
            ws.cell(row, j).border = BOX
            ws.cell(row, j).font = BODY_FONT
        row += 1
    return row


def _write_form(ws: Worksheet, result: ReportResult, top: int) -> int:
    for j, head in enumerate(("项目", "单位", "数值"), start=1):
        cell = ws.cell(top, j, head)
        cell.font, cell.alignment, cell.border = HEAD_FONT, CENTER, BOX
    row = top + 1
    for it in result.items:
        label = " > ".join([*it.get("group", []), it["label"]]) if it.get("group") else it["label"]
        ws.cell(row, 1, label).alignment = LEFT
        ws.cell(row, 2, it.get("unit") or "").alignment = CENTER
        v = ws.cell(row, 3, it["value"])
        col = next((c for c in result.columns if c.id == it["id"]), None)
        if col is not None:
            v.number_format = number_format(col)
        for j in (1, 2, 3):
            ws.cell(row, j).border = BOX
            ws.cell(row, j).font = BODY_FONT
        row += 1
    return row


STREAM_ROWS = 300  # larger rosters are streamed (openpyxl write-only mode): no borders, ~3x faster


def write_xlsx(result: ReportResult, out: Path, **_: Any) -> None:
    if result.layout == "roster" and len(result.records) > STREAM_ROWS:
        _write_roster_streaming(result, out)
        return
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = result.spec.title[:31].replace("/", "_")
    lead = _lead_columns(result)
    ncols = 3 if result.layout == "form" else len(lead) + len(result.columns)
    ncols = max(ncols, 3)
    ws.cell(1, 1, f"{result.period.label}{result.spec.title}").font = TITLE_FONT
    ws.cell(1, 1).alignment = CENTER
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=ncols)
    ws.row_dimensions[1].height = 30
    ws.cell(2, 1, f"填报单位：{result.org_name}").alignment = LEFT
    unit_note = result.spec.unit_note or ""
    ws.cell(2, ncols, f"{unit_note}  报告期：{result.period.label}".strip()).alignment = Alignment(horizontal="right")
    if result.layout == "form":
        end = _write_form(ws, result, 3)
        widths = [max(12.0, *(_text_width(it["label"]) + 2 for it in result.items)), 10.0, 14.0]
    else:
        body = _write_headers(ws, result, 3)
        ws.freeze_panes = ws.cell(body, len(lead) + 1)
        end = _write_aggregate(ws, result, body) if result.layout == "aggregate" else _write_roster(ws, result, body)
        widths = [w for _, w in lead] + [
            min(max(8.0, _text_width(c.label) / (2 if len(c.label) > 8 else 1) + 2), 30.0) for c in result.columns
        ]
        if result.layout == "aggregate":
            widths[0] = max(widths[0], *(_text_width(r.label) + 2 * r.depth for r in result.rows), 8.0)
        if result.layout == "roster":
            for j, c in enumerate(result.columns):
                longest = max((_text_width(rec.get(c.id)) for rec in result.records[:500]), default=0)
                widths[1 + j] = min(max(widths[1 + j], longest + 2), 40.0)
    for j, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = w
    day = (result.generated_at.date() if result.generated_at else date.today()).isoformat()
    foot = end + 1
    ws.cell(foot, 1, f"填报单位：{result.org_name}")
    third = max(ncols // 3, 1)
    ws.cell(foot, 1 + third, "填报人：")
    ws.cell(foot, min(1 + 2 * third, ncols), "审核人：")
    ws.cell(foot + 1, 1, f"填报日期：{day}")
    ws.cell(foot + 2, 1, "数据来源：表通（从系统取数，逐格可追溯：biaotong report explain）").font = Font(size=9, color="808080")
    ws.print_options.horizontalCentered = True
    ws.page_setup.orientation = "landscape" if ncols > 8 else "portrait"
    wb.save(out)


def _write_roster_streaming(result: ReportResult, out: Path) -> None:
    """A big roster: the same title, header and footer, rows streamed without per-cell borders."""
    from openpyxl.cell import WriteOnlyCell

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(result.spec.title[:31].replace("/", "_"))
    ncols = 1 + len(result.columns)
    widths = [6.0] + [min(max(8.0, _text_width(c.label) + 2,
                              max((_text_width(r.get(c.id)) for r in result.records[:200]), default=0) + 2), 40.0)
                      for c in result.columns]
    for j, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = w
    ws.freeze_panes = "B5"

    def styled(value: Any, font: Font, align: Alignment | None = None, border: bool = False) -> WriteOnlyCell:
        cell = WriteOnlyCell(ws, value=value)
        cell.font = font
        if align is not None:
            cell.alignment = align
        if border:
            cell.border = BOX
        return cell

    ws.append([styled(f"{result.period.label}{result.spec.title}", TITLE_FONT)])
    ws.append([f"填报单位：{result.org_name}", *([None] * (ncols - 2)),
               f"{result.spec.unit_note or ''}  报告期：{result.period.label}".strip()])
    ws.append([styled(h, HEAD_FONT, CENTER, True) for h in ["序号", *(c.label for c in result.columns)]])
    ws.append([styled(u, BODY_FONT, CENTER, True) for u in ["甲", *(c.unit or "" for c in result.columns)]])
    date_cols = {c.id for c in result.columns if any(isinstance(r.get(c.id), date) for r in result.records[:50])}
    for i, rec in enumerate(result.records, start=1):
        row: list[Any] = [i]
        for c in result.columns:
            v = rec.get(c.id)
            if c.id in date_cols and isinstance(v, date):
                cell = WriteOnlyCell(ws, value=v)
                cell.number_format = "yyyy-mm-dd"
                row.append(cell)
            else:
                row.append(v)
        ws.append(row)
    day = (result.generated_at.date() if result.generated_at else date.today()).isoformat()
    ws.append([])
    third = max(ncols // 3, 1)
    foot: list[Any] = [None] * ncols
    foot[0], foot[third], foot[min(2 * third, ncols - 1)] = f"填报单位：{result.org_name}", "填报人：", "审核人："
    ws.append(foot)
    ws.append([f"填报日期：{day}"])
    wb.save(out)
