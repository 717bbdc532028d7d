"""What pyarrow, DuckDB and openpyxl say about a user's file, kept to where and what kind — never the values.

Their messages quote the offending text ("Expected 2 columns, got 4: 530102195001010012,李四,…", "Could not
convert string '张三' to INT64"), which may be personal data; these helpers keep the position and the kind of
problem and drop every quoted or trailing value.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
_TRAILING_VALUE = re.compile(r"(got \d+ columns?|Expected \d+ columns?, got \d+)\s*:.*$", re.S)
_ROW = re.compile(r"(?:\brow\b|\bline\b|Row #)\s*#?\s*(\d+)", re.I)
_COLUMN = re.compile(r"\bcolumn\s+['\"]?([^'\"\s:,]+)", re.I)


def scrub(text: str) -> str:
    """The first line of a library's message, without the values it quotes."""
    first = (text.strip().splitlines() or [""])[0]
    first = _TRAILING_VALUE.sub(lambda m: m.group(1), first)
    return _QUOTED.sub("…", first)[:300]


def position(text: str) -> tuple[int | None, str | None]:
    """(row, column) a library's message names, if any."""
    row = _ROW.search(text)
    col = _COLUMN.search(text)
    return (int(row.group(1)) if row else None, col.group(1) if col else None)


def first_ragged_row(
    path: Path, *, encoding: str, delimiter: str, expected: int | None = None, after: int = 1
) -> int | None:
    """The 1-based line of the first CSV record after line `after` (the header) whose field count differs
    from `expected` (default: the header's): pyarrow does not say which one when newlines are allowed inside
    values."""
    try:
        with path.open(encoding=encoding, errors="replace", newline="") as fh:
            reader = csv.reader(fh, delimiter=delimiter)
            for record in reader:
                if reader.line_num <= after:
                    expected = len(record) if expected is None and reader.line_num == after else expected
                elif len(record) != expected:
                    return reader.line_num
    except (OSError, csv.Error, LookupError):
        return None
    return None
