"""Lines around a table: 填报单位、填报人、审核人、填报日期、单位负责人, unit lines, remarks, the 表号 block and
the 统计时点 / 截至 date the numbers refer to.

A signature word qualified by whose it is — 服务站值班电话：, 管水员电话：, 服务站负责人： — is a field of the unit
(`field_label`), not a signature line: 主要/分管/单位… qualifiers, several keys in one cell, or （签字） keep it a
note. Calibrated on the r4 fresh cards (3 fields lost to the footer in 1 of 4 arrangements of 2 forms).
"""

from __future__ import annotations

import calendar
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
    # a card's own line, “村（社区）名称：____  所属乡镇：____” in one cell (separate cells: head.identity_kind)
    "unit_name": ("村（社区）名称", "乡镇（街道）名称", "村名称", "社区名称", "村名"),
    "parent": ("所属乡镇", "所属街道", "所属县", "所属区县"),
}
_KEY_ALT = "|".join(sorted((k for ks in NOTE_KEYS.values() for k in ks), key=len, reverse=True))
KEY_RE = re.compile(rf"({_KEY_ALT})\s*(?:[（(][^）)]{{0,6}}[)）])?\s*[:：]")
_KIND = {k: kind for kind, ks in NOTE_KEYS.items() for k in ks}
_REMARK = re.compile(r"^\s*(?:(?:注|说明|备注|填表说明|填报说明|指标解释|附注)\s*[0-9一二三四五六七八九十]*\s*[:：、.]"
                     r"|(?:注|说明|填表说明|填报说明|指标解释|附注)\s*$)")  # a bare 备注 is a column header
_DATE_ONLY = re.compile(r"^[\s\d_]*年[\s\d_]*月(?:[\s\d_]*日)?[\s_]*$")
# the 表号 / 制定机关 / 批准文号 / 有效期至 block of a statistical form (one cell per line, or one merged cell)
BLOCK_RE = re.compile(r"^\s*(?:表\s*号|制定机关|制表机关|批准机关|批准文号|备案机关|备案文号|统计调查项目|有效期至|有效期|文\s*号)"
                      r"\s*[:：]")
_REF_KEY = re.compile(r"(?:统计时点|统计截止(?:日期|时间)?|数据截止(?:日期|时间)?|截止(?:日期|时间)?|截至(?:日期|时间)?|报告期"
                      r"|数据日期|数据时点|统计日期)\s*[:：]?\s*")
_YMD = re.compile(r"(\d{4})\s*(?:年|[-./])\s*(\d{1,2})\s*(?:月|[-./])?\s*(?:(\d{1,2})\s*日?)?")
_QUARTER = re.compile(r"(\d{4})\s*年\s*第?\s*([一二三四1-4])\s*季度?")
# a numbered continuation of a note block: “2、年龄按周岁计算。”
_NUMBERED = re.compile(r"^\s*(?:[（(]?[0-9一二三四五六七八九十]{1,2}[)）]?\s*[、.．)）]|[①-⑩])\s*\S")


# who a signature belongs to: 主要负责人、分管负责人、单位电话、填报人电话 stay signature lines
_SIGN_QUALIFIER = re.compile(rf"^(?:主要|分管|部门|科室|单位|本单位|统计|联系人?|办公|经办人?|(?:{_KEY_ALT}))$")
_SIGNED = re.compile(r"签字|签名|签章|盖章")


def field_label(text: str) -> bool:
    """'服务站值班电话：' / '管水员电话：' / '服务站负责人：': one label naming a person or number of the unit the form
    is about, a signature word (负责人, 电话) qualified by whose it is — a field of a card, not the signature line.
    Read as a note it would be cut off as the footer, and fill would write the filler's phone into it."""
    found = list(KEY_RE.finditer(text))
    if len(found) != 1 or _KIND[found[0].group(1)] not in ("head", "phone"):
        return False
    m = found[0]
    prefix = compact(text[: m.start()]).rstrip("的")
    rest = compact(text[m.end():]).strip("_")
    signed = bool(_SIGNED.search(text))  # 村委会负责人（签字）： is signed, so a signature line
    return bool(prefix) and not rest and not signed and not _SIGN_QUALIFIER.match(prefix) and not is_block_text(text)


