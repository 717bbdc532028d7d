"""Excel workbooks (.xlsx) through openpyxl in read-only mode.

Exports from department systems often carry a merged title row or two above the header; the header is
`header_row` (1-based) when given, else the first row (within the first 50) holding every mapped column
name. Each cell becomes text; `_row` keeps the sheet's own row number so a reject points at the cell.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import openpyxl
import pyarrow as pa
from openpyxl.utils.exceptions import InvalidFileException

from biaotong.errors import SourceError
from biaotong.limits import check_workbook
from biaotong.sources.connectors.base import (
    Connector,
    check_columns,
    source_where,
    take_limit,
)
from biaotong.sources.connectors.csvfile import source_file

if TYPE_CHECKING:
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    from biaotong.sources.spec import SourceSpec

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ENCRYPTED_MARK = "EncryptedPackage".encode("utf-16-le")
HEADER_SEARCH_ROWS = 50
_SPACE = re.compile(r"\s+")


def header_text(value: Any) -> str:
    """A header cell compared without any whitespace: '身份证\\n号码' matches '身份证号码'."""
    return _SPACE.sub("", str(value)) if value is not None else ""


# A fixed-decimals format (0.00, #,##0.0): the number as the clerk sees it. 入伍年月 typed 1998.10 is stored as
# the float 1998.1 and only its format says it is October, not January.
FIXED_DECIMALS = re.compile(r"^(?:#,##)?0\.(0{1,6})(?:_\))?(?:;.*)?$")


def shown_value(value: Any, number_format: str | None) -> Any:
    """A float cell as its format displays it, when that only adds the trailing zeros the float lost (a value
    the format would round keeps its stored precision); anything else as stored."""
    if isinstance(value, float) and number_format and (m := FIXED_DECIMALS.match(number_format)):
        text = f"{value:.{len(m.group(1))}f}"
        if float(text) == value:
            return text
    return value


def shown_rows(ws: Any) -> Iterator[tuple[Any, ...]]:
    for row in ws.iter_rows():
        yield tuple(shown_value(c.value, getattr(c, "number_format", None)) for c in row)


def cell_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


def _not_excel(spec: SourceSpec, path: Path, zh: str, en: str) -> SourceError:
    return SourceError(f"文件 {path.name} {zh}", f"file {path.name} {en}", source_where(spec, key="connection.path"),
                       details={"path": str(path)})


def open_workbook(spec: SourceSpec, path: Path) -> Any:
    with path.open("rb") as fh:
        head = fh.read(8)
    if head == OLE_MAGIC:
        if ENCRYPTED_MARK in path.read_bytes():
            raise _not_excel(spec, path, "设有打开密码，请在 Excel 中取消密码后另存为 .xlsx",
                             "is password-protected; remove the password in Excel and save it as .xlsx again")
        raise _not_excel(spec, path, "是旧版 .xls 格式：请把 connection.kind 改为 xls（WPS 的 .et 用 et）",
                         "is an old .xls workbook: set connection.kind: xls (et for WPS .et files)")
    if not head.startswith(b"PK\x03\x04"):
        raise _not_excel(spec, path, "不是 Excel 文件（.xlsx）", "is not an Excel (.xlsx) file")
    check_workbook(path, path.name, SourceError)  # zip parts and the sheets' real extent, before openpyxl opens it
    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as exc:
        raise _not_excel(spec, path, f"不是有效的 Excel 文件（{exc}）", f"is not a valid Excel file ({exc})") from None


def pick_sheet(spec: SourceSpec, wb: Any, path: Path) -> ReadOnlyWorksheet:
    name = spec.connection.sheet
    if name is None:
        return wb.worksheets[0]
    if name not in wb.sheetnames:
        raise SourceError(
            f"文件 {path.name} 没有工作表 {name}（现有：{'、'.join(wb.sheetnames)}）",
            f"file {path.name} has no sheet {name} (sheets: {', '.join(wb.sheetnames)})",
            source_where(spec, key="connection.sheet"),
        )
    return wb[name]


class XLSXConnector(Connector):
    kind = "xlsx"
    uses_path = True

    def batches(
        self, spec: SourceSpec, *, watermark: Any = None, limit: int | None = None
    ) -> Iterator[pa.RecordBatch]:
        from biaotong.sources.connectors.sheets import SpreadsheetConnector, _single_row, sheet_batches

        path = source_file(spec)
        wb = open_workbook(spec, path)
        try:
            ws = pick_sheet(spec, wb, path)
            ws.reset_dimensions()
            rows = enumerate(shown_rows(ws), start=1)
            head: list[tuple[int, tuple[Any, ...]]] = []
            search = max(HEADER_SEARCH_ROWS, spec.connection.header_row or 0)
            for number, values in rows:
                head.append((number, values))
                if len(head) >= search:
                    break
            found = _single_row(spec, head)
            if found is not None:
                header_row, names = found
                check_columns(spec, names, f"{path.name}[{ws.title}]", header_text)
                index = [names.index(header_text(c)) for c in spec.source_columns()]
                body = (r for it in (iter(head), rows) for r in it)
                yield from take_limit(sheet_batches(spec, body, header_row, index, watermark), limit)
                return
        finally:
            wb.close()
        # No single row names every column: a merged multi-row header, which read-only openpyxl cannot see.
        yield from SpreadsheetConnector().batches(spec, watermark=watermark, limit=limit)
