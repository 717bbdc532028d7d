"""Issue 10, on SQLite and PostgreSQL: a past period's report reads that period's answers. A monthly report
asks a monthly element (巡查次数, validity month), a yearly one (农业产值, validity year) and one valid until
changed (村两委成员数); June's answers are approved, then July's differ; both months regenerated: each shows
its own month's value, the yearly value is the year's in both, the until-changed value is the newest; May,
which nobody answered, is blank and explained (missing, not 0); the one table without a period reads each
unit's newest answer; the trace names who gave the value the cell read."""

from __future__ import annotations

from datetime import date
from typing import Any

import duckdb
import pytest
import sqlalchemy as sa

from biaotong.audit import trace
from biaotong.forms.store import save_report
from biaotong.onetable import build_entity
from biaotong.onetable.windows import (
    COLLECTION_SOURCE,
    collection_source,
    is_collection_source,
    period_windows,
    window_of,
)
from biaotong.reports.generate import generate
from biaotong.review import approve
from biaotong.services import tasks as ts
from biaotong.store.schema import conflict_summaries
from biaotong.tasks import answers
from biaotong.workspace import Workspace
from tests.reports.county import T1, V11, V12, install, make_county
from tests.tasks.test_tasks import MZ, TOWN1, village

PATROLS = """entity: village
elements:
  - code: patrols
    name: 月度巡查次数
    aliases: [巡查次数]
    value_type: integer
    unit: 次
    definition: 当月村（社区）开展安全巡查的次数（测试用的按月有效采集项）。
    sensitivity: public
    source_department: grassroots
    collected: true
    validity: month
"""

FIELDS = [
    {"id": "patrols", "label": "巡查次数", "expression": {"collected": "patrols", "entity": "village"}},
    {"id": "patrols_change", "label": "巡查比上月增减", "expression": {"change": "patrols"}},
    {"id": "output", "label": "农业产值", "expression": {"collected": "agricultural_output", "entity": "village"}},
    {"id": "cadres", "label": "村两委成员数", "expression": {"collected": "cadres", "entity": "village"}},
]


@pytest.fixture
def ws(workspace: Workspace) -> Workspace:
    # The workspace's own catalog adds a monthly element; written before anything reads the catalog.
    (workspace.home / "catalog" / "elements").mkdir(parents=True)
    (workspace.home / "catalog" / "elements" / "village.yaml").write_text(PATROLS, encoding="utf-8")
    install(workspace, make_county())
    spec = {"id": "mz_monthly", "title": "村级安全巡查月报", "department": "civil_affairs", "period_type": "month",
            "layout": "aggregate", "level": "village", "fields": FIELDS}
    save_report(workspace, spec, b"xlsx")
    approve(workspace, "mz_monthly", "3 项需基层填报", "数据局")
    return workspace


def _task(ws: Workspace, period: str, org: str) -> int:
    return next(t["id"] for t in ts.list_tasks(ws, MZ, report="mz_monthly", period=period) if t["org_code"] == org)


def _approve(ws: Workspace, period: str, org: str, values: dict[str, Any]) -> dict[str, Any]:
    tid = _task(ws, period, org)
    if values:
        ts.fill(ws, village(org), tid, values)
    ts.submit(ws, village(org), tid)
    ts.review(ws, TOWN1, tid, "approve")
    return ts.review(ws, MZ, tid, "approve")


def _report(ws: Workspace, period: str) -> Any:
    return generate(ws, "mz_monthly", period, T1, level="village")


def _cells(result: Any) -> dict[str, dict[str, Any]]:
    return {r.org_code: r.values for r in result.rows}


def test_names_of_the_window_sources() -> None:
    assert COLLECTION_SOURCE == answers.COLLECTION_SOURCE  # the tasks' constant and the core's agree
    for win, name in (("*", "grassroots_collection"), ("2025-06", "grassroots_collection_2025_06"),
                      ("2025Q2", "grassroots_collection_2025q2"), ("2025", "grassroots_collection_2025"),
                      ("2025H1", "grassroots_collection_2025h1")):
        assert collection_source(win) == name and window_of(name) == win and is_collection_source(name)
    assert not is_collection_source("tj_cq") and not is_collection_source("grassroots_collection_x")
    assert period_windows("2025Q2", date(2025, 6, 30)) == {
        "period": "2025Q2", "month": "2025-06", "year": "2025", "until_changed": "*"}


