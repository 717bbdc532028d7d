"""Feedback, the inventory, data quality and life events over a real uvicorn on 127.0.0.1 (the county and
users of test_workflow_tasks): anonymous feedback sent through the page shows no sender to the department
(pages, API and the ledger); a script in feedback text is rendered inert; the anonymous sender reads the answer
with the token; attachments checked by content; 表外表 counted against its department; pages refused for a
wrong role or a unit out of scope."""

from __future__ import annotations

import re

import sqlalchemy as sa

from biaotong.feedback.tables import feedback_items
from tests.reports.county import V11, V21
from tests.web.test_workflow_tasks import Site, csrf, site  # noqa: F401  (the module's served county)

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40


def test_anonymous_feedback_reaches_the_department_without_its_sender(site: Site) -> None:  # noqa: F811
    cun11 = site.login("cun11")
    form = cun11.get("/feedback/new?report=mz_village")
    assert form.status_code == 200 and 'value="mz_village" selected' in form.text
    sent = cun11.post("/feedback/new", data={"csrf": csrf(cun11, "/feedback/new"), "category": "duplicate",
                                             "target": "report", "report": "mz_village", "text": f"与人口年报重复 {XSS}",
                                             "anonymous": "true"}, files={"file": ("", b"", "application/octet-stream")})
    assert sent.status_code == 200, sent.text
    token = re.search(r'data-testid="token">([^<]+)<', sent.text).group(1)  # type: ignore[union-attr]
    fid = int(re.search(r'data-testid="feedback-id">(\d+)<', sent.text).group(1))  # type: ignore[union-attr]

    mz = site.login("mz")
    inbox = mz.get("/feedback")
    assert inbox.status_code == 200 and f'href="/feedback/{fid}"' in inbox.text
    item = mz.get(f"/feedback/{fid}")
    assert item.status_code == 200 and "cun11" not in item.text and V11 not in item.text
    assert "<script>alert" not in item.text and "&lt;script&gt;alert" in item.text  # inert
    assert "<img src=x" not in item.text
    assert "sender" not in mz.get(f"/api/feedback/{fid}").json()
    with site.ws.engine.connect() as conn:  # the ledger names no sender either
        details = [f"{r[0]} {r[1]}" for r in conn.execute(sa.text(
            "select actor, event from ledger_entries where object = :o"), {"o": f"feedback:{fid}"})]
    assert details and not any("cun11" in str(d) or V11 in str(d) for d in details)
    assert site.login("zhen1").get(f"/feedback/{fid}").status_code == 403  # a township never reads anonymous items

    answered = mz.post(f"/feedback/{fid}/answer", data={"csrf": csrf(mz), "text": "将与人口年报合并"})
    assert answered.status_code == 303
    read = cun11.post("/feedback/token", data={"csrf": csrf(cun11), "token": token, "action": "read"})
    assert read.status_code == 200 and "将与人口年报合并" in read.text and "已答复" in read.text
    assert "/feedback/token?token" not in read.text  # the token travels in form bodies only
    closed = cun11.post("/feedback/token", data={"csrf": csrf(cun11), "token": token, "action": "close"})
    assert closed.status_code == 200 and "已关闭" in closed.text
    wrong = cun11.post("/feedback/token", data={"csrf": csrf(cun11), "token": "not-a-token", "action": "read"})
    assert wrong.status_code == 404


def test_named_feedback_with_an_attachment_and_the_townships_view(site: Site) -> None:  # noqa: F811
    cun11 = site.login("cun11")
    token = csrf(cun11, "/feedback/new")
    bad = cun11.post("/feedback/new", data={"csrf": token, "category": "unclear", "target": "report",
                                            "report": "mz_village", "text": "口径？"},
                     files={"file": ("photo.png", b"MZ\x90\x00 not an image", "image/png")})
    assert bad.status_code == 400 and "附件" in bad.text
    ok = cun11.post("/feedback/new", data={"csrf": token, "category": "unclear", "target": "field",
                                           "report": "mz_village", "field": "grids", "text": "网格数口径不清"},
                    files={"file": ("photo.png", PNG, "image/png")})
    assert ok.status_code == 200, ok.text
    fid = int(re.search(r'data-testid="feedback-id">(\d+)<', ok.text).group(1))  # type: ignore[union-attr]
    assert f'href="/feedback/{fid}"' in cun11.get("/feedback").text  # "my feedback"
    zhen1 = site.login("zhen1")
    assert "cun11" in zhen1.get(f"/feedback/{fid}").text  # its village's named feedback
    assert site.login("zhen2").get(f"/feedback/{fid}").status_code == 403
    assert site.login("cun21").get(f"/api/feedback/{fid}").status_code == 403
    refused = zhen1.post(f"/feedback/{fid}/answer", data={"csrf": csrf(zhen1), "text": "我来答"})
    assert refused.status_code == 403  # only the owning department answers
    outside = site.login("cun21").post("/feedback/new", data={
        "csrf": csrf(site.login("cun21")), "category": "other", "target": "report", "report": "no_such", "text": "?"})
    assert outside.status_code in (400, 403)
    with site.ws.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(feedback_items)
                            .where(feedback_items.c.report_id == "no_such")).scalar() == 0  # nothing stored


