"""One small synced demo county for the service tests, with the demo's account per role and two more users
(a designer of another department, a system administrator without data roles)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from biaotong.auth.actor import Actor
from biaotong.auth.demo import DemoAccount, create_demo_accounts
from biaotong.auth.users import add_user, resolve_actor
from biaotong.catalog import import_org_tree
from biaotong.demo import generate_county
from biaotong.sync import add_source, sync_all
from biaotong.workspace import Workspace

PERIOD = "2026-06"


@dataclass
class Demo:
    ws: Workspace
    accounts: dict[str, DemoAccount]
    actors: dict[str, Actor]
    county: str
    township: str
    village: str
    other_village: str  # a village of another township: outside the grassroots and township scopes
    sources: list[str]


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    home: Path = tmp_path_factory.mktemp("services-demo")
    manifest = generate_county(home, residents=1500, seed=5)
    ws = Workspace.open(home)
    with ws.engine.begin() as conn:
        import_org_tree(conn, home / "org_tree.yaml")
    for spec in manifest.sources:
        add_source(ws, home / spec)
    results = sync_all(ws)
    assert all(r.ok for r in results)
    accounts = {a.username: a for a in create_demo_accounts(ws)}
    add_user(ws, "teacher", roles=["designer"], department="education")
    add_user(ws, "root", roles=["sysadmin"])
    actors = {name: resolve_actor(ws, name) for name in [*accounts, "teacher", "root"]}
    tree = ws.org_tree()
    township = accounts["township"].org_code
    assert township is not None
    county = tree.get(township).parent
    assert county is not None
    other = next(v.code for t in tree.children(county) if t.code != township
                 for v in tree.children(t.code) if v.level == "village")
    yield Demo(ws, accounts, actors, county, township, accounts["grassroots"].org_code or "", other,
               [r.source for r in results])
    ws.close()
