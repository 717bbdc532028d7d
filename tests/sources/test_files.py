"""CSV, Excel and JSON files written by the tests, read through the connectors and mapped."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import openpyxl
import pyarrow as pa
import pytest

from biaotong.catalog import Catalog, OrgTree
from biaotong.errors import SourceError
from biaotong.sources import load_source_spec, open_connector, read_mapped, test_source

CSV_SPEC = """\
name: cjr
entity: resident
connection: {{kind: csv, path: cjr.csv, encoding: {encoding}, header_row: 3}}
columns:
  身份证号: id_number
  姓名: name
  性别: sex
  所在村: {{element: org_code, org_by_name: true, parent_column: 乡镇}}
sync: {{mode: incremental, updated_at: 更新时间}}
"""


def write_csv(path: Path, ids: list[str], encoding: str) -> None:
    lines = [
        "五华区残疾人名册,,,,,",
        "填报单位：五华区残联,,,,,",
        "身份证号,姓名,性别,乡镇,所在村,更新时间",
        f"{ids[0]},张三,男,华山街道,红旗社区,2025-01-01 09:00:00",
        f"{ids[1]},\"李,四\",女,护国街道,新村社区,2025-02-01 09:00:00",
        f"{ids[2]},王五,男女,华山街道,火星村,2025-03-01 09:00:00",
    ]
    data = ("\r\n".join(lines) + "\r\n").encode("gbk" if encoding == "gbk" else "utf-8")
    path.write_bytes((b"\xef\xbb\xbf" if encoding == "utf-8" else b"") + data)


@pytest.mark.parametrize("encoding", ["utf-8", "gbk"])
def test_csv_with_title_rows(write_spec: Callable[..., Path], catalog: Catalog, org_tree: OrgTree,
                             ids: list[str], encoding: str) -> None:
    path = write_spec(CSV_SPEC.format(encoding=encoding))
    write_csv(path.parent / "cjr.csv", ids, encoding)
    spec = load_source_spec(path, catalog)
    preview = test_source(spec, catalog, org_tree)
    assert preview.mapped.to_pylist() == [
        {"id_number": ids[0], "name": "张三", "sex": "1", "org_code": "530102001001", "_row": 4},
        {"id_number": ids[1], "name": "李,四", "sex": "2", "org_code": "530102002001", "_row": 5},
    ]
    assert [(r["row"], r["column"], r["value"], r["kind"]) for r in preview.rejects.to_pylist()] == [
        (6, "所在村", "火星村", "row"), (6, "性别", "男女", "cell"),
    ]


def test_csv_incremental_watermark(write_spec: Callable[..., Path], catalog: Catalog, org_tree: OrgTree,
                                   ids: list[str]) -> None:
    path = write_spec(CSV_SPEC.format(encoding="utf-8"))
    write_csv(path.parent / "cjr.csv", ids, "utf-8")
    spec = load_source_spec(path, catalog)
    parts = list(read_mapped(spec, catalog, org_tree, watermark="2025-01-15 00:00:00"))
    assert [r for p in parts for r in p.mapped["id_number"].to_pylist()] == [ids[1]]
    assert parts[-1].watermark == "2025-03-01 09:00:00"


def test_csv_wrong_encoding_hints_gbk(write_spec: Callable[..., Path], catalog: Catalog, ids: list[str]) -> None:
    path = write_spec(CSV_SPEC.format(encoding="utf-8"))
    write_csv(path.parent / "cjr.csv", ids, "gbk")
    spec = load_source_spec(path, catalog)
    with pytest.raises(SourceError) as info:
        list(open_connector("csv").batches(spec))
    assert "cjr.csv" in info.value.zh and "gbk" in info.value.zh and "gbk" in info.value.en
    assert info.value.where.key == "connection.encoding"


def test_csv_declared_gbk_but_utf8(write_spec: Callable[..., Path], catalog: Catalog, ids: list[str]) -> None:
    path = write_spec(CSV_SPEC.format(encoding="gbk"))
    write_csv(path.parent / "cjr.csv", ids, "utf-8")
    with pytest.raises(SourceError) as info:
        list(open_connector("csv").batches(load_source_spec(path, catalog)))
    assert "utf-8" in info.value.en


def test_csv_missing_column(write_spec: Callable[..., Path], catalog: Catalog, ids: list[str]) -> None:
    path = write_spec(CSV_SPEC.format(encoding="utf-8").replace("姓名: name", "姓 名: name"))
    write_csv(path.parent / "cjr.csv", ids, "utf-8")
    with pytest.raises(SourceError) as info:
        list(open_connector("csv").batches(load_source_spec(path, catalog)))
    assert info.value.where.column == "姓 名"
    assert "姓名" in info.value.zh  # the close match is offered
    assert info.value.where.file == str(path)


def test_csv_file_not_found(write_spec: Callable[..., Path], catalog: Catalog) -> None:
    spec = load_source_spec(write_spec(CSV_SPEC.format(encoding="utf-8")), catalog)
    with pytest.raises(SourceError) as info:
        list(open_connector("csv").batches(spec))
    assert "cjr.csv" in info.value.en and info.value.where.key == "connection.path"


XLSX_SPEC = """\
name: mz_dibao
entity: resident
connection: {kind: xlsx, path: dibao.xlsx, sheet: 花名册}
columns:
  身份证号码: id_number
  姓名: name
  救助类别: assistance_category
  保障金额（元）: assistance_amount
  认定日期: assistance_start_date
  村（社区）代码: org_code
