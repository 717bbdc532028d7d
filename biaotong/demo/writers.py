"""Bulk writers: SQLite and PostgreSQL through ADBC ingest, CSV through pyarrow, deterministic xlsx."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterable
from pathlib import Path
from xml.sax.saxutils import escape

import pyarrow as pa
import pyarrow.csv as pacsv

FIXED_ZIP_TIME = (2025, 6, 30, 8, 0, 0)


def write_sqlite(path: Path, tables: dict[str, pa.Table], indexes: Iterable[tuple[str, str]] = ()) -> None:
    import adbc_driver_sqlite.dbapi as adbc

    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.unlink()
    with adbc.connect(str(path)) as conn:
        with conn.cursor() as cur:
            for name, table in tables.items():
                cur.adbc_ingest(name, table, mode="create")
            for table_name, column in indexes:
                cur.execute(f'CREATE INDEX "ix_{table_name}_{column}" ON "{table_name}" ("{column}")')
        conn.commit()


def write_postgres(url: str, schema: str, tables: dict[str, pa.Table]) -> None:
    import adbc_driver_postgresql.dbapi as adbc

    with adbc.connect(url) as conn:
        with conn.cursor() as cur:
            cur.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
            for name in tables:
                cur.execute(f'DROP TABLE IF EXISTS "{schema}"."{name}"')
            conn.commit()
            for name, table in tables.items():
                cur.adbc_ingest(name, table, mode="create", db_schema_name=schema)
        conn.commit()


def csv_bytes(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pacsv.write_csv(table, sink, pacsv.WriteOptions(quoting_style="needed"))
    return sink.getvalue()


def write_csv(path: Path, table: pa.Table, encoding: str = "utf-8") -> None:
    data = csv_bytes(table)
    if encoding.lower().replace("-", "") not in ("utf8",):
        data = data.decode("utf-8").encode(encoding)
    path.write_bytes(data)


def _col_letters(n: int) -> list[str]:
    out = []
    for i in range(1, n + 1):
        s, k = "", i
        while k:
            k, r = divmod(k - 1, 26)
            s = chr(65 + r) + s
        out.append(s)
    return out


def xlsx_rows_xml(rows: list[list[object]], first_row: int, date_style: str) -> str:
    """SpreadsheetML <row> elements for plain values (str, int, float, date, None), as openpyxl's write-only
    mode writes them (inline strings), but about twenty times faster than building cell objects."""
    width = max((len(r) for r in rows), default=0)
    cols = _col_letters(width)
    epoch = dt.date(1899, 12, 30)
    parts: list[str] = []
    for offset, row in enumerate(rows):
        r = first_row + offset
        cells = []
        for c, v in enumerate(row):
            if v is None:
                continue
            ref = f"{cols[c]}{r}"
            if isinstance(v, str):
                space = ' xml:space="preserve"' if v != v.strip() else ""
                cells.append(f'<c r="{ref}" t="inlineStr"><is><t{space}>{escape(v)}</t></is></c>')
            elif isinstance(v, dt.date):
                cells.append(f'<c r="{ref}" s="{date_style}" t="n"><v>{(v - epoch).days}</v></c>')
            else:
                cells.append(f'<c r="{ref}" t="n"><v>{v}</v></c>')
        parts.append(f'<row r="{r}">{"".join(cells)}</row>')
    return "".join(parts)


DATE_STYLE_PLACEHOLDER = "@DATE_STYLE@"


def inject_rows(path: Path, sheet_xml: str, rows_xml: str, date_cell: str) -> None:
    """Append rows to a worksheet of a saved workbook (before </sheetData>), then normalise the zip.
    Date cells of rows_xml (written with DATE_STYLE_PLACEHOLDER) take the style of the date cell `date_cell`."""
    with zipfile.ZipFile(path) as zin:
        items = [(info.filename, zin.read(info.filename)) for info in zin.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in items:
            if name == sheet_xml:
                text = data.decode("utf-8")
                style = re.search(rf'<c r="{date_cell}" s="(\d+)"', text)
                if style is None:
                    raise ValueError(f"no styled date cell {date_cell} in {sheet_xml}")
                rows_xml = rows_xml.replace(DATE_STYLE_PLACEHOLDER, style.group(1))
                cut = text.index("</sheetData>")
                data = (text[:cut] + rows_xml + text[cut:]).encode("utf-8")
            elif name == "docProps/core.xml":  # openpyxl stamps the save time; keep the file reproducible
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2025-07-03T09:00:00Z", data)
            info = zipfile.ZipInfo(name, date_time=FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            zout.writestr(info, data)
