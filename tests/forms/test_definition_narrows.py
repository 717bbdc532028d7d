"""A note's definition that narrows its head noun by words nothing reads (随迁子女指户籍在外地、随父母在本乡镇就读的
学生) defines a part of that population no element tells apart: the column abstains instead of counting every
student. A definition whose qualifiers are read (育龄妇女指15-49周岁的女性) still composes. And 迁入 is no name of
the year's registrations (they include births). Real .xlsx written and read back."""

from __future__ import annotations

from biaotong.forms import read_form_bytes
from biaotong.forms.match import Matcher, Proposal
from biaotong.forms.sketch import SketchOptions, sketch_form


def _props(matcher: Matcher, title: str, columns: list, notes: str = "") -> dict[str, Proposal]:
    form = sketch_form(title, ["乡镇", *columns], rows=["合计", "东坡镇"], options=SketchOptions(footer=notes))
    return {p.column: p for p in matcher.match(read_form_bytes(form, file="表.xlsx"))}


def test_a_definition_by_words_nothing_reads_abstains(matcher: Matcher) -> None:
    got = _props(matcher, "义务教育阶段学生统计表", ["在校学生数", "随迁子女人数"],
                 "说明：随迁子女指户籍在外地、随父母在本乡镇就读的学生。")
    assert got["B"].kind in ("indicator", "expression")
    assert got["C"].kind == "unmapped"
    assert "随迁子女" in got["C"].reason and "填表说明" in got["C"].reason  # the designer sees why


def test_a_definition_whose_qualifiers_are_read_still_composes(matcher: Matcher) -> None:
    got = _props(matcher, "计划生育基本情况统计表", ["户籍人口数", "育龄妇女人数"], "说明：育龄妇女指15-49周岁的女性。")
    c = got["C"]
    assert c.kind in ("indicator", "expression")
    flt = str((c.expression or {}).get("filter") or c.filter or "")
    assert "15" in flt and "49" in flt


def test_move_ins_are_not_the_years_registrations(matcher: Matcher) -> None:
    got = _props(matcher, "户籍人口变动情况表", [("本年变动", ["出生", "死亡", "迁入", "迁出"])])
    assert got["B"].kind in ("indicator", "expression")  # 出生
    assert got["D"].kind == "unmapped"  # 迁入: registrations include births, no element tells a move-in apart
    assert got["D"].target != "registered_ytd"


def test_a_definition_by_an_open_list_of_populations_abstains(matcher: Matcher) -> None:
    # 低保对象、特困人员、重度残疾人等: a union left open, never the three conditions at once
    got = _props(matcher, "城乡居民养老保险参保情况表", ["应参保人数", ("参保人数", ["合计", "其中：政府代缴人员"])],
                 "说明：政府代缴人员指由财政为低保对象、特困人员、重度残疾人等困难群体代缴最低档次保费的参保人员。")
    assert got["B"].target == "pension_eligible"  # the column's own words name the library's 应参保人数
    assert got["D"].kind == "unmapped"
    assert "政府代缴人员" in got["D"].reason


def test_a_kind_a_code_lumps_together_is_no_figure_of_the_code(matcher: Matcher) -> None:
    # veteran_type 其他优抚对象 includes 在乡复员军人: a source value reads as the code, a header asks for a part
    got = _props(matcher, "退役军人和其他优抚对象基本情况统计表", [("其他优抚对象", ["合计", "在乡复员军人"])])
    assert got["C"].kind == "unmapped"


def test_a_code_reads_the_kinds_it_includes_from_source_values() -> None:
    from biaotong.catalog import load_catalog

    cl = load_catalog().code_lists["veteran_type"]
    assert cl.lookup("在乡复员军人") == cl.lookup("其他优抚对象") == "7"


def test_a_word_only_a_yes_no_attribute_has_narrows_the_age_group(matcher: Matcher) -> None:
    got = _props(matcher, "老年人口情况月报表", ["80周岁及以上老年人数", "80周岁及以上空巢老人数"])
    assert got["B"].target == "pop_80plus"
    assert got["C"].kind == "unmapped"  # 空巢 is no 80岁以上 count, and 独居老人 is not 空巢 either
    assert "空巢" in got["C"].reason


def test_a_bracket_says_which_code_values_a_word_means(matcher: Matcher) -> None:
    got = _props(matcher, "残疾人两项补贴享受情况统计表", [("持证残疾人数", ["合计", "其中：重度（一、二级）"])])
    c = got["C"]
    assert c.kind in ("indicator", "expression")
    flt = str((c.expression or {}).get("filter") or "")
    assert c.target == "disabled_severe" or "disability_grade in ('一级', '二级')" in flt
