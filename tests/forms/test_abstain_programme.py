"""A measure of another programme abstains (biaotong.forms.coverage.measure_of_group, biaotong.forms.abstain):
a column whose own words name only a measure (发放金额, 救助金额, 本月新增, 检查户数) is that measure of its group's
subject, so a group word the proposed term does not say (医疗救助 under 月保障金, 食品安全检查 under 消防检查)
makes the value another number; and a size class jieba reads as single characters (小微企业数) is still a word
put in front of a direct indicator's name; a column that leaves its programme to the form's title (已缴费人数 in a
医疗保险 form) is not a term of another programme of the same kind (养老保险缴费人数). Real .xlsx files written and
read back through the importer."""

from __future__ import annotations

from pathlib import Path

import pytest

from biaotong.forms import read_form
from biaotong.forms.abstain import EVIDENCE, _prefixed, _unsegmented, review
from biaotong.forms.coverage import measure_of_group, other_programme
from biaotong.forms.match import Matcher, Proposal
from biaotong.forms.sketch import sketch_form
from tests.forms.refusals import PLAIN, refused


@pytest.fixture(scope="module")
def got(matcher: Matcher, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Proposal]:
    """One township form: measures under programme headings, some the catalog holds and some it does not."""
    header = [
        "村（社区）",
        ("城乡低保", ["户数(户)", "本月新增(人)"]),            # B C
        ("高龄津贴", ["人数(人)", "发放金额(元)"]),            # D E
        ("城乡居民养老保险", ["领取人数(人)", "发放金额(元)"]),  # F G
        ("临时救助", ["人次", "救助金额(元)"]),                # H I
        ("医疗救助", ["救助金额(元)"]),                        # J
        ("两项补贴", ["护理补贴人数(人)", "发放金额(元)"]),     # K L
        ("转移就业", ["本月新增(人)"]),                        # M
        ("食品安全检查", ["检查户数(户)"]),                    # N
        ("消防安全检查", ["检查户数(户)"]),                    # O
        "企业数(户)", "小微企业数(户)",                        # P Q
    ]
    path = tmp_path_factory.mktemp("programme") / "救助和市场主体情况表.xlsx"
    path.write_bytes(sketch_form("社会救助和市场主体情况表", header, options=PLAIN))
    layout = read_form(path)
    assert layout.kind == "aggregate"
    return {p.column: p for p in matcher.match(layout)}



def test_a_measure_of_another_programme_abstains(got: dict[str, Proposal]) -> None:
    refused(got["J"], "医疗", "resident.assistance_amount")  # 1.0 similar: 救助金额 is an alias of 月保障金
    assert "「医疗救助」的数" in got["J"].reason
    refused(got["I"], "临时", "resident.assistance_amount")  # temporary assistance is no monthly allowance
    refused(got["L"], "两项", "old_age_allowance_amount")  # 两项补贴 are the disability subsidies
    refused(got["N"], "食品", "fire_checked_entities")  # a food inspection is no fire inspection
    # 转移就业 > 本月新增: whether the matcher's own score or the group's 转移 refuses it, no flow is written
    # (the rule itself: test_measure_of_group_as_a_pure_function)
    assert got["M"].kind == "unmapped" and got["M"].target is None, got["M"].reason
    if got["M"].candidates and got["M"].candidates[0].score >= EVIDENCE:
        assert "「转移" in got["M"].reason, got["M"].reason


def test_a_measure_of_the_terms_own_programme_is_kept(got: dict[str, Proposal]) -> None:
    assert (got["B"].kind, got["B"].target) == ("indicator", "dibao_households")
    assert (got["C"].kind, got["C"].target) == ("indicator", "dibao_new")  # 城乡低保 is all of 低保
    assert (got["E"].kind, got["E"].target) == ("indicator", "old_age_allowance_amount")
    # 养老保险 is not in the indicator's names but in the elements it is computed from (养老保险参保状态)
    assert (got["G"].kind, got["G"].target) == ("indicator", "pension_benefit_amount")
    assert (got["O"].kind, got["O"].target) == ("indicator", "fire_checked_entities")
    # a column that names its own subject under the heading is not a bare measure of it
    assert (got["K"].kind, got["K"].target) == ("indicator", "disability_care_subsidy")


def test_a_size_class_in_front_of_a_short_name_abstains(got: dict[str, Proposal]) -> None:
    assert (got["P"].kind, got["P"].target) == ("indicator", "enterprises")
    refused(got["Q"], "小微", "enterprises")
    assert "另一部分人群" in got["Q"].reason


