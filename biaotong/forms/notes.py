"""Lines around a table: 填报单位、填报人、审核人、填报日期、单位负责人, unit lines and remarks."""

from __future__ import annotations

import re

from openpyxl.utils import get_column_letter

from biaotong.forms.grid import Grid
from biaotong.forms.model import Note
from biaotong.forms.text import compact, unit_line

NOTE_KEYS: dict[str, tuple[str, ...]] = {
    "org": ("填报单位", "填表单位", "报送单位", "编制单位", "统计单位", "上报单位", "报表单位"),
    "head": ("单位负责人", "统计负责人", "负责人", "分管领导", "主管领导"),
    "filler": ("填报人", "填表人", "制表人", "统计人", "经办人", "填报员"),
    "reviewer": ("审核人", "复核人", "审核"),
    "date": ("填报日期", "填表日期", "报送日期", "统计日期", "制表日期", "报出日期"),
    "phone": ("联系电话", "电话"),
}
_KEY_ALT = "|".join(sorted((k for ks in NOTE_KEYS.values() for k in ks), key=len, reverse=True))
KEY_RE = re.compile(rf"({_KEY_ALT})\s*(?:[（(][^）)]{{0,6}}[)）])?\s*[:：]")
_KIND = {k: kind for kind, ks in NOTE_KEYS.items() for k in ks}
_REMARK = re.compile(r"^\s*(?:注|说明|备注|填表说明|填报说明)\s*[0-9一二三四五六七八九十]*\s*[:：、.]")
_DATE_ONLY = re.compile(r"^[\s\d_]*年[\s\d_]*月(?:[\s\d_]*日)?[\s_]*$")


def note_kinds(text: str) -> list[tuple[str, re.Match[str]]]:
    return [(_KIND[m.group(1)], m) for m in KEY_RE.finditer(text)]


def is_note_text(text: str) -> bool:
    return bool(KEY_RE.search(text) or _REMARK.match(text) or unit_line(text) or _DATE_ONLY.match(text))


def is_note_row(grid: Grid, r: int) -> bool:
    """Every text in the row is a note: 填报单位：… 单位：人 … 2021年7月."""
    cells = grid.row_spans(r)
    return bool(cells) and all(is_note_text(t) for _s, t in cells)


def has_note(grid: Grid, r: int) -> bool:
    return any(KEY_RE.search(t) or _REMARK.match(t) for _s, t in grid.row_spans(r))


def row_notes(grid: Grid, r: int, position: str) -> list[Note]:
    notes: list[Note] = []
    for span, text in grid.row_spans(r):
        cell = f"{get_column_letter(span.col)}{span.row}"
        found = note_kinds(text)
        if unit_line(text):
            notes.append(Note("unit", text, cell, None, position))  # type: ignore[arg-type]
        if not found:
            if _REMARK.match(text):
                notes.append(Note("remark", text, cell, None, position))  # type: ignore[arg-type]
            continue
        for kind, m in found:
            rest = text[m.end():]
            value_cell = cell
            nxt = grid.span(r, span.col_end + 1)
            if (
                len(found) == 1
                and not compact(rest).strip("_")
                and span.col_end + 1 <= grid.max_col
                and not grid.text(r, span.col_end + 1)
            ):
                value_cell = f"{get_column_letter(nxt.col)}{nxt.row}"
            notes.append(Note(kind, text, cell, value_cell, position))  # type: ignore[arg-type]
    return notes


def fill_text(text: str, values: dict[str, str]) -> str:
    """Rewrite 'key：____ key2：' with values by kind, keeping every other character of the cell."""
    matches = list(KEY_RE.finditer(text))
    if not matches:
        return text
    out: list[str] = [text[: matches[0].start()]]
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        kind = _KIND[m.group(1)]
        value = values.get(kind)
        if value is None:
            out.append(text[m.start(): end])
            continue
        trailing = "" if i + 1 == len(matches) else "    "
        out.append(text[m.start(): m.end()] + value + trailing)
    return "".join(out)
