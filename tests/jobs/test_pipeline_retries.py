"""Pipeline retries with backoff (``config.retries``): a failed attempt leaves the run
``running`` with the failure in its logs and its job queued for after the backoff; the next
attempt completes it, or the last one fails it."""

import time
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from tests.conftest import APP_ROLE, TenantFixture
from tests.jobs.test_celery import job_of
from urutiq_ai.core.executors import SyncExecutor
from urutiq_ai.core.jobs import JobRuntime
from urutiq_ai.core.ledger.models import JobRecord
from urutiq_ai.core.ledger.recovery import dispatch_due_jobs
from urutiq_ai.core.ledger.schemas import JobStatus

POLLS = 600


@pytest.fixture
def source(database_url: str, backend: str, tenant: TenantFixture) -> Iterator[str]:
    """A small source table of the tenant's company, private to the test."""
    name = f"RetrySource{uuid.uuid4().hex[:8]}"
    engine = create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(
            text(
                f'CREATE TABLE "{name}" ("tenantId" VARCHAR(64), "companyId" VARCHAR(64), '
                '"id" VARCHAR(16), "amount" FLOAT)'
            )
        )
        for i in range(5):
            conn.execute(
                text(f'INSERT INTO "{name}" VALUES (:t, :c, :i, :a)'),
                {"t": tenant.id, "c": tenant.company_id, "i": f"r{i}", "a": float(i)},
            )
        if backend == "postgresql":
            conn.execute(text(f'GRANT SELECT ON "{name}" TO {APP_ROLE}'))
    yield name
    with engine.begin() as conn:
        conn.execute(text(f'DROP TABLE IF EXISTS "{name}"'))
        conn.execute(text(f'DROP TABLE IF EXISTS "{name}Hidden"'))
    engine.dispose()


def rename(database_url: str, old: str, new: str) -> None:
    engine = create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(text(f'ALTER TABLE "{old}" RENAME TO "{new}"'))
    engine.dispose()


def start(
    client: TestClient, tenant: TenantFixture, source: str, attempts: int, database_url: str
) -> str:
    """Save the pipeline, then break its source (renamed away), then run it."""
    body = {
        "pipelineName": f"retry {source}",
        "pipelineType": "preprocessing",
        "sourceTables": [source],
        "targetTables": [f"{source}Out"],
        "transformations": [{"step": "filter", "expression": "amount > 0"}],
        "config": {"retries": {"maxAttempts": attempts, "backoffSeconds": 30}},
    }
    created = client.post(tenant.url("pipelines"), json=body, headers=tenant.headers("editor"))
    assert created.status_code == 201, created.text
    rename(database_url, source, f"{source}Hidden")
    response = client.post(
        tenant.url(f"pipelines/{created.json()['id']}/run"), headers=tenant.headers("editor")
    )
    assert response.status_code == 202, response.text
    run_id: str = response.json()["id"]
    return run_id


def wait_for_job(app: FastAPI, tenant: TenantFixture, status: JobStatus, attempt: int) -> JobRecord:
    for _ in range(POLLS):
        job = job_of(app, tenant)
        if job is not None and (job.status, job.attempt) == (status, attempt):
            return job
        time.sleep(0.05)
    raise AssertionError(f"the job never became {status}")


def run_of(client: TestClient, tenant: TenantFixture, run_id: str) -> dict[str, object]:
    body: dict[str, object] = client.get(
        tenant.url(f"pipeline-runs/{run_id}"), headers=tenant.headers()
    ).json()
    return body


def test_a_failed_attempt_is_retried_after_its_backoff(
    app: FastAPI, client: TestClient, tenant: TenantFixture, source: str, database_url: str
) -> None:
    run_id = start(client, tenant, source, 3, database_url)
    queued = wait_for_job(app, tenant, JobStatus.queued, attempt=2)
    run = run_of(client, tenant, run_id)
    assert run["status"] == "running"  # waiting for its next attempt
    assert "attempt 1 of 3 failed" in str(run["logs"])
    assert "attempt 2 in 30 s" in str(run["logs"])

    rename(database_url, f"{source}Hidden", source)  # the source is back
    runtime = JobRuntime(app.state.sessionmaker, app.state.settings)
    sync = SyncExecutor(runtime)
    dispatch_due_jobs(runtime, sync, queued.not_before - timedelta(seconds=1))
    assert run_of(client, tenant, run_id)["status"] == "running"  # not due yet
    dispatch_due_jobs(runtime, sync, queued.not_before + timedelta(seconds=1))
    run = run_of(client, tenant, run_id)
    assert run["status"] == "completed", run["logs"]
    assert run["recordsProcessed"] == 4
    assert "attempt 2 of 3" in str(run["logs"])
    job = job_of(app, tenant)
    assert job is not None
    assert (job.status, job.attempt) == (JobStatus.completed, 2)


def test_the_last_attempt_fails_the_run(
    app: FastAPI, client: TestClient, tenant: TenantFixture, source: str, database_url: str
) -> None:
    run_id = start(client, tenant, source, 2, database_url)
    queued = wait_for_job(app, tenant, JobStatus.queued, attempt=2)
    runtime = JobRuntime(app.state.sessionmaker, app.state.settings)
    dispatch_due_jobs(runtime, SyncExecutor(runtime), queued.not_before + timedelta(seconds=1))
    run = run_of(client, tenant, run_id)
    assert run["status"] == "failed"
    logs = str(run["logs"])
    assert "attempt 1 of 2 failed" in logs
    assert logs.rstrip().splitlines()[-1].startswith("failed:")
    job = job_of(app, tenant)
    assert job is not None
    assert (job.status, job.attempt) == (JobStatus.failed, 2)


def test_without_retries_a_failure_ends_the_run(
    app: FastAPI, client: TestClient, tenant: TenantFixture, source: str, database_url: str
) -> None:
    run_id = start(client, tenant, source, 1, database_url)
    wait_for_job(app, tenant, JobStatus.failed, attempt=1)
    run = run_of(client, tenant, run_id)
    assert run["status"] == "failed"
    assert "attempt" not in str(run["logs"])
