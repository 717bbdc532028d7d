"""Ledger test helpers: the shared vectors folder, a signing key, and small logs on the lead's store_engine."""

from __future__ import annotations

from pathlib import Path

import pytest

from biaotong.ledger.checkpoint import Signer, generate_key

VECTORS = Path(__file__).resolve().parents[2] / ".." / "shared" / "vectors" / "rfc6962"


@pytest.fixture(scope="session")
def vectors_dir() -> Path:
    if not (VECTORS / "vectors.json").exists():
        pytest.skip(f"RFC 6962 vectors not found at {VECTORS.resolve()} (shared/ is cloned beside the repository)")
    return VECTORS


@pytest.fixture
def log_key() -> Signer:
    return generate_key("test.biaotong/ledger")
