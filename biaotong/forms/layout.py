"""Understanding a form's sheet: title rows, the merged header block, label columns, units and footers.

The rules follow how Chinese statistical forms are drawn: a title (often merged across the table),
a line such as “填表单位：…  单位：人、元  填表日期：…”, one to four header rows whose groups are merged
across the columns below them, sometimes a 甲/乙/1/2/3 column-number row, the data rows (blank, or
pre-listed with the org units and a 合计 row), and footer lines for signatures.
"""

from __future__ import annotations

import re
from pathlib import Path

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from biaotong.errors import FormError, where
from biaotong.forms.grid import Grid, Span
from biaotong.forms.model import FormLayout, HeaderNode, LayoutKind, LeafColumn, Note
from biaotong.forms.notes import has_note, is_note_row, is_note_text, row_notes
from biaotong.forms.reader import open_workbook, pick_sheet, read_bytes
from biaotong.forms.text import compact, is_numeric, split_units, strip_prefix, unit_line

SCAN_ROWS = 60
MAX_HEADER_ROWS = 6

INDEX_NAMES = {"序号", "序", "行次", "顺序号", "编号"}
# label column text -> org level it names ("org" = the row's own unit, "code" = its division code)
LABEL_LEVELS: dict[str, str] = {
    "地区": "org", "区域": "org", "单位": "org", "单位名称": "org", "机构名称": "org", "名称": "org",
    "行政区划": "org", "区划名称": "org", "统计单位": "org", "地区名称": "org", "辖区": "org",
    "省": "province", "市": "city", "市州": "city", "地市": "city", "县": "county", "区县": "county",
    "县(市、区)": "county", "县（市、区）": "county", "县(市、区、旗)": "county", "县(区)": "county",
    "镇": "township", "乡镇": "township", "乡(镇)": "township", "乡（镇）": "township", "街道": "township",
    "乡镇(街道)": "township", "乡镇（街道）": "township", "镇(街道)": "township", "镇（街道）": "township",
    "村": "village", "社区": "village", "村/社区": "village", "村(社区)": "village", "村（社区）": "village",
    "行政村": "village", "村居": "village", "村(居)": "village", "村（居）": "village",
    "机构代码": "code", "区划代码": "code", "行政区划代码": "code", "单位代码": "code",
}
ROSTER_KEYS = {
    "姓名", "本人姓名", "户主姓名", "居民", "身份证号", "身份证号码", "公民身份证号", "公民身份证号码",
    "证件号码", "身份证", "社会保障号码", "个人编号", "人编号", "户编号", "残疾证号",
}
_CODE_ROW_CHARS = set("甲乙丙丁戊己庚辛")
_VERTICAL_ITEM = re.compile(r"^(?:项目|指标|指标名称|项目名称|统计项目|内容)$")
_VERTICAL_VALUE = re.compile(r"^(?:数量|数值|本期|本期数|本年|本月|本年数|本月数|金额|合计|填报数|实际数|数据|值)$")
_VERTICAL_UNIT = re.compile(r"^(?:单位|计量单位)$")
_TITLE_WORDS = re.compile(r"表|统计|名单|名册|花名册|台账|情况|明细|汇总|登记")


def read_form(path: Path | str, sheet: str | None = None) -> FormLayout:
    data = read_bytes(path)
    return read_form_bytes(data, file=str(path), sheet=sheet)


def read_form_bytes(data: bytes, *, file: str = "<form>", sheet: str | None = None) -> FormLayout:
    wb = open_workbook(data, file)
    ws = pick_sheet(wb, sheet, file)
    return analyse(ws, file=file)


def analyse(ws: Worksheet, *, file: str = "<form>") -> FormLayout:
    grid = Grid(ws)
    if grid.max_row == 0 or grid.max_col == 0 or not any(grid.row_spans(r) for r in range(1, grid.max_row + 1)):
        raise FormError("工作表是空的", "the sheet is empty", where(file=file, key=ws.title))
    titles, notes_above, start = _top(grid, file, ws.title)
    vertical = _vertical_form(grid, start, file, ws.title, titles, notes_above)
    if vertical is not None:
        return vertical
    if _looks_like_pairs(grid, start):
        return _pairs_form(grid, start, file, ws.title, titles, notes_above)
    return _table(grid, start, file, ws.title, titles, notes_above)


# --- the rows above the header ---

