"""The packaged standard: it loads, it is complete, and its look-ups work."""

from __future__ import annotations

import pytest

from biaotong.catalog import Catalog, load_catalog, normalize_term
from biaotong.catalog.specs import ElementSpec
from biaotong.errors import CatalogError

REQUIRED = {
    "resident": """id_number name sex birth_date ethnicity org_code household_id relationship hukou_type marital_status
        education political_status phone address residence_status registered_date death_date deregistered_date
        deregister_reason assistance_category assistance_start_date assistance_end_date assistance_amount support_mode
        self_care_ability old_age_allowance child_protection_type left_behind_child disability_cert_no
        disability_category disability_grade disability_living_subsidy severe_disability_care_subsidy pension_status
        pension_insured_date pension_contribution_grade pension_monthly_benefit employment_status migrant_worker
        medical_insurance_type medical_insured_year health_record_no family_doctor_signed family_doctor_sign_date
        hypertension diabetes severe_mental_disorder tuberculosis elderly_health_check_date self_care_score pregnant
        veteran_type enlist_date discharge_date service_branch poverty_alleviated monitoring_category
        monitoring_identified_date risk_eliminated risk_eliminated_date risk_type student_status school_dropout
        living_alone_elderly recent_situation""",
    "household": """household_id org_code householder_id_number household_type address arable_land_area forest_land_area
        house_safety_level per_capita_net_income drinking_water_safe cooperative_member rental_housing""",
    "enterprise": """uscc enterprise_name org_code enterprise_type legal_rep_name legal_rep_id_number registered_capital
        established_date industry_category business_status deregistered_date employees address above_scale
        fire_safety_checked""",
    "village": """org_code village_area total_arable_land village_collective_income natural_villages primary_schools
        clinics cadres party_members grid_count elderly_care_facilities geohazard_points paved_road
        agricultural_output""",
}


@pytest.fixture(scope="module")
def cat() -> Catalog:
    return load_catalog()


def test_loads_cached_with_at_least_90_elements(cat: Catalog) -> None:
    assert load_catalog() is cat  # the package catalog is cached
    assert len(cat.elements) >= 90
    assert set(cat.entities) == {"resident", "household", "enterprise", "village"}
    assert {e.key for e in cat.entities.values()} == {"id_number", "household_id", "uscc", "org_code"}
    for dept in (
        "public_security",
        "civil_affairs",
        "hrss",
        "health",
        "disabled_federation",
        "veterans",
        "agriculture",
        "market_regulation",
        "medical_security",
        "education",
        "emergency",
        "statistics",
        "natural_resources",
        "housing",
        "water",
        "organization",
        "grassroots",
    ):
        assert dept in cat.departments
    assert cat.department("民政局").id == "civil_affairs"
    assert cat.department("公安局").id == "public_security"


@pytest.mark.parametrize("entity", sorted(REQUIRED))
def test_required_elements_present(cat: Catalog, entity: str) -> None:
    codes = {e.code for e in cat.elements_of(entity)}
    missing = set(REQUIRED[entity].split()) - codes
    assert not missing
    assert cat.has_element(entity, "org_code")


def test_every_element_is_valid_and_consistent(cat: Catalog) -> None:
    for el in cat.elements:
        ElementSpec.model_validate({k: v for k, v in vars(el).items() if k != "entity"})
        assert el.source_department in cat.departments
        assert el.entity in cat.entities
        if el.value_type == "code":
            assert el.code_list in cat.code_lists, el.qualified
        assert el.aliases, f"{el.qualified} has no aliases"
        assert el.collected == (el.source_department == "grassroots"), el.qualified


def test_element_attributes(cat: Catalog) -> None:
    id_number = cat.element("resident", "id_number")
    assert id_number.sensitivity == "sensitive" and id_number.validator == "citizen_id"
    assert {"身份证号", "公民身份号码", "身份证号码", "证件号码", "身份证"} <= {
        id_number.name,
        *id_number.aliases,
    }
    assert cat.element("resident.sex").code_list == "sex"
    assert cat.element("resident", "political_status").source_department == "organization"
    assert cat.element("resident", "assistance_amount").unit == "元/月"
    assert cat.element("resident", "left_behind_child").value_type == "boolean"
    assert cat.element("resident", "recent_situation").collected
    assert cat.element("enterprise", "uscc").validator == "uscc"
    assert cat.element("enterprise", "registered_capital").unit == "万元"
    assert cat.element("household", "house_safety_level").source_department == "housing"
    assert cat.element("village", "paved_road").value_type == "boolean"
    for sensitive in ("phone", "disability_cert_no", "health_record_no", "hypertension", "tuberculosis"):
        assert cat.element("resident", sensitive).sensitivity == "sensitive"


