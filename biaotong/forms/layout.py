"""Understanding a form's sheet: which part is the head (表号 block, title, 填报单位 / 统计时点 / 单位 line), which
the header, the label columns, the body, the notes and the signature footer — and so which layout it is.

    layout = read_form("低保统计表.xlsx")            # the first sheet that is a form
    forms = read_forms("卫健月报.xlsx")              # every sheet that is a form, one layout each

The head is read cell by cell (`head.py`); what follows it decides the layout: a 项目 | 单位 | 数量 table or
label/value pairs make a single-unit form (`card.py`); anything else is a table (`table.py`), whose columns,
label columns and body decide between aggregate, roster and a one-row form.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from biaotong.errors import FormError, where
from biaotong.forms.card import looks_like_pairs, pairs_form, vertical_form
from biaotong.forms.grid import Grid
from biaotong.forms.head import read_head
from biaotong.forms.model import FormLayout
from biaotong.forms.reader import open_workbook, pick_sheet, read_bytes
from biaotong.forms.table import MAX_HEADER_ROWS, ROSTER_KEYS, read_table

__all__ = ["MAX_HEADER_ROWS", "ROSTER_KEYS", "analyse", "read_form", "read_form_bytes", "read_forms",
           "read_forms_bytes"]


def read_form(path: Path | str, sheet: str | None = None) -> FormLayout:
    return read_form_bytes(read_bytes(path), file=str(path), sheet=sheet)


def read_form_bytes(data: bytes, *, file: str = "<form>", sheet: str | None = None) -> FormLayout:
    """The named sheet, or else the first sheet that reads as a form (a 填表说明 sheet before it is skipped)."""
    wb = open_workbook(data, file)
    if sheet is not None:
        return analyse(pick_sheet(wb, sheet, file), file=file)
    return _forms(wb, file, first_only=True)[0]


def read_forms(path: Path | str) -> list[FormLayout]:
    return read_forms_bytes(read_bytes(path), file=str(path))


def read_forms_bytes(data: bytes, *, file: str = "<form>") -> list[FormLayout]:
    """Every visible sheet that is a form; sheets of notes only or empty sheets are left out."""
    return _forms(open_workbook(data, file), file, first_only=False)


def _forms(wb: Workbook, file: str, *, first_only: bool) -> list[FormLayout]:
    out: list[FormLayout] = []
    errors: list[FormError] = []
    sheets = [ws for ws in wb.worksheets if ws.sheet_state == "visible"] or list(wb.worksheets)
    for ws in sheets:
        try:
            out.append(analyse(ws, file=file))
        except FormError as exc:
            errors.append(exc)
            continue
        if first_only:
            break
    if out:
        return out
    # no sheet is a form: the most telling message is the first that is not about an empty sheet
    telling = [e for e in errors if "空" not in e.zh] or errors
    raise telling[0]


def analyse(ws: Worksheet, *, file: str = "<form>") -> FormLayout:
    grid = Grid(ws)
    if grid.max_row == 0 or grid.max_col == 0 or not any(grid.row_spans(r) for r in range(1, grid.max_row + 1)):
        raise FormError(f"工作表“{ws.title}”是空的", f"sheet {ws.title!r} is empty", where(file=file, key=ws.title))
    if all(grid.span(r, c).height * grid.span(r, c).width > 1 for r, c in _filled(grid)) and _one_range(grid):
        raise FormError(
            f"工作表“{ws.title}”只有一个合并单元格（{_range(grid)}），没有表头",
            f"sheet {ws.title!r} holds one merged range only ({_range(grid)}); there is no header",
            where(file=file, key=ws.title),
        )
    head = read_head(grid, file, ws.title)
    vertical = vertical_form(grid, head, file, ws.title)
    if vertical is not None:
        return vertical
    if looks_like_pairs(grid, head.start):
        return pairs_form(grid, head, file, ws.title)
    return read_table(grid, head, file, ws.title)


def _filled(grid: Grid) -> list[tuple[int, int]]:
    return [(r, c) for r in range(1, grid.max_row + 1) for c in range(1, grid.max_col + 1) if grid.raw(r, c) not in (None, "")]


def _one_range(grid: Grid) -> bool:
    return len({grid.span(r, c) for r, c in _filled(grid)}) == 1


def _range(grid: Grid) -> str:
    from openpyxl.utils import get_column_letter

    r, c = _filled(grid)[0]
    s = grid.span(r, c)
    return f"{get_column_letter(s.col)}{s.row}:{get_column_letter(s.col_end)}{s.row_end}"
