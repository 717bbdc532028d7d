"""The task pages make a fixed handful of SQL statements, however many fields a task asks, however many
versions its answers have and however many tasks there are: on PostgreSQL every statement is a round trip,
and a view that read each asked field's answer and history on its own made ~25 per page (issue 11). Counted
on the real store (SQLite and PostgreSQL), not timed."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import yaml
from sqlalchemy import event

from biaotong.catalog.orgimport import import_org_tree
from biaotong.forms.store import save_report
from biaotong.review import approve
from biaotong.services import tasks as ts
from biaotong.workspace import Workspace
from tests.reports.county import COUNTY, ORG_YAML, T1, V11, V12, install, make_county
from tests.tasks.test_tasks import ADMIN, MZ, TOWN1, spec, village

POP = {"id": "pop", "label": "户籍人口", "indicator": "pop_total"}
COLLECTED = [("income", "村集体经济收入", "village_collective_income"), ("natural", "自然村数", "natural_villages"),
             ("cadres", "村两委成员数", "cadres"), ("grids", "网格数", "grid_count"),
             ("output", "农业产值", "agricultural_output")]
FEW = [POP, {"id": "cadres", "label": "村两委成员数", "expression": {"collected": "cadres", "entity": "village"}}]
# every collected element of a village, each asked twice under another label: ten asked fields
MANY = [POP, *({"id": f"{fid}{n}", "label": f"{label}{n}", "expression": {"collected": code, "entity": "village"}}
               for n in (1, 2) for fid, label, code in COLLECTED)]
FORM_MAX = 7  # the task, the org tree's key, the corrections; a roster check; the pre-fill key, answers, reviews


@contextmanager
def counting(ws: Workspace) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        seen.append(statement)

    event.listen(ws.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(ws.engine, "before_cursor_execute", count)


def statements(ws: Workspace, call: Callable[[], Any]) -> list[str]:
    call()  # warm: the pre-fill generated and kept, the tree loaded, the task opened once
    with counting(ws) as seen:
        call()
    return seen


@pytest.fixture
def ws(workspace: Workspace) -> Workspace:
    install(workspace, make_county())
    for rid, fields in (("few", FEW), ("many", MANY)):
        save_report(workspace, spec(rid, fields), b"xlsx")
        approve(workspace, rid, "查询次数", "数据局")
        ts.publish(workspace, MZ, rid, period="2025", to=T1, level="village")
    return workspace


def _task(ws: Workspace, report: str, org: str = V11) -> int:
    return next(t["id"] for t in ts.list_tasks(ws, ADMIN, report=report) if t["org_code"] == org)


def test_the_form_makes_the_same_statements_for_two_fields_or_ten(ws: Workspace) -> None:
    few, many = _task(ws, "few"), _task(ws, "many")
    who = village(V11)
    # answers with a history: two versions of some fields, so the history read has rows to give
    ts.fill(ws, who, many, {"cadres1": 7, "grids1": 3, "output1": "1234.5", "natural1": 4})
    ts.fill(ws, who, many, {"cadres1": 6, "grids2": 2}, reason="换届")

    small = statements(ws, lambda: ts.form(ws, who, few))
    large = statements(ws, lambda: ts.form(ws, who, many))
    assert len(small) == len(large) <= FORM_MAX, "\n".join(large)
    assert len(statements(ws, lambda: ts.show(ws, who, few))) == len(statements(ws, lambda: ts.show(ws, who, many)))

    view = ts.form(ws, who, many)["task"]  # and the one read gave every field its answer and history
    asked = {f["id"]: f for f in view["fields"] if f["origin"] != "prefilled"}
    assert len(asked) == 10
    assert asked["cadres1"]["value"] == 6 and asked["cadres1"]["origin"] == "typed"
    assert asked["cadres2"]["value"] == 6  # the same element under another label: the same answer
    assert [v["value"] for v in view["history"]["cadres1"]] == [7, 6]
    assert view["history"]["cadres1"][-1]["reason"] == "换届" and view["history"]["income1"] == []
    assert asked["income1"]["value"] is None and "income1" in view["missing"]


def test_a_reviewer_sees_the_same_as_before_in_the_same_few_statements(ws: Workspace) -> None:
    few, many = _task(ws, "few"), _task(ws, "many")
    for t, values in ((few, {"cadres": 5}),
                      (many, {f"{fid}{n}": 1 for n in (1, 2) for fid, _, _ in COLLECTED})):
        ts.fill(ws, village(V11), t, values)
        ts.submit(ws, village(V11), t)
    page = ts.form(ws, TOWN1, many)
    assert page["levels"] == ("township",) and page["peers"] == T1 and page["flags"] == {}
    assert page["task"]["awaiting"] == "township" and "compare" in page["task"]
    assert len(statements(ws, lambda: ts.form(ws, TOWN1, few))) == len(statements(ws, lambda: ts.form(ws, TOWN1, many)))


def test_the_list_makes_the_same_statements_for_one_report_or_many(ws: Workspace) -> None:
    who = village(V12)
    before = statements(ws, lambda: ts.list_tasks(ws, who))
    for rid in ("more1", "more2", "more3"):
        save_report(ws, spec(rid, FEW), b"xlsx")
        approve(ws, rid, "查询次数", "数据局")
        ts.publish(ws, MZ, rid, period="2025", to=COUNTY, level="village")
    after = statements(ws, lambda: ts.list_tasks(ws, who))
    assert len(before) == len(after) <= 3, "\n".join(after)  # the user's own tasks only, cut in the query
    assert sorted(t["report"] for t in ts.list_tasks(ws, who)) == ["few", "many", "more1", "more2", "more3"]


def test_a_unit_renamed_in_place_shows_on_the_next_view(ws: Workspace) -> None:
    """The kept org tree and pre-fill read one statement of keys instead of the tree; a rename that `org
    import` writes in place (no event, no count or date moved) still reaches the next view and list."""
    who, task = village(V11), _task(ws, "few")
    assert ts.form(ws, who, task)["task"]["org_name"] == "东风村"
    renamed = {**ORG_YAML, "units": [dict(u, name="东风新村") if u["code"] == V11 else u for u in ORG_YAML["units"]]}
    path = ws.home / "renamed.yaml"
    path.write_text(yaml.safe_dump(renamed, allow_unicode=True), encoding="utf-8")
    with ws.engine.begin() as conn:
        assert import_org_tree(conn, path).units_updated == 1
    assert ts.form(ws, who, task)["task"]["org_name"] == "东风新村"
    assert {t["org_name"] for t in ts.list_tasks(ws, who)} == {"东风新村"}
