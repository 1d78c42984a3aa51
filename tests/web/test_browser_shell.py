"""In Chromium: log in, the overview of each company, the company switcher, times in the
browser's zone, keyboard navigation, logout."""

import re
from typing import Any

from playwright.sync_api import expect

from tests.conftest import TenantFixture
from tests.web.conftest import LAPTOP, WebDemo, login, overflow, screenshot


def test_login_lands_on_the_overview(page: Any, web_demo: WebDemo) -> None:
    assert page.url.endswith(f"/companies/{web_demo.company}")
    for heading in (
        "Models by status",
        "Latest training runs",
        "Open violations",
        "Drift alerts",
        "Pipeline health",
    ):
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
    assert int(page.locator(".stats .stat-value").first.inner_text()) > 0
    cookie = next(c for c in page.context.cookies() if c["name"] == "urutiq_session")
    assert cookie["httpOnly"]
    assert cookie["secure"]
    assert cookie["sameSite"] == "Lax"
    screenshot(page, "overview")


def test_times_are_shown_in_the_browsers_zone(page: Any) -> None:
    stamp = page.locator("time[data-local]").first
    assert "UTC" not in stamp.inner_text()  # rewritten by app.js (Europe/Berlin: CET/CEST)
    assert re.search(r"GMT\+1|GMT\+2|CET|CEST", stamp.inner_text())


def test_the_company_switcher_changes_company(page: Any, web_demo: WebDemo) -> None:
    other = web_demo.companies[1]
    page.get_by_label("Company").select_option(other)
    page.wait_for_url(re.compile(f".*/companies/{other}$"))
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()


def test_the_sections_are_reachable_by_keyboard(page: Any) -> None:
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"


def test_logout_needs_a_new_login(page: Any, web_demo: WebDemo) -> None:
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(re.compile(r".*/login.*"))
    expect(page.get_by_text("You are logged out.")).to_be_visible()
    page.goto(f"/companies/{web_demo.company}")
    assert "/login" in page.url


def test_pages_fit_a_tablet_width(browser: Any, live_url: str, web_demo: WebDemo) -> None:
    """At 768 px nothing makes the page scroll sideways (wide tables scroll in their card)."""
    context = browser.new_context(base_url=live_url, viewport={"width": 768, "height": 1024})
    tab = context.new_page()
    login(tab, web_demo.key)
    c = f"/companies/{web_demo.company}"
    for path in (
        c,
        f"{c}/models",
        f"{c}/training-runs",
        f"{c}/pipelines",
        f"{c}/data-quality",
        f"{c}/monitoring",
        f"{c}/deployments",
        f"{c}/experiments",
        f"{c}/governance",
        f"{c}/config",
        "/audit",
    ):
        tab.goto(path)
        overflow = tab.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} is {overflow} px wider than the screen"
    context.close()


def test_cards_fit_a_laptop_width(page: Any, web_demo: WebDemo) -> None:
    """At 1366x768, where two cards share a row, no card scrolls sideways: its tables wrap
    (the overview's drift alerts, seven columns, take a whole row)."""
    page.set_viewport_size(LAPTOP)
    c = f"/companies/{web_demo.company}"
    for path in (
        c,
        f"{c}/pipelines",
        f"{c}/training-runs",
        f"{c}/data-quality",
        f"{c}/deployments",
        f"{c}/monitoring",
        f"{c}/monitoring/drift",
    ):
        page.goto(path)
        assert overflow(page) == [], path


def test_another_tenants_url_answers_404_in_the_browser(
    page: Any, other_tenant: TenantFixture
) -> None:
    for path in (
        f"/companies/{other_tenant.company_id}",
        f"/companies/{other_tenant.company_id}/models",
    ):
        response = page.goto(path)
        assert response.status == 404
        expect(page.get_by_role("heading", name="Not found")).to_be_visible()
        assert "Traceback" not in page.content()
