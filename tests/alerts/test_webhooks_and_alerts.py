"""Alerts from quality checks delivered to a real webhook receiver: signed, de-duplicated
while the condition persists, resolved when it clears, retried with backoff."""

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.alerts.conftest import SECRET, Receiver, add_webhook, wait_until
from tests.conftest import TenantFixture
from urutiq_ai.core.executors import SyncExecutor
from urutiq_ai.core.jobs import JobRuntime
from urutiq_ai.core.ledger.recovery import dispatch_due_jobs
from urutiq_ai.sdk import verify_webhook

CHECKS = [{"check": "range", "column": "amount", "min": 0, "name": "amounts are positive"}]


def write_expenses(app: FastAPI, tenant: TenantFixture, amounts: list[float]) -> str:
    folder = Path(app.state.settings.sources) / tenant.id / tenant.company_id
    folder.mkdir(parents=True, exist_ok=True)
    frame = pd.DataFrame({"expenseId": [f"E{i}" for i in range(len(amounts))], "amount": amounts})
    frame.to_csv(folder / "expenses.csv", index=False)
    return "expenses.csv"


def run_checks(client: TestClient, tenant: TenantFixture) -> dict[str, Any]:
    response = client.post(
        tenant.url("quality-checks"),
        json={"source": {"file": "expenses.csv"}, "checks": CHECKS},
        headers=tenant.headers("editor"),
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def alerts(client: TestClient, tenant: TenantFixture, **params: str) -> list[dict[str, Any]]:
    response = client.get(tenant.url("alerts"), params=params, headers=tenant.headers("viewer"))
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def deliveries(client: TestClient, tenant: TenantFixture, **params: str) -> list[dict[str, Any]]:
    response = client.get(
        tenant.url("webhook-deliveries"), params=params, headers=tenant.headers("viewer")
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


class TestWebhooks:
    def test_admin_adds_one_and_the_secret_is_never_shown(
        self, client: TestClient, tenant: TenantFixture, receiver: Receiver
    ) -> None:
        hook = add_webhook(client, tenant, receiver.url)
        assert "secret" not in hook
        assert hook["events"] == ["alert.opened", "alert.resolved"]
        shown = client.get(tenant.url(f"webhooks/{hook['id']}"), headers=tenant.headers())
        assert "secret" not in shown.json()
        audit = client.get("/api/v1/audit-log", headers=tenant.headers("admin")).json()
        assert SECRET not in str(audit)

    def test_an_editor_may_not_add_one(self, client: TestClient, tenant: TenantFixture) -> None:
        response = client.post(
            tenant.url("webhooks"),
            json={"name": "x", "url": "https://example.com/h", "secret": SECRET},
            headers=tenant.headers("editor"),
        )
        assert response.status_code == 403

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"url": "ftp://example.com/h"}, "url"),
            ({"url": "javascript:alert(1)"}, "url"),
            ({"url": "example.com/hook"}, "url"),
            ({"secret": "short"}, "secret"),
            ({"events": ["alert.exploded"]}, "events.0"),
            ({"events": []}, "events"),
        ],
    )
    def test_bad_input(
        self, client: TestClient, tenant: TenantFixture, body: dict[str, Any], field: str
    ) -> None:
        payload = {"name": "x", "url": "https://example.com/h", "secret": SECRET, **body}
        response = client.post(tenant.url("webhooks"), json=payload, headers=tenant.headers())
        assert response.status_code == 422, response.text
        assert response.json()["fields"][0]["field"] == field

    def test_ping_arrives_signed(
        self, client: TestClient, tenant: TenantFixture, receiver: Receiver
    ) -> None:
        hook = add_webhook(client, tenant, receiver.url)
        response = client.post(tenant.url(f"webhooks/{hook['id']}/test"), headers=tenant.headers())
        assert response.status_code == 202, response.text
        (request,) = receiver.wait_for(1)
        assert request.headers["X-Urutiq-Event"] == "ping"
        assert verify_webhook(SECRET, request.body, request.headers["X-Urutiq-Signature"])
        assert not verify_webhook(
            "another-secret-entirely", request.body, request.headers["X-Urutiq-Signature"]
        )
        assert request.json["id"] == response.json()["id"]
        delivered = wait_until(
            lambda: [d for d in deliveries(client, tenant) if d["status"] == "delivered"],
            message="the delivery log",
        )
        assert delivered[0]["responseStatus"] == 200
        assert delivered[0]["attempts"] == 1


