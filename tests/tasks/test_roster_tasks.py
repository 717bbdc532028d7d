"""Roster tasks (花名册填报), on SQLite and PostgreSQL: the civil-affairs roster 低保对象花名册 (its 近期动态 column
is a collected resident element) published to the test county's villages asks 近期动态 per person; one village
fills by API, another by uploading its sheet (matched by each row's hashed key); approved by township and
department; the regenerated roster shows the answers for those persons and leaves the others blank, explained;
a second roster asking the same element in the same window opens with the answers reused; no clear ID is ever
in the answers table or in a masked viewer's task JSON; the rows per task are bounded; the HTTP API and page."""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from html import unescape
from pathlib import Path

import httpx
import openpyxl
import pytest
import sqlalchemy as sa
import uvicorn

from biaotong.errors import WorkflowError
from biaotong.forms.store import save_report
from biaotong.reports.generate import generate
from biaotong.reports.library import builtin_library
from biaotong.reports.spec import BUILTIN_SPECS
from biaotong.reports.store import add_file
from biaotong.review import approve
from biaotong.services import tasks as ts
from biaotong.tasks.entitykey import SECRET_FILE
from biaotong.tasks.tables import answers
from biaotong.workspace import Workspace
from tests.reports.county import COUNTY, T1, T2, V11, V12, V21, V22, County, install, make_county
from tests.tasks.test_tasks import ADMIN, MZ, TOWN1, village

ROSTER = "mz_dibao_roster"
VISIT = {"id": "mz_dibao_visit", "title": "低保对象走访记录", "department": "civil_affairs", "period_type": "month",
         "layout": "roster", "roster": {"entity": "resident", "filter": (
             "assistance_category = '低保' and (assistance_end_date is null or not before_period_end(assistance_end_date))"),
                                        "columns": ["name", "org_code", "recent_situation"],
                                        "labels": {"recent_situation": "近期动态"}}}
PERIOD = "2025-06"


@pytest.fixture
def county() -> County:
    return make_county()


@pytest.fixture
def ws(workspace: Workspace, county: County) -> Workspace:
    install(workspace, county)
    add_file(workspace.engine, BUILTIN_SPECS / f"{ROSTER}.yaml", builtin_library(), workspace.catalog)
    approve(workspace, ROSTER, "近期动态由村逐人填报", "数据局")
    return workspace


def _task(ws: Workspace, org: str, report: str = ROSTER) -> int:
    return next(t["id"] for t in ts.list_tasks(ws, ADMIN, report=report, period=PERIOD) if t["org_code"] == org)


def _clear_ids(county: County) -> list[str]:
    return [str(r["id_number"]) for r in county.residents if r.get("id_number")]


