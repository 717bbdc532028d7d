"""One small county per test session (3,000 residents), read back with real readers."""

from __future__ import annotations

from pathlib import Path

import pytest

from biaotong.demo import DemoManifest, generate_county

SMALL = 3_000
SEED = 20250101


@pytest.fixture(scope="session")
def county(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, DemoManifest]:
    out = tmp_path_factory.mktemp("county")
    return out, generate_county(out, residents=SMALL, seed=SEED)
