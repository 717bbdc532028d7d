"""Turn a generated demo county into a workspace: its folder is the workspace, its org tree imported, its
department systems registered as sources, its default report period the month its data describes, and the
department forms written beside it. Syncing is left to the caller (the CLI shows progress)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from biaotong.demo.county import generate_county
from biaotong.demo.forms import write_demo_forms
from biaotong.demo.manifest import DemoManifest
from biaotong.workspace import Workspace


@dataclass
class DemoWorkspace:
    workspace: Workspace
    manifest: DemoManifest
    forms: list[Path]

    @property
    def data_month(self) -> str:
        """The month the demo's records describe (reference date 2025-06-30 → 2025-06)."""
        return self.manifest.reference_date[:7]


def prepare_demo(home: Path, *, residents: int = 150_000, seed: int = 20250101, pg_url: str | None = None,
                 workspace: Workspace | None = None) -> DemoWorkspace:
    from biaotong.catalog.orgtree import import_org_tree
    from biaotong.store.schema import org_units
    from biaotong.sync import add_source

    manifest = generate_county(home, residents=residents, seed=seed, pg_url=pg_url)
    forms = write_demo_forms(home, home / manifest.org_tree)
    ws = workspace or Workspace.open(home)
    demo = DemoWorkspace(ws, manifest, forms)
    if not ws.config.get("default_period"):
        ws.config["default_period"] = demo.data_month
        ws.save_config()
    with ws.engine.begin() as conn:
        if conn.execute(sa.select(sa.func.count()).select_from(org_units)).scalar_one() == 0:
            import_org_tree(conn, home / manifest.org_tree)
    for spec in manifest.sources:
        add_source(ws, home / spec)
    return demo
