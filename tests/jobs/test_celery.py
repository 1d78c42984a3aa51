"""The Celery executor with a real Redis and real ``urutiq-ai worker`` processes: jobs run
on the workers, a worker killed in the middle of a run is detected by its heartbeat and the
run recovered on another worker, with every target row written exactly once."""

import os
import signal
import subprocess
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.conftest import TenantFixture
from tests.jobs.conftest import WorkerProcess
from tests.pipelines.test_pipelines_api import TARGET, company_rows, pipeline_body
from tests.quality.conftest import LedgerFixture
from tests.training.conftest import expense_table, seed_expenses, train_request, wait_for_run
from urutiq_ai.core.executors import make_executor
from urutiq_ai.core.jobs import STOPPED_REASON, JobRuntime, system_unit_of_work
from urutiq_ai.core.ledger.models import JobRecord, WorkerRecord
from urutiq_ai.core.ledger.recovery import recover_lost_jobs
from urutiq_ai.core.ledger.schemas import JobStatus

__all__ = ["expense_table", "seed_expenses"]  # fixtures

POLL_SECONDS = 0.1
POLL_LIMIT = 3000  # polls, not a timing assertion: a stuck run fails instead of hanging
# A SQL step that keeps SQLite busy for a few seconds: long enough to kill its worker.
SLOW_STEP = {
    "step": "sql",
    "query": "WITH RECURSIVE spin(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM spin "
    "WHERE n < 4000000) SELECT * FROM input WHERE (SELECT max(n) FROM spin) > 0",
}


def start_run(client: TestClient, tenant: TenantFixture, body: dict[str, Any]) -> str:
    created = client.post(tenant.url("pipelines"), json=body, headers=tenant.headers("editor"))
    assert created.status_code == 201, created.text
    response = client.post(
        tenant.url(f"pipelines/{created.json()['id']}/run"), headers=tenant.headers("editor")
    )
    assert response.status_code == 202, response.text
    run_id: str = response.json()["id"]
    return run_id


def wait_for(check: Callable[[], Any], what: str) -> Any:
    for _ in range(POLL_LIMIT):
        found = check()
        if found:
            return found
        time.sleep(POLL_SECONDS)
    raise AssertionError(f"gave up waiting for {what}")


def ended(
    client: TestClient, tenant: TenantFixture, run_id: str, *workers: WorkerProcess
) -> dict[str, Any]:
    def check() -> dict[str, Any] | None:
        run: dict[str, Any] = client.get(
            tenant.url(f"pipeline-runs/{run_id}"), headers=tenant.headers()
        ).json()
        return run if run["status"] not in ("queued", "running") else None

    logs = "\n".join(w.log.read_text(errors="replace")[-4000:] for w in workers)
    result: dict[str, Any] = wait_for(check, f"run {run_id} to end; the workers said:\n{logs}")
    return result


def job_ended(app: FastAPI, tenant: TenantFixture) -> JobRecord:
    """The tenant's latest job once its ledger row is ended (it is ended in a transaction
    of its own, just after the run's)."""

    def check() -> JobRecord | None:
        job = job_of(app, tenant)
        return job if job is not None and job.status != JobStatus.running else None

    found: JobRecord = wait_for(check, "the job's ledger row to end")
    return found


def ran_in(app: FastAPI, worker_id: str | None, worker: WorkerProcess) -> bool:
    """Whether ``worker_id`` is ``worker``'s own heartbeat or one of its pool processes'
    (each prefork pool process beats as a worker of its own)."""
    if worker_id is None:
        return False
    if worker_id == worker.worker_id:
        return True
    runtime = JobRuntime(app.state.sessionmaker, app.state.settings)
    with system_unit_of_work(runtime) as session:
        row = session.get(WorkerRecord, worker_id)
        pid = None if row is None else row.pid
    try:
        return pid is not None and os.getpgid(pid) == worker.process.pid
    except ProcessLookupError:
        return False


def job_of(app: FastAPI, tenant: TenantFixture) -> JobRecord | None:
    runtime = JobRuntime(app.state.sessionmaker, app.state.settings)
    with system_unit_of_work(runtime) as session:
        row = session.scalars(
            select(JobRecord)  # tenancy: global
            .where(JobRecord.tenant_id == tenant.id)
            .order_by(JobRecord.created_at.desc())
        ).first()
        if row is not None:
            session.expunge(row)
        return row


def test_a_pipeline_runs_on_a_worker(
    celery_app: FastAPI,
    celery_client: TestClient,
    ledger_tenant: LedgerFixture,
    start_worker: Callable[..., WorkerProcess],
    database_url: str,
) -> None:
    tenant = ledger_tenant.tenant
    worker = start_worker("--concurrency", "1")
    run_id = start_run(celery_client, tenant, pipeline_body())
    run = ended(celery_client, tenant, run_id, worker)
    assert run["status"] == "completed", run["logs"]
    assert run["recordsProcessed"] == len(company_rows(database_url, TARGET, tenant)) > 0
    job = job_ended(celery_app, tenant)
    assert (job.status, job.attempt) == (JobStatus.completed, 1)
    assert ran_in(celery_app, job.worker_id, worker)  # a pool process of that worker
    assert "urutiq.run_job" in worker.log.read_text()  # it ran there, not in this process


