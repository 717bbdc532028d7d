"""A small, hand-countable population in real Parquet files, queried through real DuckDB views.

Villages V1 and V2 belong to township T; period end 2024-12-31 unless a test says otherwise.

| who | village | sex | birth (id birth) | household | notes                                         |
|-----|---------|-----|------------------|-----------|-----------------------------------------------|
| A   | V1      | 女  | 1964-12-31       | H1        | exactly 60 on 2024-12-31                      |
| B   | V1      | 男  | 1965-01-01       | H1        | 59                                            |
| C   | V1      | 女  | 1960-02-29       | H1        | 64                                            |
| D   | V1      | 女  | 1950-05-05       | H1        | died 2024-06-15 (before the end)              |
| E   | V1      | 男  | 1940-01-01       | H1        | died 2025-01-10 (after the end): still counted |
| F   | V2      | 女  | NULL (1958-07-07)| H1        | no birth_date: age 66 from the ID; lives in V2, household in V1 |
| G   | V2      | 男  | 1980-03-03       | H2        | deregistered 2024-03-01                       |
| H   | V2      | 女  | 1985-08-08       | H2        | registered 2025-02-01 (after the end)         |
| I   | V2      | 女  | 1990-01-01       | H2        | disability grade 1, assistance category 1, 500.5 |
| J   | V2      | 男  | 2010-06-30       | H2        | disability grade 3                            |
| K   | V1      | 女  | 2004-02-29       | H3        | born on 29 February                           |

Households: H1 (V1, safe water), H2 (V2, unsafe water), H3 (V1, unknown).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from biaotong.catalog import Catalog, load_catalog

V1, V2, T, C = "500101001001", "500101001002", "500101001000", "500101000000"
START, END = date(2024, 1, 1), date(2024, 12, 31)


def cid(birth: str, seq: int) -> str:
    """An 18-digit citizen ID (check digit not computed: the compiler only reads digits 7-17)."""
    return f"500101{birth}{seq:03d}X"


RESIDENTS = [
    # name, org, sex, birth, id-birth, household, death, deregistered, registered, grade, amount
    ("A", V1, "2", date(1964, 12, 31), "19641231", "H1", None, None, None, None, None),
    ("B", V1, "1", date(1965, 1, 1), "19650101", "H1", None, None, None, None, None),
    ("C", V1, "2", date(1960, 2, 29), "19600229", "H1", None, None, None, None, None),
    ("D", V1, "2", date(1950, 5, 5), "19500505", "H1", date(2024, 6, 15), None, None, None, None),
    ("E", V1, "1", date(1940, 1, 1), "19400101", "H1", date(2025, 1, 10), None, None, None, None),
    ("F", V2, "2", None, "19580707", "H1", None, None, None, None, None),
    ("G", V2, "1", date(1980, 3, 3), "19800303", "H2", None, date(2024, 3, 1), None, None, None),
    ("H", V2, "2", date(1985, 8, 8), "19850808", "H2", None, None, date(2025, 2, 1), None, None),
    ("I", V2, "2", date(1990, 1, 1), "19900101", "H2", None, None, date(1990, 1, 5), "1", 500.5),
    ("J", V2, "1", date(2010, 6, 30), "20100630", "H2", None, None, None, "3", None),
    ("K", V1, "2", date(2004, 2, 29), "20040229", "H3", None, None, None, None, None),
]


def _residents() -> pa.Table:
    cols = list(zip(*RESIDENTS, strict=True))
    seqs = range(1, len(RESIDENTS) + 1)
    # odd 17th digit = male, even = female, like real IDs
    ids = [cid(b, s * 2 + (1 if sex == "1" else 0)) for b, s, sex in zip(cols[4], seqs, cols[2], strict=True)]
    return pa.table(
        {
            "id_number": pa.array(ids, pa.string()),
            "name": pa.array(cols[0], pa.string()),
            "org_code": pa.array(cols[1], pa.string()),
            "sex": pa.array(cols[2], pa.string()),
            "birth_date": pa.array(cols[3], pa.date32()),
            "household_id": pa.array(cols[5], pa.string()),
            "death_date": pa.array(cols[6], pa.date32()),
            "deregistered_date": pa.array(cols[7], pa.date32()),
            "registered_date": pa.array(cols[8], pa.date32()),
            "disability_grade": pa.array(cols[9], pa.string()),
            "assistance_amount": pa.array(cols[10], pa.float64()),
            "assistance_category": pa.array(["1" if a is not None else None for a in cols[10]], pa.string()),
        }
    )


def _households() -> pa.Table:
    return pa.table(
        {
            "household_id": ["H1", "H2", "H3"],
            "org_code": [V1, V2, V1],
            "drinking_water_safe": pa.array([True, False, None], pa.bool_()),
        }
    )


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="session")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("lake")
    pq.write_table(_residents(), d / "resident.parquet")
    pq.write_table(_households(), d / "household.parquet")
    pq.write_table(
        pa.table({"org_code": [V1, V2], "township_code": [T, T], "county_code": [C, C]}), d / "org.parquet"
    )
    return d


@pytest.fixture
def con(lake: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    c = duckdb.connect()
    for name in ("resident", "household", "org"):
        c.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{lake / name}.parquet')")
    try:
        yield c
    finally:
        c.close()


def by_org(con: duckdb.DuckDBPyConnection, sql: str) -> dict[str, dict[str, object]]:
    cur = con.execute(sql)
    names = [d[0] for d in cur.description]
    return {row[names.index("org_code")]: dict(zip(names, row, strict=True)) for row in cur.fetchall()}
