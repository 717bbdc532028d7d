"""The lines above a form's header: 表号 block, title rows, the 填报单位 / 统计时点 / 单位 line, a card's 名称 /
所属乡镇 line. Each cell is classified on its own, so a title sharing its row with a top-right 表号 block, or a
填报单位 line split over three merged cells, is still read for what it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from openpyxl.utils import get_column_letter

from biaotong.errors import FormError, where
from biaotong.forms.grid import Grid, Span
from biaotong.forms.model import Note
from biaotong.forms.notes import (
    field_label,
    is_bare_date,
    is_block_text,
    is_note_text,
    month_date,
    reference_date,
    row_notes,
)
from biaotong.forms.text import compact, is_numeric, is_unit

SCAN_ROWS = 60
# a card's own identity cells: the unit it is for, and that unit's parent
_NAME = re.compile(r"^(?:村[（(]社区[)）]|乡镇[（(]街道[)）]|村[（(]居[)）]|村|社区|乡镇|单位|机构)?名称[:：]?$|^村名[:：]?$|^单位名称[:：]?$")
_PARENT = re.compile(r"^所属(?:乡镇|乡|镇|街道|县|区|县区|区县|县市区|村|社区|单位|地区)(?:[（(][^）)]*[)）])?(?:名称)?[:：]?$"
                     r"|^上级单位[:：]?$")


@dataclass
class Head:
    titles: list[tuple[int, str]] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    start: int = 0  # the first row of the header (tables) or of the label/value pairs (cards)

    @property
    def reference_date(self) -> str | None:
        """统计时点： / 截至 first; else a month given alone (2025年6月 on its line, 报表（2025年6月）), its last day."""
        keyed = next((d for n in self.notes if n.kind in ("reference", "title") and (d := reference_date(n.text))), None)
        return keyed or next((d for n in self.notes if n.kind == "month" and (d := month_date(n.text, title=True))),
                             None)


def identity_kind(text: str) -> str | None:
    """'村（社区）名称：' -> 'unit_name'; '所属乡镇：' -> 'parent'."""
    t = compact(text)
    if _NAME.match(t):
        return "unit_name"
    if _PARENT.match(t):
        return "parent"
    return None


def value_after(grid: Grid, span: Span) -> Span | None:
    """The empty cell (or merged range) right of a label, where its value goes."""
    c = span.col_end + 1
    if c > grid.max_col + 1 or grid.text(span.row, c):
        return None
    nxt = grid.span(span.row, c)
    return nxt if nxt.row == span.row else None


def pair_label(grid: Grid, span: Span, text: str) -> bool:
    """A label whose value cell is the empty bordered (or merged, or unbordered beside an unbordered label) cell
    to its right — as opposed to a title, which spans the sheet, or a unit note such as “人”."""
    if (is_numeric(text) or is_unit(text) or (is_note_text(text) and not field_label(text)) or len(text) > 30
            or text.endswith("。")):
        return False
    used = max(grid.used_cols, 2)
    if span.width * 2 > used and span.width > 1:
        return False
    v = value_after(grid, span)
    if v is None:
        return False
    if grid.boxed(span.row, span.col):
        return grid.boxed(v.row, v.col)
    return True


def read_head(grid: Grid, file: str, sheet: str) -> Head:
    head = Head()
    for r in range(1, min(grid.max_row, SCAN_ROWS) + 1):
        own = [(s, t) for s, t in grid.row_spans(r) if s.row == r]
        if not own:
            continue
        rest: list[tuple[Span, str]] = []
        for s, t in own:
            kind = identity_kind(t)
            if kind and (v := value_after(grid, s)) is not None:
                head.notes.append(Note(kind, t, _ref(s), _ref(v), "above"))
            elif not is_note_text(t) and not is_block_text(t):
                rest.append((s, t))
        if rest and sum(is_bare_date(t) for _s, t in own) >= 2:  # 地区 | 2024年6月 | 2025年6月: period columns
            rest = [(s, t) for s, t in own if (s, t) in rest or is_bare_date(t)]
        if not rest:
            known = {(n.kind, n.cell) for n in head.notes}
            head.notes.extend(n for n in row_notes(grid, r, "above") if (n.kind, n.cell) not in known)
            months = [(s, t) for s, t in own if month_date(t)]
            if len(months) == 1:  # one month alone on the line (two are period columns, not the date)
                head.notes.append(Note("month", months[0][1], _ref(months[0][0]), None, "above"))
            continue
        if len(rest) == 1 and (not pair_label(grid, *rest[0]) or _titleish(grid, head, *rest[0])):
            head.titles.append((r, rest[0][1]))
            head.notes.extend(row_notes(grid, r, "above"))
            if reference_date(rest[0][1]):
                head.notes.append(Note("title", rest[0][1], _ref(rest[0][0]), None, "above"))
            elif month_date(rest[0][1], title=True):  # 花名册（2025年6月）
                head.notes.append(Note("month", rest[0][1], _ref(rest[0][0]), None, "above"))
            continue
        head.start = r
        return head
    raise FormError(
        f"工作表“{sheet}”在前 {SCAN_ROWS} 行没有找到表头（至少两个相邻的列标题，或“项目：____”式的填报项）",
        f"sheet {sheet!r}: no header found in the first {SCAN_ROWS} rows (need two column titles side by side, "
        f"or label/value pairs)",
        where(file=file, key=sheet),
    )


_TITLE_WORDS = re.compile(r"表|统计|名单|名册|花名册|台账|情况|明细|汇总|登记")


def title(head: Head) -> str | None:
    for _r, t in head.titles:
        if _TITLE_WORDS.search(t):
            return t
    return head.titles[0][1] if head.titles else None


def _titleish(grid: Grid, head: Head, span: Span, text: str) -> bool:
    """A lone text drawn like a title (title words, large or bold type) before anything else, or a bracketed
    subtitle (（2025年6月）, （月报）) under one: not a label waiting for its value."""
    if head.titles and text[:1] in "（(" and text[-1:] in "）)":
        return True
    if head.titles or any(n.kind in ("unit_name", "parent") for n in head.notes):
        return False
    font = grid.ws.cell(span.row, span.col).font
    return bool(_TITLE_WORDS.search(text) or (font is not None and (font.b or (font.sz or 11) >= 13)))


def _ref(s: Span) -> str:
    return f"{get_column_letter(s.col)}{s.row}"
