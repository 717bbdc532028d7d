"""Excel in the shape grassroots forms have: title, unit line, merged multi-level headers, 合计 rows, footer.

Written with XlsxWriter (the department's own templates stay on openpyxl, in biaotong.forms): ~2x faster
than openpyxl for the same cells. Every layout goes through one path, top to bottom a row at a time, so any
roster has the same look — borders, fonts, number formats. The normal mode keeps the sheet in memory
(~120 B a cell) and stores text once in the shared-string table, which is ~25 % faster than constant-memory
mode (every cell an escaped inline string); a roster longer than STREAM_ROWS is written in constant-memory
mode, each row flushed to disk as the next one starts, so memory stays flat at any size.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

from biaotong.reports.export import pages
from biaotong.reports.export.pages import cell_height, text_width
from biaotong.reports.export.safe import safe_value
from biaotong.reports.result import Column, ReportResult

# Cell styles, as XlsxWriter format properties (combined and cached per workbook by _Styles).
BOX: dict[str, Any] = {"border": 1, "border_color": "#000000"}
CENTER: dict[str, Any] = {"align": "center", "valign": "vcenter", "text_wrap": True}
LEFT: dict[str, Any] = {"align": "left", "valign": "vcenter"}
RIGHT: dict[str, Any] = {"align": "right"}
HEAD_FONT: dict[str, Any] = {"font_name": "宋体", "bold": True, "font_size": 10}
BODY_FONT: dict[str, Any] = {"font_name": "宋体", "font_size": 10}
BOLD_FONT: dict[str, Any] = {"font_name": "宋体", "font_size": 10, "bold": True}
TITLE_FONT: dict[str, Any] = {"font_name": "黑体", "font_size": 16, "bold": True}
NOTE_FONT: dict[str, Any] = {"font_size": 9, "font_color": "#808080"}
SUBTOTAL_FILL: dict[str, Any] = {"pattern": 1, "bg_color": "#F2F2F2"}
TOTAL_FILL: dict[str, Any] = {"pattern": 1, "bg_color": "#D9E1F2"}
DATE_FORMAT = "yyyy-mm-dd"

STREAM_ROWS = 100_000  # longer rosters: constant-memory mode (~1 M cells ≈ 120 MB in the normal mode)
_BAD_SHEET_CHARS = str.maketrans({ch: "_" for ch in "[]:*?/\\"})




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


class _Styles:
    """One XlsxWriter Format per distinct combination of style parts, made on first use."""

    def __init__(self, wb: xlsxwriter.Workbook) -> None:
        self._wb = wb
        self._cache: dict[tuple[Any, ...], Format] = {}

    def __call__(self, *parts: dict[str, Any] | None, num: str | None = None) -> Format:
        key = (*(id(p) for p in parts if p), num)
        fmt = self._cache.get(key)
        if fmt is None:
            props: dict[str, Any] = {}
            for p in parts:
                if p:
                    props.update(p)
            if num:
                props["num_format"] = num
            fmt = self._cache[key] = self._wb.add_format(props)
        return fmt


class _Writer:
    """Writes any Python value a report holds into a cell, with the format of its kind (number, date, text)."""

    def __init__(self, ws: Worksheet) -> None:
        self.ws = ws
        self._by_type: dict[type, Callable[[int, int, Any, Format | None], Any]] = {
            str: self.text, int: ws.write_number, float: self._float, bool: ws.write_boolean,
            type(None): ws.write_blank,
        }

    def text(self, row: int, col: int, v: str, fmt: Format | None = None) -> Any:
        """Always as text, never a formula; unholdable characters made visible, over-long values refused."""
        return self.ws.write_string(row, col, safe_value(v, "xlsx", row=row + 1, column=xl_col_to_name(col)), fmt)

    def _float(self, row: int, col: int, v: float, fmt: Format | None) -> Any:
        if math.isfinite(v):
            return self.ws.write_number(row, col, v, fmt)
        return self.ws.write_string(row, col, str(v), fmt)

    def put(self, row: int, col: int, v: Any, fmt: Format | None, date_fmt: Format | None = None) -> None:
        """Zero-based row/col. `fmt` for numbers, text and blanks; `date_fmt` (or `fmt`) for dates."""
        fn = self._by_type.get(type(v))
        if fn is not None:
            fn(row, col, v, fmt)
        elif isinstance(v, bool):
            self.ws.write_boolean(row, col, v, fmt)
        elif isinstance(v, date):  # datetime too; tz-aware ones lose the zone (remove_timezone)
            self.ws.write_datetime(row, col, v, date_fmt or fmt)
        elif isinstance(v, int | float | Decimal):
            self._float(row, col, float(v), fmt)
        else:
            self.text(row, col, str(v), fmt)


def _header_grid(result: ReportResult) -> tuple[list[list[Any]], list[tuple[int, int, int, int]]]:
    """The header block (multi-level headers + the unit row) as rows of values, and its merges as
    (first_row, first_col, last_row, last_col), all relative to the block's top-left cell, zero-based."""
    lead = _lead_columns(result)
    cols = result.columns
    depth = max((len(c.group) for c in cols), default=0) + 1
    width = len(lead) + len(cols)
    grid: list[list[Any]] = [[None] * width for _ in range(depth + 1)]
    merges: list[tuple[int, int, int, int]] = []
    for j, (label, _w) in enumerate(lead):
        grid[0][j] = label
        if depth > 1:
            merges.append((0, j, depth - 1, j))
    base = len(lead)
    for level in range(depth):
        j = 0
        while j < len(cols):
            c = cols[j]
            if level < len(c.group):
                prefix = c.group[: level + 1]
                k = j
                while k + 1 < len(cols) and cols[k + 1].group[: level + 1] == prefix:
                    k += 1
                grid[level][base + j] = c.group[level]
                if k > j:
                    merges.append((level, base + j, level, base + k))
                j = k + 1
            elif level == len(c.group):
                grid[level][base + j] = c.label
                if level < depth - 1:
                    merges.append((level, base + j, depth - 1, base + j))
                j += 1
            else:
                j += 1
    for j in range(len(lead)):
        grid[depth][j] = "甲" if j == 0 else "乙" if j == 1 else ""
    for j, c in enumerate(cols):
        grid[depth][base + j] = c.unit or ""
    return grid, merges


