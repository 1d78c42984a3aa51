"""Alert fixtures: a real HTTP receiver for webhooks, and helpers to wait for jobs.

Webhooks may not reach loopback addresses (:mod:`urutiq_ai.alerts.egress`), so the
``receiver`` on 127.0.0.1 allows that host explicitly (:func:`allow_local`, the setting
``URUTIQ_WEBHOOK_ALLOW_HOSTS``), as an operator does for an on-premise receiver; tests
without a receiver ask for ``allow_local_webhooks``. ``listener`` is the same server
without that exception: nothing may reach it.
"""

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.conftest import TenantFixture
from urutiq_ai.core.context import TenantContext
from urutiq_ai.core.db import unit_of_work
from urutiq_ai.core.jobs import JobRuntime
from urutiq_ai.core.scoping import bind_scope, set_database_role
from urutiq_ai.core.settings import get_settings
from urutiq_ai.tenancy.context import for_job

SECRET = "s3cret-for-tests-only"


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """Answers each POST with the next queued status (200 when none is queued)."""

    url: str
    received: list[Received] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    redirect_to: str | None = None  # sent as Location with every answer

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(self.received) >= count, f"{len(self.received)} of {count} requests arrived"
        return self.received


LOCAL_HOST = "127.0.0.1"


def allow_local(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Webhooks may reach 127.0.0.1 until the test ends: ``URUTIQ_WEBHOOK_ALLOW_HOSTS`` for
    the in-process CLI and SDK (which read the environment), and the test app's settings
    when the test uses the app."""
    monkeypatch.setenv("URUTIQ_WEBHOOK_ALLOW_HOSTS", LOCAL_HOST)
    get_settings.cache_clear()
    request.addfinalizer(get_settings.cache_clear)
    if "app" in request.fixturenames:
        settings = request.getfixturevalue("app").state.settings
        monkeypatch.setattr(settings, "webhook_allow_hosts", [LOCAL_HOST])


@pytest.fixture
def allow_local_webhooks(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """:func:`allow_local` for a test without a ``receiver`` (a port that does not answer)."""
    allow_local(request, monkeypatch)


@pytest.fixture
def receiver(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Receiver]:
    """A receiver on 127.0.0.1 that webhooks are allowed to reach (:func:`allow_local`;
    other test modules share this fixture by importing it)."""
    allow_local(request, monkeypatch)
    with serve() as target:
        yield target


@pytest.fixture
def listener() -> Iterator[Receiver]:
    """A receiver on 127.0.0.1 that webhooks may not reach (loopback, not allowed)."""
    with serve() as target:
        yield target


@contextmanager
def serve() -> Iterator[Receiver]:
    """An HTTP server on 127.0.0.1 recording each POST (answered with ``statuses``)."""
    box: dict[str, Receiver] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            target = box["receiver"]
            status = target.statuses.pop(0) if target.statuses else 200
            target.received.append(Received(self.path, dict(self.headers.items()), body))
            self.send_response(status)
            if target.redirect_to is not None:
                self.send_header("Location", target.redirect_to)
            self.end_headers()

        def log_message(self, *_: Any) -> None:
            return None

    server = ThreadingHTTPServer((LOCAL_HOST, 0), Handler)
    box["receiver"] = Receiver(url=f"http://{LOCAL_HOST}:{server.server_port}/hook")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield box["receiver"]
    finally:
        server.shutdown()
        server.server_close()


def add_webhook(
    client: TestClient, tenant: TenantFixture, url: str, **fields: Any
) -> dict[str, Any]:
    response = client.post(
        tenant.url("webhooks"),
        json={"name": fields.pop("name", "ops"), "url": url, "secret": SECRET, **fields},
        headers=tenant.headers("admin"),
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def wait_until(
    condition: Callable[[], Any], timeout: float = 10.0, message: str = "condition"
) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {message}")


@pytest.fixture
def runtime(app: FastAPI) -> JobRuntime:
    """The test app's job runtime (its sessions, its settings)."""
    return JobRuntime(app.state.sessionmaker, app.state.settings)


@pytest.fixture
def scoped(app: FastAPI, tenant: TenantFixture) -> Callable[[], Any]:
    """``with scoped() as (session, ctx):`` one unit of work of a job for company A, as the
    app's database role (row-level security on PostgreSQL), with no executor attached (as
    the policy ticker's checks run)."""

    @contextmanager
    def open_scope() -> Iterator[tuple[Session, TenantContext]]:
        ctx = for_job(tenant.id, [tenant.company_id])
        with unit_of_work(app.state.sessionmaker) as session:
            set_database_role(session, app.state.settings.database_role)
            bind_scope(session, ctx)
            yield session, ctx

    return open_scope
