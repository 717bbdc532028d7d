"""Fixing a mapping: every kind of choice a mapping file may make, checked against the library, the catalog and
the form before anything is stored; re-opening a saved form and saving it again is a new ledger version."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml

from biaotong.errors import FormError, ReportError
from biaotong.forms.service import explain, import_form
from biaotong.forms.sketch import sketch_form
from biaotong.forms.spec import apply_mapping, build_spec, load_mapping, stored_mapping
from biaotong.forms.store import load_template, save_report, versions
from biaotong.store.schema import report_specs
from biaotong.workspace import Workspace
from tests.reports.county import COUNTY, install, make_county

HEADER = ["乡镇（街道）", "持证残疾人数(人)", ("残疾等级(人)", ["一级", "二级"]), "其中：女(人)",
          "低保金(元)", "农户数(户)", "A级住房户数(户)", "签约人数(人)", "签约率(%)", "备注"]


@pytest.fixture
def county_ws(tmp_path: Path) -> Iterator[Workspace]:
    ws = Workspace.open(tmp_path / "ws")
    install(ws, make_county())
    try:
        yield ws
    finally:
        ws.close()


def _form(tmp_path: Path) -> Path:
    path = tmp_path / "残疾人与低保.xlsx"
    path.write_bytes(sketch_form("残疾人基本情况统计表", HEADER))
    return path


def _count(ws: Workspace) -> int:
    with ws.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(report_specs)).scalar_one())


def test_every_kind_of_choice_is_saved_and_generated(county_ws: Workspace, tmp_path: Path) -> None:
    from biaotong.reports.generate import generate

    form = _form(tmp_path)
    layout, proposals, raw = import_form(form, ws=county_ws)
    props = {p.key: p for p in proposals}
    # the matcher composed population + filter where no indicator names the column as a whole
    assert props["C"].kind == "expression" and props["C"].target == "disabled_certified"
    assert props["C"].filter == "disability_grade = '一级'"
    assert props["E"].target == "disabled_certified" and props["E"].filter == "sex = '女'"
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(yaml.safe_dump({"columns": {
        "D": {"indicator": "disabled_certified", "filter": "disability_grade = '二级'"},
        "F": {"element": "resident.assistance_amount", "agg": "sum", "filter": "assistance_category = '低保'"},
        "G": {"element": "household"},
        "H": {"expression": {"agg": "count", "entity": "household", "filter": "house_safety_level = 'A级'"}},
        "I": "fd_signed",
        "J": {"ratio": ["I", "B"], "percent": True, "digits": 1},
        "K": "skip",
    }}, allow_unicode=True), encoding="utf-8")
    apply_mapping(proposals, load_mapping(mapping), file=str(mapping), layout=layout)
    spec = build_spec(layout, proposals, report_id="cl_mix", title=None, department="disabled_federation",
                      level="township")
    fields = {f["label"]: f for f in spec["fields"]}
    assert fields["二级"] == {**fields["二级"], "indicator": "disabled_certified", "filter": "disability_grade = '二级'"}
    assert fields["签约率"]["expression"] == {"ratio": ["fd_signed", "disabled_certified"], "percent": True,
                                              "digits": 1}
    assert "备注" not in fields
    save_report(county_ws, spec, raw)
    result = generate(county_ws, "cl_mix", "2025-06", COUNTY, level="township")
    total = result.total()
    assert total is not None
    v = total.values
    county = make_county()
    end = date(2025, 6, 30)
    alive = [r for r in county.residents if (r["death_date"] is None or r["death_date"] > end)
             and (r["deregistered_date"] is None or r["deregistered_date"] > end)
             and (r["registered_date"] is None or r["registered_date"] <= end)]
    # independent of biaotong's code: the same counts straight from the county's rows
    certified = [r for r in alive if r["disability_cert_no"]
                 and (r["disability_cert_issue_date"] is None or r["disability_cert_issue_date"] <= end)]
    assert v["col_c"] == sum(r["disability_grade"] == "1" for r in certified)
    assert v["col_d"] == sum(r["disability_grade"] == "2" for r in certified)
    assert v["col_e"] == sum(r["sex"] == "2" for r in certified)
    assert v["col_g"] == len(county.households)
    assert v["col_h"] == sum(h["house_safety_level"] == "A" for h in county.households)
    assert v["col_j"] == pytest.approx(round(v["fd_signed"] / v["disabled_certified"] * 100, 1))


def test_import_shows_reasons_runner_up_and_sql(county_ws: Workspace, tmp_path: Path) -> None:
    _layout, proposals, _raw = import_form(_form(tmp_path), ws=county_ws)
    explain(proposals, catalog=county_ws.catalog)
    props = {p.key: p for p in proposals}
    c = props["C"]
    assert "持证残疾人数" in c.reason and "disability_grade" in c.reason
    assert c.candidates, "a runner-up is listed"
    assert c.sql is not None and "FILTER" in c.sql.upper() and "disability_grade" in c.sql
    assert props["K"].kind == "unmapped" and props["K"].sql is None  # 备注 is never filled
    data = json.loads(json.dumps([p.to_json() for p in proposals], ensure_ascii=False))
    assert {"reason", "candidates", "sql", "filter"} <= set(data[2])


@pytest.mark.parametrize(
    ("choice", "words"),
    [({"Z": "pop_total"}, ["Z", "Sheet1", "A3:"]),
     ({"C": "resident.no_such_element"}, ["C3:C4", "列 C", "no_such_element"]),
     ({"C": "no_such_indicator"}, ["列 C", "no_such_indicator"]),
     ({"C": {"indicator": "aging_rate", "filter": "sex = '女'"}}, ["aging_rate", "列 C"]),
     ({"J": {"ratio": ["I", "Q"]}}, ["Q", "列 J"]),
     ({"F": {"element": "resident.assistance_amount", "agg": "median"}}, ["median"])],
)
def test_a_bad_choice_names_sheet_cells_and_column_and_saves_nothing(
    county_ws: Workspace, tmp_path: Path, choice: dict[str, object], words: list[str]
) -> None:
    layout, proposals, _raw = import_form(_form(tmp_path), ws=county_ws)
    before = [(p.kind, p.target) for p in proposals]
    with pytest.raises(FormError) as err:
        apply_mapping(proposals, {"B": "pop_total", **choice}, layout=layout)
    text = err.value.zh
    assert all(w in text for w in words), text
    assert [(p.kind, p.target) for p in proposals] == before  # nothing half-applied
    assert _count(county_ws) == 0


def test_bad_expression_is_refused_before_storing(county_ws: Workspace, tmp_path: Path) -> None:
    layout, proposals, raw = import_form(_form(tmp_path), ws=county_ws)
    apply_mapping(proposals, {"H": {"expression": {"agg": "count", "entity": "household",
                                                   "filter": "no_such_element = 1"}}}, layout=layout)
    spec = build_spec(layout, proposals, report_id="cl_bad", title=None, department="disabled_federation",
                      unmapped_as="skip")
    with pytest.raises(Exception) as err:
        save_report(county_ws, spec, raw)
    assert "no_such_element" in str(err.value) or "no_such_element" in getattr(err.value, "zh", "")
    assert _count(county_ws) == 0


def test_reopen_change_and_resave_is_a_new_ledger_version(county_ws: Workspace, tmp_path: Path) -> None:
    layout, proposals, raw = import_form(_form(tmp_path), ws=county_ws)
    spec = build_spec(layout, proposals, report_id="cl_v", title=None, department="disabled_federation",
                      unmapped_as="skip")
    save_report(county_ws, spec, raw)
    assert versions(county_ws, "cl_v") == 1
    stored, workbook = load_template(county_ws, "cl_v")
    assert workbook == raw
    previous = stored_mapping(stored)
    assert previous["C"] == {"indicator": "disabled_certified", "filter": "disability_grade = '一级'"}
    # re-open: the stored workbook, the stored choices, one column changed
    layout2, proposals2, raw2 = import_form("残疾人与低保.xlsx", ws=county_ws, data=workbook)
    apply_mapping(proposals2, {**previous, "I": "fd_signed_disabled"}, layout=layout2)
    spec2 = build_spec(layout2, proposals2, report_id="cl_v", title=None, department="disabled_federation",
                       unmapped_as="skip")
    save_report(county_ws, spec2, raw2)
    assert versions(county_ws, "cl_v") == 2
    again, _ = load_template(county_ws, "cl_v")
    assert stored_mapping(again)["I"] == "fd_signed_disabled"
    assert stored_mapping(again)["C"] == previous["C"]


def test_report_add_takes_an_indicator_narrowed_by_a_filter(county_ws: Workspace, tmp_path: Path) -> None:
    from biaotong.reports.context import workspace_library
    from biaotong.reports.store import add_file

    spec = {"id": "cl_yaml", "title": "残疾人分级", "department": "disabled_federation", "period_type": "month",
            "layout": "aggregate", "fields": [
                {"id": "grade1", "label": "一级", "indicator": "disabled_certified",
                 "filter": "disability_grade = '一级'"}]}
    path = tmp_path / "cl.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    parsed, what = add_file(county_ws.engine, path, workspace_library(county_ws), county_ws.catalog)
    assert what == "added" and parsed.fields[0].filter == "disability_grade = '一级'"
    bad = {**spec, "id": "cl_yaml2", "fields": [{**spec["fields"][0], "indicator": "aging_rate"}]}
    path.write_text(yaml.safe_dump(bad, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ReportError):
        add_file(county_ws.engine, path, workspace_library(county_ws), county_ws.catalog)


def test_workspace_indicators_folder_is_matched_and_accepted(county_ws: Workspace, tmp_path: Path) -> None:
    folder = county_ws.home / "indicators"
    folder.mkdir()
    (folder / "own.yaml").write_text(yaml.safe_dump({"indicators": [
        {"id": "own_grade1_women", "name": "一级残疾女性人数", "unit": "人", "department": "disabled_federation",
         "expr": {"agg": "count", "entity": "resident",
                  "filter": "is_set(disability_cert_no) and disability_grade = '一级' and sex = '女'"}}]},
        allow_unicode=True), encoding="utf-8")
    path = tmp_path / "own.xlsx"
    path.write_bytes(sketch_form("一级残疾女性统计表", ["乡镇（街道）", "一级残疾女性人数(人)", "备注"]))
    layout, proposals, _raw = import_form(path, ws=county_ws)
    assert proposals[1].target == "own_grade1_women"
    from biaotong.reports.context import workspace_library

    apply_mapping(proposals, {"B": "own_grade1_women"}, layout=layout, library=workspace_library(county_ws))
    with pytest.raises(FormError):
        apply_mapping(proposals, {"B": "own_grade1_women"}, layout=layout)  # the built-in library alone
