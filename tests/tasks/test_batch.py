"""A township fills its villages' tasks in one sheet (SQLite and PostgreSQL): a row per village in the
department's table form, a sheet per village in its card form, biaotong's own grid for a report without a
form. Real .xlsx written, filled with openpyxl and read back; one bad cell refuses the whole upload with
every error listed and nothing stored; another township's villages are refused; a stale batch is refused."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import sqlalchemy as sa

from biaotong.errors import AccessDenied, WorkflowError
from biaotong.forms.store import save_report
from biaotong.review import approve
from biaotong.services import tasks as ts
from biaotong.workspace import Workspace
from tests.reports.county import COUNTY, V11, V12, V21, install, make_county
from tests.tasks.formfix import ADMIN, MZ, TOWN1, TOWN2, save_card_form, save_table_form, village


@pytest.fixture
def ws(workspace: Workspace, tmp_path: Path) -> Workspace:
    install(workspace, make_county())
    return workspace


def _tasks(ws: Workspace, report: str) -> dict[str, dict[str, Any]]:
    return {t["org_code"]: t for t in ts.list_tasks(ws, ADMIN, report=report, period="2025")}


def _meta_cells(path: Path) -> dict[str, list[Any]]:
    return json.loads(openpyxl.load_workbook(path)["_biaotong"]["A1"].value)["cells"]


def _ledger(ws: Workspace) -> list[dict[str, Any]]:
    with ws.engine.connect() as conn:
        return [json.loads(e) for (e,) in conn.execute(sa.text(
            "select event from ledger_entries where action = 'task.fill' order by seq"))]


def test_table_form_batch(ws: Workspace, tmp_path: Path) -> None:
    save_table_form(ws, tmp_path)
    ts.publish(ws, MZ, "mz_form", period="2025", to=COUNTY, level="village")
    path = tmp_path / "batch.xlsx"
    out = ts.download_batch(ws, TOWN1, "mz_form", "2025", path)
    assert out["kind"] == "rows" and {u["org_code"] for u in out["units"]} == {V11, V12}  # 东风镇's own villages
    wb = openpyxl.load_workbook(path)
    sheet = wb["Sheet1"]
    rows = {sheet.cell(r, 1).value: r for r in range(4, 8) if sheet.cell(r, 1).value}
    assert set(rows) == {"东风村", "红旗社区"}
    assert sheet.protection.sheet
    for r in rows.values():
        assert isinstance(sheet.cell(r, 2).value, int) and sheet.cell(r, 2).protection.locked  # 户籍人口 pre-filled
        assert not sheet.cell(r, 3).protection.locked and not sheet.cell(r, 4).protection.locked
    assert sheet["A1"].protection.locked and "东风镇" in sheet["A2"].value
    assert len(_meta_cells(path)) == 4

    r11, r12 = rows["东风村"], rows["红旗社区"]
    sheet.cell(r11, 3).value, sheet.cell(r11, 4).value = 7, 3
    sheet.cell(r12, 3).value, sheet.cell(r12, 4).value = "五个", 2.5  # two bad cells
    wb.save(path)
    before = len(_ledger(ws))
    with pytest.raises(WorkflowError) as err:
        ts.upload_batch(ws, TOWN1, path.read_bytes(), name=path.name)
    listed = {e["cell"] for e in err.value.details["errors"]}
    assert listed == {f"Sheet1!C{r12}", f"Sheet1!D{r12}"}  # every error, by cell
    assert f"Sheet1!C{r12}" in err.value.zh and "红旗社区" in err.value.zh
    assert all(t["version"] == 1 for t in _tasks(ws, "mz_form").values())  # all or nothing
    assert len(_ledger(ws)) == before

    # another township may not upload 东风镇's villages
    with pytest.raises(AccessDenied):
        ts.upload_batch(ws, TOWN2, path.read_bytes(), name=path.name)
    with pytest.raises(AccessDenied):
        ts.download_batch(ws, village(V11), "mz_form", "2025", tmp_path / "x.xlsx")

    sheet.cell(r12, 3).value, sheet.cell(r12, 4).value = 5, 2
    wb.save(path)
    done = ts.upload_batch(ws, TOWN1, path.read_bytes(), name=path.name)
    assert done["tasks"] == 2 and done["changed"] == 4
    tasks = _tasks(ws, "mz_form")
    assert tasks[V11]["version"] == 2 and tasks[V12]["version"] == 2 and tasks[V21]["version"] == 1
    v12 = {f["id"]: f["value"] for f in ts.show(ws, village(V12), tasks[V12]["id"])["fields"]}
    assert v12["col_c"] == 5 and v12["col_d"] == 2
    history = ts.show(ws, TOWN1, tasks[V11]["id"])["history"]["col_c"]
    assert history[-1]["actor"] == "zhen1" and history[-1]["value"] == 7
    fills = _ledger(ws)[before:]
    assert {e["actor"] for e in fills} == {"zhen1"}
    assert {e["object"] for e in fills} >= {f"answer:{V11}/village.cadres/*", f"answer:{V12}/village.grid_count/*"}
    assert any(e["detail"].get("batch") and e["detail"]["for"] == {str(tasks[V11]["id"]): V11,
                                                                    str(tasks[V12]["id"]): V12} for e in fills)
    # the villages submit what their township entered
    assert ts.submit(ws, village(V11), tasks[V11]["id"])["status"] == "submitted"

    # the same sheet again is stale (the tasks moved on): refused, nothing stored
    with pytest.raises(WorkflowError, match="版本"):
        ts.upload_batch(ws, TOWN1, path.read_bytes(), name=path.name)
    # a submitted task drops out of the next batch
    again = ts.download_batch(ws, TOWN1, "mz_form", "2025", tmp_path / "again.xlsx")
    assert [u["org_code"] for u in again["units"]] == [V12]


def test_card_form_batch_sheet_per_village(ws: Workspace, tmp_path: Path) -> None:
    truth = save_card_form(ws, tmp_path)
    ts.publish(ws, MZ, "mz_card", period="2025", to=COUNTY, level="village")
    path = tmp_path / "cards.xlsx"
    out = ts.download_batch(ws, TOWN1, "mz_card", "2025", path)
    assert out["kind"] == "cards"
    wb = openpyxl.load_workbook(path)
    assert {"东风村", "红旗社区"} <= set(wb.sheetnames)
    cells = {leaf["truth"].get("collected") or leaf["truth"]["indicator"]: leaf["cell"] for leaf in truth["leaves"]}
    for name, (cadres, grids) in {"东风村": (7, 3), "红旗社区": (5, 2)}.items():
        sheet = wb[name]
        assert sheet[truth["name_cell"]].value == name and sheet[truth["parent_cell"]].value == "东风镇"
        assert sheet[cells["pop_total"]].protection.locked and not sheet[cells["cadres"]].protection.locked
        sheet[cells["cadres"]], sheet[cells["grid_count"]] = cadres, grids
    wb.save(path)
    done = ts.upload_batch(ws, TOWN1, path.read_bytes(), name=path.name)
    assert done["changed"] == 4
    tasks = _tasks(ws, "mz_card")
    got = {f["id"]: f["value"] for f in ts.show(ws, village(V12), tasks[V12]["id"])["fields"]}
    assert got[f"cell_{cells['cadres'].lower()}"] == 5 and got[f"cell_{cells['grid_count'].lower()}"] == 2


def test_own_grid_for_a_report_without_a_form(ws: Workspace, tmp_path: Path) -> None:
    save_report(ws, {"id": "mz_village", "title": "村级基本情况年报", "department": "civil_affairs",
                     "period_type": "year", "layout": "aggregate", "level": "village", "fields": [
                         {"id": "pop", "label": "户籍人口", "indicator": "pop_total"},
                         {"id": "cadres", "label": "村两委成员数", "expression": {"collected": "cadres", "entity": "village"}}]},
                b"xlsx")
    approve(ws, "mz_village", "1 项需基层填报", "数据局")
    ts.publish(ws, MZ, "mz_village", period="2025", to=COUNTY, level="village")
    path = tmp_path / "grid.xlsx"
    out = ts.download_batch(ws, TOWN1, "mz_village", "2025", path)
    assert out["kind"] == "grid" and out["cells"] == 2
    wb = openpyxl.load_workbook(path)
    sheet = wb.worksheets[0]
    assert [sheet.cell(r, 2).value for r in (5, 6)] == ["东风村", "红旗社区"]
    assert sheet["D5"].protection.locked and not sheet["E5"].protection.locked
    sheet["E5"], sheet["E6"] = 7, 5
    wb.save(path)
    # a village changes its own task after the download: the batch is refused, naming it
    t11 = _tasks(ws, "mz_village")[V11]["id"]
    ts.fill(ws, village(V11), t11, {"cadres": 8})
    with pytest.raises(WorkflowError, match="东风村") as err:
        ts.upload_batch(ws, TOWN1, path.read_bytes(), name=path.name)
    assert "版本" in err.value.zh
    assert _tasks(ws, "mz_village")[V12]["version"] == 1  # nothing stored for 红旗社区 either
    ts.download_batch(ws, TOWN1, "mz_village", "2025", path)
    wb = openpyxl.load_workbook(path)
    assert wb.worksheets[0]["E5"].value == 8  # pre-filled with the village's own answer
    wb.worksheets[0]["E6"] = 5
    wb.save(path)
    assert ts.upload_batch(ws, TOWN1, path.read_bytes(), name=path.name)["changed"] == 1


def test_batch_over_the_http_api(tmp_path: Path) -> None:
    """GET /api/task-batch and POST /api/task-batch on a real uvicorn, with bearer tokens."""
    import socket
    import threading
    import time

    import httpx
    import uvicorn

    from biaotong.auth.tokens import create_token
    from biaotong.auth.users import add_user
    from biaotong.web import create_app
    from tests.reports.county import T1, T2

    ws = Workspace.open(tmp_path / "ws")
    install(ws, make_county())
    save_table_form(ws, tmp_path)
    ts.publish(ws, MZ, "mz_form", period="2025", to=COUNTY, level="village")
    for name, org in (("zhen1", T1), ("zhen2", T2)):
        add_user(ws, name, roles=["township"], org_code=org, password=f"{name}-batch-api-2026")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(create_app(ws), log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    clients = [httpx.Client(base_url=url, timeout=120, headers={
        "Authorization": f"Bearer {create_token(ws, name, 'test').token}"}) for name in ("zhen1", "zhen2")]
    try:
        town1, town2 = clients
        got = town1.get("/api/task-batch", params={"report": "mz_form", "period": "2025"})
        assert got.status_code == 200, got.text
        path = tmp_path / "batch.xlsx"
        path.write_bytes(got.content)
        wb = openpyxl.load_workbook(path)
        refs = _meta_cells(path)
        for i, ref in enumerate(sorted(refs)):
            sheet, _, coord = ref.rpartition("!")
            wb[sheet][coord] = "x" if i == 0 else 2
        wb.save(path)
        files = {"file": ("batch.xlsx", path.read_bytes(), "application/octet-stream")}
        bad = town1.post("/api/task-batch", files=files)
        assert bad.status_code == 400 and sorted(refs)[0] in bad.text
        assert town2.post("/api/task-batch", files=files).status_code == 403
        wb[sorted(refs)[0].rpartition("!")[0]][sorted(refs)[0].rpartition("!")[2]] = 4
        wb.save(path)
        ok = town1.post("/api/task-batch", files={"file": ("batch.xlsx", path.read_bytes(), "application/octet-stream")})
        assert ok.status_code == 200, ok.text
        assert ok.json()["changed"] == len(refs)

        # the same from the township's task list page, with its session and CSRF token
        import re
        from html import unescape

        page = httpx.Client(base_url=url, timeout=120, follow_redirects=False)
        clients.append(page)
        token = re.search(r'name="csrf" value="([^"]+)"', page.get("/login").text)
        assert token
        page.post("/login", data={"username": "zhen1", "password": "zhen1-batch-api-2026", "csrf": token.group(1),
                                  "next": "/"})
        listing = page.get("/tasks")
        assert listing.status_code == 200 and 'data-testid="task-batch"' in listing.text
        link = re.search(r'href="(/api/task-batch\?[^"]+)"', listing.text)
        assert link
        sheet_bytes = page.get(unescape(link.group(1))).content
        path.write_bytes(sheet_bytes)
        wb = openpyxl.load_workbook(path)
        first = sorted(_meta_cells(path))[0]
        wb[first.rpartition("!")[0]][first.rpartition("!")[2]] = -3
        wb.save(path)
        csrf = re.search(r'name="csrf" value="([^"]+)"', listing.text)
        assert csrf
        refused = page.post("/tasks/batch-upload", data={"csrf": csrf.group(1)},
                            files={"file": ("batch.xlsx", path.read_bytes(), "application/octet-stream")})
        assert refused.status_code == 400 and first in unescape(refused.text)
        wb[first.rpartition("!")[0]][first.rpartition("!")[2]] = 9
        wb.save(path)
        stored = page.post("/tasks/batch-upload", data={"csrf": csrf.group(1)},
                           files={"file": ("batch.xlsx", path.read_bytes(), "application/octet-stream")})
        assert stored.status_code == 200 and "批量表已导入" in stored.text
    finally:
        for c in clients:
            c.close()
        server.should_exit = True
        thread.join(10)
        sock.close()
        ws.close()