def test_an_outside_form_is_counted_against_its_department(site: Site) -> None:  # noqa: F811
    cun21 = site.login("cun21")
    page = cun21.get("/feedback/outside")
    assert page.status_code == 200 and 'value="education"' in page.text
    future = cun21.post("/feedback/outside", data={"csrf": csrf(cun21), "department": "education",
                                                   "received_on": "2999-01-01", "title": "学生资助摸底表"})
    assert future.status_code == 400 and "收到日期" in future.text
    sent = cun21.post("/feedback/outside", data={"csrf": csrf(cun21), "department": "education",
                                                 "received_on": "2026-01-05", "title": "学生资助摸底表"})
    assert sent.status_code == 200 and 'data-testid="feedback-id"' in sent.text
    stats = site.login("sjj").get("/api/feedback/stats").json()["departments"]
    assert stats["education"]["outside_forms"] == 1
    dashboard = site.login("sjj").get("/burden").text
    assert "education" in dashboard and 'data-testid="burden-feedback"' in dashboard


def test_the_inventory_for_my_unit(site: Site) -> None:  # noqa: F811
    cun11 = site.login("cun11")
    page = cun11.get("/inventory")
    assert page.status_code == 200 and "mz_village" in page.text and "村级基本情况年报" in page.text
    assert cun11.get(f"/inventory?org={V21}").status_code == 403
    assert cun11.get("/api/inventory").json()["reports"][0]["report"] == "mz_village"
    mz = site.login("mz")
    assert "mz_village" in mz.get(f"/inventory?org={V11}").text  # a county department looks at one of its villages
    basis = mz.post("/inventory/mz_village/basis", data={"csrf": csrf(mz), "basis": "《统计法》", "org": V11,
                                                         "basis_ref": "国统字〔2025〕1号"})
    assert basis.status_code == 200 and "国统字〔2025〕1号" in basis.text
    gaj = site.login("gaj")
    assert gaj.post("/inventory/mz_village/basis", data={"csrf": csrf(gaj), "basis": "x", "basis_ref": "y"}
                    ).status_code == 403  # not its report
    review = site.login("sjj").get("/inventory/review?year=2026")
    assert review.status_code == 200 and 'data-testid="inventory-review"' in review.text


def test_quality_and_events_pages_for_the_data_administration(site: Site) -> None:  # noqa: F811
    sjj = site.login("sjj")
    run = sjj.post("/api/quality/run", headers={"X-CSRF-Token": csrf(sjj)}, json={})
    assert run.status_code == 200, run.text
    assert sjj.post("/api/quality/run", json={}).status_code == 403  # no CSRF token with the session cookie
    report = sjj.get("/api/quality/report").json()
    page = sjj.get("/quality")
    assert page.status_code == 200 and f"{report['stats']['findings']}" in page.text
    if report["findings"]:
        first = report["findings"][0]
        filtered = sjj.get("/quality", params={"check": first["check"]})
        assert filtered.status_code == 200 and first["title"] in filtered.text
    completeness = sjj.get("/quality/completeness")
    assert completeness.status_code == 200 and "gaj_rk" in completeness.text
    assert site.login("cun11").get("/quality").status_code == 403
    assert site.login("mz").get("/quality/completeness").status_code == 403
    assert site.login("cun11").get("/api/quality/completeness").status_code == 403

    events = sjj.get("/events?since=2000-01-01")
    assert events.status_code == 200 and 'name="types"' in events.text
    assert site.login("cun11").get("/events").status_code == 403
    mz = site.login("mz")
    sub = mz.post("/events/subscriptions", data={"csrf": csrf(mz), "types": ["died", "turned_80"], "action": "notify"})
    assert sub.status_code == 200 and "已订阅" in sub.text
    other = mz.post("/api/events/subscriptions", headers={"X-CSRF-Token": csrf(mz)},
                    json={"department": "education", "types": ["died"]})
    assert other.status_code == 403  # only for its own department
    assert mz.get("/api/events", params={"since": "2000-01-01", "org": V21}).status_code == 200
    assert site.login("cun11").get("/api/events", params={"since": "2000-01-01", "org": V21}).status_code == 403
