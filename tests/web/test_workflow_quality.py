"""The quality and events pages over the services' demo county (tests/web/conftest.py serves it), which holds
the mess the demo generator injects: the page lists the findings the service gives each user, masked as the
user's clearance requires, and the events of a sync."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from tests.services.conftest import Demo

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
_clients: list[httpx.Client] = []


@pytest.fixture(autouse=True)
def _close_clients() -> Iterator[None]:
    yield
    while _clients:
        _clients.pop().close()


def login(base_url: str, demo: Demo, username: str) -> httpx.Client:
    client = httpx.Client(base_url=base_url, follow_redirects=False, timeout=120)
    _clients.append(client)
    token = CSRF.search(client.get("/login").text)
    assert token
    r = client.post("/login", data={"username": username, "password": demo.accounts[username].password,
                                    "csrf": token.group(1), "next": "/"})
    assert r.status_code == 303, r.text
    return client


def _table(html: str, testid: str) -> str:
    """The body of the table marked data-testid=testid ("" when the page shows none)."""
    parts = html.split(f'data-testid="{testid}"')
    return parts[1].split("</table>")[0] if len(parts) > 1 else ""


def test_the_quality_page_shows_each_user_the_services_findings(demo: Demo, base_url: str) -> None:
    admin = login(base_url, demo, "data_admin")
    report = admin.get("/api/quality/report", params={"limit": 500}).json()
    assert report["stats"]["findings"] > 0  # the demo county's deliberate mess
    page = admin.get("/quality")
    assert page.status_code == 200
    ids = re.findall(r"<tr><td>(\d+)</td>", _table(page.text, "findings"))
    assert [int(i) for i in ids] == [f["id"] for f in report["findings"]]
    check = report["findings"][0]["check"]
    one = admin.get("/quality", params={"check": check}).text
    rows = _table(one, "findings").count("<tr><td>")
    assert rows == min(500, report["stats"]["by_check"][check])

    town = login(base_url, demo, "township")
    mine = town.get("/api/quality/report").json()
    assert mine["stats"]["findings"] < report["stats"]["findings"]  # its own villages only
    assert all(f["org_code"] and f["org_code"].startswith(demo.township[:9]) for f in mine["findings"])
    assert town.get("/quality").status_code == 200
    assert town.get("/quality", params={"org": demo.other_village}).status_code == 403
    assert town.get("/quality/completeness").status_code == 403
    completeness = admin.get("/quality/completeness")
    assert completeness.status_code == 200 and all(s in completeness.text for s in demo.sources)


def test_the_events_page_for_a_township_and_the_data_administration(demo: Demo, base_url: str) -> None:
    admin = login(base_url, demo, "data_admin")
    api = admin.get("/api/events", params={"since": "2000-01-01", "limit": 500}).json()
    page = admin.get("/events", params={"since": "2000-01-01"})
    assert page.status_code == 200
    assert _table(page.text, "events").count("<tr><td>") == len(api["events"])
    town = login(base_url, demo, "township")
    assert town.get("/events", params={"since": "2000-01-01"}).status_code == 200
    assert town.get("/events", params={"org": demo.other_village}).status_code == 403
    assert login(base_url, demo, "grassroots").get("/events").status_code == 403