def _sheet_name(result: ReportResult) -> str:
    return result.spec.title[:31].translate(_BAD_SHEET_CHARS).strip("'") or "Sheet1"


def write_xlsx(result: ReportResult, out: Path, **_: Any) -> None:
    layout = result.layout
    lead = _lead_columns(result)
    ncols = max(3 if layout == "form" else len(lead) + len(result.columns), 3)
    grid: list[list[Any]] = []
    merges: list[tuple[int, int, int, int]] = []
    if layout != "form":
        grid, merges = _header_grid(result)
    # Constant-memory mode needs rows written in order and merges within one row: a big roster whose
    # headers merge down several rows (column groups) is written in the normal mode instead.
    stream = layout == "roster" and len(result.records) > STREAM_ROWS and all(m[0] == m[2] for m in merges)
    wb = xlsxwriter.Workbook(str(out), {
        "constant_memory": stream, "strings_to_numbers": False, "strings_to_formulas": False,
        "strings_to_urls": False, "remove_timezone": True,
    })
    # No wall-clock time in the file: re-generated as known at its publication, it has the same bytes.
    wb.set_properties({"created": result.data_as_of or datetime.combine(result.period.end, time())})
    try:
        _write_sheet(wb, result, lead, ncols, grid, merges)
    except BaseException:
        with contextlib.suppress(Exception):  # release its temporary files; the caller removes the output
            wb.close()
        raise
    wb.close()


