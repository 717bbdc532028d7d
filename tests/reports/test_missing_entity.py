"""A count over an entity that no synced source holds is missing (blank, explained), never 0: a county with
a population register but no household system prints no 户数 rather than zeros."""

from __future__ import annotations

from datetime import UTC, datetime

import yaml

from biaotong.catalog import import_org_tree
from biaotong.reports.generate import generate
from biaotong.reports.spec import parse_spec
from biaotong.workspace import Workspace
from tests.reports.county import COUNTY, ORG_YAML, V11, add_snapshot, make_county


def test_a_count_over_an_entity_without_any_source_is_missing(workspace: Workspace) -> None:
    county = make_county()
    org_file = workspace.home / "orgs.yaml"
    org_file.write_text(yaml.safe_dump(ORG_YAML, allow_unicode=True), encoding="utf-8")
    with workspace.engine.begin() as conn:
        import_org_tree(conn, org_file)
    add_snapshot(workspace, "gaj_rk", "public_security", "resident", county.residents,
                 when=datetime(2025, 1, 5, tzinfo=UTC), tag="a")
    spec = parse_spec({"id": "t_hh", "title": "户数", "department": "statistics", "period_type": "month",
                       "layout": "aggregate", "fields": [
                           {"id": "pop", "label": "人口", "indicator": "pop_total"},
                           {"id": "hh", "label": "户数", "indicator": "households_total"}]})
    result = generate(workspace, spec, "2025-06", COUNTY, level="village")
    # the clerk reads the entity's Chinese name; the English message and the elements keep the code
    assert "hh" in result.missing and "「户」" in result.missing["hh"]["zh"] and "household" not in result.missing["hh"]["zh"]
    assert "household" in result.missing["hh"]["en"] and result.missing["hh"]["elements"] == ["household.*"]
    row = next(r for r in result.rows if r.org_code == V11)
    assert row.values["hh"] is None and row.values["pop"] > 0
