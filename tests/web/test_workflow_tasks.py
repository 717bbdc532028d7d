"""The task pages and API over a real uvicorn on 127.0.0.1: a small county with a report asking three fields
published to its villages; pages refused for a wrong role or a unit out of scope; a village fills and submits
through the web form, a township returns it with a comment per field, a stale approve is refused with the
service's message, then the township approves; a wrong value flagged; the sheet downloaded and uploaded back;
the burden dashboard's charts carry the service's figures."""

from __future__ import annotations

import io
import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from html import unescape

import httpx
import openpyxl
import pytest
import uvicorn

from biaotong.auth.tokens import create_token
from biaotong.auth.users import add_user, resolve_actor
from biaotong.forms.store import save_report
from biaotong.review import approve
from biaotong.services import tasks as ts
from biaotong.web import create_app
from biaotong.workspace import Workspace
from tests.reports.county import COUNTY, T1, T2, V11, V12, V21, V22, install, make_county
from tests.tasks.test_tasks import FIELDS, spec

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
USERS = {  # username: (role, org, department)
    "mz": ("designer", COUNTY, "civil_affairs"), "gaj": ("designer", COUNTY, "public_security"),
    "zhen1": ("township", T1, None), "zhen1b": ("township", T1, None), "zhen2": ("township", T2, None),
    "cun11": ("grassroots", V11, None), "cun12": ("grassroots", V12, None), "cun21": ("grassroots", V21, None),
    "cun22": ("grassroots", V22, None),
    "sjj": ("data_admin", None, None), "audit": ("auditor", None, None),
}


@dataclass
class Site:
    ws: Workspace
    url: str
    tasks: dict[str, int]  # village code → its task of mz_village 2025
    clients: list[httpx.Client] = field(default_factory=list)

    def login(self, username: str) -> httpx.Client:
        client = httpx.Client(base_url=self.url, follow_redirects=False, timeout=120)
        self.clients.append(client)
        token = CSRF.search(client.get("/login").text)
        assert token
        r = client.post("/login", data={"username": username, "password": password(username),
                                        "csrf": token.group(1), "next": "/"})
        assert r.status_code == 303, r.text
        return client


def password(username: str) -> str:
    return f"{username}-web-workflow-2026"


