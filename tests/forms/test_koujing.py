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
    assert flt(got["C"]) == "(diabetes) and family_doctor_signed"


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
