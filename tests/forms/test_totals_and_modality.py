"""Round 11–12 blind batches (2026-12-04): a term naming whom it may be (易返贫致贫) is not what a header without
that word asks; a group's total counts its heading's figure (its age, its words, the notes' definition of it);
a note quoting the catalog's definition narrows nothing; a title's subject read past its breakdown words.
Real .xlsx written and read back."""

from __future__ import annotations

from biaotong.forms import read_form_bytes
from biaotong.forms.match import Matcher, Proposal, topic_of
from biaotong.forms.sketch import SketchOptions, sketch_form


def _props(matcher: Matcher, title: str, columns: list, notes: str = "", label: str = "村（社区）") -> dict[str, Proposal]:
    form = sketch_form(title, [label, *columns], rows=["合计", "东坡村"], options=SketchOptions(footer=notes))
    return {p.column: p for p in matcher.match(read_form_bytes(form, file="表.xlsx"))}


def test_people_who_fell_back_into_poverty_are_not_those_at_risk(matcher: Matcher) -> None:
    got = _props(matcher, "防返贫监测对象风险类型季报表", ["监测对象人数（人）", "返贫致贫人口（人）"])
    assert got["B"].target == "monitoring_persons"
    assert got["C"].kind == "unmapped"  # 易返贫致贫人口数 is an alias of the monitored; the header lacks 易


def test_a_title_is_read_past_how_it_breaks_its_subject_down(matcher: Matcher) -> None:
    assert topic_of("城乡最低生活保障对象分类情况季报表") == "最低生活保障"
    assert topic_of("防返贫监测对象致贫返贫风险类型季报表") == "防返贫监测"
    assert topic_of("学前教育和高中阶段教育在读情况统计表") == ""  # two subjects: no one topic
    got = _props(matcher, "城乡最低生活保障对象分类情况季报表", ["在保户数（户）", ("在保人数（人）", ["小计", "其中：女性"])],
                 label="乡镇（街道）")
    assert got["B"].target == "dibao_households"
    assert got["C"].target == "dibao_persons"


def test_a_total_is_of_its_headings_age(matcher: Matcher) -> None:
    got = _props(matcher, "高龄津贴发放情况月报表",
                 [("80周岁及以上老年人数（人）", ["合计", "80—89周岁", "90—99周岁", "100周岁及以上"])])
    assert got["B"].target == "pop_80plus"
    assert got["C"].expression is not None and "age >= 80 and age <= 89" in got["C"].expression["filter"]


def test_a_total_under_a_heading_the_proposal_does_not_say_abstains(matcher: Matcher) -> None:
    got = _props(matcher, "青年人口和团员队伍情况统计表", [("青年人口（人）", ["合计", "其中：女性"])])
    assert got["B"].kind == "unmapped" and "青年" in got["B"].reason  # not everyone (户籍人口数)
    assert got["C"].kind == "unmapped"  # nor every woman


def test_a_total_takes_the_notes_definition_of_its_heading(matcher: Matcher) -> None:
    got = _props(matcher, "青年人口和团员队伍情况统计表", [("青年人口（人）", ["合计", "其中：女性", "其中：外出"])],
                 notes="注：青年指14—35周岁的户籍人口。外出青年指离开户籍地半年以上的青年。")
    total = got["B"].expression or {}
    assert got["B"].kind == "expression" and total.get("filter") == "age >= 14 and age <= 35"
    women = got["C"].expression or {}
    assert "age >= 14" in women.get("filter", "") and "sex = '女'" in women.get("filter", "")
    away = got["D"].expression or {}  # the note words 外出 as the catalog does (离开半年以上)
    assert "age >= 14" in away.get("filter", "") and "residence_status = '外出'" in away.get("filter", "")


