"""Issue 17, finding 10b: request bodies have a size limit (URUTIQ_MAX_BODY_BYTES). A body
past it answers 413 in the one error shape before anything uses it, whether its
Content-Length says so, it comes chunked, or it is longer than it declared; nothing is
written. SQLite and PostgreSQL."""

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.types import Message

from tests.conftest import TenantFixture
from urutiq_ai.api.app import BodySizeLimit, create_app
from urutiq_ai.core.settings import Settings, get_settings
from urutiq_ai.predictions.schemas import MAX_BATCH

LIMIT = 2_000


@pytest.fixture
def limited_app(app: FastAPI) -> Iterator[FastAPI]:
    """The test app's settings with a small limit (its database, its tenants)."""
    settings = app.state.settings.model_copy(update={"max_body_bytes": LIMIT, "scheduler": "off"})
    served = create_app(settings)
    yield served
    served.state.executor.shutdown(wait=True)
    served.state.engine.dispose()


def model_body(name: str, pad: int) -> dict[str, Any]:
    return {
        "modelName": name,
        "modelVersion": "1.0",
        "modelType": "classification",
        "algorithm": "xgboost",
        "hyperparameters": {"pad": "x" * pad},
    }


def model_names(client: TestClient, tenant: TenantFixture) -> list[str]:
    response = client.get(tenant.url("models"), headers=tenant.headers())
    assert response.status_code == 200, response.text
    return [item["modelName"] for item in response.json()["items"]]


def audit_rows(client: TestClient, tenant: TenantFixture) -> int:
    response = client.get(
        "/api/v1/audit-log", params={"tableName": "AIModel"}, headers=tenant.headers()
    )
    assert response.status_code == 200, response.text
    return len(response.json()["items"])


def assert_too_large(response: Any) -> None:
    assert response.status_code == 413, response.text
    body = response.json()
    assert body["error"] == "PayloadTooLarge"
    assert str(LIMIT) in body["detail"]
    assert "URUTIQ_MAX_BODY_BYTES" in body["detail"]
    assert body["fields"] == []


class TestBodySizeLimit:
    def test_a_body_within_the_limit_is_served(
        self, limited_app: FastAPI, tenant: TenantFixture
    ) -> None:
        client = TestClient(limited_app)
        response = client.post(
            tenant.url("models"), json=model_body("small", 100), headers=tenant.headers("editor")
        )
        assert response.status_code == 201, response.text

    def test_a_declared_length_over_the_limit_is_refused(
        self, limited_app: FastAPI, tenant: TenantFixture
    ) -> None:
        client = TestClient(limited_app)
        response = client.post(
            tenant.url("models"), json=model_body("big", LIMIT), headers=tenant.headers("editor")
        )
        assert_too_large(response)
        assert model_names(client, tenant) == []
        assert audit_rows(client, tenant) == 0

    def test_a_chunked_body_is_counted(self, limited_app: FastAPI, tenant: TenantFixture) -> None:
        client = TestClient(limited_app)
        raw = json.dumps(model_body("chunked", LIMIT)).encode()
        chunks = (raw[i : i + 500] for i in range(0, len(raw), 500))
        headers = {**tenant.headers("editor"), "Content-Type": "application/json"}
        response = client.post(tenant.url("models"), content=chunks, headers=headers)
        assert "content-length" not in {k.lower() for k in response.request.headers}
        assert_too_large(response)
        assert model_names(client, tenant) == []

    @pytest.mark.parametrize("path", ["models", "deployments/some-deployment/predict"])
    def test_a_body_longer_than_it_declared_is_refused(
        self, limited_app: FastAPI, tenant: TenantFixture, path: str
    ) -> None:
        """Content-Length says 100; the chunks that follow say otherwise. The predict path
        is read by a raw ASGI layer (the coalescer's), not by FastAPI's body reading."""
        raw = json.dumps(model_body("liar", LIMIT)).encode()
        status, body = asyncio.run(
            _asgi_post(limited_app, tenant.url(path), raw, tenant.headers("editor"))
        )
        assert status == 413
        assert json.loads(body)["error"] == "PayloadTooLarge"
        assert model_names(TestClient(limited_app), tenant) == []

    def test_the_dashboard_is_limited_too(self, limited_app: FastAPI) -> None:
        client = TestClient(limited_app, base_url="https://testserver")
        response = client.post("/login", data={"api_key": "x" * LIMIT, "csrf_token": "t"})
        assert_too_large(response)


class TestSetting:
    def test_default_and_environment(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.delenv("URUTIQ_MAX_BODY_BYTES", raising=False)
        assert Settings().max_body_bytes == 32 * 1024 * 1024
        monkeypatch.setenv("URUTIQ_MAX_BODY_BYTES", "1048576")
        assert Settings().max_body_bytes == 1_048_576
        get_settings.cache_clear()

    def test_zero_means_no_limit(self, app: FastAPI) -> None:
        settings = app.state.settings.model_copy(update={"max_body_bytes": 0, "scheduler": "off"})
        served = create_app(settings)
        try:
            classes: list[object] = [m.cls for m in served.user_middleware]
            assert BodySizeLimit not in classes
        finally:
            served.state.executor.shutdown(wait=True)
            served.state.engine.dispose()

    def test_the_default_holds_a_full_batch_predict(self) -> None:
        """The biggest ordinary request: 10,000 rows of 80 features with 20-character
        names and 13-digit numbers, about 3.1 KB a row (the demo's models send 100-400
        bytes a row)."""
        row = {f"feature_{i:012d}": 123456.789012 + i for i in range(80)}
        body = json.dumps({"rows": [row] * MAX_BATCH}).encode()
        assert len(body) < Settings().max_body_bytes


async def _asgi_post(
    app: FastAPI, path: str, raw: bytes, headers: dict[str, str]
) -> tuple[int, bytes]:
    """POST ``raw`` in 500-byte chunks with a Content-Length of 100, straight into the ASGI
    app (an HTTP client would not send a wrong length)."""
    chunks = [raw[i : i + 500] for i in range(0, len(raw), 500)]
    messages: list[Message] = [
        {"type": "http.request", "body": chunk, "more_body": i < len(chunks) - 1}
        for i, chunk in enumerate(chunks)
    ]
    sent: list[Message] = []

    async def receive() -> Message:
        if messages:
            return messages.pop(0)
        await asyncio.sleep(3600)  # the client waits for the answer
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"testserver"),
            (b"content-type", b"application/json"),
            (b"content-length", b"100"),
            *((k.lower().encode(), v.encode()) for k, v in headers.items()),
        ],
        "client": ("127.0.0.1", 1234),
        "server": ("testserver", 80),
        "state": {},
        "app": app,
    }
    await app(scope, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return int(start["status"]), body
