"""口径 from the header tree, the title and the notes (docs/second-county.md stumbles 8-10, 12-14): qualifiers
composed with their parent population, month windows, the title's topic, negation in notes, money columns.
Every form is drawn by the test as a real .xlsx and read back."""

from __future__ import annotations

import pytest

from biaotong.forms import read_form_bytes
from biaotong.forms.match import Matcher, Proposal, topic_of
from biaotong.forms.qualifiers import scan
from biaotong.forms.sketch import Header, SketchOptions, sketch_form
from biaotong.forms.vocab import load_vocabulary

AREAS = ["合计", "东坡镇", "西岭乡"]


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(load_vocabulary())


def props(matcher: Matcher, title: str, header: list[Header], notes: str | None = None) -> dict[str, Proposal]:
    opts = SketchOptions(footer=notes) if notes else SketchOptions()
    layout = read_form_bytes(sketch_form(title, header, rows=AREAS, options=opts), file="form.xlsx")
    return {p.column: p for p in matcher.match(layout)}


def flt(p: Proposal) -> str:
    return str((p.expression or {}).get("filter"))


def test_urban_and_rural_compose_symmetrically_under_their_parent(matcher: Matcher) -> None:
    got = props(matcher, "2025年5月救助对象统计表", ["地区", ("低保户数(户)", ["合计", "城市", "农村"])])
    assert got["B"].target == "dibao_households" and got["B"].kind == "indicator"
    for col, value in (("C", "'非农业'"), ("D", "'农业'")):
        assert got[col].kind == "expression" and got[col].target == "dibao_households"
        assert flt(got[col]).endswith(f"hukou_type = {value}")
        assert "assistance_category = '低保'" in flt(got[col])


def test_parts_of_a_population_keep_the_parents_persons(matcher: Matcher) -> None:
    got = props(matcher, "2025年5月救助对象统计表",
                ["地区", "低保人数(人)", ("其中", ["老年人", "未成年人", "残疾人"])])
    held = "is_set(disability_cert_no) and (disability_cert_issue_date is null or " \
           "before_period_end(disability_cert_issue_date)))"  # a certificate issued by the period's end
    for col, part in (("C", "age >= 60"), ("D", "age < 18"), ("E", held)):
        assert got[col].target == "dibao_persons", col
        assert "assistance_category = '低保'" in flt(got[col]) and flt(got[col]).endswith(part)
    assert "health_status" not in flt(got["E"])  # no source holds a health status of 残疾


def test_month_in_a_group_header_counts_within_the_period(matcher: Matcher) -> None:
    got = props(matcher, "2025年5月人口变动统计表", ["地区", "户籍人口(人)", ("本月变动(人)", ["出生", "死亡"]),
                                                  ("本年累计(人)", ["出生"])])
    c = dict(got["C"].expression or {})
    # the library's births_ytd (its filter kept: births of people who died since count too), not cumulative
    assert c.pop("filter", "").startswith("include_deregistered")
    assert c == {"agg": "count", "entity": "resident", "date": "birth_date"}
    assert "本月" in got["C"].reason
    assert got["D"].target == "deaths_period"  # the library's within-period twin
    assert got["E"].target == "births_ytd"  # 本年累计 stays year to date


def test_a_measure_under_a_population_is_both(matcher: Matcher) -> None:
    got = props(matcher, "2025年慢病患者管理统计表", ["地区", ("糖尿病患者(人)", ["人数", "签约人数"])])
    assert got["B"].target == "diabetes_patients"
    assert got["C"].target == "diabetes_patients" and got["C"].kind == "expression"
    # both filters; signed by the period's end, as the library's 家庭医生签约人数 counts
    assert flt(got["C"]) == "(diabetes) and (family_doctor_signed and (family_doctor_sign_date is null or " \
        "before_period_end(family_doctor_sign_date)))"


def test_the_titles_whole_population_is_the_total(matcher: Matcher) -> None:
    # “X和其他Y”: X is one kind of Y, the 合计 counts all of Y (烈士遗属 and 军属 are no veterans)
    assert topic_of("2025年退役军人和其他优抚对象数量统计表") == "优抚对象"
    got = props(matcher, "2025年退役军人和其他优抚对象数量统计表", ["地区", "合计", ("其中", ["退役士兵", "伤残军人"])])
    assert got["B"].target == "entitled_total"
    assert got["C"].target == "entitled_total" and flt(got["C"]).endswith("veteran_type = '退役士兵'")
    assert "assistance_category" not in flt(got["C"])


def test_notes_are_read_with_their_negation() -> None:
    (q,) = scan("未终止参保的人员")
    assert q.filter == "pension_status is not null and pension_status <> '终止'"
    assert scan("含暂停") == []  # included, not a narrowing
    (q,) = scan("不含暂停的人员")
    assert q.filter == "pension_status is not null and pension_status <> '暂停'"
    assert scan("终止参保人员")[0].filter == "pension_status = '终止'"


