"""Personal data through every path: masked by the user's clearance (explain, trace, roster, source test,
conflict samples), every clear read in the ledger with the user and purpose, filters on a direct identifier
refused below `cleared`, small counts shown as <3 to users without personal clearance."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from biaotong.errors import AccessDenied
from biaotong.ledger.tables import ledger_entries
from biaotong.reports.context import workspace_library
from biaotong.reports.store import add_file
from biaotong.services import ledger, reports, sources
from tests.services.conftest import PERIOD, Demo

CLEAR_ID = re.compile(r"^\d{17}[\dX]$")


def _reads(demo: Demo) -> list[dict[str, Any]]:
    with demo.ws.engine.connect() as conn:
        rows = conn.execute(sa.select(ledger_entries.c.event).where(ledger_entries.c.action == "personal.read")
                            .order_by(ledger_entries.c.seq)).scalars().all()
    return [json.loads(r) for r in rows]


def _new_reads(demo: Demo, before: int) -> list[dict[str, Any]]:
    return _reads(demo)[before:]


def test_explain_masks_for_staff_and_records_a_cleared_read(demo: Demo) -> None:
    before = len(_reads(demo))
    staff = reports.explain_cell(demo.actors["data_admin"], demo.ws, "mz_dibao_tekun", PERIOD, demo.county,
                                 "dibao_n", limit=5)
    assert staff["drilldown"] and all(not CLEAR_ID.match(str(r["id_number"])) for r in staff["drilldown"])
    staff_reads = _new_reads(demo, before)
    # Staff read names in clear (personal), never ID numbers (sensitive): recorded as such.
    assert all("id_number" not in r["detail"]["elements"] for r in staff_reads)
    assert staff_reads and all(r["actor"] == "data_admin" for r in staff_reads)
    before = len(_reads(demo))
    cleared = reports.explain_cell(demo.actors["auditor"], demo.ws, "mz_dibao_tekun", PERIOD, demo.county,
                                   "dibao_n", limit=5)
    assert all(CLEAR_ID.match(str(r["id_number"])) for r in cleared["drilldown"])
    [read] = _new_reads(demo, before)
    assert read["actor"] == "auditor" and read["detail"]["purpose"] == "report.explain"
    assert read["detail"]["rows"] == len(cleared["drilldown"]) and "id_number" in read["detail"]["elements"]
    assert not any(v in json.dumps(read) for r in cleared["drilldown"] for v in [str(r["id_number"])])


def test_trace_is_masked_and_recorded_with_its_purpose(demo: Demo) -> None:
    designer = ledger.trace(demo.actors["designer"], demo.ws, "mz_dibao_tekun", PERIOD, demo.county, "dibao_n")
    rows = designer["lineage"]["drilldown"]
    assert all(not CLEAR_ID.match(str(r.get("id_number"))) for r in rows)
    before = len(_reads(demo))
    auditor = ledger.trace(demo.actors["auditor"], demo.ws, "mz_dibao_tekun", PERIOD, demo.county, "dibao_n")
    assert auditor["lineage"]["drilldown"]
    [read] = _new_reads(demo, before)
    assert (read["actor"], read["detail"]["purpose"]) == ("auditor", "trace")


def test_roster_clear_read_is_recorded_with_the_user(demo: Demo) -> None:
    before = len(_reads(demo))
    masked = reports.report_result(demo.actors["designer"], demo.ws, "mz_dibao_roster", PERIOD, demo.county)
    assert masked.records and all(not CLEAR_ID.match(str(r["id_number"])) for r in masked.records)
    assert _new_reads(demo, before) == []  # a public designer reads nothing personal in clear
    clear = reports.report_result(demo.actors["auditor"], demo.ws, "mz_dibao_roster", PERIOD, demo.county)
    [read] = _new_reads(demo, before)
    assert read["actor"] == "auditor" and read["detail"]["rows"] == len(clear.records)


def test_source_test_sample_is_masked_cut_to_scope_and_recorded(demo: Demo) -> None:
    name = next(s["name"] for s in sources.list_sources(demo.actors["auditor"], demo.ws)
                if s["entity"] == "resident" and s["name"].startswith("gaj"))
    before = len(_reads(demo))
    sample = sources.test_source(demo.actors["data_admin"], demo.ws, name, limit=50)
    assert sample["rows"]
    for r in sample["rows"]:
        assert not CLEAR_ID.match(str(r.get("id_number") or ""))
        assert "*" in str(r.get("phone") or "*")
    [read] = _new_reads(demo, before)
    assert read["actor"] == "data_admin" and read["detail"]["purpose"] == "source.test"
    assert "id_number" not in read["detail"]["elements"] and "name" in read["detail"]["elements"]


def test_conflict_samples_are_masked(demo: Demo) -> None:
    report = sources.conflicts(demo.actors["data_admin"], demo.ws, entity="resident", sample=20)
    rows = [r for e in report["entities"] for r in e.get("sample", [])]
    assert rows, "the demo county has conflicts between sources"
    assert all(not CLEAR_ID.match(str(r["entity_key"])) for r in rows)
    clear = sources.conflicts(demo.actors["auditor"], demo.ws, entity="resident", sample=20)
    assert all(CLEAR_ID.match(str(r["entity_key"])) for e in clear["entities"] for r in e.get("sample", []))
    last = _reads(demo)[-1]
    assert (last["actor"], last["detail"]["purpose"]) == ("auditor", "conflicts.sample")
    with pytest.raises(AccessDenied):
        sources.conflicts(demo.actors["township"], demo.ws, sample=5)


PROBE = """\
id: probe_one_person
title: 单人探查
department: civil_affairs
period_type: month
layout: aggregate
level: village
fields:
  - {{id: n, label: 人数, expression: {{agg: count, filter: "id_number = '{id}'"}}}}
  - {{id: born, label: 出生, expression: {{agg: min, of: birth_date, filter: "name = '{name}'"}}}}
