"""Nested 口径 (docs/second-county.md stumbles 9, 12, 13, 15): parts in a 其中 group under a population with no
合计 column, coordinated definitions in the 填表说明, a population under a measure, the umbrella population of
an “X和其他Y” title, a roster's money column, and what a saved form teaches the next one. Every form is drawn
as a real .xlsx and read back; the wordings are not the second county's."""

from __future__ import annotations

import pytest

from biaotong.forms import read_form_bytes
from biaotong.forms.match import Matcher, Proposal, topic_of
from biaotong.forms.qualifiers import definitions
from biaotong.forms.sketch import Header, SketchOptions, sketch_form
from biaotong.forms.store import new_aliases
from biaotong.forms.vocab import load_vocabulary

AREAS = ["合计", "东坡镇", "西岭乡"]
NOTES = "填表说明：1.老年人指60周岁及以上、未成年人指未满18周岁的特困人员；2.残疾人指持有残疾人证的特困人员。"


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(load_vocabulary())


def props(matcher: Matcher, title: str, header: list[Header], notes: str | None = None,
          rows: list[str] | None = AREAS) -> dict[str, Proposal]:
    opts = SketchOptions(footer=notes) if notes else SketchOptions()
    layout = read_form_bytes(sketch_form(title, header, rows=rows, options=opts), file="form.xlsx")
    return {p.column: p for p in matcher.match(layout)}


def flt(p: Proposal) -> str:
    return str((p.expression or {}).get("filter"))


def test_coordinated_definitions_share_their_population_and_numbering_is_dropped() -> None:
    got = definitions([NOTES])
    assert got["老年人"] == "60周岁及以上的特困人员"  # the shared head noun of 未成年人's definition
    assert got["未成年人"] == "未满18周岁的特困人员"
    assert got["残疾人"] == "持有残疾人证的特困人员"  # not “2.残疾人”


@pytest.mark.parametrize("nested", [True, False])
def test_parts_nested_under_a_population_without_a_total_cut_that_population(matcher: Matcher,
                                                                            nested: bool) -> None:
    parts = ("其中", ["女", "老年人", "未成年人", "残疾人"])
    header: list[Header] = ["地区", ("特困人员数(人)", [parts])] if nested else ["地区", "特困人员数(人)", parts]
    got = props(matcher, "2025年5月特困人员供养情况表", header, NOTES)
    cols = ["B", "C", "D", "E"] if nested else ["C", "D", "E", "F"]
    female, old, young, disabled = (got[c] for c in cols)
    assert female.target == "tekun_female"  # the library names it, with the same 口径
    held = "(is_set(disability_cert_no) and (disability_cert_issue_date is null or " \
           "before_period_end(disability_cert_issue_date)))"  # a certificate issued by the period's end
    for p, part in ((old, "age >= 60"), (young, "age < 18"), (disabled, held)):
        assert p.kind == "expression" and p.target == "tekun_persons", p.title
        # the definition's “的特困人员” restates the population; the one age condition is not doubled
        assert flt(p).startswith("(assistance_category = '特困'") and flt(p).endswith(f") and {part}"), flt(p)
        assert flt(p).count("age") == (1 if "age" in part else 0)
    assert "health_status" not in flt(disabled)  # 残疾人证 holders, not a health status


def test_a_population_under_a_measure_is_the_measure_of_that_population(matcher: Matcher) -> None:
    got = props(matcher, "2025年5月参保情况统计表",
                ["地区", ("参保人数(人)", ["合计", "严重精神障碍患者", "残疾人"])])
    assert got["B"].target == "pension_insured"
    c = got["C"]
    assert c.kind == "expression" and c.target == "pension_insured"  # insured patients, not all patients
    assert flt(c).startswith("(pension_status in") and flt(c).endswith(") and severe_mental_disorder"), flt(c)
    assert "是其中的人群" in c.reason
    assert "pension_status" in flt(got["D"]) and "is_set(disability_cert_no)" in flt(got["D"])


def test_the_library_name_of_the_intersection_is_proposed_when_it_exists(matcher: Matcher) -> None:
    got = props(matcher, "家庭医生签约情况表", ["地区", ("签约人数(人)", ["合计", "肺结核患者", "低保对象"])])
    assert got["C"].kind == "indicator" and got["C"].target == "fd_signed_tb"  # not tb_patients
    assert "签约人数" in got["C"].reason
    d = got["D"]
    assert d.target == "fd_signed" and "family_doctor_signed" in flt(d) and "assistance_category = '低保'" in flt(d)


def test_a_kind_under_its_own_population_stays_that_kind(matcher: Matcher) -> None:
    got = props(matcher, "持证残疾人情况表", ["地区", ("持证残疾人数(人)", ["合计", "视力残疾", "肢体残疾"])])
    assert (got["C"].kind, got["C"].target) == ("indicator", "disabled_visual")
    assert (got["D"].kind, got["D"].target) == ("indicator", "disabled_physical")


def test_an_and_other_title_counts_the_whole_population() -> None:
    assert topic_of("伤残军人和其他优抚对象数量统计表") == "优抚对象"
    assert topic_of("农村留守儿童及其他困境儿童情况统计表") == "困境儿童"
    assert topic_of("2021年7月城市低保对象综合统计表") == "低保"


def test_an_and_other_form_total_is_the_umbrella_population(matcher: Matcher) -> None:
    got = props(matcher, "伤残军人和其他优抚对象统计表", ["地区", "合计", ("其中", ["退役士兵", "烈士遗属"])])
    assert got["B"].target == "entitled_total"  # all 优抚对象, not the veterans alone
    assert got["C"].target == "entitled_total" and flt(got["C"]).endswith("veteran_type = '退役士兵'")
    assert got["D"].target == "martyr_families"


def test_a_roster_money_column_takes_the_amount_element_read_with_the_title(matcher: Matcher) -> None:
    got = props(matcher, "特困人员救助供养名册", ["序号", "姓名", "公民身份号码", "当月救助供养金（元）", "备注"],
                rows=None)
    assert (got["D"].kind, got["D"].target) == ("element", "resident.assistance_amount")
    assert "金额" in got["D"].reason
    assert got["E"].kind == "unmapped"  # 备注 takes no number


def test_a_saved_column_under_a_parent_is_remembered_with_its_parent(matcher: Matcher) -> None:
    got = props(matcher, "2025年5月救助对象统计表", ["地区", ("低保人数(人)", ["合计", "城市"]), "当月低保金支出(元)"])
    learnt = new_aliases(list(got.values()), matcher.vocab)
    assert "合计" not in learnt  # it would take the next form's 合计 (a veterans form's) as 低保人数
    assert all(target != "dibao_persons" or alias.startswith("低保人数") for alias, target in learnt.items())
    stale = matcher.vocab.with_aliases({"合计": "dibao_persons", "低保人数合计": "dibao_persons"})
    assert "合计" not in stale.term("dibao_persons").texts  # type: ignore[union-attr]
    assert "低保人数合计" in stale.term("dibao_persons").texts  # type: ignore[union-attr]
