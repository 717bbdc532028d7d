"""Print geometry of the sheets biaotong writes: A4, binder margins, orientation by width, and page breaks.

Excel and LibreOffice lay pages out themselves; what we decide here is what they cannot know: which rows
belong together (a township and its villages), and how wide a form may print before it turns landscape.
Widths and heights are estimated in points from column widths (Excel's character units) and row heights,
so the estimate errs on the side of a page too many, never a row cut off.
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

A4_POINTS = (595.0, 842.0)  # portrait width, height
# Inches. The left edge takes the binder (2.5 cm), the others 1.5–2 cm; the footer sits in the bottom margin.
MARGINS = {"left": 0.98, "right": 0.59, "top": 0.79, "bottom": 0.79}
FOOTER = "&C第 &P 页 共 &N 页"
FOOTER_MARGIN = 0.3
ROW_POINTS = 15.0  # body rows (10 pt 宋体 with its padding)
LINE_POINTS = 13.5  # one wrapped line in a header cell
SAFETY = 0.94  # share of a page's estimated height we fill, for renderers' rounding
PORTRAIT_MIN_SCALE = 0.85  # narrower than this in portrait: print landscape


def column_points(width: float) -> float:
    """Excel column width (characters of the default font) to points: 7 px a character + 5 px padding."""
    return (width * 7 + 5) * 0.75


def printable(landscape: bool) -> tuple[float, float]:
    """(width, height) in points inside the margins."""
    w, h = (A4_POINTS[1], A4_POINTS[0]) if landscape else A4_POINTS
    return (w - (MARGINS["left"] + MARGINS["right"]) * 72, h - (MARGINS["top"] + MARGINS["bottom"]) * 72)


@dataclass(frozen=True)
class PageShape:
    landscape: bool
    scale: float  # 0.10–1.00, the share of natural size that fits the page's width

    @property
    def percent(self) -> int:
        """The print scale to declare: rounded down, so the width never spills onto a second page."""
        return max(10, min(100, math.floor(self.scale * 100) - 1))

    def usable_height(self) -> float:
        """Page height in unscaled sheet points."""
        return printable(self.landscape)[1] / (self.percent / 100) * SAFETY


def shape_for(widths: Sequence[float], *, force_landscape: bool = False) -> PageShape:
    total = sum(column_points(w) for w in widths) or 1.0
    portrait = min(1.0, printable(False)[0] / total)
    if not force_landscape and portrait >= PORTRAIT_MIN_SCALE:
        return PageShape(False, portrait)
    return PageShape(True, min(1.0, printable(True)[0] / total))


def text_width(text: object) -> float:
    """Width of a text in Excel character units: a CJK character takes two."""
    s = "" if text is None else str(text)
    return sum(2.0 if ord(ch) > 0x2E80 else 1.1 for ch in s)


def cell_height(text: object, width: float, rows: int = 1) -> float:
    """Height each of `rows` rows needs so that text wraps inside a cell `width` characters wide."""
    lines = max(1, math.ceil(text_width(text) / max(width - 1.5, 1.0)))
    return max(18.0, (lines * LINE_POINTS + 4) / rows)


def keep_together(blocks: Sequence[int], first_page: float, next_pages: float, row: float = ROW_POINTS) -> list[int]:
    """Page breaks, as offsets into the body, that keep each block of rows (a township and its villages) on one
    page where it fits; a block longer than a page starts on a fresh page and breaks where the page is full.

    first_page / next_pages: body height available on page one (below title and header) and on the rest."""
    cap_first = max(1, int(first_page // row))
    cap = max(1, int(next_pages // row))
    breaks: list[int] = []
    used, room, pos = 0, cap_first, 0
    for size in blocks:
        if used + size <= room:
            used += size
        else:
            if used:  # start the block on a fresh page
                breaks.append(pos)
                used, room = 0, cap
            offset, left = pos, size
            while left > room - used:  # longer than a page: fill it, break, go on
                offset += room - used
                left -= room - used
                breaks.append(offset)
                used, room = 0, cap
            used += left
        pos += size
    return breaks


# The department's own workbook (biaotong.forms.fill, openpyxl): its print settings must survive the fill.
def copy_print_setup(src: Any, dst: Any) -> None:
    """What openpyxl's copy_worksheet leaves behind: print titles and area, fit-to-page, header and footer,
    manual breaks (it copies margins, paper and orientation itself)."""
    dst.print_title_rows = src.print_title_rows
    dst.print_title_cols = src.print_title_cols
    if src.print_area:
        dst.print_area = _unqualified(src.print_area)
    dst.sheet_properties.pageSetUpPr = copy.copy(src.sheet_properties.pageSetUpPr)
    dst.HeaderFooter = copy.copy(src.HeaderFooter)
    dst.row_breaks = copy.copy(src.row_breaks)


def grow_print_area(ws: Any, after_row: int, rows: int) -> None:
    """Rows inserted below `after_row` (1-based) widen a print area that reached past it, so they print."""
    if not rows or not ws.print_area:
        return
    out = []
    for ref in _unqualified(ws.print_area).split(","):
        lo, _, hi = ref.replace("$", "").partition(":")
        m = re.match(r"([A-Z]+)(\d+)$", hi)
        if m and int(m.group(2)) >= after_row:
            hi = f"{m.group(1)}{int(m.group(2)) + rows}"
        out.append(f"{lo}:{hi}" if hi else lo)
    ws.print_area = ",".join(out)


def _unqualified(area: str) -> str:
    """openpyxl returns "'Sheet'!$A$1:$H$20"; its setter wants the ranges alone."""
    return ",".join(part.split("!")[-1] for part in area.split(","))
