"""Webhook deliveries are ordinary ledger jobs (issue 19, item 3): one job per delivery,
``URUTIQ_WEBHOOK_ATTEMPTS`` attempts, retried by the ledger after its one backoff and failed
with it; a delivery written where no executor is at hand waits for the scheduler; a job the
ledger gives up fails its delivery. The delivery row records every attempt."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from tests.alerts.conftest import Receiver, add_webhook, wait_until
from tests.alerts.test_webhooks_and_alerts import deliveries
from tests.conftest import TenantFixture
from urutiq_ai.alerts.schemas import AlertSource
from urutiq_ai.alerts.service import DELIVER_JOB, DELIVERY_LOST, Observation, observe
from urutiq_ai.alerts.tasks import LOST, NOT_SENT
from urutiq_ai.core.executors import SyncExecutor
from urutiq_ai.core.jobs import JobRuntime, ledger_unit_of_work, retry_backoff
from urutiq_ai.core.ledger.recovery import dispatch_due_jobs, recover_lost_jobs
from urutiq_ai.core.ledger.schemas import JobStatus

FAILING = Observation(
    key="quality:LedgerExpense:amounts are positive",
    source=AlertSource.quality,
    active=True,
    title="amounts are positive fails",
)


def delivery_jobs(client: TestClient, tenant: TenantFixture) -> list[dict[str, Any]]:
    response = client.get(
        tenant.url("jobs"), params={"name": DELIVER_JOB}, headers=tenant.headers("viewer")
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def ping(client: TestClient, tenant: TenantFixture, hook: dict[str, Any]) -> dict[str, Any]:
    response = client.post(tenant.url(f"webhooks/{hook['id']}/test"), headers=tenant.headers())
    assert response.status_code == 202, response.text
    body: dict[str, Any] = response.json()
    return body


def observe_without_executor(scoped: Callable[[], Any], tenant: TenantFixture) -> None:
    with scoped() as (session, ctx):
        observe(session, ctx, tenant.company_id, [FAILING])


class TestOneJobPerDelivery:
    def test_a_ping_is_one_ledger_job(
        self, client: TestClient, tenant: TenantFixture, receiver: Receiver, runtime: JobRuntime
    ) -> None:
        delivery = ping(client, tenant, add_webhook(client, tenant, receiver.url))
        wait_until(
            lambda: [j for j in delivery_jobs(client, tenant) if j["status"] == "completed"],
            message="the delivery's job",
        )
        (job,) = delivery_jobs(client, tenant)
        assert job["payload"] == {"deliveryId": delivery["id"]}
        assert (job["attempt"], job["maxAttempts"]) == (1, runtime.settings.webhook_attempts)
        (row,) = deliveries(client, tenant)
        assert (row["status"], row["attempts"]) == ("delivered", 1)

    def test_a_failed_send_is_queued_again_after_the_backoff(
        self, client: TestClient, tenant: TenantFixture, receiver: Receiver, runtime: JobRuntime
    ) -> None:
        receiver.statuses = [503]
        ping(client, tenant, add_webhook(client, tenant, receiver.url))
        (job,) = wait_until(
            lambda: [j for j in delivery_jobs(client, tenant) if j["attempt"] == 2],
            message="the job queued again",
        )
        (row,) = deliveries(client, tenant)
        assert (job["status"], job["error"]) == ("queued", "attempt 1 failed: HTTP 503")
        assert job["dispatchedAt"] is None  # the scheduler dispatches it once it is due
        tried_at = datetime.fromisoformat(row["lastAttemptAt"])
        due = datetime.fromisoformat(row["nextAttemptAt"])
        assert due - tried_at == retry_backoff(1, runtime.settings.webhook_backoff)
        not_before = datetime.fromisoformat(job["notBefore"])
        assert due <= not_before < due + timedelta(seconds=5)  # never sent before it says

    def test_the_last_failure_fails_the_job_and_the_delivery(
        self, client: TestClient, tenant: TenantFixture, receiver: Receiver, runtime: JobRuntime
    ) -> None:
        attempts = runtime.settings.webhook_attempts
        receiver.statuses = [500] * attempts
        ping(client, tenant, add_webhook(client, tenant, receiver.url))
        wait_until(lambda: [j for j in delivery_jobs(client, tenant) if j["attempt"] == 2])
        moment = datetime.now(UTC)
        for _ in range(attempts - 1):
            moment += timedelta(hours=2)
            dispatch_due_jobs(runtime, SyncExecutor(runtime), moment)
        (job,) = delivery_jobs(client, tenant)
        assert (job["status"], job["attempt"], job["error"]) == ("failed", attempts, "HTTP 500")
        (row,) = deliveries(client, tenant)
        assert (row["status"], row["attempts"], row["lastError"]) == (
            "failed",
            attempts,
            "HTTP 500",
        )


class TestWithoutAnExecutor:
    def test_the_scheduler_sends_it(
        self,
        client: TestClient,
        tenant: TenantFixture,
        receiver: Receiver,
        runtime: JobRuntime,
        scoped: Callable[[], Any],
    ) -> None:
        add_webhook(client, tenant, receiver.url)
        observe_without_executor(scoped, tenant)
        (job,) = delivery_jobs(client, tenant)
        assert (job["status"], job["dispatchedAt"]) == ("queued", None)
        assert receiver.received == []
        dispatch_due_jobs(runtime, SyncExecutor(runtime), datetime.now(UTC) + timedelta(seconds=1))
        (sent,) = receiver.wait_for(1)
        assert sent.headers["X-Urutiq-Event"] == "alert.opened"
        (row,) = deliveries(client, tenant)
        assert (row["status"], row["attempts"]) == ("delivered", 1)
        assert delivery_jobs(client, tenant)[0]["status"] == "completed"

    def test_a_webhook_paused_before_the_send_fails_it_unsent(
        self,
        client: TestClient,
        tenant: TenantFixture,
        receiver: Receiver,
        runtime: JobRuntime,
        scoped: Callable[[], Any],
    ) -> None:
        hook = add_webhook(client, tenant, receiver.url)
        observe_without_executor(scoped, tenant)
        paused = client.patch(
            tenant.url(f"webhooks/{hook['id']}"),
            json={"status": "paused"},
            headers=tenant.headers("admin"),
        )
        assert paused.status_code == 200, paused.text
        dispatch_due_jobs(runtime, SyncExecutor(runtime), datetime.now(UTC) + timedelta(seconds=1))
        (row,) = deliveries(client, tenant)
        assert (row["status"], row["attempts"], row["lastError"]) == ("failed", 0, NOT_SENT)
        (job,) = delivery_jobs(client, tenant)
        assert (job["status"], job["error"]) == ("failed", NOT_SENT)
        assert receiver.received == []


class TestLost:
    def test_a_job_given_up_fails_its_delivery(
        self,
        client: TestClient,
        tenant: TenantFixture,
        receiver: Receiver,
        runtime: JobRuntime,
        scoped: Callable[[], Any],
    ) -> None:
        add_webhook(client, tenant, receiver.url)
        observe_without_executor(scoped, tenant)
        (job,) = delivery_jobs(client, tenant)
        with ledger_unit_of_work(runtime) as ledger:
            row = ledger.get(job["id"])
            assert row is not None
            assert row.on_lost == DELIVERY_LOST
            row.attempt = row.max_attempts  # its last attempt, on a worker never seen again
            row.status = JobStatus.running
            row.worker_id = "a-worker-that-never-registered"
        recover_lost_jobs(runtime, None, datetime.now(UTC))
        (delivery,) = deliveries(client, tenant)
        assert (delivery["status"], delivery["lastError"], delivery["nextAttemptAt"]) == (
            "failed",
            LOST,
            None,
        )
        assert "never registered" in delivery_jobs(client, tenant)[0]["error"]
        assert receiver.received == []
