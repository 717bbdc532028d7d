"""A real browser (Debian's chromium through Playwright) on a phone-sized screen: a village worker fills and
submits a task, the township passes it on, the publishing department (civil affairs) gives the final approval,
and the burden dashboard draws its charts under the CSP. A screenshot
per step is kept (BIAOTONG_SCREENSHOTS, default the test's tmp folder)."""

from __future__ import annotations

from pathlib import Path

from tests.reports.county import V21
from tests.web.browser import needs_chromium, shots
from tests.web.test_workflow_tasks import Site, password, site  # noqa: F401  (the module's served county)

pytestmark = needs_chromium


def _login(page, url: str, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password(username))
    page.click("main button[type=submit]")
    page.wait_for_url(f"{url}/")


def test_a_village_submits_and_its_township_approves_in_a_browser(browser, site: Site, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    folder = shots(tmp_path)
    task = site.tasks[V21]
    errors: list[str] = []

    village = browser.new_context(viewport={"width": 390, "height": 844}).new_page()  # a phone
    village.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    _login(village, site.url, "cun21")
    village.goto(f"{site.url}/tasks")
    village.screenshot(path=str(folder / "task-1-list.png"), full_page=True)
    village.click(f"a[href='/tasks/{task}']")
    village.wait_for_url(f"{site.url}/tasks/{task}")
    assert village.locator("input[name=v_pop]").count() == 0  # the system's value is read-only
    village.fill("input[name=v_cadres]", "9")
    village.fill("input[name=v_grids]", "4")
    village.fill("input[name=v_output]", "2500")
    village.screenshot(path=str(folder / "task-2-filled.png"), full_page=True)
    village.click("button[value=submit]")
    village.wait_for_url(f"{site.url}/tasks/{task}?done=submitted")
    assert village.get_by_test_id("status").inner_text().strip() == "已提交"
    village.screenshot(path=str(folder / "task-3-submitted.png"), full_page=True)

    town = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    town.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    _login(town, site.url, "zhen2")
    town.goto(f"{site.url}/tasks/review")
    assert town.get_by_test_id("review-queue").is_visible()
    town.screenshot(path=str(folder / "task-4-queue.png"), full_page=True)
    town.click(f"a[href='/tasks/{task}']")
    town.wait_for_url(f"{site.url}/tasks/{task}")
    town.fill("input[name=comment]", "数据无误")
    town.screenshot(path=str(folder / "task-5-review.png"), full_page=True)
    town.click("button[value=approve]")
    town.wait_for_url(f"{site.url}/tasks/review?done={task}")
    town.screenshot(path=str(folder / "task-6-approved.png"), full_page=True)
    village.goto(f"{site.url}/tasks/{task}")
    assert village.get_by_test_id("status").inner_text().strip() == "乡镇已通过"  # the department is next

    dept = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()  # the department, at a desk
    dept.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    _login(dept, site.url, "mz")
    dept.goto(f"{site.url}/tasks/review")
    dept.screenshot(path=str(folder / "task-7-department-queue.png"), full_page=True)
    dept.click(f"a[href='/tasks/{task}']")
    dept.wait_for_url(f"{site.url}/tasks/{task}")
    dept.click("button[value=approve]")
    dept.wait_for_url(f"{site.url}/tasks/review?done={task}")
    dept.screenshot(path=str(folder / "task-8-department-approved.png"), full_page=True)
    village.goto(f"{site.url}/tasks/{task}")
    assert village.get_by_test_id("status").inner_text().strip() == "已通过"  # final: its answers reach reports

    town.goto(f"{site.url}/burden?period=2025")
    town.wait_for_selector("#chart-by-township[data-drawn='1'] canvas")  # drawn by /static/charts.js
    town.screenshot(path=str(folder / "task-9-burden.png"), full_page=True)
    assert not [e for e in errors if "Content Security Policy" in e], errors
