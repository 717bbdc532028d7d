"""Spreadsheet exports as departments make them: legacy .xls (Excel 97-2003) and WPS .et through
python-calamine, and .xlsx whose header is not one plain row.

The header is the declared `header_row`, else the first row naming every mapped column, else the merged
2-3 row header block found by the departments' form-head reader (`biaotong.forms.layout.analyse`, run on
the sheet's first rows): a leaf column is named by its own text (残疾证号) or, where two leaves share it, by
its path (证件信息/残疾证号). Title and note rows above the header are skipped; inside the data, 小计 / 合计
rows and note lines (填表人：…) are marked `_skip` and reported as skipped rejects, never loaded as people.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from biaotong.errors import SourceError
from biaotong.sources.connectors.base import (
    BATCH_ROWS,
    ROW_COLUMN,
    SKIP_COLUMN,
    Connector,
    check_columns,
    filter_watermark,
    source_where,
    take_limit,
)
from biaotong.sources.connectors.csvfile import source_file

if TYPE_CHECKING:
    from biaotong.sources.spec import SourceSpec

HEAD_ROWS = 60  # rows given to the form-head reader
# 小计, 合计, 总计, 红旗社区小计, 全县合计, 合计：, 小计(人) — a label cell, compared without spaces.
SUBTOTAL_RE = re.compile(r"^(?:其中[:：]?)?.{0,12}?(?:小计|合计|总计)(?:[:：]|[(（][^)）]{0,8}[)）])?$")
SUBTOTAL_MAX_CHARS = 16
_SPACE = re.compile(r"\s+")

Merge = tuple[int, int, int, int]  # min_row, min_col, max_row, max_col (1-based)


def header_text(value: Any) -> str:
    return _SPACE.sub("", str(value)) if value is not None else ""


def cell_text(value: Any) -> str | None:
    from biaotong.sources.connectors.xlsx import cell_text as text

    return None if value == "" else text(value)


def skip_reason(values: Sequence[Any]) -> str | None:
    """Why a data row is not a record: a subtotal (小计/合计 in a short label cell) or a note line."""
    from biaotong.forms.notes import is_note_text

    texts = [t for t in (header_text(v) for v in values if v not in (None, "")) if t]
    for t in texts:
        if len(t) <= SUBTOTAL_MAX_CHARS and SUBTOTAL_RE.match(t):
            return t
    if len(texts) == 1 and is_note_text(str(next(v for v in values if v not in (None, "")))):
        return texts[0][:40]
    return None


def _single_row(spec: SourceSpec, head: Sequence[tuple[int, Sequence[Any]]]) -> tuple[int, list[str]] | None:
    wanted = {header_text(c) for c in spec.source_columns()}
    if spec.connection.header_row is not None:
        for number, values in head:
            if number == spec.connection.header_row:
                return number, [header_text(v) for v in values]
        raise SourceError(
            f"工作表不足 {spec.connection.header_row} 行", f"the sheet has fewer than {spec.connection.header_row} rows",
            source_where(spec, key="connection.header_row"),
        )
    for number, values in head:
        names = [header_text(v) for v in values]
        if wanted <= set(names):
            return number, names
    return None


def merged_header(head: Sequence[tuple[int, Sequence[Any]]], merges: Sequence[Merge], file: str
                  ) -> tuple[int, list[str], dict[str, int]] | None:
    """(last header row, a name per column, other names → column index) from the form-head reader, or
    None when it finds no table header."""
    import openpyxl
    from openpyxl.utils import column_index_from_string

    from biaotong.errors import FormError
    from biaotong.forms.layout import analyse

    wb = openpyxl.Workbook()
    ws = wb.active
    last = head[-1][0] if head else 0
    by_number = dict(head)
    for number in range(1, last + 1):
        ws.append([None if v == "" else v for v in by_number.get(number, ())])
    for r0, c0, r1, c1 in merges:
        if r0 <= last and (r1 > r0 or c1 > c0):
            ws.merge_cells(start_row=r0, start_column=c0, end_row=min(r1, last), end_column=c1)
    try:
        layout = analyse(ws, file=file)
    except FormError:
        return None
    if not layout.header_rows:
        return None
    width = max((len(v) for _n, v in head), default=0)
    names = [""] * width
    spellings: dict[str, set[int]] = {}
    counts: dict[str, int] = {}
    for leaf in layout.leaves:
        counts[header_text(leaf.name)] = counts.get(header_text(leaf.name), 0) + 1
    for leaf in layout.leaves:
        i = column_index_from_string(leaf.column) - 1
        if i >= width:
            continue
        own, path = header_text(leaf.name), [header_text(p) for p in leaf.path]
        names[i] = own if counts[own] == 1 else "/".join(path)
        for start in range(len(path)):  # 救助情况/低保/保障金额, 低保/保障金额, 低保保障金额 …
            for alt in ("/".join(path[start:]), "".join(path[start:])):
                spellings.setdefault(alt, set()).add(i)
    # A spelling two columns share (保障金额 under both 低保 and 特困) names neither: never guessed.
    alts = {alt: next(iter(cols)) for alt, cols in spellings.items() if len(cols) == 1}
    end = (layout.code_row or max(layout.header_rows))
    return max(end, layout.first_data_row - 1), names, alts


def locate_header(spec: SourceSpec, head: Sequence[tuple[int, Sequence[Any]]], merges: Sequence[Merge],
                  container: str) -> tuple[int, list[int]]:
    """(last header row, the column index of each of `spec.source_columns()`)."""
    found = _single_row(spec, head)
    if found is not None:
        number, names = found
        check_columns(spec, names, container, header_text)
        # Cells merged down from the header row (a two-row header whose other leaves are not mapped).
        end = max([number, *(r1 for r0, _c0, r1, _c1 in merges if r0 == number)])
        return end, [names.index(header_text(c)) for c in spec.source_columns()]
    block = merged_header(head, merges, container)
    if block is None:
        check_columns(spec, [], container, header_text)
        raise AssertionError("check_columns raises for a missing header")
    end, names, alts = block
    available = [n for n in names if n] + [a for a in alts if a not in names]
    check_columns(spec, available, container, header_text)
    index = {**alts, **{n: i for i, n in enumerate(names) if n}}
    return end, [index[header_text(c)] for c in spec.source_columns()]


def sheet_batches(
    spec: SourceSpec, rows: Iterator[tuple[int, Sequence[Any]]], header_end: int, index: list[int], watermark: Any
) -> Iterator[pa.RecordBatch]:
    """Data rows below the header as text batches with `_row` and `_skip`."""
    wanted = spec.source_columns()
    cols: list[list[str | None]] = [[] for _ in wanted]
    numbers: list[int] = []
    skips: list[str | None] = []

    def batch() -> pa.RecordBatch:
        arrays = [pa.array(c, type=pa.string()) for c in cols]
        out = pa.RecordBatch.from_arrays(
            [*arrays, pa.array(numbers, pa.int64()), pa.array(skips, pa.string())],
            names=[*wanted, ROW_COLUMN, SKIP_COLUMN],
        )
        if watermark is not None and spec.sync.updated_at:
            out = filter_watermark(out, spec.sync.updated_at, watermark)
        return out

    for number, values in rows:
        if number <= header_end:
            continue
        cells = [cell_text(values[i]) if i < len(values) else None for i in index]
        skip = skip_reason(values)
        if skip is None and all(c is None or not c.strip() for c in cells):
            continue  # blank line
        for col, cell in zip(cols, cells, strict=True):
            col.append(cell)
        numbers.append(number)
        skips.append(skip)
        if len(numbers) >= BATCH_ROWS:
            yield batch()
            cols, numbers, skips = [[] for _ in wanted], [], []
    if numbers:
        yield batch()


def _calamine_error(spec: SourceSpec, path: Path, exc: Exception) -> SourceError:
    return SourceError(
        f"文件 {path.name} 无法读取（{exc}）；请确认它是 Excel（.xls/.xlsx）或 WPS（.et）表格",
        f"cannot read {path.name} ({exc}); is it an Excel (.xls/.xlsx) or WPS (.et) workbook?",
        source_where(spec, key="connection.path"), details={"path": str(path)},
    )


def calamine_rows(spec: SourceSpec, path: Path) -> tuple[str, Iterator[tuple[int, list[Any]]], list[Merge]]:
    """(sheet title, numbered rows, merged ranges) of the spec's sheet, through python-calamine."""
    from python_calamine import CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types for every unreadable file
        raise _calamine_error(spec, path, exc) from None
    name = spec.connection.sheet
    if name is not None and name not in wb.sheet_names:
        raise SourceError(
            f"文件 {path.name} 没有工作表 {name}（现有：{'、'.join(wb.sheet_names)}）",
            f"file {path.name} has no sheet {name} (sheets: {', '.join(wb.sheet_names)})",
            source_where(spec, key="connection.sheet"),
        )
    try:
        sheet = wb.get_sheet_by_name(name) if name is not None else wb.get_sheet_by_index(0)
    except Exception as exc:
        raise _calamine_error(spec, path, exc) from None
    top, left = sheet.start or (0, 0)
    merges = [(r0 + 1, c0 + 1, r1 + 1, c1 + 1) for (r0, c0), (r1, c1) in (sheet.merged_cell_ranges or [])]

    def numbered() -> Iterator[tuple[int, list[Any]]]:
        for i, values in enumerate(sheet.iter_rows(), start=top + 1):
            yield i, [""] * left + list(values)

    return sheet.name, numbered(), merges


class SpreadsheetConnector(Connector):
    """kind: xls (Excel 97-2003) and kind: et (WPS); .xlsx and .ods open the same way."""

    kind = "xls"
    uses_path = True

    def batches(
        self, spec: SourceSpec, *, watermark: Any = None, limit: int | None = None
    ) -> Iterator[pa.RecordBatch]:
        path = source_file(spec)
        title, rows, merges = calamine_rows(spec, path)
        head: list[tuple[int, list[Any]]] = []
        search = max(HEAD_ROWS, spec.connection.header_row or 0)
        for number, values in rows:
            head.append((number, values))
            if len(head) >= search:
                break
        header_end, index = locate_header(spec, head, merges, f"{path.name}[{title}]")
        body = (r for it in (iter(head), rows) for r in it)
        yield from take_limit(sheet_batches(spec, body, header_end, index, watermark), limit)


class WPSConnector(SpreadsheetConnector):
    kind = "et"
