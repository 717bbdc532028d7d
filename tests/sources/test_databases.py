"""SQLite files, and PostgreSQL and MariaDB servers, read through Arrow: table or query, incremental
watermark, identifier quoting, and clear errors for a missing column or a refused connection."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pymysql
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from biaotong.catalog import Catalog
from biaotong.errors import SourceError
from biaotong.sources import (
    decode_watermark,
    encode_watermark,
    load_source_spec,
    open_connector,
    read_mapped,
    test_source,
)
from biaotong.store import normalize_url

ROWS = [  # id index, name, sex, birth, village code, updated
    (0, "张三", "男", "19500110", "530102001001", datetime(2025, 1, 1, 9)),
    (1, "李四", "2", "1951-02-11", "530102001002", datetime(2025, 2, 1, 9)),
    (2, "王五", "女", "1952/3/12", "530102002001", datetime(2025, 3, 1, 9)),
]

SEX = {"男": "1", "2": "2", "女": "2"}

SPEC = """\
name: gaj
entity: resident
connection: {{kind: {kind}, url: "{url}"}}
{source}
columns:
  GMSFHM: id_number
  "XM 姓名": name
  XB: sex
  CSRQ: birth_date
  CUNDM: org_code
sync: {{mode: incremental, updated_at: GXSJ}}
"""


def spec_text(kind: str, url: str, source: str) -> str:
    return SPEC.format(kind=kind, url=url, source=source)


def check_full_and_incremental(spec_path: Path, catalog: Catalog, ids: list[str]) -> None:
    spec = load_source_spec(spec_path, catalog)
    preview = test_source(spec, catalog, None)
    assert preview.rejects.num_rows == 0, preview.rejects.to_pylist()
    assert preview.mapped.select(["id_number", "name", "sex", "org_code", "_row"]).to_pylist() == [
        {"id_number": ids[i], "name": n, "sex": SEX[s], "org_code": c, "_row": k + 1}
        for k, (i, n, s, _b, c, _u) in enumerate(ROWS)
    ]
    assert [str(d) for d in preview.mapped["birth_date"].to_pylist()] == ["1950-01-10", "1951-02-11", "1952-03-12"]
    stored = encode_watermark(datetime(2025, 1, 15))
    parts = list(read_mapped(spec, catalog, None, watermark=decode_watermark(stored)))
    assert [r for p in parts for r in p.mapped["id_number"].to_pylist()] == [ids[1], ids[2]]
    assert str(parts[-1].watermark).startswith("2025-03-01")
    limited = list(open_connector(spec.connection.kind).batches(spec, limit=1))
    assert sum(b.num_rows for b in limited) == 1


# ── SQLite ──────────────────────────────────────────────────────────────────────────────────────────
@pytest.fixture
def sqlite_db(tmp_path: Path, ids: list[str]) -> Path:
    path = tmp_path / "systems" / "gaj.db"
    path.parent.mkdir()
    with sqlite3.connect(path) as db:
        db.execute('CREATE TABLE "t_rk" (GMSFHM TEXT, "XM 姓名" TEXT, XB, CSRQ, CUNDM, GXSJ TEXT, BZ TEXT)')
        db.executemany('INSERT INTO "t_rk" VALUES (?, ?, ?, ?, ?, ?, ?)', [
            (ids[i], n, s, b, c, u.isoformat(sep=" "), "50% 以上") for i, n, s, b, c, u in ROWS])
    return path


def test_sqlite_table(write_spec: Callable[..., Path], catalog: Catalog, sqlite_db: Path, ids: list[str]) -> None:
    path = write_spec(spec_text("sqlite", "sqlite:///systems/gaj.db", "table: t_rk"))
    check_full_and_incremental(path, catalog, ids)


def test_sqlite_query_with_percent_and_mixed_types(write_spec: Callable[..., Path], catalog: Catalog,
                                                   sqlite_db: Path, ids: list[str]) -> None:
    with sqlite3.connect(sqlite_db) as db:  # SQLite lets one column hold integers and text
        db.execute("UPDATE t_rk SET CSRQ = 19500110 WHERE GMSFHM = ?", (ids[0],))
    query = "query: \"SELECT * FROM t_rk WHERE BZ LIKE '%以上'\""
    check_full_and_incremental(write_spec(spec_text("sqlite", "sqlite:///systems/gaj.db", query)), catalog, ids)


def test_sqlite_missing_column(write_spec: Callable[..., Path], catalog: Catalog, sqlite_db: Path) -> None:
    path = write_spec(spec_text("sqlite", "sqlite:///systems/gaj.db", "table: t_rk").replace("  XB: sex", "  XBB: sex"))
    with pytest.raises(SourceError) as info:
        list(open_connector("sqlite").batches(load_source_spec(path, catalog)))
    assert info.value.where.column == "XBB"
    assert info.value.where.key == "columns.XBB"
    assert "XB" in info.value.details["available"]


def test_sqlite_missing_file(write_spec: Callable[..., Path], catalog: Catalog) -> None:
    path = write_spec(spec_text("sqlite", "sqlite:///systems/none.db", "table: t_rk"))
    with pytest.raises(SourceError) as info:
        list(open_connector("sqlite").batches(load_source_spec(path, catalog)))
    assert "none.db" in info.value.en
    assert not (path.parent / "systems" / "none.db").exists()  # never created by reading


def test_query_must_be_one_select(write_spec: Callable[..., Path], catalog: Catalog, sqlite_db: Path) -> None:
    path = write_spec(spec_text("sqlite", "sqlite:///systems/gaj.db", 'query: "DELETE FROM t_rk"'))
    with pytest.raises(SourceError) as info:
        list(open_connector("sqlite").batches(load_source_spec(path, catalog)))
    assert info.value.where.key == "query"
    with sqlite3.connect(sqlite_db) as db:
        assert db.execute("SELECT count(*) FROM t_rk").fetchone()[0] == 3


# ── PostgreSQL ──────────────────────────────────────────────────────────────────────────────────────
@pytest.fixture
def pg_table(pg_url: str, ids: list[str]) -> Iterator[str]:
    schema = f"bt_src_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(normalize_url(pg_url))
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        conn.execute(sa.text(
            f'CREATE TABLE "{schema}"."t_rk" ("GMSFHM" text, "XM 姓名" text, "XB" int, "CSRQ" date,'
            ' "CUNDM" bigint, "GXSJ" timestamp)'))
        for i, n, s, b, c, u in ROWS:
            conn.execute(sa.text(f'INSERT INTO "{schema}"."t_rk" VALUES (:a, :b, :c, :d, :e, :f)'), {
                "a": ids[i], "b": n, "c": 1 if s == "男" else 2, "d": b.replace("/", "-") if "-" in b or "/" in b
                else f"{b[:4]}-{b[4:6]}-{b[6:]}", "e": int(c), "f": u})
    try:
        yield f"{schema}.t_rk"
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


@pytest.mark.pg
def test_postgresql_table(write_spec: Callable[..., Path], catalog: Catalog, pg_url: str, pg_table: str,
                          ids: list[str]) -> None:
    path = write_spec(spec_text("postgresql", pg_url, f"table: {pg_table}"))
    check_full_and_incremental(path, catalog, ids)
    batch = next(open_connector("postgresql").batches(load_source_spec(path, catalog)))
    assert batch.schema.field("CSRQ").type == pa.date32()  # native types arrive through ADBC


@pytest.mark.pg
def test_postgresql_url_from_environment(write_spec: Callable[..., Path], catalog: Catalog, pg_url: str,
                                         pg_table: str, ids: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BT_TEST_PG", pg_url)
    query = f'query: "SELECT * FROM {pg_table} WHERE \\"XB\\" IN (1, 2)"'
    check_full_and_incremental(write_spec(spec_text("postgresql", "${BT_TEST_PG}", query)), catalog, ids)


def test_refused_connection_hides_password(write_spec: Callable[..., Path], catalog: Catalog) -> None:
    for kind, url in [("postgresql", "postgresql://gaj:s3cret@127.0.0.1:1/gaj"),
                      ("mysql", "mysql://gaj:s3cret@127.0.0.1:1/gaj")]:
        path = write_spec(spec_text(kind, url, "table: t_rk"))
        with pytest.raises(SourceError) as info:
            list(open_connector(kind).batches(load_source_spec(path, catalog)))
        err = info.value
        assert "s3cret" not in err.zh and "s3cret" not in err.en and "s3cret" not in str(err.details)
        assert "gaj" in err.en and "127.0.0.1:1" in err.en
        assert err.where.key == "connection.url"


# ── MariaDB / MySQL ─────────────────────────────────────────────────────────────────────────────────
@pytest.fixture
def mysql_table(mysql_url: str, ids: list[str]) -> Iterator[str]:
    table = f"bt_src_{uuid.uuid4().hex[:10]}"
    u = make_url(mysql_url)
    conn = pymysql.connect(host=u.host, port=u.port or 3306, user=u.username, password=u.password or "",
                           database=u.database, charset="utf8mb4", autocommit=True)
    with conn.cursor() as cur:
        cur.execute(f"CREATE TABLE `{table}` (GMSFHM varchar(18), `XM 姓名` varchar(20), XB varchar(4), CSRQ varchar(10),"
                    " CUNDM decimal(12,0), GXSJ datetime, JE decimal(10,2))")
        cur.executemany(f"INSERT INTO `{table}` VALUES (%s, %s, %s, %s, %s, %s, %s)",
                        [(ids[i], n, s, b, c, u_, "12.50") for i, n, s, b, c, u_ in ROWS])
    try:
        yield table
    finally:
        with conn.cursor() as cur:
            cur.execute(f"DROP TABLE `{table}`")
        conn.close()


@pytest.mark.mysql
def test_mysql_table(write_spec: Callable[..., Path], catalog: Catalog, mysql_url: str, mysql_table: str,
                     ids: list[str]) -> None:
    path = write_spec(spec_text("mysql", mysql_url, f"table: {mysql_table}"))
    check_full_and_incremental(path, catalog, ids)
    batch = next(open_connector("mysql").batches(load_source_spec(path, catalog)))
    assert batch.schema.field("GXSJ").type == pa.timestamp("us")


@pytest.mark.mysql
def test_mysql_query_with_percent(write_spec: Callable[..., Path], catalog: Catalog, mysql_url: str,
                                  mysql_table: str, ids: list[str]) -> None:
    query = f"query: \"SELECT * FROM {mysql_table} WHERE `XM 姓名` LIKE '%' AND JE > 10\""
    check_full_and_incremental(write_spec(spec_text("mysql", mysql_url, query)), catalog, ids)