def test_measure_of_group_as_a_pure_function() -> None:
    said = "月保障金\n救助金额\n特困人员救助供养金"
    gap = measure_of_group("救助金额", "医疗救助", said)
    assert gap is not None and (gap.word, gap.group) == ("医疗", "医疗救助")
    assert "「医疗救助」的数" in gap.why("救助金额", "月保障金")
    assert measure_of_group("救助金额", "医疗救助", said + "\n医疗救助金额") is None  # the term says it
    assert measure_of_group("护理补贴人数", "两项补贴", "重度残疾人护理补贴人数") is None  # names its subject
    assert measure_of_group("可自理", "生活自理能力评估", "自理能力评估可自理人数") is None  # no measure word
    assert measure_of_group("本月新增", "城乡低保", "本期新增低保人数") is None  # 城乡: the whole programme
    assert measure_of_group("本月新增", "动态管理", "本期新增特困人员数") is None  # the form's activity, no subject
    gap = measure_of_group("本月新增", "转移就业", "本期新增低保人数\n社会救助类别")
    assert gap is not None and "就业" in gap.word
    gap = measure_of_group("检查户数", "食品安全检查", "已开展消防安全检查的市场主体数\n消防安全检查")
    assert gap is not None and gap.word == "食品"


def test_words_jieba_cannot_segment_still_narrow_a_name(matcher: Matcher) -> None:
    assert _unsegmented("小微") and not _unsegmented("困难") and not _unsegmented("企业")
    enterprises = matcher.vocab.term("enterprises")
    assert enterprises is not None
    gap = _prefixed("小微企业数", enterprises, ())
    assert gap is not None and gap.word == "小微" and gap.prefix
    assert _prefixed("企业数", enterprises, ()) is None
    assert _prefixed("实有企业数", enterprises, ()) is None  # 实有 changes nothing
    assert _prefixed("小微企业数", enterprises, ["小微企业指从业人员100人以下的企业"]) is None  # the notes define it


# --- a column that leaves its programme to the form's title (biaotong.forms.coverage.other_programme) ---

def _reviewed(matcher: Matcher, tmp_path: Path, title: str, header: list) -> dict[str, Proposal]:
    """Read a real .xlsx and review every proposal again with the form's title, as the matcher's checks do."""
    path = tmp_path / f"{title}.xlsx"
    path.write_bytes(sketch_form(title, header, options=PLAIN))
    layout = read_form(path)
    assert layout.kind == "aggregate" and layout.title == title
    leaves = {leaf.key: leaf for leaf in layout.leaves}
    return {p.column: review(p, leaves[p.key], layout.kind, matcher.vocab, title=layout.title)
            for p in matcher.match(layout)}


def test_a_column_of_the_titles_programme_is_not_another_programmes(matcher: Matcher, tmp_path: Path) -> None:
    got = _reviewed(matcher, tmp_path, "特困人员救助供养情况季报表",
                    ["村（社区）", "特困人员数(人)", "护理补贴发放人数(人)", "残疾人护理补贴人数(人)"])
    assert (got["B"].kind, got["B"].target) == ("indicator", "tekun_persons")  # the term says 特困 itself
    refused(got["C"], "残疾人", "disability_care_subsidy")  # the 特困 form's own care subsidy: another number
    assert "特困人员" in got["C"].reason
    assert (got["D"].kind, got["D"].target) == ("indicator", "disability_care_subsidy")  # the header names it
    got = _reviewed(matcher, tmp_path, "城乡居民医疗保险参保缴费进度表",
                    ["村（社区）", "居民医保参保人数(人)", "已缴费人数(人)", "养老保险缴费人数(人)"])
    assert (got["B"].kind, got["B"].target) == ("indicator", "med_insured_resident")
    refused(got["C"], "养老保险", "pension_paying")  # paid the medical insurance, not the pension
    assert (got["D"].kind, got["D"].target) == ("indicator", "pension_paying")


def test_a_form_of_the_terms_own_programme_keeps_it(matcher: Matcher, tmp_path: Path) -> None:
    got = _reviewed(matcher, tmp_path, "残疾人两项补贴发放情况表", ["村（社区）", "护理补贴人数(人)"])
    assert (got["B"].kind, got["B"].target) == ("indicator", "disability_care_subsidy")
    got = _reviewed(matcher, tmp_path, "城乡居民基本养老保险扩面征缴进度表", ["村（社区）", "已缴费人数(人)"])
    assert (got["B"].kind, got["B"].target) == ("indicator", "pension_paying")
    # a 低保 form's column that names 医保 itself is the insurance's, whatever the title's population
    got = _reviewed(matcher, tmp_path, "低保对象情况统计表", ["村（社区）", "低保人数(人)", "居民医保参保人数(人)"])
    assert (got["B"].kind, got["B"].target) == ("indicator", "dibao_persons")
    assert (got["C"].kind, got["C"].target) == ("indicator", "med_insured_resident")


