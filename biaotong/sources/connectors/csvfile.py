"""CSV exports through pyarrow.csv: every column as text, UTF-8 (BOM or not), GBK or GB18030, with title
rows above the header skipped (`header_row`, 1-based)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.csv as pacsv

from biaotong.errors import SourceError
from biaotong.readerrors import first_ragged_row, scrub
from biaotong.sources.connectors.base import (
    Connector,
    check_columns,
    filter_watermark,
    source_where,
    take_limit,
    with_row_numbers,
)
from biaotong.workspace import expand_env

if TYPE_CHECKING:
    from biaotong.sources.spec import SourceSpec

SNIFF_BYTES = 1 << 20


def source_file(spec: SourceSpec) -> Path:
    assert spec.connection.path is not None
    path = Path(expand_env(spec.connection.path, key="connection.path"))
    if not path.is_file():
        raise SourceError(
            f"数据源 {spec.name} 的文件不存在：{path}", f"source {spec.name}: file not found: {path}",
            source_where(spec, key="connection.path"),
        )
    return path


def _encoding_error(spec: SourceSpec, path: Path, detail: str) -> SourceError:
    enc = spec.connection.encoding
    other = "gbk" if enc == "utf-8" else "utf-8"
    return SourceError(
        f"文件 {path.name} 不是 {enc} 编码（{detail}）；请在 connection.encoding 中改用 {other}",
        f"file {path.name} is not {enc}-encoded ({detail}); try connection.encoding: {other}",
        source_where(spec, key="connection.encoding"),
        details={"path": str(path)},
    )


def read_header(spec: SourceSpec, path: Path) -> list[str]:
    """The header row's names, checking that the declared encoding fits the file's first megabyte."""
    enc = spec.connection.encoding
    truncated = path.stat().st_size > SNIFF_BYTES
    raw = _head(path)
    if enc == "utf-8":
        raw = raw.removeprefix(b"\xef\xbb\xbf")
    try:
        text = raw.decode(enc)
    except UnicodeDecodeError as exc:
        if not (truncated and exc.start >= len(raw) - 4):
            raise _encoding_error(spec, path, f"byte {exc.start}") from None
        text = raw[: exc.start].decode(enc)  # a character cut by the sniff window
    if enc != "utf-8" and not raw.isascii():
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            raise _encoding_error(spec, path, "UTF-8")
    header_row = spec.connection.header_row or 1
    reader = csv.reader(io.StringIO(text), delimiter=spec.connection.delimiter)
    for i, row in enumerate(reader, start=1):
        if i == header_row:
            names = [c.strip() for c in row]
            dups = sorted({n for n in names if names.count(n) > 1 and n})
            if dups:
                raise SourceError(
                    f"表头第 {header_row} 行有重复列名：{'、'.join(dups)}", f"header row {header_row} repeats: {', '.join(dups)}",
                    source_where(spec, row=header_row, column=dups[0]),
                )
            return names
    raise SourceError(
        f"文件 {path.name} 不足 {header_row} 行，找不到表头", f"file {path.name} has fewer than {header_row} rows: no header",
        source_where(spec, key="connection.header_row"),
    )


def _head(path: Path) -> bytes:
    with path.open("rb") as fh:
        return fh.read(SNIFF_BYTES)


def _parse_error(spec: SourceSpec, path: Path, exc: Exception, header_row: int, columns: int | None) -> SourceError:
    """pyarrow's complaint, with the line it concerns and without the values it quotes (personal data)."""
    text = str(exc)
    if "UTF8" in text or "utf-8" in text or isinstance(exc, UnicodeDecodeError):
        return _encoding_error(spec, path, scrub(text))
    row = first_ragged_row(path, encoding=spec.connection.encoding, delimiter=spec.connection.delimiter,
                           expected=columns, after=header_row) if "columns" in text else None
    return SourceError(
        f"文件 {path.name} 无法解析：{scrub(text)}", f"cannot parse {path.name}: {scrub(text)}",
        source_where(spec, key="connection.path", row=row),
    )


class CSVConnector(Connector):
    kind = "csv"
    uses_path = True

    def batches(
        self, spec: SourceSpec, *, watermark: Any = None, limit: int | None = None
    ) -> Iterator[pa.RecordBatch]:
        path = source_file(spec)
        header = read_header(spec, path)
        check_columns(spec, header, path.name)
        header_row = spec.connection.header_row or 1
        wanted = spec.source_columns()
        # Blank header cells get placeholder names so pyarrow accepts them; they are never read.
        names = [n if n else f"_blank_{i}" for i, n in enumerate(header)]
        try:
            reader = pacsv.open_csv(
                path,
                read_options=pacsv.ReadOptions(
                    column_names=names, skip_rows=header_row, encoding=spec.connection.encoding, block_size=16 << 20
                ),
                parse_options=pacsv.ParseOptions(delimiter=spec.connection.delimiter, newlines_in_values=True),
                convert_options=pacsv.ConvertOptions(
                    column_types=dict.fromkeys(wanted, pa.string()), include_columns=wanted,
                    strings_can_be_null=True, quoted_strings_can_be_null=True, null_values=[""],
                ),
            )
        except (pa.ArrowInvalid, UnicodeDecodeError) as exc:  # the first block is parsed on opening
            raise _parse_error(spec, path, exc, header_row, len(names)) from None
        yield from take_limit(self._numbered(spec, path, reader, header_row + 1, watermark), limit)

    def _numbered(
        self, spec: SourceSpec, path: Path, reader: pacsv.CSVStreamingReader, first: int, watermark: Any
    ) -> Iterator[pa.RecordBatch]:
        row = first
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                return
            except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
                raise _parse_error(spec, path, exc, first - 1, None) from None
            numbered = with_row_numbers(batch, row)
            row += batch.num_rows
            if watermark is not None and spec.sync.updated_at:
                numbered = filter_watermark(numbered, spec.sync.updated_at, watermark)
            yield numbered
