"""A real browser (Debian's chromium through Playwright): log in as the grassroots worker and the auditor,
see their pages; a screenshot per step is kept (BIAOTONG_SCREENSHOTS, default the test's tmp folder)."""

from __future__ import annotations

from pathlib import Path

from tests.services.conftest import PERIOD, Demo
from tests.web.browser import needs_chromium, shots

pytestmark = needs_chromium




def test_grassroots_worker_logs_in_and_sees_their_village(browser, demo: Demo, base_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = shots(tmp_path)
    page = browser.new_page(viewport={"width": 390, "height": 844})  # a phone
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{base_url}/reports")
    assert "/login" in page.url
    page.screenshot(path=str(folder / "grassroots-1-login.png"))
    page.fill("input[name=username]", "grassroots")
    page.fill("input[name=password]", demo.accounts["grassroots"].password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}/reports")
    page.screenshot(path=str(folder / "grassroots-2-reports.png"))
    assert page.get_by_test_id("user").inner_text().strip()
    page.goto(f"{base_url}/reports/mz_dibao_tekun?period={PERIOD}")
    assert page.get_by_test_id("report-table").is_visible()
    assert demo.accounts["grassroots"].org_name in page.locator("main").inner_text()
    page.screenshot(path=str(folder / "grassroots-3-report.png"), full_page=True)
    assert not [e for e in errors if "Content Security Policy" in e], errors
    page.close()


def test_auditor_sees_the_ledger_and_a_chart(browser, demo: Demo, base_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = shots(tmp_path)
    page = browser.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{base_url}/login?lang=en")
    page.fill("input[name=username]", "auditor")
    page.fill("input[name=password]", demo.accounts["auditor"].password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}/")
    page.click("text=Ledger")
    page.click("text=Verify the whole ledger")
    assert "ledger intact" in page.get_by_test_id("verify").inner_text()
    page.screenshot(path=str(folder / "auditor-1-ledger.png"))
    page.goto(f"{base_url}/reports/mz_dibao_tekun?period={PERIOD}&org={demo.county}")
    page.wait_for_selector(".chart canvas")  # ECharts drew, from the packaged file, under the CSP
    page.screenshot(path=str(folder / "auditor-2-report.png"), full_page=True)
    assert not errors, errors
    page.close()
