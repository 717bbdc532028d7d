"""Single-unit forms (cards): label/value pairs one to three to a row, or a 项目 | 单位 | 数量 table.

A pair is a label followed by the empty cell (or merged range) its value goes in; a unit written in its own
cell after the value (户籍人口 | ____ | 人) belongs to that pair; a row holding one wide text is a section
(一、基本情况) whose name heads the paths of the pairs below it. The footer starts at the first row holding a
note, unless that row is a row of pairs whose signature-looking labels are all the unit's own fields
(服务站值班电话：____, notes.field_label): those are read as fields and the pairs below them too.
"""

from __future__ import annotations

import itertools
import re

from openpyxl.utils import get_column_letter

from biaotong.errors import FormError, where
from biaotong.forms.grid import Grid, Span
from biaotong.forms.head import Head, pair_label, title, value_after
from biaotong.forms.model import FormLayout, HeaderNode, LeafColumn
from biaotong.forms.notes import KEY_RE, field_label, has_note, row_notes
from biaotong.forms.text import compact, is_unit, split_units, strip_prefix, unit_line

_ITEM = re.compile(r"^(?:项目|指标|指标名称|项目名称|统计项目|内容|统计指标)$")
_VALUE = re.compile(r"^(?:数量|数值|本期|本期数|本年|本月|本年数|本月数|金额|合计|填报数|实际数|数据|值|本期实际|实有数)$")
_UNIT = re.compile(r"^(?:单位|计量单位)$")


def footer_start(grid: Grid, first: int) -> int:
    for r in range(first, grid.max_row + 1):
        if has_note(grid, r) and not _field_row(grid, r):
            return r
    return grid.max_row + 1


def _field_row(grid: Grid, r: int) -> bool:
    """A row of pairs whose signature-looking labels are all the unit's own fields (服务站值班电话：____ 水源类型：____),
    not the 单位负责人 / 联系电话 footer."""
    own = [(s, t) for s, t in grid.row_spans(r) if s.row == r]
    labels = {s for s, _t, _v, _u in pairs(grid, r)}
    return bool(labels) and all(s in labels or is_unit(t) for s, t in own) and all(
        field_label(t) for s, t in own if KEY_RE.search(t))


def touching(grid: Grid, r: int) -> bool:
    """Two column titles side by side: a header row, not a row of label/value pairs."""
    own = sorted((s for s, t in grid.row_spans(r) if s.row == r and not is_unit(t)), key=lambda s: s.col)
    return any(b.col == a.col_end + 1 for a, b in itertools.pairwise(own))


def pairs(grid: Grid, r: int) -> list[tuple[Span, str, Span, str | None]]:
    """(label span, label, value span, unit written after the value) for each pair of row r."""
    out: list[tuple[Span, str, Span, str | None]] = []
    for s, t in grid.row_spans(r):
        if s.row != r or not pair_label(grid, s, t):
            continue
        v = value_after(grid, s)
        assert v is not None
        after = grid.text(r, v.col_end + 1)
        out.append((s, t, v, compact(after) if after and is_unit(after) else None))
    return out


def looks_like_pairs(grid: Grid, start: int) -> bool:
    if touching(grid, start) or not pairs(grid, start):
        return False
    stop = footer_start(grid, start)
    rows = [r for r in range(start, min(stop, start + 10)) if grid.row_spans(r)]
    found = [len(pairs(grid, r)) for r in rows if not touching(grid, r)]
    return sum(found) >= 2 and sum(n > 0 for n in found) >= min(2, len(rows))


