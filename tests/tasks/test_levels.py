"""Review by level, on SQLite and PostgreSQL: a village's submission passes the township (`reviewed`) and then
the publishing department (`approved`); the department may return it to the village; a stale version is
refused; only the department's approval reaches the consolidated report; a township's own task goes to the
department directly; the reviewer sees the unit's previous approved answer and a flag when a value is outside
the unit's usual range; progress counts what awaits each level."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from biaotong.auth.actor import Actor
from biaotong.errors import AccessDenied, WorkflowError
from biaotong.forms.store import save_report
from biaotong.reports.generate import generate
from biaotong.review import approve
from biaotong.services import tasks as ts
from biaotong.tasks.compare import margin
from biaotong.workspace import Workspace
from tests.reports.county import COUNTY, T1, T2, V11, V12, V21, V22, install, make_county
from tests.tasks.test_tasks import ADMIN, FIELDS, MZ, TOWN1, TOWN2, spec, village

OTHER_DEPT = Actor("wj", frozenset({"designer"}), COUNTY, "health", "staff")


@pytest.fixture
def ws(workspace: Workspace) -> Workspace:
    install(workspace, make_county())
    save_report(workspace, spec("mz_village", FIELDS, rules=["grids <= cadres"]), b"xlsx")
    approve(workspace, "mz_village", "仅 3 项需基层填报", "数据局")
    return workspace


def _task(ws: Workspace, org: str, period: str = "2025") -> int:
    return next(t["id"] for t in ts.list_tasks(ws, ADMIN, report="mz_village", period=period) if t["org_code"] == org)


def _cells(ws: Workspace, period: str) -> dict[str, dict[str, object]]:
    result = generate(ws, "mz_village", period, COUNTY, level="village")
    return {r.org_code: r.values for r in result.rows}


def _ledger(ws: Workspace, obj: str) -> list[tuple[str, dict[str, object]]]:
    with ws.engine.connect() as conn:
        rows = conn.execute(sa.text("select action, event from ledger_entries where object = :o order by seq"),
                            {"o": obj}).all()
    return [(a, json.loads(e).get("detail") or {}) for a, e in rows]


def test_village_township_department(ws: Workspace) -> None:
    ts.publish(ws, MZ, "mz_village", period="2025", to=COUNTY, level="village")
    t21, t22 = _task(ws, V21), _task(ws, V22)
    ts.fill(ws, village(V21), t21, {"cadres": 9, "grids": 4, "output": 2500})
    ts.fill(ws, village(V22), t22, {"cadres": 6, "grids": 2, "output": 300})
    for v, t in ((V21, t21), (V22, t22)):
        ts.submit(ws, village(v), t)

    # the department does not skip the township; another department's designer does not review at all
    with pytest.raises(WorkflowError, match="乡镇初审"):
        ts.review(ws, MZ, t21, "approve")
    with pytest.raises(AccessDenied):
        ts.review(ws, OTHER_DEPT, t21, "approve")
    assert [t["id"] for t in ts.review_queue(ws, TOWN2)] == [t21, t22]
    assert ts.review_queue(ws, MZ) == []

    out = ts.review(ws, TOWN2, t21, "approve")
    assert out["status"] == "reviewed" and out["level"] == "township"
    with pytest.raises(WorkflowError, match="部门终审"):
        ts.review(ws, TOWN2, t21, "approve")  # the township's word is given; the department's is next
    with pytest.raises(WorkflowError, match="不能修改"):
        ts.fill(ws, village(V21), t21, {"output": 1})  # locked while the department reviews
    assert [t["id"] for t in ts.review_queue(ws, MZ)] == [t21]

    # only the department's approval reaches the consolidated report
    ts.review(ws, TOWN2, t22, "approve")
    assert _cells(ws, "2025")[V21]["output"] is None
    progress = ts.progress(ws, MZ, "mz_village", "2025")["by_area"][T2]
    assert progress["reviewed"] == 2 and progress["awaiting_department"] == 2 and progress["approved"] == 0

    # a stale version is refused, nothing lost
    v21 = ts.show(ws, MZ, t21)["version"]
    ts.review(ws, MZ, t21, "approve", version=v21)
    with pytest.raises(WorkflowError, match="已被他人修改"):
        ts.review(ws, MZ, t21, "approve", version=v21)
    assert ts.show(ws, MZ, t21)["status"] == "approved"
    cells = _cells(ws, "2025")
    assert cells[V21]["output"] == 2500 and cells[V22]["output"] is None  # t22 still awaits the department
    progress = ts.progress(ws, MZ, "mz_village", "2025")["by_area"][T2]
    assert progress["approved"] == 1 and progress["awaiting_department"] == 1

    # every step in the ledger, with its level
    steps = _ledger(ws, f"task:{t21}")
    assert [a for a, _ in steps] == ["task.submit", "task.approve", "task.approve"]
    assert [(d["level"], d["status"]) for _, d in steps[1:]] == [("township", "reviewed"), ("department", "approved")]
    reviews = [r["action"] for r in ts.show(ws, MZ, t21)["reviews"]]
    assert reviews == ["submit", "review", "approve"]


def test_department_returns_to_the_village(ws: Workspace) -> None:
    ts.publish(ws, MZ, "mz_village", period="2025", to=T1, level="village")
    t11 = _task(ws, V11)
    ts.fill(ws, village(V11), t11, {"cadres": 7, "grids": 3, "output": 1200})
    ts.submit(ws, village(V11), t11)
    ts.review(ws, TOWN1, t11, "approve")
    with pytest.raises(WorkflowError, match="原因"):
        ts.review(ws, MZ, t11, "return")
    out = ts.review(ws, MZ, t11, "return", field_comments={"output": "与统计年报不符"})
    assert out["status"] == "returned" and out["level"] == "department"
    view = ts.show(ws, village(V11), t11)
    assert view["reviews"][-1]["fields"] == {"output": "与统计年报不符"}
    ts.fill(ws, village(V11), t11, {"output": 1100}, reason="按部门意见更正")
    ts.submit(ws, village(V11), t11)
    assert ts.show(ws, TOWN1, t11)["awaiting"] == "township"  # a resubmission starts at the township again
    ts.review(ws, TOWN1, t11, "approve")
    assert ts.review(ws, ADMIN, t11, "approve")["status"] == "approved"  # the data administration may act too
    assert _cells(ws, "2025")[V11]["output"] == 1100


def test_a_township_task_goes_to_the_department(ws: Workspace) -> None:
    ts.publish(ws, MZ, "mz_village", period="2025", to=T1, level="township")
    tid = next(t["id"] for t in ts.list_tasks(ws, ADMIN, report="mz_village", period="2025") if t["org_code"] == T1)
    ts.fill(ws, TOWN1, tid, {"cadres": 12, "grids": 5, "output": 9000})
    ts.submit(ws, TOWN1, tid)
    assert ts.show(ws, MZ, tid)["awaiting"] == "department"
    with pytest.raises(AccessDenied):
        ts.review(ws, TOWN1, tid, "approve")  # never its own
    out = ts.review(ws, MZ, tid, "approve")
    assert out["status"] == "approved" and out["level"] == "department"


def test_previous_period_and_out_of_range(ws: Workspace) -> None:
    # 2024, approved through both levels
    ts.publish(ws, MZ, "mz_village", period="2024", to=T1, level="village")
    t24 = _task(ws, V11, "2024")
    ts.fill(ws, village(V11), t24, {"cadres": 7, "grids": 3, "output": 1000})
    ts.submit(ws, village(V11), t24)
    assert "compare" not in ts.show(ws, village(V11), t24)  # the reviewer's view, not the filler's
    first = ts.show(ws, TOWN1, t24)["compare"]
    assert first["output"]["previous"] is None and first["output"]["flags"] == []  # nothing to compare yet
    ts.review(ws, TOWN1, t24, "approve")
    ts.review(ws, MZ, t24, "approve")

    # 2025: cadres (valid until changed) changes 7 → 9, grids reused, output jumps 1000 → 5000
    ts.publish(ws, MZ, "mz_village", period="2025", to=T1, level="village")
    t25 = _task(ws, V11)
    opened = {f["id"]: f for f in ts.show(ws, village(V11), t25)["fields"]}
    assert opened["grids"]["origin"] == "reused" and opened["output"]["origin"] == "asked"
    ts.fill(ws, village(V11), t25, {"cadres": 9, "output": 5000})
    ts.submit(ws, village(V11), t25)
    view = ts.show(ws, TOWN1, t25)
    c = view["compare"]
    assert c["cadres"]["previous"] == 7 and c["cadres"]["changed"] and c["cadres"]["flags"] == []
    assert c["grids"]["previous"] == 3 and not c["grids"]["changed"]
    assert c["output"]["previous"] == 1000 and c["output"]["previous_window"] == "2024"
    flag = c["output"]["flags"][0]
    assert flag["kind"] == "history" and flag["high"] == 1000 + margin(1000, 1000) == 1500
    # the department sees the same when it is its turn; a value in range is not flagged
    ts.review(ws, TOWN1, t25, "approve")
    assert ts.show(ws, MZ, t25)["compare"]["output"]["flags"][0]["kind"] == "history"
    assert "compare" not in ts.show(ws, TOWN1, t25)  # no longer the township's turn
    ts.review(ws, MZ, t25, "return", field_comments={"output": "请核实"})
    ts.fill(ws, village(V11), t25, {"output": 1300})
    ts.submit(ws, village(V11), t25)
    assert ts.show(ws, TOWN1, t25)["compare"]["output"]["flags"] == []
    # another village's final approval refreshes the collection: V11's answer under review does not hide its
    # approved one (cadres 7, valid until changed), and does not reach the report yet
    t12 = _task(ws, V12)
    ts.fill(ws, village(V12), t12, {"cadres": 5, "grids": 2, "output": 900})
    ts.submit(ws, village(V12), t12)
    ts.review(ws, TOWN1, t12, "approve")
    ts.review(ws, MZ, t12, "approve")
    cells = _cells(ws, "2025")
    assert cells[V11]["cadres"] == 7 and cells[V12]["cadres"] == 5
    assert margin(0, 0) == 1 and margin(10, 20) == 10



def test_the_cli_acts_at_the_task_level(ws: Workspace) -> None:
    from typer.testing import CliRunner

    from biaotong.auth.users import add_user
    from biaotong.cli.main import app

    for name, role, org, dept in (("zhen1", "township", T1, None), ("mz", "designer", COUNTY, "civil_affairs")):
        add_user(ws, name, roles=[role], org_code=org, department=dept)
    ts.publish(ws, MZ, "mz_village", period="2025", to=T1, level="village")
    t11 = _task(ws, V11)
    ts.fill(ws, village(V11), t11, {"cadres": 7, "grids": 3, "output": 1200})
    ts.submit(ws, village(V11), t11)

    def run(*args: str) -> tuple[int, str]:
        got = CliRunner().invoke(app, ["--home", str(ws.home), "--lang", "zh", *args])
        return got.exit_code, got.output

    code, out = run("--as", "mz", "task", "approve", str(t11))
    assert code != 0 and "乡镇初审" in out  # a message naming the level, not a traceback
    code, out = run("--as", "zhen1", "task", "approve", str(t11))
    assert code == 0 and "乡镇已通过" in out, out
    code, out = run("--as", "mz", "task", "progress", "mz_village", "--period", "2025", "--json")
    assert code == 0 and json.loads(out)["by_area"][T1]["awaiting_department"] == 1
    code, out = run("--as", "mz", "task", "approve", str(t11))
    assert code == 0 and "已通过" in out, out
    assert ts.show(ws, ADMIN, t11)["status"] == "approved"


def test_a_value_far_from_its_peers_is_flagged(ws: Workspace) -> None:
    """The peers' check on real stored answers: six units under one parent answer 10–14, one answers 90."""
    from biaotong.tasks import answers as store
    from biaotong.tasks.compare import compare

    units = [f"5301020010{i:02d}" for i in range(1, 8)]
    with ws.engine.begin() as conn:
        for org, v in zip(units, (10, 11, 12, 13, 14, 12, 90), strict=True):
            store.put(conn, org_code=org, element="village.agricultural_output", window="2025", value=v,
                      status="submitted", actor="t", task_id=None)
        field = {"id": "output", "origin": "typed", "element": "village.agricultural_output", "window": "2025"}
        far = compare(conn, task_id=1, org_code=units[-1], peers=units, fields=[{**field, "value": 90}])
        near = compare(conn, task_id=1, org_code=units[0], peers=units, fields=[{**field, "value": 10}])
    assert [f["kind"] for f in far["output"]["flags"]] == ["peers"] and far["output"]["flags"][0]["median"] == 12
    assert far["output"]["flags"][0]["points"] == 6  # the unit itself is not its own peer
    assert near["output"]["flags"] == [] and near["output"]["previous"] is None
