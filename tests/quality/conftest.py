"""The small demo county (3,000 residents) of tests/demo, generated once per session."""

from tests.demo.conftest import county  # noqa: F401  (a shared session fixture)
