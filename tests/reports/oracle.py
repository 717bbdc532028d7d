"""An independent oracle: every indicator of the library and every inline field of the demo specs, written
again as plain Python over the raw rows — no SQL, no biaotong.expr — then rolled up the org tree by hand."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from tests.reports.county import County

R = dict[str, Any]


@dataclass(frozen=True)
class P:
    start: date
    end: date

    @property
    def ys(self) -> date:
        return date(self.end.year, 1, 1)


def birth(r: R) -> date | None:
    if r.get("birth_date"):
        return r["birth_date"]
    s = r.get("id_number") or ""
    try:
        return date(int(s[6:10]), int(s[10:12]), int(s[12:14])) if len(s) == 18 else None
    except ValueError:
        return None


def age(r: R, p: P) -> int | None:
    b = birth(r)
    if b is None:
        return None
    return p.end.year - b.year - ((p.end.month, p.end.day) < (b.month, b.day))


def alive(r: R, p: P, since: date | None = None) -> bool:
    for k in ("death_date", "deregistered_date"):
        d = r.get(k)
        if d is not None and (d <= p.end if since is None else d < since):
            return False
    reg = r.get("registered_date")
    return reg is None or reg <= p.end


def le(d: date | None, p: P) -> bool:
    return d is not None and d <= p.end


def discharged(r: R, p: P) -> bool:
    """No discharge date (a martyr's family) or discharged by the period end."""
    d = r.get("discharge_date")
    return d is None or d <= p.end


def registered(r: R, p: P) -> bool:
    d = r.get("registered_date")
    return d is None or d <= p.end


def issued(r: R, p: P) -> bool:
    d = r.get("disability_cert_issue_date")
    return d is None or d <= p.end


def certified(r: R, p: P) -> bool:
    """Holds a certificate issued by the period end (no issue date: counted)."""
    return has(r.get("disability_cert_no")) and issued(r, p)


def insured(r: R, p: P) -> bool:
    d = r.get("pension_insured_date")
    return d is None or d <= p.end


def in_assist(r: R, p: P, cat: str) -> bool:
    s, e = r.get("assistance_start_date"), r.get("assistance_end_date")
    return r.get("assistance_category") == cat and (s is None or s <= p.end) and (e is None or e > p.end)


def signed(r: R, p: P) -> bool:
    d = r.get("family_doctor_sign_date")
    return bool(r.get("family_doctor_signed")) and (d is None or d <= p.end)


def a(r: R, p: P, lo: int | None = None, hi: int | None = None) -> bool:
    """lo <= age < hi."""
    x = age(r, p)
    return x is not None and (lo is None or x >= lo) and (hi is None or x < hi)


def has(v: Any) -> bool:
    return v is not None and v != ""


def mon(r: R, p: P) -> bool:
    d = r.get("monitoring_identified_date")
    return has(r.get("monitoring_category")) and (d is None or d <= p.end)


def market(e: R, p: P) -> bool:
    est, der = e.get("established_date"), e.get("deregistered_date")
    return (est is None or est <= p.end) and (der is None or der > p.end)


def veteran(r: R, p: P) -> bool:
    return has(r.get("discharge_date")) and r["discharge_date"] <= p.end


def months_since(d: date, p: P) -> int:
    return p.end.year * 12 + p.end.month - (d.year * 12 + d.month) - (1 if d.day > p.end.day else 0)


def years_since(d: date, p: P) -> int:
    return p.end.year - d.year - ((p.end.month, p.end.day) < (d.month, d.day))


@dataclass(frozen=True)
class Agg:
    entity: str
    agg: str  # count | count_distinct | sum | avg
    pred: Callable[[R, P], bool] = lambda r, p: True
    of: Callable[[R, P], Any] | None = None
    date: str | None = None  # event date within the window
    cumulative: bool = False
    include_dereg: bool = False


@dataclass(frozen=True)
class Ratio:
    num: str
    den: str
    percent: bool = False
    digits: int | None = None


@dataclass(frozen=True)
class Collected:
    pass


def C(pred: Callable[[R, P], bool] = lambda r, p: True, **kw: Any) -> Agg:
    return Agg("resident", "count", pred, **kw)


def _lab(cat_codes: dict[str, str]) -> Callable[[str], str]:
    return lambda label: cat_codes[label]


SEX = {"男": "1", "女": "2"}
ASSIST = {"低保": "1", "特困": "2", "低保边缘": "3", "临时救助": "4"}

INDICATORS: dict[str, Any] = {
    # population
    "pop_total": C(),
    "pop_male": C(lambda r, p: r["sex"] == "1"),
    "pop_female": C(lambda r, p: r["sex"] == "2"),
    "pop_permanent": C(lambda r, p: r["residence_status"] in ("1", "3")),
    "pop_out": C(lambda r, p: r["residence_status"] == "2"),
    "pop_inflow": C(lambda r, p: r["residence_status"] == "3"),
    "pop_agricultural": C(lambda r, p: r["hukou_type"] == "1"),
    "pop_nonagricultural": C(lambda r, p: r["hukou_type"] == "2"),
    "pop_0_6": C(lambda r, p: a(r, p, None, 7)),
    "pop_under_16": C(lambda r, p: a(r, p, None, 16)),
    "pop_under_18": C(lambda r, p: a(r, p, None, 18)),
    "pop_18_59": C(lambda r, p: a(r, p, 18, 60)),
    "pop_60plus": C(lambda r, p: a(r, p, 60)),
    "pop_65plus": C(lambda r, p: a(r, p, 65)),
    "pop_80plus": C(lambda r, p: a(r, p, 80)),
    "pop_90plus": C(lambda r, p: a(r, p, 90)),
    "pop_100plus": C(lambda r, p: a(r, p, 100)),
    "births_ytd": C(lambda r, p: registered(r, p), date="birth_date", cumulative=True, include_dereg=True),
    "deaths_ytd": C(lambda r, p: registered(r, p), date="death_date", cumulative=True, include_dereg=True),
    "deaths_period": C(lambda r, p: registered(r, p), date="death_date", include_dereg=True),
    "moved_out_ytd": C(lambda r, p: r["deregister_reason"] == "2", date="deregistered_date", cumulative=True, include_dereg=True),
    "registered_ytd": C(date="registered_date", cumulative=True),
    "households_total": Agg("household", "count"),
    "households_agricultural": Agg("household", "count", lambda h, p: h["_members"](lambda r: r["hukou_type"] == "1")),
    "avg_household_size": Ratio("pop_total", "households_total", digits=2),
    "urbanization_rate": Ratio("pop_nonagricultural", "pop_total", True, 2),
    "aging_rate": Ratio("pop_60plus", "pop_total", True, 2),
    "avg_age": Agg("resident", "avg", of=age),
    # civil affairs
    "dibao_persons": C(lambda r, p: in_assist(r, p, "1")),
    "dibao_households": Agg("resident", "count_distinct", lambda r, p: in_assist(r, p, "1"), of=lambda r, p: r["household_id"]),
    "dibao_elderly": C(lambda r, p: in_assist(r, p, "1") and a(r, p, 60)),
    "dibao_adults": C(lambda r, p: in_assist(r, p, "1") and a(r, p, 18, 60)),
    "dibao_minors": C(lambda r, p: in_assist(r, p, "1") and a(r, p, None, 18)),
    "dibao_amount": Agg("resident", "sum", lambda r, p: in_assist(r, p, "1"), of=lambda r, p: r["assistance_amount"]),
    "dibao_avg_amount": Ratio("dibao_amount", "dibao_persons", digits=2),
    "dibao_share_nonagri": Ratio("dibao_persons", "pop_nonagricultural", True, 2),
    "dibao_new": C(lambda r, p: r["assistance_category"] == "1", date="assistance_start_date"),
    "dibao_edge_persons": C(lambda r, p: in_assist(r, p, "3")),
    "temp_assistance": C(lambda r, p: r["assistance_category"] == "4", date="assistance_start_date"),
    "tekun_persons": C(lambda r, p: in_assist(r, p, "2")),
    "tekun_centralized": C(lambda r, p: in_assist(r, p, "2") and r["support_mode"] == "1"),
    "tekun_dispersed": C(lambda r, p: in_assist(r, p, "2") and r["support_mode"] == "2"),
    "tekun_self_care": C(lambda r, p: in_assist(r, p, "2") and r["self_care_ability"] == "1"),
    "tekun_semi_care": C(lambda r, p: in_assist(r, p, "2") and r["self_care_ability"] == "2"),
    "tekun_full_care": C(lambda r, p: in_assist(r, p, "2") and r["self_care_ability"] == "3"),
    "tekun_under_16": C(lambda r, p: in_assist(r, p, "2") and a(r, p, None, 16)),
    "tekun_16_59": C(lambda r, p: in_assist(r, p, "2") and a(r, p, 16, 60)),
    "tekun_60_79": C(lambda r, p: in_assist(r, p, "2") and a(r, p, 60, 80)),
    "tekun_80plus": C(lambda r, p: in_assist(r, p, "2") and a(r, p, 80)),
    "tekun_female": C(lambda r, p: in_assist(r, p, "2") and r["sex"] == "2"),
    "tekun_severe_disabled": C(lambda r, p: in_assist(r, p, "2") and r["disability_grade"] in ("1", "2") and issued(r, p)),
    "tekun_mental": C(lambda r, p: in_assist(r, p, "2") and (r["severe_mental_disorder"] or r["disability_category"] == "6")
                      and issued(r, p)),
    "tekun_new": C(lambda r, p: r["assistance_category"] == "2", date="assistance_start_date"),
    "tekun_exited": C(lambda r, p: r["assistance_category"] == "2", date="assistance_end_date", include_dereg=True),
    "tekun_amount": Agg("resident", "sum", lambda r, p: in_assist(r, p, "2"), of=lambda r, p: r["assistance_amount"]),
    "old_age_allowance_persons": C(lambda r, p: (r["old_age_allowance"] or 0) > 0),
    "old_age_allowance_amount": Agg("resident", "sum", of=lambda r, p: r["old_age_allowance"]),
    "orphans": C(lambda r, p: r["child_protection_type"] == "1"),
    "unattended_children": C(lambda r, p: r["child_protection_type"] == "2"),
    "left_behind_children": C(lambda r, p: bool(r["left_behind_child"])),
    "elderly_living_alone": C(lambda r, p: bool(r["living_alone_elderly"]) and a(r, p, 60)),
    # health
    "elderly_health_managed": C(lambda r, p: a(r, p, 65) and r["elderly_health_check_date"] is not None and p.ys <= r["elderly_health_check_date"] <= p.end),
    "elderly_health_rate": Ratio("elderly_health_managed", "pop_65plus", True, 2),
    "elderly_self_care_ok": C(lambda r, p: a(r, p, 65) and r["self_care_level"] == "1"),
    "elderly_mild_dependence": C(lambda r, p: a(r, p, 65) and r["self_care_level"] == "2"),
    "elderly_moderate_dependence": C(lambda r, p: a(r, p, 65) and r["self_care_level"] == "3"),
    "elderly_unable": C(lambda r, p: a(r, p, 65) and r["self_care_level"] == "4"),
    "elderly_avg_self_care_score": Agg("resident", "avg", lambda r, p: a(r, p, 65), of=lambda r, p: r["self_care_score"]),
    "fd_signed": C(signed),
    "fd_signed_0_6": C(lambda r, p: signed(r, p) and a(r, p, None, 7)),
    "fd_signed_65plus": C(lambda r, p: signed(r, p) and a(r, p, 65)),
    "fd_signed_pregnant": C(lambda r, p: signed(r, p) and bool(r["pregnant"])),
    "fd_signed_hypertension": C(lambda r, p: signed(r, p) and bool(r["hypertension"])),
    "fd_signed_diabetes": C(lambda r, p: signed(r, p) and bool(r["diabetes"])),
    "fd_signed_tb": C(lambda r, p: signed(r, p) and bool(r["tuberculosis"])),
    "fd_signed_mental": C(lambda r, p: signed(r, p) and bool(r["severe_mental_disorder"])),
    "fd_signed_disabled": C(lambda r, p: signed(r, p) and certified(r, p)),
    "fd_signed_poverty": C(lambda r, p: signed(r, p) and bool(r["poverty_alleviated"])),
    "fd_signed_assistance": C(lambda r, p: signed(r, p) and r["assistance_category"] in ("1", "2")),
    "fd_sign_rate": Ratio("fd_signed", "pop_total", True, 2),
    "fd_signed_new": C(lambda r, p: bool(r["family_doctor_signed"]), date="family_doctor_sign_date"),
    "hypertension_patients": C(lambda r, p: bool(r["hypertension"])),
    "diabetes_patients": C(lambda r, p: bool(r["diabetes"])),
    "mental_patients": C(lambda r, p: bool(r["severe_mental_disorder"])),
    "tb_patients": C(lambda r, p: bool(r["tuberculosis"])),
    "pregnant_women": C(lambda r, p: bool(r["pregnant"]) and r["sex"] == "2"),
    "health_records": C(lambda r, p: has(r["health_record_no"])),
    "health_record_rate": Ratio("health_records", "pop_total", True, 2),
    # social security
    "pension_insured": C(lambda r, p: r["pension_status"] in ("1", "2", "3") and insured(r, p)),
    "pension_paying": C(lambda r, p: r["pension_status"] == "1" and insured(r, p)),
    "pension_receiving": C(lambda r, p: r["pension_status"] == "2" and insured(r, p)),
    "pension_benefit_amount": Agg("resident", "sum", lambda r, p: r["pension_status"] == "2" and insured(r, p),
                                  of=lambda r, p: r["pension_monthly_benefit"]),
    "pension_avg_benefit": Ratio("pension_benefit_amount", "pension_receiving", digits=2),
    "pension_new": C(lambda r, p: r["pension_status"] in ("1", "2", "3"), date="pension_insured_date"),
    "pension_eligible": C(lambda r, p: a(r, p, 16) and r["student_status"] in (None, "9")),
    "pension_coverage": Ratio("pension_insured", "pension_eligible", True, 2),
    "pension_grade_avg": Agg("resident", "avg", lambda r, p: r["pension_status"] == "1" and insured(r, p),
                             of=lambda r, p: r["pension_contribution_grade"]),
    "labor_force": C(lambda r, p: a(r, p, 16, 60) and r["labor_skill"] in ("1", "2", "3")),
    "migrant_workers": C(lambda r, p: bool(r["migrant_worker"])),
    "employed": C(lambda r, p: r["employment_status"] in ("1", "2", "3", "4", "5")),
    "unemployed": C(lambda r, p: r["employment_status"] == "6"),
    "skilled_labor": C(lambda r, p: r["labor_skill"] == "2"),
    "avg_migrant_months": Agg("resident", "avg", lambda r, p: bool(r["migrant_worker"]), of=lambda r, p: r["migrant_work_months"]),
    "med_insured_resident": C(lambda r, p: r["medical_insurance_type"] == "1"),
    "med_insured_employee": C(lambda r, p: r["medical_insurance_type"] == "2"),
    "med_insured_total": C(lambda r, p: r["medical_insurance_type"] in ("1", "2")),
    "med_uninsured": C(lambda r, p: r["medical_insurance_type"] in ("9", None)),
    "med_coverage": Ratio("med_insured_total", "pop_total", True, 2),
    "med_insured_assistance": C(lambda r, p: r["medical_insurance_type"] in ("1", "2") and r["assistance_category"] in ("1", "2")),
    "med_insured_poverty": C(lambda r, p: r["medical_insurance_type"] in ("1", "2") and bool(r["poverty_alleviated"])),
    # rural
    "poverty_alleviated_persons": C(lambda r, p: bool(r["poverty_alleviated"])),
    "poverty_alleviated_households": Agg("resident", "count_distinct", lambda r, p: bool(r["poverty_alleviated"]), of=lambda r, p: r["household_id"]),
    "monitoring_persons": C(mon),
    "monitoring_households": Agg("resident", "count_distinct", mon, of=lambda r, p: r["household_id"]),
    "monitoring_unstable": C(lambda r, p: mon(r, p) and r["monitoring_category"] == "1"),
    "monitoring_edge": C(lambda r, p: mon(r, p) and r["monitoring_category"] == "2"),
    "monitoring_sudden": C(lambda r, p: mon(r, p) and r["monitoring_category"] == "3"),
    "monitoring_risk_eliminated": C(lambda r, p: has(r["monitoring_category"]) and bool(r["risk_eliminated"]) and (r["risk_eliminated_date"] is None or r["risk_eliminated_date"] <= p.end)),
    "monitoring_new": C(lambda r, p: has(r["monitoring_category"]), date="monitoring_identified_date"),
    "arable_land": Agg("household", "sum", of=lambda h, p: h["arable_land_area"]),
    "forest_land": Agg("household", "sum", of=lambda h, p: h["forest_land_area"]),
    "cooperative_households": Agg("household", "count", lambda h, p: bool(h["cooperative_member"])),
    "unsafe_housing_households": Agg("household", "count", lambda h, p: h["house_safety_level"] in ("C", "D")),
    "unsafe_water_households": Agg("household", "count", lambda h, p: h["drinking_water_safe"] is False),
    "avg_net_income": Agg("household", "avg", of=lambda h, p: h["per_capita_net_income"]),
    "low_income_households": Agg("household", "count", lambda h, p: h["per_capita_net_income"] is not None and h["per_capita_net_income"] < 8000),
    "poverty_households_with_elderly": Agg("household", "count", lambda h, p: h["_members"](lambda r: bool(r["poverty_alleviated"])) and h["_members"](lambda r: a(r, p, 80))),
    # veterans, disabled, education
    "veterans": C(veteran),
    "veterans_new_ytd": C(date="discharge_date", cumulative=True),
    "entitled_total": C(lambda r, p: has(r["veteran_type"]) and discharged(r, p)),
    "disabled_soldiers": C(lambda r, p: r["veteran_type"] == "2" and discharged(r, p)),
    "martyr_families": C(lambda r, p: r["veteran_type"] == "3"),
    "active_duty_families": C(lambda r, p: r["veteran_type"] == "6"),
    "veterans_60plus": C(lambda r, p: veteran(r, p) and a(r, p, 60)),
    "disabled_certified": C(lambda r, p: certified(r, p)),
    **{
        f"disabled_{k}": C(lambda r, p, c=c: certified(r, p) and r["disability_category"] == c)
        for k, c in (("visual", "1"), ("hearing", "2"), ("speech", "3"), ("physical", "4"), ("intellectual", "5"),
                     ("mental", "6"), ("multiple", "7"))
    },
    "disabled_severe": C(lambda r, p: certified(r, p) and r["disability_grade"] in ("1", "2")),
    "disability_living_subsidy": C(lambda r, p: bool(r["disability_living_subsidy"])),
    "disability_care_subsidy": C(lambda r, p: bool(r["severe_disability_care_subsidy"])),
    "disability_both_subsidies": C(lambda r, p: bool(r["disability_living_subsidy"]) and bool(r["severe_disability_care_subsidy"])),
    "students_preschool": C(lambda r, p: r["student_status"] == "1"),
    "students_primary": C(lambda r, p: r["student_status"] == "2"),
    "students_junior": C(lambda r, p: r["student_status"] == "3"),
    "students_senior": C(lambda r, p: r["student_status"] in ("4", "5")),
    "compulsory_age_children": C(lambda r, p: a(r, p, 6, 16)),
    "dropouts": C(lambda r, p: bool(r["school_dropout"])),
    "students_from_assistance_families": C(lambda r, p: r["student_status"] in ("1", "2", "3", "4", "5", "6", "7") and (r["assistance_category"] in ("1", "2") or bool(r["poverty_alleviated"]))),
    # market and village
    "market_entities": Agg("enterprise", "count", market),
    "enterprises": Agg("enterprise", "count", lambda e, p: market(e, p) and e["enterprise_type"] in ("1", "2", "3", "4")),
    "individual_businesses": Agg("enterprise", "count", lambda e, p: market(e, p) and e["enterprise_type"] == "5"),
    "cooperatives": Agg("enterprise", "count", lambda e, p: market(e, p) and e["enterprise_type"] == "6"),
    "market_new": Agg("enterprise", "count", date="established_date"),
    "market_deregistered": Agg("enterprise", "count", date="deregistered_date"),
    "registered_capital": Agg("enterprise", "sum", market, of=lambda e, p: e["registered_capital"]),
    "enterprise_employees": Agg("enterprise", "sum", market, of=lambda e, p: e["employees"]),
    "above_scale_enterprises": Agg("enterprise", "count", lambda e, p: market(e, p) and bool(e["above_scale"])),
    "enterprise_revenue": Agg("enterprise", "sum", market, of=lambda e, p: e["annual_revenue"]),
    "fire_checked_entities": Agg("enterprise", "count", lambda e, p: bool(e["fire_safety_checked"]) and (e["deregistered_date"] is None or e["deregistered_date"] > p.end)),
    "villages_count": Agg("village", "count"),
    "village_area": Agg("village", "sum", of=lambda v, p: v["village_area"]),
    "village_arable_land": Agg("village", "sum", of=lambda v, p: v["total_arable_land"]),
    "primary_schools": Agg("village", "sum", of=lambda v, p: v["primary_schools"]),
    "middle_schools": Agg("village", "sum", of=lambda v, p: v["middle_schools"]),
    "clinics": Agg("village", "sum", of=lambda v, p: v["clinics"]),
    "party_members": Agg("village", "sum", of=lambda v, p: v["party_members"]),
    "elderly_care_facilities": Agg("village", "sum", of=lambda v, p: v["elderly_care_facilities"]),
    "geohazard_points": Agg("village", "sum", of=lambda v, p: v["geohazard_points"]),
    "paved_road_villages": Agg("village", "count", lambda v, p: bool(v["paved_road"])),
    "village_per_capita_income": Agg("village", "avg", of=lambda v, p: v["per_capita_income"]),
    "collective_income": Collected(),
    "natural_villages": Collected(),
    "village_cadres": Collected(),
    "grid_count": Collected(),
    "agricultural_output": Collected(),
    "pop_density": Ratio("pop_total", "village_area", digits=1),
}

_INFLOW = lambda r, p: r["residence_status"] == "3"  # noqa: E731
INLINE: dict[tuple[str, str], Any] = {
    ("mz_children", "distress"): C(lambda r, p: r["child_protection_type"] == "3"),
    ("wj_elderly_health", "hyp"): C(lambda r, p: a(r, p, 65) and bool(r["hypertension"])),
    ("wj_elderly_health", "dia"): C(lambda r, p: a(r, p, 65) and bool(r["diabetes"])),
    ("rs_labor", "poverty_migrant"): C(lambda r, p: bool(r["poverty_alleviated"]) and bool(r["migrant_worker"])),
    ("jy_students", "dropout_rate"): Ratio("dropout", "age_6_15", True, 2),
    ("gaj_floating", "male"): C(lambda r, p: _INFLOW(r, p) and r["sex"] == "1"),
    ("gaj_floating", "female"): C(lambda r, p: _INFLOW(r, p) and r["sex"] == "2"),
    ("gaj_floating", "work"): C(lambda r, p: _INFLOW(r, p) and r["residence_reason"] == "01"),
    ("gaj_floating", "business"): C(lambda r, p: _INFLOW(r, p) and r["residence_reason"] == "03"),
    ("gaj_floating", "study"): C(lambda r, p: _INFLOW(r, p) and r["residence_reason"] == "04"),
    ("gaj_floating", "family"): C(lambda r, p: _INFLOW(r, p) and r["residence_reason"] in ("05", "06", "08")),
    ("gaj_floating", "other"): C(lambda r, p: _INFLOW(r, p) and (r["residence_reason"] is None or r["residence_reason"] not in ("01", "03", "04", "05", "06", "08"))),
    ("gaj_floating", "under_half"): C(lambda r, p: _INFLOW(r, p) and r["arrival_date"] is not None and months_since(r["arrival_date"], p) < 6),
    ("gaj_floating", "half_to_5"): C(lambda r, p: _INFLOW(r, p) and r["arrival_date"] is not None and months_since(r["arrival_date"], p) >= 6 and years_since(r["arrival_date"], p) < 5),
    ("gaj_floating", "over_5"): C(lambda r, p: _INFLOW(r, p) and r["arrival_date"] is not None and years_since(r["arrival_date"], p) >= 5),
}


class Oracle:
    """Values per org unit, rolled up by a hand-written map of villages to townships and the county."""

    def __init__(self, county: County, village_of: dict[str, str], parent_of: dict[str, str]) -> None:
        self.county = county
        self.village_of = village_of  # data org code → row village code (merged villages → successor)
        self.parent_of = parent_of  # village → township → county
        by_hh: dict[str, list[R]] = {}
        for r in county.residents:
            by_hh.setdefault(r["household_id"], []).append(r)
        self.members = by_hh

    def units_of(self, data_code: str) -> list[str]:
        v = self.village_of.get(data_code)
        if v is None:
            return []
        out = [v]
        while out[-1] in self.parent_of:
            out.append(self.parent_of[out[-1]])
        return out

    def _rows(self, entity: str, p: P) -> list[R]:
        rows = getattr(self.county, {"resident": "residents", "household": "households", "enterprise": "enterprises",
                                     "village": "villages"}[entity])
        if entity == "household":
            out = []
            for h in rows:
                members = self.members.get(h["household_id"], [])

                def any_member(cond: Callable[[R], bool], members: list[R] = members) -> bool:
                    return any(alive(r, p) and cond(r) for r in members)

                out.append({**h, "_members": any_member})
            return out
        return rows

    def aggregate(self, spec: Agg, p: P) -> dict[str, Any]:
        window_start = p.ys if spec.cumulative else p.start
        groups: dict[str, list[Any]] = {}
        for r in self._rows(spec.entity, p):
            if spec.entity == "resident" and not spec.include_dereg and not alive(r, p, p.ys if spec.cumulative else None):
                continue
            if spec.date is not None:
                d = r.get(spec.date)
                if d is None or not (window_start <= d <= p.end):
                    continue
            if not spec.pred(r, p):
                continue
            val = spec.of(r, p) if spec.of else 1
            if spec.of is not None and val is None:
                continue
            for unit in self.units_of(r["org_code"]):
                groups.setdefault(unit, []).append(val)
        out: dict[str, Any] = {}
        for unit, vals in groups.items():
            if spec.agg == "count":
                out[unit] = len(vals)
            elif spec.agg == "count_distinct":
                out[unit] = len(set(vals))
            elif spec.agg == "sum":
                out[unit] = sum(vals)
            elif spec.agg == "avg":
                out[unit] = sum(vals) / len(vals)
        return out

    def value(self, spec: Any, unit: str, p: P, resolve_ref: Callable[[str], Any]) -> Any:
        if isinstance(spec, Collected):
            return None
        if isinstance(spec, Ratio):
            num, den = resolve_ref(spec.num), resolve_ref(spec.den)
            if num is None or not den:
                return None
            v = Decimal(str(num)) / Decimal(str(den)) * (100 if spec.percent else 1)
            if spec.digits is not None:
                v = v.quantize(Decimal(1).scaleb(-spec.digits), rounding=ROUND_HALF_UP)
            return float(v)
        got = self.aggregate(spec, p)
        if unit in got:
            return got[unit]
        return 0 if spec.agg in ("count", "count_distinct", "sum") else None
