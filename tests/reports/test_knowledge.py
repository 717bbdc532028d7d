"""What reports know (issue 15, points 4–6) on the small county, on SQLite and PostgreSQL metadata stores:
who exists (the register), the newest knowledge for any period and the past reproduced byte for byte, and
missing data printed blank — never 0 — and explained, in every format."""

from __future__ import annotations

import csv
import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import sqlalchemy as sa

from biaotong.catalog import make_citizen_id
from biaotong.ledger.tables import ledger_entries
from biaotong.reports.export import export
from biaotong.reports.generate import generate
from biaotong.reports.lineage import explain
from biaotong.reports.spec import parse_spec
from tests.reports.county import COUNTY, V11, V21, add_snapshot

PERIOD = "2025-06"
# The columns a real population-register sync maps: no veteran, disability or benefit elements.
REGISTER_ONLY = ["id_number", "name", "sex", "birth_date", "org_code", "household_id", "death_date",
                 "deregistered_date", "registered_date", "hukou_type", "relationship"]


def _spec(fields: list[dict[str, Any]], layout: str = "aggregate") -> Any:
    return parse_spec({"id": "know", "title": "知识", "department": "statistics", "period_type": "month",
                       "layout": layout, "fields": fields})


def _count(fid: str, **expr: Any) -> dict[str, Any]:
    return {"id": fid, "label": fid, "expression": {"agg": "count", "entity": "resident", **expr}}


def _alive_in(county: Any, village: str) -> list[dict[str, Any]]:
    return [r for r in county.residents if r["org_code"] == village and r.get("death_date") is None
            and r.get("deregistered_date") is None and (r.get("registered_date") is None
                                                         or r["registered_date"].isoformat() <= "2025-06-30")]


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_register_defines_who_exists_and_a_field_may_count_a_roster(county_ws: Any) -> None:
    ws, county = county_ws
    member = _alive_in(county, V11)[0]
    outsider = make_citizen_id("530102", datetime(1980, 5, 5).date(), 77)  # in the veterans' roster only
    vets = [{**member, "veteran_type": "1"}, {"id_number": outsider, "name": "外地人", "org_code": V11,
                                              "veteran_type": "1", "sex": "1"}]
    add_snapshot(ws, "tyjr_vet", "veterans", "resident", vets, when=datetime(2025, 2, 1, tzinfo=UTC), tag="v",
                 only=["id_number", "name", "org_code", "veteran_type", "sex"])
    spec = _spec([
        _count("pop"),
        _count("vets", filter="is_set(veteran_type)"),  # the register's people who are veterans
        _count("roster", population="tyjr_vet"),  # the veterans' own roster, wherever registered
        _count("roster_men", population="tyjr_vet", filter="sex = '男'"),
    ])
    row = generate(ws, spec, PERIOD, COUNTY, level="village").row(V11)
    assert row.values["pop"] == len(_alive_in(county, V11))  # the outsider is not in the population
    assert row.values["vets"] == 1
    assert row.values["roster"] == 2
    assert row.values["roster_men"] == (1 if member["sex"] == "1" else 0) + 1
    info = explain(ws, "mz_dibao_tekun", PERIOD, V11, "dibao_n")
    assert any(s["register"] for s in info["snapshots"] if s["source"] == "gaj_rk")
    # Households have no synced register here (only civil affairs' list): every row counts, and it is said.
    hh = generate(ws, _spec([{"id": "hh", "label": "户数", "expression": {"agg": "count", "entity": "household"}}]),
                  PERIOD, COUNTY)
    assert hh.total().values["hh"] == len(county.households)
    assert any("public_security" in w for w in hh.warnings)


