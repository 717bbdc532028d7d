"""A written number must be the header's number (biaotong.forms.coverage.unread_sex, unread_qualifier; the
高龄津贴 member of other_programme): a sex (女党员数, 中共党员 > 其中：女) or a record's qualifier (35岁以下党员数,
中共党员 > 户籍人口中, 重点人群签约 > 65岁及以上老年人) the column or its heading states, that the proposal's names,
filter and source elements neither say nor read, makes the value another population's; so does another
programme's flow in a 高龄津贴 form. Real .xlsx files written and read back through the importer."""

from __future__ import annotations

import pytest

from biaotong.forms import read_form
from biaotong.forms.coverage import header_sex, other_programme, sex_part, unread_qualifier, unread_sex
from biaotong.forms.match import Matcher, Proposal
from biaotong.forms.sketch import sketch_form
from tests.forms.refusals import PLAIN, refused


def _match(matcher: Matcher, tmp: pytest.TempPathFactory, title: str, header: list) -> dict[str, Proposal]:
    path = tmp.mktemp("qualifiers") / f"{title}.xlsx"
    path.write_bytes(sketch_form(title, header, options=PLAIN))
    layout = read_form(path)
    assert layout.kind == "aggregate"
    return {p.column: p for p in matcher.match(layout)}



@pytest.fixture(scope="module")
def party(matcher: Matcher, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Proposal]:
    return _match(matcher, tmp_path_factory, "农村党员队伍情况统计表", [
        "村（社区）",
        "党员数(人)", "女党员数(人)", "35岁以下党员数(人)",       # B C D
        ("中共党员", ["户籍人口中(人)", "其中：女(人)"]),          # E F
        "户籍人口数(人)", "女性人口数(人)",                       # G H
    ])


def test_a_sex_the_column_states_is_not_dropped(party: dict[str, Proposal]) -> None:
    assert (party["B"].kind, party["B"].target) == ("indicator", "party_members")
    refused(party["C"], "女", "party_members")  # 女党员数 is no 党员数: a village's figure has no sex
    assert "不分「女」" in party["C"].reason


def test_a_qualifier_of_the_column_is_not_dropped(party: dict[str, Proposal]) -> None:
    p = party["D"]  # 35岁以下党员数 is no count of everyone under 35
    assert p.kind == "unmapped" and "「党员」" in p.reason, (p.kind, p.expression, p.reason)


def test_a_qualifier_of_the_group_is_not_dropped(party: dict[str, Proposal]) -> None:
    refused(party["E"], "中共党员", "pop_total")  # 中共党员 > 户籍人口中 counts party members, not residents
    refused(party["F"], "中共党员", "pop_female")  # 中共党员 > 其中：女 counts women party members
    assert "「中共党员」的数" in party["F"].reason


def test_columns_that_say_their_population_are_still_written(party: dict[str, Proposal]) -> None:
    assert (party["G"].kind, party["G"].target) == ("indicator", "pop_total")
    assert (party["H"].kind, party["H"].target) == ("indicator", "pop_female")


@pytest.fixture(scope="module")
def signing(matcher: Matcher, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Proposal]:
    return _match(matcher, tmp_path_factory, "家庭医生签约人群统计表", [
        "村（社区）", "签约人数(人)",                                               # B
        ("重点人群签约", ["0-6岁儿童(人)", "65岁及以上老年人(人)", "高血压患者(人)"]),  # C D E
        ("持证残疾人数(人)"), "其中：女(人)",                                         # F G
    ])


def test_a_status_of_the_group_is_not_dropped(signing: dict[str, Proposal]) -> None:
    refused(signing["D"], "签约", "elderly_health_managed")  # signed elderly are no health-managed elderly
    assert "「重点人群签约」的数" in signing["D"].reason


def test_terms_that_read_the_group_status_are_still_written(signing: dict[str, Proposal]) -> None:
    assert (signing["B"].kind, signing["B"].target) == ("indicator", "fd_signed")
    assert (signing["C"].kind, signing["C"].target) == ("indicator", "fd_signed_0_6")
    assert (signing["E"].kind, signing["E"].target) == ("indicator", "fd_signed_hypertension")


