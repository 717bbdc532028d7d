"""Places by name at every level: townships by their short names, villages under the township given in the
same row, free address text, former names (effective-dated versions), and ambiguity rejected with its
candidates — on a real GBK CSV through a real workspace sync as well."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from biaotong.auth.actor import Actor
from biaotong.catalog import Catalog, OrgTree, OrgUnit, import_org_tree, make_citizen_id
from biaotong.catalog.orgnames import resolve_address, resolve_detail
from biaotong.sources import load_source_spec, test_source
from biaotong.workspace import Workspace

OLD = date(2015, 1, 1)
RENAMED = date(2020, 1, 1)
# 重庆市 › 秀山县: 东风镇 and 东风社区 share a base name; 新华村 exists under two townships; 隘口乡 became
# 隘口镇 in 2015 and 穷山村 became 富裕村 in 2020 (the same codes, new versions).
UNITS = [
    OrgUnit("500000000000", "重庆市", "province", None),
    OrgUnit("500241000000", "秀山县", "county", "500000000000"),
    OrgUnit("500241100000", "清溪场镇", "township", "500241000000"),
    OrgUnit("500241101000", "东风镇", "township", "500241000000"),
    OrgUnit("500241102000", "平凯街道", "township", "500241000000", aliases=("平凯街道办事处",)),
    OrgUnit("500241103000", "隘口乡", "township", "500241000000", valid_to=OLD),
    OrgUnit("500241103000", "隘口镇", "township", "500241000000", valid_from=OLD),
    OrgUnit("500241100201", "新华村", "village", "500241100000"),
    OrgUnit("500241100202", "东风社区", "village", "500241100000"),
    OrgUnit("500241101201", "新华村", "village", "500241101000"),
    OrgUnit("500241102201", "凤凰社区", "village", "500241102000"),
    OrgUnit("500241103201", "坝芒村", "village", "500241103000"),
    OrgUnit("500241103202", "穷山村", "village", "500241103000", valid_to=RENAMED),
    OrgUnit("500241103202", "富裕村", "village", "500241103000", valid_from=RENAMED),
]


@pytest.fixture(scope="module")
def county() -> OrgTree:
    return OrgTree(UNITS, on=date(2025, 6, 30))


@pytest.mark.parametrize(("name", "level", "code", "outcome"), [
    ("清溪场", "township", "500241100000", "base"),
    ("清溪场镇人民政府", "township", "500241100000", "base"),
    ("东风", "township", "500241101000", "base"),  # not 东风社区: the column is at township level
    ("平凯街道办事处", "township", "500241102000", "alias"),
    ("平凯办事处", "township", "500241102000", "base"),
    ("隘口乡", "township", "500241103000", "base"),  # its name before 2015: same base name 隘口
    ("东风镇", None, "500241101000", "exact"),  # a suffix says which kind of unit is meant
    ("东风社区", None, "500241100202", "exact"),
    ("东风社区居民委员会", None, "500241100202", "base"),
    ("凤凰社区居委会", "village", "500241102201", "base"),
    ("穷山村", "village", "500241103202", "former_name"),
    ("富裕村民委员会", "village", "500241103202", "base"),
])
def test_names_at_every_level(county: OrgTree, name: str, level: str | None, code: str, outcome: str) -> None:
    found = resolve_detail(county, name, None, None, level, 85.0)
    assert (found.code, found.outcome) == (code, outcome)


def test_ambiguous_names_are_rejected_with_candidates(county: OrgTree) -> None:
    found = resolve_detail(county, "东风", None, None, None, 85.0)
    assert found.code is None and found.outcome == "ambiguous"
    assert found.candidates == ("东风社区(500241100202)", "东风镇(500241101000)")
    found = resolve_detail(county, "新华村", None, None, "village", 85.0)
    assert found.outcome == "ambiguous" and len(found.candidates) == 2
    # The township in the same row settles it, given by its short name or its code.
    assert resolve_detail(county, "新华村委会", "东风", None, "village", 85.0).code == "500241101201"
    assert resolve_detail(county, "新华", "500241100000", None, "village", 85.0).code == "500241100201"
    assert resolve_detail(county, "新华村", "火星镇", None, "village", 85.0).outcome == "parent_not_found"


@pytest.mark.parametrize(("address", "code"), [
    ("重庆市秀山县清溪场镇新华村2组", "500241100201"),
    ("秀山县东风镇新华村村民委员会5组12号", "500241101201"),
    ("清溪场镇东风社区3组", "500241100202"),
    ("重庆市秀山县平凯街道办事处凤凰社区居委会", "500241102201"),
    ("秀山县隘口乡坝芒村1组", "500241103201"),  # the township's name before 2015
    ("隘口镇穷山村", "500241103202"),  # the village's name before 2020
])
def test_places_inside_address_text(county: OrgTree, address: str, code: str) -> None:
    found = resolve_address(county, address)
    assert (found.code, found.outcome) == (code, "address")


def test_address_without_township_is_ambiguous_or_unknown(county: OrgTree) -> None:
    found = resolve_address(county, "重庆市秀山县新华村3组")
    assert found.outcome == "ambiguous" and found.candidates == ("新华村(500241100201)", "新华村(500241101201)")
    assert resolve_address(county, "秀山县火星村").outcome == "not_found"
    assert resolve_address(county, "秀山县东风镇", level="township").code == "500241101000"


def test_township_column_by_short_name_in_a_source(write_spec: Callable[..., Path], catalog: Catalog,
                                                    county: OrgTree) -> None:
    ids = [make_citizen_id("500241", date(1980, 1, 1 + i), i) for i in range(5)]
    path = write_spec("""\
    name: scjg
    entity: resident
    connection: {kind: csv, path: s.csv}
    columns:
      身份证: id_number
      乡镇: {element: org_code, org_by_name: true, level: township}
    """)
    towns = ["清溪场", "东风", "平凯街道", "隘口", "火星"]
    (path.parent / "s.csv").write_text("身份证,乡镇\n" + "\n".join(f"{i},{t}" for i, t in zip(ids, towns, strict=True)),
                                       encoding="utf-8")
    preview = test_source(load_source_spec(path, catalog), catalog, county)
    assert [r["org_code"] for r in preview.mapped.to_pylist()] == [
        "500241100000", "500241101000", "500241102000", "500241103000"]
    assert preview.resolution == {"乡镇": {"base": 3, "exact": 1, "not_found": 1}}
    assert [(r["row"], r["reason_en"]) for r in preview.rejects.to_pylist()] == [(6, "no township has this name")]


CL_ORG = """
units:
  - {code: "500000000000", name: 重庆市, level: province}
  - {code: "500241000000", name: 秀山县, level: county, parent: "500000000000"}
  - {code: "500241100000", name: 清溪场镇, level: township, parent: "500241000000"}
  - {code: "500241101000", name: 东风镇, level: township, parent: "500241000000"}
  - {code: "500241100201", name: 新华村, level: village, parent: "500241100000"}
  - {code: "500241100202", name: 东风社区, level: village, parent: "500241100000"}
  - {code: "500241101201", name: 新华村, level: village, parent: "500241101000"}
