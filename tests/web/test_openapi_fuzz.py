"""schemathesis against the served OpenAPI document: generated requests to every GET operation, as a data
administrator with an API token, never produce a server error (refusals are 4xx, never 500)."""

from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is not installed")

from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis import checks  # noqa: E402

from biaotong.auth.tokens import create_token  # noqa: E402
from tests.services.conftest import Demo  # noqa: E402


@pytest.fixture(scope="session")
def api_schema(base_url: str):  # type: ignore[no-untyped-def]
    return schemathesis.openapi.from_url(f"{base_url}/api/openapi.json")


@pytest.fixture(scope="session")
def token(demo: Demo) -> str:
    return create_token(demo.ws, "data_admin", "schemathesis").token


schema = schemathesis.pytest.from_fixture("api_schema")
# The tags of the routes this suite covers; a capability adding routes adds its tag here once they pass.
COVERED = {"reports", "sources", "ledger", "users", "catalog", "tasks", "feedback", "inventory", "quality", "events",
           "burden"}


@schema.parametrize()
@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors(case, token: str) -> None:  # type: ignore[no-untyped-def]
    if case.method.upper() != "GET" or not COVERED.intersection(case.operation.tags or ()):
        return
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=[checks.not_a_server_error])
