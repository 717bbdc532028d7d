"""Parts, groups and rates that must be right or blank (fifth tuning round, biaotong.forms.compose / match /
window / rerank): a 其中 part after a breakdown is a part of the form's population, a 其中 group's other parts are
no population, a group's shared measure (参保) holds for each of its columns, a rate the notes define over a
column the form lacks is the library's rate or nothing, a village form's area is the village's, a category header
(鉴定等级) ending in the qualifier's category noun names that category. Every form is drawn as a real .xlsx and
read back."""

from __future__ import annotations

from biaotong.forms import read_form_bytes
from biaotong.forms.match import Matcher, Proposal
from biaotong.forms.sketch import Header, SketchOptions, sketch_form

AREAS = ["合计", "东坡村", "西岭村"]


def props(matcher: Matcher, title: str, header: list[Header], notes: str | None = None,
          units: str | None = None) -> dict[str, Proposal]:
    opts = SketchOptions(footer=notes) if notes else SketchOptions()
    if units is not None:
        opts.meta_line = f"填表单位：                    {units}"
    layout = read_form_bytes(sketch_form(title, header, rows=AREAS, options=opts), file="form.xlsx")
    return {p.column: p for p in matcher.match(layout)}


def flt(p: Proposal) -> str:
    return str((p.expression or {}).get("filter"))


def test_a_part_after_a_breakdown_is_a_part_of_the_forms_population(matcher: Matcher) -> None:
    got = props(matcher, "65岁及以上老年人健康管理工作进度表",
                ["村", "辖区65周岁及以上老年人数(人)", "任务完成率(%)",
                 ("生活自理能力评估", ["可自理(人)", "不能自理(人)"]), "其中：高血压患者(人)"])
    assert got["B"].target == "pop_65plus"
    f = got["F"]
    # never every hypertension patient of the village: the form counts the elderly
    assert f.target != "hypertension_patients"
    assert f.kind == "expression" and "age >= 65" in flt(f) and "hypertension" in flt(f), (f.kind, f.expression)


def test_the_other_parts_of_a_group_are_no_population(matcher: Matcher) -> None:
    got = props(matcher, "村（社区）党组织和党员队伍情况统计表",
                ["村", "党员总数(名)", ("其中", ["预备党员(名)", "35岁及以下(名)"])])
    c, d = got["C"], got["D"]
    assert "预备党员" in flt(c)
    # 35岁及以下 is a part of 党员总数, not of 预备党员: blank rather than the probationers' young
    assert "预备党员" not in flt(d), d.expression


def test_a_groups_shared_measure_holds_for_each_of_its_columns(matcher: Matcher) -> None:
    got = props(matcher, "困难群众资助参保情况统计表",
                ["乡镇", "户籍人口(人)", ("困难群众参保", ["低保特困人员(人)", "脱贫人口(人)", "监测对象(人)"])])
    assert got["C"].target == "med_insured_assistance" and got["D"].target == "med_insured_poverty"
    e = got["E"]
    assert e.kind == "expression" and e.target == "monitoring_persons", (e.kind, e.target)
    assert "medical_insurance_type in ('城乡居民', '职工')" in flt(e) and "monitoring_category" in flt(e)
    # with no heading naming the measure, the columns stay what they say
    plain = props(matcher, "困难群众情况统计表",
                  ["乡镇", ("困难群众", ["低保特困人员参保人数(人)", "脱贫人口参保人数(人)", "监测对象(人)"])])
    assert plain["D"].target == "monitoring_persons" and plain["D"].kind == "indicator"


def test_a_noted_rate_over_a_column_the_form_lacks_is_the_librarys_rate(matcher: Matcher) -> None:
    header: list[Header] = ["村", "户籍人口(人)", "居民医保参保人数(人)", "职工医保参保人数(人)", "未参保人数(人)",
                            "参保率(%)", "脱贫人口参保人数(人)"]
    got = props(matcher, "城乡居民医疗保险参保缴费进度表", header, notes="注：参保率=参保人数÷户籍人口×100%。")
    f = got["F"]
    # not 未参保人数 ÷ 户籍人口, nor the pension rate: the medical one the notes' denominator names
    assert f.kind == "indicator" and f.target == "med_coverage", (f.kind, f.target, f.expression)
    bare = props(matcher, "城乡居民医疗保险参保缴费进度表", header)
    assert bare["F"].target != "pension_coverage" and "ratio" not in (bare["F"].expression or {}), bare["F"]