def test_missing_is_blank_and_explained_in_every_format(county_ws: Any, tmp_path: Path) -> None:
    ws, county = county_ws
    # The register re-synced with only what it maps: nobody provides veteran_type any more.
    add_snapshot(ws, "gaj_rk", "public_security", "resident", county.residents,
                 when=datetime(2025, 3, 1, tzinfo=UTC), tag="b", only=REGISTER_ONLY)
    fields = [
        _count("pop"),
        _count("vets", filter="veteran_type is not null"),  # no source: missing
        _count("nobody", filter="sex = '男' and sex = '女'"),  # a source holds sex, nothing matches: a true 0
        {"id": "share", "label": "share", "expression": {"ratio": ["vets", "pop"], "percent": True}},
        {"id": "roads", "label": "roads", "expression": {"collected": "natural_villages", "entity": "village"}},
    ]
    result = generate(ws, _spec(fields), PERIOD, COUNTY)
    assert set(result.missing) == {"vets", "share", "roads"}
    for r in result.rows:
        assert r.values["vets"] is None and r.values["share"] is None and r.values["roads"] is None
        assert r.values["nobody"] == 0 and r.values["pop"] is not None
    assert result.total().values["pop"] > 0
    assert any("vets" in w and "veteran_type" in w for w in result.warnings)

    x = export(result, "xlsx", tmp_path / "r.xlsx")
    sheet = openpyxl.load_workbook(x).active
    heads = {c.value: c.column for row in sheet.iter_rows(max_row=8) for c in row if c.value in ("vets", "nobody")}
    total_row = next(c.row for c in sheet["A"] if c.value == "合计")
    assert sheet.cell(total_row, heads["vets"]).value is None
    assert sheet.cell(total_row, heads["nobody"]).value == 0
    texts = [c.value for c in sheet["A"] if isinstance(c.value, str)]
    assert any("缺数" in t and "veteran_type" in t for t in texts)

    c = export(result, "csv", tmp_path / "r.csv")
    rows = list(csv.reader(c.read_text(encoding="utf-8-sig").splitlines()))
    i_vets, i_zero = rows[0].index("vets"), rows[0].index("nobody")
    assert rows[1][i_vets] == "" and rows[1][i_zero] == "0"
    assert "缺数" in rows[-1][0]

    j = json.loads(export(result, "json", tmp_path / "r.json").read_text(encoding="utf-8"))
    assert j["rows"][0]["values"]["vets"] is None and j["rows"][0]["values"]["nobody"] == 0
    assert set(j["missing"]) == {"vets", "share", "roads"} and j["missing"]["vets"]["elements"] == ["resident.veteran_type"]

    form = generate(ws, _spec(fields, layout="form"), PERIOD, V21)
    items = {it["id"]: it["value"] for it in form.items}
    assert items["vets"] is None and items["nobody"] == 0

    ws.home.joinpath("indicators").mkdir(exist_ok=True)
    from biaotong.reports.store import save_spec

    save_spec(ws.engine, _spec(fields))
    info = explain(ws, "know", PERIOD, V21, "vets")
    assert info["missing"] is True and "veteran_type" in info["missing_reason_en"] and info["value"] is None
    assert explain(ws, "know", PERIOD, V21, "share")["missing"] is True
    zero = explain(ws, "know", PERIOD, V21, "nobody")
    assert zero["missing"] is False and zero["value"] == 0


def test_a_corrected_resync_reaches_a_past_period_and_the_past_is_reproduced(county_ws: Any, tmp_path: Path) -> None:
    ws, county = county_ws
    spec = _spec([_count("pop"), _count("men", filter="sex = '男'")])
    before = generate(ws, spec, PERIOD, COUNTY, level="village")
    published = {fmt: export(before, fmt, tmp_path / f"pub.{fmt}", ws=ws) for fmt in ("xlsx", "csv", "json")}
    hashes = {fmt: _sha(p) for fmt, p in published.items()}
    with ws.engine.connect() as conn:
        entry = conn.execute(sa.select(ledger_entries.c.created_at, ledger_entries.c.event)
                             .where(ledger_entries.c.action == "report.generate")
                             .order_by(ledger_entries.c.seq.desc())).first()
    when = entry.created_at if entry.created_at.tzinfo else entry.created_at.replace(tzinfo=UTC)
    event = json.loads(entry.event)
    assert event["hashes"]["output_sha256"] == hashes["json"] and event["detail"]["snapshots"]

    # A correction synced later: someone in V21 had died on 2025-05-10, before the June period ends.
    corrected = [dict(r) for r in county.residents]
    victim = next(r for r in corrected if r in _alive_in(county, V21))
    victim["death_date"] = datetime(2025, 5, 10).date()
    add_snapshot(ws, "gaj_rk", "public_security", "resident", corrected, when=datetime.now(UTC) + timedelta(seconds=1),
                 tag="fix")
    after = generate(ws, spec, PERIOD, COUNTY, level="village")
    assert after.row(V21).values["pop"] == before.row(V21).values["pop"] - 1  # the past period sees the fix
    assert after.total().values["pop"] == before.total().values["pop"] - 1

    # As known at the publication, the same numbers and the same bytes, in every format.
    again = generate(ws, spec, PERIOD, COUNTY, level="village", known_at=when)
    assert again.row(V21).values == before.row(V21).values
    for fmt in hashes:
        out = export(again, fmt, tmp_path / f"again.{fmt}")
        assert _sha(out) == hashes[fmt], fmt
    assert explain(ws, "mz_dibao_tekun", PERIOD, V21, "dibao_n", known_at=when)["known_at"] == when.isoformat()