"""

CL_SPEC = """\
name: cl
title: 残联残疾人系统
department: disabled_federation
entity: resident
connection: {kind: csv, path: cl.csv, encoding: gbk}
select:
  身份证号: "substr(残疾证号, 1, 18)"
  残疾类别: "substr(残疾证号, 19, 1)"
columns:
  身份证号: id_number
  残疾证号: disability_cert_no
  残疾类别: disability_category
  户籍地址: {element: org_code, org_by_name: true, address: true}
"""


def test_gbk_csv_key_from_certificate_and_place_from_address(workspace: Workspace, tmp_path: Path) -> None:
    """The disability federation's export: ID inside the 20-character certificate number, village only in
    the 户籍地址 text; synced into the lake, `source test` counting how the addresses resolved."""
    from biaotong.services import sources as svc
    from biaotong.sync import add_source, sync_source

    (tmp_path / "org.yaml").write_text(CL_ORG, encoding="utf-8")
    with workspace.engine.begin() as conn:
        import_org_tree(conn, tmp_path / "org.yaml")
    ids = [make_citizen_id("500241", date(1960, 1 + i % 12, 1 + i), i) for i in range(6)]
    addresses = ["重庆市秀山县清溪场镇新华村2组", "秀山县东风镇新华村村民委员会5组", "清溪场镇东风社区3组",
                 "秀山县新华村3组", "秀山县火星村", "重庆市秀山县东风镇新华村1组"]
    lines = ["残疾证号,姓名,户籍地址"] + [f"{pid}{1 + i % 4}{1 + i % 4},人{i},{a}"
                                      for i, (pid, a) in enumerate(zip(ids, addresses, strict=True))]
    (tmp_path / "cl.csv").write_bytes("\n".join(lines).encode("gbk"))
    (tmp_path / "cl.yaml").write_text(CL_SPEC, encoding="utf-8")
    add_source(workspace, tmp_path / "cl.yaml")
    result = sync_source(workspace, "cl")
    assert result.snapshot is not None and result.snapshot.row_count == 4
    import pyarrow.parquet as pq

    data = pq.read_table(workspace.lake_dir / result.snapshot.path / "data.parquet").to_pylist()
    assert sorted((r["id_number"], r["org_code"], r["disability_category"]) for r in data) == sorted([
        (ids[0], "500241100201", "1"), (ids[1], "500241101201", "2"), (ids[2], "500241100202", "3"),
        (ids[5], "500241101201", "2")])
    rejects = pq.read_table(workspace.lake_dir / result.snapshot.path / "rejects.parquet").to_pylist()
    assert [(r["row"], r["kind"]) for r in rejects] == [(5, "row"), (6, "row")]
    assert "新华村(500241100201)、新华村(500241101201)" in rejects[0]["reason"]
    report = svc.test_source(Actor("admin", frozenset({"data_admin"}), None, None, "cleared"), workspace, "cl",
                             limit=3, scan=100)
    assert report["resolution"] == {"户籍地址": {"address": 4, "ambiguous": 1, "not_found": 1}}
    assert report["scanned"] == 6 and report["reject_counts"] == {"row": 2}