def test_a_note_quoting_the_catalogs_definition_narrows_nothing(matcher: Matcher) -> None:
    got = _props(matcher, "农村留守儿童和困境儿童情况统计表", [("农村留守儿童（人）", ["合计", "其中：女童"])],
                 notes="注：农村留守儿童指父母双方外出务工或一方外出务工另一方无监护能力、不满十六周岁的农村户籍未成年人。")
    assert got["B"].target == "left_behind_children" and got["B"].kind == "indicator"
    girls = got["C"].expression or {}
    assert "migrant_worker" not in girls.get("filter", "")  # the parents work away, not the child


def test_the_cause_recorded_at_registration_is_not_the_monitoring_risk(matcher: Matcher) -> None:
    form = sketch_form("已脱贫人口名单", ["序号", "姓名", "身份证号", "致贫原因", "风险类型"], rows=[])
    got = {p.column: p for p in matcher.match(read_form_bytes(form, file="名单.xlsx"))}
    assert got["D"].kind != "element" or got["D"].target != "resident.risk_type"
    assert got["E"].target == "resident.risk_type"


def test_a_count_said_plainly_is_not_the_terms_negated_name(matcher: Matcher) -> None:
    # 饮水不安全户数 has an alias without 不 (饮水安全未保障户数): its name still says the opposite
    got = _props(matcher, "农村供水保障情况统计表", ["户籍户数（户）", ("饮水安全状况", ["饮水安全户数（户）", "饮水不安全户数（户）"])])
    assert got["C"].target != "unsafe_water_households"
    assert got["D"].target == "unsafe_water_households"


def test_columns_under_an_age_group_are_of_its_age(matcher: Matcher) -> None:
    got = _props(matcher, "老年人健康管理及生活自理能力评估情况季报",
                 [("65周岁及以上老年人（人）", ["户籍人数", "当年已体检人数", "上一年度体检人数"]),
                  ("生活自理能力评估分级（人）", ["能自理", "失能（不能自理）"]),
                  ("80周岁及以上老人（人）", ["人数", "其中：百岁老人"])])
    assert got["B"].target == "pop_65plus"
    assert got["C"].target == "elderly_health_managed"
    assert got["D"].kind == "unmapped" and "往期" in got["D"].reason  # 上一年度: another period
    assert got["E"].target == "elderly_self_care_ok"  # the 评估 result's list, not the 特困 自理能力
    assert got["F"].target == "elderly_unable"
    assert got["G"].target == "pop_80plus"
    assert got["H"].target == "pop_100plus"


def test_a_count_of_places_is_no_count_of_people(matcher: Matcher) -> None:
    got = _props(matcher, "残疾人就业和家庭情况统计表",
                 [("持证残疾人（人）", ["合计", "其中：重度"]), "残疾人之家个数（个）",
                  ("劳动年龄段持证残疾人（人）", ["人数"])])
    assert got["B"].target == "disabled_certified"
    severe = got["C"].expression or {}
    assert "disability_grade in ('一级', '二级')" in severe.get("filter", "")  # 重度 of a policy form: 一、二级
    assert got["D"].kind == "unmapped" and "个数" in got["D"].reason
    assert got["E"].target != "disabled_certified"  # 劳动年龄段 (16–59) is not every certified person


def test_a_carers_name_and_phone_in_a_roster_are_not_the_rows(matcher: Matcher) -> None:
    form = sketch_form("分散供养特困人员照料护理登记表", ["序号", "姓名", "身份证号", "联系电话", "照料人姓名", "照料人电话"], rows=[])
    got = {p.column: p for p in matcher.match(read_form_bytes(form, file="登记表.xlsx"))}
    assert got["B"].target == "resident.name" and got["D"].target == "resident.phone"
    assert got["E"].kind == "unmapped" and got["F"].kind == "unmapped"
    assert "另一角色" in got["F"].reason


def test_a_parents_bare_measure_is_the_titles_programme(matcher: Matcher) -> None:
    got = _props(matcher, "医疗救助对象参保资助情况统计表", [("已参保人数（人）", ["低保对象", "特困人员"])],
                 label="乡镇（街道）")
    for col in ("B", "C"):  # never the 城乡居民养老保险 count of 低保 / 特困 people
        assert got[col].target != "pension_insured" or got[col].kind == "unmapped"