def pairs_form(grid: Grid, head: Head, file: str, sheet: str) -> FormLayout:
    start = head.start
    footer = footer_start(grid, start)
    leaves: list[LeafColumn] = []
    section: str | None = None
    lo, hi = grid.max_col, 1
    boxed = [grid.boxed(s.row, s.col) for r in range(start, footer) for s, _t, _v, _u in pairs(grid, r)]
    drawn_in_boxes = sum(boxed) * 2 > len(boxed)
    for r in range(start, footer):
        found = pairs(grid, r)
        own = [(s, t) for s, t in grid.row_spans(r) if s.row == r]
        if len(own) == 1 and (not found or (drawn_in_boxes and not grid.boxed(own[0][0].row, own[0][0].col))):
            section = own[0][1]  # a heading outside the boxes the pairs are drawn in
            continue
        for s, label, v, unit_after in found:
            name, unit, quals = split_units(label.rstrip(":： "))
            cell = f"{get_column_letter(v.col)}{v.row}"
            path = [section, label] if section else [label]
            leaves.append(LeafColumn(key=cell, column=get_column_letter(v.col), path=path,
                                     name=strip_prefix(name) or name, unit=unit or unit_after, cell=cell,
                                     qualifiers=quals))
            lo, hi = min(lo, s.col), max(hi, v.col_end)
    if not leaves:
        raise FormError(f"工作表“{sheet}”第 {start} 行起没有找到填报项", f"sheet {sheet!r}: no fields from row {start}",
                        where(file=file, row=start, key=sheet))
    notes_below = [n for r in range(footer, grid.max_row + 1) for n in row_notes(grid, r, "below")]
    return FormLayout(
        file=file, sheet=sheet, kind="form", title=title(head), title_rows=[r for r, _t in head.titles],
        header_rows=[], first_data_row=start, last_template_row=footer - 1, min_col=lo, max_col=hi,
        header=[HeaderNode(leaf.path[-1], 0, 0, 0, 0) for leaf in leaves], leaves=leaves,
        notes=head.notes + notes_below, default_units=_units(head), reference_date=head.reference_date,
    )


def vertical_form(grid: Grid, head: Head, file: str, sheet: str) -> FormLayout | None:
    """A 项目 | 单位 | 数量 table: one field per row, the value in the 数量 column."""
    start = head.start
    cells = [(s, t) for s, t in grid.row_spans(start) if s.row == start]
    item = next((s for s, t in cells if _ITEM.match(compact(t))), None)
    value = next((s for s, t in cells if _VALUE.match(compact(t))), None)
    if item is None or value is None:
        return None
    unit_col = next((s.col for s, t in cells if _UNIT.match(compact(t))), None)
    first = start + 1
    footer = footer_start(grid, first)
    rows = [r for r in range(first, footer) if grid.text(r, item.col) and grid.span(r, item.col).row == r]
    boxed = any(grid.boxed(r, value.col) for r in rows)
    leaves: list[LeafColumn] = []
    letter = get_column_letter(value.col)
    section: str | None = None
    for r in rows:
        label = grid.text(r, item.col)
        if boxed and not grid.boxed(r, value.col):
            section = label  # a group row: no value cell of its own
            continue
        name, unit, quals = split_units(label)
        if unit_col is not None and grid.text(r, unit_col):
            unit = compact(grid.text(r, unit_col))
        cell = f"{letter}{r}"
        leaves.append(
            LeafColumn(key=cell, column=letter, path=[section, label] if section else [label],
                       name=strip_prefix(name) or name, unit=unit, cell=cell, qualifiers=quals)
        )
    notes_below = [n for r in range(footer, grid.max_row + 1) for n in row_notes(grid, r, "below")]
    return FormLayout(
        file=file, sheet=sheet, kind="form", title=title(head), title_rows=[r for r, _t in head.titles],
        header_rows=[start], first_data_row=first, last_template_row=footer - 1,
        min_col=min(s.col for s, _t in cells), max_col=max(s.col_end for s, _t in cells),
        header=[HeaderNode(t, s.row, s.row_end, s.col, s.col_end) for s, t in cells], leaves=leaves,
        notes=head.notes + notes_below, default_units=_units(head), reference_date=head.reference_date,
    )


def _units(head: Head) -> list[str]:
    return [u for n in head.notes if n.kind == "unit" for u in unit_line(n.text)]
