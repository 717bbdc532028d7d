"""Pure parts: periods, spec validation errors, the indicator library, masking."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from biaotong.catalog import load_catalog
from biaotong.errors import ExpressionError, ReportError
from biaotong.reports.library import builtin_library
from biaotong.reports.mask import mask_id, mask_name, mask_phone, must_mask
from biaotong.reports.period import Period
from biaotong.reports.resolve import resolve
from biaotong.reports.spec import BUILTIN_SPECS, load_spec_file, load_specs, parse_spec


@pytest.mark.parametrize(
    ("text", "kind", "start", "end", "prev"),
    [
        ("2025-06", "month", date(2025, 6, 1), date(2025, 6, 30), "2025-05"),
        ("2025-01", "month", date(2025, 1, 1), date(2025, 1, 31), "2024-12"),
        ("2024-02", "month", date(2024, 2, 1), date(2024, 2, 29), "2024-01"),
        ("2025Q1", "quarter", date(2025, 1, 1), date(2025, 3, 31), "2024Q4"),
        ("2025H2", "half_year", date(2025, 7, 1), date(2025, 12, 31), "2025H1"),
        ("2025", "year", date(2025, 1, 1), date(2025, 12, 31), "2024"),
        ("2025-01-01..2025-01-10", "adhoc", date(2025, 1, 1), date(2025, 1, 10), "2024-12-22..2024-12-31"),
    ],
)
def test_periods(text: str, kind: str, start: date, end: date, prev: str) -> None:
    p = Period.parse(text)
    assert (p.kind, p.start, p.end, p.previous().code) == (kind, start, end, prev)
    assert Period.parse(p.code) == p
    assert p.label


@pytest.mark.parametrize("bad", ["2025-13", "2025Q5", "25-06", "", "2025-03-31..2025-01-01", "june"])
def test_bad_periods_name_the_period(bad: str) -> None:
    with pytest.raises(ReportError) as exc:
        Period.parse(bad)
    assert exc.value.where.key == "period"


def test_period_type_must_fit() -> None:
    with pytest.raises(ReportError):
        Period.parse("2025-06", "quarter")
    assert Period.parse("2025-01-01..2025-02-01", "month").kind == "adhoc"


def test_demo_specs_are_many_and_varied() -> None:
    specs = load_specs(BUILTIN_SPECS)
    assert len(specs) >= 25
    assert len({s.department for s in specs.values()}) >= 8
    assert {s.layout for s in specs.values()} == {"aggregate", "roster", "form"}
    assert any(len(f.group) >= 2 for s in specs.values() for f in s.fields)
    cat = load_catalog()
    for s in specs.values():
        cat.department(s.department)
        if s.layout != "roster":
            resolve(s, builtin_library())


def test_library_has_many_indicators_found_by_alias() -> None:
    lib = builtin_library()
    assert len(lib) >= 60
    for alias in ("60岁以上老人", "60周岁以上人口", "60周岁及以上老年人数"):
        assert lib.lookup(alias).id == "pop_60plus"
    assert lib.lookup("低保户数").id == "dibao_households"
    assert lib.lookup("持证残疾人数").id == "disabled_certified"
    assert lib.lookup("市场主体数").id == "market_entities"
    assert lib.search("低保对象人数")[0].id == "dibao_persons"


def test_spec_errors_name_file_and_key(tmp_path: Path) -> None:
    f = tmp_path / "r.yaml"
    f.write_text("id: r1\ntitle: t\ndepartment: civil_affairs\nperiod_type: month\nlayout: aggregate\n"
                 "fields:\n  - {id: a, label: A}\n", encoding="utf-8")
    with pytest.raises(ReportError) as exc:
        load_spec_file(f)
    assert exc.value.where.file == str(f) and exc.value.where.key == "fields[a]"
    f.write_text("id: r1\ntitle: [unclosed\n", encoding="utf-8")
    with pytest.raises(ReportError) as exc:
        load_spec_file(f)
    assert exc.value.where.row is not None
    with pytest.raises(ReportError) as exc:
        parse_spec({"id": "r", "title": "t", "department": "x", "period_type": "weekly", "layout": "form",
                    "fields": [{"id": "a", "label": "A", "indicator": "pop_total"}]}, file="x.yaml")
    assert exc.value.where.key == "period_type"


def test_unknown_indicator_and_bad_expression_name_the_field() -> None:
    base = {"id": "r", "title": "t", "department": "civil_affairs", "period_type": "month", "layout": "aggregate"}
    spec = parse_spec({**base, "fields": [{"id": "a", "label": "A", "indicator": "no_such"}]})
    with pytest.raises(ReportError) as exc:
        resolve(spec, builtin_library())
    assert exc.value.where.field == "r.a"
    spec = parse_spec({**base, "fields": [{"id": "a", "label": "A", "expression": {"agg": "count", "filter": "age >"}}]})
    from biaotong.expr import compile_fields

    res = resolve(spec, builtin_library())
    with pytest.raises(ExpressionError) as exc2:
        compile_fields(res.fields, "resident", load_catalog(), date(2025, 1, 1), date(2025, 1, 31), report_id="r")
    assert exc2.value.where.field == "r.a"


def test_ratio_to_an_indicator_not_shown_adds_a_hidden_field() -> None:
    base = {"id": "r", "title": "t", "department": "civil_affairs", "period_type": "month", "layout": "aggregate"}
    spec = parse_spec({**base, "fields": [{"id": "share", "label": "S", "indicator": "aging_rate"}]})
    res = resolve(spec, builtin_library())
    assert set(res.hidden) == {"pop_60plus", "pop_total"}
    assert [c.id for c in res.columns()] == ["share"]


def test_masks() -> None:
    assert mask_id("53010219650630123X") == "5301**********123X"
    assert mask_phone("13812341234") == "138****1234"
    assert mask_name("张三") == "张*" and mask_name("欧阳修") == "欧**"
    cat = load_catalog()
    idn, name, sex = (cat.element("resident", c) for c in ("id_number", "name", "org_code"))
    assert must_mask(idn, "public") and must_mask(idn, "staff") and not must_mask(idn, "cleared")
    assert must_mask(name, "public") and not must_mask(name, "staff")
    assert not must_mask(sex, "public")
