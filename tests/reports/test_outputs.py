"""Generation end to end on the small county: exports read back, rosters, lineage, edge cases, the CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import openpyxl
from typer.testing import CliRunner

from biaotong.cli.main import app
from biaotong.reports.export import export
from biaotong.reports.generate import generate
from biaotong.reports.lineage import explain
from biaotong.reports.period import Period
from biaotong.reports.spec import parse_spec
from tests.reports.county import COUNTY, T2, V12, V21
from tests.reports.oracle import P, age, alive

runner = CliRunner()


def test_xlsx_has_title_merged_headers_subtotals_and_footer(county_ws: Any, tmp_path: Path) -> None:
    ws, _ = county_ws
    result = generate(ws, "mz_dibao_tekun", "2025-06", COUNTY)
    out = export(result, "xlsx", tmp_path / "r.xlsx")
    sheet = openpyxl.load_workbook(out).active
    assert sheet["A1"].value == "2025年6月城乡低保和特困人员情况统计表"
    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert "A3:A5" in merged  # 地区 spans the three header rows
    heads = [[c.value for c in row] for row in sheet.iter_rows(min_row=3, max_row=6)]
    assert heads[0][0] == "地区" and "城乡低保" in heads[0] and "低保对象类别" in heads[1]
    assert "老年人" in heads[2] and heads[3][2] == "人"  # unit row
    first = 7
    assert sheet.cell(first, 1).value == "合计" and sheet.cell(first, 1).font.b
    labels = [sheet.cell(r, 1).value for r in range(first, first + len(result.rows))]
    assert any(str(v).strip().endswith("小计") for v in labels)
    col = 3 + [c.id for c in result.columns].index("dibao_n")
    for i, row in enumerate(result.rows):
        assert sheet.cell(first + i, col).value == row.values["dibao_n"]
        assert sheet.cell(first + i, 1).font.b == (row.is_subtotal or row.is_total)
    texts = [c.value for row in sheet.iter_rows(min_row=first + len(result.rows)) for c in row if c.value]
    assert any(str(t).startswith("填报单位") for t in texts) and "填报人：" in texts and "审核人：" in texts


def test_csv_has_bom_and_json_round_trips(county_ws: Any, tmp_path: Path) -> None:
    ws, _ = county_ws
    result = generate(ws, "rs_pension", "2025-06", COUNTY)
    raw = export(result, "csv", tmp_path / "r.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and "参保人数".encode() in raw
    data = json.loads(export(result, "json", tmp_path / "r.json").read_text(encoding="utf-8"))
    assert data["rows"][0]["is_total"] and data["period"] == "2025-06" and data["snapshots"]


def test_roster_rows_and_masking_by_role(county_ws: Any) -> None:
    ws, county = county_ws
    per = Period.parse("2025-06")
    p = P(per.start, per.end)
    want = {
        r["id_number"] for r in county.residents
        if alive(r, p) and r["assistance_category"] == "1"
        and (r["assistance_end_date"] is None or r["assistance_end_date"] > p.end)
    }
    cleared = generate(ws, "mz_dibao_roster", per, COUNTY, role="cleared")
    assert {r["id_number"] for r in cleared.records} == want
    assert all(r["sex"] in ("男", "女") for r in cleared.records)
    public = generate(ws, "mz_dibao_roster", per, COUNTY)
    assert len(public.records) == len(want)
    for r in public.records:
        assert r["id_number"][4:-4] == "*" * 10 and r["name"][1:] == "*" * (len(r["name"]) - 1)
        assert r["phone"][3:7] == "****"
    staff = generate(ws, "mz_dibao_roster", per, COUNTY, role="staff")
    assert all("*" not in r["name"] and "*" in r["id_number"] for r in staff.records)
    township = generate(ws, "mz_dibao_roster", per, T2, role="cleared")
    assert {r["org_code"] for r in township.records} <= {"西山村", "龙潭村"}


def test_edge_cases_exactly_60_dead_deregistered_late_registration(county_ws: Any) -> None:
    ws, county = county_ws
    spec = parse_spec({
        "id": "edge", "title": "边界", "department": "statistics", "period_type": "month", "layout": "form",
        "fields": [
            {"id": tag, "label": tag, "expression": {"agg": "count", "entity": "resident", "filter": f"{cond} and address = '{tag}'"}}
            for tag, cond in [
                ("exactly_60", "age >= 60"), ("turns_60_next_day", "age >= 60"), ("dead_before_end", "true"),
                ("dead_after_end", "true"), ("registered_after_end", "true"), ("moved_out_in_may", "true"),
                ("birth_from_id_only", "age = 70"), ("leap_birthday_65", "age = 65"),
            ]
        ],
    })
    got = {it["id"]: it["value"] for it in generate(ws, spec, "2025-06", V12).items}
    assert got == {"exactly_60": 1, "turns_60_next_day": 0, "dead_before_end": 0, "dead_after_end": 1,
                   "registered_after_end": 0, "moved_out_in_may": 0, "birth_from_id_only": 1, "leap_birthday_65": 1}
    p = P(Period.parse("2025-06").start, Period.parse("2025-06").end)
    edge = {r["address"]: r for r in county.residents if r["household_id"] == "HHEDGE1"}
    assert age(edge["exactly_60"], p) == 60 and age(edge["turns_60_next_day"], p) == 59


def test_a_past_period_reads_the_newest_knowledge(county_ws: Any) -> None:
    """The county was synced once, after 2024: the 2024 report reads that snapshot, judged by the records'
    own dates, with no stand-in flag (knowledge and the period are two different times)."""
    ws, _ = county_ws
    result = generate(ws, "tj_population", "2024", COUNTY)
    assert result.snapshots and not any(s["fallback"] for s in result.snapshots)
    assert not any("最早快照" in w for w in result.warnings)


def test_explain_a_cell(county_ws: Any) -> None:
    ws, _ = county_ws
    result = generate(ws, "mz_dibao_tekun", "2025-06", COUNTY)
    row = result.row(V21)
    info = explain(ws, "mz_dibao_tekun", "2025-06", V21, "dibao_n", limit=500)
    assert info["value"] == row.values["dibao_n"] == info["rows"] == len(info["drilldown"])
    assert "FILTER" in info["sql"] and info["indicator"] == "dibao_persons"
    assert info["snapshots"] and all(len(s["sha256"]) == 64 for s in info["snapshots"])
    assert set(info["villages"]) == {V21, "530102002003"}  # the merged village's data rolls in
    assert all("*" in d["id_number"] for d in info["drilldown"])
    cleared = explain(ws, "mz_dibao_tekun", "2025-06", V21, "dibao_n", role="cleared")
    assert all("*" not in d["id_number"] for d in cleared["drilldown"])
    ratio = explain(ws, "mz_dibao_tekun", "2025-06", V21, "dibao_avg")
    assert ratio["kind"] == "ratio" and [i["field"] for i in ratio["inputs"]] == ["dibao_amt", "dibao_n"]
    change = explain(ws, "mz_dibao_tekun", "2025-06", V21, "dibao_change")
    assert [i["period"] for i in change["inputs"]] == ["2025-06", "2025-05"]


def test_cli(county_ws: Any, tmp_path: Path) -> None:
    ws, _ = county_ws
    home = ["--home", str(ws.home)]
    r = runner.invoke(app, [*home, "report", "list", "--json"])
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout)
    assert len(rows) >= 25 and {"id", "title", "department", "layout", "period_type", "fields"} <= set(rows[0])
    out = tmp_path / "a.xlsx"
    r = runner.invoke(app, [*home, "report", "generate", "wj_family_doctor", "--period", "2025-06", "--org", COUNTY,
                            "--format", "xlsx", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert openpyxl.load_workbook(out).active["A1"].value.endswith("家庭医生签约人群统计表")
    for bad in (["nope", "--period", "2025-06", "--org", COUNTY], ["wj_family_doctor", "--period", "2025-13", "--org", COUNTY],
                ["wj_family_doctor", "--period", "2025-06", "--org", "530102999999"]):
        target = tmp_path / "bad.xlsx"
        r = runner.invoke(app, [*home, "report", "generate", *bad, "--out", str(target)])
        assert r.exit_code != 0 and not target.exists()
        assert not list(tmp_path.glob(".bad.xlsx*"))
    r = runner.invoke(app, [*home, "report", "explain", "wj_family_doctor", "--period", "2025-06", "--org", COUNTY,
                            "--field", "signed", "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["field"] == "signed"
    r = runner.invoke(app, [*home, "report", "generate", "--all", "--period", "2025-06", "--org", COUNTY,
                            "--dir", str(tmp_path / "all")])
    assert r.exit_code == 0, r.output
    assert len(list((tmp_path / "all").glob("*.xlsx"))) == len(rows)


def test_report_add_stores_and_refuses_bad_specs(county_ws: Any, tmp_path: Path) -> None:
    ws, _ = county_ws
    home = ["--home", str(ws.home)]
    good = tmp_path / "mine.yaml"
    good.write_text(
        "id: my_report\ntitle: 我的报表\ndepartment: civil_affairs\nperiod_type: month\nlayout: aggregate\n"
        "fields:\n  - {id: old, label: 老人, indicator: 60岁以上老人}\n", encoding="utf-8")
    r = runner.invoke(app, [*home, "report", "add", str(good)])
    assert r.exit_code != 0  # an alias is not an id
    good.write_text(good.read_text(encoding="utf-8").replace("60岁以上老人", "pop_60plus"), encoding="utf-8")
    r = runner.invoke(app, [*home, "report", "add", str(good)])
    assert r.exit_code == 0, r.output
    assert generate(ws, "my_report", "2025-06", COUNTY).total().values["old"] > 0
    bad = tmp_path / "bad.yaml"
    bad.write_text(good.read_text(encoding="utf-8").replace("my_report", "bad_report").replace(
        "indicator: pop_60plus", "expression: {agg: count, filter: \"no_such_element > 1\"}"), encoding="utf-8")
    r = runner.invoke(app, [*home, "report", "add", str(bad)])
    assert r.exit_code != 0 and "no_such_element" in r.output
    r = runner.invoke(app, [*home, "report", "list", "--json"])
    assert "bad_report" not in r.stdout and "my_report" in r.stdout


def test_roster_xlsx_small_and_streamed(county_ws: Any, tmp_path: Path, monkeypatch: Any) -> None:
    import biaotong.reports.export.xlsx as xlsx_mod

    ws, _ = county_ws
    result = generate(ws, "mz_dibao_roster", "2025-06", COUNTY, role="cleared")
    for limit in (10_000, 1):
        monkeypatch.setattr(xlsx_mod, "STREAM_ROWS", limit)
        sheet = openpyxl.load_workbook(export(result, "xlsx", tmp_path / f"r{limit}.xlsx")).active
        assert sheet["A1"].value == "2025年6月低保对象花名册"
        assert [c.value for c in sheet[3]][:3] == ["序号", "姓名", "性别"]
        ids = [sheet.cell(5 + i, 5).value for i in range(len(result.records))]
        assert ids == [r["id_number"] for r in result.records]
        assert isinstance(sheet.cell(5, 4).value, __import__("datetime").datetime)  # a real date cell
