"""Every field of every demo report, for every row (villages, township subtotals, the county total),
against the independent oracle in oracle.py — on SQLite and on PostgreSQL metadata stores."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import pytest

from biaotong.reports.context import all_specs
from biaotong.reports.generate import generate
from biaotong.reports.period import Period
from biaotong.reports.spec import ReportSpec
from tests.reports.county import COUNTY, MERGE_DATE, MERGED, T1, T2, T3, V11, V12, V21, V22, V31
from tests.reports.oracle import INDICATORS, INLINE, Oracle, P

PERIODS = {"month": "2025-06", "quarter": "2025Q2", "half_year": "2025H1", "year": "2025", "adhoc": "2025-01-01..2025-06-30"}
PARENT = {V11: T1, V12: T1, V21: T2, V22: T2, V31: T3, T1: COUNTY, T2: COUNTY, T3: COUNTY}


def oracle_for(county: Any, end: date) -> Oracle:
    village_of = {V11: V11, V12: V12, V21: V21, V22: V22, MERGED: V21 if end >= MERGE_DATE else MERGED}
    parent = dict(PARENT)
    if end < MERGE_DATE:
        parent[MERGED] = T2
    return Oracle(county, village_of, parent)


def expected(spec: ReportSpec, field_id: str, unit: str, per: Period, county: Any, rows_on: date | None = None) -> Any:
    """The oracle's value; `rows_on` is the date of the tree whose rows are shown (previous-period values
    are placed in this period's rows: a merged village's last value rolls into its successor)."""
    on = rows_on or per.end
    fs = next((f for f in spec.fields if f.id == field_id), None)
    p = P(per.start, per.end)
    orc = oracle_for(county, on)

    def ref(name: str, period: Period = per) -> Any:
        if any(f.id == name for f in spec.fields):
            return expected(spec, name, unit, period, county, on)
        return orc_value(INDICATORS[name], unit, period)

    def orc_value(spec_: Any, u: str, period: Period) -> Any:
        o = oracle_for(county, on)
        pp = P(period.start, period.end)
        return o.value(spec_, u, pp, lambda n: ref(n, period))

    if fs is None:
        return orc_value(INDICATORS[field_id], unit, per)
    if fs.indicator:
        return orc.value(INDICATORS[fs.indicator], unit, p, lambda n: ref(n))
    e = fs.expression or {}
    if "previous" in e:
        return expected(spec, e["previous"], unit, per.previous(), county, on)
    if "change" in e:
        now = expected(spec, e["change"], unit, per, county, on)
        then = expected(spec, e["change"], unit, per.previous(), county, on)
        return None if now is None or then is None else now - then
    return orc.value(INLINE[(spec.id, field_id)], unit, p, lambda n: ref(n))


def same(got: Any, want: Any) -> bool:
    if want is None or got is None:
        return got is None and want is None
    return math.isclose(float(got), float(want), rel_tol=1e-9, abs_tol=1e-3)


AGG_SPECS = sorted(s.id for s in all_specs(None).values() if s.layout == "aggregate")


def test_every_aggregate_report_matches_the_oracle(county_ws: Any) -> None:
    ws, county = county_ws
    specs = all_specs(ws)
    checked = 0
    for sid in AGG_SPECS:
        spec = specs[sid]
        per = Period.parse(PERIODS[spec.period_type], spec.period_type)
        result = generate(ws, sid, per, COUNTY, level="village")
        assert [r.org_code for r in result.rows] == [COUNTY, T1, V11, V12, T2, V21, V22, T3, V31]
        for row in result.rows:
            for f in spec.fields:
                want = expected(spec, f.id, row.org_code, per, county)
                assert same(row.values[f.id], want), (sid, f.id, row.org_code, row.values[f.id], want)
                checked += 1
    assert checked > 1500


@pytest.mark.parametrize("sid", sorted(s.id for s in all_specs(None).values() if s.layout == "form"))
def test_forms_match_the_oracle(county_ws: Any, sid: str) -> None:
    ws, county = county_ws
    spec = all_specs(ws)[sid]
    per = Period.parse(PERIODS[spec.period_type], spec.period_type)
    for unit in (V21, V31, T2):
        result = generate(ws, sid, per, unit)
        assert [it["id"] for it in result.items] == [f.id for f in spec.fields]
        for it in result.items:
            want = expected(spec, it["id"], unit, per, county)
            assert same(it["value"], want), (sid, it["id"], unit, it["value"], want)


def test_before_the_merger_the_old_village_is_its_own_row(county_ws: Any) -> None:
    ws, county = county_ws
    spec = all_specs(ws)["mz_dibao_tekun"]
    per = Period.parse("2025-01", "month")
    result = generate(ws, spec, per, T2)
    assert [r.org_code for r in result.rows] == [T2, V21, V22, MERGED]
    for row in result.rows:
        for f in spec.fields:
            assert same(row.values[f.id], expected(spec, f.id, row.org_code, per, county)), (f.id, row.org_code)
