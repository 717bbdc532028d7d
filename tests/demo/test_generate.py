"""The demo county's structure, determinism, realism and mess, read back with real readers."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from datetime import date
from pathlib import Path

import numpy as np
import openpyxl
import pyarrow as pa
import pyarrow.csv as pacsv
import pytest
import yaml

from biaotong.catalog import check_citizen_id, check_uscc
from biaotong.demo import DemoManifest, generate_county
from biaotong.demo.ids import citizen_id_valid
from biaotong.errors import CatalogError
from tests.demo.conftest import SEED, SMALL

County = tuple[Path, DemoManifest]


def test_manifest_lists_every_system_and_file(county: County) -> None:
    out, m = county
    assert {s.id for s in m.systems} >= {"gaj", "mz", "rs", "cl", "wj", "tyjr", "xczx", "scjg"}
    kinds = {s.id: s.kind for s in m.systems}
    assert kinds["gaj"] == "sqlite" and kinds["mz"] == "xlsx" and kinds["cl"] == "csv" and kinds["tyjr"] == "json"
    for rel in m.files:
        assert (out / rel).is_file(), rel
    assert len(m.sources) >= 10
    again = DemoManifest.load(out)
    assert again.files == m.files and again.system("mz").mess == m.system("mz").mess
    json.dumps(m.to_dict(), default=str)  # JSON-serialisable


def test_same_seed_same_bytes_other_seed_other_data(county: County, tmp_path: Path) -> None:
    _, m = county
    same = generate_county(tmp_path / "same", residents=SMALL, seed=SEED)
    assert same.files == m.files
    other = generate_county(tmp_path / "other", residents=SMALL, seed=SEED + 1)
    data = [f for f in m.files if f.startswith("systems/")]
    assert all(other.files[f] != m.files[f] for f in data)


def test_org_tree(county: County) -> None:
    out, m = county
    doc = yaml.safe_load((out / "org_tree.yaml").read_text(encoding="utf-8"))
    units = doc["units"]
    levels = Counter(u["level"] for u in units)
    assert levels["township"] >= 10 and levels["village"] >= 120
    assert all(len(u["code"]) == 12 and u["code"].isdigit() for u in units)
    assert len({u["code"] for u in units}) == len(units)
    towns = [t["name"] for t in units if t["level"] == "township"]
    assert all(any(t.endswith(k) for t in towns) for k in ("街道", "镇", "乡"))
    villages = [u for u in units if u["level"] == "village"]
    assert any(u["name"].endswith("社区") for u in villages) and any(u["name"].endswith("村") for u in villages)
    assert all(u["aliases"] for u in villages)
    merge = next(e for e in doc["events"] if e["kind"] == "merge")
    assert merge["date"] == date(2024, 1, 1) and len(merge["units"]) == 2
    assert merge["into"] not in {u["code"] for u in units}  # created by the merge
    assert any(e["kind"] == "rename" for e in doc["events"])
    assert m.villages_current >= 120


def test_org_tree_imports(county: County, tmp_path: Path) -> None:
    from biaotong.catalog import import_org_tree
    from biaotong.workspace import Workspace

    out, _ = county
    ws = Workspace.open(tmp_path / "ws")
    with ws.engine.begin() as conn:
        result = import_org_tree(conn, out / "org_tree.yaml")
    assert result.events_applied == 2
    tree = ws.org_tree()
    merged = yaml.safe_load((out / "org_tree.yaml").read_text(encoding="utf-8"))["events"][0]
    assert tree.get(merged["into"], on=date(2025, 1, 1)).name == merged["name"]
    with pytest.raises(CatalogError):
        tree.get(merged["units"][0], on=date(2025, 1, 1))
    assert tree.get(merged["units"][0], on=date(2023, 6, 1)) is not None
    renamed = yaml.safe_load((out / "org_tree.yaml").read_text(encoding="utf-8"))["events"][1]
    assert tree.get(renamed["code"], on=date(2023, 6, 1)).name != tree.get(renamed["code"], on=date(2025, 1, 1)).name
    ws.close()


def _persons(out: Path) -> list[tuple]:
    with sqlite3.connect(out / "systems/gaj_rkxx.db") as con:
        return con.execute("select GMSFHM, XBDM, CSRQ, RYZTDM, SWRQ, HH, YHZGXDM, MZDM, GXSJ from T_RK_JBXX").fetchall()


def test_population_register(county: County) -> None:
    out, m = county
    rows = _persons(out)
    assert len(rows) == SMALL == m.residents
    ids = pa.array([r[0] for r in rows])
    valid = citizen_id_valid(ids)
    assert int((~valid).sum()) == m.system("gaj").mess["invalid_ids"]
    assert valid.mean() > 0.99
    # the catalog's validator agrees with ours
    assert all((check_citizen_id(i) is None) == bool(v) for i, v in zip(ids.to_pylist()[:300], valid[:300], strict=True))
    # ID carries birth date and sex
    for gmsfhm, xb, csrq, *_ in rows[:500]:
        assert gmsfhm[6:14] == csrq and int(gmsfhm[16]) % 2 == (1 if xb == "1" else 0)
    status = Counter(r[3] for r in rows)
    assert status["1"] == m.population["deceased"] > 0 and status["2"] == m.population["moved_out"] > 0
    assert all(r[4] for r in rows if r[3] == "1") and not any(r[4] for r in rows if r[3] == "0")
    households = Counter(r[5] for r in rows)
    assert 2.4 < len(rows) / len(households) < 3.0
    assert sum(1 for r in rows if r[6] == "02") == len(households)  # one householder per household
    eth = Counter(r[7] for r in rows)
    assert 0.5 < eth["01"] / len(rows) < 0.9 and len(eth) >= 5
    assert all(len(r[8]) == 19 for r in rows[:100])


def test_age_pyramid(county: County) -> None:
    _, m = county
    p = m.population
    alive = p["total"] - p["deceased"]
    assert 0.11 < p["age_0_14"] / alive < 0.22
    assert 0.50 < p["age_15_59"] / alive < 0.68
    assert 0.18 < p["age_60_plus"] / alive < 0.34
    assert 0.12 < p["age_65_plus"] / alive < 0.26
    assert 0.48 < p["male"] / alive < 0.54


def test_civil_affairs_roster(county: County) -> None:
    out, m = county
    wb = openpyxl.load_workbook(out / "systems/mz_jzdx.xlsx")
    ws = wb["救助对象花名册"]
    rows = list(ws.iter_rows(values_only=True))
    assert "花名册" in rows[0][0]
    assert rows[3][:5] == ("序号", "乡镇（街道）", "村（社区）", "姓名", "身份证号码")
    assert any(str(r) == "D3:G3" for r in ws.merged_cells.ranges)
    data = [r for r in rows[4:] if r[4]]
    assert len(data) == m.system("mz").tables["救助对象花名册"]
    cats = Counter(r[7] for r in data)
    assert cats["特困"] > 0 and (cats["低保"] + cats["农村低保"] + cats["城市低保"]) > 0
    kinds = Counter(type(r[6]).__name__ for r in data)
    assert kinds["str"] and kinds["datetime"] and kinds["int"]  # '1965/3/7', date cells, bare serials
    mess = m.system("mz").mess
    ids = [str(r[4]).strip() for r in data]
    assert int((~citizen_id_valid(pa.array(ids))).sum()) == mess["invalid_ids"]
    assert sum(1 for r in data if str(r[4]).endswith("x")) == mess["lowercase_x"]
    dup = Counter(tuple(r) for r in data)
    assert sum(c - 1 for c in dup.values()) == mess["duplicates"]
    # deceased people still on the roster: their IDs are deceased in the police register
    dead = {r[0] for r in _persons(out) if r[3] == "1"}
    assert sum(1 for i in ids if i.upper() in dead) == mess["deceased_on_roster_rows"]


def test_disabled_csv_gbk(county: County) -> None:
    out, m = county
    raw = (out / "systems/cl_cjr.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    t = pacsv.read_csv(out / "systems/cl_cjr.csv", read_options=pacsv.ReadOptions(encoding="gbk"),
                       convert_options=pacsv.ConvertOptions(column_types={"身份证号": pa.string(), "联系电话": pa.string()}))
    assert t.num_rows == m.system("cl").tables["cl_cjr.csv"]
    assert set(t["性别"].to_pylist()) == {"男", "女"}
    assert set(t["残疾等级"].to_pylist()) <= {"一级", "二级", "三级", "四级"}
    mess = m.system("cl").mess
    assert sum(1 for i in t["身份证号"].to_pylist() if i.endswith("x")) == mess["lowercase_x"]
    assert int((~citizen_id_valid(t["身份证号"].combine_chunks())).sum()) == mess["invalid_ids"]
    # sex conflicts with the police register
    police = {r[0]: r[1] for r in _persons(out)}
    sex = {"男": "1", "女": "2"}
    rows = {(i.upper(), s) for i, s in zip(t["身份证号"].to_pylist(), t["性别"].to_pylist(), strict=True)}
    assert sum(1 for i, s in rows if i in police and police[i] != sex[s]) == mess["sex_conflicts"]


def test_pension_and_deceased_receiving(county: County) -> None:
    out, m = county
    dead = {r[0] for r in _persons(out) if r[3] == "1"}
    with sqlite3.connect(out / "systems/rs_ylbx.db") as con:
        rows = con.execute("select a.aac002, b.aac008 from ac01 a join ac20 b using (aac001)").fetchall()
    receiving_dead = sum(1 for i, s in rows if s == "21" and i in dead)
    assert receiving_dead == m.system("rs").mess["deceased_receiving"]
    assert {s for _, s in rows} <= {"10", "21", "22", "30", "40"}


def test_prevalences(county: County) -> None:
    out, m = county
    n = m.population["total"]
    with sqlite3.connect(out / "systems/wj_jkda.db") as con:
        adults, htn = con.execute(
            "select count(*), sum(GXY = '1') from jkda_grjbxx where CSRQ <= '1990-06-30'").fetchone()
    assert 0.12 < htn / adults < 0.3
    assert 0.03 < m.system("cl").tables["cl_cjr.csv"] / n < 0.065
    vets = m.system("tyjr").tables["data.items"]
    assert 0.005 < vets / n < 0.016
    enterprises = m.system("scjg").tables["scjg_qy.csv"]
    assert 20 < n / enterprises < 40
    assert 0.4 < m.system("scjg").mess["individual_businesses"] / enterprises < 0.65
    with sqlite3.connect(out / "systems/xczx_jc.db") as con:
        tp, mon = con.execute("select sum(SFTP = '是'), sum(JCDXLB is not null) from fp_ryxx").fetchone()
    rural = m.population["rural"]
    assert 0.06 < tp / rural < 0.14 and 0.003 < mon / rural < 0.025


def test_veterans_json_and_enterprises(county: County) -> None:
    out, m = county
    doc = json.loads((out / "systems/tyjr.json").read_text(encoding="utf-8"))
    assert doc["code"] == 0 and len(doc["data"]["items"]) == m.system("tyjr").tables["data.items"]
    item = doc["data"]["items"][0]
    assert {"idCard", "name", "gender", "veteranType", "enlistDate"} <= set(item)
    t = pacsv.read_csv(out / "systems/scjg_qy.csv")
    codes = t["统一社会信用代码"].to_pylist()
    bad = sum(1 for c in codes if check_uscc(c) is not None)
    assert bad == m.system("scjg").mess["invalid_uscc"] and bad < len(codes) * 0.05


def test_scales_with_residents(county: County, tmp_path: Path) -> None:
    _, m = county
    big = generate_county(tmp_path / "big", residents=SMALL * 3, seed=SEED)
    assert big.residents == 3 * SMALL
    assert 2.4 < big.system("mz").tables["救助对象花名册"] / m.system("mz").tables["救助对象花名册"] < 3.6
    assert big.households > 2.5 * m.households


def test_rejects_tiny_counties(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        generate_county(tmp_path, residents=10)


def test_numpy_only_no_python_loop_per_person() -> None:
    # a guard against regressions: 30k residents (everything but the file writers) in well under a few seconds
    import time

    from biaotong.demo.orgs import build_org_tree
    from biaotong.demo.people import generate_population

    t0 = time.perf_counter()
    pop = generate_population(np.random.default_rng(1), build_org_tree(1), 30_000)
    assert pop.n == 30_000 and time.perf_counter() - t0 < 5