def note_kinds(text: str) -> list[tuple[str, re.Match[str]]]:
    return [(_KIND[m.group(1)], m) for m in KEY_RE.finditer(text)]


def is_note_text(text: str) -> bool:
    return bool(KEY_RE.search(text) or _REMARK.match(text) or unit_line(text) or _DATE_ONLY.match(text)
                or is_block_text(text) or reference_date(text))


def is_bare_date(text: str) -> bool:
    """'2025年6月' with no key: a date line alone, a period column title in a header row."""
    return bool(re.fullmatch(r"\s*\d{4}\s*年(?:\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?|\s*第?[一二三四1-4]季度)?\s*", text))


def is_block_text(text: str) -> bool:
    """A line (or every line of a merged cell) of the 表号 / 制定机关 / 有效期至 block."""
    return any(BLOCK_RE.match(line) for line in str(text).splitlines() or [text]) or bool(BLOCK_RE.match(text))


def is_numbered(text: str) -> bool:
    return bool(_NUMBERED.match(text))


def reference_date(text: str) -> str | None:
    """'统计时点：2025年6月30日' / '截至2025-06-30' / '报告期：2025年6月' -> ISO date (a month or quarter -> its
    last day); None when the text names no reference date."""
    for key in _REF_KEY.finditer(text):
        rest = text[key.end(): key.end() + 24]
        q = _QUARTER.match(rest)
        if q:
            y, n = int(q.group(1)), "一二三四1234".index(q.group(2)) % 4 + 1
            return _iso(y, n * 3, None)
        m = _YMD.match(rest)
        if m:
            return _iso(int(m.group(1)), int(m.group(2)), int(m.group(3)) if m.group(3) else None)
    return None


_MONTH_ALONE = re.compile(r"^\s*[（(]?\s*(\d{4})\s*年\s*(\d{1,2})\s*月份?\s*[)）]?\s*$")
_MONTH_IN_TITLE = re.compile(r"[（(]\s*(\d{4})\s*年\s*(\d{1,2})\s*月份?\s*[)）]")


def month_date(text: str, *, title: bool = False) -> str | None:
    """A month given alone — '2025年6月' on its own line, or in a title '…统计表（2025年6月）' — as the
    reference date, the month's last day; None for anything else (a full date alone is more often the 填报日期)."""
    m = (_MONTH_IN_TITLE.search(text) if title else None) or _MONTH_ALONE.match(text)
    return _iso(int(m.group(1)), int(m.group(2)), None) if m else None


def _iso(y: int, m: int, d: int | None) -> str | None:
    if not (1 <= m <= 12 and 1900 < y < 2200):
        return None
    last = calendar.monthrange(y, m)[1]
    if d is not None and not 1 <= d <= last:
        return None
    return f"{y:04d}-{m:02d}-{d or last:02d}"


def is_note_row(grid: Grid, r: int) -> bool:
    """Every text in the row is a note: 填报单位：… 单位：人 … 2021年7月."""
    cells = grid.row_spans(r)
    return bool(cells) and all(is_note_text(t) for _s, t in cells)


def has_note(grid: Grid, r: int) -> bool:
    return any(KEY_RE.search(t) or _REMARK.match(t) for _s, t in grid.row_spans(r))


def row_notes(grid: Grid, r: int, position: str) -> list[Note]:
    notes: list[Note] = []
    for span, text in grid.row_spans(r):
        if span.row != r:
            continue  # a merged note continuing from the row above was read there
        cell = f"{get_column_letter(span.col)}{span.row}"
        found = note_kinds(text)
        if unit_line(text):
            notes.append(Note("unit", text, cell, None, position))  # type: ignore[arg-type]
        if reference_date(text):
            notes.append(Note("reference", text, cell, None, position))  # type: ignore[arg-type]
        if is_block_text(text):
            notes.append(Note("block", text, cell, None, position))  # type: ignore[arg-type]
        if not found:
            if _REMARK.match(text) or (position == "below" and is_numbered(text)):
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
