"""Outlier flags: modified z-scores against a unit's own history and its siblings; values never changed."""

from __future__ import annotations

from typing import Any

from biaotong.quality.outliers import flag, modified_z
from biaotong.reports.period import Period
from biaotong.reports.result import Column, ReportResult, Row
from biaotong.reports.spec import parse_spec

SPEC = parse_spec({"id": "t", "title": "t", "department": "civil_affairs", "period_type": "month",
                   "layout": "aggregate", "fields": [{"id": "n", "label": "低保人数", "indicator": "dibao_persons"}]})


def result(period: str, values: dict[str, Any]) -> ReportResult:
    r = ReportResult(spec=SPEC, period=Period.parse(period), org_code="T", org_name="镇", columns=[Column("n", "低保人数")])
    r.rows = [Row("T", "镇", "township", {"n": sum(values.values())}, is_total=True)]
    r.rows += [Row(code, code, "village", {"n": v}, depth=1, parent="T") for code, v in values.items()]
    return r


def test_modified_z_needs_spread_and_points() -> None:
    assert modified_z(10, [10, 10, 10, 10])[0] is None  # no spread: nothing is unusual
    assert modified_z(10, [1, 2])[0] is None  # too few points
    z, med = modified_z(40, [10, 11, 9, 10, 12, 10])
    assert med == 10 and z is not None and z > 3.5


def test_a_jump_against_history_and_an_odd_sibling_are_flagged() -> None:
    history = [result(f"2025-0{m}", {"A": 20 + m % 2, "B": 30, "C": 31, "D": 29, "E": 30}) for m in range(1, 7)]
    now = result("2025-07", {"A": 80, "B": 30, "C": 31, "D": 29, "E": 30})
    flags = flag(now, history)
    kinds = {(f["org_code"], f["kind"]) for f in flags}
    assert ("A", "history") in kinds and ("A", "peers") in kinds
    assert not any(f["org_code"] != "A" for f in flags)
    assert now.rows[1].values["n"] == 80  # flags only


def test_small_differences_are_not_worth_a_flag() -> None:
    history = [result(f"2025-0{m}", {"A": 1, "B": 1, "C": 2, "D": 1}) for m in range(1, 7)]
    now = result("2025-07", {"A": 4, "B": 1, "C": 2, "D": 1})
    assert flag(now, history) == []