def _top(grid: Grid, file: str, sheet: str) -> tuple[list[tuple[int, str]], list[Note], int]:
    titles: list[tuple[int, str]] = []
    notes: list[Note] = []
    for r in range(1, min(grid.max_row, SCAN_ROWS) + 1):
        cells = grid.row_spans(r)
        if not cells:
            continue
        if all(s.row < r for s, _t in cells):
            continue  # a merged title or note continuing from the row above
        if is_note_row(grid, r):
            notes.extend(row_notes(grid, r, "above"))
            continue
        texts = [t for _s, t in cells]
        if len(cells) == 1 and not is_numeric(texts[0]):
            titles.append((r, texts[0]))
            continue
        if len(cells) >= 2 and sum(not is_numeric(t) for t in texts) >= 2:
            return titles, notes, r
        titles.append((r, " ".join(texts)))
    raise FormError(
        f"在前 {SCAN_ROWS} 行没有找到表头（至少两个相邻的列标题）",
        f"no header found in the first {SCAN_ROWS} rows (need at least two column titles side by side)",
        where(file=file, key=sheet),
    )


def _title(titles: list[tuple[int, str]]) -> str | None:
    for _r, t in titles:
        if _TITLE_WORDS.search(t):
            return t
    return titles[0][1] if titles else None


# --- tables with a (merged, multi-row) header ---

def _header_end(grid: Grid, start: int) -> int:
    end = start
    while end - start < MAX_HEADER_ROWS - 1:
        grown = end
        for c in range(1, grid.max_col + 1):
            for r in range(start, end + 1):
                s = grid.span(r, c)
                if s.row >= start and grid.text(r, c) and s.row_end > grown:
                    grown = min(s.row_end, start + MAX_HEADER_ROWS - 1)
        if grown == end and _has_children_below(grid, start, end):
            grown = end + 1
        if grown == end:
            break
        end = grown
    return end


def _has_children_below(grid: Grid, start: int, end: int) -> bool:
    """A group header merged across columns at the block's last row needs sub-headers underneath."""
    nxt = end + 1
    if nxt > grid.max_row or has_note(grid, nxt):
        return False
    below = [(s, t) for s, t in grid.row_spans(nxt) if s.row == nxt]
    if not below or any(is_numeric(t) for _s, t in below) or _is_code_row(grid, nxt):
        return False
    for s, t in grid.row_spans(end):
        if t and s.row_end == end and s.width > 1 and any(
            s.col <= b.col <= s.col_end for b, _t in below
        ):
            return True
    # unmerged groups: the parent's text sits in its first column and the cells to its right are empty
    for c in range(1, grid.max_col + 1):
        if not grid.text(end, c) and not grid.is_merged(end, c) and grid.text(nxt, c) and c > 1 and grid.text(
            end, c - 1
        ) and len(below) >= 2:
            return True
    return False


def _is_code_row(grid: Grid, r: int) -> bool:
    cells = grid.row_spans(r)
    if len(cells) < 2:
        return False
    ok = 0
    for _s, t in cells:
        if t in _CODE_ROW_CHARS or (t.isdigit() and int(t) < 500):
            ok += 1
    return ok == len(cells) and any(t.isdigit() for _s, t in cells)


def _table(
    grid: Grid, start: int, file: str, sheet: str, titles: list[tuple[int, str]], notes_above: list[Note]
) -> FormLayout:
    end = _header_end(grid, start)
    rows = list(range(start, end + 1))
    cols = [c for c in range(1, grid.max_col + 1) if any(grid.text(r, c) for r in rows)]
    if not cols:
        raise FormError("没有找到表头", "no header found", where(file=file, row=start, key=sheet))
    lo, hi = min(cols), max(cols)
    nodes, paths = _paths(grid, rows, lo, hi)
    leaves: list[LeafColumn] = []
    seen: set[int] = set()
    for c in range(lo, hi + 1):
        path = paths.get(c)
        if not path:
            continue
        leaf_node = path[-1]
        if id(leaf_node) in seen:
            continue
        seen.add(id(leaf_node))
        leaves.append(_leaf(c, [n.text for n in path]))
    if len(leaves) < 2:
        raise FormError(
            "表头只有一列，无法识别为报表", "the header has a single column; this does not look like a form",
            where(file=file, row=start, key=sheet),
        )
    code_row = end + 1 if _is_code_row(grid, end + 1) else None
    first = (code_row or end) + 1
    kind = _kind(leaves)
    _assign_roles(leaves, kind)
    footer_start = _footer_start(grid, first)
    last = _last_template_row(grid, first, footer_start - 1, lo, hi)
    notes_below = [n for r in range(footer_start, grid.max_row + 1) for n in row_notes(grid, r, "below")]
    labels = _template_labels(grid, leaves, first, last)
    if kind == "form" and not labels:
        for leaf in leaves:
            leaf.cell = f"{leaf.column}{first}"
    units = [u for n in notes_above + notes_below if n.kind == "unit" for u in unit_line(n.text)]
    return FormLayout(
        file=file, sheet=sheet, kind=kind, title=_title(titles), title_rows=[r for r, _t in titles],
        header_rows=rows, first_data_row=first, last_template_row=last, min_col=lo, max_col=hi,
        header=[n for n in nodes if n.row == start or not _has_parent(n, nodes)],
        leaves=leaves, notes=notes_above + notes_below, default_units=units, template_labels=labels,
        code_row=code_row,
    )