def _write_sheet(wb: xlsxwriter.Workbook, result: ReportResult, lead: list[tuple[str, float]], ncols: int,
                 grid: list[list[Any]], merges: list[tuple[int, int, int, int]]) -> None:
    layout = result.layout
    ws = wb.add_worksheet(_sheet_name(result))
    style = _Styles(wb)
    writer = _Writer(ws)
    put = writer.put
    if layout == "form":
        _cards(result, ws, writer, style)
        return

    # Everything that is not a cell comes first: column widths, row heights, freeze panes, print setup.
    widths = [w for _, w in lead] + [
        min(max(8.0, text_width(c.label) / (2 if len(c.label) > 8 else 1) + 2), 30.0) for c in result.columns
    ]
    if layout == "aggregate":
        widths[0] = max(widths[0], *(text_width(r.label) + 2 * r.depth for r in result.rows), 8.0)
    if layout == "roster":
        for j, c in enumerate(result.columns):
            longest = max((text_width(rec.get(c.id)) for rec in result.records[:500]), default=0)
            widths[1 + j] = min(max(widths[1 + j], longest + 2), 40.0)
    top = 2
    ws.freeze_panes(top + len(grid), len(lead))
    for j, w in enumerate(widths):
        ws.set_column(j, j, w)
    ws.set_default_row(pages.ROW_POINTS)
    ws.set_row(0, 30)
    heights = _header_heights(grid, merges, widths)
    for r, h in enumerate(heights):
        ws.set_row(top + r, h)

    # Title and 填报单位 line (rows 1–2): page one only; the header block repeats on every page.
    ws.merge_range(0, 0, 0, ncols - 1, f"{result.period.label}{result.spec.title}", style(TITLE_FONT, CENTER))
    writer.text(1, 0, f"填报单位：{result.org_name}", style(LEFT))
    unit_note = result.spec.unit_note or ""
    ws.write_string(1, ncols - 1, f"{unit_note}  报告期：{result.period.label}".strip(), style(RIGHT))

    # Headers from row 3.
    unit_level = len(grid) - 1
    head, unit = style(HEAD_FONT, CENTER, BOX), style(BODY_FONT, CENTER, BOX)
    starts: dict[int, list[tuple[int, int, int, int]]] = {}
    for m in merges:
        starts.setdefault(m[0], []).append(m)
    for r, values in enumerate(grid):
        fmt = head if r < unit_level else unit
        for j, v in enumerate(values):
            put(top + r, j, v, fmt)
        for r1, c1, r2, c2 in starts.get(r, []):
            ws.merge_range(top + r1, c1, top + r2, c2, values[c1], fmt)
    body = top + len(grid)

    if layout == "aggregate":
        row = _aggregate(result, body, writer, style)
    else:
        row = _roster(result, body, writer, style)
    last = _footer(result, ws, writer, row + 1, ncols, style)

    shape = pages.shape_for(widths, force_landscape=layout == "roster")
    breaks: list[int] = []
    if layout == "aggregate":
        usable = shape.usable_height()
        first = usable - 30 - pages.ROW_POINTS - sum(heights)
        blocks = [*_township_blocks(result), last - row + 1]  # the signature lines stay with the last rows
        breaks = [body + b for b in pages.keep_together(blocks, first, usable - sum(heights))]
    _print_setup(ws, shape, last, ncols, repeat=(top, body - 1), breaks=breaks)


def _header_heights(grid: list[list[Any]], merges: list[tuple[int, int, int, int]], widths: list[float]) -> list[float]:
    """Each header row tall enough for its wrapped labels (a label merged down shares its rows' height)."""
    span = {(r1, c1): (r2 - r1 + 1, sum(widths[c1:c2 + 1])) for r1, c1, r2, c2 in merges}
    covered = {(r, c) for r1, c1, r2, c2 in merges for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)}
    heights = [18.0] * len(grid)
    for r, values in enumerate(grid[:-1]):  # the last row holds units: one line
        for c, v in enumerate(values):
            if v in (None, "") or ((r, c) in covered and (r, c) not in span):
                continue
            nrows, width = span.get((r, c), (1, widths[c]))
            need = cell_height(v, width, nrows)
            for k in range(r, min(r + nrows, len(grid) - 1)):
                heights[k] = max(heights[k], need)
    return heights


def _township_blocks(result: ReportResult) -> list[int]:
    """Row counts of the aggregate's blocks: the total, then each unit of depth 1 with everything below it."""
    blocks: list[int] = []
    for r in result.rows:
        if r.depth <= 1 or not blocks:
            blocks.append(1)
        else:
            blocks[-1] += 1
    return blocks


def _print_setup(ws: Worksheet, shape: pages.PageShape, last_row: int, ncols: int, *,
                 repeat: tuple[int, int] | None, breaks: list[int]) -> None:
    """A4, the orientation that suits the width, fit to one page wide (each application scales by its own font
    metrics), repeated header rows, page numbers, binder margins. The manual breaks were planned at our
    estimate of the scale, which is never below the application's: a page has room to spare, not a row short."""
    ws.set_paper(9)
    if shape.landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.set_margins(**pages.MARGINS)
    ws.set_footer(pages.FOOTER, {"margin": pages.FOOTER_MARGIN})
    ws.center_horizontally()
    ws.print_area(0, 0, last_row, ncols - 1)
    if repeat is not None:
        ws.repeat_rows(*repeat)
    if breaks:
        ws.set_h_pagebreaks(breaks)
    ws.fit_to_pages(1, 0)


