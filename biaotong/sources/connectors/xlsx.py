"""Excel workbooks (.xlsx) through openpyxl in read-only mode.

Exports from department systems often carry a merged title row or two above the header; the header is
`header_row` (1-based) when given, else the first row (within the first 50) holding every mapped column
name. Each cell becomes text; `_row` keeps the sheet's own row number so a reject points at the cell.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator, Sequence
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import openpyxl
import pyarrow as pa
from openpyxl.utils.exceptions import InvalidFileException

from biaotong.errors import SourceError
from biaotong.sources.connectors.base import (
    BATCH_ROWS,
    ROW_COLUMN,
    Connector,
    check_columns,
    filter_watermark,
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
        raise _not_excel(spec, path, "是旧版 .xls 格式，请在 Excel 中另存为 .xlsx",
                         "is an old .xls workbook; save it as .xlsx in Excel")
    if not head.startswith(b"PK\x03\x04"):
        raise _not_excel(spec, path, "不是 Excel 文件（.xlsx）", "is not an Excel (.xlsx) file")
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


def find_header(spec: SourceSpec, rows: Sequence[tuple[int, tuple[Any, ...]]]) -> tuple[int, list[str]]:
    """(row number, header names) — the declared header row, or the first row naming every mapped column."""
    wanted = {header_text(c) for c in spec.source_columns()}
    if spec.connection.header_row is not None:
        for number, values in rows:
            if number == spec.connection.header_row:
                return number, [header_text(v) for v in values]
        raise SourceError(
            f"工作表不足 {spec.connection.header_row} 行", f"the sheet has fewer than {spec.connection.header_row} rows",
            source_where(spec, key="connection.header_row"),
        )
    best: tuple[int, list[str]] | None = None
    for number, values in rows:
        names = [header_text(v) for v in values]
        if wanted <= set(names):
            return number, names
        if best is None or len(wanted & set(names)) > len(wanted & set(best[1])):
            best = (number, names)
    return best if best is not None else (1, [])


class XLSXConnector(Connector):
    kind = "xlsx"
    uses_path = True

    def batches(
        self, spec: SourceSpec, *, watermark: Any = None, limit: int | None = None
    ) -> Iterator[pa.RecordBatch]:
        path = source_file(spec)
        wb = open_workbook(spec, path)
        try:
            ws = pick_sheet(spec, wb, path)
            ws.reset_dimensions()
            rows = enumerate(ws.iter_rows(values_only=True), start=1)
            head: list[tuple[int, tuple[Any, ...]]] = []
            search = max(HEADER_SEARCH_ROWS, spec.connection.header_row or 0)
            for number, values in rows:
                head.append((number, values))
                if len(head) >= search:
                    break
            header_row, names = find_header(spec, head)
            check_columns(spec, names, f"{path.name}[{ws.title}]", header_text)
            wanted = spec.source_columns()
            index = [names.index(header_text(c)) for c in wanted]
            body = (r for r in (*head, *rows) if r[0] > header_row)
            batches = self._read(spec, wanted, index, body, watermark)
            yield from take_limit(batches, limit)
        finally:
            wb.close()

    def _read(
        self, spec: SourceSpec, wanted: list[str], index: list[int],
        rows: Iterator[tuple[int, tuple[Any, ...]]], watermark: Any,
    ) -> Iterator[pa.RecordBatch]:
        cols: list[list[str | None]] = [[] for _ in wanted]
        numbers: list[int] = []
        for number, values in rows:
            cells = [cell_text(values[i]) if i < len(values) else None for i in index]
            if all(c is None or not c.strip() for c in cells):
                continue  # blank line
            for col, cell in zip(cols, cells, strict=True):
                col.append(cell)
            numbers.append(number)
            if len(numbers) >= BATCH_ROWS:
                yield self._batch(spec, wanted, cols, numbers, watermark)
                cols, numbers = [[] for _ in wanted], []
        if numbers:
            yield self._batch(spec, wanted, cols, numbers, watermark)

    def _batch(
        self, spec: SourceSpec, wanted: list[str], cols: list[list[str | None]], numbers: list[int], watermark: Any
    ) -> pa.RecordBatch:
        arrays = [pa.array(c, type=pa.string()) for c in cols]
        batch = pa.RecordBatch.from_arrays([*arrays, pa.array(numbers, pa.int64())], names=[*wanted, ROW_COLUMN])
        if watermark is not None and spec.sync.updated_at:
            batch = filter_watermark(batch, spec.sync.updated_at, watermark)
        return batch
