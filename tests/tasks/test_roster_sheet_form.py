"""A roster task's sheet is the department's own roster form when the report was saved from one, on SQLite and
PostgreSQL: a real 低保 roster .xlsx drawn (title, 填报单位 line, header, notes, footer), imported, saved and
published to villages; a village's download is that form filled as `report generate --format template` fills
it, 近期动态 unlocked and yellow per person, every other cell locked, the sheet protected, the hidden sheet
holding hashed keys only; bad cells are named by cell, row and masked name, another task's sheet, a stale
version, a changed form and an unknown row are refused with nothing stored; the approved answers show in
the regenerated roster. A person's wrong system value is flagged to the department owning it, by key."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa
from openpyxl.cell.cell import MergedCell
from openpyxl.styles import Alignment, Border, Font, Side

from biaotong.auth.actor import Actor
from biaotong.errors import WorkflowError
from biaotong.forms.export import write_template
from biaotong.forms.service import import_form
from biaotong.forms.spec import build_spec
from biaotong.forms.store import save_report
from biaotong.reports.generate import generate
from biaotong.review import approve
from biaotong.services import tasks as ts
from biaotong.store.schema import report_specs
from biaotong.tasks.corrections import after_sync
from biaotong.tasks.entitykey import entity_key, entity_secret
from biaotong.tasks.tables import answers, corrections
from biaotong.workspace import Workspace
from tests.reports.county import T1, V11, V12, County, add_snapshot, install, make_county
from tests.tasks.formfix import ADMIN, MZ, TOWN1, village

REPORT = "mz_dibao_form"
PERIOD = "2025-06"
SHEET = "低保花名册"
HEADS = ["序号", "姓名", "性别", "身份证号", "所属村（社区）", "家庭住址", "联系电话", "月保障金（元）", "近期动态"]
DIBAO = "assistance_category = '低保' and (assistance_end_date is null or not before_period_end(assistance_end_date))"


def draw_form(path: Path, *, footer: str = "第 &P 页") -> Path:
    """The department's roster as drawn: title, 填报单位 line, one header row, three blank rows, notes, footer."""
    wb = openpyxl.Workbook()
    s = wb.active
    s.title = SHEET
    s.merge_cells("A1:I1")
    s["A1"] = "低保对象动态花名册"
    s["A1"].font = Font(bold=True, size=16)
    s["A1"].alignment = Alignment(horizontal="center")
    s["A2"] = "填报单位：                    填报日期："
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    for c, head in enumerate(HEADS, start=1):
        s.cell(3, c, head).font = Font(bold=True)
        for r in range(3, 7):
            s.cell(r, c).border = box
    s["A8"] = "注：近期动态填写走访了解的最新情况（住院、外出务工等）。"
    s["A9"] = "填表人：            审核人：            联系电话："
    s.column_dimensions["I"].width = 30
    s.oddFooter.center.text = footer
    wb.save(path)
    return path


@pytest.fixture
def county() -> County:
    return make_county()


@pytest.fixture
def ws(workspace: Workspace, county: County, tmp_path: Path) -> Workspace:
    install(workspace, county)
    layout, proposals, raw = import_form(draw_form(tmp_path / "低保对象动态花名册.xlsx"), ws=workspace)
    assert layout.kind == "roster" and {p.column: p.target for p in proposals}["I"] == "resident.recent_situation"
    spec = build_spec(layout, proposals, report_id=REPORT, title=None, department="civil_affairs",
                      period_type="month", roster_filter=DIBAO)
    save_report(workspace, spec, raw)
    approve(workspace, REPORT, "近期动态由村逐人填报", "数据局")
    return workspace


def _task(ws: Workspace, org: str) -> int:
    return next(t["id"] for t in ts.list_tasks(ws, ADMIN, report=REPORT, period=PERIOD) if t["org_code"] == org)


def _clear_ids(county: County) -> list[str]:
    return [str(r["id_number"]) for r in county.residents if r.get("id_number")]


def _text_of(path: Path) -> str:
    wb = openpyxl.load_workbook(path)
    return json.dumps([[c.value for row in s.iter_rows() for c in row] for s in wb.worksheets], default=str,
                      ensure_ascii=False)


