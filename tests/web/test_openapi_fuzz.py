"""schemathesis against the served OpenAPI document: generated requests to every GET operation, as a data
administrator with an API token, never produce a server error (refusals are 4xx, never 500)."""

from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is not installed")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from schemathesis import checks  # noqa: E402

from biaotong.auth.tokens import create_token  # noqa: E402
from tests.services.conftest import Demo  # noqa: E402


@pytest.fixture(scope="session")
def api_schema(base_url: str):  # type: ignore[no-untyped-def]
    return schemathesis.openapi.from_url(f"{base_url}/api/openapi.json")


@pytest.fixture(scope="session")
def token(demo: Demo) -> str:
    return create_token(demo.ws, "data_admin", "schemathesis").token


# The tags of the routes this suite covers; a capability adding routes adds its tag here once they pass.
COVERED = {"reports", "sources", "ledger", "users", "catalog", "tasks", "feedback", "inventory", "quality", "events",
           "burden", "forms"}


# Driven through schemathesis's Python API rather than its pytest plugin, whose lazy fixture writes pytest
# internals (Function._nodeid) that pytest 9.2 no longer has.
def test_no_server_errors(api_schema, token: str) -> None:  # type: ignore[no-untyped-def]
    checked = []
    for result in api_schema.get_all_operations():
        operation = result.ok()
        if operation.method.upper() != "GET" or not COVERED.intersection(operation.tags or ()):
            continue

        @given(case=operation.as_strategy())
        @settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def call(case) -> None:  # type: ignore[no-untyped-def]
            case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=[checks.not_a_server_error])

        call()
        checked.append(f"{operation.method.upper()} {operation.path}")
    assert len(checked) >= 20, checked
