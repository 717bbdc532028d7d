"""`select:` derived columns: real files of every kind and a real SQLite database, DuckDB over the Arrow
batch; forbidden or broken expressions name the file, the YAML line and the position."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

from biaotong.catalog import Catalog, OrgTree
from biaotong.errors import SourceError
from biaotong.sources import load_source_spec, test_source
from biaotong.sources.derive import SelectError, derive, parse_select

CERT_SPEC = """\
name: cl_cert
entity: resident
connection: {kind: csv, path: cl.csv, encoding: gbk}
select:
  SFZH: "substr(残疾证号, 1, 18)"
  等级: "right(残疾证号, 1)"
  类别: "CASE substr(残疾证号, 19, 1) WHEN '1' THEN '视力' WHEN '4' THEN '肢体' ELSE NULL END"
  电话: "coalesce(手机, 固话)"
  全名: "姓 || 名"
columns:
  SFZH: id_number
  残疾证号: disability_cert_no
  类别: disability_category
  等级: disability_grade
  全名: name
  电话: phone
  村: org_code
"""


def test_csv_key_cut_out_of_certificate_number(write_spec: Callable[..., Path], catalog: Catalog, org_tree: OrgTree,
                                              ids: list[str]) -> None:
    path = write_spec(CERT_SPEC)
    lines = ["残疾证号,发证日期,手机,固话,姓,名,村",
             f"{ids[0]}14,20240105,13800000000,,张,三,530102001001",
             f"{ids[1]}42,2024-13-01,,0871-1234567,李,四,530102001002",
             f"{ids[2][:10]}X,20240105,,,王,五,530102001001"]
    (path.parent / "cl.csv").write_bytes("\n".join(lines).encode("gbk"))
    preview = test_source(load_source_spec(path, catalog), catalog, org_tree)
    rows = preview.mapped.to_pylist()
    # One raw column (残疾证号) feeds four elements; one element (name, phone) comes from two columns.
    assert [(r["id_number"], r["disability_cert_no"], r["disability_category"], r["disability_grade"], r["name"],
             r["phone"]) for r in rows] == [
        (ids[0], f"{ids[0]}14", "1", "4", "张三", "13800000000"),
        (ids[1], f"{ids[1]}42", "4", "2", "李四", "0871-1234567"),
    ]
    assert [(r["row"], r["column"], r["kind"]) for r in preview.rejects.to_pylist()] == [(4, "SFZH", "row"), (4, "等级", "cell")]


@pytest.mark.parametrize("kind", ["xlsx", "json", "sqlite"])
def test_select_for_every_connector(kind: str, write_spec: Callable[..., Path], catalog: Catalog, org_tree: OrgTree,
                                    ids: list[str]) -> None:
    records = [{"ZH": f"{ids[i]}1{i}", "DZ": f"云南省昆明市五华区华山街道红旗社区{i}组"} for i in range(3)]
    folder = write_spec("x: 1", "placeholder.yaml").parent
    if kind == "xlsx":
        wb = openpyxl.Workbook()
        wb.active.append(["ZH", "DZ"])
        for r in records:
            wb.active.append([r["ZH"], r["DZ"]])
        wb.save(folder / "cl.xlsx")
        connection = "connection: {kind: xlsx, path: cl.xlsx}"
    elif kind == "json":
        (folder / "cl.json").write_text(json.dumps({"data": records}, ensure_ascii=False), encoding="utf-8")
        connection = "connection: {kind: json, path: cl.json, records: data}"
    else:
        con = sqlite3.connect(folder / "cl.db")
        con.execute("CREATE TABLE t (ZH TEXT, DZ TEXT)")
        con.executemany("INSERT INTO t VALUES (?, ?)", [(r["ZH"], r["DZ"]) for r in records])
        con.commit()
        con.close()
        connection = 'connection: {kind: sqlite, url: "sqlite:///cl.db"}\n    table: t'
    path = write_spec(f"""\
    name: cl
    entity: resident
    {connection}
    select:
      SFZH: "regexp_extract(ZH, '^(\\\\d{{17}}[\\\\dX])', 1)"
      CUN: "regexp_extract(DZ, '街道(.+?社区)', 1)"
    columns:
      SFZH: id_number
      CUN: {{element: org_code, org_by_name: true}}
    """)
    preview = test_source(load_source_spec(path, catalog), catalog, org_tree)
    assert [(r["id_number"], r["org_code"]) for r in preview.mapped.to_pylist()] == [
        (ids[i], "530102001001") for i in range(3)]
    assert preview.rejects.num_rows == 0


@pytest.mark.parametrize(("expr", "words", "position"), [
    ("read_csv('/etc/passwd')", "READ_CSV is not allowed", 1),
    ("getenv('HOME')", "getenv is not allowed", 1),
    ("current_setting('threads')", "current_setting is not allowed", 1),
    ("substr(证号, 1, 18) || (SELECT max(x) FROM other)", "may only read the batch", 22),
    ("substr(证号 1, 18)", "syntax error", 11),
    ("证号::BLOB", "cast to", 1),
    ("t.证号", "batch's own columns", 1),
])
def test_forbidden_select_names_file_line_and_position(write_spec: Callable[..., Path], catalog: Catalog,
                                                       expr: str, words: str, position: int) -> None:
    quoted = "'" + expr.replace("'", "''") + "'"
    path = write_spec(f"""\
    name: cl
    entity: resident
    connection: {{kind: csv, path: cl.csv}}
    select:
      OK: "substr(证号, 1, 18)"
      SFZH: {quoted}
    columns:
      SFZH: id_number
    """)
    with pytest.raises(SourceError) as info:
        load_source_spec(path, catalog)
    err = info.value
    assert words in err.en and err.where.file == str(path) and err.where.row == 6
    assert err.where.key == "select.SFZH" and f"character {position}" in err.en


def test_dates_case_and_a_subquery_over_the_batch() -> None:
    import datetime

    import pyarrow as pa

    table = pa.table({"n": ["1", "3", "2"], "d": ["20240105", "2024-13-01", None], "_row": [1, 2, 3]})
    out = derive(table, {"top": "n = (SELECT max(n) FROM batch)", "d": "try_strptime(d, '%Y%m%d')::date",
                         "k": "CASE WHEN n > '1' THEN 'big' END"})
    assert out.column_names == ["n", "_row", "top", "d", "k"]
    assert out.column("top").to_pylist() == [False, True, False]
    assert out.column("d").to_pylist() == [datetime.date(2024, 1, 5), None, None]
    assert out.column("k").to_pylist() == [None, "big", "big"] and out.column("_row").to_pylist() == [1, 2, 3]
    with pytest.raises(SelectError):
        parse_select("(SELECT max(n) FROM batch JOIN other ON true)")


def test_bad_value_at_run_time_names_the_source(write_spec: Callable[..., Path], catalog: Catalog,
                                                org_tree: OrgTree, ids: list[str]) -> None:
    path = write_spec("""\
    name: cl
    entity: resident
    connection: {kind: csv, path: cl.csv}
    select:
      OK: "upper(证号)"
      SFZH: "strptime(证号, '%Y')"
    columns:
      SFZH: id_number
    """)
    (path.parent / "cl.csv").write_text(f"证号\n{ids[0]}\n", encoding="utf-8")
    with pytest.raises(SourceError) as info:
        test_source(load_source_spec(path, catalog), catalog, org_tree)
    assert "try_strptime" in info.value.en and info.value.where.key == "select.SFZH"


def test_a_derived_column_may_replace_the_raw_one(write_spec: Callable[..., Path], catalog: Catalog,
                                                  org_tree: OrgTree, ids: list[str]) -> None:
    path = write_spec("""\
    name: cl
    entity: resident
    connection: {kind: csv, path: cl.csv}
    select:
      身份证: "upper(replace(身份证, '-', ''))"
    columns:
      身份证: id_number
      村: org_code
    """)
    (path.parent / "cl.csv").write_text(f"身份证,村\n{ids[4][:6]}-{ids[4][6:].lower()},530102001001\n", encoding="utf-8")
    assert [r["id_number"] for r in test_source(load_source_spec(path, catalog), catalog, org_tree).mapped.to_pylist()
            ] == [ids[4]]