class TestQualityAlerts:
    def test_open_once_while_failing_then_resolve(
        self, app: FastAPI, client: TestClient, tenant: TenantFixture, receiver: Receiver
    ) -> None:
        add_webhook(client, tenant, receiver.url)
        write_expenses(app, tenant, [10.0, -5.0, 7.0])
        run_checks(client, tenant)
        (opened,) = receiver.wait_for(1)
        assert opened.headers["X-Urutiq-Event"] == "alert.opened"
        assert verify_webhook(SECRET, opened.body, opened.headers["X-Urutiq-Signature"])
        alert = opened.json["alert"]
        assert alert["source"] == "quality"
        assert alert["status"] == "open"
        assert "amounts are positive" in alert["title"]
        assert alert["details"]["rowsFailed"] == 1

        run_checks(client, tenant)  # still failing: counted, not sent again
        (listed,) = alerts(client, tenant, status="open")
        assert listed["occurrences"] == 2
        assert listed["id"] == alert["id"]

        write_expenses(app, tenant, [10.0, 5.0, 7.0])
        run_checks(client, tenant)
        received = receiver.wait_for(2)
        assert len(received) == 2
        resolved = received[1]
        assert resolved.headers["X-Urutiq-Event"] == "alert.resolved"
        assert resolved.json["alert"]["id"] == alert["id"]
        assert resolved.json["alert"]["resolvedAt"] is not None
        assert alerts(client, tenant, status="open") == []

        write_expenses(app, tenant, [-1.0])
        run_checks(client, tenant)  # failing again: a new episode, a new alert
        third = receiver.wait_for(3)[2]
        assert third.json["alert"]["id"] != alert["id"]

    def test_only_the_company_s_webhooks_hear_it(
        self, app: FastAPI, client: TestClient, tenant: TenantFixture, receiver: Receiver
    ) -> None:
        response = client.post(
            tenant.url("webhooks", tenant.company_b),
            json={"name": "b", "url": receiver.url, "secret": SECRET},
            headers=tenant.headers("admin"),
        )
        assert response.status_code == 201
        write_expenses(app, tenant, [-1.0])
        run_checks(client, tenant)
        assert len(alerts(client, tenant, status="open")) == 1
        assert receiver.received == []

    def test_an_alert_resolved_by_hand(
        self, app: FastAPI, client: TestClient, tenant: TenantFixture
    ) -> None:
        write_expenses(app, tenant, [-1.0])
        run_checks(client, tenant)
        (alert,) = alerts(client, tenant)
        response = client.patch(
            tenant.url(f"alerts/{alert['id']}"),
            json={"status": "resolved"},
            headers=tenant.headers("editor"),
        )
        assert response.status_code == 200, response.text
        assert response.json()["resolvedAt"] is not None
        again = client.patch(
            tenant.url(f"alerts/{alert['id']}"), json={"status": "open"}, headers=tenant.headers()
        )
        assert again.status_code == 409
        assert client.post(tenant.url("alerts"), json={}, headers=tenant.headers()).status_code in (
            404,
            405,
        )


class TestRetries:
    def test_failed_sends_are_retried_with_backoff_until_delivered(
        self,
        app: FastAPI,
        client: TestClient,
        tenant: TenantFixture,
        receiver: Receiver,
        runtime: JobRuntime,
    ) -> None:
        receiver.statuses = [500, 503]
        add_webhook(client, tenant, receiver.url)
        write_expenses(app, tenant, [-1.0])
        run_checks(client, tenant)
        receiver.wait_for(1)
        (first,) = wait_until(
            lambda: [d for d in deliveries(client, tenant) if d["attempts"] == 1],
            message="the first attempt",
        )
        assert (first["status"], first["responseStatus"], first["lastError"]) == (
            "pending",
            500,
            "HTTP 500",
        )
        tried_at = datetime.fromisoformat(first["lastAttemptAt"])
        retry_at = datetime.fromisoformat(first["nextAttemptAt"])
        assert retry_at - tried_at == timedelta(seconds=runtime.settings.webhook_backoff)
        sync = SyncExecutor(runtime)
        # The dispatcher is global: other tests' deliveries in this database may be due too,
        # so the test reads its own delivery rather than the dispatcher's count.
        dispatch_due_jobs(runtime, sync, tried_at)
        assert [d["attempts"] for d in deliveries(client, tenant)] == [1]  # not due yet
        dispatch_due_jobs(runtime, sync, retry_at + timedelta(seconds=1))
        (second,) = deliveries(client, tenant)
        assert (second["attempts"], second["responseStatus"]) == (2, 503)
        waited = datetime.fromisoformat(second["nextAttemptAt"]) - datetime.fromisoformat(
            second["lastAttemptAt"]
        )
        assert waited == timedelta(seconds=2 * runtime.settings.webhook_backoff)  # doubled
        later = datetime.now(UTC) + timedelta(hours=2)
        dispatch_due_jobs(runtime, sync, later)
        (third,) = deliveries(client, tenant)
        assert (third["status"], third["attempts"], third["responseStatus"]) == (
            "delivered",
            3,
            200,
        )
        assert len(receiver.received) == 3
        bodies = {request.body for request in receiver.received}
        assert len(bodies) == 1  # the same payload every time

    def test_gives_up_after_the_last_attempt(
        self,
        app: FastAPI,
        client: TestClient,
        tenant: TenantFixture,
        receiver: Receiver,
        runtime: JobRuntime,
    ) -> None:
        attempts = runtime.settings.webhook_attempts
        receiver.statuses = [500] * attempts
        add_webhook(client, tenant, receiver.url)
        write_expenses(app, tenant, [-1.0])
        run_checks(client, tenant)
        wait_until(lambda: [d for d in deliveries(client, tenant) if d["attempts"] == 1])
        sync = SyncExecutor(runtime)
        moment = datetime.now(UTC)
        for _ in range(attempts - 1):
            moment += timedelta(hours=2)
            dispatch_due_jobs(runtime, sync, moment)
        (last,) = deliveries(client, tenant)
        assert (last["status"], last["attempts"], last["nextAttemptAt"]) == (
            "failed",
            attempts,
            None,
        )
        dispatch_due_jobs(runtime, sync, moment + timedelta(days=1))
        assert [d["attempts"] for d in deliveries(client, tenant)] == [attempts]
        assert len(receiver.received) == attempts

    @pytest.mark.usefixtures("allow_local_webhooks")
    def test_an_unreachable_receiver_is_an_attempt_too(
        self, app: FastAPI, client: TestClient, tenant: TenantFixture
    ) -> None:
        add_webhook(client, tenant, "http://127.0.0.1:9/nothing-listens-here")
        write_expenses(app, tenant, [-1.0])
        run_checks(client, tenant)
        (tried,) = wait_until(
            lambda: [d for d in deliveries(client, tenant) if d["attempts"] == 1],
            message="the first attempt",
        )
        assert tried["status"] == "pending"
        assert tried["responseStatus"] is None
        assert tried["lastError"] == "could not connect"  # no socket error: no port scans
