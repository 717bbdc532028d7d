"""Draw a form the way a department's clerk would: title, 填表单位 line, merged multi-row header, bordered
blank rows (or pre-listed org units), footer. Used by tests, the bench and the demo.

    header = ["地区", ("低保对象类别(人)", ["老年人", "成年人", "未成年人"]), "低保标准 (元)"]
    data = sketch_form("城市低保对象综合统计表", header, rows=["雨山区", "采石街道"])
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

Header = str | tuple[str, Sequence["Header"]]

THIN = Side(style="thin", color="000000")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


@dataclass
class SketchOptions:
    meta_line: str | None = "填表单位：                    单位：人、元                    填表日期：    年  月  日"
    subtitle: str | None = None
    footer: str | None = "单位负责人：          审核人：          填报人：          填报日期：    年  月  日"
    blank_rows: int = 5
    code_row: bool = False
    number_format: str | None = "#,##0"
    sheet: str = "Sheet1"
    unmerged_groups: bool = False  # draw groups the lazy way: text in the first column, no merge


def _depth(items: Sequence[Header]) -> int:
    return max((1 + _depth(i[1]) if isinstance(i, tuple) else 1) for i in items)


def _width(item: Header) -> int:
    return sum(_width(c) for c in item[1]) if isinstance(item, tuple) else 1


def sketch_form(
    title: str,
    header: Sequence[Header],
    rows: Sequence[str] | None = None,
    options: SketchOptions | None = None,
) -> bytes:
    opt = options or SketchOptions()
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = opt.sheet
    ncols = sum(_width(h) for h in header)
    depth = _depth(header)
    r = 1
    ws.cell(r, 1, title).font = Font(name="宋体", size=16, bold=True)
    ws.cell(r, 1).alignment = CENTER
    ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=ncols)
    ws.row_dimensions[r].height = 30
    if opt.subtitle:
        r += 1
        ws.cell(r, 1, opt.subtitle).alignment = CENTER
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=ncols)
    if opt.meta_line:
        r += 1
        ws.cell(r, 1, opt.meta_line)
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=ncols)
    top = r + 1
    fill = PatternFill("solid", fgColor="DDEBF7")

    def draw(items: Sequence[Header], row: int, col: int) -> None:
        for item in items:
            text = item[0] if isinstance(item, tuple) else item
            w = _width(item)
            cell = ws.cell(row, col, text)
            cell.font = Font(name="宋体", size=10, bold=True)
            cell.alignment = CENTER
            cell.fill = fill
            bottom = row if isinstance(item, tuple) else top + depth - 1
            if (w > 1 and not opt.unmerged_groups) or bottom > row:
                ws.merge_cells(start_row=row, start_column=col, end_row=bottom, end_column=col + w - 1)
            for rr in range(row, bottom + 1):
                for cc in range(col, col + w):
                    ws.cell(rr, cc).border = BOX
            if isinstance(item, tuple):
                draw(item[1], row + 1, col)
            col += w

    draw(header, top, 1)
    r = top + depth - 1
    if opt.code_row:
        r += 1
        for c in range(1, ncols + 1):
            ws.cell(r, c, "甲" if c == 1 else c - 1).border = BOX
            ws.cell(r, c).alignment = CENTER
    body = list(rows) if rows is not None else [None] * opt.blank_rows
    for label in body:
        r += 1
        for c in range(1, ncols + 1):
            cell = ws.cell(r, c)
            cell.border = BOX
            cell.font = Font(name="宋体", size=10)
            if c > 1 and opt.number_format:
                cell.number_format = opt.number_format
        if label is not None:
            ws.cell(r, 1, label)
        ws.row_dimensions[r].height = 18
    if opt.footer:
        r += 2
        ws.cell(r, 1, opt.footer)
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=ncols)
    for c in range(1, ncols + 1):
        ws.column_dimensions[get_column_letter(c)].width = 12 if c > 1 else 16
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
