"""The web app over real HTTP: login with CSRF and throttling, sessions, security headers, the JSON API under
the same permissions as the services, the witness endpoints, downloads, escaping, the English switch."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import openpyxl
import pytest

from biaotong.auth.tokens import create_token
from biaotong.auth.users import add_user
from biaotong.ledger.keys import ensure_witness_key
from biaotong.ledger.witness import witness
from tests.services.conftest import PERIOD, Demo

CSRF_FIELD = re.compile(r'name="csrf" value="([^"]+)"')
_clients: list[httpx.Client] = []


@pytest.fixture(autouse=True)
def _close_clients() -> Iterator[None]:
    yield
    while _clients:
        _clients.pop().close()


def client_for(base_url: str, **kwargs: Any) -> httpx.Client:
    client = httpx.Client(base_url=base_url, follow_redirects=False, timeout=120, **kwargs)
    _clients.append(client)
    return client


def login(base_url: str, username: str, password: str) -> httpx.Client:
    client = client_for(base_url)
    form = client.get("/login")
    token = CSRF_FIELD.search(form.text)
    assert token, form.text
    r = client.post("/login", data={"username": username, "password": password, "csrf": token.group(1), "next": "/"})
    assert r.status_code == 303, r.text
    return client


def _csrf(client: httpx.Client, path: str = "/") -> str:
    m = CSRF_FIELD.search(client.get(path).text)
    assert m
    return m.group(1)


def test_login_sets_a_strict_session_and_security_headers(demo: Demo, base_url: str) -> None:
    anon = client_for(base_url)
    r = anon.get("/reports")
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=")
    page = anon.get("/login")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert page.headers["x-content-type-options"] == "nosniff"
    assert "<script>" not in page.text and " style=" not in page.text  # no inline script or style
    token = CSRF_FIELD.search(page.text).group(1)  # type: ignore[union-attr]
    bad = anon.post("/login", data={"username": "grassroots", "password": demo.accounts["grassroots"].password,
                                    "csrf": "forged"})
    assert bad.status_code == 403
    token = CSRF_FIELD.search(bad.text).group(1)  # type: ignore[union-attr]  # each form has its own token
    wrong = anon.post("/login", data={"username": "grassroots", "password": "not it", "csrf": token})
    assert wrong.status_code == 401 and "bt_session" not in wrong.cookies
    client = login(base_url, "grassroots", demo.accounts["grassroots"].password)
    cookie = next(c for c in client.cookies.jar if c.name == "bt_session")
    assert cookie.has_nonstandard_attr("HttpOnly") and cookie._rest.get("SameSite", "").lower() == "lax"  # type: ignore[attr-defined]
    home = client.get("/")
    assert home.status_code == 200 and demo.accounts["grassroots"].org_code in home.text  # their scope
    assert "/ledger" not in home.text  # the nav shows only what the role may use
    forged = client_for(base_url, cookies={"bt_session": cookie.value[:-3] + "abc"}).get("/")
    assert forged.status_code == 303


def test_logins_from_one_address_are_throttled(demo: Demo, base_url: str) -> None:
    client = client_for(base_url)
    codes = []
    for i in range(12):
        token = CSRF_FIELD.search(client.get("/login").text).group(1)  # type: ignore[union-attr]
        codes.append(client.post("/login", data={"username": f"nobody{i}", "password": "x" * 9, "csrf": token}).status_code)
    assert codes[:10] == [401] * 10 and codes[-1] == 429
    from biaotong.web.routes import auth

    auth._throttle.succeeded("127.0.0.1")  # the other tests log in from the same address


def test_api_follows_the_services_permissions(demo: Demo, base_url: str) -> None:
    assert httpx.get(f"{base_url}/api/reports").status_code == 401
    issued = create_token(demo.ws, "grassroots", "test")
    api = client_for(base_url, headers={"Authorization": f"Bearer {issued.token}"})
    assert api.get("/api/me").json()["org_code"] == demo.village
    ok = api.get("/api/reports/mz_dibao_tekun", params={"period": PERIOD})
    assert ok.status_code == 200 and ok.json()["org_code"] == demo.village
    out = api.get("/api/reports/mz_dibao_tekun", params={"period": PERIOD, "org": demo.other_village})
    assert out.status_code == 403 and out.json()["error"] == "AccessDenied"
    assert api.get("/api/sources").status_code == 403
    assert api.get("/api/ledger/verify").status_code == 403
    bogus = httpx.get(f"{base_url}/api/me", headers={"Authorization": "Bearer bt_x_y"})
    assert bogus.status_code == 401
    spec = httpx.get(f"{base_url}/api/openapi.json").json()
    assert {"/api/reports", "/api/ledger/head", "/api/ledger/consistency/{old}/{new}"} <= set(spec["paths"])


def test_download_is_a_real_workbook_masked_and_recorded(demo: Demo, base_url: str) -> None:
    client = login(base_url, "designer", demo.accounts["designer"].password)
    r = client.get("/api/reports/mz_dibao_roster/download", params={"period": PERIOD, "format": "xlsx"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(r.content))
    text = " ".join(str(c.value) for row in book.active.iter_rows() for c in row if c.value is not None)
    assert "*" in text and not re.search(r"\b\d{17}[\dX]\b", text)


def test_witness_endpoints_serve_a_real_witness(demo: Demo, base_url: str, tmp_path: Path) -> None:
    head = httpx.get(f"{base_url}/api/ledger/head").json()
    assert head["size"] > 0 and head["key"] and head["checkpoint"]
    state = tmp_path / "witness"
    first = witness(f"{base_url}/api/ledger", state, ensure_witness_key(state), None)
    assert first.ok, first.reason
    add_user(demo.ws, "growth", roles=["auditor"])  # the log grows by an entry
    client = login(base_url, "auditor", demo.accounts["auditor"].password)
    assert client.get("/ledger").status_code == 200  # signs a new head
    second = witness(f"{base_url}/api/ledger", state, ensure_witness_key(state), None)
    assert second.ok and second.new_size > first.new_size


def test_forms_need_the_csrf_token_and_data_is_escaped(demo: Demo, base_url: str) -> None:
    client = login(base_url, "admin", demo.accounts["admin"].password)
    payload = {"username": "xss", "role": "auditor", "display_name": '<script>alert("x")</script>'}
    assert client.post("/users", data=payload).status_code == 403
    r = client.post("/users", data={**payload, "csrf": _csrf(client, "/users")})
    assert r.status_code == 200, r.text
    assert '<script>alert("x")</script>' not in r.text and "&lt;script&gt;alert(" in r.text
    assert client.post("/logout").status_code == 403  # logout is a form too
    assert client.post("/logout", data={"csrf": _csrf(client)}).status_code == 303


@pytest.mark.parametrize(("lang", "word"), [("zh", "报表"), ("en", "Reports")])
def test_pages_in_chinese_with_an_english_switch(demo: Demo, base_url: str, lang: str, word: str) -> None:
    client = login(base_url, "township", demo.accounts["township"].password)
    r = client.get("/reports", params={"lang": lang})
    assert r.status_code == 200 and f">{word}<" in r.text
    page = client.get(f"/reports/mz_dibao_tekun?period={PERIOD}")
    assert page.status_code == 200 and 'data-testid="report-table"' in page.text
    refused = client.get(f"/reports/mz_dibao_tekun?period={PERIOD}&org={demo.other_village}")
    assert refused.status_code == 403


XSS = '<img src=x onerror="alert(1)"><script>alert(2)</script>'


def test_hostile_text_is_inert_on_every_page(demo: Demo, base_url: str) -> None:
    add_user(demo.ws, "hostile", roles=["auditor", "data_admin", "sysadmin", "designer"], department="civil_affairs",
             display_name=XSS, password="hostile-password-1")
    client = login(base_url, "hostile", "hostile-password-1")
    paths = ["/", "/reports", f"/reports/mz_dibao_tekun?period={PERIOD}",
             f"/reports/mz_dibao_tekun/explain?period={PERIOD}&field=dibao_n", "/sources", "/conflicts", "/ledger",
             "/users", f"/reports/{XSS}"]
    for path in paths:
        r = client.get(path)
        assert r.status_code in (200, 404), (path, r.status_code)
        assert XSS not in r.text and "<script>alert" not in r.text, path
        assert "&lt;img src=x" in r.text or r.status_code == 404, path
