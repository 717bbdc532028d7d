"""The department designer's journey in a real browser (Debian's chromium through Playwright): upload the demo's
低保 form, read the proposals with their reasons and runner-up, change one column, save; the data administration
approves; the designer publishes to a township for a period and downloads the filled department form, which is
read back with openpyxl and compared with the report the service generates. A screenshot per step is kept."""

from __future__ import annotations

import io
from pathlib import Path

import httpx
import openpyxl

from biaotong.demo.forms import AGGREGATE, write_demo_forms
from biaotong.services import reports
from tests.services.conftest import PERIOD, Demo
from tests.web.browser import needs_chromium, shots

pytestmark = needs_chromium
REPORT = "mz_dibao_browser"


def _login(browser, url: str, demo: Demo, username: str):  # type: ignore[no-untyped-def]
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto(f"{url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", demo.accounts[username].password)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{url}/")
    return page


def _cells(data: bytes) -> dict[str, object]:
    book = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    return {f"{s.title}!{c.coordinate}": c.value for s in book.worksheets for row in s.iter_rows() for c in row
            if c.value is not None}


def test_designer_uploads_maps_publishes_and_downloads(browser, base_url: str, demo: Demo, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = shots(tmp_path)
    form = next(p for p in write_demo_forms(tmp_path, demo.ws.home / "org_tree.yaml") if p.name == AGGREGATE)

    designer = _login(browser, base_url, demo, "designer")
    assert designer.locator("nav a[href='/forms/new']").count() == 1
    designer.goto(f"{base_url}/forms/new")
    designer.set_input_files("input[name=file]", str(form))
    designer.screenshot(path=str(folder / "designer-1-upload.png"), full_page=True)
    designer.click("main button[type=submit]")
    designer.wait_for_url("**/mapping")
    table = designer.get_by_test_id("mapping")
    assert table.is_visible()
    rows = table.locator("tbody tr")
    assert rows.count() >= 4
    # One column with a runner-up: take it instead of the proposal.
    keys = [rows.nth(i).get_attribute("data-column") for i in range(rows.count())]
    changed = next(k for k in keys if designer.get_by_test_id(f"runner-{k}").inner_text().strip()
                   and "unmapped" not in designer.get_by_test_id(f"proposal-{k}").inner_text())
    runner = designer.get_by_test_id(f"runner-{changed}").inner_text().split()[0]
    designer.select_option(f"select[name=m_{changed}]", "runner-up")
    designer.fill("input[name=report_id]", REPORT)
    designer.select_option("select[name=level]", "township")
    designer.screenshot(path=str(folder / "designer-2-mapping.png"), full_page=True)
    designer.click("main form button[type=submit]")
    designer.wait_for_url(f"**/forms/review/{REPORT}?done=saved")
    assert designer.get_by_test_id("status").inner_text() == "draft"
    assert designer.get_by_test_id("decide").count() == 0  # a designer cannot approve their own report
    designer.screenshot(path=str(folder / "designer-3-review.png"), full_page=True)
    spec = reports.cache.spec(demo.ws, REPORT)
    assert any(runner in str(f) for f in spec.to_json().get("fields", [])), runner

    admin = _login(browser, base_url, demo, "data_admin")
    admin.goto(f"{base_url}/forms/review/{REPORT}")
    admin.fill("input[name=reason]", "口径清楚，复用已有数据")
    admin.click("button[value=approve]")
    admin.wait_for_url(f"**/forms/review/{REPORT}?done=approved")
    assert admin.get_by_test_id("status").inner_text() == "approved"
    admin.screenshot(path=str(folder / "designer-4-approved.png"), full_page=True)

    designer.goto(f"{base_url}/forms/review/{REPORT}")
    designer.fill("form[data-testid=publish] input[name=period]", PERIOD)
    designer.fill("form[data-testid=publish] input[name=to]", demo.township)
    designer.click("form[data-testid=publish] button[type=submit]")
    designer.wait_for_url(f"**/reports/{REPORT}?*")
    designer.screenshot(path=str(folder / "designer-5-report.png"), full_page=True)
    link = designer.get_by_test_id("download-template")
    with designer.expect_download() as info:
        link.click()
    got = Path(info.value.path()).read_bytes()

    expected = reports.generate_report(demo.actors["designer"], demo.ws, REPORT, PERIOD, demo.township,
                                       tmp_path / "expected.xlsx", fmt="template").path.read_bytes()
    cells, want = _cells(got), _cells(expected)
    assert cells == want
    result = reports.report_result(demo.actors["designer"], demo.ws, REPORT, PERIOD, demo.township)
    numbers = {v for r in result.rows for v in r.values.values() if isinstance(v, int | float) and v}
    assert numbers and numbers & {v for v in cells.values() if isinstance(v, int | float)}

    # A POST made with the session cookie but without its CSRF token is refused; the pages switch to English.
    refused = designer.request.post(f"{base_url}/api/forms", multipart={
        "file": {"name": form.name, "mimeType": "application/octet-stream", "buffer": form.read_bytes()}})
    assert refused.status == 403
    designer.goto(f"{base_url}/forms/new?lang=en")
    assert "Upload the department's form" in designer.locator("h1").inner_text()


def test_forms_api_refuses_a_grassroots_upload(base_url: str, demo: Demo, tmp_path: Path) -> None:
    from biaotong.auth.tokens import create_token

    form = next(p for p in write_demo_forms(tmp_path, demo.ws.home / "org_tree.yaml") if p.name == AGGREGATE)
    token = create_token(demo.ws, "grassroots", "designer-test").token
    r = httpx.post(f"{base_url}/api/forms", headers={"Authorization": f"Bearer {token}"},
                      files={"file": (form.name, form.read_bytes())}, timeout=30)
    assert r.status_code == 403, r.text
