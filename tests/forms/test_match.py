"""Top-1 mapping of every column of realistic department forms, hand-checked."""

from __future__ import annotations

import pytest

from biaotong.forms import read_form_bytes
from biaotong.forms.match import Matcher, Proposal, topic_of
from biaotong.forms.patterns import AgeRange, find_age, find_sex, fit_siblings
from tests.forms.catalog_forms import DEV_FORMS, FormCase
from tests.forms.conftest import draw


def top1(p: Proposal) -> str:
    if p.kind in ("indicator", "element", "collected"):
        return str(p.target)
    if p.kind == "expression":
        return f"expr:{p.target}"
    return p.kind


@pytest.mark.parametrize("case", DEV_FORMS, ids=[c.id for c in DEV_FORMS])
def test_every_column_maps_to_the_hand_checked_target(case: FormCase, matcher: Matcher) -> None:
    layout = read_form_bytes(draw(case), file=f"{case.id}.xlsx")
    assert layout.kind == case.layout
    got = {p.key: top1(p) for p in matcher.match(layout)}
    assert got == case.expected


def test_at_least_twelve_forms() -> None:
    assert len(DEV_FORMS) >= 12


def test_proposals_carry_confidence_and_runner_ups(matcher: Matcher) -> None:
    layout = read_form_bytes(draw(DEV_FORMS[0]))
    props = {p.key: p for p in matcher.match(layout)}
    d = props["D"]
    assert d.target == "dibao_households" and d.confidence >= 0.9
    assert d.candidates and d.candidates[0].id != "dibao_households"
    assert "households_total" in [c.id for c in d.candidates]  # the runner-up is listed
    # 当月资金支出数 (万元) from an indicator in 元: the value is scaled
    assert props["I"].scale == pytest.approx(1e-4)


def test_synthesised_age_filter_under_a_named_population(matcher: Matcher) -> None:
    case = next(c for c in DEV_FORMS if c.id == "gaoling")
    props = {p.key: p for p in matcher.match(read_form_bytes(draw(case)))}
    b = props["B"]
    assert b.kind == "expression"
    assert b.expression == {"agg": "count", "entity": "resident", "filter": "(age >= 80) and age >= 80 and age <= 89"}
    assert "80" in b.reason


def test_sex_under_a_population_becomes_a_filter(matcher: Matcher) -> None:
    case = next(c for c in DEV_FORMS if c.id == "children")
    props = {p.key: p for p in matcher.match(read_form_bytes(draw(case)))}
    assert props["G"].expression is not None
    assert props["G"].expression["filter"] == "(age < 18) and sex = '女'"


@pytest.mark.parametrize(
    ("text", "lo", "hi"),
    [("60周岁以上", 60, None), ("80岁及以上", 80, None), ("0-17岁", 0, 17), ("16至59周岁", 16, 59),
     ("65岁及以上常住居民签约数", 65, None), ("16岁以下", None, 15), ("不满18周岁", None, 17)],
)
def test_age_patterns(text: str, lo: int | None, hi: int | None) -> None:
    age = find_age(text)
    assert age is not None and (age.lo, age.hi) == (lo, hi)


def test_age_buckets_beside_each_other_do_not_overlap() -> None:
    ranges = fit_siblings([find_age(t) for t in ("16岁以下", "16-60岁", "60-80岁", "80岁以上")])
    assert [(r.lo, r.hi) for r in ranges if isinstance(r, AgeRange)] == [(None, 15), (16, 59), (60, 79), (80, None)]


def test_sex_and_topic() -> None:
    assert find_sex("其中：女") == "女" and find_sex("性别男") == "男" and find_sex("女性") == "女"
    assert find_sex("妇幼保健") is None
    assert topic_of("2021年7月城市低保对象综合统计表") == "低保"


def test_report_kinds_leave_the_titles_subject() -> None:
    # 月报表 / 进度表 / 动态管理 say how a form is reported; the topic is whom it counts
    assert topic_of("农村最低生活保障动态管理月报表") == "最低生活保障"
    assert topic_of("残疾人基本服务状况统计表") == "残疾人"
    assert topic_of("农村劳动力转移就业监测月报表") == "劳动力转移就业监测"


def test_period_end_and_period_words_read_as_the_report_period() -> None:
    from biaotong.forms.similarity import normalise

    assert normalise("本月末在保人数") == "人数" and normalise("期末户数") == "户数"
    assert normalise("上月末户籍人口").startswith("上月末")  # a previous period's stock stays another number
    assert normalise("本季度新登记户数") == normalise("本期新登记户数")


def test_listed_code_values_and_numbering() -> None:
    from biaotong.forms.qualifiers import find
    from biaotong.forms.text import strip_prefix

    assert strip_prefix("一、二级") == "一、二级" and strip_prefix("一、低保户数") == "低保户数"
    q = find("一级和二级")
    assert q is not None and q.filter == "disability_grade in ('一级', '二级')"
    assert find("城市和农村") is None  # status words read by rule (户口性质), not labels to list: no filter


def test_a_narrower_term_naming_the_columns_extra_word_comes_first(matcher: Matcher) -> None:
    """孕产妇签约家庭医生人数 contains the alias 签约家庭医生人数 of 家庭医生签约人数, but 孕产妇 narrows it: the library's
    孕产妇签约数 (the same filter and 孕产妇) is the column's term, whether it is written or offered as the runner-up;
    家庭医生签约人数 is never written there."""
    from biaotong.forms.sketch import sketch_form

    layout = read_form_bytes(sketch_form("孕产妇和儿童健康管理情况表", ["乡镇（街道）", "孕产妇签约家庭医生人数(人)"]))
    p = next(x for x in matcher.match(layout) if x.column == "B")
    assert p.target != "fd_signed"
    best = p.target if p.kind == "indicator" else p.candidates[0].id
    assert best == "fd_signed_pregnant", (p.kind, p.target, p.candidates[:2])
