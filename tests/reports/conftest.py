from __future__ import annotations

from collections.abc import Iterator

import pytest

from biaotong.workspace import Workspace
from tests.reports.county import County, install, make_county


@pytest.fixture(scope="session")
def county() -> County:
    return make_county()


@pytest.fixture
def county_ws(workspace: Workspace, county: County) -> Iterator[tuple[Workspace, County]]:
    """A workspace (SQLite or PostgreSQL store) holding the small county as one snapshot per source."""
    install(workspace, county)
    yield workspace, county