def test_a_training_runs_on_a_worker(
    celery_app: FastAPI,
    celery_client: TestClient,
    tenant: TenantFixture,
    seed_expenses: Callable[..., None],
    start_worker: Callable[..., WorkerProcess],
) -> None:
    seed_expenses(tenant)
    worker = start_worker("--concurrency", "1", "--pool", "solo")
    response = celery_client.post(
        tenant.url("train"), json=train_request(), headers=tenant.headers("editor")
    )
    assert response.status_code == 202, response.text
    run = wait_for_run(celery_client, tenant, response.json()["runId"])
    assert run["status"] == "completed", run["logs"]
    model = celery_client.get(
        tenant.url(f"models/{run['modelId']}"), headers=tenant.headers()
    ).json()
    assert model["status"] == "active"
    job = job_ended(celery_app, tenant)
    assert (job.status, job.worker_id) == (JobStatus.completed, worker.worker_id)
    predicted = celery_client.post(  # the artifact the worker stored serves here
        tenant.url(f"models/{run['modelId']}/predict"),
        json={"rows": [{"vendorName": "AWS", "description": "cloud hosting", "amount": 120.0}]},
        headers=tenant.headers("editor"),
    )
    assert predicted.status_code == 200, predicted.text


def test_a_killed_worker_s_run_is_recovered_and_written_once(
    celery_app: FastAPI,
    celery_client: TestClient,
    ledger_tenant: LedgerFixture,
    start_worker: Callable[..., WorkerProcess],
    database_url: str,
) -> None:
    tenant = ledger_tenant.tenant
    doomed = start_worker("--concurrency", "1")
    body = pipeline_body(config={"retries": {"maxAttempts": 2, "backoffSeconds": 1}})
    body["transformations"] = [SLOW_STEP, *body["transformations"]]
    run_id = start_run(celery_client, tenant, body)

    def held_by_doomed() -> bool:
        job = job_of(celery_app, tenant)
        return job is not None and ran_in(celery_app, job.worker_id, doomed)

    wait_for(held_by_doomed, "the first worker to take the job")
    doomed.kill()  # in the middle of the slow step: nothing committed yet
    survivor = start_worker("--concurrency", "1")

    settings = celery_app.state.settings
    runtime = JobRuntime(celery_app.state.sessionmaker, settings)
    executor = make_executor(runtime)
    try:  # what the scheduler's next tick does once the worker is overdue
        later = datetime.now(UTC) + timedelta(seconds=settings.worker_timeout + 1)
        assert recover_lost_jobs(runtime, executor, later) >= 1
    finally:
        executor.shutdown()

    run = ended(celery_client, tenant, run_id, doomed, survivor)
    assert run["status"] == "completed", run["logs"]
    job = job_ended(celery_app, tenant)
    assert (job.status, job.attempt) == (JobStatus.completed, 2)
    assert ran_in(celery_app, job.worker_id, survivor)
    assert "stopped heartbeating" in str(job.error)
    rows = company_rows(database_url, TARGET, tenant)
    assert len(rows) == run["recordsProcessed"] > 0
    assert not rows["expenseId"].duplicated().any()  # nothing written twice
    expenses = ledger_tenant.ledger.expenses
    positive = expenses[expenses["amount"] > 0]
    assert set(rows["expenseId"]) <= set(positive["expenseId"])
    assert len(rows) + run["recordsFailed"] == len(positive)  # every row: written or rejected
    assert pd.notna(rows["vendorSpend30d"]).all()


ENDLESS_STEP = {
    "step": "sql",
    "query": "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
    "WHERE i < 1000000000000) SELECT count(*) AS counted FROM n",
}


@pytest.mark.parametrize("pool", ["prefork", "threads"])
def test_sigterm_stops_a_worker_within_seconds(
    celery_app: FastAPI,
    celery_client: TestClient,
    ledger_tenant: LedgerFixture,
    start_worker: Callable[..., WorkerProcess],
    pool: str,
) -> None:
    """An endless step (stopped only at the 60 s query limit) on the worker: SIGTERM to the
    worker's main process alone (as a container stop sends it) ends the step, fails its
    run as stopped, and the worker exits well before the limit (issue 17, finding 5)."""
    tenant = ledger_tenant.tenant
    worker = start_worker("--concurrency", "1", "--pool", pool)
    body = pipeline_body(
        pipelineName=f"endless on {pool}",
        targetTables=["EndlessOnWorker"],
        transformations=[ENDLESS_STEP],
        validationRules=[],
    )
    run_id = start_run(celery_client, tenant, body)
    wait_for(
        lambda: (job := job_of(celery_app, tenant)) is not None and job.status == JobStatus.running,
        "the worker to take the job",
    )
    time.sleep(1.0)  # the step is running
    worker.process.send_signal(signal.SIGTERM)
    try:
        worker.process.wait(30)  # a bound for liveness: the step alone would run 60 s
    except subprocess.TimeoutExpired as exc:
        raise AssertionError(f"the worker still runs:\n{worker.log.read_text()}") from exc
    run = ended(celery_client, tenant, run_id, worker)
    assert run["status"] == "failed", run["logs"]
    assert STOPPED_REASON in run["logs"]
