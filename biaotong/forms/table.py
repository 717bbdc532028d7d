"""Tables with a (merged, multi-row) header: aggregate forms (rows are org units) and rosters (rows are people,
households, houses …).

The header block grows down from its first row while a cell merged down, or a group with sub-headers under
it, reaches the next row (up to six rows); a 计量单位 row under it (a unit in every cell — any unit the unit
families know, 名 included) gives the leaves their units and is never read as sub-headers; a 甲/乙/1/2/3 row
under it numbers the columns (r4 fresh batch: a 计量单位 row of 名 was read as a sub-header row in 1 arrangement).
Label columns are found by their header (地区, 乡镇（街道）, 村（社区）, 单位名称, 序号) or, failing that, by the
body: a first column pre-listed with names. The layout is decided from all of it: roster columns (姓名, 身份证号)
make a roster (a count about IDs, 本年办理居民身份证件数, is an aggregate's figure, not an ID column); a label
column an aggregate form; a header over a single blank row a one-row card.
"""

from __future__ import annotations

import re

from openpyxl.utils import column_index_from_string, get_column_letter

from biaotong.errors import FormError, where
from biaotong.forms.grid import Grid, Span
from biaotong.forms.head import Head, title
from biaotong.forms.labels import is_index, label_level
from biaotong.forms.model import FormLayout, HeaderNode, LayoutKind, LeafColumn
from biaotong.forms.notes import has_note, is_note_row, row_notes
from biaotong.forms.text import compact, is_numeric, is_unit, split_units, strip_prefix, unit_line
from biaotong.forms.units import family

MAX_HEADER_ROWS = 6
ROSTER_KEYS = {
    "姓名", "本人姓名", "户主姓名", "居民", "身份证号", "身份证号码", "公民身份证号", "公民身份证号码",
    "证件号码", "身份证", "社会保障号码", "个人编号", "人编号", "户编号", "残疾证号",
}
_ID_PART = re.compile(r"身份证|身份号码|证件号|证号|社会保障号|社保卡号|学籍号|个人编号|户编号|档案编号")
_ENTITY_PART = re.compile(r"名称$|编号$|地址$|位置$|证号$|号码$|姓名|户主")
# a count about IDs (本年办理居民身份证件数, 已发放残疾证人数) is an aggregate's figure, not a column of IDs
_COUNT_OF = re.compile(r"(?:件数|人数|张数|个数|户数|数量|次数|[数率额])$")
_CODE_ROW_CHARS = set("甲乙丙丁戊己庚辛")
_UNIT_ROW_WORDS = {"计量单位", "单位", "—", "-", "--", "/", "——", "×"}
_MEASURE = re.compile(r"数|率|额|金|人|户|面积|比|量|值|标准|补贴|费|次|合计|小计|总计|收入|产值|个|[0-9]")


def read_table(grid: Grid, head: Head, file: str, sheet: str) -> FormLayout:
    start = head.start
    end = _header_end(grid, start)
    rows = list(range(start, end + 1))
    cols = [c for c in range(1, grid.max_col + 1) if any(grid.text(r, c) for r in rows)]
    if not cols:
        raise FormError(f"工作表“{sheet}”没有找到表头", f"sheet {sheet!r}: no header found",
                        where(file=file, row=start, key=sheet))
    lo, hi = min(cols), max(cols)
    nodes, paths = _paths(grid, rows, lo, hi)
    leaves: list[LeafColumn] = []
    seen: set[int] = set()
    for c in range(lo, hi + 1):
        path = paths.get(c)
        if not path or id(path[-1]) in seen:
            continue
        seen.add(id(path[-1]))
        leaves.append(_leaf(c, [n.text for n in path]))
    block = f"{get_column_letter(lo)}{start}:{get_column_letter(hi)}{end}"
    if len(leaves) < 2:
        raise FormError(
            f"工作表“{sheet}”的表头（{block}）只有一列，无法识别为报表",
            f"sheet {sheet!r}: the header ({block}) has a single column; this does not look like a form",
            where(file=file, row=start, key=sheet),
        )
    if unit_row(grid, end + 1):  # units under the header belong to the leaves above them
        end += 1
        for leaf in leaves:
            text = compact(grid.text(end, column_index_from_string(leaf.column)))
            if leaf.unit is None and _unit_word(text):
                leaf.unit = text.strip("（）()")
        rows.append(end)
    code_row = end + 1 if _is_code_row(grid, end + 1) else None
    first = (code_row or end) + 1
    footer = _footer_start(grid, first)
    last = _last_template_row(grid, first, footer - 1, lo, hi)
    kind = _decide(grid, leaves, first, last, file, sheet, block)
    notes_below = [n for r in range(footer, grid.max_row + 1) for n in row_notes(grid, r, "below")]
    labels = _template_labels(grid, leaves, first, last)
    if kind == "form" and not labels:
        for leaf in leaves:
            leaf.cell = f"{leaf.column}{first}"
    units = [u for n in head.notes + notes_below if n.kind == "unit" for u in unit_line(n.text)]
    return FormLayout(
        file=file, sheet=sheet, kind=kind, title=title(head), title_rows=[r for r, _t in head.titles],
        header_rows=rows, first_data_row=first, last_template_row=last, min_col=lo, max_col=hi,
        header=[n for n in nodes if n.row == start or not _has_parent(n, nodes)],
        leaves=leaves, notes=head.notes + notes_below, default_units=units, template_labels=labels,
        code_row=code_row, reference_date=head.reference_date,
    )


