"""One small demo county (3,000 residents) as a synced workspace, built once per test session and shared by
the tests that run documented commands and render printouts. Same code path as `biaotong demo`."""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from pathlib import Path

from biaotong.demo.setup import prepare_demo
from biaotong.sync import sync_all

RESIDENTS = 3_000


@functools.cache
def demo_home() -> Path:
    root = Path(tempfile.mkdtemp(prefix="biaotong-demo-"))
    atexit.register(shutil.rmtree, root, True)
    home = root / "demo-county"
    prepared = prepare_demo(home, residents=RESIDENTS)
    try:
        sync_all(prepared.workspace)
        # as `biaotong demo` leaves it: one account per role, the village card published as tasks
        from biaotong.auth.demo import create_demo_accounts
        from biaotong.demo.workflows import seed_tasks

        create_demo_accounts(prepared.workspace)
        seed_tasks(prepared.workspace, prepared.data_month[:4])
    finally:
        prepared.workspace.close()
    return home
