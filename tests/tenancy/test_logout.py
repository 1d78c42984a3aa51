"""Issue 17, finding 10a: *Log out* ends the dashboard session on the server. A copy of the
old cookie (replayed by whoever kept it) opens no page any more, in this server process or
another one sharing the database and the signing secret; SQLite and PostgreSQL."""

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import TenantFixture
from urutiq_ai.api.app import create_app
from urutiq_ai.core.db import unit_of_work
from urutiq_ai.core.scoping import bind_system
from urutiq_ai.tenancy import security
from urutiq_ai.tenancy.models import EndedSession
from urutiq_ai.web import session as cookies

SECRET = "logout-tests-secret"


@pytest.fixture
def servers(app: FastAPI) -> Iterator[tuple[FastAPI, FastAPI]]:
    """Two server processes' apps on the test database, with one signing secret."""
    settings = app.state.settings.model_copy(update={"session_secret": SECRET, "scheduler": "off"})
    pair = (create_app(settings), create_app(settings))
    yield pair
    for served in pair:
        served.state.executor.shutdown(wait=True)
        served.state.engine.dispose()


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF field on the page"
    return found.group(1)


def browser(served: FastAPI) -> TestClient:
    return TestClient(served, base_url="https://testserver")


def log_in(served: FastAPI, key: str) -> TestClient:
    client = browser(served)
    token = csrf_of(client.get("/login").text)
    response = client.post(
        "/login", data={"csrf_token": token, "api_key": key}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    return client


def log_out(client: TestClient, page: str) -> None:
    token = csrf_of(client.get(page).text)
    response = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


def replay(served: FastAPI, cookie: str) -> TestClient:
    """A fresh browser holding only a copy of ``cookie`` (as whoever kept one)."""
    thief = browser(served)
    thief.cookies.set(cookies.SESSION_COOKIE, cookie)
    return thief


def ended_rows(factory: sessionmaker[Session], tenant_id: str) -> int:
    with unit_of_work(factory) as session:
        bind_system(session)
        stmt = select(func.count()).where(EndedSession.tenant_id == tenant_id)
        return int(session.scalar(stmt) or 0)


class TestLogout:
    def test_the_old_cookie_opens_no_page_after_logout(
        self, servers: tuple[FastAPI, FastAPI], tenant: TenantFixture
    ) -> None:
        first, _ = servers
        page = f"/companies/{tenant.company_id}"
        client = log_in(first, tenant.keys["viewer"])
        cookie = client.cookies.get(cookies.SESSION_COOKIE)
        assert cookie
        assert replay(first, cookie).get(page).status_code == 200  # a copy works...
        log_out(client, page)
        again = replay(first, cookie).get(page, follow_redirects=False)
        assert again.status_code == 303  # ...until the logout
        assert again.headers["location"].startswith("/login")
        assert "logged out" in again.headers["location"].replace("%20", " ")
        followed = replay(first, cookie).get(page)
        assert 'name="api_key"' in followed.text  # the login page

    def test_a_logout_holds_in_every_server_process(
        self, servers: tuple[FastAPI, FastAPI], tenant: TenantFixture
    ) -> None:
        first, second = servers
        page = f"/companies/{tenant.company_id}"
        client = log_in(first, tenant.keys["editor"])
        cookie = client.cookies.get(cookies.SESSION_COOKIE)
        assert cookie
        assert replay(second, cookie).get(page).status_code == 200
        log_out(client, page)
        refused = replay(second, cookie).get(page, follow_redirects=False)
        assert refused.status_code == 303
        assert refused.headers["location"].startswith("/login")

    def test_other_sessions_of_the_key_stay(
        self, servers: tuple[FastAPI, FastAPI], tenant: TenantFixture
    ) -> None:
        first, _ = servers
        page = f"/companies/{tenant.company_id}"
        leaving = log_in(first, tenant.keys["admin"])
        staying = log_in(first, tenant.keys["admin"])
        log_out(leaving, page)
        assert staying.get(page).status_code == 200
        assert log_in(first, tenant.keys["admin"]).get(page).status_code == 200  # log in anew

    def test_what_is_stored(
        self,
        servers: tuple[FastAPI, FastAPI],
        tenant: TenantFixture,
        session_factory: sessionmaker[Session],
    ) -> None:
        first, _ = servers
        page = f"/companies/{tenant.company_id}"
        client = log_in(first, tenant.keys["viewer"])
        cookie = client.cookies.get(cookies.SESSION_COOKIE)
        assert cookie
        web_session = cookies.decode_session(SECRET, cookie)
        log_out(client, page)
        with unit_of_work(session_factory) as session:
            bind_system(session)
            row = session.get(EndedSession, security.session_hash(web_session.nonce))
            assert row is not None
            assert (row.tenant_id, row.key_id) == (tenant.id, tenant.key_ids["viewer"])
            assert row.expires_at == datetime.fromtimestamp(web_session.expires_at, UTC)
            assert web_session.nonce not in row.id  # only its hash is kept

    def test_logging_out_forgets_expired_ended_sessions(
        self,
        servers: tuple[FastAPI, FastAPI],
        tenant: TenantFixture,
        session_factory: sessionmaker[Session],
    ) -> None:
        first, _ = servers
        page = f"/companies/{tenant.company_id}"
        with unit_of_work(session_factory) as session:
            bind_system(session)
            old = EndedSession(
                id=security.session_hash("long-gone"),
                key_id=tenant.key_ids["viewer"],
                expires_at=datetime.now(UTC) - timedelta(hours=1),
            )
            old.tenant_id = tenant.id
            session.add(old)
        assert ended_rows(session_factory, tenant.id) == 1
        log_out(log_in(first, tenant.keys["viewer"]), page)
        assert ended_rows(session_factory, tenant.id) == 1  # the new one; the old is gone

    def test_logout_without_a_session_changes_nothing(
        self,
        servers: tuple[FastAPI, FastAPI],
        tenant: TenantFixture,
        session_factory: sessionmaker[Session],
    ) -> None:
        first, _ = servers
        client = browser(first)
        token = csrf_of(client.get("/login").text)
        response = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
        assert response.status_code == 303
        assert ended_rows(session_factory, tenant.id) == 0