# --- the header block ---

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
    if nxt > grid.max_row or has_note(grid, nxt) or unit_row(grid, nxt):
        return False
    below = [(s, t) for s, t in grid.row_spans(nxt) if s.row == nxt]
    if not below or any(is_numeric(t) for _s, t in below) or _is_code_row(grid, nxt):
        return False
    for s, t in grid.row_spans(end):
        if t and s.row_end == end and s.width > 1 and any(s.col <= b.col <= s.col_end for b, _t in below):
            return True
    # a group one column wide over its single sub-header (人数 under 困难残疾人生活补贴), nothing merged: a few
    # texts right under unmerged data headers of this row (a filled sample row would fill most columns)
    heads = [(s, t) for s, t in grid.row_spans(end) if s.row <= end]
    under = [grid.span(end, b.col) for b, _t in below]
    column_of_names = all(grid.text(nxt + 1, b.col) for b, _t in below)  # names listed down, not a sub-header
    if (len(below) * 2 <= len(heads) and not column_of_names and all(grid.text(end, b.col) for b, _t in below)
            and all(u.row_end == end and u.row >= start for u in under)
            and not any(label_level(grid.text(end, b.col)) or is_index(grid.text(end, b.col)) for b, _t in below)):
        return True
    # unmerged groups: the parent's text sits in its first column and the cells to its right are empty
    for c in range(2, grid.max_col + 1):
        left = grid.span(end, c - 1)
        if (not grid.text(end, c) and not grid.is_merged(end, c) and grid.text(nxt, c) and grid.text(end, c - 1)
                and left.row == end and len(below) >= 2):
            return True
    return False


def unit_row(grid: Grid, r: int) -> bool:
    """A 计量单位 row under the header: a unit (or — ) in every cell, 计量单位 in a label column."""
    cells = [t for s, t in grid.row_spans(r) if s.row == r]
    named = sum(_unit_word(t) for t in cells) + sum(compact(t) in ("计量单位", "单位") for t in cells)
    return len(cells) >= 2 and named >= 1 and all(_unit_word(t) or compact(t) in _UNIT_ROW_WORDS for t in cells)


def _unit_word(text: str) -> bool:
    """A unit note, or a unit the unit families know (名 counts people as 人 does; 党员 are counted in 名):
    a 计量单位 row of 名 must not be read as a row of sub-headers."""
    return is_unit(text) or family(compact(text).strip("（）()")) is not None


def _is_code_row(grid: Grid, r: int) -> bool:
    cells = grid.row_spans(r)
    if len(cells) < 2:
        return False
    ok = sum(t in _CODE_ROW_CHARS or (t.isdigit() and int(t) < 500) for _s, t in cells)
    return ok == len(cells) and any(t.isdigit() for _s, t in cells)


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
                lspan = grid.span(r, left)
                if left >= lo and grid.text(r + 1, c) and lspan.row == lspan.row_end == r and _groups(grid, r, left):
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


def _groups(grid: Grid, r: int, c: int) -> bool:
    """The header cell at (r, c) has a sub-header under it (it is a group, not a leaf drawn lazily)."""
    return bool(grid.text(r + 1, c)) and grid.span(r + 1, c).row == r + 1


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


# --- deciding the layout from the whole sheet ---

