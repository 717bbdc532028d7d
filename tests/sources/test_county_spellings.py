"""What a county's systems write that the first county did not: 民族乡 by their short names (塘坝乡 for
塘坝水族乡), addresses whose township has no suffix, yyyymmdd dates kept as numbers (SQLite INTEGER/REAL,
Excel numbers), one raw column setting two elements with codes for one of them only, and the household
relationship words departments write (户主, 配偶, 子女) — on real CSV, SQLite and .xlsx files."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from biaotong.catalog import Catalog, OrgTree, OrgUnit, make_citizen_id
from biaotong.catalog.orgnames import base_name, resolve_address, resolve_detail
from biaotong.sources import load_source_spec, test_source

# 贵州省 › 黔南州 › 清溪县: 塘坝水族乡 (a 民族乡), 坝固镇, 城关街道, 清溪镇; 新寨村 under 坝固镇 and under 塘坝水族乡.
UNITS = [
    OrgUnit("520000000000", "贵州省", "province", None),
    OrgUnit("522700000000", "黔南州", "city", "520000000000"),
    OrgUnit("522799000000", "清溪县", "county", "522700000000"),
    OrgUnit("522799100000", "坝固镇", "township", "522799000000"),
    OrgUnit("522799101000", "塘坝水族乡", "township", "522799000000"),
    OrgUnit("522799102000", "城关街道", "township", "522799000000"),
    OrgUnit("522799104000", "清溪镇", "township", "522799000000"),  # named like the county
    OrgUnit("522799100201", "新寨村", "village", "522799100000"),
    OrgUnit("522799101201", "新寨村", "village", "522799101000"),
    OrgUnit("522799101202", "和平村", "village", "522799101000"),
    OrgUnit("522799102201", "东门社区", "village", "522799102000"),
]
IDS = [make_citizen_id("522799", date(1970, 1, 1 + i), i) for i in range(6)]


@pytest.fixture(scope="module")
def county() -> OrgTree:
    return OrgTree(UNITS, on=date(2025, 6, 30))


@pytest.mark.parametrize(("name", "base"), [
    ("塘坝水族乡", "塘坝"), ("三都水族布依族镇", "三都"), ("大寨民族乡", "大寨"), ("和平民族镇", "和平"),
    ("回族乡", "回族"),  # a base name is never emptied
])
def test_ethnic_groups_are_part_of_the_suffix(name: str, base: str) -> None:
    assert base_name(name) == base


@pytest.mark.parametrize(("name", "code"), [
    ("塘坝乡", "522799101000"), ("塘坝", "522799101000"), ("塘坝镇", "522799101000"), ("城关镇", "522799102000"),
])
def test_township_by_short_name_with_another_suffix(county: OrgTree, name: str, code: str) -> None:
    found = resolve_detail(county, name, None, None, "township", 85.0)
    assert (found.code, found.outcome) == (code, "base")
    # As the parent of a village given in the same row as well.
    village = "新寨村委会" if code == "522799101000" else "东门社区居委会"
    assert resolve_detail(county, village, name, None, "village", 85.0).code == {
        "522799101000": "522799101201", "522799102000": "522799102201"}[code]


def test_short_name_fitting_two_kinds_is_ambiguous() -> None:
    tree = OrgTree([*UNITS, OrgUnit("522799103000", "塘坝镇", "township", "522799000000")], on=date(2025, 6, 30))
    assert resolve_detail(tree, "塘坝镇", None, None, "township", 85.0).outcome == "exact"
    assert resolve_detail(tree, "塘坝水族乡", None, None, "township", 85.0).outcome == "exact"
    found = resolve_detail(tree, "塘坝乡", None, None, "township", 85.0)  # the base fits both: never guessed
    assert found.code is None and found.outcome == "ambiguous"
    assert found.candidates == ("塘坝水族乡(522799101000)", "塘坝镇(522799103000)")


@pytest.mark.parametrize(("address", "code"), [
    ("贵州省黔南州清溪县坝固新寨村2组", "522799100201"),
    ("清溪县塘坝新寨村村民委员会5组", "522799101201"),
    ("清溪县塘坝乡新寨村1组", "522799101201"),
])
def test_address_township_without_suffix(county: OrgTree, address: str, code: str) -> None:
    found = resolve_address(county, address)
    assert (found.code, found.outcome) == (code, "address")


def test_address_without_any_township_stays_ambiguous(county: OrgTree) -> None:
    found = resolve_address(county, "清溪县新寨村3组")
    assert found.outcome == "ambiguous" and found.candidates == ("新寨村(522799100201)", "新寨村(522799101201)")


def test_places_of_a_csv_source(write_spec: Callable[..., Path], catalog: Catalog, county: OrgTree) -> None:
    path = write_spec("""\
    name: wj
    entity: resident
    connection: {kind: csv, path: wj.csv}
    columns:
      ZJHM: id_number
      SSCWH: {element: org_code, org_by_name: true, parent_column: SSXZ}
    """)
    rows = [("塘坝乡", "新寨村委会"), ("坝固", "新寨村"), ("城关镇", "东门社区居委会"), ("火星乡", "新寨村")]
    (path.parent / "wj.csv").write_text(
        "ZJHM,SSXZ,SSCWH\n" + "".join(f"{i},{t},{v}\n" for i, (t, v) in zip(IDS, rows, strict=False)), encoding="utf-8")
    preview = test_source(load_source_spec(path, catalog), catalog, county)
    assert preview.mapped["org_code"].to_pylist() == ["522799101201", "522799100201", "522799102201"]
    assert [(r["row"], r["kind"], r["reason_en"]) for r in preview.rejects.to_pylist()] == [
        (5, "row", "no unit named 火星乡 (the parent given in the row)")]


def test_yyyymmdd_numbers_from_sqlite(write_spec: Callable[..., Path], catalog: Catalog) -> None:
    path = write_spec("""\
    name: jtys
    entity: resident
    connection: {kind: sqlite, url: "sqlite:///wj.db"}
    table: QY
    columns:
      ZJHM: id_number
      QYRQ: {element: family_doctor_sign_date, date_format: auto}
    """)
    with sqlite3.connect(path.parent / "wj.db") as db:
        # REAL is what pandas writes for an integer column with gaps; INTEGER what a system declares.
        db.execute("CREATE TABLE QY (ZJHM TEXT, QYRQ REAL)")
        db.executemany("INSERT INTO QY VALUES (?, ?)", [(IDS[0], 20230512), (IDS[1], None), (IDS[2], 20250131.0)])
        db.execute("CREATE TABLE QY2 (ZJHM TEXT, QYRQ INTEGER)")
        db.executemany("INSERT INTO QY2 VALUES (?, ?)", [(IDS[0], 20230512), (IDS[1], 20230230)])
    preview = test_source(load_source_spec(path, catalog), catalog, None)
    assert preview.ok, preview.rejects.to_pylist()
    assert [str(d) for d in preview.mapped["family_doctor_sign_date"].to_pylist()] == [
        "2023-05-12", "None", "2025-01-31"]
    path.write_text(path.read_text(encoding="utf-8").replace("table: QY", "table: QY2"), encoding="utf-8")
    preview = test_source(load_source_spec(path, catalog), catalog, None)
    assert [str(d) for d in preview.mapped["family_doctor_sign_date"].to_pylist()] == ["2023-05-12", "None"]
    assert [(r["row"], r["kind"]) for r in preview.rejects.to_pylist()] == [(2, "cell")]  # no 30 February


def test_yyyymmdd_numbers_from_excel(write_spec: Callable[..., Path], catalog: Catalog) -> None:
    path = write_spec("""\
    name: qy
    entity: resident
    connection: {kind: xlsx, path: qy.xlsx}
    columns:
      身份证号: id_number
      签约日期: family_doctor_sign_date
    """)
    wb = openpyxl.Workbook()
    wb.active.append(["身份证号", "签约日期"])
    for i, value in enumerate([20230512.0, 20250131, 45352, "2024-03-01"]):
        wb.active.append([IDS[i], value])
    wb.save(path.parent / "qy.xlsx")
    preview = test_source(load_source_spec(path, catalog), catalog, None)
    assert preview.ok, preview.rejects.to_pylist()
    assert [str(d) for d in preview.mapped["family_doctor_sign_date"].to_pylist()] == [
        "2023-05-12", "2025-01-31", "2024-03-01", "2024-03-01"]


def test_one_to_many_codes_and_relationship_words(write_spec: Callable[..., Path], catalog: Catalog) -> None:
    path = write_spec("""\
    name: mz
    entity: resident
    connection: {kind: csv, path: mz.csv}
    columns:
      sfzh: id_number
      jzlx: assistance_category
      城乡: {element: hukou_type, column: jzlx, codes: {城市低保: "2", 农村低保: "1"}}
      yhzgx: relationship
    """)
    kinds = ["城市低保", "农村低保", "特困供养", "低保边缘", "火星救助"]
    relations = ["户主", "配偶", "子女", "父母", "孙子女"]
    (path.parent / "mz.csv").write_text("sfzh,jzlx,yhzgx\n" + "".join(
        f"{i},{k},{r}\n" for i, k, r in zip(IDS, kinds, relations, strict=False)), encoding="utf-8")
    preview = test_source(load_source_spec(path, catalog), catalog, None)
    assert preview.mapped["hukou_type"].to_pylist() == ["2", "1", None, None, None]
    assert preview.mapped["relationship"].to_pylist() == ["02", "10", "20", "50", "40"]
    # Only the element named after the raw column says that 火星救助 is no 救助类别; 城乡 stays quiet.
    assert [(r["row"], r["column"], r["kind"]) for r in preview.rejects.to_pylist()] == [(6, "jzlx", "cell")]
