"""Fixtures of the hostile-input suite: real workspaces (the small report county, a synced SQLite register),
and a fingerprint of everything a workspace stores, to check that a refused input changed nothing."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from biaotong.catalog import import_org_tree
from biaotong.cli.main import app
from biaotong.ledger.tables import ledger_entries
from biaotong.store.schema import snapshots, sources
from biaotong.sync import add_source, sync_source
from biaotong.workspace import Workspace
from tests.reports.county import County, install, make_county
from tests.sync.conftest import GAJ_SPEC, ORG_TREE, write_gaj

runner = CliRunner()


def cli(ws: Workspace, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["--home", str(ws.home), "--lang", "en", *args])
    return result.exit_code, result.output


def fingerprint(ws: Workspace) -> tuple[object, ...]:
    """The ledger, the snapshot index, the sources and every committed lake file (caches excluded)."""
    with ws.engine.connect() as conn:
        entries = conn.execute(sa.select(ledger_entries.c.seq, ledger_entries.c.event).order_by(ledger_entries.c.seq)).all()
        snaps = conn.execute(sa.select(snapshots.c.id, snapshots.c.sha256).order_by(snapshots.c.id)).all()
        srcs = conn.execute(sa.select(sources.c.name, sources.c.spec_sha256).order_by(sources.c.name)).all()
    files = sorted(
        (str(p.relative_to(ws.lake_dir)), hashlib.sha256(p.read_bytes()).hexdigest())
        for p in ws.lake_dir.rglob("*")
        if p.is_file() and not str(p.relative_to(ws.lake_dir)).startswith(("_onetable", ".verified"))
    )
    return tuple(entries), tuple(snaps), tuple(srcs), tuple(files)


@pytest.fixture(scope="session")
def small_county() -> County:
    return make_county(n_households=40)


@pytest.fixture
def county_ws(workspace: Workspace, small_county: County) -> Iterator[Workspace]:
    install(workspace, small_county)
    yield workspace


@pytest.fixture
def register_ws(workspace: Workspace, tmp_path: Path) -> Workspace:
    """A workspace with a real SQLite population register (source gaj, 30 people) synced once."""
    tree = tmp_path / "org.yaml"
    tree.write_text(ORG_TREE, encoding="utf-8")
    with workspace.engine.begin() as conn:
        import_org_tree(conn, tree)
    write_gaj(tmp_path / "gaj.db", 30)
    (tmp_path / "gaj.yaml").write_text(GAJ_SPEC, encoding="utf-8")
    add_source(workspace, tmp_path / "gaj.yaml")
    sync_source(workspace, "gaj")
    return workspace