def test_a_note_saying_not_terminated_never_filters_the_terminated(matcher: Matcher) -> None:
    got = props(matcher, "2025年5月城乡居民养老保险统计表", ["地区", ("参保人数(人)", ["合计"])],
                notes="注：参保人数指未终止参保的人员，含暂停。")
    assert "pension_status = '终止'" not in flt(got["B"])
    assert "pension_status <> '终止'" in flt(got["B"])


def test_money_columns_sum_the_synced_amount_in_the_columns_unit(matcher: Matcher) -> None:
    got = props(matcher, "2025年5月城乡居民养老保险统计表", ["地区", "待遇领取人数(人)", "当月发放养老金（万元）"])
    p = got["C"]
    # the library's sum of the synced amount over the receivers (当月发放养老金 is one of its names), in 万元
    assert p.kind == "indicator" and p.target == "pension_benefit_amount"
    assert p.scale == pytest.approx(1e-4)


# --- the fourth tuning round (2026-12-03): stock and flow, parts within their owner, rates by definition ---


def values(p: Proposal) -> str:
    return f"{p.kind}:{p.target}:{flt(p)}"


def test_a_stock_group_takes_the_titles_programme_and_a_flow_its_direction(matcher: Matcher) -> None:
    got = props(matcher, "特困人员救助供养动态管理月报表",
                ["地区", ("本月新增", ["人数"]), ("本月退出", ["人数"]), ("本月末在册", ["人数", "其中：女", "60周岁及以上"])])
    assert got["B"].target == "tekun_new" and got["C"].target == "tekun_exited"
    assert got["D"].kind == "indicator" and got["D"].target == "tekun_persons"
    assert got["E"].target == "tekun_female"  # the library names the programme's women
    assert got["F"].kind == "expression" and got["F"].target == "tekun_persons", values(got["F"])
    assert flt(got["F"]).endswith("age >= 60")


def test_a_flow_is_never_the_stock_nor_the_other_direction(matcher: Matcher) -> None:
    got = props(matcher, "农村最低生活保障动态管理月报表",
                ["地区", ("本月新增", ["人数"]), ("本月减少", ["人数"]), ("本月末在保", ["户数", "人数"])])
    assert got["B"].target == "dibao_new"
    assert got["C"].kind == "unmapped", values(got["C"])  # no library count of those leaving 低保
    assert (got["D"].target, got["E"].target) == ("dibao_households", "dibao_persons")


def test_listed_values_and_employment_are_one_condition_each(matcher: Matcher) -> None:
    got = props(matcher, "残疾人就业情况统计表", ["地区", ("持证残疾人", ["人数", "三、四级", "已就业"])])
    assert flt(got["C"]).endswith("disability_grade in ('三级', '四级')")
    assert "employment_status in ('单位就业', '灵活就业', '自主创业', '务农', '转移就业')" in flt(got["D"])
    assert "is_set(disability_cert_no)" in flt(got["D"])


def test_a_part_names_its_own_people_within_its_owner(matcher: Matcher) -> None:
    got = props(matcher, "2025年困境儿童关爱统计表", ["地区", ("农村留守儿童", ["人数", "其中：男童"])])
    assert got["C"].kind == "expression" and flt(got["C"]) == "(left_behind_child) and sex = '男'"
    got = props(matcher, "2025年劳动力转移就业监测表", ["地区", ("转移就业", ["人数", "其中：脱贫劳动力"])])
    assert flt(got["C"]) == "(migrant_worker) and poverty_alleviated", values(got["C"])
    # the owner lists 低保 among its families: 其中 低保家庭学生 narrows it, it is not every 低保 resident
    got = props(matcher, "2025年学生资助统计表", ["地区", "困难家庭学生数", ("其中", ["低保家庭学生"])])
    assert got["C"].target == "students_from_assistance_families"
    assert flt(got["C"]).startswith("(student_status in") and flt(got["C"]).endswith("assistance_category = '低保'")


def test_an_age_part_of_a_village_figure_is_not_everyone_of_that_age(matcher: Matcher) -> None:
    got = props(matcher, "2025年村党组织统计表", ["地区", "党员总数", ("其中", ["35岁及以下"])])
    assert got["C"].kind != "expression" or flt(got["C"]) != "age <= 35", values(got["C"])


def test_a_yes_no_element_named_whole_counts_those_it_holds_for(matcher: Matcher) -> None:
    got = props(matcher, "2025年流动人口登记统计表", ["地区", "出租房屋户数(户)", ("饮水安全", ["户数"])])
    for col, code in (("B", "rental_housing"), ("C", "drinking_water_safe")):
        assert got[col].kind == "expression", values(got[col])
        assert got[col].expression == {"agg": "count", "entity": "household", "filter": code}


