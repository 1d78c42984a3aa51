"""Alert fixtures: a real HTTP receiver for webhooks, and helpers to wait for jobs."""

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.conftest import TenantFixture
from urutiq_ai.core.jobs import JobRuntime

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

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(self.received) >= count, f"{len(self.received)} of {count} requests arrived"
        return self.received


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    box: dict[str, Receiver] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            target = box["receiver"]
            status = target.statuses.pop(0) if target.statuses else 200
            target.received.append(Received(self.path, dict(self.headers.items()), body))
            self.send_response(status)
            self.end_headers()

        def log_message(self, *_: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    box["receiver"] = Receiver(url=f"http://127.0.0.1:{server.server_port}/hook")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield box["receiver"]
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
