"""Races the job ledger does handle (kept as regression tests): two claims at once,
a recovery that lands between a job's commit and its ledger end, a cancel while a retry
waits for its backoff."""

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.conftest import TenantFixture
from tests.jobs.test_ledger import DroppingExecutor, dead_worker, submit
from tests.jobs.test_ledger_gaps import broken_pipeline_run, job_row, pipeline_run
from tests.jobs.test_pipeline_retries import source
from tests.pipelines.test_pipelines_api import TARGET, company_rows, pipeline_body
from tests.quality.conftest import LedgerFixture
from urutiq_ai.core.executors import SyncExecutor
from urutiq_ai.core.jobs import Job, JobRuntime, ledger_unit_of_work, run_job
from urutiq_ai.core.ledger.recovery import dispatch_due_jobs, recover_lost_jobs
from urutiq_ai.core.ledger.repository import JobLedgerRepository
from urutiq_ai.core.ledger.schemas import JobStatus

__all__ = ["source"]  # fixture


def test_two_workers_claiming_at_once_get_one_claim(
    app: FastAPI, tenant: TenantFixture, runtime: JobRuntime
) -> None:
    job = submit(
        app.state.sessionmaker, tenant, DroppingExecutor(),
        Job("tests.jobs.test_ledger:counting_job", tenant.id, tenant.company_id, {"key": "c"}),
    )  # fmt: skip
    assert job.id is not None
    job_id = job.id
    start = threading.Barrier(4)
    results: dict[str, bool] = {}

    def take(worker: str) -> None:
        start.wait()
        with ledger_unit_of_work(runtime) as ledger:
            results[worker] = ledger.claim(job_id, 1, worker, datetime.now(UTC))

    threads = [threading.Thread(target=take, args=(f"w{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [worker for worker, won in results.items() if won]
    assert len(results) == 4, results
    assert len(winners) == 1, results
    assert job_row(runtime, job_id).worker_id == winners[0]


def test_a_recovery_between_a_job_s_commit_and_its_end_writes_nothing_twice(
    client: TestClient,
    ledger_tenant: LedgerFixture,
    runtime: JobRuntime,
    database_url: str,
    dropping: DroppingExecutor,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tenant = ledger_tenant.tenant
    body = pipeline_body(config={"retries": {"maxAttempts": 2, "backoffSeconds": 1}})
    created = client.post(tenant.url("pipelines"), json=body, headers=tenant.headers("editor"))
    assert created.status_code == 201, created.text
    started = client.post(
        tenant.url(f"pipelines/{created.json()['id']}/run"), headers=tenant.headers("editor")
    )
    assert started.status_code == 202, started.text
    (job,) = dropping.jobs
    assert job.id is not None
    worker = dead_worker(runtime, silent_for=timedelta(minutes=5))  # it dies right after commit
    real_end = JobLedgerRepository.end
    recovered: list[int] = []

    def recovery_first(self: JobLedgerRepository, *args: Any, **kwargs: Any) -> bool:
        if not recovered:  # once: attempt 2 (run by the recovery itself) ends normally
            recovered.append(-1)
            recovered[0] = recover_lost_jobs(runtime, SyncExecutor(runtime), datetime.now(UTC))
        return real_end(self, *args, **kwargs)

    monkeypatch.setattr(JobLedgerRepository, "end", recovery_first)
    run_job(JobRuntime(runtime.sessionmaker, runtime.settings, worker), job)
    assert recovered
    assert recovered[0] >= 1
    run = pipeline_run(client, tenant, started.json()["id"])
    assert run["status"] == "completed", run["logs"]
    row = job_row(runtime, job.id)
    assert (row.status, row.attempt) == (JobStatus.completed, 2)  # attempt 2 found it done
    rows = company_rows(database_url, TARGET, tenant)
    assert len(rows) == run["recordsProcessed"] > 0
    assert not rows["expenseId"].duplicated().any()


def test_a_cancel_while_a_retry_waits_ends_the_job_without_another_attempt(
    client: TestClient,
    tenant: TenantFixture,
    runtime: JobRuntime,
    source: str,
    database_url: str,
    dropping: DroppingExecutor,
) -> None:
    _, run_id = broken_pipeline_run(
        client, tenant, source, database_url, retries={"maxAttempts": 3, "backoffSeconds": 30}
    )
    (job,) = dropping.jobs
    assert job.id is not None
    run_job(runtime, job)
    waiting = job_row(runtime, job.id)
    assert (waiting.status, waiting.attempt) == (JobStatus.queued, 2)
    cancelled = client.post(
        tenant.url(f"pipeline-runs/{run_id}/cancel"), headers=tenant.headers("editor")
    )
    assert cancelled.status_code == 200, cancelled.text
    later = waiting.not_before + timedelta(seconds=1)
    dispatch_due_jobs(runtime, SyncExecutor(runtime), later)
    row = job_row(runtime, job.id)
    assert (row.status, row.attempt) == (JobStatus.completed, 2)
    run = pipeline_run(client, tenant, run_id)
    assert run["status"] == "cancelled"
    assert "attempt 2 of 3 failed" not in run["logs"]
    assert dispatch_due_jobs(runtime, SyncExecutor(runtime), later + timedelta(hours=2)) == 0 or (
        job_row(runtime, job.id).status == JobStatus.completed
    )
