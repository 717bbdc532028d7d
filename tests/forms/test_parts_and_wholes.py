"""Round 10 tuning batch (2026-12-04): a part of a figure each village writes whole, an item of a breakdown
proposed as its whole, one figure asked twice, an outlay over a quarter, an area under another subject, and in a
household roster the householder's own columns and another party's phone. Real .xlsx written and read back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from biaotong.forms import read_form_bytes
from biaotong.forms.match import Matcher, Proposal
from biaotong.forms.sketch import SketchOptions, sketch_form
from tests.forms.corpus.render import render_form


def _props(matcher: Matcher, title: str, columns: list, notes: str = "") -> dict[str, Proposal]:
    form = sketch_form(title, ["村（社区）", *columns], rows=["合计", "东坡村"], options=SketchOptions(footer=notes))
    return {p.column: p for p in matcher.match(read_form_bytes(form, file="表.xlsx"))}


def test_a_sex_part_of_a_figure_each_village_writes_is_not_everyone_of_that_sex(matcher: Matcher) -> None:
    got = _props(matcher, "村干部队伍情况统计表", [("村两委成员", ["合计", "其中：女性"])])
    assert got["C"].kind == "unmapped"
    assert "村两委成员" in got["C"].reason and "整数填写" in got["C"].reason


def test_an_item_of_a_breakdown_is_never_its_whole(matcher: Matcher) -> None:
    got = _props(matcher, "控辍保学工作情况统计表",
                 [("在籍不在校人数", ["合计", ("按类别分", ["长时间请假", "疑似辍学", "休学"])])])
    assert got["B"].target == "dropouts"
    assert got["D"].kind == "unmapped"  # 疑似辍学 is an alias of 辍学人数, but here one kind of its whole
    assert "分类" in got["D"].reason


def test_a_generic_name_beside_two_readings_of_it_asks_neither(matcher: Matcher) -> None:
    got = _props(matcher, "村基本情况表", ["人口总数", "常住人口数", "户籍人口数"])
    assert got["C"].target == "pop_permanent" and got["D"].target == "pop_total"
    assert got["B"].kind == "unmapped"


def test_the_same_figure_twice_without_another_reading_is_kept(matcher: Matcher) -> None:
    got = _props(matcher, "人口统计年报", ["年末总人口(人)", "户籍人口数(人)"])
    assert got["B"].target == got["C"].target == "pop_total"


def test_a_months_outlay_is_no_quarters_outlay(matcher: Matcher) -> None:
    got = _props(matcher, "特困人员救助供养情况季报表", ["特困人员数", "本季度支出保障金（万元）", "本月支出保障金（万元）"])
    assert got["C"].kind == "unmapped" and "季度" in got["C"].reason
    assert got["D"].target == "tekun_amount"


def test_an_area_under_another_subject_is_not_the_villages_area(matcher: Matcher) -> None:
    got = _props(matcher, "宅基地和耕地保护情况统计表", ["行政区域面积（亩）", ("农村宅基地", ["宗数", "面积（亩）"])])
    assert got["B"].kind in ("indicator", "element")
    assert got["D"].kind == "unmapped"


def _roster(matcher: Matcher, tmp: Path, columns: list[dict[str, Any]]) -> dict[str, Proposal]:
    defn = {"id": "t-household-roster", "department": "housing", "split": "tuning", "title": "农房灾后重建台账",
            "layout": "roster", "level": "village", "columns": columns}
    truth = render_form(defn, 0, tmp / "台账.xlsx")
    layout = read_form_bytes((tmp / "台账.xlsx").read_bytes(), file="台账.xlsx")
    by_column = {p.column: p for p in matcher.match(layout)}
    return {">".join(t["path"]): by_column[t["column"]] for t in truth["leaves"]}


def test_a_household_rosters_id_number_is_the_householders(matcher: Matcher, tmp_path: Path) -> None:
    got = _roster(matcher, tmp_path, [
        {"header": "户编号", "truth": {"element": "household.household_id"}},
        {"header": "户主姓名", "truth": {"element": "household.householder_name"}},
        {"header": "身份证号码", "truth": {"element": "household.householder_id_number"}},
        {"header": "联系电话", "truth": {"element": "household.phone"}},
        {"header": "房屋安全等级", "truth": {"element": "household.house_safety_level"}},
        {"header": "施工单位", "children": [{"header": "名称", "truth": "unmapped"},
                                          {"header": "联系号码", "truth": "unmapped"}]},
    ])
    assert got["身份证号码"].target == "household.householder_id_number"
    assert got["联系电话"].target == "household.phone"
    assert got["施工单位>联系号码"].kind == "unmapped"  # the builder's phone, not the household's
    assert "另一角色" in got["施工单位>联系号码"].reason


def test_the_people_who_serve_are_no_population_served(matcher: Matcher) -> None:
    # 服务人口 is a name of 户籍人口数 (a clinic's card); 照料服务人员 are carers, whom no register lists
    got = _props(matcher, "特困人员照料护理情况统计表", ["特困人员数", "照料服务人员数"])
    assert got["B"].target == "tekun_persons"
    assert got["C"].kind == "unmapped" and "工作人员" in got["C"].reason


def test_a_part_proposed_as_its_whole_abstains(matcher: Matcher) -> None:
    got = _props(matcher, "村级集体经济情况统计表", ["村集体经济收入（万元）", "其中：经营性收入（万元）"])
    assert got["B"].kind in ("collected", "indicator", "element")
    assert got["C"].kind == "unmapped"
    assert "其中项" in got["C"].reason
