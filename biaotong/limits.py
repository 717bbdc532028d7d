"""Bounds on what a user's file may cost to read, checked before the parser that would pay for it.

Each limit is a setting (biaotong.settings, so `BIAOTONG_<NAME>` or biaotong.yaml can raise it); readers
that have no workspace at hand see the values of the workspace opened last (`configure`), else the defaults.
Every refusal names the file and the limit to raise.
"""

from __future__ import annotations

import os
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import numpy as np

from biaotong.errors import BiaotongError, FormError, where
from biaotong.settings import BY_NAME

_configured: dict[str, Any] = {}


def configure(config: dict[str, Any]) -> None:
    """Called when a workspace opens, so file readers deep in the code obey its settings."""
    _configured.clear()
    _configured.update(config)


def get(name: str) -> float:
    env = os.environ.get(f"BIAOTONG_{name.upper()}")
    value = env if env is not None else _configured.get(name, BY_NAME[name].default)
    return float(value)


def refuse(error: type[BiaotongError], file: str, zh: str, en: str, setting: str) -> BiaotongError:
    return error(
        f"{zh}；已拒绝读取（上限可由设置 {setting} 调整）", f"{en}; refused (the limit is the setting {setting})",
        where(file=file), details={"limit": setting},
    )


# --- workbooks: a zip of XML parts -------------------------------------------------------------------

_CELL_REF = re.compile(rb'<(?:\w+:)?c\s[^>]*?\br="([A-Z]{1,3})([0-9]{1,7})"')
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="([A-Z]{1,3})([0-9]{1,7})(?::([A-Z]{1,3})([0-9]{1,7}))?"')
_SCAN_BELOW = 32 << 20  # sheets smaller than this uncompressed are always scanned for their real extent


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n


def _chunks(fh: IO[bytes], size: int = 1 << 20, overlap: int = 256) -> Iterator[bytes]:
    """The stream in pieces that overlap, so a tag cut at a boundary is seen whole in the next piece."""
    tail = b""
    while piece := fh.read(size):
        yield tail + piece
        tail = piece[-overlap:]


def sheet_extent(zf: zipfile.ZipFile, member: zipfile.ZipInfo) -> tuple[int, int]:
    """(rows, columns) the sheet really uses: the last row and column holding a cell element, whatever its
    <dimension> claims."""
    rows = cols = 0
    with zf.open(member) as fh:
        for chunk in _chunks(fh):
            for letters, number in _CELL_REF.findall(chunk):
                rows = max(rows, int(number))
                cols = max(cols, _column_number(letters))
    return rows, cols


def _claimed(zf: zipfile.ZipFile, member: zipfile.ZipInfo) -> tuple[int, int] | None:
    with zf.open(member) as fh:
        head = fh.read(4096)
    m = _DIMENSION.search(head)
    if not m:
        return None
    col, row = (m.group(3), m.group(4)) if m.group(3) else (m.group(1), m.group(2))
    return int(row), _column_number(col)


def check_workbook(source: bytes | Path | IO[bytes], file: str, error: type[BiaotongError] = FormError) -> None:
    """Refuse a workbook whose zip parts or sheets would cost more than the limits, before openpyxl opens it."""
    import io

    stream: Any = io.BytesIO(source) if isinstance(source, bytes | bytearray) else source
    try:
        zf = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # not a zip: the reader's own signature check names the problem
    with zf:
        members = zf.infolist()
        if len(members) > get("xlsx_max_parts"):
            raise refuse(error, file, f"工作簿含 {len(members)} 个部件", f"the workbook has {len(members)} parts", "xlsx_max_parts")
        total = sum(m.file_size for m in members)
        max_bytes = get("xlsx_max_uncompressed_mb") * (1 << 20)
        if total > max_bytes:
            raise refuse(error, file, f"工作簿解压后 {total / (1 << 20):,.0f} MB", f"the workbook expands to {total / (1 << 20):,.0f} MB", "xlsx_max_uncompressed_mb")
        ratio = get("zip_max_ratio")
        for m in members:
            if m.file_size > (1 << 20) and m.file_size > ratio * max(m.compress_size, 1):
                raise refuse(error, file, f"部件 {m.filename} 压缩比 {m.file_size / max(m.compress_size, 1):,.0f}:1，疑为压缩炸弹",
                             f"part {m.filename} has a compression ratio of {m.file_size / max(m.compress_size, 1):,.0f}:1 (a zip bomb?)", "zip_max_ratio")
        max_cells, max_cols = get("xlsx_max_cells"), get("xlsx_max_columns")
        for m in members:
            if not (m.filename.startswith("xl/worksheets/") and m.filename.endswith(".xml")):
                continue
            claimed = _claimed(zf, m)
            fits = claimed is not None and claimed[1] <= max_cols and claimed[0] * claimed[1] <= max_cells
            if fits and m.file_size > _SCAN_BELOW:
                continue  # a large sheet that claims a sane extent: openpyxl's own reading is bounded by its size
            rows, cols = sheet_extent(zf, m)
            sheet = m.filename.rsplit("/", 1)[-1]
            if cols > max_cols or rows * cols > max_cells:
                raise refuse(error, file, f"工作表 {sheet} 实际范围达 {rows:,} 行 × {cols:,} 列",
                             f"sheet {sheet} really spans {rows:,} rows × {cols:,} columns", "xlsx_max_cells")


# --- JSON ------------------------------------------------------------------------------------------------

_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.S)


def json_depth(data: bytes) -> int:
    """Deepest nesting of [ and { outside strings, without parsing (numpy over the bracket bytes)."""
    brackets = np.frombuffer(_JSON_STRING.sub(b"", data).translate(None, _NOT_BRACKETS), dtype=np.uint8)
    if brackets.size == 0:
        return 0
    steps = np.where((brackets == 0x5B) | (brackets == 0x7B), 1, -1).astype(np.int64)
    return int(np.cumsum(steps).max())


_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


def check_json(data: bytes, file: str, error: type[BiaotongError]) -> None:
    max_bytes = get("json_max_mb") * (1 << 20)
    if len(data) > max_bytes:
        raise refuse(error, file, f"JSON 文件 {len(data) / (1 << 20):,.0f} MB", f"the JSON is {len(data) / (1 << 20):,.0f} MB", "json_max_mb")
    depth = json_depth(data)
    if depth > get("json_max_depth"):
        raise refuse(error, file, f"JSON 嵌套深达 {depth} 层", f"the JSON nests {depth} levels deep", "json_max_depth")