def test_roster_task_end_to_end(ws: Workspace, county: County, tmp_path: Path) -> None:
    ts.publish(ws, MZ, ROSTER, period=PERIOD, to=COUNTY, level="village")
    t11, t12 = _task(ws, V11), _task(ws, V12)
    assert _task(ws, V21)  # published, never answered: its persons stay blank

    # the rows are the unit's roster as `report generate` gives it, each with its hashed key; only 近期动态 asked
    view = ts.show(ws, village(V11), t11)
    roster11 = generate(ws, ROSTER, PERIOD, V11, role="staff")
    assert view["kind"] == "roster" and len(view["rows"]) == len(roster11.records) >= 2
    assert [r["values"]["name"] for r in view["rows"]] == [r["name"] for r in roster11.records]
    assert [c["id"] for c in view["columns"] if c["asked"]] == ["recent_situation"] == view["asked"]
    assert all(len(r["key"]) == 64 and r["asked"]["recent_situation"]["origin"] == "asked" for r in view["rows"])
    assert view["missing"] == len(view["rows"])
    text = json.dumps(view, default=str, ensure_ascii=False)
    assert not any(i in text for i in _clear_ids(county))  # the staff clearance reads ID numbers masked
    # the staff's clear read of names and addresses is recorded, as a roster report's is
    with ws.engine.connect() as conn:
        reads = conn.execute(sa.text("select event from ledger_entries where action = 'personal.read'")).all()
    assert any(json.loads(e).get("detail", {}).get("purpose") == "task.roster" for (e,) in reads)

    # fill by API: checked like a unit's answers, every bad cell named by its row (序号, masked name) and field
    keys = [r["key"] for r in view["rows"]]
    first = view["rows"][0]["values"]["name"]
    with pytest.raises(WorkflowError) as bad:
        ts.fill(ws, village(V11), t11, {keys[0]: {"recent_situation": "长" * 2001, "name": "改名"},
                                        "0123456789abcdef": {"recent_situation": "x"}})
    assert "第 1 行" in bad.value.zh and f"{first[0]}*" in bad.value.zh and first not in bad.value.zh
    assert "近期动态" in bad.value.zh and "系统预填" in bad.value.zh and "不是本任务花名册中的人员" in bad.value.zh
    expected11 = {k: f"东风村走访{i + 1}：身体尚可" for i, k in enumerate(keys)}
    out = ts.fill(ws, village(V11), t11, {k[:12]: {"recent_situation": v} for k, v in list(expected11.items())[:-1]})
    assert out["changed"] == len(keys) - 1
    with pytest.raises(WorkflowError, match=r"第 \d+ 行") as blank:
        ts.submit(ws, village(V11), t11)  # a blank is refused, the row named
    assert f"第 {len(keys)} 行" in blank.value.zh
    ts.fill(ws, village(V11), t11, {keys[-1]: {"recent_situation": expected11[keys[-1]]}})
    ts.submit(ws, village(V11), t11)

    # fill by sheet: the roster with one unlocked yellow cell per person, matched back by key
    path = tmp_path / "t12.xlsx"
    ts.download(ws, village(V12), t12, path)
    wb = openpyxl.load_workbook(path)
    sheet = wb["花名册"]
    head = [c.value for c in sheet[4]]
    col = head.index("近期动态") + 1
    view12 = ts.show(ws, village(V12), t12)
    n12 = len(view12["rows"])
    assert n12 >= 2 and sheet.protection.sheet and wb["_biaotong"].sheet_state == "veryHidden"
    for r in range(5, 5 + n12):
        assert sheet.cell(r, col).protection.locked is False and sheet.cell(r, col).fill.fgColor.rgb.endswith("FFF2CC")
        assert sheet.cell(r, 2).protection.locked is True
    meta = json.loads(wb["_biaotong"]["A1"].value)
    assert sorted(meta["rows"].values()) == sorted(r["key"] for r in view12["rows"])
    expected12 = {}
    for r in range(5, 5 + n12):
        sheet.cell(r, col).value = f"红旗社区第{r - 4}户：外出务工"
        expected12[meta["rows"][str(r)]] = f"红旗社区第{r - 4}户：外出务工"
    wb.save(path)
    # a row whose key is not in the task is refused naming the row; nothing is stored
    meta_bad = {**meta, "rows": {**meta["rows"], "6": "f" * 64}}
    wb["_biaotong"]["A1"] = json.dumps(meta_bad)
    wb.save(tmp_path / "bad.xlsx")
    with pytest.raises(WorkflowError, match="第 2 行") as unknown:
        ts.upload(ws, village(V12), t12, (tmp_path / "bad.xlsx").read_bytes(), name="bad.xlsx")
    assert "不在本任务的花名册中" in unknown.value.zh
    assert ts.show(ws, village(V12), t12)["missing"] == n12
    out = ts.upload(ws, village(V12), t12, path.read_bytes(), name="t12.xlsx")
    assert out["changed"] == n12
    with pytest.raises(WorkflowError, match="版本"):
        ts.upload(ws, village(V12), t12, path.read_bytes(), name="t12.xlsx")  # downloaded at an older version
    ts.submit(ws, village(V12), t12)

    # the township, then the department: only the final approval reaches the roster
    for t in (t11, t12):
        assert ts.review(ws, TOWN1, t, "approve")["status"] == "reviewed"
    assert all(r.get("recent_situation") is None for r in generate(ws, ROSTER, PERIOD, V11, role="staff").records)
    ts.review(ws, MZ, t11, "approve")
    done = ts.review(ws, MZ, t12, "approve")
    residents = done["collection"]["residents"]
    assert residents["unmatched"] == 0 and residents["persons"] == len(keys) + n12
    assert {s["source"] for s in residents["sources"]} == {"grassroots_collection_resident_2025_06"}  # validity: period

    # the regenerated roster reads them like any system column; an unanswered unit's persons stay blank, explained
    for org, expected in ((V11, expected11), (V12, expected12)):
        shown = ts.show(ws, ADMIN, _task(ws, org))
        got = generate(ws, ROSTER, PERIOD, org, role="staff")
        assert [r["recent_situation"] for r in got.records] == [expected[r["key"]] for r in shown["rows"]]
    whole = generate(ws, ROSTER, PERIOD, COUNTY, role="staff")
    other = [r for r, place in zip(whole.records, whole.places, strict=True) if place in (V21, V22)]
    assert other and all(r["recent_situation"] is None for r in other)
    assert whole.missing["recent_situation"]["zh"].startswith(f"基层采集项，{len(other)} 人")
    assert sum(r["recent_situation"] is not None for r in whole.records) == len(keys) + n12

    # the metadata store never holds a clear ID: the answers are keyed by the workspace's HMAC
    with ws.engine.connect() as conn:
        stored = conn.execute(sa.select(answers).where(answers.c.entity_key.is_not(None))).all()
    assert len(stored) == len(keys) + n12 and all(len(a.entity_key) == 64 for a in stored)
    dumped = json.dumps([dict(a._mapping) for a in stored], default=str, ensure_ascii=False)
    assert not any(i in dumped for i in _clear_ids(county))
    secret = ws.keys_dir / SECRET_FILE
    assert secret.stat().st_mode & 0o077 == 0

    # a second roster asking the same element in the same window opens with the answers reused
    save_report(ws, VISIT, b"xlsx")
    approve(ws, VISIT["id"], "走访记录", "数据局")
    ts.publish(ws, MZ, VISIT["id"], period=PERIOD, to=T1, level="village")
    again = ts.show(ws, village(V11), _task(ws, V11, VISIT["id"]))
    assert [r["asked"]["recent_situation"] for r in again["rows"]] == [
        {"origin": "reused", "value": expected11[r["key"]], "window": "2025-06"} for r in again["rows"]]
    assert again["missing"] == 0

    # a viewer with public clearance (the department's designer) reads names, IDs and the answers masked
    masked = ts.show(ws, MZ, t11)
    text = json.dumps(masked, default=str, ensure_ascii=False)
    assert not any(i in text for i in _clear_ids(county)) and "身体尚可" not in text
    assert all("*" in r["values"]["name"] for r in masked["rows"])


