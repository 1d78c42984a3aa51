"""The dashboard under test: a copy of the demo (loaded once per run, ``demo_template``) in a
SQLite database, its app served by uvicorn on a free port (for the browser) and wrapped by a
TestClient (for fast checks).

Browser tests drive Debian's Chromium (``/usr/bin/chromium``) through Playwright. Where the
browser is missing they are skipped, unless ``URUTIQ_REQUIRE_BROWSER=1`` (``.ci/run`` sets
it), which turns the missing browser into a failure. Every test of this folder runs on one
xdist worker (group ``web``), on one copy of the demo.
"""

import os
import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import TenantFixture, make_tenant_fixture
from tests.demo.conftest import copy_demo, demo_template
from urutiq_ai.api.app import create_app
from urutiq_ai.core.context import Role
from urutiq_ai.core.db import unit_of_work
from urutiq_ai.core.settings import Settings
from urutiq_ai.tenancy import admin
from urutiq_ai.tenancy import service as tenancy

__all__ = ["demo_template"]  # a fixture: imported to be found here

CHROMIUM = Path("/usr/bin/chromium")
REQUIRE_BROWSER = os.environ.get("URUTIQ_REQUIRE_BROWSER") == "1"
BASE_HOST = "127.0.0.1"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups into the node ids
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.xdist_group("web"))


@dataclass
class WebDemo:
    """The demo's database, its admin key, its companies, and the app serving it."""

    app: FastAPI
    key: str
    companies: list[str]
    url: str = ""

    @property
    def company(self) -> str:
        return self.companies[0]


@pytest.fixture(scope="session")
def web_demo(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDemo]:
    env = copy_demo(demo_template, tmp_path_factory.mktemp("web") / "data")
    url, key = env["URUTIQ_DATABASE_URL"], env["URUTIQ_API_KEY"]
    settings = Settings(
        database_url=url,
        artifacts=env["URUTIQ_ARTIFACTS"],
        sources=env["URUTIQ_SOURCES"],
        scheduler="off",  # tests trigger what they need; no background surprises
        session_secret="web-tests-secret",
    )
    app = create_app(settings)
    client = logged_in(app, key)
    companies = re.findall(r'<option value="([^"]+)"', client.get("/companies/demo-services").text)
    yield WebDemo(app=app, key=key, companies=companies)
    app.state.executor.shutdown(wait=True)
    app.state.engine.dispose()


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF field on the page"
    return found.group(1)


def logged_in(app: FastAPI, key: str) -> TestClient:
    """A TestClient (https, so the Secure cookies travel) logged in with ``key``."""
    client = TestClient(app, base_url="https://testserver")
    token = csrf_of(client.get("/login").text)
    response = client.post(
        "/login", data={"csrf_token": token, "api_key": key}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    return client


@pytest.fixture(scope="session")
def web(web_demo: WebDemo) -> TestClient:
    """A TestClient logged in with the demo's admin key."""
    return logged_in(web_demo.app, web_demo.key)


@pytest.fixture(scope="session")
def api(web_demo: WebDemo) -> TestClient:
    """The JSON API with the demo's admin key (to set things up and to check effects)."""
    return TestClient(
        web_demo.app,
        base_url="https://testserver",
        headers={"Authorization": f"Bearer {web_demo.key}"},
    )


@pytest.fixture(scope="session")
def role_keys(web_demo: WebDemo) -> dict[str, str]:
    """A key per role in the demo's tenant."""
    factory: sessionmaker[Session] = web_demo.app.state.sessionmaker
    keys: dict[str, str] = {}
    with unit_of_work(factory) as session:
        tenant_id = tenancy.authenticate(session, web_demo.key).tenant_id
        for role in Role:
            _, keys[role.value] = admin.create_key(session, tenant_id=tenant_id, role=role)
    return keys


@pytest.fixture
def other_tenant(web_demo: WebDemo) -> TenantFixture:
    """A second tenant in the demo's database, with a key per role."""
    factory: sessionmaker[Session] = web_demo.app.state.sessionmaker
    return make_tenant_fixture(factory)


# -- the live server and the browser ---------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((BASE_HOST, 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def live_url(web_demo: WebDemo) -> Iterator[str]:
    """The demo app served by uvicorn in a thread."""
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(web_demo.app, host=BASE_HOST, port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "the dashboard server did not start"
        time.sleep(0.05)
    web_demo.url = f"http://{BASE_HOST}:{port}"
    yield web_demo.url
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Chromium through Playwright's sync API, for one module: while it is open, an event
    loop runs in this thread, and a later test's ``asyncio.run`` on the same xdist worker
    would fail, so it must not outlive the web tests."""
    if not CHROMIUM.exists():
        if REQUIRE_BROWSER:
            pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium); .ci/run installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"]
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, live_url: str, web_demo: WebDemo) -> Iterator[Any]:
    """A fresh browser context (zone Europe/Berlin, laptop width) logged in as the demo
    admin, on the overview of the first company."""
    context = browser.new_context(
        base_url=live_url, timezone_id="Europe/Berlin", viewport={"width": 1366, "height": 900}
    )
    context.set_default_timeout(15_000)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    login(tab, web_demo.key)
    yield tab
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def login(tab: Any, key: str) -> None:
    tab.goto("/login")
    tab.get_by_label("API key").fill(key)
    tab.get_by_role("button", name="Log in").click()
    tab.wait_for_url(re.compile(r".*/companies/[^/]+$"))


def chart_points(tab: Any, selector: str) -> list[int]:
    """How many points each dataset of the Chart.js chart on ``selector`` holds (so a test
    sees that a chart rendered with data, not only that its page loaded)."""
    tab.wait_for_function(
        "s => { const c = document.querySelector(s); "
        "return c && window.Chart && Chart.getChart(c); }",
        arg=selector,
    )
    points: list[int] = tab.evaluate(
        "s => Chart.getChart(document.querySelector(s)).data.datasets.map(d => d.data.length)",
        selector,
    )
    return points


LAPTOP = {"width": 1366, "height": 768}  # the width at which two cards share a row


def overflow(tab: Any) -> list[str]:
    """What scrolls sideways on the page: each card whose content is wider than the card
    (``scrollWidth > clientWidth``), by its heading, and the page itself past the window."""
    found: list[str] = tab.evaluate(
        """() => {
          const wide = [...document.querySelectorAll('.card')]
            .filter(card => card.scrollWidth > card.clientWidth)
            .map(card => `${(card.querySelector('h2') || card).innerText.split('\\n')[0]}: `
                          + `${card.scrollWidth} > ${card.clientWidth} px`);
          const page = document.documentElement.scrollWidth;
          return page > window.innerWidth ? [...wide, `page: ${page} px`] : wide;
        }"""
    )
    return found


def screenshot(tab: Any, name: str) -> None:
    """With ``URUTIQ_SCREENSHOTS=1``, save the page for the README
    (docs/screenshots/<name>.png); ordinary runs leave the committed pictures alone."""
    if os.environ.get("URUTIQ_SCREENSHOTS") != "1":
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=False)