def test_other_programme_as_a_pure_function() -> None:
    named = "养老保险缴费人数\n参保缴费人数\n缴费人数"
    gap = other_programme("已缴费人数", "城乡居民医疗保险参保缴费进度表", named, named + "\n养老保险参保状态")
    assert gap is not None and (gap.word, gap.kind) == ("医疗保险", "养老保险")
    assert "另一项数" in gap.why("已缴费人数", "养老保险缴费人数")
    assert other_programme("养老保险已缴费人数", "城乡居民医疗保险参保缴费进度表", named, named) is None
    assert other_programme("已缴费人数", "城乡居民养老保险参保缴费进度表", named, named) is None
    assert other_programme("已缴费人数", "社会保障情况统计表", named, named) is None  # no programme in the title
    # a term that counts the title's programme too (低保特困家庭在校生 in a 特困 form) is not another one
    assert other_programme("困难家庭在校生", "特困人员情况表", "低保特困家庭在校生数", "低保特困家庭在校生数") is None
    # kinds apart: a 残疾人 term in a 医疗保险 form is no other insurance (the column's own words decide)
    assert other_programme("护理补贴人数", "医疗保险参保情况表", "重度残疾人护理补贴人数", "重度残疾人护理补贴") is None


def test_a_bare_amount_under_a_programme_heading_is_its_programmes_amount(matcher: Matcher, tmp_path: Path) -> None:
    """城乡低保 > 发放金额 is 低保金月支出, 特困供养 > 发放金额 特困供养金月支出 (library aliases 低保金发放金额 …)."""
    path = tmp_path / "社会救助资金发放情况表.xlsx"
    path.write_bytes(sketch_form("社会救助资金发放情况表", [
        "村（社区）", ("城乡低保", ["人数(人)", "发放金额(元)"]), ("特困供养", ["人数(人)", "发放金额(元)"]),
        ("临时救助", ["人次", "救助金额(元)"])], options=PLAIN))
    got = {p.column: p for p in matcher.match(read_form(path))}
    assert (got["C"].kind, got["C"].target) == ("indicator", "dibao_amount")
    assert (got["E"].kind, got["E"].target) == ("indicator", "tekun_amount")
    assert got["G"].kind == "unmapped"  # no amount term for 临时救助: its runner-up 月保障金 is another number


def test_a_flow_names_what_flows_and_a_heading_names_the_programme(matcher: Matcher, tmp_path: Path) -> None:
    """本月新增领取待遇人数 is no 本期新增低保人数 (what flows: 领取待遇); 医疗救助 > 人次 is no 临时救助人次, and
    养老服务补贴 > 享受人数 no 同时享受两项补贴人数 (the heading's programme, not the term's); 本月新增低保人数 and
    本期新登记市场主体数 name what flows and are kept."""
    header = ["乡镇（街道）", "本月新增领取待遇人数(人)", "本月新增低保人数(人)", ("医疗救助", ["人次"]),
              ("养老服务补贴", ["享受人数(人)"]), "本期新登记市场主体数(户)"]
    path = tmp_path / "民生保障情况表.xlsx"
    path.write_bytes(sketch_form("民生保障工作情况统计表", header, options=PLAIN))
    got = {p.column: p for p in matcher.match(read_form(path))}
    for col in ("B", "D", "E"):
        assert got[col].kind == "unmapped", (col, got[col].kind, got[col].target)
        assert got[col].reason.startswith("证据不足：") and "最接近的" not in got[col].reason, got[col].reason
    assert "「领取待遇」" in got["B"].reason
    assert "医疗" in got["D"].reason and "养老服务补贴" in got["E"].reason
    assert (got["C"].kind, got["C"].target) == ("indicator", "dibao_new")
    assert (got["F"].kind, got["F"].target) == ("indicator", "market_new")


def test_one_code_value_under_a_group_of_values_is_not_the_groups_figure(matcher: Matcher, tmp_path: Path) -> None:
    """危房户数 > C级 / D级 is never written as 危房户数 (C级 and D级 together); 常住人口 keeps 常住人口数, whose
    library count takes 常住 and 流入 by its own name. A column counting ID documents (本年办理居民身份证件数) does
    not make the form a roster."""
    header = ["乡镇（街道）", ("危房户数(户)", ["合计", "C级", "D级"]), "常住人口(人)", "本年办理居民身份证件数(件)"]
    path = tmp_path / "住房与人口情况表.xlsx"
    path.write_bytes(sketch_form("农村住房与人口情况统计表", header, options=PLAIN))
    layout = read_form(path)
    assert layout.kind == "aggregate"
    got = {p.column: p for p in matcher.match(layout)}
    for col in ("C", "D"):
        p = got[col]
        wrote_total = p.kind == "indicator" and p.target == "unsafe_housing_households"
        assert not wrote_total, (col, p.reason)
        if p.kind in ("indicator", "expression"):  # a composition of that one value is right too
            assert f"'{p.name}'" in str(p.expression), (col, p.expression)
    assert (got["E"].kind, got["E"].target) == ("indicator", "pop_permanent")
