"""Grassroots tasks end to end, on SQLite and PostgreSQL: a report with collected fields published to the
villages; some filled by API and some by uploading their sheets; one returned, the rest approved; the
consolidated report whose collected cells equal the answers and whose other cells equal the systems; a
second report asking the same element opens pre-filled; a correction raised, answered and closed by a
re-sync; burden figures checked against the tasks."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import sqlalchemy as sa

from biaotong.auth.actor import Actor
from biaotong.errors import AccessDenied, WorkflowError
from biaotong.forms.store import save_report
from biaotong.reports.generate import generate
from biaotong.review import approve
from biaotong.services import tasks as ts
from biaotong.tasks.corrections import after_sync as corrections_after_sync
from biaotong.workspace import Workspace
from tests.reports.county import COUNTY, T1, T2, V11, V12, V21, V22, V31, add_snapshot, install, make_county

FIELDS = [
    {"id": "pop", "label": "户籍人口", "indicator": "pop_total"},
    {"id": "cadres", "label": "村两委成员数", "expression": {"collected": "cadres", "entity": "village"}},
    {"id": "grids", "label": "网格数", "expression": {"collected": "grid_count", "entity": "village"}},
    {"id": "output", "label": "农业产值", "expression": {"collected": "agricultural_output", "entity": "village"}},
]
MZ = Actor("mz", frozenset({"designer"}), COUNTY, "civil_affairs", "public")
ADMIN = Actor("sjj", frozenset({"data_admin"}), None, None, "staff")
TOWN1 = Actor("zhen1", frozenset({"township"}), T1, None, "staff")
TOWN1B = Actor("zhen1b", frozenset({"township"}), T1, None, "staff")
TOWN2 = Actor("zhen2", frozenset({"township"}), T2, None, "staff")


def village(code: str) -> Actor:
    return Actor(f"cun{code[-3:]}", frozenset({"grassroots"}), code, None, "staff")


def spec(report_id: str, fields: list[dict[str, Any]], rules: list[str] | None = None) -> dict[str, Any]:
    return {"id": report_id, "title": "村级基本情况年报", "department": "civil_affairs", "period_type": "year",
            "layout": "aggregate", "level": "village", "fields": fields, "rules": rules or []}


@pytest.fixture
def ws(workspace: Workspace) -> Workspace:
    install(workspace, make_county())
    save_report(workspace, spec("mz_village", FIELDS, rules=["grids <= cadres"]), b"xlsx")
    approve(workspace, "mz_village", "仅 3 项需基层填报", "数据局")
    return workspace


def _task(ws: Workspace, org: str, report: str = "mz_village") -> int:
    return next(t["id"] for t in ts.list_tasks(ws, ADMIN, report=report, period="2025") if t["org_code"] == org)


def _fill_by_sheet(ws: Workspace, who: Actor, task_id: int, values: dict[str, Any], tmp: Path) -> dict[str, Any]:
    path = tmp / f"task{task_id}.xlsx"
    ts.download(ws, who, task_id, path)
    wb = openpyxl.load_workbook(path)
    sheet = wb.worksheets[0]
    assert sheet.protection.sheet  # the systems' cells are locked
    for row in sheet.iter_rows(min_row=5):
        label = row[1].value
        for fid, v in values.items():
            if label == next(f["label"] for f in FIELDS if f["id"] == fid):
                assert row[3].protection.locked is False
                row[3].value = v
        if label == "户籍人口":
            assert row[3].protection.locked is True
    wb.save(path)
    return ts.upload(ws, who, task_id, path.read_bytes(), name=path.name)


def test_publish_fill_review_and_consolidate(ws: Workspace, tmp_path: Path) -> None:
    out = ts.publish(ws, MZ, "mz_village", period="2025", to=COUNTY, level="village", due=date(2026, 1, 15))
    assert out["created"] == 5 and out["units"] == 5  # 小河村 was merged away before 2025-12-31
    again = ts.publish(ws, MZ, "mz_village", period="2025", to=COUNTY, level="village")
    assert again["created"] == 0 and again["existing"] == 5  # idempotent
    t11, t12, t21, t22 = (_task(ws, v) for v in (V11, V12, V21, V22))

    view = ts.show(ws, village(V11), t11)
    origins = {f["id"]: f["origin"] for f in view["fields"]}
    assert origins == {"pop": "prefilled", "cadres": "asked", "grids": "asked", "output": "asked"}
    pop_v11 = next(f["value"] for f in view["fields"] if f["id"] == "pop")
    assert isinstance(pop_v11, int) and pop_v11 > 0

    # by API; a pre-filled value is never typed over; the wrong type is refused naming the field
    with pytest.raises(WorkflowError, match="系统预填"):
        ts.fill(ws, village(V11), t11, {"pop": 1})
    with pytest.raises(WorkflowError, match="应填整数"):
        ts.fill(ws, village(V11), t11, {"cadres": "7.5"})
    ts.fill(ws, village(V11), t11, {"cadres": 7, "grids": 3, "output": "1234.5"})
    ts.fill(ws, village(V12), t12, {"cadres": 5, "grids": 9, "output": 800})  # breaks grids <= cadres
    with pytest.raises(WorkflowError, match="网格数"):
        ts.submit(ws, village(V12), t12)
    ts.fill(ws, village(V12), t12, {"grids": 2})
    ts.fill(ws, village(V22), t22, {"cadres": 6, "grids": 2, "output": 0})
    # by uploading the sheet
    _fill_by_sheet(ws, village(V21), t21, {"cadres": 9, "grids": 4, "output": 2500}, tmp_path)
    for v, t in ((V11, t11), (V12, t12), (V21, t21), (V22, t22)):
        ts.submit(ws, village(v), t)
    with pytest.raises(AccessDenied):
        ts.review(ws, TOWN2, t11, "approve")  # 东风镇's village, not 西山乡's
    # two reviewers on one task: the second is told, nothing lost
    v12 = ts.show(ws, TOWN1, t12)["version"]
    ts.review(ws, TOWN1, t12, "return", version=v12, field_comments={"cadres": "换届后应为 6 人"})
    with pytest.raises(WorkflowError, match="已被他人修改"):
        ts.review(ws, TOWN1B, t12, "approve", version=v12)
    ts.fill(ws, village(V12), t12, {"cadres": 6}, reason="按乡镇意见更正")
    versions = ts.show(ws, TOWN1, t12)["history"]["cadres"]
    assert [v["value"] for v in versions] == [5, 6] and versions[-1]["previous"] == 5
    assert versions[-1]["reason"] == "按乡镇意见更正" and versions[-1]["actor"] == "cun002"
    ts.submit(ws, village(V12), t12)
    for who, t in ((TOWN1, t11), (TOWN1, t12), (TOWN2, t21), (TOWN2, t22)):
        assert ts.review(ws, who, t, "approve")["status"] == "reviewed"  # passed on to the department
        assert ts.review(ws, MZ, t, "approve")["status"] == "approved"  # the publishing department's final word

    result = generate(ws, "mz_village", "2025", COUNTY, level="village")
    rows = {r.org_code: r.values for r in result.rows}
    assert rows[V11]["cadres"] == 7 and rows[V11]["grids"] == 3 and rows[V11]["output"] == pytest.approx(1234.5)
    assert rows[V12]["cadres"] == 6 and rows[V21]["cadres"] == 9 and rows[V22]["output"] == 0
    assert rows[V31]["cadres"] is None and "cadres" in result.missing  # nobody answered: blank, not 0
    assert rows[V11]["pop"] == pop_v11  # the systems' numbers are untouched
    assert result.total().values["cadres"] == 7 + 6 + 9 + 6

    # a second report asking the same element opens pre-filled with the answer (ask once)
    save_report(ws, spec("tj_cadres", [FIELDS[0], {"id": "c2", "label": "两委成员", "expression": {
        "collected": "cadres", "entity": "village"}}]), b"xlsx")
    approve(ws, "tj_cadres", "复用已填", "数据局")
    ts.publish(ws, MZ, "tj_cadres", period="2025", to=T1, level="village")
    again_view = ts.show(ws, village(V11), _task(ws, V11, "tj_cadres"))
    c2 = next(f for f in again_view["fields"] if f["id"] == "c2")
    assert c2["origin"] == "reused" and c2["value"] == 7
    assert again_view["missing"] == []

    # burden from the recorded work
    b = ts.burden(ws, ADMIN, "2025")
    assert b["totals"]["tasks"] == 4 and b["totals"]["fields"] == 16
    assert b["totals"]["prefilled"] == 4 and b["totals"]["typed"] == 12
    assert b["totals"]["hours_saved"] == pytest.approx(4 * 2.0 / 60, abs=0.01)
    progress = ts.progress(ws, MZ, "mz_village", "2025")
    assert progress["tasks"] == 5 and sum(d["approved"] for d in progress["by_area"].values()) == 4

    with ws.engine.connect() as conn:
        actions = [r[0] for r in conn.execute(sa.text("select action from ledger_entries order by seq"))]
    assert {"task.create", "task.fill", "task.submit", "task.approve", "task.reject"} <= set(actions)


def test_a_correction_goes_to_the_owner_and_closes_with_a_resync(ws: Workspace) -> None:
    ts.publish(ws, MZ, "mz_village", period="2025", to=T1, level="village")
    t11 = _task(ws, V11)
    with pytest.raises(WorkflowError, match="理由"):
        ts.flag(ws, village(V11), t11, "pop", "  ")
    with pytest.raises(WorkflowError, match="本单位填写"):
        ts.flag(ws, village(V11), t11, "cadres", "不对")
    c = ts.flag(ws, village(V11), t11, "pop", "王某已于 2025 年 10 月死亡", keys=["x"])
    assert c["department"] == "public_security" and "gaj_rk" in c["sources"]
    with pytest.raises(AccessDenied):
        ts.answer_correction(ws, MZ, c["id"], "accept", "不归民政")
    gaj = Actor("gaj", frozenset({"designer"}), COUNTY, "public_security", "staff")
    assert ts.answer_correction(ws, gaj, c["id"], "accept", "已核实，下次同步更正")["status"] == "accepted"
    # the register's next snapshot no longer holds one of the village's people
    county = make_county()
    first = next(r for r in county.residents if r["org_code"] == V11 and r.get("death_date") is None)
    rows = [dict(r, death_date=date(2025, 10, 3)) if r is first else r for r in county.residents]
    snap = add_snapshot(ws, "gaj_rk", "public_security", "resident", rows, when=datetime(2026, 1, 5, tzinfo=UTC), tag="fix")
    assert corrections_after_sync(ws, [("gaj_rk", snap)], "test")["fixed"] == [c["id"]]
    done = ts.list_corrections(ws, village(V11))
    assert done[0]["status"] == "fixed" and "gaj_rk" in done[0]["answer"]


def test_bad_input_changes_nothing(ws: Workspace, tmp_path: Path) -> None:
    with pytest.raises(WorkflowError, match="不存在"):
        ts.publish(ws, MZ, "mz_village", period="2025", to="530102009000", level="village")
    ts.publish(ws, MZ, "mz_village", period="2025", to=T1, level="village")
    t11, t12 = _task(ws, V11), _task(ws, V12)
    path = tmp_path / "t12.xlsx"
    ts.download(ws, village(V12), t12, path)
    with pytest.raises(WorkflowError, match=f"是任务 {t12} 的表"):
        ts.upload(ws, village(V11), t11, path.read_bytes(), name="t12.xlsx")
    with pytest.raises(WorkflowError, match=r"有效的 xlsx|not a valid"):
        ts.upload(ws, village(V11), t11, b"PK\x03\x04 broken", name="broken.xlsx")
    with pytest.raises(AccessDenied):
        ts.show(ws, village(V12), t11)
    with pytest.raises(AccessDenied):
        ts.fill(ws, village(V21), t11, {"cadres": 1})
    assert ts.show(ws, village(V11), t11)["version"] == 1  # nothing stored


def test_a_village_gets_its_own_data_back_masked_and_recorded(ws: Workspace, tmp_path: Path) -> None:
    out = ts.databack(ws, village(V11), tmp_path / "back.xlsx")
    assert out["rows"] > 0 and "id_number" in out["masked"]
    sheet = openpyxl.load_workbook(out["file"]).active
    ids = [c.value for c in sheet["A"][2:] if c.value]
    assert ids and all("*" in str(v) for v in ids)
    with pytest.raises(AccessDenied):
        ts.databack(ws, village(V11), tmp_path / "x.xlsx", org=V21)
    with ws.engine.connect() as conn:
        events = [json.loads(e) for (e,) in conn.execute(sa.text(
            "select event from ledger_entries where action = 'report.download' order by seq"))]
    assert events[-1]["actor"] == "cun001" and events[-1]["detail"]["rows"] == out["rows"]