def _decide(grid: Grid, leaves: list[LeafColumn], first: int, last: int, file: str, sheet: str,
            block: str) -> LayoutKind:
    names = [compact(leaf.name) for leaf in leaves]
    roster = _is_roster(leaves)
    labelled = False
    for i, leaf in enumerate(leaves):
        level = _label_level(leaf)
        if i <= 1 and len(leaf.path) == 1 and is_index(leaf.name):
            leaf.role = "index"
        elif roster:
            if level and level not in ("org", "code"):
                leaf.role, leaf.level = "label", level
        elif level:
            leaf.role, leaf.level = "label", level
            labelled = True
        elif not labelled and i <= 1 and _listed(grid, leaf, first, last):
            leaf.role, leaf.level = "label", "org"  # a first column pre-listed with names is the row label
            labelled = True
        else:
            break  # label columns sit at the left; the first data column ends them
    if roster:
        return "roster"
    if labelled:
        return "aggregate"
    if last - first + 1 <= 1:
        return "form"  # a header over one row: a single-unit form drawn as a table
    if any(_ENTITY_PART.search(n) for n in names):
        return "roster"  # rows are entities (houses, sites, enterprises), not org units
    lead = leaves[0] if leaves[0].role == "data" else leaves[1]
    if len(lead.path) == 1 and not _MEASURE.search(lead.name) and len(lead.name) <= 8:
        lead.role, lead.level = "label", "org"  # an unknown row label (站所, 医疗机构): never data
        return "aggregate"
    listed = next((x for x in leaves if x.role == "data" and _listed(grid, x, first, last)), None)
    if listed is not None:
        raise FormError(
            f"工作表“{sheet}”表头 {block} 中找不到行标签列（地区、单位名称、乡镇（街道）、村（社区）等），"
            f"但第 {listed.column} 列“{listed.title}”下列有名称。请在表头写明标签列，或用映射文件指定",
            f"sheet {sheet!r}, header {block}: no label column found (地区, 单位名称, 乡镇（街道）, 村（社区）…), yet "
            f"column {listed.column} ({listed.title!r}) lists names. Name the label column in the header, or set it "
            f"in a mapping file",
            where(file=file, row=first, column=listed.column, key=sheet),
        )
    return "form"  # measures only over blank rows: the numbers of one unit, as the department drew them


def _is_roster(leaves: list[LeafColumn]) -> bool:
    """Rows are people or entities: an ID column anywhere, or a name among the first columns after the labels
    (a 儿童主任姓名 far right of 乡镇/村 columns names a contact of the unit, not the row)."""
    pos = 0
    for leaf in leaves:
        n = compact(leaf.name)
        if (pos == 0 and is_index(n)) or _label_level(leaf):
            continue
        pos += 1
        if n in ROSTER_KEYS or (_ID_PART.search(n) and not _COUNT_OF.search(n)):
            return True
        if (n.endswith("姓名") and pos <= 3) or (n.endswith("名称") and pos == 1):
            return True
    return False


def _label_level(leaf: LeafColumn) -> str | None:
    if len(leaf.path) > 2 or (len(leaf.path) == 2 and label_level(leaf.path[0]) is None):
        return None
    return label_level(leaf.path[-1])


def _listed(grid: Grid, leaf: LeafColumn, first: int, last: int) -> bool:
    c = column_index_from_string(leaf.column)
    texts = [grid.text(r, c) for r in range(first, last + 1)]
    named = [t for t in texts if t and not is_numeric(t)]
    return len(named) >= 2 and len(named) * 2 >= len([t for t in texts if t])


# --- the body ---

def _footer_start(grid: Grid, first: int) -> int:
    for r in range(first, grid.max_row + 1):
        if has_note(grid, r) or is_note_row(grid, r):
            return r
    return grid.max_row + 1


def _last_template_row(grid: Grid, first: int, stop: int, lo: int, hi: int) -> int:
    last = first - 1
    for r in range(first, stop + 1):
        if any(grid.raw(r, c) not in (None, "") for c in range(lo, hi + 1)) or grid.boxed(r, lo):
            last = r
    return last


def _template_labels(grid: Grid, leaves: list[LeafColumn], first: int, last: int) -> dict[int, str]:
    label_cols = [column_index_from_string(leaf.column) for leaf in leaves if leaf.role == "label"]
    out: dict[int, str] = {}
    for r in range(first, last + 1):
        for c in label_cols:
            t = grid.text(r, c)
            if t and not is_numeric(t):
                out[r] = t
    return out