def test_roster_form_round_trip(ws: Workspace, county: County, tmp_path: Path) -> None:
    ts.publish(ws, MZ, REPORT, period=PERIOD, to=T1, level="village")
    t11, t12 = _task(ws, V11), _task(ws, V12)
    view = ts.show(ws, village(V11), t11)
    n = len(view["rows"])
    assert view["kind"] == "roster" and view["asked"] == ["recent_situation"] and n >= 2
    path = tmp_path / "t11.xlsx"
    ts.download(ws, village(V11), t11, path)

    # the department's own form, filled for the unit as `report generate --format template` fills it
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == [SHEET, "_biaotong"] and wb["_biaotong"].sheet_state == "veryHidden"
    sheet = wb[SHEET]
    assert sheet["A1"].value == "低保对象动态花名册" and [c.value for c in sheet[3]] == HEADS
    assert "东风村" in sheet["A2"].value and sheet.oddFooter.center.text == "第 &P 页"
    assert [sheet.cell(4 + i, 2).value for i in range(n)] == [r["values"]["name"] for r in view["rows"]]
    assert [sheet.cell(4 + i, 1).value for i in range(n)] == list(range(1, n + 1))
    assert all(sheet.cell(4 + i, 5).value == "东风村" for i in range(n))
    assert any(str(c.value or "").startswith("注：近期动态") for c in sheet["A"])  # notes kept below the rows
    exported = tmp_path / "export.xlsx"
    write_template(generate(ws, REPORT, PERIOD, V11, role="staff"), exported, ws=ws)
    ex = openpyxl.load_workbook(exported)[SHEET]
    for r in range(4, 4 + n):  # the system columns cell for cell; 近期动态 is blank in both before any answer
        assert [sheet.cell(r, c).value for c in range(1, 10)] == [ex.cell(r, c).value for c in range(1, 10)]

    # 近期动态 of each person unlocked and yellow, everything else locked, the sheet protected
    assert sheet.protection.sheet
    unlocked = {c.coordinate for row in sheet.iter_rows() for c in row
                if not isinstance(c, MergedCell) and not c.protection.locked}
    assert unlocked == {f"I{r}" for r in range(4, 4 + n)}
    assert all(sheet[ref].fill.fgColor.rgb.endswith("FFF2CC") for ref in unlocked)
    assert sheet["B4"].protection.locked and sheet["A1"].protection.locked and sheet["H4"].protection.locked

    # the hidden sheet maps each data row to the person's hashed key: no clear ID anywhere in the book
    meta = json.loads(wb["_biaotong"]["A1"].value)
    assert meta["task"] == t11 and meta["version"] == view["version"] and meta["columns"] == {"recent_situation": "I"}
    assert meta["rows"] == {str(4 + i): r["key"] for i, r in enumerate(view["rows"])}
    assert not any(i in _text_of(path) for i in _clear_ids(county))

    # a bad cell is named by its cell, the person's row and masked name; nothing is stored
    long_row = 5
    for r in range(4, 4 + n):
        sheet.cell(r, 9).value = "长" * 2001 if r == long_row else f"东风村第{r - 3}人：身体尚可"
    wb.save(path)
    with pytest.raises(WorkflowError) as bad:
        ts.upload(ws, village(V11), t11, path.read_bytes(), name="t11.xlsx")
    who = view["rows"][1]["values"]["name"]
    assert f"{SHEET}!I{long_row}" in bad.value.zh and "第 2 行" in bad.value.zh and f"{who[0]}*" in bad.value.zh
    assert bad.value.where.column == f"{SHEET}!I{long_row}"
    assert ts.show(ws, village(V11), t11)["missing"] == n

    # a row whose key is not the task's is refused naming its cell and row; nothing stored
    book = openpyxl.load_workbook(path)
    book[SHEET].cell(long_row, 9).value = "东风村第2人：住院"
    book.save(path)
    book["_biaotong"]["A1"] = json.dumps({**meta, "rows": {**meta["rows"], "4": "e" * 64}})
    book.save(tmp_path / "unknown.xlsx")
    with pytest.raises(WorkflowError, match="不在本任务的花名册中") as unknown:
        ts.upload(ws, village(V11), t11, (tmp_path / "unknown.xlsx").read_bytes(), name="unknown.xlsx")
    assert f"{SHEET}!B4 第 1 行" in unknown.value.zh

    # another task's sheet, and a sheet of a form since changed, are refused before anything is read
    other = tmp_path / "t12.xlsx"
    ts.download(ws, village(V12), t12, other)
    with pytest.raises(WorkflowError, match=f"不是任务 {t11} 的花名册"):
        ts.upload(ws, village(V11), t11, other.read_bytes(), name="t12.xlsx")
    with ws.engine.connect() as conn:
        stored = conn.execute(sa.select(report_specs.c.template).where(report_specs.c.id == REPORT)).scalar_one()
    changed = draw_form(tmp_path / "changed.xlsx", footer="第 &P 页 共 &N 页").read_bytes()
    with ws.engine.begin() as conn:  # the stored workbook replaced (as a re-import under review would)
        conn.execute(sa.update(report_specs).where(report_specs.c.id == REPORT).values(template=changed))
    with pytest.raises(WorkflowError, match="表样与当前任务不一致"):
        ts.upload(ws, village(V11), t11, path.read_bytes(), name="t11.xlsx")
    with ws.engine.begin() as conn:
        conn.execute(sa.update(report_specs).where(report_specs.c.id == REPORT).values(template=bytes(stored)))
    with ws.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(answers)).scalar_one() == 0

    # matched back by key: the answers stored per person; the same sheet again is a stale version
    expected = {meta["rows"][str(r)]: openpyxl.load_workbook(path)[SHEET].cell(r, 9).value for r in range(4, 4 + n)}
    assert ts.upload(ws, village(V11), t11, path.read_bytes(), name="t11.xlsx")["changed"] == n
    with pytest.raises(WorkflowError, match="版本"):
        ts.upload(ws, village(V11), t11, path.read_bytes(), name="t11.xlsx")
    again = tmp_path / "again.xlsx"
    ts.download(ws, village(V11), t11, again)  # the answers come back in their cells
    assert [openpyxl.load_workbook(again)[SHEET].cell(r, 9).value for r in range(4, 4 + n)] == list(expected.values())

    ts.submit(ws, village(V11), t11)
    assert ts.review(ws, TOWN1, t11, "approve")["status"] == "reviewed"
    ts.review(ws, MZ, t11, "approve")
    shown = ts.show(ws, ADMIN, t11)
    got = generate(ws, REPORT, PERIOD, V11, role="staff")
    assert [r["recent_situation"] for r in got.records] == [expected[r["key"]] for r in shown["rows"]]
    write_template(got, exported, ws=ws)
    ex = openpyxl.load_workbook(exported)[SHEET]
    assert [ex.cell(r, 9).value for r in range(4, 4 + n)] == list(expected.values())


