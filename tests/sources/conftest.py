"""Fixtures of the source tests: the packaged catalog, a small org tree, valid ID numbers, spec files,
and the URLs of the real PostgreSQL and MariaDB servers (tests skip when they are not set)."""

from __future__ import annotations

import os
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from biaotong.catalog import Catalog, OrgTree, OrgUnit, load_catalog, make_citizen_id, make_uscc

# 云南省 › 昆明市 › 五华区 › 华山街道 / 护国街道 › villages; two communities share the name 新村.
UNITS = [
    OrgUnit("530000000000", "云南省", "province", None),
    OrgUnit("530100000000", "昆明市", "city", "530000000000"),
    OrgUnit("530102000000", "五华区", "county", "530100000000"),
    OrgUnit("530102001000", "华山街道", "township", "530102000000", aliases=("华山街道办事处",)),
    OrgUnit("530102002000", "护国街道", "township", "530102000000"),
    OrgUnit("530102001001", "红旗社区", "village", "530102001000"),
    OrgUnit("530102001002", "新村社区", "village", "530102001000"),
    OrgUnit("530102002001", "新村社区", "village", "530102002000"),
    OrgUnit("530102002002", "圆通社区", "village", "530102002000"),
]


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="session")
def org_tree() -> OrgTree:
    return OrgTree(UNITS)


@pytest.fixture(scope="session")
def ids() -> list[str]:
    """Ten valid citizen ID numbers (the last digit of some is X)."""
    found: list[str] = []
    seq = 0
    while len(found) < 10:
        found.append(make_citizen_id("530102", f"19{50 + seq}-0{1 + seq % 9}-1{seq % 9}", seq))
        seq += 1
    return found


@pytest.fixture(scope="session")
def usccs() -> list[str]:
    return [make_uscc("530102", 1000 + i) for i in range(5)]


@pytest.fixture
def write_spec(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write a spec YAML (dedented) into the test's folder and return its path."""

    def write(text: str, name: str = "source.yaml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write


@pytest.fixture
def pg_url() -> str:
    url = os.environ.get("BIAOTONG_TEST_PG_URL")
    if not url:
        pytest.skip("BIAOTONG_TEST_PG_URL is not set")
    return url


@pytest.fixture
def mysql_url() -> str:
    url = os.environ.get("BIAOTONG_TEST_MYSQL_URL")
    if not url:
        pytest.skip("BIAOTONG_TEST_MYSQL_URL is not set")
    return url