def test_official_code_lists(cat: Catalog) -> None:
    sex = cat.code_list("sex")
    assert [c.code for c in sex.codes] == ["0", "1", "2", "9"]
    assert (
        sex.lookup("男性") == "1"
        and sex.lookup("F") == "2"
        and sex.lookup("1") == "1"
        and sex.lookup(" 女 ") == "2"
    )
    assert sex.lookup("外星人") is None
    eth = cat.code_list("ethnicity")
    assert len(eth.codes) == 58
    assert (
        eth.label("01") == "汉族" and eth.label("56") == "基诺族" and eth.label("98") == "外国血统中国籍人士"
    )
    assert eth.lookup("回") == "03" and eth.lookup("蒙古") == "02" and eth.lookup("维吾尔族") == "05"
    rel = cat.code_list("relationship")
    assert rel.label("01") == "本人" and rel.label("02") == "户主" and rel.label("10") == "配偶"
    assert rel.lookup("妻子") == "12" and rel.lookup("儿子") == "20" and rel.label("99") == "非亲属"
    assert cat.code_list("marital_status").lookup("离异") == "40"
    assert cat.code_list("marital_status").label("21") == "初婚"
    edu = cat.code_list("education")
    assert edu.lookup("本科") == "20" and edu.lookup("初中") == "70" and edu.label("90") == "其他"
    pol = cat.code_list("political_status")
    assert pol.lookup("中共党员") == "01" and pol.label("13") == "群众" and len(pol.codes) == 13
    ind = cat.code_list("industry_category")
    assert [c.code for c in ind.codes] == list("ABCDEFGHIJKLMNOPQRST")
    assert ind.label("C") == "制造业"
    dis = cat.code_list("disability_category")
    assert [c.label for c in dis.codes] == [
        "视力残疾",
        "听力残疾",
        "言语残疾",
        "肢体残疾",
        "智力残疾",
        "精神残疾",
        "多重残疾",
    ]
    assert cat.code_list("disability_grade").lookup("一级") == "1"
    assert cat.code_list("assistance_category").lookup("五保") == "2"
    assert cat.code_list("house_safety_level").lookup("D级危房") == "D"


def test_find_by_name_and_alias(cat: Catalog) -> None:
    assert [e.qualified for e in cat.find("身份证号")] == ["resident.id_number"]
    assert cat.find("公民身份号码", "resident")[0].code == "id_number"
    assert [e.qualified for e in cat.find("耕地面积（亩）", "household")] == ["household.arable_land_area"]
    assert {e.entity for e in cat.find("耕地面积")} == {"household", "village"}
    assert cat.find("公民身份证号*")[0].code == "id_number"  # required-field star of F23
    assert cat.find("困难残疾人生活补贴")[0].code == "disability_living_subsidy"
    assert cat.find("近期动态")[0].code == "recent_situation"
    assert cat.find("这不是任何数据元") == []
    assert normalize_term("低保标准 (元)") == "低保标准" and normalize_term("村（社区）") == "村(社区)"
    assert ("身份证号", cat.element("resident", "id_number")) in cat.terms("resident")


def test_unknown_names_raise_with_suggestions(cat: Catalog) -> None:
    with pytest.raises(CatalogError) as info:
        cat.element("resident", "sexx")
    assert "resident.sex" in info.value.details["suggestions"]
    assert info.value.where.key == "resident.sexx"
    with pytest.raises(CatalogError) as info:
        cat.element("resident", "性别")
    assert info.value.details["suggestions"][0] == "resident.sex"
    with pytest.raises(CatalogError) as info:
        cat.element("residents", "sex")
    assert "resident" in info.value.details["suggestions"]
    with pytest.raises(CatalogError):
        cat.code_list("sexx")
    with pytest.raises(CatalogError):
        cat.entity("house")
