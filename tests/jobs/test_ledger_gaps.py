"""Gaps found in a review of the job ledger, each first written as a strict xfail and now
fixed: jobs of unregistered workers are recovered, a job raising past its handler ends its
run, a broker outage does not fail a committed request, slow monitor workers are fenced
off, a cancel racing a failure stays cancelled, the in-process SDK registers its worker,
and a scheduler never takes its own process's jobs for lost."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError

from tests.conftest import TenantFixture
from tests.jobs.test_ledger import DroppingExecutor, claim, dead_worker
from tests.jobs.test_pipeline_retries import rename, source
from urutiq_ai.core.jobs import Job, JobRuntime, run_job, system_unit_of_work
from urutiq_ai.core.ledger.models import JobRecord
from urutiq_ai.core.ledger.recovery import recover_lost_jobs
from urutiq_ai.core.ledger.schemas import JobStatus

__all__ = ["source"]  # fixture


def job_row(runtime: JobRuntime, job_id: str) -> JobRecord:
    with system_unit_of_work(runtime) as session:
        row = session.get(JobRecord, job_id)
        assert row is not None
        session.expunge(row)
        return row


def broken_pipeline_run(
    client: TestClient, tenant: TenantFixture, source: str, database_url: str, **config: Any
) -> tuple[str, str]:
    """A pipeline whose source is renamed away after it is saved, and a run of it:
    (pipeline id, run id). Its job fails in ``execute`` with the reason."""
    body = {
        "pipelineName": f"broken {source}",
        "pipelineType": "preprocessing",
        "sourceTables": [source],
        "targetTables": [f"{source}Out"],
        "transformations": [{"step": "filter", "expression": "amount > 0"}],
        "config": config,
    }
    created = client.post(tenant.url("pipelines"), json=body, headers=tenant.headers("editor"))
    assert created.status_code == 201, created.text
    rename(database_url, source, f"{source}Hidden")
    pipeline_id = created.json()["id"]
    response = client.post(
        tenant.url(f"pipelines/{pipeline_id}/run"), headers=tenant.headers("editor")
    )
    assert response.status_code == 202, response.text
    return pipeline_id, str(response.json()["id"])


def pipeline_run(client: TestClient, tenant: TenantFixture, run_id: str) -> dict[str, Any]:
    response = client.get(tenant.url(f"pipeline-runs/{run_id}"), headers=tenant.headers())
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_a_job_held_by_an_unregistered_worker_is_recovered(
    app: FastAPI, tenant: TenantFixture, runtime: JobRuntime, dropping: DroppingExecutor
) -> None:
    """``serve`` keeps ``runtime.worker_id`` when ``_start_heartbeat`` fails (database not
    migrated yet at start): every job it claims then names a worker with no row. If that
    server dies, ``recover_lost_jobs`` never sees them (``_lost_reason``'s "is unknown"
    branch is unreachable)."""
    from tests.jobs.test_ledger import submit

    job = submit(
        app.state.sessionmaker, tenant, dropping,
        Job("tests.jobs.test_ledger:counting_job", tenant.id, tenant.company_id,
            {"key": tenant.id}),
    )  # fmt: skip
    assert job.id is not None
    claim(runtime, job, "a-server-whose-heartbeat-never-registered")
    recover_lost_jobs(runtime, DroppingExecutor(), datetime.now(UTC) + timedelta(hours=1))
    row = job_row(runtime, job.id)
    assert row.status != JobStatus.running
    assert "unknown" in str(row.error)


def test_a_job_that_raises_past_its_handler_ends_its_run(
    client: TestClient,
    tenant: TenantFixture,
    runtime: JobRuntime,
    source: str,
    database_url: str,
    dropping: DroppingExecutor,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pipeline_id, run_id = broken_pipeline_run(client, tenant, source, database_url)
    (job,) = dropping.jobs

    def database_gone(*_: Any, **__: Any) -> None:
        raise OperationalError("UPDATE ...", {}, Exception("server closed the connection"))

    # the job fails, then recording that failure fails too (the database went away)
    monkeypatch.setattr("urutiq_ai.pipelines.tasks._record_failure", database_gone)
    run_job(runtime, job)
    assert job.id is not None
    ledger = job_row(runtime, job.id)
    assert ledger.status == JobStatus.failed  # the ledger knows the job is over...
    assert "OperationalError" in str(ledger.error)
    # ...the scheduler will not look at it again, and the run row:
    assert pipeline_run(client, tenant, run_id)["status"] == "failed"
    again = client.post(
        tenant.url(f"pipelines/{pipeline_id}/run"), headers=tenant.headers("editor")
    )
    assert again.status_code == 202, again.text  # today: 409 "already running", forever


class BrokerDown:
    """An executor whose broker does not answer (CeleryExecutor.submit with Redis gone)."""

    def submit(self, job: Job) -> None:  # noqa: ARG002 - it never gets there
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    def shutdown(self, *, wait: bool = True) -> None:  # noqa: ARG002
        return None


def test_a_broker_outage_does_not_fail_a_committed_request(
    app: FastAPI,
    client: TestClient,
    tenant: TenantFixture,
    source: str,
) -> None:
    body = {
        "pipelineName": f"broker {source}",
        "pipelineType": "preprocessing",
        "sourceTables": [source],
        "targetTables": [f"{source}Out"],
    }
    created = client.post(tenant.url("pipelines"), json=body, headers=tenant.headers("editor"))
    assert created.status_code == 201, created.text
    pipeline_id = created.json()["id"]
    inline, app.state.executor = app.state.executor, BrokerDown()
    try:
        quiet = TestClient(app, raise_server_exceptions=False)
        response = quiet.post(
            tenant.url(f"pipelines/{pipeline_id}/run"), headers=tenant.headers("editor")
        )
    finally:
        app.state.executor = inline
    runs = client.get(
        tenant.url("pipeline-runs"), params={"pipelineId": pipeline_id}, headers=tenant.headers()
    ).json()["items"]
    assert len(runs) == 1  # the run and its queued job were committed...
    assert response.status_code == 202, response.text  # ...yet the caller was told it failed


def test_a_slow_monitor_worker_does_not_overwrite_its_lost_run(
    app: FastAPI,
    client: TestClient,
    tenant: TenantFixture,
    runtime: JobRuntime,
    dropping: DroppingExecutor,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """docs/jobs.md: "A worker that was only slow ... checks, in the transaction that would
    write its results, whether it still holds its attempt". Pipelines do; monitors (and
    trainings) do not."""
    from tests.alerts.test_scheduler import quality_monitor
    from urutiq_ai.monitoring import tasks

    monitor = quality_monitor(app, client, tenant, schedule="0 2 * * *")
    response = client.post(
        tenant.url(f"monitors/{monitor['id']}/run"), headers=tenant.headers("editor")
    )
    assert response.status_code == 202, response.text
    run_id = response.json()["id"]
    (job,) = dropping.jobs
    slow_worker = dead_worker(runtime, silent_for=timedelta(minutes=5))
    real_finish = tasks._finish

    def paused_then_finish(*args: Any, **kwargs: Any) -> None:
        # the worker stalls after its check (GC pause, partition); the scheduler gives up
        # on it meanwhile: no attempt left, so the run is failed with the reason
        recover_lost_jobs(runtime, DroppingExecutor(), datetime.now(UTC))
        real_finish(*args, **kwargs)

    monkeypatch.setattr(tasks, "_finish", paused_then_finish)
    run_job(JobRuntime(runtime.sessionmaker, runtime.settings, slow_worker), job)
    assert job.id is not None
    assert job_row(runtime, job.id).status == JobStatus.failed  # the ledger gave up on it
    run = client.get(tenant.url(f"monitor-runs/{run_id}"), headers=tenant.headers()).json()
    assert run["status"] == "failed", run  # today: "completed", error cleared


def test_a_cancel_racing_a_failure_stays_cancelled(
    client: TestClient,
    tenant: TenantFixture,
    runtime: JobRuntime,
    backend: str,
    source: str,
    database_url: str,
    dropping: DroppingExecutor,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if backend != "postgresql":
        pytest.skip("SQLite serializes the two transactions (BEGIN IMMEDIATE): no race")
    from urutiq_ai.pipelines.repository import PipelineRunRepository

    _, run_id = broken_pipeline_run(client, tenant, source, database_url)
    (job,) = dropping.jobs
    cancels: list[int] = []
    started: list[bool] = []
    lock = PipelineRunRepository.lock

    def cancel_then_lock(self: PipelineRunRepository, run: Any) -> None:
        if not started:  # in _record_failure: the run was read `running`, not yet locked
            started.append(True)  # (the cancel request locks the run too: not again)
            response = client.post(
                tenant.url(f"pipeline-runs/{run_id}/cancel"), headers=tenant.headers("editor")
            )
            cancels.append(response.status_code)
        lock(self, run)

    monkeypatch.setattr(PipelineRunRepository, "lock", cancel_then_lock)
    run_job(runtime, job)
    assert cancels == [200]  # the user was told the run is cancelled
    run = pipeline_run(client, tenant, run_id)
    assert run["status"] == "cancelled", run["logs"]


def test_the_in_process_sdk_runs_jobs_under_a_registered_worker(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from urutiq_ai.core.ledger.models import WorkerRecord
    from urutiq_ai.core.migrations import upgrade
    from urutiq_ai.core.settings import get_settings
    from urutiq_ai.sdk._client import _local_http

    url = f"sqlite:///{tmp_path / 'urutiq.db'}"
    upgrade(url)
    monkeypatch.setenv("URUTIQ_DATABASE_URL", url)
    get_settings.cache_clear()
    http, close = _local_http()  # what `Client()` and `urutiq-ai ...` use without URUTIQ_URL
    try:
        runtime: JobRuntime = http.app.state.runtime  # type: ignore[attr-defined]
        assert runtime.worker_id is not None  # its pool claims jobs under this id
        with system_unit_of_work(runtime) as session:  # no job yet: no worker row either
            assert session.get(WorkerRecord, runtime.worker_id) is None
        # its first job registers it (before the job can be claimed under its id)
        http.app.state.executor.submit(  # type: ignore[attr-defined]
            Job("tests.jobs.test_ledger:counting_job", "t", "c", {"key": "sdk"})
        ).result()
        with system_unit_of_work(runtime) as session:
            assert session.get(WorkerRecord, runtime.worker_id) is not None
    finally:
        close()
        get_settings.cache_clear()


def test_the_scheduler_never_recovers_the_jobs_of_its_own_process(
    app: FastAPI, tenant: TenantFixture, runtime: JobRuntime, dropping: DroppingExecutor
) -> None:
    """``serve`` runs the scheduler and the inline pool in one process sharing
    ``app.state.runtime``: that worker is alive by definition while the scheduler ticks."""
    from tests.jobs.test_ledger import submit

    job = submit(
        app.state.sessionmaker, tenant, dropping,
        Job("tests.jobs.test_ledger:counting_job", tenant.id, tenant.company_id,
            {"key": tenant.id}, max_attempts=2),
    )  # fmt: skip
    assert job.id is not None
    own_id = dead_worker(runtime, silent_for=timedelta(minutes=2))  # beats delayed, not dead
    this_process = JobRuntime(runtime.sessionmaker, runtime.settings, own_id)
    claim(this_process, job, own_id)
    recover_lost_jobs(this_process, DroppingExecutor(), datetime.now(UTC))
    row = job_row(runtime, job.id)
    assert (row.status, row.attempt, row.worker_id) == (JobStatus.running, 1, own_id)
