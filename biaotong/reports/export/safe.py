"""Outputs safe to open: the one place every exporter sends text through before it becomes a cell.

A department system's value is data, never a command for the spreadsheet that opens our output:
* text beginning with = + - @ tab or CR (what Excel, WPS and LibreOffice take as a formula) is written as
  text in xlsx (XlsxWriter's write_string; openpyxl with data_type "s") and, in CSV, neutralised the OWASP
  way — a leading apostrophe, and the field quoted;
* control characters an xlsx cell cannot hold are replaced by their visible Unicode pictures (␀ ␁ …),
  so the writer never fails on them and the reader sees that something was there;
* a value longer than a cell holds (32,767 characters) stops the export with the cell named, instead of
  being cut silently (CSV and JSON have no such limit).
"""

from __future__ import annotations

import re
from typing import Any, Literal

from biaotong.errors import ReportError, where

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
EXCEL_MAX_CHARS = 32_767
# XML 1.0 forbids these; openpyxl raises IllegalCharacterError on them.
_UNHOLDABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class CellTooLong(ReportError):
    """A value does not fit in one spreadsheet cell."""


def _picture(m: re.Match[str]) -> str:
    code = ord(m.group())
    return chr(0x2400 + code) if code < 0x20 else "\ufffd"


def is_formula_like(text: str) -> bool:
    return text.startswith(FORMULA_START)


def safe_value(
    value: Any, target: Literal["xlsx", "csv"], *, row: int | None = None, column: str | None = None,
    file: str | None = None,
) -> Any:
    """`value` as it may be written to `target`; non-text values pass unchanged. For xlsx the caller writes
    the result as text (never as a formula); for csv the caller quotes a field that was neutralised."""
    if not isinstance(value, str):
        return value
    if target == "csv":
        return "'" + value if is_formula_like(value) else value
    text = _UNHOLDABLE.sub(_picture, value) if _UNHOLDABLE.search(value) else value
    if len(text) > EXCEL_MAX_CHARS:
        raise CellTooLong(
            f"值长 {len(text):,} 个字符，超过 Excel 单元格上限 {EXCEL_MAX_CHARS:,}，未截断；请改用 CSV 或 JSON 导出",
            f"a value of {len(text):,} characters exceeds the Excel cell limit of {EXCEL_MAX_CHARS:,} and was not "
            "cut; export as CSV or JSON instead",
            where(file=file, row=row, column=column), details={"length": len(text)},
        )
    return text


def csv_row(values: list[Any]) -> list[Any]:
    """A CSV row with every formula-like text neutralised (write it with csv.QUOTE_NONNUMERIC, so each text
    field is quoted)."""
    return ["" if v is None else safe_value(v, "csv") for v in values]


def set_text_cell(cell: Any, value: Any, *, file: str | None = None) -> None:
    """Put a value into an openpyxl cell: text always as text (data_type "s"), whatever it begins with."""
    if isinstance(value, str):
        cell.value = safe_value(value, "xlsx", row=cell.row, column=cell.column_letter, file=file)
        cell.data_type = "s"  # openpyxl would otherwise make "=…" a formula
    else:
        cell.value = value