def _footer(result: ReportResult, ws: Worksheet, writer: _Writer, foot: int, ncols: int, style: _Styles) -> int:
    """The signature lines below a table; returns the last row written. The date is the data's (the newest
    snapshot's), never the wall clock: re-generated as known at its publication, the file is the same."""
    day = (result.data_as_of.date() if result.data_as_of else result.period.end).isoformat()
    note = result.missing_note()
    if note:  # in the empty row above: blank cells are missing data, not zeros
        writer.text(foot - 1, 0, note, style(NOTE_FONT))
    third = max(ncols // 3, 1)
    writer.text(foot, 0, f"填报单位：{result.org_name}")
    ws.write_string(foot, third, "填报人：")
    ws.write_string(foot, min(2 * third, ncols - 1), "审核人：")
    ws.write_string(foot + 1, 0, f"填报日期：{day}")
    ws.write_string(foot + 2, 0, "数据来源：表通（从系统取数，逐格可追溯：biaotong report explain）", style(NOTE_FONT))
    return foot + 2


def _aggregate(result: ReportResult, row: int, w: _Writer, style: _Styles) -> int:
    put = w.put
    cols = result.columns
    fmts = [number_format(c) for c in cols]
    for r in result.rows:
        font = BOLD_FONT if (r.is_subtotal or r.is_total) else BODY_FONT
        fill = TOTAL_FILL if r.is_total else SUBTOTAL_FILL if r.is_subtotal else None
        name = ("　" * max(r.depth - 1, 0)) + r.label if not r.is_total else "合计"
        put(row, 0, name, style(font, fill, BOX, LEFT))
        put(row, 1, r.org_code, style(font, fill, BOX, CENTER))
        for j, c in enumerate(cols):
            put(row, 2 + j, r.values.get(c.id), style(font, fill, BOX, num=fmts[j]))
        row += 1
    return row


def _roster(result: ReportResult, row: int, w: _Writer, style: _Styles) -> int:
    ws, put = w.ws, w.put
    plain = style(BODY_FONT, BOX)
    on_date = style(BODY_FONT, BOX, num=DATE_FORMAT)
    ids = list(enumerate((c.id for c in result.columns), start=1))
    # Numbers take the column's format; text, blanks and booleans stay General, dates yyyy-mm-dd.
    numeric = [plain, *(style(BODY_FONT, BOX, num=number_format(c)) for c in result.columns)]
    write_string, write_number = w.text, ws.write_number
    for i, rec in enumerate(result.records, start=1):
        write_number(row, 0, i, plain)
        for j, cid in ids:  # the common types inline: this loop runs once per cell of the roster
            v = rec.get(cid)
            t = type(v)
            if t is str:
                write_string(row, j, v, plain)
            elif t is int:
                write_number(row, j, v, numeric[j])
            elif t is float or isinstance(v, Decimal) or (t is not bool and isinstance(v, int | float)):
                put(row, j, v, numeric[j])
            else:
                put(row, j, v, plain, on_date)
        row += 1
    return row


def _cards(result: ReportResult, ws: Worksheet, w: _Writer, style: _Styles) -> None:
    """A single-unit form: one card per unit (a township's villages), each on its own page with its own
    title, 填报单位 line, header and signature lines."""
    by_id: dict[str, Column] = {}
    for c in result.columns:
        by_id.setdefault(c.id, c)
    cards = result.cards or [{"org_code": result.org_code, "org_name": result.org_name, "items": result.items}]
    labels = [(" > ".join([*it.get("group", []), it["label"]]) if it.get("group") else it["label"])
              for it in cards[0]["items"]]
    widths = [min(max(12.0, *(text_width(x) + 2 for x in labels)), 60.0), 10.0, 14.0]
    for j, width in enumerate(widths):
        ws.set_column(j, j, width)
    ws.set_default_row(pages.ROW_POINTS)
    label_fmt = style(BODY_FONT, BOX, LEFT, {"text_wrap": True})
    unit_fmt, plain = style(BODY_FONT, BOX, CENTER), style(BODY_FONT, BOX)
    head = style(HEAD_FONT, CENTER, BOX)
    row, breaks = 0, []
    for n, card in enumerate(cards):
        if n:
            breaks.append(row)
        ws.set_row(row, 30)
        ws.merge_range(row, 0, row, 2, f"{result.period.label}{result.spec.title}", style(TITLE_FONT, CENTER))
        w.text(row + 1, 0, f"填报单位：{card['org_name']}", style(LEFT))
        ws.write_string(row + 1, 2, f"报告期：{result.period.label}", style(RIGHT))
        for j, h in enumerate(("项目", "单位", "数值")):
            ws.write_string(row + 2, j, h, head)
        row += 3
        for label, it in zip(labels, card["items"], strict=True):
            if text_width(label) > widths[0] - 1.5:
                ws.set_row(row, cell_height(label, widths[0]))
            w.put(row, 0, label, label_fmt)
            w.put(row, 1, it.get("unit") or "", unit_fmt)
            col = by_id.get(it["id"])
            w.put(row, 2, it["value"], style(BODY_FONT, BOX, num=number_format(col)) if col is not None else plain)
            row += 1
        last = _footer(result, ws, w, row + 1, 3, style)
        w.text(row + 1, 0, f"填报单位：{card['org_name']}")
        row = last + 1
    _print_setup(ws, pages.PageShape(False, 1.0), row - 1, 3, repeat=None, breaks=breaks)
