"""A second county's forms as drawn: pre-listed rows named otherwise than the org tree (城关 for 城关镇), a
roster's township/village columns and the population its title names, and a month alone as the reference
date. Real workbooks written, read and filled; a real workspace and org tree for the roster's places."""

from __future__ import annotations

import io
import json
from pathlib import Path
from types import SimpleNamespace

from openpyxl import Workbook, load_workbook

from biaotong.catalog import import_org_tree
from biaotong.forms import read_form_bytes
from biaotong.forms.export import _names_at
from biaotong.forms.fill import FillRow, fill_workbook
from biaotong.forms.service import import_form, import_json, matcher, roster_filter
from biaotong.workspace import Workspace


def _book(rows: list[list[str | None]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    for r, values in enumerate(rows, start=1):
        for c, v in enumerate(values, start=1):
            if v is not None:
                ws.cell(r, c, v)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _prelisted() -> bytes:
    return _book([
        ["退役军人基本情况统计表"],
        ["填报单位：", None, "截止日期：2025年6月30日"],
        ["乡镇（街道）", "退役军人数（人）", "其中：女（人）"],
        ["城关"], ["坝固"], ["塘坝乡"], ["城东"], ["新寨"], ["合计"],
    ])


def test_prelisted_rows_named_otherwise_are_filled_in_place() -> None:
    template = _prelisted()
    layout = read_form_bytes(template)
    assert layout.kind == "aggregate" and layout.template_labels[4] == "城关"
    rows = [
        FillRow({"B": 120, "C": 8}, {"township": "城关镇"}, name="城关镇", level="township"),
        FillRow({"B": 40, "C": 2}, {"township": "坝固镇"}, name="坝固镇", level="township"),
        FillRow({"B": 30, "C": 1}, {"township": "塘坝水族乡"}, name="塘坝水族乡", level="township"),
        FillRow({"B": 5}, {"township": "城东镇"}, name="城东镇", level="township"),
        FillRow({"B": 6}, {"township": "城东街道"}, name="城东街道", level="township"),
        FillRow({"B": 201, "C": 11}, name="合计", total=True),
    ]
    ws = load_workbook(io.BytesIO(fill_workbook(template, layout, rows))).active
    got = {ws.cell(r, 1).value: (ws.cell(r, 2).value, ws.cell(r, 3).value) for r in range(4, ws.max_row + 1)}
    # the department's own names stay, with the report's numbers beside them
    assert got["城关"] == (120, 8) and got["坝固"] == (40, 2) and got["塘坝乡"] == (30, 1)
    assert got["合计"] == (201, 11)
    assert not {"城关镇", "坝固镇", "塘坝水族乡"} & set(got)  # not appended again below
    # 城东 fits two units equally: not guessed, said so; 新寨 is no unit of the report: said so
    assert got["城东"] == (None, None) and got["新寨"] == (None, None)
    assert "城东镇" in ws["A7"].comment.text and "城东街道" in ws["A7"].comment.text
    assert "新寨" in ws["A8"].comment.text
    assert got["城东镇"] == (5, None) and got["城东街道"] == (6, None)  # kept, as rows of their own


def test_a_month_alone_is_the_reference_date() -> None:
    on_its_line = _book([["户籍人口及变动情况表"], ["2025年6月"], ["乡镇（街道）", "户数（户）", "人口（人）"],
                         [None], [None]])
    assert read_form_bytes(on_its_line).reference_date == "2025-06-30"
    subtitle = _book([["低保对象统计表"], ["（2025年2月）"], ["乡镇（街道）", "户数（户）", "人数（人）"], [None]])
    assert read_form_bytes(subtitle).reference_date == "2025-02-28"
    in_title = _book([["低保对象统计表（2024年2月）"], ["乡镇（街道）", "户数（户）", "人数（人）"], [None]])
    assert read_form_bytes(in_title).reference_date == "2024-02-29"
    keyed_first = _book([["低保对象统计表（2025年5月）"], ["统计时点：2025年6月30日"],
                         ["乡镇（街道）", "户数（户）", "人数（人）"], [None]])
    assert read_form_bytes(keyed_first).reference_date == "2025-06-30"
    # a block's 有效期至 month, or a bare 年 月 日 to fill in, is no reference date
    block = _book([[None, None, "有效期至：2027年6月"], ["人口统计表"], ["乡镇（街道）", "户数（户）", "人数（人）"],
                   [None], ["填报日期：    年  月  日"]])
    assert read_form_bytes(block).reference_date is None


def _roster(tmp_path: Path, title: str) -> Path:
    path = tmp_path / "roster.xlsx"
    path.write_bytes(_book([[title], ["填报单位：", None, None, None, "截止日期：2025年6月30日"],
                            ["序号", "乡镇（街道）", "村（社区）", "姓名", "性别", "公民身份号码", "出生日期"],
                            [None], [None]]))
    return path


def test_the_population_a_roster_title_names_is_its_filter(tmp_path: Path) -> None:
    match = matcher()
    layout, proposals, _raw = import_form(_roster(tmp_path, "特困供养人员花名册"), match=match)
    assert layout.kind == "roster"
    population = match.roster_population(layout)
    assert population is not None and population["indicator"] == "tekun_persons"
    assert "assistance_category = '特困'" in population["filter"]
    data = import_json(layout, proposals, population=population)
    assert data["roster_filter"]["filter"] == population["filter"]
    # template save: --filter wins, else the import file's roster_filter (null: everyone), else the proposal
    mapping = tmp_path / "m.json"
    mapping.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert roster_filter(None, mapping, population) == population["filter"]
    assert roster_filter("age >= 80", mapping, population) == "age >= 80"
    mapping.write_text(json.dumps({**data, "roster_filter": None}, ensure_ascii=False), encoding="utf-8")
    assert roster_filter(None, mapping, population) is None
    assert roster_filter(None, None, population) == population["filter"]
    # a roster of everyone names no population
    everyone, _p, _r = import_form(_roster(tmp_path, "居民花名册"), match=match)
    assert match.roster_population(everyone) is None


ORG = """\
units:
  - {code: "522700000000", name: 某州}
  - {code: "522732000000", name: 清河县, parent: "522700000000"}
  - {code: "522732001000", name: 城关街道, parent: "522732000000"}
  - {code: "522732101000", name: 坝固镇, parent: "522732000000"}
  - {code: "522732001001", name: 城东社区, parent: "522732001000"}
  - {code: "522732101001", name: 新寨村, parent: "522732101000"}
  - {code: "522732001002", name: 新寨村, parent: "522732001000"}
"""


def test_roster_places_by_the_name_its_rows_show(workspace: Workspace, tmp_path: Path) -> None:
    org = tmp_path / "org.yaml"
    org.write_text(ORG, encoding="utf-8")
    with workspace.engine.begin() as conn:
        import_org_tree(conn, org)
    from datetime import date

    result = SimpleNamespace(period=SimpleNamespace(end=date(2025, 6, 30)))
    names_at = _names_at(workspace, result)
    assert names_at is not None
    # a roster record's org_code shows the person's village by name: its township and village are found
    assert names_at("城东社区", "township") == "城关街道" and names_at("城东社区", "village") == "城东社区"
    assert names_at("522732101001", "township") == "坝固镇"  # a code, as before
    # two villages share the name 新寨村: blank, never guessed; an unknown name too
    assert names_at("新寨村", "township") is None and names_at("无此村", "village") is None