def test_a_village_forms_area_is_the_villages(matcher: Matcher) -> None:
    got = props(matcher, "村（社区）基本情况统计表",
                ["村", "行政区域面积(平方公里)", "耕地面积(亩)", "户籍人口(人)", "村卫生室(个)", "养老服务设施(个)"])
    assert got["C"].target in ("village.total_arable_land", "village_arable_land"), got["C"].target
    assert got["D"].target == "pop_total"  # people are still counted over the residents
    # a form of households keeps the household sum
    farm = props(matcher, "农户家庭经营情况统计表", ["村", "农户数(户)", "耕地面积(亩)", "林地面积(亩)"])
    assert farm["C"].target == "arable_land"


def test_a_category_header_ending_in_the_lists_noun_names_that_category(matcher: Matcher) -> None:
    got = props(matcher, "农村住房安全保障情况统计表", ["村", "农户总数(户)", ("鉴定等级", ["A级", "B级", "C级", "D级"])])
    for col, level in zip("CDEF", "ABCD", strict=True):
        assert got[col].kind == "expression" and flt(got[col]).endswith(f"house_safety_level = '{level}级'"), col
        assert got[col].expression["entity"] == "household"  # type: ignore[index]


def test_a_parent_naming_households_does_not_turn_persons_into_households(matcher: Matcher) -> None:
    got = props(matcher, "防止返贫动态监测帮扶情况表", ["村", ("脱贫户", ["户数", "人数"])], units="单位：户、人")
    assert got["B"].target == "poverty_alleviated_households"
    assert got["C"].target == "poverty_alleviated_persons", got["C"].target


def test_a_flow_of_another_register_is_not_brought_back_by_the_window(matcher: Matcher) -> None:
    got = props(matcher, "劳动力转移就业监测表", ["村", ("转移就业", ["人数(人)", "本月新增(人)"])])
    assert got["C"].target not in ("tekun_new", "dibao_new", "pension_new"), got["C"].target
    # a period's group with no subject of its own still finds the event
    births = props(matcher, "人口变动统计表", ["村", "户籍人口(人)", ("本月变动(人)", ["出生", "死亡"])])
    assert births["D"].target == "deaths_period", (births["D"].kind, births["D"].target)


def test_a_part_of_a_flow_keeps_the_flows_date(matcher: Matcher) -> None:
    got = props(matcher, "市场主体发展情况季报表", ["乡镇", ("本季度新登记", ["户数(户)", "其中：个体工商户(户)"])])
    assert got["B"].target == "market_new"
    c = got["C"]
    assert c.kind == "expression" and (c.expression or {}).get("date") == "established_date"
    assert flt(c) == "enterprise_type = '个体工商户'"


def test_the_care_words_of_the_tekun_register(matcher: Matcher) -> None:
    got = props(matcher, "特困人员救助供养情况季报表", ["村", ("特困人员", ["合计(人)", "集中供养(人)"]), "生活不能自理人数(人)"])
    assert got["D"].target == "tekun_full_care"
    elderly = props(matcher, "65岁及以上老年人健康管理工作进度表",
                    ["村", "辖区65周岁及以上老年人数(人)", ("生活自理能力评估", ["可自理(人)", "不能自理(人)"])])
    assert elderly["D"].target == "elderly_unable"


def test_a_population_part_is_the_librarys_count_of_it_within_the_owner(matcher: Matcher) -> None:
    got = props(matcher, "特困人员照料护理情况统计表",
                ["村", ("特困人员", ["合计(人)", "集中供养(人)", "分散供养(人)"]), ("其中", ["重度残疾人(人)"])])
    # within the breakdown's total, not within 分散供养 and not every severely disabled person
    assert got["E"].target == "tekun_severe_disabled", (got["E"].kind, got["E"].target)
    # a status its owner is expected to hold stays the library's count of it
    labour = props(matcher, "劳动力转移就业情况表", ["村", "劳动力人数(人)", ("其中", ["就业人数(人)"])])
    assert labour["C"].target == "employed" and labour["C"].kind == "indicator"


def test_signed_means_signed_by_the_periods_end(matcher: Matcher) -> None:
    got = props(matcher, "脱贫人口家庭医生签约服务情况表", ["村", "脱贫人口数(人)", "已签约人数(人)"])
    c = got["C"]
    assert "poverty_alleviated" in flt(c) or c.target == "fd_signed_poverty", (c.kind, c.target, c.expression)
    assert c.target == "fd_signed_poverty" or "before_period_end(family_doctor_sign_date)" in flt(c)