def _paths(grid: Grid, rows: list[int], lo: int, hi: int) -> tuple[list[HeaderNode], dict[int, list[HeaderNode]]]:
    """Top-down header path of every column, sharing one HeaderNode per cell or merged range."""
    by_span: dict[Span, HeaderNode] = {}
    order: list[HeaderNode] = []
    paths: dict[int, list[HeaderNode]] = {}
    last_row = rows[-1]
    for c in range(lo, hi + 1):
        path: list[HeaderNode] = []
        for r in rows:
            text = grid.text(r, c)
            span = grid.span(r, c)
            if not text and r < last_row and not grid.is_merged(r, c):
                # unmerged group: text only in the group's first column; borrow it if the row below
                # has a sub-header here and the run to the left is a group header of this row
                left = c - 1
                while left >= lo and not grid.text(r, left) and not grid.is_merged(r, left):
                    left -= 1
                if left >= lo and grid.text(r + 1, c) and grid.span(r, left).row_end == r and r + 1 in rows:
                    span = grid.span(r, left)
                    text = grid.text(r, left)
            if not text:
                continue
            node = by_span.get(span)
            if node is None:
                node = HeaderNode(text, span.row, span.row_end, span.col, span.col_end)
                by_span[span] = node
                order.append(node)
            node.col_end = max(node.col_end, c)
            if not path or path[-1] is not node:
                if path and node not in path[-1].children:
                    path[-1].children.append(node)
                path.append(node)
        if path:
            paths[c] = path
    return order, paths


def _has_parent(node: HeaderNode, nodes: list[HeaderNode]) -> bool:
    return any(node in n.children for n in nodes)


def _leaf(c: int, texts: list[str]) -> LeafColumn:
    name, unit, quals = split_units(texts[-1])
    name = strip_prefix(name) or name
    if not name and len(texts) > 1:  # a bare unit cell such as “(元/月)” under “一档”
        name = strip_prefix(split_units(texts[-2])[0])
    if unit is None:
        for parent in reversed(texts[:-1]):
            _n, parent_unit, _q = split_units(parent)
            if parent_unit:
                unit = parent_unit
                break
    letter = get_column_letter(c)
    return LeafColumn(key=letter, column=letter, path=texts, name=name, unit=unit, qualifiers=quals)


def _kind(leaves: list[LeafColumn]) -> LayoutKind:
    names = {compact(leaf.name) for leaf in leaves}
    if names & ROSTER_KEYS:
        return "roster"
    if any(_label_level(leaf) for leaf in leaves):
        return "aggregate"
    return "form"


def _label_level(leaf: LeafColumn) -> str | None:
    if len(leaf.path) > 1:
        return None
    return LABEL_LEVELS.get(compact(leaf.path[-1]))


def _assign_roles(leaves: list[LeafColumn], kind: LayoutKind) -> None:
    for i, leaf in enumerate(leaves):
        if compact(leaf.name) in INDEX_NAMES and len(leaf.path) == 1 and i <= 1:
            leaf.role = "index"
        elif (level := _label_level(leaf)) and (
            kind == "aggregate" or (kind == "roster" and level not in ("org", "code"))
        ):
            leaf.role = "label"
            leaf.level = level


def _footer_start(grid: Grid, first: int) -> int:
    for r in range(first, grid.max_row + 1):
        if has_note(grid, r) or is_note_row(grid, r):
            return r
    return grid.max_row + 1


def _last_template_row(grid: Grid, first: int, stop: int, lo: int, hi: int) -> int:
    last = first - 1
    ws = grid.ws
    for r in range(first, stop + 1):
        if any(grid.raw(r, c) not in (None, "") for c in range(lo, hi + 1)):
            last = r
            continue
        cell = ws.cell(row=r, column=lo)
        b = cell.border
        if b is not None and any(side is not None and side.style for side in (b.left, b.right, b.top, b.bottom)):
            last = r
    return last


def _template_labels(grid: Grid, leaves: list[LeafColumn], first: int, last: int) -> dict[int, str]:
    from openpyxl.utils import column_index_from_string

    label_cols = [column_index_from_string(leaf.column) for leaf in leaves if leaf.role == "label"]
    out: dict[int, str] = {}
    for r in range(first, last + 1):
        for c in label_cols:
            t = grid.text(r, c)
            if t and not is_numeric(t):
                out[r] = t
    return out


