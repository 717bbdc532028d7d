"""Cards (single-unit forms) as departments draw them, filled one per unit in one go: a workbook with a
sheet per unit, or a folder with a file per unit, each card naming its unit and parent in its own cells."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from biaotong.auth.actor import Actor
from biaotong.forms import read_form_bytes
from biaotong.forms.fill import Card, fill_cards, sheet_name
from biaotong.forms.layout import read_forms
from biaotong.forms.service import import_form
from biaotong.forms.spec import apply_mapping, build_spec
from biaotong.forms.store import save_report
from biaotong.ledger.tables import ledger_entries
from biaotong.workspace import Workspace
from tests.forms.corpus.render import load_defs, render_form
from tests.reports.county import COUNTY, T1, install, make_county

CARD = {
    "id": "test-village-card", "department": "statistics", "split": "tuning", "title": "村基本情况表",
    "layout": "card", "level": "village", "reference": "统计时点",
    "columns": [
        {"header": "户籍人口", "unit": "人", "truth": {"indicator": "pop_total"}},
        {"header": "60岁以上老人", "unit": "人", "truth": {"indicator": "pop_60plus"}},
        {"header": "户籍户数", "unit": "户", "truth": {"indicator": "households_total"}},
    ],
}


def _card_form(tmp_path: Path, variant: int = 0) -> tuple[Path, dict]:
    path = tmp_path / f"card-v{variant}.xlsx"
    return path, render_form(CARD, variant, path)


def test_fill_cards_writes_a_sheet_per_unit_with_its_names(tmp_path: Path) -> None:
    defn = next(d for d in load_defs("tuning") if d["id"] == "ex-village-card")
    for variant in range(12):
        path = tmp_path / f"v{variant}.xlsx"
        truth = render_form(defn, variant, path)
        [layout] = read_forms(path)
        first = truth["leaves"][0]["cell"]
        cards = [Card("东风村", {first: 120}, parent="东风镇"), Card("红旗社区", {first: 80}, parent="东风镇"),
                 Card("东风村", {first: 5}, parent="西山乡")]  # the same name twice still gets its own sheet
        wb = load_workbook(io.BytesIO(fill_cards(path.read_bytes(), layout, cards)))
        others = [s["sheet"] for s in truth["extra_sheets"]]
        assert sorted(wb.sheetnames) == sorted(["东风村", "红旗社区", "东风村(2)", *others])
        for title, card in zip(["东风村", "红旗社区", "东风村(2)"], cards, strict=True):
            ws = wb[title]
            assert card.name in str(ws[truth["name_cell"]].value)  # its own cell, or its part of one line
            assert card.parent in str(ws[truth["parent_cell"]].value)
            assert ws[first].value == card.cells[first]
            assert ws.merged_cells.ranges  # the card's merges came with the copy


def test_sheet_names_are_valid_and_unique() -> None:
    used: set[str] = set()
    assert sheet_name("a/b:c*d?[e]", used) == "a_b_c_d__e_"
    long = "某某县某某镇某某村民委员会第一村民小组及其他很长的名字"
    first, second = sheet_name(long, used), sheet_name(long, used)
    assert len(first) <= 31 and len(second) <= 31 and first != second


@pytest.fixture
def county_ws(tmp_path: Path) -> Iterator[Workspace]:
    ws = Workspace.open(tmp_path / "ws")
    install(ws, make_county())
    try:
        yield ws
    finally:
        ws.close()


def _saved_card(ws: Workspace, tmp_path: Path) -> dict:
    path, truth = _card_form(tmp_path, variant=2)
    layout, proposals, raw = import_form(path, ws=ws)
    assert layout.kind == "form" and layout.reference_date == "2025-06-30"
    apply_mapping(proposals, {leaf["cell"]: leaf["truth"]["indicator"] for leaf in truth["leaves"]})
    spec = build_spec(layout, proposals, report_id="tj_card", title=None, department="statistics", level="village")
    save_report(ws, spec, raw)
    return truth


def test_one_command_gives_a_card_per_village_in_sheets(county_ws: Workspace, tmp_path: Path) -> None:
    from biaotong.forms import export as _template_export  # noqa: F401  registers 'template'
    from biaotong.reports.export import export
    from biaotong.reports.generate import generate

    truth = _saved_card(county_ws, tmp_path)
    result = generate(county_ws, "tj_card", "2024-12", T1)
    assert len(result.cards) >= 2
    out = export(result, "template", tmp_path / "cards.xlsx", ws=county_ws)
    wb = load_workbook(out)
    assert wb.sheetnames[: len(result.cards)] == [c["org_name"] for c in result.cards]
    for card in result.cards:
        ws = wb[card["org_name"]]
        assert ws[truth["name_cell"]].value == card["org_name"]
        assert ws[truth["parent_cell"]].value == "东风镇"
        values = {it["id"]: it["value"] for it in card["items"]}
        assert ws[truth["leaves"][0]["cell"]].value == values["pop_total"]


def test_folder_of_cards_each_recorded(county_ws: Workspace, tmp_path: Path) -> None:
    from biaotong.services.cards import generate_card_folder

    truth = _saved_card(county_ws, tmp_path)
    admin = Actor("shujuju", frozenset({"data_admin"}), COUNTY, None, "cleared")
    files = generate_card_folder(admin, county_ws, "tj_card", "2024-12", COUNTY, tmp_path / "cards")
    assert len(files) >= 5 and all(f.suffix == ".xlsx" for f in files)
    with county_ws.engine.connect() as conn:
        recorded = {json.loads(r.event)["detail"]["file"] for r in conn.execute(select(ledger_entries.c.event).where(
            ledger_entries.c.action == "report.generate"))}
    assert {f.name for f in files} <= recorded
    for f in files:
        code, name = f.stem.split("_", 1)
        layout = read_form_bytes(f.read_bytes())
        ws = load_workbook(f)[layout.sheet]
        assert ws[truth["name_cell"]].value == name and len(code) == 12
        assert ws[truth["parent_cell"]].value  # its township


def _boxed_card(last_row: list[tuple[str, str]]) -> bytes:
    """A card drawn in boxes, two label/value pairs a row with merged value cells, the last boxed row given."""
    from openpyxl import Workbook
    from openpyxl.styles import Border, Side

    box = Border(*(Side(style="thin"),) * 4)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws["A1"] = "村（社区）为老服务基本情况表"
    ws.merge_cells("A1:F1")
    ws["A2"], ws["D2"] = "村名：", "所属乡镇："
    rows = [("60岁以上老年人（人）：", "80岁以上老年人（人）："), ("独居老人（人）：", "养老服务设施数（个）："), *last_row]
    for r, (a, b) in enumerate(rows, start=3):
        ws.cell(r, 1, a)
        ws.cell(r, 4, b)
        ws.merge_cells(start_row=r, start_column=2, end_row=r, end_column=3)
        ws.merge_cells(start_row=r, start_column=5, end_row=r, end_column=6)
        for c in range(1, 7):
            ws.cell(r, c).border = box
    footer = 3 + len(rows)
    ws.cell(footer, 1, "填表人：        联系电话：        报出日期：    年  月  日")
    ws.merge_cells(start_row=footer, start_column=1, end_row=footer, end_column=6)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_signature_words_of_the_units_own_fields_are_fields_not_the_footer() -> None:
    data = _boxed_card([("服务站负责人：", "服务站值班电话："), ("管水员电话：", "水源类型：")])
    layout = read_form_bytes(data)
    assert layout.kind == "form"
    fields = {leaf.cell: leaf.name for leaf in layout.leaves}
    assert fields == {"B3": "60岁以上老年人", "E3": "80岁以上老年人", "B4": "独居老人", "E4": "养老服务设施数",
                      "B5": "服务站负责人", "E5": "服务站值班电话", "B6": "管水员电话", "E6": "水源类型"}
    # the real footer is still the footer; no note points at a field's cell (fill would write the filler's
    # phone into 服务站值班电话)
    assert {n.kind for n in layout.notes if n.position == "below"} >= {"filler", "phone", "date"}
    assert not {n.value_cell for n in layout.notes} & set(fields)
    assert layout.last_template_row == 6
    # filled cards keep those cells blank when no value is given, and write the ones given
    wb = load_workbook(io.BytesIO(fill_cards(data, layout, [Card("东风村", {"B3": 321, "E6": "地下水"})])))
    ws = wb["东风村"]
    assert ws["B3"].value == 321 and ws["E6"].value == "地下水"
    assert ws["E5"].value is None and ws["B5"].value is None


def test_a_boxed_signature_row_is_still_the_footer() -> None:
    # 主要负责人 / 联系电话 are whose signature, not the unit's fields, even drawn in the card's boxes
    layout = read_form_bytes(_boxed_card([("主要负责人：", "联系电话：")]))
    assert [leaf.cell for leaf in layout.leaves] == ["B3", "E3", "B4", "E4"]
    assert {n.kind: n.value_cell for n in layout.notes if n.cell in ("A5", "D5")} == {"head": "B5", "phone": "E5"}
    signed = read_form_bytes(_boxed_card([("服务站负责人（签字）：", "填报日期：")]))
    assert [leaf.cell for leaf in signed.leaves] == ["B3", "E3", "B4", "E4"]


def test_field_label_tells_a_units_field_from_a_signature() -> None:
    from biaotong.forms.notes import field_label

    for text in ("服务站值班电话：", "管水员电话：", "服务站负责人：", "项目负责人:", "村委会电话："):
        assert field_label(text), text
    for text in ("联系电话：", "单位负责人：", "主要负责人：", "分管负责人：", "填报人电话：", "单位电话：",
                 "负责人：", "项目负责人（签字）：", "填表人：  联系电话：", "管水员电话：13800000000", "管水员电话"):
        assert not field_label(text), text