def test_without_a_stored_form_the_roster_task_keeps_biaotongs_layout(ws: Workspace, tmp_path: Path) -> None:
    with ws.engine.begin() as conn:  # the report without its workbook: nothing to fill but biaotong's layout
        conn.execute(sa.update(report_specs).where(report_specs.c.id == REPORT).values(template=None))
    ts.publish(ws, MZ, REPORT, period=PERIOD, to=T1, level="village")
    path = tmp_path / "own.xlsx"
    ts.download(ws, village(V11), _task(ws, V11), path)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["花名册", "_biaotong"] and wb["花名册"]["A4"].value == "序号"


def test_a_persons_wrong_value_is_flagged_to_its_owner(ws: Workspace, county: County) -> None:
    ts.publish(ws, MZ, REPORT, period=PERIOD, to=T1, level="village")
    t12 = _task(ws, V12)
    view = ts.show(ws, village(V12), t12)
    row = view["rows"][0]
    key = row["key"]
    with pytest.raises(WorkflowError, match="--key"):
        ts.flag(ws, village(V12), t12, "assistance_amount", "金额有误")
    with pytest.raises(WorkflowError, match="直接修改"):
        ts.flag(ws, village(V12), t12, "recent_situation", "不对", keys=[key])
    with pytest.raises(WorkflowError, match="不是本任务花名册中的人员"):
        ts.flag(ws, village(V12), t12, "assistance_amount", "金额有误", keys=["0" * 12])
    with pytest.raises(WorkflowError, match="理由"):
        ts.flag(ws, village(V12), t12, "assistance_amount", " ", keys=[key])

    c = ts.flag(ws, village(V12), t12, "assistance_amount", "该户已于 5 月调整保障金", keys=[key[:12]])
    assert c["department"] == ws.catalog.element("resident", "assistance_amount").source_department == "civil_affairs"
    assert c["sources"] == ["gaj_rk"] and c["row"] == 1
    amount = row["values"]["assistance_amount"]  # as the village's staff reads it; the store keeps it masked
    with ws.engine.connect() as conn:
        stored = conn.execute(sa.select(corrections).where(corrections.c.id == c["id"])).one()
    assert stored.keys == [key] and stored.field == "assistance_amount" and stored.org_code == V12
    assert set(stored.value_seen) == {"masked", "digest"} and str(int(amount)) not in str(stored.value_seen["masked"])
    assert ts.list_corrections(ws, village(V12))[0]["value_seen"] == stored.value_seen["masked"]
    assert not any(i in json.dumps(dict(stored._mapping), default=str, ensure_ascii=False) for i in _clear_ids(county))
    assert ts.list_corrections(ws, MZ)[0]["id"] == c["id"]  # the owning department sees it
    mz_staff = Actor("mz2", frozenset({"designer"}), None, "civil_affairs", "staff")
    assert ts.answer_correction(ws, mz_staff, c["id"], "accept", "已核实")["status"] == "accepted"

    # the register's next snapshot changes that person's amount: the correction closes as fixed, another
    # person's change would not
    secret = entity_secret(ws.keys_dir)
    person = next(r for r in county.residents if r.get("id_number") and entity_key(secret, "resident", r["id_number"]) == key)
    someone = next(r for r in county.residents if r is not person and r.get("assistance_amount"))
    rows = [dict(r, assistance_amount=r["assistance_amount"] + 50) if r is someone else r for r in county.residents]
    snap = add_snapshot(ws, "gaj_rk", "public_security", "resident", rows, when=datetime(2026, 1, 4, tzinfo=UTC), tag="other")
    assert after_sync(ws, [("gaj_rk", snap)], "test")["fixed"] == []
    rows = [dict(r, assistance_amount=(r["assistance_amount"] or 0) + 100) if r is person else r for r in county.residents]
    snap = add_snapshot(ws, "gaj_rk", "public_security", "resident", rows, when=datetime(2026, 1, 5, tzinfo=UTC), tag="fix")
    assert after_sync(ws, [("gaj_rk", snap)], "test")["fixed"] == [c["id"]]
    done = ts.list_corrections(ws, village(V12))[0]
    assert done["status"] == "fixed" and "gaj_rk" in done["answer"] and str(int(amount)) not in done["answer"]
