"""The task form's pre-fill is kept between views (biaotong.reports.cache.prefill) but never outlives the data:
a new snapshot, or a changed spec, shows on the next view."""

from __future__ import annotations

from datetime import UTC, date, datetime

from biaotong.reports import cache
from biaotong.services import tasks as ts
from biaotong.workspace import Workspace
from tests.reports.county import V11, add_snapshot, make_county
from tests.tasks.test_tasks import MZ, T1, _task, village
from tests.tasks.test_tasks import ws as ws  # the fixture: county, spec mz_village


def _pop(ws: Workspace, task_id: int) -> object:
    return next(f["value"] for f in ts.show(ws, village(V11), task_id)["fields"] if f["id"] == "pop")


def test_a_new_snapshot_shows_on_the_next_view(ws: Workspace) -> None:
    ts.publish(ws, MZ, "mz_village", period="2025", to=T1, level="village")
    t11 = _task(ws, V11)
    before = _pop(ws, t11)
    key = cache.lake_key(ws)
    assert _pop(ws, t11) == before and cache.lake_key(ws) == key  # a second view: same key, same value
    county = make_county()
    gone = next(r for r in county.residents if r["org_code"] == V11 and r.get("death_date") is None)
    rows = [dict(r, death_date=date(2025, 10, 3)) if r is gone else r for r in county.residents]
    add_snapshot(ws, "gaj_rk", "public_security", "resident", rows, when=datetime(2026, 1, 5, tzinfo=UTC), tag="fix")
    assert cache.lake_key(ws) != key
    assert _pop(ws, t11) == before - 1  # one resident of the village died before the period's end