def test_each_period_reads_its_own_window(ws: Workspace) -> None:
    for period in ("2025-06", "2025-07"):
        ts.publish(ws, MZ, "mz_monthly", period=period, to=T1, level="village")

    june = _approve(ws, "2025-06", V11, {"patrols": 3, "output": 1000, "cadres": 7})
    assert {w["source"] for w in june["collection"]["windows"].values()} == {
        "grassroots_collection", "grassroots_collection_2025", "grassroots_collection_2025_06"}
    before = _cells(_report(ws, "2025-06"))[V11]
    assert (before["patrols"], before["output"], before["cadres"]) == (3, 1000, 7)

    # July: the yearly and until-changed answers open reused, the monthly one is asked again
    t7 = _task(ws, "2025-07", V11)
    origins = {f["id"]: (f["origin"], f["value"]) for f in ts.show(ws, village(V11), t7)["fields"]
               if f["id"] in ("patrols", "output", "cadres")}
    assert origins == {"patrols": ("asked", None), "output": ("reused", 1000), "cadres": ("reused", 7)}
    july = _approve(ws, "2025-07", V11, {"patrols": 5, "cadres": 8})
    windows = july["collection"]["windows"]
    assert windows["2025-06"]["unchanged"] and windows["2025"]["unchanged"]  # July's approval left them alone
    assert not windows["2025-07"]["unchanged"] and not windows["*"]["unchanged"]

    # Both months regenerated after July's approval: June still says June's number.
    june_report, july_report = _report(ws, "2025-06"), _report(ws, "2025-07")
    jun, jul = _cells(june_report)[V11], _cells(july_report)[V11]
    assert jun["patrols"] == 3 and jul["patrols"] == 5
    assert jun["output"] == jul["output"] == 1000  # the year's answer in each month of the year
    assert jun["cadres"] == jul["cadres"] == 8  # valid until changed: the newest
    assert jul["patrols_change"] == 2  # July against June's own answers, not July's twice
    sources = {s["source"] for s in june_report.snapshots if is_collection_source(s["source"])}
    assert sources == {"grassroots_collection", "grassroots_collection_2025", "grassroots_collection_2025_06"}

    # a unit that did not answer stays blank, and the report says so; June cannot compare with May, which
    # nobody answered: blank and explained, the June value itself kept
    assert _cells(june_report)[V12]["patrols"] is None and "1 个单位尚无人填报" in june_report.missing["patrols"]["zh"]
    assert jun["patrols_change"] is None and "上期的 patrols 缺数" in june_report.missing["patrols_change"]["zh"]
    assert "patrols_change" not in july_report.missing
    total = next(r for r in june_report.rows if r.is_total)
    assert total.values["patrols"] == 3  # the township's sum is June's, with the blank village left out

    # May: nobody answered that month; blank and explained, never 0. The year and until-changed ones hold.
    may = _report(ws, "2025-05")
    cells = _cells(may)[V11]
    assert cells["patrols"] is None and all(r.values["patrols"] is None for r in may.rows)
    assert may.missing["patrols"]["collect"] and "尚无人填报" in may.missing["patrols"]["zh"]
    assert any("patrols" in w and "缺数" in w for w in may.warnings)
    assert cells["output"] == 1000 and cells["cadres"] == 8

    # Without a period (export, data return, quality): each unit's newest answer, and two months are no conflict.
    merged = build_entity(ws, "village")
    assert merged.element_sources["patrols"] == ["grassroots_collection_2025_07",
                                                               "grassroots_collection_2025_06"]
    con = duckdb.connect()
    newest = con.execute(f"select patrols from read_parquet('{merged.path}') where org_code = ?", [V11]).fetchall()
    con.close()
    assert newest == [(5,)]
    with ws.engine.connect() as conn:
        windows_in_conflict = conn.execute(sa.select(conflict_summaries.c.winner, conflict_summaries.c.loser)
                                           .where(conflict_summaries.c.element == "patrols")).all()
    assert windows_in_conflict == []


def test_trace_names_who_gave_the_period_value(ws: Workspace) -> None:
    for period in ("2025-06", "2025-07"):
        ts.publish(ws, MZ, "mz_monthly", period=period, to=T1, level="village")
    _approve(ws, "2025-06", V11, {"patrols": 3, "output": 1000, "cadres": 7})
    _approve(ws, "2025-07", V11, {"patrols": 5})
    out = trace(ws, "mz_monthly", "2025-06", V11, "patrols")
    assert out["value"] == 3 and out["all_snapshots_in_ledger"]
    assert [s["snapshot"]["source"] for s in out["sources"] if is_collection_source(s["snapshot"]["source"])] == [
        "grassroots_collection_2025_06"]
    given = out["collected_answers"]
    assert [(a["org_code"], a["element"], a["window"], a["value"], a["given_by"]) for a in given] == [
        (V11, "village.patrols", "2025-06", 3, village(V11).ledger_actor)]
    with ws.engine.connect() as conn:
        fills = conn.execute(sa.text("select count(*) from ledger_entries where object = :o"),
                             {"o": given[0]["ledger_object"]}).scalar()
    assert fills and fills >= 1  # the task.fill entry of the answer the cell read


def test_an_ad_hoc_periods_window_fits_the_store(workspace: Workspace) -> None:
    """An ad-hoc period's window (22 characters) is stored and read back as it is, on SQLite and PostgreSQL."""
    window = "2025-01-01..2025-03-31"
    with workspace.engine.begin() as conn:
        assert answers.put(conn, org_code=V11, element="village.cadres", window=window, value=7, status="draft",
                           actor="cun11", task_id=None)
        got = answers.current(conn, V11, "village.cadres", window, statuses=("draft",))
    assert got is not None and got.window == window and got.value == 7
    assert window_of(collection_source(window)) == window
