"""A count over an entity that no synced source holds is missing (blank, explained), never 0: a county with
a population register but no household system prints no 户数 rather than zeros — unless the register gives
each resident a 户号: then 户数 is the number of distinct 户号 among the register's members at the period end
(checked against an independent count), and the report says how it was counted."""

from __future__ import annotations

from datetime import UTC, date, datetime

import yaml

from biaotong.catalog import import_org_tree
from biaotong.reports.generate import generate
from biaotong.reports.spec import parse_spec
from biaotong.workspace import Workspace
from tests.reports.county import COUNTY, ORG_YAML, V11, add_snapshot, make_county
from tests.reports.oracle import P, alive

SPEC = {"id": "t_hh", "title": "户数", "department": "statistics", "period_type": "month", "layout": "aggregate",
        "fields": [{"id": "pop", "label": "人口", "indicator": "pop_total"},
                   {"id": "hh", "label": "户数", "indicator": "households_total"},
                   {"id": "farm", "label": "农业户数", "expression": {"agg": "count", "entity": "household",
                                                                  "filter": "household_id is not null"}}]}


def _county_without_households(workspace: Workspace, *, with_hh_numbers: bool) -> list[dict]:  # type: ignore[type-arg]
    county = make_county()
    org_file = workspace.home / "orgs.yaml"
    org_file.write_text(yaml.safe_dump(ORG_YAML, allow_unicode=True), encoding="utf-8")
    with workspace.engine.begin() as conn:
        import_org_tree(conn, org_file)
    rows = county.residents if with_hh_numbers else [{k: v for k, v in r.items() if k != "household_id"}
                                                     for r in county.residents]
    only = None if with_hh_numbers else sorted({k for r in rows for k in r} - {"household_id"})
    add_snapshot(workspace, "gaj_rk", "public_security", "resident", rows,
                 when=datetime(2025, 1, 5, tzinfo=UTC), tag="a", only=only)
    return county.residents


def test_a_count_over_an_entity_without_any_source_is_missing(workspace: Workspace) -> None:
    _county_without_households(workspace, with_hh_numbers=False)
    result = generate(workspace, parse_spec(SPEC), "2025-06", COUNTY, level="village")
    # the clerk reads the entity's Chinese name; the English message and the elements keep the code
    assert "hh" in result.missing and "「户」" in result.missing["hh"]["zh"] and "household" not in result.missing["hh"]["zh"]
    assert "household" in result.missing["hh"]["en"] and result.missing["hh"]["elements"] == ["household.*"]
    row = next(r for r in result.rows if r.org_code == V11)
    assert row.values["hh"] is None and row.values["pop"] > 0


def test_households_are_counted_through_the_residents_household_numbers(workspace: Workspace) -> None:
    residents = _county_without_households(workspace, with_hh_numbers=True)
    result = generate(workspace, parse_spec(SPEC), "2025-06", COUNTY, level="village")
    p = P(date(2025, 6, 1), date(2025, 6, 30))
    rows = {r.org_code: r.values for r in result.rows}
    living = [r for r in residents if alive(r, p)]
    # the county: every living member's 户号 once (a household is counted once even across villages)
    assert rows[COUNTY]["hh"] == len({r["household_id"] for r in living if r["household_id"]})
    # each village whose people the oracle places as the report does (same population): its own 户号
    same = [code for code, v in rows.items() if v["pop"] and v["pop"] == sum(r["org_code"] == code for r in living)]
    assert len(same) >= 3
    for code in same:
        assert rows[code]["hh"] == len({r["household_id"] for r in living if r["org_code"] == code}), code
    assert rows[V11]["hh"] and rows[V11]["hh"] < rows[V11]["pop"]
    assert "hh" not in result.missing
    assert any("hh" in w and ("户号" in w or "household_id" in w) for w in result.warnings)  # said how it was counted
    # a filter over the households' own elements needs their rows: still missing, never 0
    assert "farm" in result.missing and rows[V11]["farm"] is None


def test_explain_says_how_households_were_counted(workspace: Workspace) -> None:
    from biaotong.forms.store import save_report
    from biaotong.reports.lineage import explain

    _county_without_households(workspace, with_hh_numbers=True)
    save_report(workspace, SPEC, b"xlsx")
    cell = explain(workspace, "t_hh", "2025-06", V11, "hh")
    info = cell if "counted_through" in cell else next(v for v in cell.values() if isinstance(v, dict)
                                                       and "counted_through" in v)
    assert info["counted_through"]["members"] == "resident" and not info["missing"]
    assert "resident.household_id" in info["elements"]