def test_rows_per_task_are_bounded(ws: Workspace) -> None:
    ts.publish(ws, MZ, ROSTER, period=PERIOD, to=T1, level="village")
    ws.config["roster_task_rows"] = 1
    with pytest.raises(WorkflowError, match="roster_task_rows"):
        ts.show(ws, village(V11), _task(ws, V11))


def test_roster_task_over_http(tmp_path: Path) -> None:
    from biaotong.auth.tokens import create_token
    from biaotong.auth.users import add_user
    from biaotong.web import create_app

    county = make_county()
    ws = Workspace.open(tmp_path / "ws")
    install(ws, county)
    add_file(ws.engine, BUILTIN_SPECS / f"{ROSTER}.yaml", builtin_library(), ws.catalog)
    approve(ws, ROSTER, "近期动态由村逐人填报", "数据局")
    ts.publish(ws, MZ, ROSTER, period=PERIOD, to=T2, level="village")
    tid = _task(ws, V21)
    add_user(ws, "cun021", roles=["grassroots"], org_code=V21, password="cun021-roster-2026")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(create_app(ws), log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    api = httpx.Client(base_url=url, timeout=120,
                       headers={"Authorization": f"Bearer {create_token(ws, 'cun021', 'test').token}"})
    page = httpx.Client(base_url=url, timeout=120, follow_redirects=False)
    try:
        got = api.get(f"/api/tasks/{tid}")
        assert got.status_code == 200, got.text
        view = got.json()
        assert view["kind"] == "roster" and view["rows"]
        assert not any(i in got.text for i in _clear_ids(county))
        keys = [r["key"] for r in view["rows"]]
        bad = api.post(f"/api/tasks/{tid}/fill", json={"values": {keys[0]: {"recent_situation": "长" * 2001}}})
        assert bad.status_code == 400 and "第 1 行" in bad.text
        ok = api.post(f"/api/tasks/{tid}/fill", json={"values": {keys[0]: {"recent_situation": "<b>住院</b>"}},
                                                        "version": view["version"]})
        assert ok.status_code == 200 and ok.json()["changed"] == 1
        assert api.get(f"/api/tasks/{tid}").json()["rows"][0]["asked"]["recent_situation"]["origin"] == "typed"
        assert api.post(f"/api/tasks/{tid}/submit").status_code == 400  # the other persons are still blank

        # the task page: one input per person, the answer escaped
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.get("/login").text)
        assert csrf
        page.post("/login", data={"username": "cun021", "password": "cun021-roster-2026", "csrf": csrf.group(1),
                                  "next": "/"})
        html = page.get(f"/tasks/{tid}")
        assert html.status_code == 200 and 'data-testid="task-rows"' in html.text
        assert all(f'name="r_{k}__recent_situation"' in html.text for k in keys)
        assert "<b>住院</b>" not in html.text and "&lt;b&gt;住院&lt;/b&gt;" in html.text
        token = re.search(r'name="csrf" value="([^"]+)"', html.text)
        assert token
        form = {"csrf": token.group(1), "version": str(view["version"] + 1), "action": "submit",
                **{f"r_{k}__recent_situation": f"第{i + 1}人：正常" for i, k in enumerate(keys)}}
        sent = page.post(f"/tasks/{tid}/fill", data=form)
        assert sent.status_code == 303, unescape(sent.text)[:500]
        assert api.get(f"/api/tasks/{tid}").json()["status"] == "submitted"
    finally:
        api.close()
        page.close()
        server.should_exit = True
        thread.join(10)
        sock.close()
        ws.close()
