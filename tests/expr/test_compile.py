"""Compiled field expressions run on real DuckDB over real Parquet; numbers counted by hand (conftest)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import duckdb
import pytest
from expr_population import END, START, V1, V2, C, T, by_org

from biaotong.catalog import Catalog
from biaotong.expr import (
    FieldExpr,
    OrgRollup,
    compile_fields,
    derive,
    entities_of,
    load_fields,
    previous_needs,
)

R = "r1"


def run(
    con: duckdb.DuckDBPyConnection,
    catalog: Catalog,
    raw: dict[str, Any],
    entity: str = "resident",
    start: date = START,
    end: date = END,
    **kw: Any,
) -> dict[str, dict[str, Any]]:
    q = compile_fields(load_fields(raw, report_id=R), entity, catalog, start, end, report_id=R, **kw)
    return by_org(con, q.sql())


def col(rows: dict[str, dict[str, Any]], name: str) -> dict[str, Any]:
    return {org: row[name] for org, row in rows.items()}


def test_all_fields_in_one_select(con, catalog):
    raw = {
        "total": {"agg": "count"},
        "female_60": {"agg": "count", "filter": "sex = '女' and age >= 60"},
        "male": {"agg": "count", "filter": "sex = '1'"},
        "severe": {"agg": "count", "filter": "disability_grade in ('一级', '二级')"},
        "avg_age": {"agg": "avg", "of": "age"},
        "amount": {"agg": "sum", "of": "assistance_amount"},
        "oldest": {"agg": "min", "of": "birth_date"},
    }
    q = compile_fields(load_fields(raw, report_id=R), "resident", catalog, START, END, report_id=R)
    assert q.sql().count("SELECT") == 2  # the query and the per-row derived columns (age, alive)
    rows = by_org(con, q.sql())
    # alive at 2024-12-31: V1 A B C E K (D died in June); V2 F I J (G deregistered, H registered 2025)
    assert col(rows, "total") == {V1: 5, V2: 3}
    assert col(rows, "female_60") == {V1: 2, V2: 1}  # A (exactly 60), C (64); F (66, from the ID)
    assert col(rows, "male") == {V1: 2, V2: 1}
    assert col(rows, "severe") == {V1: 0, V2: 1}
    assert col(rows, "avg_age") == {
        V1: pytest.approx((60 + 59 + 64 + 84 + 20) / 5),
        V2: pytest.approx((66 + 34 + 14) / 3),
    }
    assert col(rows, "amount") == {V1: 0, V2: 500.5}
    assert col(rows, "oldest") == {V1: date(1940, 1, 1), V2: date(1990, 1, 1)}  # F has no birth_date
    assert q.fields["female_60"].elements == (
        "resident.birth_date",
        "resident.death_date",
        "resident.deregistered_date",
        "resident.id_number",
        "resident.registered_date",
        "resident.sex",
    )
    assert q.fields["total"].rollup == "sum" and q.fields["avg_age"].rollup is None


@pytest.mark.parametrize(
    ("who", "end", "filter_", "expected"),
    [
        ("A", date(2024, 12, 30), "age >= 60", 0),  # the day before the 60th birthday
        ("A", date(2024, 12, 31), "age >= 60", 1),  # exactly 60 on the period end
        ("A", date(2024, 12, 31), "age = 60", 1),
        ("K", date(2024, 2, 28), "age = 19", 1),  # born 2004-02-29
        ("K", date(2024, 2, 29), "age = 20", 1),  # a leap year: the birthday itself
        ("K", date(2025, 2, 28), "age = 20", 1),  # common year: not yet 21 on 28 February …
        ("K", date(2025, 3, 1), "age = 21", 1),  # … but on 1 March
        ("F", date(2024, 7, 6), "age = 65", 1),  # NULL birth_date: 1958-07-07 from the ID number
        ("F", date(2024, 7, 7), "age = 66", 1),
        ("F", date(2024, 12, 31), "birth_date_from_id = '1958-07-07' and birth_date is null", 1),
    ],
)
def test_age_edges(con, catalog, who, end, filter_, expected):
    rows = run(con, catalog, {"n": {"agg": "count", "filter": f"name = '{who}' and {filter_}"}}, end=end)
    assert sum(col(rows, "n").values()) == expected


def test_deceased_before_and_after_period_end(con, catalog):
    rows = run(con, catalog, {"n": {"agg": "count", "filter": "name in ('D', 'E')"}})
    assert col(rows, "n") == {V1: 1, V2: 0}  # E died in 2025: alive at 2024-12-31; D died in June
    rows = run(con, catalog, {"n": {"agg": "count", "filter": "name in ('D', 'E')"}}, end=date(2024, 6, 14))
    assert col(rows, "n")[V1] == 2  # before D died
    rows = run(
        con, catalog, {"n": {"agg": "count", "filter": "include_deregistered and name in ('D', 'E', 'G')"}}
    )
    assert col(rows, "n") == {V1: 2, V2: 1}


def test_cumulative_window(con, catalog):
    """December report: deaths in the month vs deaths in the year so far (累计)."""
    raw = {
        "deaths_month": {"agg": "count", "filter": "include_deregistered and within_period(death_date)"},
        "deaths_ytd": {
            "agg": "count",
            "filter": "include_deregistered",
            "window": "cumulative",
            "date": "death_date",
        },
        "in_year": {"agg": "count", "window": "cumulative"},  # present at any time Jan 1 → Dec 31
        "dereg_year": {"agg": "count", "filter": "include_deregistered and within_year(deregistered_date)"},
    }
    rows = run(con, catalog, raw, start=date(2024, 12, 1))
    assert col(rows, "deaths_month") == {V1: 0, V2: 0}
    assert col(rows, "deaths_ytd") == {V1: 1, V2: 0}
    assert col(rows, "in_year") == {V1: 6, V2: 4}  # + D (died June) and G (deregistered March)
    assert col(rows, "dereg_year") == {V1: 0, V2: 1}


def test_helpers(con, catalog):
    raw = {
        "sex_ok": {"agg": "count", "filter": "sex_from_id = sex"},
        "id_female": {"agg": "count", "filter": "sex_from_id = '女'"},
        "alive": {"agg": "count", "filter": "include_deregistered and alive"},
        "disabled": {"agg": "count", "filter": "is_set(disability_grade)"},
        "yrs": {"agg": "max", "of": "years_since(birth_date)"},
        "months": {"agg": "count", "filter": "months_since(birth_date) = 174"},
        "before": {"agg": "count", "filter": "include_deregistered and before_period_end(death_date)"},
        "age_at_death": {"agg": "max", "of": "age_at(death_date)"},
    }
    rows = run(con, catalog, raw)
    assert col(rows, "sex_ok") == {V1: 5, V2: 3}
    assert col(rows, "id_female") == {V1: 3, V2: 2}
    assert col(rows, "alive") == {V1: 5, V2: 3}
    assert col(rows, "disabled") == {V1: 0, V2: 2}
    assert col(rows, "yrs") == {V1: 84, V2: 34}
    assert col(rows, "months") == {V1: 0, V2: 1}  # J, born 2010-06-30: 14 years 6 months on 2024-12-31
    assert col(rows, "before") == {V1: 1, V2: 0}
    assert col(rows, "age_at_death") == {V1: 85, V2: None}  # E, who dies in 2025 at 85; D is not counted


def test_household_of_resident_across_villages(con, catalog):
    """F lives in V2 but belongs to household H1 of V1: counted in her own village, V2."""
    rows = run(con, catalog, {"n": {"agg": "count", "filter": "household.drinking_water_safe"}})
    assert col(rows, "n") == {V1: 4, V2: 1}  # A B C E (H1); F (H1) — K's H3 is unknown (NULL)


def test_household_members(con, catalog):
    raw = {
        "with_old_woman": {"agg": "count", "filter": "household_any(sex = '女' and age >= 60)"},
        "members": {"agg": "sum", "of": "household_count(true)"},
        "big": {"agg": "count", "filter": "household_count(true) >= 5"},
        "same": {"agg": "count", "filter": "household_any(age >= 60 and sex = '女')"},
    }
    q = compile_fields(load_fields(raw, report_id=R), "household", catalog, START, END, report_id=R)
    rows = by_org(con, q.sql())
    assert col(rows, "with_old_woman") == {V1: 1, V2: 0}  # H1 (A, C, and F from V2)
    assert col(rows, "members") == {V1: 5 + 1, V2: 2}  # H1: A B C E F; H3: K; H2: I J
    assert col(rows, "big") == {V1: 1, V2: 0}
    assert len(re.findall(r"AS m\d", q.sql())) == 3  # one column per distinct member condition
    assert "resident" in q.fields["with_old_woman"].entities


def test_grouping_sets_rollup_is_exact(con, catalog):
    raw = {
        "households": {"agg": "count_distinct", "of": "household_id"},
        "total": {"agg": "count"},
        "avg_age": {"agg": "avg", "of": "age"},
    }
    rollup = OrgRollup("org", (("township", "township_code"), ("county", "county_code")))
    rows = run(con, catalog, raw, org_rollup=rollup)
    # H1 has members in V1 and V2: the township counts it once, not 1 + 2.
    assert col(rows, "households") == {V1: 2, V2: 2, T: 3, C: 3}
    assert col(rows, "total") == {V1: 5, V2: 3, T: 8, C: 8}
    assert col(rows, "org_level") == {V1: "village", V2: "village", T: "township", C: "county"}
    assert col(rows, "avg_age")[T] == pytest.approx((60 + 59 + 64 + 84 + 20 + 66 + 34 + 14) / 8)


def test_derived_fields_previous_and_change(con, catalog):
    fields = load_fields(
        {
            "total": {"agg": "count"},
            "old": {"agg": "count", "filter": "age >= 60"},
            "share": {"ratio": ["old", "total"], "percent": True, "digits": 1},
            "old_last": {"previous": "old"},
            "old_change": {"change": "old"},
            "share_change": {"change": "share"},
            "roads": {"collected": "village_collective_income", "entity": "village"},
        },
        report_id=R,
    )
    assert entities_of(fields, "resident") == ["resident", "village"]
    assert set(previous_needs(fields)) == {"total", "old"}
    now = by_org(con, compile_fields(fields, "resident", catalog, START, END, report_id=R).sql())
    prev_fields = previous_needs(fields)
    before = by_org(
        con,
        compile_fields(
            prev_fields, "resident", catalog, date(2023, 1, 1), date(2023, 12, 31), report_id=R
        ).sql(),
    )
    v1 = derive(fields, now[V1], before[V1])
    # 2024: A C E of 5 are 60+; 2023: C E (and D, alive then) of A B C D E K
    assert (v1["old"], v1["total"], v1["share"]) == (3, 5, 60.0)
    assert (v1["old_last"], v1["old_change"]) == (3, 0)
    assert before[V1]["total"] == 6
    assert v1["share_change"] == pytest.approx(60.0 - 50.0)
    assert derive(fields, {"old": 1, "total": 3})["share"] == 33.3
    assert derive(fields, {"old": 2, "total": 0})["share"] is None
    assert derive(fields, {"old": 2, "total": 3})["old_change"] is None  # no previous run given


def test_collected_reads_the_answers_element_and_needs_a_source(con, catalog):
    fields = {"roads": FieldExpr(collected="village_collective_income", entity="village")}
    el = catalog.element("village", "village_collective_income")
    q = compile_fields(fields, "village", catalog, START, END, report_id=R)
    meta = q.fields["roads"]
    assert meta.value_type == el.value_type and meta.rollup == "sum"
    # missing until a source (the grassroots collection) holds the element; never COALESCEd to 0
    assert meta.requires == (frozenset({"village.village_collective_income"}),)
    assert "SUM(village.village_collective_income)" in q.sql(pretty=False) and "COALESCE" not in q.sql(pretty=False)


def test_drilldown_lists_the_people_behind_a_count(con, catalog):
    fields = load_fields({"f": {"agg": "count", "filter": "sex = '女' and age >= 60"}}, report_id=R)
    q = compile_fields(fields, "resident", catalog, START, END, report_id=R)
    names = [r[2] for r in con.execute(q.drilldown_sql("f", [V1, V2])).fetchall()]
    assert names == ["C", "A", "F"]  # by village, then by ID number
    cols = [d[0] for d in con.execute(q.drilldown_sql("f", [V1])).description]
    assert cols[:3] == ["id_number", "org_code", "name"] and "sex" in cols


def test_explain_shows_one_field(catalog):
    from biaotong.expr import explain

    fields = load_fields(
        {
            "a": {"agg": "count", "filter": "sex = '女'"},
            "b": {"agg": "count"},
            "s": {"ratio": ["a", "b"], "percent": True},
        },
        report_id=R,
    )
    text = explain(fields, "s", "resident", catalog, START, END, report_id=R)
    assert text.startswith("-- r1.s = a / b × 100")
    assert "resident.sex = '2'" in text and "AS a" in text and "AS b" in text
    q = compile_fields(fields, "resident", catalog, START, END, report_id=R)
    assert " AS b" not in q.explain("a")


def test_no_filter_engine_gets_case_inside_aggregate(con, catalog):
    fields = load_fields(
        {"n": {"agg": "count", "filter": "sex = '女'"}, "d": {"agg": "count_distinct", "of": "household_id"}},
        report_id=R,
    )
    q = compile_fields(fields, "resident", catalog, START, END, report_id=R)
    mysql = q.sql("mysql")
    assert "FILTER" not in mysql and "COUNT(CASE WHEN" in mysql and "DISTINCT CASE" in mysql
    # The same rewrite, rendered for DuckDB, gives the same numbers.
    from biaotong.expr.dialects import DIALECTS, Capabilities, adapt

    no_filter = adapt(q.tree, Capabilities("duckdb", filter_clause=False, grouping_sets=True, try_cast=True))
    assert DIALECTS["duckdb"].filter_clause
    assert by_org(con, no_filter.sql("duckdb")) == by_org(con, q.sql())