# --- single-unit forms: a vertical 项目/单位/数量 table, or label/value pairs ---

def _vertical_form(
    grid: Grid, start: int, file: str, sheet: str, titles: list[tuple[int, str]], notes_above: list[Note]
) -> FormLayout | None:
    cells = grid.row_spans(start)
    item = next((s for s, t in cells if _VERTICAL_ITEM.match(compact(t))), None)
    value = next((s for s, t in cells if _VERTICAL_VALUE.match(compact(t))), None)
    if item is None or value is None:
        return None
    unit_col = next((s.col for s, t in cells if _VERTICAL_UNIT.match(compact(t))), None)
    first = start + 1
    footer = _footer_start(grid, first)
    leaves: list[LeafColumn] = []
    letter = get_column_letter(value.col)
    for r in range(first, footer):
        label = grid.text(r, item.col)
        if not label or grid.span(r, item.col).row != r:
            continue
        name, unit, quals = split_units(label)
        if unit_col is not None and grid.text(r, unit_col):
            unit = compact(grid.text(r, unit_col))
        cell = f"{letter}{r}"
        leaves.append(
            LeafColumn(key=cell, column=letter, path=[label], name=strip_prefix(name) or name, unit=unit,
                       cell=cell, qualifiers=quals)
        )
    notes_below = [n for r in range(footer, grid.max_row + 1) for n in row_notes(grid, r, "below")]
    return FormLayout(
        file=file, sheet=sheet, kind="form", title=_title(titles), title_rows=[r for r, _t in titles],
        header_rows=[start], first_data_row=first, last_template_row=footer - 1,
        min_col=min(s.col for s, _t in cells), max_col=max(s.col_end for s, _t in cells),
        header=[HeaderNode(t, s.row, s.row_end, s.col, s.col_end) for s, t in cells], leaves=leaves,
        notes=notes_above + notes_below,
        default_units=[u for n in notes_above if n.kind == "unit" for u in unit_line(n.text)],
    )


def _pairs(grid: Grid, r: int) -> list[tuple[Span, str, Span]]:
    """(label span, label, value span) for each label followed by an empty, unmerged-with-it cell."""
    out: list[tuple[Span, str, Span]] = []
    for s, t in grid.row_spans(r):
        if s.row != r or is_numeric(t) or is_note_text(t):
            continue
        nxt = grid.span(r, s.col_end + 1)
        if s.col_end + 1 <= grid.max_col and nxt.row == r and not grid.text(r, s.col_end + 1):
            out.append((s, t, nxt))
    return out


def _looks_like_pairs(grid: Grid, start: int) -> bool:
    rows = [r for r in range(start, min(start + 6, grid.max_row) + 1) if grid.row_spans(r)]
    paired = [r for r in rows if _pairs(grid, r)]
    first = grid.row_spans(start)
    return len(paired) >= 2 and len(_pairs(grid, start)) * 2 >= len(first)


def _pairs_form(
    grid: Grid, start: int, file: str, sheet: str, titles: list[tuple[int, str]], notes_above: list[Note]
) -> FormLayout:
    footer = _footer_start(grid, start)
    leaves: list[LeafColumn] = []
    section: str | None = None
    lo, hi = grid.max_col, 1
    for r in range(start, footer):
        cells = grid.row_spans(r)
        pairs = _pairs(grid, r)
        if not pairs and len(cells) == 1 and cells[0][0].row == r:
            section = cells[0][1]
            continue
        for s, label, v in pairs:
            name, unit, quals = split_units(label)
            cell = f"{get_column_letter(v.col)}{v.row}"
            path = [section, label] if section else [label]
            leaves.append(LeafColumn(key=cell, column=get_column_letter(v.col), path=path,
                                     name=strip_prefix(name) or name, unit=unit, cell=cell, qualifiers=quals))
            lo, hi = min(lo, s.col), max(hi, v.col_end)
    if not leaves:
        raise FormError("没有找到表头", "no header found", where(file=file, row=start, key=sheet))
    notes_below = [n for r in range(footer, grid.max_row + 1) for n in row_notes(grid, r, "below")]
    return FormLayout(
        file=file, sheet=sheet, kind="form", title=_title(titles), title_rows=[r for r, _t in titles],
        header_rows=[], first_data_row=start, last_template_row=footer - 1, min_col=lo, max_col=hi,
        header=[HeaderNode(leaf.path[-1], 0, 0, 0, 0) for leaf in leaves], leaves=leaves,
        notes=notes_above + notes_below,
        default_units=[u for n in notes_above if n.kind == "unit" for u in unit_line(n.text)],
    )
