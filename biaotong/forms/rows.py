"""Inserting rows into a sheet the way Excel does: merged ranges, row heights and the styles of the
template's first data row follow, footers move down intact (openpyxl's insert_rows moves cells only)."""

from __future__ import annotations

from copy import copy

from openpyxl.worksheet.worksheet import Worksheet


def insert_rows(ws: Worksheet, at: int, count: int, *, style_row: int, min_col: int, max_col: int) -> None:
    """Insert `count` rows before row `at`, styled like `style_row` (a row above `at` or the row at `at`)."""
    if count <= 0:
        return
    below = ws.max_row >= at
    if below:
        _shift_merges(ws, at, count)
        _shift_heights(ws, at, count)
        ws.insert_rows(at, count)
    src_row = style_row if style_row < at else style_row + (count if below else 0)
    styles = [copy(ws.cell(src_row, c)._style) for c in range(min_col, max_col + 1)]
    formats = [ws.cell(src_row, c).number_format for c in range(min_col, max_col + 1)]
    height = ws.row_dimensions[src_row].height
    for r in range(at, at + count):
        for i, c in enumerate(range(min_col, max_col + 1)):
            cell = ws.cell(r, c)
            cell._style = copy(styles[i])
            cell.number_format = formats[i]
        if height is not None:
            ws.row_dimensions[r].height = height
    _shift_print_area(ws, at, count)


def _shift_merges(ws: Worksheet, at: int, count: int) -> None:
    for rng in list(ws.merged_cells.ranges):
        if rng.min_row >= at:
            rng.shift(row_shift=count)
        elif rng.max_row >= at:  # a range straddling the insertion point grows
            rng.expand(down=count)


def _shift_heights(ws: Worksheet, at: int, count: int) -> None:
    dims = ws.row_dimensions
    rows = sorted((r for r in list(dims.keys()) if r >= at), reverse=True)
    for r in rows:
        dim = dims[r]
        new = copy(dim)
        new.index = r + count
        dims[r + count] = new
        del dims[r]


def _shift_print_area(ws: Worksheet, at: int, count: int) -> None:
    area = ws.print_area
    if not area:
        return
    try:
        from openpyxl.worksheet.cell_range import CellRange

        parts = []
        for part in (area if isinstance(area, list) else [area]):
            ref = part.split("!")[-1].replace("$", "")
            rng = CellRange(ref)
            if rng.max_row >= at:
                rng.expand(down=count)
            parts.append(rng.coord)
        ws.print_area = parts
    except Exception:  # a print area we cannot parse is left as it was
        return
