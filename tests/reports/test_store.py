"""Report specs in the metadata store, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from biaotong.errors import ReportError
from biaotong.reports.spec import BUILTIN_SPECS, load_specs, parse_spec
from biaotong.reports.store import save_spec, set_status, stored


def test_save_update_status(store_engine: Engine) -> None:
    spec = load_specs(BUILTIN_SPECS)["mz_dibao_tekun"]
    assert save_spec(store_engine, spec) == "added"
    assert save_spec(store_engine, spec, template=b"PK..") == "updated"
    set_status(store_engine, spec.id, "approved")
    (row,) = stored(store_engine)
    assert row["id"] == spec.id and row["status"] == "approved" and row["spec_sha256"] == spec.sha256
    with pytest.raises(ReportError):
        set_status(store_engine, "nope", "approved")
    with pytest.raises(ReportError):
        set_status(store_engine, spec.id, "weird")


def test_spec_json_round_trips() -> None:
    for spec in load_specs(BUILTIN_SPECS).values():
        again = parse_spec(spec.to_json())
        assert again == spec and again.sha256 == spec.sha256