def test_the_titles_population_of_a_measure_when_the_library_names_it(matcher: Matcher) -> None:
    got = props(matcher, "残疾人基本服务状况统计表", ["地区", ("持证残疾人", ["人数"]), ("家庭医生签约", ["签约人数"])])
    assert got["C"].kind == "indicator" and got["C"].target == "fd_signed_disabled"
    # a disease group written without 患者 (2型糖尿病) is the patients: their signed count, not everyone's
    got = props(matcher, "慢性病患者管理统计表", ["地区", ("2型糖尿病", ["在册患者数", "家庭医生签约人数"])])
    assert "diabetes" in flt(got["C"]) and "family_doctor_signed" in flt(got["C"]), values(got["C"])
    # a status only the title's population reaches: 已就业 on a 退役军人 form
    got = props(matcher, "退役军人就业创业情况统计表", ["地区", "退役军人数", "已就业"])
    assert got["C"].target == "veterans" and flt(got["C"]).endswith("'转移就业')")


def test_dependency_ratios_and_a_share_use_the_forms_columns(matcher: Matcher) -> None:
    got = props(matcher, "户籍人口年龄结构统计表",
                ["地区", ("按年龄分", ["0-14岁", "15-64岁", "65岁及以上"]), "少儿抚养比(%)", "老年抚养比(%)"])
    assert got["E"].expression == {"ratio": ["@B", "@C"], "percent": True, "digits": 2}
    assert got["F"].expression == {"ratio": ["@D", "@C"], "percent": True, "digits": 2}
    got = props(matcher, "流动人口登记管理情况统计表",
                ["地区", "常住人口", ("实有流入人口", ["合计"]), "流入人口占常住人口比例(%)"])
    assert got["D"].expression == {"ratio": ["@C", "@B"], "percent": True, "digits": 2}


def test_a_rate_finds_its_numerator_by_its_indicator_and_a_denominator_of_the_same_unit(matcher: Matcher) -> None:
    got = props(matcher, "防止返贫监测帮扶统计表",
                ["地区", ("监测对象", ["户数(户)", "人数(人)"]), ("已消除风险", ["人数(人)", "风险消除率(%)"])])
    assert got["E"].expression == {"ratio": ["@D", "@C"], "percent": True, "digits": 2}


def test_a_subtotal_of_values_of_one_element_counts_them_together(matcher: Matcher) -> None:
    got = props(matcher, "2025年参保情况统计表", ["地区", ("参保人数", ["城乡居民医保", "职工医保", "小计"])])
    assert got["D"].kind == "indicator" and got["D"].target == "med_insured_total", values(got["D"])
    # a total already counting everyone the parts are drawn from is kept (it counts those with no value too)
    got = props(matcher, "2025年人口统计表", ["地区", ("户籍人口", ["农业", "非农业", "合计"])])
    assert got["D"].target == "pop_total"


def test_ages_and_parts_take_the_population_they_sit_in(matcher: Matcher) -> None:
    got = props(matcher, "老年人福利统计表", ["地区", ("60周岁及以上老年人", ["合计", "70-79周岁"])])
    assert got["C"].expression == {"agg": "count", "entity": "resident", "filter": "age >= 70 and age <= 79"}
    got = props(matcher, "养老保险征缴进度统计表", ["地区", ("本年缴费", ["缴费人数", "其中：16-59周岁"])])
    assert got["C"].target == "pension_paying" and flt(got["C"]).endswith("age >= 16 and age <= 59")
    got = props(matcher, "流动人口登记管理情况统计表",
                ["地区", "常住人口", ("实有流入人口", ["合计"]), ("按居住事由分", ["务工", "经商"])])
    for col in ("D", "E"):
        assert got[col].target == "pop_inflow" and "residence_status = '流入'" in flt(got[col]), values(got[col])


def test_a_negated_name_is_the_opposite_count(matcher: Matcher) -> None:
    got = props(matcher, "2025年农村供水统计表", ["地区", ("饮水安全", ["户数"]), "养老保险未参保人数"])
    assert got["B"].target != "unsafe_water_households"
    assert got["C"].target != "pension_insured", values(got["C"])


def test_a_value_the_library_counts_exactly_is_not_cut_from_the_forms_first_count(matcher: Matcher) -> None:
    got = props(matcher, "义务教育入学统计表",
                ["地区", ("适龄儿童少年数（6-15周岁）", ["合计"]), ("在校生", ["在园幼儿", "小学"])])
    assert (got["C"].kind, got["C"].target) == ("indicator", "students_preschool"), values(got["C"])
