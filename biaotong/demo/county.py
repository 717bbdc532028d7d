"""generate_county: the whole demo — org tree, people, and every department system with its source spec."""

from __future__ import annotations

import hashlib
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from biaotong.demo.manifest import DemoManifest, SystemEntry
from biaotong.demo.orgs import build_org_tree, org_tree_document, write_org_tree
from biaotong.demo.people import DECEASED, MOVED_OUT, REF_DATE, generate_population
from biaotong.demo.programs import assign_programs
from biaotong.demo.systems import SYSTEMS
from biaotong.demo.systems.base import Context
from biaotong.demo.systems.rs import PG_ENV

ORG_TREE_FILE = "org_tree.yaml"


def generate_county(out_dir: Path, *, residents: int = 150_000, seed: int = 20250101, pg_url: str | None = None,
                    pg_schema: str = "demo_rs") -> DemoManifest:
    """Write the fictional 青山县 into out_dir: org_tree.yaml, systems/* (the departments' own exports and
    databases), sources/*.yaml (their source specs) and manifest.json. Deterministic for a seed.

    With pg_url, the 人社 system is written to PostgreSQL (schema pg_schema) and its source specs read the
    URL from the environment variable BIAOTONG_DEMO_PG_URL."""
    if residents < 100:
        raise ValueError("residents must be at least 100")
    started = time.perf_counter()
    out_dir = Path(out_dir)
    (out_dir / "systems").mkdir(parents=True, exist_ok=True)
    (out_dir / "sources").mkdir(parents=True, exist_ok=True)
    tree = build_org_tree(seed)
    write_org_tree(tree, out_dir / ORG_TREE_FILE)
    pop = generate_population(np.random.default_rng([seed, 2]), tree, residents)
    prog = assign_programs(np.random.default_rng([seed, 3]), pop)
    ctx = Context(out_dir, tree, pop, prog, seed, pg_url=pg_url, pg_schema=pg_schema)
    # Two workers: SQLite ingest and numpy release the GIL, and every system has its own files and RNG stream,
    # so the output does not depend on the scheduling.
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda build: build(ctx), SYSTEMS))
    files = [ORG_TREE_FILE] + [f for r in results for f in r.files] + [s for r in results for s in r.sources]
    age = pop.age
    alive = pop.status != DECEASED
    population = {
        "total": pop.n, "active": int((pop.status == 0).sum()), "deceased": int((pop.status == DECEASED).sum()),
        "moved_out": int((pop.status == MOVED_OUT).sum()), "rural": int(prog.rural.sum()),
        "age_0_14": int((alive & (age < 15)).sum()), "age_15_59": int((alive & (age >= 15) & (age < 60)).sum()),
        "age_60_plus": int((alive & (age >= 60)).sum()), "age_65_plus": int((alive & (age >= 65)).sum()),
        "male": int((alive & (pop.sex == 1)).sum()), "female": int((alive & (pop.sex == 2)).sum()),
    }
    doc = org_tree_document(tree)
    manifest = DemoManifest(
        seed=seed, residents=pop.n, households=pop.n_households, reference_date=str(REF_DATE), org_tree=ORG_TREE_FILE,
        townships=len(tree.townships), villages=len(tree.villages), villages_current=len(tree.current_villages()),
        events=[{k: str(v) if k == "date" else v for k, v in e.items()} for e in doc["events"]],
        population=population,
        systems=[SystemEntry(r.id, r.title, r.department, r.kind, r.files, r.tables, r.sources, r.mess, r.notes)
                 for r in results],
        files={f: sha256_file(out_dir / f) for f in files},
        pg_schema=pg_schema if pg_url else None, pg_env=PG_ENV if pg_url else None,
    )
    manifest.seconds = round(time.perf_counter() - started, 3)
    manifest.save(out_dir)
    return manifest


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