def test_a_part_whose_composition_reads_the_sex_is_still_written(signing: dict[str, Proposal]) -> None:
    p = signing["G"]  # 持证残疾人数 > 其中：女: the composition reads sex and the certificate
    assert p.kind in ("expression", "indicator") and "sex" in str(p.expression or p.filter or p.target), p


@pytest.fixture(scope="module")
def allowance(matcher: Matcher, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Proposal]:
    return _match(matcher, tmp_path_factory, "高龄津贴发放情况月报表", [
        "村（社区）", "80周岁及以上老年人(人)",                 # B
        ("领取高龄津贴", ["人数(人)", "金额(元)"]),              # C D
        "本月新增领取人数(人)",                                 # E
    ])


def test_another_programmes_flow_in_an_allowance_form_abstains(allowance: dict[str, Proposal]) -> None:
    p = allowance["E"]  # the newly paid aged, not the newly assisted 低保 families
    assert p.kind == "unmapped" and p.target is None, (p.kind, p.target)
    assert "高龄津贴发放情况月报表" in p.reason, p.reason
    assert (allowance["C"].kind, allowance["C"].target) == ("indicator", "old_age_allowance_persons")


def test_sex_words() -> None:
    assert header_sex("女党员数") == "女" and header_sex("妇女") == "女" and header_sex("男童人数") == "男"
    assert header_sex("独生子女户数") is None and header_sex("男女合计") is None and header_sex("妇女儿童之家") is None
    assert sex_part("其中女") == "女" and sex_part("女性人数") == "女" and sex_part("女党员") is None


def test_unread_sex() -> None:
    assert unread_sex("女党员数", [], "党员数", {"party_members"}) is not None
    assert unread_sex("人数", ["女"], "户籍人口数", set()) is not None  # a heading that is only a sex
    assert unread_sex("女", [], "女性人口数", {"sex"}) is None
    assert unread_sex("其中女", [], "持证残疾人数", {"sex", "disability_cert_no"}) is None
    assert unread_sex("独生子女数", [], "独生子女", set()) is None


def test_unread_qualifier() -> None:
    gap = unread_qualifier("35岁以下党员数", "", {"age"}, "resident")
    assert gap is not None and gap.word == "党员" and gap.unread
    assert unread_qualifier("党员数", "党员数\n中共党员数", {"party_members"}, "village") is None  # says it
    assert unread_qualifier("签约人数", "", {"family_doctor_signed"}, "resident") is None  # reads it
    assert unread_qualifier("困难群众参保", "参保", {"medical_insurance_type"}, "resident") is None  # 群众 ≠ 群众
    assert unread_qualifier("在册患者数", "", {"hypertension"}, "resident") is None  # 在册 never narrows
    assert unread_qualifier("养老服务补贴", "", set(), "resident") is None  # 服务 modifies 补贴: no 居住事由
    assert unread_qualifier("辖区居民", "", set(), "resident") is None  # 居民 is everyone, not a 户口性质
    assert unread_qualifier("在册隐患点", "", set(), "village") is None  # 在册 is no enterprise's 存续
    assert unread_qualifier("学前儿童", "", {"age"}, "resident") is None  # an age group an age filter reads
    group = unread_qualifier("重点人群签约", "65岁及以上老年人健康管理人数", {"age"}, "resident", group="重点人群签约")
    assert group is not None and group.word == "签约" and group.group == "重点人群签约"


def test_the_allowance_for_the_aged_is_a_programme_of_its_own() -> None:
    gap = other_programme("本月新增领取人数", "高龄津贴发放情况月报表", "本期新增低保人数", "本期新增低保人数")
    assert gap is not None and (gap.word, gap.kind) == ("高龄津贴领取人员", "低保对象")
    assert other_programme("高龄津贴人数", "低保对象统计表", "高龄津贴人数", "高龄津贴人数") is None  # names it
    # 高龄 alone is an age group: 80岁及以上 in a 低保 form may be everyone aged 80 and over (高龄老人数)
    assert other_programme("按年龄分\n80岁及以上", "户籍人口与低保情况统计表", "80岁以上老人\n高龄老人数",
                           "80岁以上老人\n高龄老人数") is None
