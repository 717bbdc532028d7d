"""Codes and duplicates as departments keep them: one raw value setting two elements, labels shared by code
lists, yes/no words, per-source duplicate policies through real syncs, and per-element validation policies."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from biaotong.catalog import Catalog, OrgTree, import_org_tree, make_citizen_id, make_uscc
from biaotong.errors import SourceError
from biaotong.sources import load_source_spec, test_source
from biaotong.workspace import Workspace


def _more_ids(n: int) -> list[str]:
    from datetime import date

    return [make_citizen_id("530102", date(1970, 1, 1 + i % 28), 100 + i) for i in range(n)]


def _csv(path: Path, lines: list[str]) -> None:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_one_raw_value_sets_two_elements(write_spec: Callable[..., Path], catalog: Catalog, org_tree: OrgTree,
                                         ids: list[str]) -> None:
    path = write_spec("""\
    name: mz
    entity: resident
    connection: {kind: csv, path: mz.csv}
    columns:
      身份证: id_number
      救助类型: {element: assistance_category, codes: {城市特困: 特困}}      # many-to-one: 城市低保, 农村低保 → 低保
      城乡: {element: hukou_type, column: 救助类型, codes: {城市低保: "2", 农村低保: "1", 城市特困: "2"}}
      文化程度: education
      民族: ethnicity
    """)
    _csv(path.parent / "mz.csv", ["身份证,救助类型,文化程度,民族",
                                  f"{ids[0]},城市低保,其他,其他", f"{ids[1]},农村低保,大学本科,汉族",
                                  f"{ids[2]},城市特困,其他,1"])
    rows = test_source(load_source_spec(path, catalog), catalog, org_tree).mapped.to_pylist()
    assert [(r["assistance_category"], r["hukou_type"]) for r in rows] == [("1", "2"), ("1", "1"), ("2", "2")]
    # 其他 is a label of both lists: each element's own list decides (education 90, ethnicity 97).
    assert [(r["education"], r["ethnicity"]) for r in rows][::2] == [("90", "97"), ("90", "01")]


def test_yes_no_words_and_a_declared_mapping(write_spec: Callable[..., Path], catalog: Catalog, org_tree: OrgTree,
                                             ids: list[str]) -> None:
    path = write_spec("""\
    name: wjw
    entity: resident
    connection: {kind: csv, path: w.csv}
    columns:
      身份证: id_number
      签约: family_doctor_signed
      高血压: {element: hypertension, codes: {在管: 是, 已销案: 否}}
    """)
    signed = ["已签约", "未签约", "√", "×", "Y", "N", "有", "无", "是", "否", "已消除", "不详"]
    hyper = ["在管", "已销案", "未消除", "1", "0", "true", "false", "y", "n", "是", "否", "未知"]
    people = _more_ids(len(signed))
    _csv(path.parent / "w.csv", ["身份证,签约,高血压"] + [f"{p},{s},{h}" for p, s, h in zip(people, signed, hyper,
                                                                                          strict=True)])
    preview = test_source(load_source_spec(path, catalog), catalog, org_tree, limit=20)
    values = [(r["family_doctor_signed"], r["hypertension"]) for r in preview.mapped.to_pylist()]
    assert [v[0] for v in values[:10]] == [True, False] * 5
    assert [v[1] for v in values[:9]] == [True, False, False, True, False, True, False, True, False]
    assert [(r["column"], r["value"], r["kind"]) for r in preview.rejects.to_pylist() if r["kind"] == "cell"] == [
        ("签约", "不详", "cell"), ("高血压", "未知", "cell")]


def test_yes_no_mapping_must_say_yes_or_no(write_spec: Callable[..., Path], catalog: Catalog) -> None:
    path = write_spec("""\
    name: wjw
    entity: resident
    connection: {kind: csv, path: w.csv}
    columns:
      身份证: id_number
      签约: {element: family_doctor_signed, codes: {在管: 也许}}
    """)
    with pytest.raises(SourceError) as info:
        load_source_spec(path, catalog)
    assert info.value.where.row == 6 and info.value.where.key == "columns.签约.codes.在管"


def test_a_label_sent_to_two_codes_is_refused(write_spec: Callable[..., Path], catalog: Catalog) -> None:
    path = write_spec("""\
    name: mz
    entity: resident
    connection: {kind: csv, path: mz.csv}
    columns:
      身份证: id_number
      救助类型:
        element: assistance_category
        codes:
          城市低保: "1"
          城市低保: "2"
    """)
    with pytest.raises(SourceError) as info:
        load_source_spec(path, catalog)
    assert info.value.where.row == 10 and "城市低保" in info.value.en


ORG = """
units:
  - {code: "530000000000", name: 云南省, level: province}
  - {code: "530102000000", name: 五华区, level: county, parent: "530000000000"}
  - {code: "530102001000", name: 华山街道, level: township, parent: "530102000000"}
  - {code: "530102001001", name: 红旗社区, level: village, parent: "530102001000"}
