"""Webhook deliveries on real ``urutiq-ai worker`` processes: a delivery is an ordinary
ledger job, so a worker sends it, and the ledger's retry (queued after the backoff, then
dispatched by the scheduler's ticker to the queue) sends it again there."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.alerts.conftest import LOCAL_HOST, SECRET, add_webhook, serve
from tests.conftest import TenantFixture
from tests.jobs.conftest import WorkerProcess
from tests.jobs.test_celery import wait_for
from urutiq_ai.alerts.service import DELIVER_JOB
from urutiq_ai.core.jobs import JobRuntime
from urutiq_ai.core.ledger.recovery import dispatch_due_jobs
from urutiq_ai.core.settings import Settings
from urutiq_ai.sdk import verify_webhook


def listed(client: TestClient, tenant: TenantFixture, path: str, **params: str) -> list[Any]:
    response = client.get(tenant.url(path), params=params, headers=tenant.headers("viewer"))
    assert response.status_code == 200, response.text
    items: list[Any] = response.json()["items"]
    return items


def test_a_delivery_is_sent_and_retried_on_a_worker(
    celery_app: FastAPI,
    celery_client: TestClient,
    celery_settings: Settings,
    tenant: TenantFixture,
    start_worker: Callable[..., WorkerProcess],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(celery_settings, "webhook_allow_hosts", [LOCAL_HOST])
    worker = start_worker("--concurrency", "1")
    with serve() as receiver:
        receiver.statuses = [503]
        hook = add_webhook(celery_client, tenant, receiver.url)
        ping = celery_client.post(
            tenant.url(f"webhooks/{hook['id']}/test"), headers=tenant.headers()
        )
        assert ping.status_code == 202, ping.text
        (job,) = wait_for(
            lambda: [j for j in listed(celery_client, tenant, "jobs", name=DELIVER_JOB)
                     if j["attempt"] == 2],
            f"the first attempt; the worker said:\n{worker.log.read_text(errors='replace')}",
        )  # fmt: skip
        assert (job["status"], job["error"]) == ("queued", "attempt 1 failed: HTTP 503")
        runtime = JobRuntime(celery_app.state.sessionmaker, celery_settings)
        later = datetime.now(UTC) + timedelta(hours=2)
        dispatch_due_jobs(runtime, celery_app.state.executor, later)
        (delivery,) = wait_for(
            lambda: [d for d in listed(celery_client, tenant, "webhook-deliveries")
                     if d["status"] == "delivered"],
            f"the retry; the worker said:\n{worker.log.read_text(errors='replace')}",
        )  # fmt: skip
        assert (delivery["attempts"], delivery["responseStatus"]) == (2, 200)
        assert len(receiver.received) == 2
        for request in receiver.received:
            assert verify_webhook(SECRET, request.body, request.headers["X-Urutiq-Signature"])
    (done,) = listed(celery_client, tenant, "jobs", name=DELIVER_JOB)
    assert (done["status"], done["attempt"]) == ("completed", 2)
    assert done["workerId"] is not None  # claimed by a worker, not run in this process
    assert "urutiq.run_job" in worker.log.read_text()