def test_undated_events_are_said_in_the_lineage(county_ws: Any) -> None:
    ws, county = county_ws
    add_snapshot(ws, "gaj_rk", "public_security", "resident", county.residents,
                 when=datetime(2025, 3, 1, tzinfo=UTC), tag="nodates",
                 only=["id_number", "name", "sex", "birth_date", "org_code"])
    result = generate(ws, _spec([_count("pop")]), PERIOD, COUNTY)
    assert {u["element"] for u in result.undated} == {"death_date", "deregistered_date", "registered_date"}
    assert any("death_date" in w for w in result.warnings)
    assert result.to_json()["undated"]


def test_missing_is_blank_with_a_comment_in_the_departments_own_form(county_ws: Any, tmp_path: Path) -> None:
    from biaotong.forms import export as _template_export  # noqa: F401  registers 'template'
    from biaotong.forms.service import import_form
    from biaotong.forms.sketch import sketch_form
    from biaotong.forms.spec import build_spec
    from biaotong.forms.store import save_report

    ws, county = county_ws
    add_snapshot(ws, "gaj_rk", "public_security", "resident", county.residents,
                 when=datetime(2025, 3, 1, tzinfo=UTC), tag="b", only=REGISTER_ONLY)  # no assistance elements
    form = tmp_path / "户籍人口与低保.xlsx"
    form.write_bytes(sketch_form("户籍人口与低保情况统计表", ["乡镇（街道）", "户籍人口(人)", "低保户数(户)"]))
    layout, proposals, raw = import_form(form, ws=ws)
    assert [p.target for p in proposals[1:]] == ["pop_total", "dibao_households"]
    save_report(ws, build_spec(layout, proposals, report_id="mz_pop_form", title=None, department="civil_affairs",
                               level="township"), raw)
    result = generate(ws, "mz_pop_form", PERIOD, COUNTY, level="township")
    missing = [c.id for c in result.columns if c.id in result.missing]
    assert len(missing) == 1
    sheet = openpyxl.load_workbook(export(result, "template", tmp_path / "filled.xlsx", ws=ws)).active
    first = layout.first_data_row
    assert sheet.cell(first, 2).value == result.total().values[result.columns[0].id] > 0
    assert sheet.cell(first, 3).value is None
    comment = sheet.cell(first, 3).comment
    assert comment is not None and "缺数" in comment.text and "assistance_category" in comment.text


def test_cli_as_known_at_reproduces_a_file(county_ws: Any, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from biaotong.cli.main import app
    from biaotong.reports.store import save_spec

    ws, county = county_ws
    save_spec(ws.engine, _spec([_count("pop"), _count("vets", filter="veteran_type is not null")]))
    home = ["--home", str(ws.home)]
    args = ["report", "generate", "know", "--period", PERIOD, "--org", COUNTY, "--format", "csv"]
    runner = CliRunner()
    assert runner.invoke(app, [*home, *args, "--out", str(tmp_path / "a.csv")]).exit_code == 0
    published = datetime.now(UTC)
    add_snapshot(ws, "gaj_rk", "public_security", "resident", county.residents[1:],
                 when=published + timedelta(seconds=1), tag="later", only=REGISTER_ONLY)
    r = runner.invoke(app, [*home, *args, "--out", str(tmp_path / "b.csv"), "--as-known-at", published.isoformat()])
    assert r.exit_code == 0, r.output
    assert _sha(tmp_path / "a.csv") == _sha(tmp_path / "b.csv")
    r = runner.invoke(app, [*home, *args, "--out", str(tmp_path / "c.csv")])
    assert _sha(tmp_path / "c.csv") != _sha(tmp_path / "a.csv")  # the newest knowledge differs
    r = runner.invoke(app, [*home, "report", "explain", "know", "--period", PERIOD, "--org", COUNTY, "--field", "vets",
                            "--json"])
    assert r.exit_code == 0 and json.loads(r.stdout)["missing"] is True
    bad = runner.invoke(app, [*home, *args, "--out", str(tmp_path / "d.csv"), "--as-known-at", "yesterday"])
    assert bad.exit_code != 0 and not (tmp_path / "d.csv").exists()
