"""Every way a field expression can be wrong: an ExpressionError naming report.field and the fragment."""

from __future__ import annotations

from typing import Any

import pytest
from expr_population import END, START

from biaotong.errors import ExpressionError
from biaotong.expr import FieldExpr, compile_fields, load_fields


def compile_one(catalog: Any, spec: dict[str, Any], entity: str = "resident") -> None:
    fields = load_fields({"f": spec}, report_id="rpt")
    compile_fields(fields, entity, catalog, START, END, report_id="rpt")


@pytest.mark.parametrize(
    ("filter_", "fragment", "words"),
    [
        # unknown identifiers
        ("sexx = '1'", "sexx", "sex"),  # close matches suggested
        ("household.nope = 1", "household.nope", "nope"),
        ("enterprise.uscc = 'x'", "enterprise.uscc", "cannot refer"),
        # code lists and types
        ("sex = '不男不女'", "sex = '不男不女'", "男"),  # lists the valid labels
        ("disability_grade in ('一级', '五级')", "'五级'", "一级"),
        ("birth_date > 5", "birth_date > 5", "type mismatch"),
        ("birth_date > '去年'", "birth_date > '去年'", "not a date"),
        ("left_behind_child = '是'", "left_behind_child = '是'", "type mismatch"),
        ("assistance_amount > '100'", "assistance_amount > '100'", "type mismatch"),
        ("sex = household.household_type", "sex = household.household_type", "code lists"),
        ("sex = null", "sex = NULL", "IS NULL"),
        ("left_behind_child > false", "left_behind_child > FALSE", "ordered"),
        ("name", "name", "not a condition"),
        ("age_at(sex) > 3", "sex", "date"),
        ("within_period(sex, birth_date)", "within_period", "argument"),
        ("household_any(sex = '1')", "household_any", "household"),  # a household helper on residents
        # forbidden constructs
        ("id_number in (select id_number from resident)", "SELECT", "IN takes a list"),
        ("exists (select 1)", "EXISTS", "subqueries"),
        ("1=1 or (select count(*) from household) > 0", "SELECT COUNT(*) FROM household", "subqueries"),
        ("sex = '1'; drop table resident", "DROP TABLE resident", "only one expression"),
        ("random() > 0.5", "RANDOM()", "not allowed"),
        ("read_csv('/etc/passwd') is not null", "READ_CSV('/etc/passwd')", "not allowed"),
        ("cast(assistance_amount as varchar) = '1'", "CAST(assistance_amount AS TEXT)", "casts"),
        ("main.resident.sex = '1'", "main.resident.sex", "other databases"),
        ("assistance_amount + 1 > 2", "assistance_amount + 1", "not allowed"),
        ("sex = '1' and", "sex = '1' and", "syntax"),
        ("id_number like birth_date", "id_number LIKE birth_date", "LIKE"),
    ],
)
def test_filter_errors_name_field_and_fragment(catalog, filter_, fragment, words):
    with pytest.raises(ExpressionError) as info:
        compile_one(catalog, {"agg": "count", "filter": filter_})
    err = info.value
    assert err.where.field == "rpt.f"
    assert fragment.lower() in err.details["fragment"].lower(), err.details
    assert words.lower() in err.en.lower(), err.en
    assert "rpt.f" in err.to_json()["field"]
    assert err.zh and err.zh != err.en


def test_position_points_at_the_fragment(catalog):
    with pytest.raises(ExpressionError) as info:
        compile_one(catalog, {"agg": "count", "filter": "sex = '2' and  sexx = '1'"})
    assert info.value.details["position"] == 16  # 1-based character where `sexx` starts
    assert "16" in info.value.en


def test_unknown_label_lists_valid_labels(catalog):
    with pytest.raises(ExpressionError) as info:
        compile_one(catalog, {"agg": "count", "filter": "sex = '男生'"})
    assert "1 男" in info.value.en and "2 女" in info.value.en


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ({"agg": "sum", "of": "sex"}, "needs a number"),
        ({"agg": "max", "of": "name"}, "number or a date"),
        ({"agg": "avg", "of": "60"}, "not a constant"),
        ({"agg": "count", "date": "sex"}, "date element"),
        ({"agg": "count", "of": "nope"}, "unknown element"),
        ({"collected": "nope"}, "unknown element"),
    ],
)
def test_of_and_date_errors(catalog, spec, words):
    with pytest.raises(ExpressionError) as info:
        compile_one(catalog, spec)
    assert info.value.where.field == "rpt.f" and words in info.value.en


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ({"agg": "count", "ratio": ["a", "b"]}, "exactly one"),
        ({}, "exactly one"),
        ({"agg": "sum"}, "needs `of`"),
        ({"agg": "median", "of": "x"}, "agg"),
        ({"ratio": ["a", "b"], "filter": "x"}, "agg fields only"),
        ({"agg": "count", "colour": "red"}, "colour"),
    ],
)
def test_bad_field_definitions(raw, words):
    with pytest.raises(ExpressionError) as info:
        FieldExpr.load(raw, report_id="rpt", field_id="f")
    assert info.value.where.field == "rpt.f" and words in info.value.en


def test_unknown_and_cyclic_references(catalog):
    for raw, words in (
        ({"r": {"ratio": ["a", "missing"]}, "a": {"agg": "count"}}, "unknown field missing"),
        ({"a": {"change": "b"}, "b": {"previous": "a"}}, "cycle"),
    ):
        with pytest.raises(ExpressionError) as info:
            compile_fields(
                load_fields(raw, report_id="rpt"), "resident", catalog, START, END, report_id="rpt"
            )
        assert words in info.value.en and info.value.where.field.startswith("rpt.")


def test_unknown_dialect_and_entity(catalog):
    fields = load_fields({"a": {"agg": "count"}}, report_id="rpt")
    with pytest.raises(ExpressionError) as info:
        compile_fields(fields, "resident", catalog, START, END, report_id="rpt", dialect="oracle")
    assert "dialect" in info.value.en
    with pytest.raises(ExpressionError) as info:
        compile_fields(fields, "spaceship", catalog, START, END, report_id="rpt")
    assert "entity" in info.value.en


def test_user_text_reaches_sql_only_as_literals(catalog):
    """A quote inside a label cannot break out of the literal: the tree is rebuilt, then printed."""
    fields = load_fields({"f": {"agg": "count", "filter": "name = 'x'' or 1=1 --'"}}, report_id="rpt")
    sql = compile_fields(fields, "resident", catalog, START, END, report_id="rpt").sql()
    assert "resident.name = 'x'' or 1=1 --'" in sql