def csrf(client: httpx.Client, path: str = "/") -> str:
    m = CSRF.search(client.get(path).text)
    assert m
    return m.group(1)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    ws = Workspace.open(tmp_path_factory.mktemp("web-workflow") / "ws")
    install(ws, make_county())
    save_report(ws, spec("mz_village", FIELDS, rules=["grids <= cadres"]), b"xlsx")
    approve(ws, "mz_village", "仅 3 项需基层填报", "数据局")
    for name, (role, org, dept) in USERS.items():
        add_user(ws, name, roles=[role], org_code=org, department=dept, password=password(name))
    ts.publish(ws, resolve_actor(ws, "mz"), "mz_village", period="2025", to=COUNTY, level="village",
               due=date.today() + timedelta(days=30))
    tasks = {t["org_code"]: t["id"] for t in ts.list_tasks(ws, resolve_actor(ws, "sjj"))}
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(create_app(ws), log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started
    try:
        yield (built := Site(ws, f"http://127.0.0.1:{sock.getsockname()[1]}", tasks))
    finally:
        for c in built.clients:
            c.close()
        server.should_exit = True
        thread.join(10)
        sock.close()
        ws.close()


def test_task_pages_for_the_right_role_and_scope_only(site: Site) -> None:
    cun11 = site.login("cun11")
    listing = cun11.get("/tasks")
    assert listing.status_code == 200 and f'href="/tasks/{site.tasks[V11]}"' in listing.text
    assert f'href="/tasks/{site.tasks[V21]}"' not in listing.text  # another township's village
    form = cun11.get(f"/tasks/{site.tasks[V11]}")
    assert form.status_code == 200
    assert 'name="v_cadres"' in form.text and 'name="v_pop"' not in form.text  # pre-filled: read-only
    assert "gaj_rk" in form.text and "系统预填" in form.text  # with its source
    assert cun11.get(f"/tasks/{site.tasks[V21]}").status_code == 403
    assert cun11.get("/tasks/review").status_code == 403
    assert cun11.get("/tasks/progress").status_code == 403
    api = cun11.get(f"/api/tasks/{site.tasks[V21]}")
    assert api.status_code == 403 and api.json()["error"] == "AccessDenied"
    assert cun11.get("/api/tasks").json()[0]["org_code"] == V11

    mz = site.login("mz")
    progress = mz.get("/tasks/progress?report=mz_village&period=2025")
    assert progress.status_code == 200 and "东风镇" in progress.text and "西山乡" in progress.text
    assert mz.get("/api/tasks/progress", params={"report": "mz_village", "period": "2025"}).json()["tasks"] == 5
    assert mz.get("/tasks/review").status_code == 200  # a department reviews too
    assert mz.get("/api/tasks/review-queue").json() == []  # nothing has reached the department yet
    assert cun11.get("/api/tasks/review-queue").status_code == 403
    en = cun11.get(f"/tasks/{site.tasks[V11]}?lang=en")
    assert "Submit for review" in en.text


def test_a_village_fills_and_submits_and_the_township_approves(site: Site) -> None:
    t11 = site.tasks[V11]
    cun11 = site.login("cun11")
    token = csrf(cun11, f"/tasks/{t11}")
    assert cun11.post(f"/tasks/{t11}/fill", data={"v_cadres": "7"}).status_code == 403  # no CSRF token
    bad = cun11.post(f"/tasks/{t11}/fill", data={"csrf": token, "version": "1", "v_cadres": "7.5", "action": "save"})
    assert bad.status_code == 400 and "应填整数" in bad.text
    saved = cun11.post(f"/tasks/{t11}/fill", data={"csrf": token, "version": "1", "v_cadres": "7", "v_grids": "3",
                                                    "v_output": "1234.5", "action": "save"})
    assert saved.status_code == 303 and saved.headers["location"].endswith("done=saved")
    page = cun11.get(f"/tasks/{t11}?done=saved")
    assert 'value="7"' in page.text and "已保存" in page.text
    version = int(re.search(r'data-testid="version">(\d+)<', page.text).group(1))  # type: ignore[union-attr]
    sent = cun11.post(f"/tasks/{t11}/fill", data={"csrf": token, "version": str(version), "action": "submit"})
    assert sent.status_code == 303 and sent.headers["location"].endswith("done=submitted")
    assert cun11.get(f"/api/tasks/{t11}").json()["status"] == "submitted"

    zhen1, zhen1b = site.login("zhen1"), site.login("zhen1b")
    assert f'href="/tasks/{t11}"' in zhen1.get("/tasks/review").text
    assert site.login("zhen2").get(f"/tasks/{t11}").status_code == 403  # not its village
    view = zhen1.get(f"/tasks/{t11}").text
    assert 'data-testid="review-form"' in view and 'name="c_cadres"' in view
    version = int(re.search(r'name="version" value="(\d+)"', view).group(1))  # type: ignore[union-attr]
    stale_page_token = csrf(zhen1b, f"/tasks/{t11}")  # the second reviewer opened the same version
    back = zhen1.post(f"/tasks/{t11}/review", data={"csrf": csrf(zhen1), "version": str(version), "verdict": "return",
                                                    "c_cadres": "换届后应为 6 人"})
    assert back.status_code == 303
    stale = zhen1b.post(f"/tasks/{t11}/review", data={"csrf": stale_page_token, "version": str(version),
                                                      "verdict": "approve"})
    assert stale.status_code == 400 and "已被他人修改" in stale.text  # the service's message, nothing lost
    shown = cun11.get(f"/tasks/{t11}").text
    assert "换届后应为 6 人" in shown and "已退回" in shown

    fixed = cun11.post(f"/tasks/{t11}/fill", data={"csrf": token, "v_cadres": "6", "reason": "按乡镇意见更正",
                                                    "action": "submit"})
    assert fixed.status_code == 303
    version = cun11.get(f"/api/tasks/{t11}").json()["version"]
    ok = zhen1.post(f"/tasks/{t11}/review", data={"csrf": csrf(zhen1), "version": str(version), "verdict": "approve"})
    assert ok.status_code == 303 and ok.headers["location"] == f"/tasks/review?done={t11}"
    assert cun11.get(f"/api/tasks/{t11}").json()["status"] == "reviewed"  # passed on to the department
    mz = site.login("mz")  # the publishing department gives the final approval
    assert f'href="/tasks/{t11}"' in mz.get("/tasks/review").text
    final_view = mz.get(f"/tasks/{t11}").text
    assert 'data-testid="review-form"' in final_view and 'data-testid="previous"' in final_view
    last = mz.post(f"/tasks/{t11}/review", data={"csrf": csrf(mz), "version": str(version + 1), "verdict": "approve"})
    assert last.status_code == 303
    final = cun11.get(f"/api/tasks/{t11}").json()
    assert final["status"] == "approved"
    assert {f["id"]: f["value"] for f in final["fields"]}["cadres"] == 6
    assert cun11.get(f"/tasks/{t11}").text.count('name="v_') == 0  # approved: nothing left to type


def test_flag_a_wrong_value_and_fill_by_sheet(site: Site) -> None:
    t12 = site.tasks[V12]
    cun12 = site.login("cun12")
    token = csrf(cun12, f"/tasks/{t12}")
    empty = cun12.post(f"/tasks/{t12}/flag", data={"csrf": token, "field": "pop", "reason": "  "})
    assert empty.status_code == 400 and "理由" in empty.text
    flagged = cun12.post(f"/tasks/{t12}/flag", data={"csrf": token, "field": "pop", "reason": "王某已于 2025 年 10 月死亡"})
    assert flagged.status_code == 303
    assert 'data-testid="flagged"' in cun12.get(f"/tasks/{t12}").text
    gaj = site.login("gaj")  # the register's department answers it
    corrections = gaj.get("/tasks/corrections")
    assert "王某已于 2025 年 10 月死亡" in corrections.text
    cid = gaj.get("/api/corrections").json()[0]["id"]
    mz = site.login("mz")
    refused = mz.post(f"/tasks/corrections/{cid}", data={"csrf": csrf(mz), "verdict": "accept", "answer": "不归民政"})
    assert refused.status_code == 403  # not civil affairs' system
    answered = gaj.post(f"/tasks/corrections/{cid}", data={"csrf": csrf(gaj), "verdict": "accept", "answer": "已核实"})
    assert answered.status_code == 200 and "已核实" in answered.text

    sheet = cun12.get(f"/api/tasks/{t12}/download")
    assert sheet.status_code == 200 and sheet.content.startswith(b"PK")
    wb = openpyxl.load_workbook(io.BytesIO(sheet.content))
    ws = wb.worksheets[0]
    labels = {f["label"]: v for f, v in zip(FIELDS[1:], (5, 2, 800), strict=True)}
    for row in ws.iter_rows(min_row=5):
        if row[1].value in labels:
            row[3].value = labels[row[1].value]
    buf = io.BytesIO()
    wb.save(buf)
    up = cun12.post(f"/tasks/{t12}/upload", data={"csrf": token},
                    files={"file": ("task.xlsx", buf.getvalue(), "application/octet-stream")})
    assert up.status_code == 303, up.text
    values = {f["id"]: f["value"] for f in cun12.get(f"/api/tasks/{t12}").json()["fields"]}
    assert values["cadres"] == 5 and values["grids"] == 2
    wrong = cun12.post(f"/tasks/{t12}/upload", data={"csrf": token},
                       files={"file": ("task.xlsx", b"not a workbook", "application/octet-stream")})
    assert wrong.status_code == 400 and "xlsx" in wrong.text


def test_the_burden_dashboard_charts_the_services_figures(site: Site) -> None:
    sjj = site.login("sjj")
    page = sjj.get("/burden?period=2025")
    assert page.status_code == 200
    assert '<script src="/static/charts.js" defer></script>' in page.text and "<script>" not in page.text
    options = [json.loads(unescape(m)) for m in re.findall(r"data-echarts='([^']+)'", page.text)]
    assert len(options) == 4
    expected = ts.burden(site.ws, resolve_actor(site.ws, "sjj"), "2025")
    by_report = options[0]
    assert by_report["xAxis"]["data"] == ["mz_village"]
    assert sum(by_report["series"][0]["data"]) == pytest.approx(expected["totals"]["hours_saved"], abs=0.01)
    fields = options[2]
    assert sum(fields["series"][2]["data"]) == expected["totals"]["typed"]
    api = sjj.get("/api/burden/dashboard", params={"period": "2025"}).json()
    assert api["totals"] == expected["totals"] and set(api["townships"]) <= {T1, T2}
    assert sjj.get("/static/charts.js").status_code == 200
    assert site.login("cun11").get(f"/burden?org={V21}").status_code == 403
    assert site.login("cun11").get("/api/burden", params={"period": "2025", "org": V21}).status_code == 403


def test_every_workflow_route_is_in_the_openapi_document(site: Site) -> None:
    paths = httpx.get(f"{site.url}/api/openapi.json").json()["paths"]
    for p in ("/api/tasks", "/api/tasks/{task_id}/fill", "/api/tasks/{task_id}/review", "/api/corrections",
              "/api/feedback", "/api/feedback/{fid}/answer", "/api/inventory", "/api/quality/report",
              "/api/quality/completeness", "/api/events", "/api/burden", "/api/burden/dashboard"):
        assert p in paths, p
    assert not any(p.startswith("/tasks") for p in paths)  # pages stay out of it


def test_the_json_api_with_bearer_tokens(site: Site) -> None:
    t22 = site.tasks[V22]
    village = httpx.Client(base_url=site.url, timeout=120,
                           headers={"Authorization": f"Bearer {create_token(site.ws, 'cun22', 'test').token}"})
    town = httpx.Client(base_url=site.url, timeout=120,
                        headers={"Authorization": f"Bearer {create_token(site.ws, 'zhen2', 'test').token}"})
    site.clients += [village, town]
    assert [t["id"] for t in village.get("/api/tasks").json()] == [t22]
    bad = village.post(f"/api/tasks/{t22}/fill", json={"values": {"cadres": "many"}})
    assert bad.status_code == 400 and bad.json()["error"] == "WorkflowError"
    filled = village.post(f"/api/tasks/{t22}/fill", json={"values": {"cadres": 6, "grids": 2, "output": 0},
                                                          "version": 1})
    assert filled.status_code == 200, filled.text
    assert village.post(f"/api/tasks/{t22}/submit").json()["status"] == "submitted"
    version = town.get(f"/api/tasks/{t22}").json()["version"]
    stale = town.post(f"/api/tasks/{t22}/review", json={"verdict": "approve", "version": version - 1})
    assert stale.status_code == 400 and "已被他人修改" in stale.json()["message"]
    assert town.post(f"/api/tasks/{t22}/review", json={"verdict": "approve", "version": version}).json()[
        "status"] == "reviewed"  # the township's word; the department's is next
    sent = village.post("/api/feedback", data={"category": "burden", "target": "report", "report": "mz_village",
                                               "text": "填报项目太多"})
    assert sent.status_code == 200 and sent.json()["department"] == "civil_affairs"
    assert "token" not in sent.json()  # named: no token