"""


def write_xlsx(path: Path, ids: list[str]) -> None:
    wb = openpyxl.Workbook()
    wb.active.title = "说明"
    ws = wb.create_sheet("花名册")
    ws.append(["五华区城乡低保对象花名册"])
    ws.merge_cells("A1:F1")
    ws.append(["填报单位：民政局", None, None, None, "2025年1月"])
    ws.merge_cells("A2:D2")
    ws.append(["身份证号码", "姓名", "救助类别", "保障金额\n（元）", "认定日期", "村（社区）代码"])
    ws.append([ids[0], "张三", "低保", 650, datetime(2024, 3, 1), 530102001001])
    ws.append([None, None, None, None, None, None])
    ws.append([ids[1], "李四", "特困人员", "1,200.5", 45352, "530102001002"])
    ws.append([ids[2], "王五", "五保户", "x", "2024年13月1日", "530102001001"])
    ws.append(["填表人：赵六", None, None, None, None, None])
    wb.save(path)


def test_xlsx_with_merged_title_rows(write_spec: Callable[..., Path], catalog: Catalog, org_tree: OrgTree,
                                     ids: list[str]) -> None:
    path = write_spec(XLSX_SPEC)
    write_xlsx(path.parent / "dibao.xlsx", ids)
    preview = test_source(load_source_spec(path, catalog), catalog, org_tree)
    rows = preview.mapped.to_pylist()
    assert [(r["id_number"], r["assistance_category"], r["assistance_amount"], r["_row"]) for r in rows] == [
        (ids[0], "1", 650.0, 4), (ids[1], "2", 1200.5, 6), (ids[2], "2", None, 7)]
    assert str(rows[0]["assistance_start_date"]) == "2024-03-01"
    assert str(rows[1]["assistance_start_date"]) == "2024-03-01"  # Excel serial 45352
    assert [(r["row"], r["column"], r["kind"]) for r in preview.rejects.to_pylist()] == [
        (7, "保障金额（元）", "cell"), (7, "认定日期", "cell"), (8, "身份证号码", "skipped")]  # 填表人：… is a note


def test_xlsx_wrong_sheet(write_spec: Callable[..., Path], catalog: Catalog, ids: list[str]) -> None:
    path = write_spec(XLSX_SPEC.replace("sheet: 花名册", "sheet: Sheet1"))
    write_xlsx(path.parent / "dibao.xlsx", ids)
    with pytest.raises(SourceError) as info:
        list(open_connector("xlsx").batches(load_source_spec(path, catalog)))
    assert "花名册" in info.value.zh and info.value.where.key == "connection.sheet"


@pytest.mark.parametrize(("content", "words"), [
    (b"name,id\n1,2\n", "not an Excel"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 + "Workbook".encode("utf-16-le"), ".xls"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 + "EncryptedPackage".encode("utf-16-le"), "password"),
    (b"PK\x03\x04broken zip", "not a valid Excel"),
])
def test_not_an_excel_file(write_spec: Callable[..., Path], catalog: Catalog, content: bytes, words: str) -> None:
    path = write_spec(XLSX_SPEC)
    (path.parent / "dibao.xlsx").write_bytes(content)
    with pytest.raises(SourceError) as info:
        list(open_connector("xlsx").batches(load_source_spec(path, catalog)))
    assert words in info.value.en and "dibao.xlsx" in info.value.zh


def test_json_file(write_spec: Callable[..., Path], catalog: Catalog, ids: list[str]) -> None:
    path = write_spec("""\
        name: wjw_health
        entity: resident
        connection: {kind: json, path: health.json, records: data.items}
        columns: {sfzh: id_number, gxy: hypertension, tnb: diabetes, cun: org_code, qy: family_doctor_sign_date}
    """)
    (path.parent / "health.json").write_text(
        '{"code": 0, "data": {"items": ['
        f'{{"sfzh": "{ids[0]}", "gxy": true, "tnb": "否", "cun": "530102001001", "qy": "2024-05-06", "extra": [1]}},'
        f'{{"sfzh": "{ids[1]}", "gxy": 0, "tnb": "是", "cun": 530102001002, "qy": null}}'
        "]}}", encoding="utf-8")
    preview = test_source(load_source_spec(path, catalog), catalog, None)
    assert preview.mapped.select(["id_number", "hypertension", "diabetes", "org_code"]).to_pylist() == [
        {"id_number": ids[0], "hypertension": True, "diabetes": False, "org_code": "530102001001"},
        {"id_number": ids[1], "hypertension": False, "diabetes": True, "org_code": "530102001002"},
    ]


def test_json_bad_records_path(write_spec: Callable[..., Path], catalog: Catalog) -> None:
    path = write_spec("""\
        name: wjw
        entity: resident
        connection: {kind: json, path: h.json, records: data.rows}
        columns: {sfzh: id_number}
    """)
    (path.parent / "h.json").write_text('{"data": {"items": []}}', encoding="utf-8")
    with pytest.raises(SourceError) as info:
        list(open_connector("json").batches(load_source_spec(path, catalog)))
    assert info.value.where.key == "connection.records" and "rows" in info.value.en


def test_limit_stops_early(write_spec: Callable[..., Path], catalog: Catalog, org_tree: OrgTree, ids: list[str]) -> None:
    path = write_spec(CSV_SPEC.format(encoding="utf-8"))
    write_csv(path.parent / "cjr.csv", ids, "utf-8")
    batches = list(open_connector("csv").batches(load_source_spec(path, catalog), limit=2))
    assert sum(b.num_rows for b in batches) == 2
    assert pa.Table.from_batches(batches)["_row"].to_pylist() == [4, 5]