"""


def test_a_filter_on_a_direct_identifier_needs_clearance(demo: Demo, tmp_path: Path) -> None:
    person = reports.explain_cell(demo.actors["auditor"], demo.ws, "mz_dibao_tekun", PERIOD, demo.county,
                                  "dibao_n", limit=1)["drilldown"][0]
    spec = tmp_path / "probe.yaml"
    spec.write_text(PROBE.format(id=person["id_number"], name=person["name"]), encoding="utf-8")
    add_file(demo.ws.engine, spec, workspace_library(demo.ws), demo.ws.catalog)
    for who in ("designer", "data_admin", "township"):
        org = demo.actors[who].org_code or demo.county
        with pytest.raises(AccessDenied) as refused:
            reports.report_result(demo.actors[who], demo.ws, "probe_one_person", PERIOD, org)
        assert refused.value.where.field in ("n", "born")
        with pytest.raises(AccessDenied):
            reports.explain_cell(demo.actors[who], demo.ws, "probe_one_person", PERIOD, org, "n")
    result = reports.report_result(demo.actors["auditor"], demo.ws, "probe_one_person", PERIOD, demo.county)
    assert result.rows[0].values["n"] == 1


def test_small_counts_are_hidden_from_users_without_personal_clearance(demo: Demo) -> None:
    staff = reports.report_result(demo.actors["data_admin"], demo.ws, "mz_dibao_tekun", PERIOD, demo.county)
    public = reports.report_result(demo.actors["designer"], demo.ws, "mz_dibao_tekun", PERIOD, demo.county)
    small = [(s.org_code, fid) for s in staff.rows for fid, v in s.values.items()
             if isinstance(v, int) and 0 < v < 3 and fid in ("dibao_n", "dibao_hh", "tekun_n")]
    assert small, "the small demo county has villages with one or two cases"
    by_code = {r.org_code: r for r in public.rows}
    assert all(by_code[code].values[fid] == "<3" for code, fid in small)
    assert all(r.values["dibao_amt"] == s.values["dibao_amt"] for r, s in zip(public.rows, staff.rows, strict=True))
    info = reports.explain_cell(demo.actors["designer"], demo.ws, "mz_dibao_tekun", PERIOD, small[0][0], small[0][1])
    assert info["value"] == "<3" and info["drilldown"] == []