"""


def _sync(ws: Workspace, folder: Path, spec: str, lines: list[str]) -> tuple[list[dict], list[dict]]:
    from biaotong.sync import add_source, sync_source

    (folder / "org.yaml").write_text(ORG, encoding="utf-8")
    with ws.engine.begin() as conn:
        import_org_tree(conn, folder / "org.yaml")
    _csv(folder / "s.csv", lines)
    (folder / "s.yaml").write_text(spec, encoding="utf-8")
    add_source(ws, folder / "s.yaml")
    snap = sync_source(ws, "s").snapshot
    assert snap is not None
    data = pq.read_table(ws.lake_dir / snap.path / "data.parquet").to_pylist()
    rejects = pq.read_table(ws.lake_dir / snap.path / "rejects.parquet").to_pylist()
    return data, rejects


DUP_SPEC = """\
name: s
entity: resident
connection: {kind: csv, path: s.csv}
columns:
  身份证: id_number
  姓名: name
  审批日期: assistance_start_date
  村: org_code
duplicates: POLICY
"""


@pytest.mark.parametrize(("policy", "kept", "dropped"), [
    ("{keep: latest, by: 审批日期}", {"甲2"}, [(2, 3), (4, 3)]),
    ("{keep: first}", {"甲1"}, [(3, 2), (4, 2)]),
    ("{keep: last}", {"甲3"}, [(2, 4), (3, 4)]),
    ("{keep: reject}", set(), [(2, None), (3, None), (4, None)]),
])
def test_duplicate_policies(workspace: Workspace, tmp_path: Path, ids: list[str], policy: str, kept: set[str],
                            dropped: list[tuple[int, int | None]]) -> None:
    data, rejects = _sync(workspace, tmp_path, DUP_SPEC.replace("POLICY", policy), [
        "身份证,姓名,审批日期,村",
        f"{ids[0]},甲1,2024-01-01,530102001001",
        f"{ids[0]},甲2,2024-06-01,530102001001",
        f"{ids[0]},甲3,,530102001001",
        *(f"{pid},乙{i},2024-01-01,530102001001" for i, pid in enumerate(_more_ids(50), start=1)),
    ])
    assert {r["name"] for r in data if r["id_number"] == ids[0]} == kept
    assert len(data) == 50 + len(kept)
    listed = [r for r in rejects if r["kind"] == "duplicate"]
    # Every dropped copy is listed, with the row that was kept (file rows: the header is row 1).
    assert [r["row"] for r in listed] == [d[0] for d in dropped]
    for r, (_row, kept_row) in zip(listed, dropped, strict=True):
        assert (f"row {kept_row} kept" in r["reason_en"]) if kept_row else ("all 3 rows rejected" in r["reason_en"])


def test_duplicate_policy_naming_an_unknown_column(write_spec: Callable[..., Path], catalog: Catalog) -> None:
    path = write_spec(DUP_SPEC.replace("POLICY", "\n  keep: latest\n  by: 更新时间"))
    with pytest.raises(SourceError) as info:
        load_source_spec(path, catalog)
    assert info.value.where.key == "duplicates.by" and info.value.where.row == 11 and "更新时间" in info.value.en


def test_validation_policies(workspace: Workspace, tmp_path: Path) -> None:
    good = [make_uscc("530102", 2000 + i) for i in range(3)]
    wrong = good[2][:-1] + ("0" if good[2][-1] != "0" else "1")  # a wrong check character
    spec = """\
name: s
entity: enterprise
connection: {kind: csv, path: s.csv}
columns:
  信用代码: {element: uscc, on_invalid: flag}
  名称: enterprise_name
  成立日期: {element: established_date, on_invalid: reject_row}
  注册资本: {element: registered_capital, on_invalid: blank}
  住所: org_code
"""
    data, rejects = _sync(workspace, tmp_path, spec, [
        "信用代码,名称,成立日期,注册资本,住所",
        f"{good[0]},甲公司,2020-01-01,100,530102001001",
        f"{good[1]},乙公司,2020-13-01,100,530102001001",
        f"{wrong},丙公司,2021-01-01,很多,530102001001",
    ])
    by_name = {r["enterprise_name"]: r for r in data}
    assert set(by_name) == {"甲公司", "丙公司"}  # 乙: bad date, reject_row
    assert by_name["丙公司"]["uscc"] == wrong and by_name["丙公司"]["registered_capital"] is None
    assert sorted((r["row"], r["column"], r["kind"]) for r in rejects) == [
        (3, "成立日期", "row"), (4, "信用代码", "flag"), (4, "注册资本", "cell")]


def test_flag_only_for_text_elements(write_spec: Callable[..., Path], catalog: Catalog) -> None:
    path = write_spec("""\
    name: s
    entity: enterprise
    connection: {kind: csv, path: s.csv}
    columns:
      信用代码: uscc
      注册资本: {element: registered_capital, on_invalid: flag}
      住所: org_code
    """)
    with pytest.raises(SourceError) as info:
        load_source_spec(path, catalog)
    assert info.value.where.key == "columns.注册资本.on_invalid" and info.value.where.row == 6
