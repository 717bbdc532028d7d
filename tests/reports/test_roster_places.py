"""A roster keeps each person's place as an org code: a village name two townships share (龙潭村 under 东风镇
and under 西山乡) still fills the department form's 乡镇 / 村 columns right, read back from the real .xlsx."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import yaml
from openpyxl import load_workbook

from biaotong.catalog import import_org_tree
from biaotong.forms.service import import_form
from biaotong.forms.sketch import sketch_form
from biaotong.forms.spec import build_spec
from biaotong.forms.store import save_report
from biaotong.reports.generate import generate
from biaotong.reports.spec import parse_spec
from biaotong.workspace import Workspace
from tests.reports.county import add_snapshot

COUNTY = "530102000000"
T1, T2 = "530102001000", "530102002000"
A1, A2, B1 = "530102001001", "530102002001", "530102002002"  # A1 and A2 are both 龙潭村
ORGS = {"units": [
    {"code": "530000000000", "name": "云南省", "level": "province"},
    {"code": "530100000000", "name": "昆明市", "level": "city", "parent": "530000000000"},
    {"code": COUNTY, "name": "示范县", "level": "county", "parent": "530100000000"},
    {"code": T1, "name": "东风镇", "level": "township", "parent": COUNTY},
    {"code": T2, "name": "西山乡", "level": "township", "parent": COUNTY},
    {"code": A1, "name": "龙潭村", "level": "village", "parent": T1},
    {"code": A2, "name": "龙潭村", "level": "village", "parent": T2},
    {"code": B1, "name": "石桥社区", "level": "village", "parent": T2},
]}
PEOPLE = [  # name, village, the township expected on the form
    ("赵一", A1, "东风镇"), ("钱二", A2, "西山乡"), ("孙三", A1, "东风镇"), ("李四", A2, "西山乡"),
    ("周五", B1, "西山乡"),
]
IDS = ["530102195001011234", "530102195202021238", "530102195403031231", "530102195604041235",
       "530102195805051239"]


def _residents() -> list[dict[str, object]]:
    return [{"id_number": i, "name": n, "sex": "1", "birth_date": date(1950, 1, 1), "org_code": v,
             "assistance_category": "2", "assistance_start_date": date(2020, 1, 1)}
            for i, (n, v, _t) in zip(IDS, PEOPLE, strict=True)]


def _county(ws: Workspace) -> None:
    org_file = ws.home / "orgs.yaml"
    org_file.write_text(yaml.safe_dump(ORGS, allow_unicode=True), encoding="utf-8")
    with ws.engine.begin() as conn:
        import_org_tree(conn, org_file)
    add_snapshot(ws, "gaj_rk", "public_security", "resident", _residents(),
                 when=datetime(2025, 1, 5, tzinfo=UTC), tag="a")


def test_roster_records_carry_org_codes(workspace: Workspace) -> None:
    _county(workspace)
    spec = parse_spec({"id": "t_tk", "title": "特困人员名册", "department": "civil_affairs", "period_type": "month",
                       "layout": "roster", "roster": {"entity": "resident", "filter": "assistance_category = '特困'",
                                                      "columns": ["name", "org_code"]}})
    result = generate(workspace, spec, "2025-06", COUNTY, role="cleared")
    by_name = {rec["name"]: (rec["org_code"], code) for rec, code in zip(result.records, result.places, strict=True)}
    # shown by name (both 龙潭村), keyed by code (one each)
    assert by_name["赵一"] == ("龙潭村", A1) and by_name["钱二"] == ("龙潭村", A2)
    assert by_name["周五"] == ("石桥社区", B1)


def test_a_shared_village_name_fills_the_right_township(workspace: Workspace, tmp_path: Path) -> None:
    from biaotong.forms import export as _template_export  # noqa: F401  registers 'template'
    from biaotong.reports.export import export

    _county(workspace)
    form = tmp_path / "特困人员花名册.xlsx"
    form.write_bytes(sketch_form("特困供养人员花名册", ["序号", "乡镇（街道）", "村（社区）", "姓名", "身份证号"],
                                 rows=["", "", ""]))
    layout, proposals, raw = import_form(form, ws=workspace)
    assert layout.kind == "roster"
    spec = build_spec(layout, proposals, report_id="t_tk_form", title=None, department="civil_affairs",
                      level="village")
    save_report(workspace, spec, raw)
    result = generate(workspace, "t_tk_form", "2025-06", COUNTY, role="cleared")
    out = export(result, "template", tmp_path / "filled.xlsx", ws=workspace)
    sheet = load_workbook(out).active
    heads = {sheet.cell(layout.first_data_row - 1, c).value: c for c in range(1, 6)}
    got = {}
    for r in range(layout.first_data_row, layout.first_data_row + len(result.records)):
        got[sheet.cell(r, heads["姓名"]).value] = (sheet.cell(r, heads["乡镇（街道）"]).value,
                                                 sheet.cell(r, heads["村（社区）"]).value)
    village = {v["code"]: v["name"] for v in ORGS["units"]}
    assert got == {n: (t, village[v]) for n, v, t in PEOPLE}
