"""Feedback that departments must answer, the report inventory, and 表外表 — on SQLite and PostgreSQL, with
anonymity checked in the store and the ledger, not only in what the services return."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import openpyxl
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from biaotong.auth.actor import Actor
from biaotong.errors import AccessDenied, WorkflowError
from biaotong.feedback.model import due_after
from biaotong.feedback.tables import feedback_items, feedback_messages
from biaotong.forms.store import save_report
from biaotong.review import approve, review
from biaotong.services import feedback as fb
from biaotong.services import inventory as inv
from biaotong.workspace import Workspace
from tests.reports.county import COUNTY, T1, T2, V11, V12, V21, install, make_county

AUTO = [{"id": "pop_total", "label": "户籍人口", "indicator": "pop_total"},
        {"id": "pop_60plus", "label": "60岁以上", "indicator": "pop_60plus"},
        {"id": "dibao_persons", "label": "低保人数", "indicator": "dibao_persons"}]

VILLAGER = Actor("cun11", frozenset({"grassroots"}), V11, None, "staff", "东风村填报员")
VILLAGER_T2 = Actor("cun21", frozenset({"grassroots"}), V21, None, "staff")
TOWNSHIP = Actor("zhen1", frozenset({"township"}), T1, None, "staff")
MZ = Actor("mz", frozenset({"designer"}), COUNTY, "civil_affairs", "public")
HEALTH = Actor("wj", frozenset({"designer"}), COUNTY, "health", "public")
ADMIN = Actor("sjj", frozenset({"data_admin"}), None, None, "staff")
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # a Monday


def spec(report_id: str, title: str, fields: list[dict[str, Any]], dept: str = "civil_affairs") -> dict[str, Any]:
    return {"id": report_id, "title": title, "department": dept, "period_type": "month", "layout": "aggregate",
            "level": "village", "fields": fields}


@pytest.fixture
def ws(workspace: Workspace) -> Workspace:
    install(workspace, make_county())
    save_report(workspace, spec("mz_a", "人口与低保月报", AUTO), b"xlsx")
    approve(workspace, "mz_a", "字段均由系统生成", "数据局")
    inv.publish(workspace, MZ, "mz_a", to=T1, level="village", basis="《社会救助暂行办法》", basis_ref="国务院令第649号")
    save_report(workspace, spec("wj_b", "老年人健康月报", AUTO[:2], dept="health"), b"xlsx")
    approve(workspace, "wj_b", "可以发布", "数据局")
    inv.publish(workspace, HEALTH, "wj_b")  # the whole county
    return workspace


def _ledger(ws: Workspace) -> list[dict[str, Any]]:
    with ws.engine.connect() as conn:
        return [json.loads(e) for (e,) in conn.execute(sa.text("select event from ledger_entries order by seq"))]


def test_anonymous_feedback_is_answered_without_the_department_learning_the_sender(ws: Workspace) -> None:
    sent = fb.send(ws, VILLAGER, category="unclear", target="field", report_id="mz_a", field="dibao_persons",
                   text="低保人数是否包含本月停保的对象？", anonymous=True, now=NOW)
    token = sent["token"]
    assert sent["department"] == "civil_affairs" and sent["due_at"] == due_after(NOW, 5)
    # the department's inbox shows the item, never who sent it
    inbox = fb.list_items(ws, MZ, now=NOW)
    assert [i["id"] for i in inbox] == [sent["id"]]
    assert "sender" not in inbox[0] and "sender_org" not in inbox[0]
    fb.answer(ws, MZ, sent["id"], "不包含：以报告期末仍在保为准。", now=NOW + timedelta(hours=5))
    # the sender reads the answer with the token alone, and closes it
    mine = fb.show_by_token(ws, token)
    assert mine["status"] == "answered" and mine["thread"][0]["text"].startswith("不包含")
    fb.close(ws, None, token=token, now=NOW + timedelta(days=1))
    # the store keeps no sender, no unit, and not the token itself
    with ws.engine.connect() as conn:
        row = conn.execute(sa.select(feedback_items)).one()
        authors = [r.author for r in conn.execute(sa.select(feedback_messages))]
    assert row.sender is None and row.sender_org is None and row.token_sha256 and token not in str(row)
    assert "cun11" not in authors and V11 not in json.dumps(authors)
    # the ledger records the hash, not the sender
    events = [e for e in _ledger(ws) if e["action"].startswith("feedback.")]
    assert [e["action"] for e in events] == ["feedback.create", "feedback.answer", "feedback.close"]
    assert events[0]["actor"] == "anonymous" and events[0]["hashes"]["feedback_sha256"] == row.content_sha256
    text = json.dumps(events, ensure_ascii=False)
    assert "cun11" not in text and V11 not in text and "东风村" not in text
    # the township does not see anonymous feedback of its villages
    assert fb.list_items(ws, TOWNSHIP, now=NOW) == []


def test_named_feedback_is_seen_by_the_township_and_only_the_sender_closes_or_reopens(ws: Workspace) -> None:
    sent = fb.send(ws, VILLAGER, category="duplicate", target="report", report_id="mz_a",
                   text="与老年人健康月报重复填报户籍人口", now=NOW)
    seen = fb.list_items(ws, TOWNSHIP, now=NOW)
    assert seen[0]["sender"] == "cun11" and seen[0]["sender_org"] == V11
    assert fb.list_items(ws, Actor("zhen2", frozenset({"township"}), T2), now=NOW) == []
    assert fb.list_items(ws, HEALTH, now=NOW) == []  # not health's report
    with pytest.raises(AccessDenied):
        fb.answer(ws, HEALTH, sent["id"], "不归我们")
    fb.answer(ws, MZ, sent["id"], "下月起合并", now=NOW + timedelta(days=1))
    with pytest.raises(AccessDenied, match="只有发送人"):
        fb.reopen(ws, VILLAGER_T2, sent["id"], text="我也觉得")
    with pytest.raises(AccessDenied):
        fb.close(ws, MZ, sent["id"])
    reopened = fb.reopen(ws, VILLAGER, sent["id"], text="仍然重复", now=NOW + timedelta(days=2))
    assert reopened["status"] == "open"
    fb.close(ws, VILLAGER, sent["id"], now=NOW + timedelta(days=3))
    assert fb.show(ws, VILLAGER, sent["id"])["status"] == "closed"


def test_an_overdue_item_is_escalated_to_the_data_administration(ws: Workspace) -> None:
    sent = fb.send(ws, VILLAGER, category="deadline", target="report", report_id="mz_a", text="三天内报不完",
                   now=NOW)
    assert fb.list_items(ws, ADMIN, now=NOW) == []  # civil affairs' to answer, not yet overdue
    later = NOW + timedelta(days=8)  # past 5 working days
    stats = fb.stats(ws, ADMIN, now=later)["departments"]["civil_affairs"]
    assert stats["open"] == 1 and stats["overdue"] == 1 and stats["escalated"] == 1
    item = fb.list_items(ws, ADMIN, now=later)[0]
    assert item["id"] == sent["id"] and item["escalated"]
    fb.answer(ws, ADMIN, sent["id"], "已督促民政局延长时限", now=later)
    assert fb.escalate_overdue(ws, ADMIN, now=later) == []
    events = [e["action"] for e in _ledger(ws)]
    assert "feedback.escalate" in events
    done = fb.stats(ws, MZ, now=later)["departments"]["civil_affairs"]
    assert done["answered"] == 1 and done["median_hours_to_answer"] == pytest.approx(8 * 24, 0.01)


def test_the_inventory_of_a_village_lists_exactly_the_reports_that_reach_it(ws: Workspace) -> None:
    east = inv.for_unit(ws, VILLAGER, on=date(2026, 11, 1))
    assert sorted(r["report"] for r in east["reports"]) == ["mz_a", "wj_b"]
    mz = next(r for r in east["reports"] if r["report"] == "mz_a")
    assert mz["basis"] == "《社会救助暂行办法》" and mz["basis_ref"] == "国务院令第649号"
    assert mz["units_asked"] == 2 and mz["frequency"] == "month" and mz["admission"]["verdict"] == "approve"
    assert mz["approved_at"] is not None and mz["fields_asked_of_people"] == 0
    west = inv.for_unit(ws, VILLAGER_T2, on=date(2026, 11, 1))
    assert [r["report"] for r in west["reports"]] == ["wj_b"]  # mz_a went to 东风镇 only
    with pytest.raises(AccessDenied):
        inv.for_unit(ws, VILLAGER, V21)
    # a report that does not reach the unit cannot be commented on (nor learnt of)
    with pytest.raises(AccessDenied, match="不在下发"):
        fb.send(ws, VILLAGER_T2, category="unclear", target="report", report_id="mz_a", text="?", now=NOW)


def test_an_outside_form_is_counted_against_its_department(ws: Workspace) -> None:
    wb = openpyxl.Workbook()
    wb.active.append(["独居老人摸底表"])
    buf = io.BytesIO()
    wb.save(buf)
    out = fb.report_outside_form(ws, VILLAGER, department="民政局", received_on=date(2026, 10, 30),
                                 title="独居老人摸底表", attachment=("摸底表.xlsx", buf.getvalue()), now=NOW)
    fb.report_outside_form(ws, VILLAGER_T2, department="民政局", received_on=date(2026, 10, 31),
                           title="空巢老人台账", anonymous=True, now=NOW)
    assert out["sending_department"] == "civil_affairs" and out["department"] == "data_administration"
    stats = fb.stats(ws, ADMIN, now=NOW)["departments"]
    assert stats["civil_affairs"]["outside_forms"] == 2
    review_ = inv.yearly_review(ws, ADMIN, 2026)
    assert review_["outside_forms_by_department"] == {"civil_affairs": 2}
    assert len(fb.list_items(ws, ADMIN, now=NOW)) == 2  # the data administration's to answer


def test_admission_review_shows_complaints_about_the_report_it_duplicates(ws: Workspace) -> None:
    for who in (VILLAGER, Actor("cun12", frozenset({"grassroots"}), V12)):
        fb.send(ws, who, category="duplicate", target="report", report_id="mz_a", text="户籍人口每月都要重复报",
                now=NOW)
    dup = [dict(f, id=f"x_{f['id']}") for f in AUTO[:2]]
    save_report(ws, spec("mz_c", "人口月报", dup), b"xlsx")
    r = review(ws, "mz_c")
    assert r.overlaps[0].report == "mz_a"
    assert r.feedback["mz_a"]["counts"] == {"duplicate": 2}
    assert any("2 条基层“重复填报”反馈" in reason for reason in r.reasons)
    assert "cun11" not in json.dumps(r.to_json(), ensure_ascii=False, default=str)
    yearly = inv.yearly_review(ws, ADMIN, 2026)
    mz = next(x for x in yearly["reports"] if x["report"] == "mz_a")
    assert mz["feedback"]["duplicate"] == 2 and mz["burden_hours_per_year"] == 0


def test_bad_input_is_refused_and_nothing_is_stored(ws: Workspace) -> None:
    with pytest.raises(WorkflowError, match="过大"):
        fb.send(ws, VILLAGER, category="other", target="system", text="见附件",
                attachment=("big.png", b"\x89PNG\r\n\x1a\n" + b"0" * 11_000_000), now=NOW)
    with pytest.raises(WorkflowError, match="类型不受支持"):
        fb.send(ws, VILLAGER, category="other", target="system", text="见附件",
                attachment=("evil.png", b"MZ\x90\x00 not an image"), now=NOW)
    with pytest.raises(WorkflowError, match="未知的反馈类别"):
        fb.send(ws, VILLAGER, category="spam", target="system", text="x", now=NOW)
    with pytest.raises(WorkflowError, match="没有字段"):
        fb.send(ws, VILLAGER, category="wrong_data", target="value", report_id="mz_a", field="nope", text="x",
                now=NOW)
    with pytest.raises(AccessDenied):
        fb.send(ws, MZ, category="other", target="system", text="designers do not send grassroots feedback")
    with pytest.raises(WorkflowError, match="凭证无效"):
        fb.show_by_token(ws, "not-a-token")
    with ws.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(feedback_items)).scalar() == 0
    assert not [e for e in _ledger(ws) if e["action"].startswith("feedback.")]


def test_working_days_skip_weekends() -> None:
    friday = datetime(2026, 11, 6, 17, 0, tzinfo=UTC)
    assert due_after(friday, 1) == datetime(2026, 11, 9, 17, 0, tzinfo=UTC)
    assert due_after(friday, 5) == datetime(2026, 11, 13, 17, 0, tzinfo=UTC)


def test_inventory_and_stats_commands_print_json(ws: Workspace) -> None:
    from biaotong.cli.main import app

    runner = CliRunner()
    home = str(ws.home)
    ws.close()
    out = runner.invoke(app, ["--home", home, "inventory", "--org", V11, "--json"])
    assert out.exit_code == 0, out.output
    assert sorted(r["report"] for r in json.loads(out.stdout)["reports"]) == ["mz_a", "wj_b"]
    out = runner.invoke(app, ["--home", home, "feedback", "stats", "--json"])
    assert out.exit_code == 0, out.output
    assert "departments" in json.loads(out.stdout)
    out = runner.invoke(app, ["--home", home, "inventory", "basis", "nope", "--text", "x"])
    assert out.exit_code == 2 and "不在报表清单" in out.output
