"""Every service operation as every role, against a unit inside and a unit outside the user's scope: the
outcome (done or refused with AccessDenied) is exactly what the role and the org subtree allow."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from biaotong.auth.actor import Actor, in_scope
from biaotong.errors import AccessDenied
from biaotong.services import catalog, ledger, reports, sources, users
from tests.services.conftest import PERIOD, Demo

# teacher (education) and designer_tj (statistics, a demo account) are designers of other departments
OTHER_DESIGNERS = {"teacher", "designer_tj"}
ALL = {"admin", "grassroots", "township", "designer", "data_admin", "auditor", "root"} | OTHER_DESIGNERS
READERS = ALL - {"root"}  # root is a system administrator only: users, not data
CIVIL = READERS - OTHER_DESIGNERS  # another department's designer does not read civil-affairs reports

Op = Callable[[Actor, Demo, str], Any]

# name: (operation, who may, whether the org unit matters)
OPS: dict[str, tuple[Op, set[str], bool]] = {
    "report.list": (lambda a, d, o: reports.list_reports(a, d.ws), READERS, False),
    "report.result": (lambda a, d, o: reports.report_result(a, d.ws, "mz_dibao_tekun", PERIOD, o), CIVIL, True),
    "report.roster": (lambda a, d, o: reports.report_result(a, d.ws, "mz_dibao_roster", PERIOD, o), CIVIL, True),
    "report.explain": (lambda a, d, o: reports.explain_cell(a, d.ws, "mz_dibao_tekun", PERIOD, o, "dibao_n", limit=3),
                       CIVIL, True),
    "trace": (lambda a, d, o: ledger.trace(a, d.ws, "mz_dibao_tekun", PERIOD, o, "dibao_n"),
              {"admin", "designer", "data_admin", "auditor"}, True),
    "source.list": (lambda a, d, o: sources.list_sources(a, d.ws), {"admin", "designer", "data_admin", "auditor"} | OTHER_DESIGNERS, False),
    "source.test": (lambda a, d, o: sources.test_source(a, d.ws, d.sources[0], limit=3), {"admin", "data_admin"}, False),
    "conflicts": (lambda a, d, o: sources.conflicts(a, d.ws), {"admin", "data_admin", "auditor"}, False),
    "ledger.head": (lambda a, d, o: ledger.sign_head(a, d.ws), ALL, False),
    "ledger.consistency": (lambda a, d, o: ledger.consistency(a, d.ws, 1), ALL, False),
    "ledger.prove": (lambda a, d, o: ledger.prove(a, d.ws, 0), {"admin", "data_admin", "auditor", "root"}, False),
    "ledger.verify": (lambda a, d, o: ledger.verify(a, d.ws), {"admin", "data_admin", "auditor", "root"}, False),
    "catalog.elements": (lambda a, d, o: catalog.elements(a, d.ws, "resident"), ALL, False),
    "org.list": (lambda a, d, o: catalog.org_units(a, d.ws), ALL, False),
    "user.list": (lambda a, d, o: users.list_users(a, d.ws), {"admin", "auditor", "root"}, False),
}


def _outcome(fn: Op, actor: Actor, demo: Demo, org: str) -> bool:
    try:
        fn(actor, demo, org)
    except AccessDenied:
        return False
    return True


@pytest.mark.parametrize("op", sorted(OPS))
def test_every_operation_as_every_role(demo: Demo, op: str) -> None:
    fn, allowed, scoped = OPS[op]
    tree = demo.ws.org_tree()
    wrong: list[str] = []
    for name, actor in demo.actors.items():
        inside = actor.org_code or demo.county
        for label, org in (("in", inside), ("out", demo.other_village)) if scoped else (("-", demo.county),):
            expected = name in allowed and (not scoped or in_scope(actor, tree, org))
            if _outcome(fn, actor, demo, org) != expected:
                wrong.append(f"{name}@{label}: expected {'allowed' if expected else 'refused'}")
    assert not wrong, f"{op}: " + "; ".join(wrong)


def test_scoped_users_really_have_units_outside_their_scope(demo: Demo) -> None:
    tree = demo.ws.org_tree()
    for name in ("grassroots", "township"):
        assert not in_scope(demo.actors[name], tree, demo.other_village)
        assert in_scope(demo.actors[name], tree, demo.village)
    assert not in_scope(demo.actors["grassroots"], tree, demo.township)  # not even its own township


def test_org_list_is_cut_to_the_subtree(demo: Demo) -> None:
    village = catalog.org_units(demo.actors["grassroots"], demo.ws)
    town = catalog.org_units(demo.actors["township"], demo.ws)
    everything = catalog.org_units(demo.actors["auditor"], demo.ws)
    assert [u["code"] for u in village] == [demo.village]
    assert {u["code"] for u in village} < {u["code"] for u in town} < {u["code"] for u in everything}
    assert all(u["code"] == demo.township or u["parent"] == demo.township for u in town)


def test_a_designer_lists_only_their_department(demo: Demo) -> None:
    assert {r["department"] for r in reports.list_reports(demo.actors["designer"], demo.ws)} == {"civil_affairs"}
    assert {r["department"] for r in reports.list_reports(demo.actors["teacher"], demo.ws)} == {"education"}
    assert len(reports.list_reports(demo.actors["auditor"], demo.ws)) > 10
