"""Report specs in the metadata store, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from biaotong.errors import ReportError
from biaotong.ledger.tables import ledger_entries
from biaotong.reports.spec import BUILTIN_SPECS, load_specs, parse_spec
from biaotong.reports.store import save_spec, stored
from biaotong.store.schema import report_specs


def test_save_update_and_no_overwrite_once_approved(store_engine: Engine) -> None:
    spec = load_specs(BUILTIN_SPECS)["mz_dibao_tekun"]
    assert save_spec(store_engine, spec) == "added"
    assert save_spec(store_engine, spec, template=b"PK..") == "updated"
    (row,) = stored(store_engine)
    assert row["id"] == spec.id and row["status"] == "draft" and row["spec_sha256"] == spec.sha256
    with store_engine.connect() as conn:
        events = conn.execute(sa.select(ledger_entries.c.event).where(ledger_entries.c.action == "report.register")).scalars().all()
    assert len(events) == 2 and spec.sha256 in events[0] and "template_sha256" in events[1]
    with store_engine.begin() as conn:
        conn.execute(sa.update(report_specs).values(status="approved"))
    with pytest.raises(ReportError, match=r"cannot be overwritten|不能覆盖"):
        save_spec(store_engine, spec)


def test_spec_json_round_trips() -> None:
    for spec in load_specs(BUILTIN_SPECS).values():
        again = parse_spec(spec.to_json())
        assert again == spec and again.sha256 == spec.sha256
