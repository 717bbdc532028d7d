"""Loading source specs: a good one resolves paths and keeps secrets; each mistake names file, line and key."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from biaotong.catalog import Catalog
from biaotong.errors import SourceError
from biaotong.sources import load_source_spec

GOOD = """\
name: gaj_population
title: 公安人口信息系统
department: 公安局
entity: resident
connection:
  kind: sqlite
  url: sqlite:///systems/gaj.db
table: t_rk_jbxx
columns:
  GMSFHM: id_number
  XB: {element: sex, codes: {9: "0"}}
  CSRQ: {element: birth_date, date_format: auto}
  CUNMING: {element: org_code, org_by_name: true, parent_column: XIANGZHEN}
sync:
  mode: incremental
  updated_at: GXSJ
"""


def error_of(path: Path, catalog: Catalog) -> SourceError:
    with pytest.raises(SourceError) as info:
        load_source_spec(path, catalog)
    assert info.value.where.file == str(path.resolve())
    return info.value


def test_good_spec_resolves_paths_and_department(write_spec: Callable[..., Path], catalog: Catalog) -> None:
    path = write_spec(GOOD)
    spec = load_source_spec(path, catalog)
    assert spec.connection.url == f"sqlite:///{path.parent / 'systems' / 'gaj.db'}"
    assert spec.department == "public_security"  # the Chinese name resolved to the id
    assert spec.columns["XB"].codes == {"9": "0"}  # YAML's integer key became text
    assert spec.columns["GMSFHM"].element == "id_number"
    assert spec.source_columns() == ["GMSFHM", "XB", "CSRQ", "CUNMING", "XIANGZHEN", "GXSJ"]
    assert spec.file == path.resolve()


def test_env_reference_is_kept_unexpanded(write_spec: Callable[..., Path], catalog: Catalog,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GAJ_PASSWORD", "s3cret")
    text = GOOD.replace("kind: sqlite\n  url: sqlite:///systems/gaj.db",
                        "kind: postgresql\n  url: postgresql://gaj:${GAJ_PASSWORD}@db.example/gaj")
    spec = load_source_spec(write_spec(text), catalog)
    assert spec.connection.url == "postgresql://gaj:${GAJ_PASSWORD}@db.example/gaj"
    assert "s3cret" not in spec.model_dump_json()


def test_file_path_is_made_absolute(write_spec: Callable[..., Path], catalog: Catalog) -> None:
    path = write_spec("""\
        name: cjr
        entity: resident
        connection: {kind: csv, path: data/cjr.csv, encoding: GBK}
        columns: {身份证号: id_number}
    """)
    spec = load_source_spec(path, catalog)
    assert spec.connection.path == str(path.parent / "data" / "cjr.csv")
    assert spec.connection.encoding == "gbk"


def test_malformed_yaml_names_the_line(write_spec: Callable[..., Path], catalog: Catalog) -> None:
    path = write_spec("name: x\nentity: resident\ncolumns:\n  A: id_number\n   B: [unclosed\n")
    err = error_of(path, catalog)
    assert err.where.row in (4, 5)
    assert "YAML" in err.zh and "YAML" in err.en


def test_repeated_key_is_an_error(write_spec: Callable[..., Path], catalog: Catalog) -> None:
    text = GOOD.replace("  CSRQ:", "  XB: name\n  CSRQ:")
    err = error_of(write_spec(text), catalog)
    assert err.where.key == "columns.XB"
    assert err.where.row == 12


def test_unknown_key_suggests_the_right_one(write_spec: Callable[..., Path], catalog: Catalog) -> None:
    err = error_of(write_spec(GOOD.replace("date_format: auto", "date_fmt: auto")), catalog)
    assert err.where.key == "columns.CSRQ.date_fmt"
    assert "date_format" in err.zh and "date_format" in err.en
    assert err.where.row == 12


def test_unknown_element_with_suggestion(write_spec: Callable[..., Path], catalog: Catalog) -> None:
    err = error_of(write_spec(GOOD.replace("element: birth_date", "element: birth_dat")), catalog)
    assert err.where.key == "columns.CSRQ.element"
    assert "birth_date" in err.en and "birth_date" in err.zh
    assert err.where.row == 12


def test_element_of_another_entity(write_spec: Callable[..., Path], catalog: Catalog) -> None:
    err = error_of(write_spec(GOOD.replace("element: birth_date", "element: uscc")), catalog)
    assert err.where.key == "columns.CSRQ.element"
    assert "enterprise" in err.en and "enterprise" in err.zh


def test_missing_key_mapping(write_spec: Callable[..., Path], catalog: Catalog) -> None:
    err = error_of(write_spec(GOOD.replace("  GMSFHM: id_number\n", "")), catalog)
    assert err.where.key == "columns"
    assert "id_number" in err.en


@pytest.mark.parametrize("name", ["Gaj", "1gaj", "gaj-pop", "公安"])
def test_bad_name(write_spec: Callable[..., Path], catalog: Catalog, name: str) -> None:
    err = error_of(write_spec(GOOD.replace("name: gaj_population", f"name: {name}")), catalog)
    assert err.where.key == "name"
    assert err.where.row == 1


def test_unknown_kind_lists_known(write_spec: Callable[..., Path], catalog: Catalog) -> None:
    err = error_of(write_spec(GOOD.replace("kind: sqlite", "kind: oracle")), catalog)
    assert err.where.key == "connection.kind"
    assert "postgresql" in err.en


def test_database_needs_table_or_query(write_spec: Callable[..., Path], catalog: Catalog) -> None:
    err = error_of(write_spec(GOOD.replace("table: t_rk_jbxx\n", "")), catalog)
    assert err.where.key == "table"


def test_bad_table_name(write_spec: Callable[..., Path], catalog: Catalog) -> None:
    err = error_of(write_spec(GOOD.replace("table: t_rk_jbxx", 'table: "t; drop table x"')), catalog)
    assert err.where.key == "table"


def test_code_map_target_must_be_in_the_code_list(write_spec: Callable[..., Path], catalog: Catalog) -> None:
    err = error_of(write_spec(GOOD.replace('codes: {9: "0"}', 'codes: {9: "7"}')), catalog)
    assert err.where.key == "columns.XB.codes.9"


def test_incremental_needs_updated_at(write_spec: Callable[..., Path], catalog: Catalog) -> None:
    err = error_of(write_spec(GOOD.replace("  updated_at: GXSJ\n", "")), catalog)
    assert err.where.key == "sync.updated_at"


def test_option_on_the_wrong_element(write_spec: Callable[..., Path], catalog: Catalog) -> None:
    err = error_of(write_spec(GOOD.replace("  GMSFHM: id_number", "  GMSFHM: {element: id_number, date_format: auto}")),
                   catalog)
    assert err.where.key == "columns.GMSFHM.date_format"


def test_unknown_department(write_spec: Callable[..., Path], catalog: Catalog) -> None:
    err = error_of(write_spec(GOOD.replace("department: 公安局", "department: public_securty")), catalog)
    assert err.where.key == "department"
    assert "public_security" in err.en


def test_missing_file(tmp_path: Path, catalog: Catalog) -> None:
    err = error_of(tmp_path / "nope.yaml", catalog)
    assert "not found" in err.en
