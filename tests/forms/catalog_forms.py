"""Realistic department forms (after shared/examples/real-forms.md), drawn by the tests, with the hand-checked
top-1 mapping of every column. Expected values: an indicator id, an element `entity.code`, `expr:<base id>`
(an indicator plus a synthesised age/sex filter), or one of label / index / collected / unmapped."""

from __future__ import annotations

from dataclasses import dataclass, field

from biaotong.forms.sketch import Header, SketchOptions


@dataclass
class FormCase:
    id: str
    title: str
    header: list[Header]
    expected: dict[str, str]  # column letter (or value cell) -> expected top-1
    rows: list[str] | None = None
    options: SketchOptions = field(default_factory=SketchOptions)
    layout: str = "aggregate"


AREAS = ["合计", "雨山镇", "采石街道", "银塘镇"]

DEV_FORMS: list[FormCase] = [
    FormCase(
        "f1_dibao", "2021年7月城市低保对象综合统计表",
        ["地区", "非农人口总数(人)", "低保对象占非农人口比例(%)", "低保户数(户)", "当月低保对象人数(人)",
         ("低保对象类别(人)", ["老年人", "成年人", "未成年人"]), "当月资金支出数 (万元)", "当月人均补助水平 (元)"],
        {"A": "label", "B": "pop_nonagricultural", "C": "dibao_share_nonagri", "D": "dibao_households",
         "E": "dibao_persons", "F": "dibao_elderly", "G": "dibao_adults", "H": "dibao_minors", "I": "dibao_amount",
         "J": "dibao_avg_amount"},
        rows=AREAS,
    ),
    FormCase(
        "f2_tekun", "2024年第二季度农村特困人员救助供养对象综合统计表",
        ["地区", "本季度末保障人数", ("集中供养人数", ["人数"]),
         ("按自理能力划分(人数)", ["自理", "半自理", "全护理"]),
         ("按年龄划分(人数)", ["16岁以下", "16-60岁", "60-80岁", "80岁以上"]),
         ("按特殊身份划分(人数)", ["女性", "重度残疾人", "患精神疾病人"]),
         ("动态管理", [("人数", ["本季度末新增保", "本季度末退出保"]), "本季度末支出保障金(万元)"])],
        {"A": "label", "B": "tekun_persons", "C": "tekun_centralized", "D": "tekun_self_care",
         "E": "tekun_semi_care", "F": "tekun_full_care", "G": "tekun_under_16", "H": "tekun_16_59",
         "I": "tekun_60_79", "J": "tekun_80plus", "K": "tekun_female", "L": "tekun_severe_disabled",
         # 本季度末支出保障金: the quarter's outlay, which the library's one-month 特困供养金月支出 is not (2026-12-04)
         "M": "tekun_mental", "N": "tekun_new", "O": "tekun_exited", "P": "unmapped"},
        options=SketchOptions(code_row=True),
    ),
    FormCase(
        "f25_population", "人口统计年报",
        ["地区", "年末总户数(户)", "乡村户数(户)", "年末总人口(万人)", "乡村人口(万人)", "户籍人口数(万人)",
         "城镇化率(%)"],
        {"A": "label", "B": "households_total", "C": "households_agricultural", "D": "pop_total",
         "E": "pop_agricultural", "F": "pop_total", "G": "urbanization_rate"},
    ),
    FormCase(
        "pop_age_sex", "2024年度户籍人口年龄性别构成统计表",
        ["乡镇（街道）", ("户籍人口", ["合计", "其中：女"]),
         ("按年龄分", ["0-17岁", "18-59岁", "60周岁以上", "65岁及以上", "80岁及以上", "90岁以上", "100岁以上"])],
        {"A": "label", "B": "pop_total", "C": "pop_female", "D": "pop_under_18", "E": "pop_18_59",
         "F": "pop_60plus", "G": "pop_65plus", "H": "pop_80plus", "I": "pop_90plus", "J": "pop_100plus"},
    ),
    FormCase(
        "gaoling", "高龄老人及高龄津贴发放情况统计表",
        ["地区", ("高龄老人(人)", ["80-89岁", "90-99岁", "100岁及以上"]), "享受高龄津贴人数(人)",
         "高龄津贴发放金额(元)", "独居老人(人)"],
        {"A": "label", "B": "expr:pop_80plus", "C": "expr:pop_80plus", "D": "pop_100plus",
         "E": "old_age_allowance_persons", "F": "old_age_allowance_amount", "G": "elderly_living_alone"},
    ),
    FormCase(
        "children", "困境儿童基本情况统计表",
        ["村（社区）", "孤儿(人)", "事实无人抚养儿童(人)", "农村留守儿童(人)", "0-6岁儿童数(人)",
         ("未成年人", ["合计", "其中：女"])],
        {"A": "label", "B": "orphans", "C": "unattended_children", "D": "left_behind_children",
         "E": "pop_0_6", "F": "pop_under_18", "G": "expr:pop_under_18"},
        options=SketchOptions(meta_line="填报单位：          单位：人          2024年  月  日"),
    ),
    FormCase(
        "f9_family_doctor", "家庭医生签约服务 签约人群统计表",
        ["市", "县", "镇", "村/社区", "签约数", "0-6岁儿童签约数（人）", "65岁及以上常住居民签约数",
         "孕产妇签约数（人）", "高血压患者家庭医生签约人数（人）", "糖尿病患者签约数（人）", "严重精神障碍患者签约数（人）",
         "残疾人签约数（人）", "农村建档立卡贫困人口签约数（人）", "城乡低保五保人口签约数（人）"],
        {"A": "label", "B": "label", "C": "label", "D": "label", "E": "fd_signed", "F": "fd_signed_0_6",
         "G": "fd_signed_65plus", "H": "fd_signed_pregnant", "I": "fd_signed_hypertension",
         "J": "fd_signed_diabetes", "K": "fd_signed_mental", "L": "fd_signed_disabled", "M": "fd_signed_poverty",
         "N": "fd_signed_assistance"},
    ),
    FormCase(
        "f15_poverty_roster", "已脱贫人口名单",
        ["序号", "县(市、区、旗)", "乡(镇)", "行政村", "户编号", "姓名", "证件号码", "与户主关系", "民族", "文化程度",
         "健康状况", "劳动技能", "是否参加大病保险", "危房户", "是否解决安全饮用水", "人均纯收入", "户联系电话"],
        {"A": "index", "B": "label", "C": "label", "D": "label", "E": "resident.household_id",
         "F": "resident.name", "G": "resident.id_number", "H": "resident.relationship", "I": "resident.ethnicity",
         "J": "resident.education", "K": "resident.health_status", "L": "resident.labor_skill",
         "M": "unmapped", "N": "unmapped", "O": "unmapped", "P": "unmapped",
         "Q": "unmapped"},
        options=SketchOptions(meta_line="填报单位：          数据日期：2024年6月30日"),
        layout="roster",
    ),
    FormCase(
        "f19_disaster", "自然灾害情况统计表",
        ["区域", ("受灾情况", ["受灾人口(人)", "因灾死亡人口(人)", "因灾失踪人口(人)"]),
         ("房屋", ["倒塌房屋间数(间)", "倒塌住房户数(户)"]), ("经济损失(万元)", ["直接经济损失"])],
        {"A": "label", "B": "unmapped", "C": "unmapped", "D": "unmapped", "E": "unmapped", "F": "unmapped",
         "G": "unmapped"},
    ),
    FormCase(
        "f22_temporary", "暂住人口管理统计报表",
        ["机构名称", "暂住人口数", ("性别", ["性别男", "性别女"]),
         ("居住期限", ["半年以下", "半年至五年", "五年以上"])],
        {"A": "label", "B": "pop_inflow", "C": "expr:pop_inflow", "D": "expr:pop_inflow", "E": "unmapped",
         "F": "unmapped", "G": "unmapped"},
    ),
    FormCase(
        "elderly_health", "65岁以上老年人健康管理服务情况统计表",
        ["乡镇", "65岁及以上常住居民(人)", "年内接受健康管理人数(人)", "健康管理率(%)",
         ("生活自理能力评估(人)", ["可自理", "轻度依赖", "中度依赖", "不能自理"])],
        {"A": "label", "B": "pop_65plus", "C": "elderly_health_managed", "D": "elderly_health_rate",
         "E": "elderly_self_care_ok", "F": "elderly_mild_dependence", "G": "elderly_moderate_dependence",
         "H": "elderly_unable"},
    ),
    FormCase(
        "pension", "城乡居民基本养老保险参保情况统计表",
        ["地区", "应参保人数", ("参保情况", ["参保人数", "其中：缴费人数", "参保率(%)"]),
         ("待遇领取", ["待遇领取人数", "养老金发放金额(万元)"])],
        {"A": "label", "B": "pension_eligible", "C": "pension_insured", "D": "pension_paying",
         "E": "pension_coverage", "F": "pension_receiving", "G": "pension_benefit_amount"},
        options=SketchOptions(meta_line="填报单位：                金额单位：万元"),
    ),
    FormCase(
        "veterans", "退役军人和其他优抚对象基本情况统计表",
        ["村（社区）", "退役军人(人)", ("优抚对象(人)", ["合计", "伤残军人", "烈士遗属", "现役军人家属"]),
         "60岁以上退役军人(人)"],
        {"A": "label", "B": "veterans", "C": "entitled_total", "D": "disabled_soldiers", "E": "martyr_families",
         "F": "active_duty_families", "G": "veterans_60plus"},
    ),
    FormCase(
        "disability_roster", "困难残疾人生活补贴和重度残疾人护理补贴发放花名册",
        ["序号", "乡镇（街道）", "村（社区）", "姓名", "性别", "身份证号码", "残疾证号", "残疾类别", "残疾等级",
         "困难残疾人生活补贴(元)", "重度残疾人护理补贴(元)", "联系电话"],
        {"A": "index", "B": "label", "C": "label", "D": "resident.name", "E": "resident.sex",
         "F": "resident.id_number", "G": "resident.disability_cert_no", "H": "resident.disability_category",
         "I": "resident.disability_grade", "J": "resident.disability_living_subsidy",
         "K": "resident.severe_disability_care_subsidy", "L": "resident.phone"},
        layout="roster",
    ),
]
