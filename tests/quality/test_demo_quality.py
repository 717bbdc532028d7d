"""Quality and life events on the demo county: the findings are exactly the mess the demo generator says it
injected (its manifest is the truth), a re-sync with the fixes closes them, and changes to the population
register become events that a department's subscription turns into its own records."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa

from biaotong.auth.actor import Actor
from biaotong.catalog import import_org_tree
from biaotong.demo import DemoManifest
from biaotong.errors import AccessDenied, WorkflowError
from biaotong.quality.run import run_checks
from biaotong.quality.tables import quality_findings
from biaotong.services import events as ev
from biaotong.services import quality as qs
from biaotong.sync.registry import add_source
from biaotong.sync.run import sync_all, sync_source
from biaotong.workspace import Workspace
from tests.conftest import STORES, empty_store

County = tuple[Path, DemoManifest]
ADMIN = Actor("sjj", frozenset({"data_admin"}), None, None, "cleared")
MZ = Actor("mz", frozenset({"designer"}), None, "civil_affairs", "staff")


@pytest.fixture(scope="module", params=STORES)
def demo_ws(request: pytest.FixtureRequest, county: County, tmp_path_factory: pytest.TempPathFactory
            ) -> Iterator[tuple[Workspace, Path, DemoManifest]]:
    """The 3,000-resident demo county synced into a fresh workspace (its own copy of the systems), with its
    metadata store on SQLite and on PostgreSQL."""
    import shutil

    src, m = county
    base = tmp_path_factory.mktemp("demo")
    out = base / "county"
    shutil.copytree(src, out)
    with empty_store(request.param, base) as url:
        ws = Workspace.open(out / "ws", store_url=None if url.startswith("sqlite") else url)
        with ws.engine.begin() as conn:
            import_org_tree(conn, out / m.org_tree)
        for spec in m.sources:
            add_source(ws, out / spec)
        results = sync_all(ws, actor="test")
        assert all(r.ok for r in results), [r.error for r in results if not r.ok]
        try:
            yield ws, out, m
        finally:
            ws.close()


def _count(ws: Workspace, check: str, source: str, status: tuple[str, ...] = ("open", "sent")) -> int:
    with ws.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(quality_findings).where(
            quality_findings.c.check == check, quality_findings.c.source == source,
            quality_findings.c.status.in_(status))).scalar())


def test_the_sync_ran_the_checks_and_they_name_the_injected_mess(demo_ws: tuple[Workspace, Path, DemoManifest]) -> None:
    ws, _, m = demo_ws
    mess = {s.id: s.mess for s in m.systems}
    # dead in the register, still paid or still on a roster: exactly what each system was given
    assert _count(ws, "deceased_still_paid", "rs_pension") == mess["rs"]["deceased_receiving"]
    assert _count(ws, "deceased_still_listed", "wj_health") == mess["wj"]["open_records_of_deceased"]
    assert _count(ws, "deceased_still_listed", "yb_insured") == mess["yb"]["deceased_insured"]
    assert _count(ws, "deceased_still_listed", "tyjr_veterans") == mess["tyjr"]["deceased_listed"]
    cl_dead = _count(ws, "deceased_still_paid", "cl_disabled") + _count(ws, "deceased_still_listed", "cl_disabled")
    assert cl_dead == mess["cl"]["deceased_listed"]
    assert _count(ws, "deceased_still_paid", "mz_assistance") == mess["mz"]["deceased_on_roster"]
    # systems disagreeing with the register's sex, birth date and village
    cl = mess["cl"]
    assert _count(ws, "sources_disagree", "cl_disabled") == cl["sex_conflicts"] + cl["birth_date_conflicts"] + cl["org_conflicts"]
    assert _count(ws, "sources_disagree", "rs_pension") == mess["rs"]["birth_date_conflicts"]
    assert _count(ws, "sources_disagree", "mz_assistance") == mess["mz"]["org_conflicts"]
    assert _count(ws, "household_members", "xczx_households") == mess["xczx"]["householder_not_active"]
    # every invalid ID a system holds is a rejected row on its owner's list
    with ws.engine.connect() as conn:
        rejected = Counter(r.source for r in conn.execute(sa.select(quality_findings.c.source).where(
            quality_findings.c.check == "rejected_rows", quality_findings.c.value.is_not(None))))
    for system, source in (("gaj", "gaj_population"), ("rs", "rs_pension"), ("yb", "yb_insured"),
                           ("tyjr", "tyjr_veterans")):
        assert rejected[source] >= mess[system]["invalid_ids"]
    # nothing else beyond the stated few: households with no living member, and people whose register row
    # was rejected for an invalid ID (so the register does not know them)
    report = qs.report(ws, ADMIN, limit=None)
    expected = {"deceased_still_paid", "deceased_still_listed", "sources_disagree", "household_members",
                "rejected_rows", "id_birth_sex", "not_in_register"}
    assert set(report["stats"]["by_check"]) <= expected
    assert report["stats"]["by_check"].get("not_in_register", 0) <= 3 * mess["gaj"]["invalid_ids"] + 3


def test_the_report_masks_ids_for_users_without_clearance_and_records_clear_reads(
        demo_ws: tuple[Workspace, Path, DemoManifest]) -> None:
    ws, _, _ = demo_ws
    masked = qs.report(ws, MZ, check="sources_disagree")
    assert masked["findings"] and all(f["department"] == "civil_affairs" for f in masked["findings"])
    assert all("*" in f["key"] for f in masked["findings"])  # a designer reads IDs masked
    clear = qs.report(ws, ADMIN, check="deceased_still_paid")
    assert all("*" not in f["key"] for f in clear["findings"])
    assert any(f["value"] and "待遇领取" in f["value"] for f in clear["findings"])
    with ws.engine.connect() as conn:
        reads = [json.loads(e) for (e,) in conn.execute(sa.text(
            "select event from ledger_entries where action = 'personal.read' order by seq"))]
    assert reads[-1]["actor"] == "sjj" and reads[-1]["detail"]["purpose"] == "quality.report"
    with pytest.raises(AccessDenied):
        qs.run(ws, MZ)
    with pytest.raises(WorkflowError):
        qs.report(ws, ADMIN, status="bogus")


def test_owners_get_their_lists_and_a_finding_can_be_explained(demo_ws: tuple[Workspace, Path, DemoManifest],
                                                              tmp_path: Path) -> None:
    ws, _, _ = demo_ws
    out = qs.send(ws, ADMIN, tmp_path, department="hrss")
    info = out["departments"]["hrss"]
    wb = openpyxl.load_workbook(info["file"])
    sheet = wb.active
    assert sheet.max_row == info["findings"] + 2  # title, header, one row per finding
    assert sheet.print_title_rows == "$2:$2" and sheet.page_setup.paperSize == 9
    assert qs.report(ws, ADMIN, source="rs_pension", status="sent")["stats"]["findings"] == info["findings"]
    fid = qs.report(ws, ADMIN, check="not_in_register")["findings"][0]["id"]
    with pytest.raises(WorkflowError):
        qs.explain(ws, ADMIN, fid, "  ")
    assert qs.explain(ws, ADMIN, fid, "户籍在外县，经核实在本县参保")["status"] == "explained"


def test_a_resync_with_the_fix_closes_the_finding(demo_ws: tuple[Workspace, Path, DemoManifest]) -> None:
    ws, out, _ = demo_ws
    before = _count(ws, "deceased_still_listed", "yb_insured", ("open", "sent"))
    assert before >= 1
    open_rows = qs.report(ws, ADMIN, check="deceased_still_listed", source="yb_insured")["findings"]
    ids = [f["key"] for f in open_rows]
    db = next(out.glob("systems/*yb*.db"), None) or next(p for p in out.rglob("*.db") if "yb" in p.name.lower())
    with sqlite3.connect(db) as con:
        con.executemany("DELETE FROM CBRY WHERE GMSFHM = ?", [(i,) for i in ids])
    res = sync_source(ws, "yb_insured", actor="test")
    assert res.ok and res.after["quality"]["fixed"] >= before
    assert _count(ws, "deceased_still_listed", "yb_insured", ("fixed",)) == before
    assert _count(ws, "deceased_still_listed", "yb_insured") == 0


def test_register_changes_become_events_and_a_subscription_makes_records(
        demo_ws: tuple[Workspace, Path, DemoManifest]) -> None:
    ws, out, _ = demo_ws
    sub = ev.subscribe(ws, MZ, department="民政局", types=["died", "changed_village"], title="救助停发通知")
    assert sub["department"] == "civil_affairs"
    db = next(p for p in out.rglob("*.db") if "gaj" in p.name.lower())
    with sqlite3.connect(db) as con:
        living = [r[0] for r in con.execute(
            "SELECT GMSFHM FROM T_RK_JBXX WHERE RYZTDM = '0' AND length(GMSFHM) = 18 ORDER BY GMSFHM LIMIT 4")]
        other = con.execute("SELECT DISTINCT SSJWHDM FROM T_RK_JBXX ORDER BY SSJWHDM LIMIT 2").fetchall()
        stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")
        con.executemany("UPDATE T_RK_JBXX SET RYZTDM = '1', SWRQ = '20261115', GXSJ = ? WHERE GMSFHM = ?",
                        [(stamp, i) for i in living[:3]])
        con.execute("UPDATE T_RK_JBXX SET SSJWHDM = ?, GXSJ = ? WHERE GMSFHM = ? AND SSJWHDM <> ?",
                    (other[1][0], stamp, living[3], other[1][0]))
    res = sync_source(ws, "gaj_population", actor="test")
    assert res.ok, res.error
    events = res.after["events"][0]
    assert events["by_type"].get("died") == 3
    assert events["by_type"].get("changed_village", 0) == 1
    listed = ev.list_events(ws, ADMIN, since=date(2020, 1, 1), types=["died"])
    assert sorted(e["key"] for e in listed["events"]) == sorted(living[:3])
    assert all(e["occurred_on"] == date(2026, 11, 15) for e in listed["events"])
    masked = ev.list_events(ws, Actor("x", frozenset({"designer"}), None, "civil_affairs", "public"),
                            since=date(2020, 1, 1), types=["died"])
    assert all("*" in e["key"] for e in masked["events"])
    recs = ev.records(ws, MZ)
    assert len(recs) == 4 and {r["content"]["event"] for r in recs} == {"died", "changed_village"}
    assert all(r["content"]["name"] for r in recs)
    with pytest.raises(WorkflowError, match="未知的事件类型"):
        ev.subscribe(ws, MZ, department="civil_affairs", types=["exploded"])
    with pytest.raises(AccessDenied):
        ev.records(ws, Actor("wj", frozenset({"designer"}), None, "health"), department="civil_affairs")


def test_every_check_of_the_catalogue_runs(demo_ws: tuple[Workspace, Path, DemoManifest]) -> None:
    ws, _, _ = demo_ws
    report = run_checks(ws)
    assert report.errors == []
    assert report.stats()["checks"] >= 14


def test_a_workspace_rule_in_yaml_joins_the_catalogue(demo_ws: tuple[Workspace, Path, DemoManifest]) -> None:
    from biaotong.errors import ConfigError

    ws, _, _ = demo_ws
    folder = ws.home / "quality"
    folder.mkdir(exist_ok=True)
    rule = folder / "rules.yaml"
    try:
        rule.write_text("rules:\n  - slug: elderly_no_check\n    title: 65岁以上老年人无体检记录\n"
                        "    entity: resident\n    filter: \"age >= 65 and elderly_health_check_date is null\"\n"
                        "    owner: wj_health\n", encoding="utf-8")
        report = run_checks(ws, only=["elderly_no_check"])
        assert report.errors == [] and report.findings.num_rows > 0
        assert set(report.findings.column("source").to_pylist()) == {"wj_health"}
        rule.write_text("rules:\n  - slug: broken\n    title: x\n    entity: resident\n"
                        "    filter: \"age >= (select 1)\"\n    owner: wj_health\n", encoding="utf-8")
        with pytest.raises(ConfigError) as err:
            run_checks(ws)
        assert "rules.yaml" in err.value.message and "rules[0].filter" in err.value.message
    finally:
        rule.unlink()


def test_quality_and_events_commands(demo_ws: tuple[Workspace, Path, DemoManifest]) -> None:
    from typer.testing import CliRunner

    from biaotong.cli.main import app

    ws, _, _ = demo_ws
    runner = CliRunner()
    home = str(ws.home)
    out = runner.invoke(app, ["--home", home, "quality", "report", "--check", "sources_disagree", "--json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout)["stats"]["findings"] > 0
    out = runner.invoke(app, ["--home", home, "quality", "checks", "--json"])
    assert {"deceased_still_paid", "sources_disagree"} <= {c["slug"] for c in json.loads(out.stdout)}
    out = runner.invoke(app, ["--home", home, "events", "--since", "2020-01-01", "--type", "died", "--json"])
    assert out.exit_code == 0, out.output
    assert "events" in json.loads(out.stdout)
    out = runner.invoke(app, ["--home", home, "events", "--since", "yesterday"])
    assert out.exit_code == 2 and "YYYY-MM-DD" in out.output
    out = runner.invoke(app, ["--home", home, "quality", "completeness", "--json"])
    assert out.exit_code == 0 and json.loads(out.stdout)["sources"]
