"""Every source spec of the demo loads with the catalog, maps only to existing elements, and reads its
system end to end; the rejects are exactly the mess the manifest announces."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import pytest

from biaotong.catalog import import_org_tree, load_catalog
from biaotong.demo import DemoManifest, generate_county
from biaotong.sources import load_source_spec, read_mapped
from biaotong.workspace import Workspace

County = tuple[Path, DemoManifest]
ID_REASON = "身份号码无效"


@pytest.fixture(scope="module")
def mapped(county: County, tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[int, Counter]]:
    out, m = county
    ws = Workspace.open(tmp_path_factory.mktemp("ws"))
    with ws.engine.begin() as conn:
        import_org_tree(conn, out / "org_tree.yaml")
    tree, catalog = ws.org_tree(), load_catalog()
    result: dict[str, tuple[int, Counter]] = {}
    for src in m.sources:
        spec = load_source_spec(out / src, catalog)
        rows, reasons = 0, Counter()
        for part in read_mapped(spec, catalog, tree):
            rows += part.mapped.num_rows
            for r in part.rejects.to_pylist():
                reasons[(r["column"], r["reason"][:6])] += 1
        result[spec.name] = (rows, reasons)
    ws.close()
    return result


def test_every_spec_maps_to_catalog_elements(county: County) -> None:
    out, m = county
    catalog = load_catalog()
    for src in m.sources:
        spec = load_source_spec(out / src, catalog)
        for col, target in spec.columns.items():
            catalog.element(spec.entity, target.element)  # raises on an unknown element
            assert col
        assert spec.department in catalog.departments


def test_invalid_ids_are_the_rejects(county: County, mapped: dict[str, tuple[int, Counter]]) -> None:
    _, m = county
    rows, reasons = mapped["gaj_household"]
    assert sum(reasons.values()) == m.system("gaj").mess["invalid_householder_ids"]
    expect = {"gaj_population": "gaj", "rs_pension": "rs", "cl_disabled": "cl", "tyjr_veterans": "tyjr",
              "xczx_persons": "xczx", "yb_insured": "yb", "mz_assistance": "mz"}
    for name, system in expect.items():
        rows, reasons = mapped[name]
        bad_ids = sum(v for (_, reason), v in reasons.items() if reason.startswith(ID_REASON[:6]))
        assert bad_ids == m.system(system).mess["invalid_ids"], name
        assert rows > 0


def test_roster_names_resolve(county: County, mapped: dict[str, tuple[int, Counter]]) -> None:
    _, m = county
    rows, reasons = mapped["mz_assistance"]
    mess = m.system("mz").mess
    org_rejects = sum(v for (col, _), v in reasons.items() if col == "村（社区）")
    # the footer row and, at most, the typos fail; aliases, bare roots, old and renamed names resolve
    assert org_rejects <= mess["footer_rows"] + mess["village_typos"] + 1
    assert rows >= m.system("mz").tables["救助对象花名册"] - mess["invalid_ids"] - org_rejects


def test_enterprises_and_households_map(mapped: dict[str, tuple[int, Counter]], county: County) -> None:
    _, m = county
    rows, _reasons = mapped["scjg_enterprises"]
    assert rows == m.system("scjg").tables["scjg_qy.csv"] - m.system("scjg").mess["invalid_uscc"]
    rows, _ = mapped["xczx_households"]
    assert rows == m.system("xczx").tables["fp_hxx"]
    rows, _ = mapped["wj_health"]
    assert rows > 0.85 * m.population["total"]


PG_URL = os.environ.get("BIAOTONG_TEST_PG_URL")


@pytest.mark.pg
@pytest.mark.skipif(not PG_URL, reason="BIAOTONG_TEST_PG_URL is not set")
def test_pension_in_postgresql(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import uuid

    import psycopg

    assert PG_URL is not None
    schema = f"demo_rs_{uuid.uuid4().hex[:8]}"
    try:
        m = generate_county(tmp_path, residents=2_000, pg_url=PG_URL, pg_schema=schema)
        rs = m.system("rs")
        assert rs.kind == "postgresql" and not rs.files and m.pg_env == "BIAOTONG_DEMO_PG_URL"
        assert not (tmp_path / "systems/rs_ylbx.db").exists()
        with psycopg.connect(PG_URL) as con:
            n = con.execute(f'select count(*) from "{schema}".ac20').fetchone()
            types = dict(con.execute(
                "select column_name, data_type from information_schema.columns where table_schema = %s "
                "and table_name = 'ac20'", (schema,)).fetchall())
        assert n is not None and n[0] == rs.tables["ac20"]
        assert types["aac030"] == "date"
        monkeypatch.setenv("BIAOTONG_DEMO_PG_URL", PG_URL)
        catalog = load_catalog()
        spec = load_source_spec(tmp_path / "sources/rs_pension.yaml", catalog)
        rows = sum(part.mapped.num_rows for part in read_mapped(spec, catalog, None))
        assert rows == rs.tables["ac20"] - rs.mess["invalid_ids"]
    finally:
        with psycopg.connect(PG_URL, autocommit=True) as con:
            con.execute(f'drop schema if exists "{schema}" cascade')
