"""How each value type of the standard is stored in the lake (Arrow/Parquet) and seen by DuckDB."""

import pyarrow as pa

ARROW_TYPES: dict[str, pa.DataType] = {
    "string": pa.string(),
    "code": pa.string(),
    "integer": pa.int64(),
    "decimal": pa.float64(),
    "boolean": pa.bool_(),
    "date": pa.date32(),
}

DUCKDB_TYPES: dict[str, str] = {
    "string": "VARCHAR",
    "code": "VARCHAR",
    "integer": "BIGINT",
    "decimal": "DOUBLE",
    "boolean": "BOOLEAN",
    "date": "DATE",
}

REJECT_SCHEMA = pa.schema(
    [
        ("row", pa.int64()),
        ("column", pa.string()),
        ("element", pa.string()),
        ("value", pa.string()),
        ("reason", pa.string()),
        ("reason_en", pa.string()),
        ("kind", pa.string()),
    ]
)
