"""The job ledger with in-process executors: one claim per attempt, retries after backoff,
jobs of dead workers retried or failed (their run rows told why), stale workers fenced off."""

from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import TenantFixture
from tests.jobs.conftest import DroppingExecutor
from tests.training.conftest import expense_table, seed_expenses, train_request
from urutiq_ai.core.db import unit_of_work
from urutiq_ai.core.executors import SyncExecutor
from urutiq_ai.core.jobs import (
    Job,
    JobRuntime,
    RetryLater,
    attach_executor,
    enqueue,
    holds_claim,
    ledger_unit_of_work,
    next_retry_delay,
    run_job,
    system_unit_of_work,
)
from urutiq_ai.core.ledger.models import JobRecord, WorkerRecord
from urutiq_ai.core.ledger.recovery import Heartbeat, dispatch_due_jobs, recover_lost_jobs
from urutiq_ai.core.ledger.schemas import JobStatus, WorkerKind

CALLS: Counter[str] = Counter()
LOST: list[tuple[str, str]] = []
__all__ = ["expense_table", "seed_expenses"]  # fixtures


def counting_job(runtime: JobRuntime, job: Job) -> None:  # noqa: ARG001
    CALLS[str(job.payload["key"])] += 1


def flaky_job(runtime: JobRuntime, job: Job) -> None:  # noqa: ARG001
    CALLS[str(job.payload["key"])] += 1
    if job.attempt < 3:
        delay = next_retry_delay(job, backoff=30.0)
        assert delay is not None
        raise RetryLater(f"attempt {job.attempt} failed", delay)


def remember_lost(runtime: JobRuntime, job: Job, reason: str) -> None:  # noqa: ARG001
    LOST.append((str(job.payload["key"]), reason))


@pytest.fixture
def key(tenant: TenantFixture) -> Iterator[str]:
    yield tenant.id
    CALLS.pop(tenant.id, None)


def submit(factory: sessionmaker[Session], tenant: TenantFixture, executor: Any, job: Job) -> Job:
    """Enqueue ``job`` for the tenant's company in a committed unit of work."""
    from urutiq_ai.core.scoping import bind_scope
    from urutiq_ai.tenancy.context import for_job

    with unit_of_work(factory) as session:
        bind_scope(session, for_job(tenant.id, [tenant.company_id]))
        attach_executor(session, executor)
        enqueue(session, job)
    return executor.jobs[-1] if isinstance(executor, DroppingExecutor) else job


def ledger_row(runtime: JobRuntime, tenant: TenantFixture) -> JobRecord:
    with system_unit_of_work(runtime) as session:
        from sqlalchemy import select

        rows = session.scalars(
            select(JobRecord).where(JobRecord.tenant_id == tenant.id)  # tenancy: global
        ).all()
        assert len(rows) == 1
        session.expunge(rows[0])
        return rows[0]


def dead_worker(runtime: JobRuntime, *, silent_for: timedelta) -> str:
    heartbeat = Heartbeat(runtime, WorkerKind.celery)
    worker_id = heartbeat.start()
    heartbeat._stop.set()  # the process "dies": no more beats, never marked stopped
    with system_unit_of_work(runtime) as session:
        worker = session.get(WorkerRecord, worker_id)
        assert worker is not None
        worker.last_seen_at = datetime.now(UTC) - silent_for
    return worker_id


def claim(runtime: JobRuntime, job: Job, worker_id: str) -> None:
    assert job.id is not None
    with ledger_unit_of_work(runtime) as ledger:
        assert ledger.claim(job.id, job.attempt, worker_id, datetime.now(UTC))


class TestClaims:
    def test_a_job_runs_once_however_often_it_is_delivered(
        self, app: FastAPI, tenant: TenantFixture, runtime: JobRuntime, key: str
    ) -> None:
        dropping = DroppingExecutor()
        job = submit(
            app.state.sessionmaker, tenant, dropping, Job(f"{__name__}:counting_job", tenant.id,
            tenant.company_id, {"key": key})
        )  # fmt: skip
        assert job.id is not None
        run_job(runtime, job)
        run_job(runtime, job)  # the broker delivered it again
        assert CALLS[key] == 1
        row = ledger_row(runtime, tenant)
        assert (row.status, row.attempt, row.finished_at is not None) == (
            JobStatus.completed,
            1,
            True,
        )

    def test_a_job_queued_in_a_savepoint_waits_for_the_real_commit(
        self, app: FastAPI, tenant: TenantFixture
    ) -> None:
        """Releasing a SAVEPOINT fires SQLAlchemy's after_commit too: dispatching then let a
        worker look for a job row not yet committed (PostgreSQL: invisible, so skipped)."""
        from urutiq_ai.core.scoping import bind_scope
        from urutiq_ai.tenancy.context import for_job

        dropping = DroppingExecutor()
        with unit_of_work(app.state.sessionmaker) as session:
            bind_scope(session, for_job(tenant.id, [tenant.company_id]))
            attach_executor(session, dropping)
            with session.begin_nested():
                enqueue(session, Job(f"{__name__}:counting_job", tenant.id, tenant.company_id))
            assert dropping.jobs == []  # the savepoint is released; nothing committed yet
        assert len(dropping.jobs) == 1

    def test_a_rolled_back_enqueue_leaves_no_job(
        self, app: FastAPI, tenant: TenantFixture, runtime: JobRuntime
    ) -> None:
        from urutiq_ai.core.scoping import bind_scope
        from urutiq_ai.tenancy.context import for_job

        dropping = DroppingExecutor()

        def failing_request() -> None:
            with unit_of_work(app.state.sessionmaker) as session:
                bind_scope(session, for_job(tenant.id, [tenant.company_id]))
                attach_executor(session, dropping)
                enqueue(session, Job(f"{__name__}:counting_job", tenant.id, tenant.company_id))
                raise RuntimeError("the request failed after queueing")

        with pytest.raises(RuntimeError):
            failing_request()
        assert dropping.jobs == []
        with system_unit_of_work(runtime) as session:
            from sqlalchemy import func, select

            count = session.scalar(
                select(func.count())
                .select_from(JobRecord)
                .where(  # tenancy: global
                    JobRecord.tenant_id == tenant.id
                )
            )
        assert count == 0


class TestRetries:
    def test_a_job_asking_to_retry_runs_again_after_its_backoff(
        self, app: FastAPI, tenant: TenantFixture, runtime: JobRuntime, key: str
    ) -> None:
        dropping = DroppingExecutor()
        job = submit(
            app.state.sessionmaker, tenant, dropping,
            Job(f"{__name__}:flaky_job", tenant.id, tenant.company_id, {"key": key},
                max_attempts=3),
        )  # fmt: skip
        run_job(runtime, job)
        first = ledger_row(runtime, tenant)
        assert (first.status, first.attempt, first.error) == (
            JobStatus.queued,
            2,
            "attempt 1 failed",
        )
        waited = first.not_before - datetime.now(UTC)
        assert timedelta(seconds=25) < waited <= timedelta(seconds=30)
        sync = SyncExecutor(runtime)
        dispatch_due_jobs(runtime, sync, datetime.now(UTC))
        assert CALLS[key] == 1  # not due yet
        dispatch_due_jobs(runtime, sync, first.not_before + timedelta(seconds=1))
        second = ledger_row(runtime, tenant)
        assert (second.status, second.attempt) == (JobStatus.queued, 3)
        waited = second.not_before - datetime.now(UTC)
        assert timedelta(seconds=55) < waited <= timedelta(seconds=60)  # doubled
        dispatch_due_jobs(runtime, sync, second.not_before + timedelta(seconds=1))
        third = ledger_row(runtime, tenant)
        assert (third.status, third.attempt, CALLS[key]) == (JobStatus.completed, 3, 3)

    def test_no_retry_is_offered_on_the_last_attempt(self) -> None:
        job = Job("m:f", "t", "c", id="j", attempt=3, max_attempts=3)
        assert next_retry_delay(job, backoff=10) is None
        assert next_retry_delay(Job("m:f", "t", "c", id="j", max_attempts=3), backoff=10) == 10
        assert next_retry_delay(Job("m:f", "t", "c", max_attempts=3), backoff=10) is None


class TestLostWorkers:
    def test_a_dead_worker_s_job_runs_again_when_attempts_remain(
        self, app: FastAPI, tenant: TenantFixture, runtime: JobRuntime, key: str
    ) -> None:
        dropping = DroppingExecutor()
        job = submit(
            app.state.sessionmaker, tenant, dropping,
            Job(f"{__name__}:counting_job", tenant.id, tenant.company_id, {"key": key},
                max_attempts=2),
        )  # fmt: skip
        worker_id = dead_worker(runtime, silent_for=timedelta(minutes=5))
        claim(runtime, job, worker_id)
        now = datetime.now(UTC)
        sync = SyncExecutor(runtime)
        assert recover_lost_jobs(runtime, sync, now) >= 1
        row = ledger_row(runtime, tenant)
        assert (row.status, row.attempt, CALLS[key]) == (JobStatus.completed, 2, 1)
        assert "stopped heartbeating" in str(row.error)
        assert recover_lost_jobs(runtime, sync, now) == 0 or ledger_row(runtime, tenant).status == (
            JobStatus.completed
        )

    def test_a_live_worker_s_job_is_left_alone(
        self, app: FastAPI, tenant: TenantFixture, runtime: JobRuntime
    ) -> None:
        dropping = DroppingExecutor()
        job = submit(
            app.state.sessionmaker, tenant, dropping,
            Job(f"{__name__}:counting_job", tenant.id, tenant.company_id, {"key": "x"}),
        )  # fmt: skip
        heartbeat = Heartbeat(runtime, WorkerKind.inline)
        worker_id = heartbeat.start()
        try:
            claim(runtime, job, worker_id)
            recover_lost_jobs(runtime, SyncExecutor(runtime), datetime.now(UTC))
            assert ledger_row(runtime, tenant).status == JobStatus.running
        finally:
            heartbeat.stop()
        # stopped cleanly while its job was still running: the job is lost now
        recover_lost_jobs(runtime, DroppingExecutor(), datetime.now(UTC))
        row = ledger_row(runtime, tenant)
        assert (row.status, row.worker_id) == (JobStatus.failed, worker_id)
        assert "stopped at" in str(row.error)

    def test_the_last_attempt_fails_and_tells_the_run(
        self, app: FastAPI, tenant: TenantFixture, runtime: JobRuntime, key: str
    ) -> None:
        dropping = DroppingExecutor()
        job = submit(
            app.state.sessionmaker, tenant, dropping,
            Job(f"{__name__}:counting_job", tenant.id, tenant.company_id, {"key": key},
                on_lost=f"{__name__}:remember_lost"),
        )  # fmt: skip
        claim(runtime, job, dead_worker(runtime, silent_for=timedelta(minutes=5)))
        recover_lost_jobs(runtime, SyncExecutor(runtime), datetime.now(UTC))
        row = ledger_row(runtime, tenant)
        assert (row.status, CALLS[key]) == (JobStatus.failed, 0)
        (reason,) = [why for who, why in LOST if who == key]
        assert "stopped heartbeating" in reason
        assert "attempt 1" in reason

    def test_a_worker_presumed_dead_no_longer_holds_its_job(
        self, app: FastAPI, tenant: TenantFixture, runtime: JobRuntime
    ) -> None:
        dropping = DroppingExecutor()
        job = submit(
            app.state.sessionmaker, tenant, dropping,
            Job(f"{__name__}:counting_job", tenant.id, tenant.company_id, {"key": "y"},
                max_attempts=2),
        )  # fmt: skip
        worker_id = dead_worker(runtime, silent_for=timedelta(minutes=5))
        claim(runtime, job, worker_id)
        slow = JobRuntime(runtime.sessionmaker, runtime.settings, worker_id)
        with system_unit_of_work(runtime) as session:
            assert holds_claim(session, job, slow)
        recover_lost_jobs(runtime, DroppingExecutor(), datetime.now(UTC))
        with system_unit_of_work(runtime) as session:
            assert not holds_claim(session, job, slow)  # it must not write its results


def test_a_lost_training_fails_its_run_and_model(
    app: FastAPI,
    client: TestClient,
    tenant: TenantFixture,
    runtime: JobRuntime,
    seed_expenses: Callable[..., None],
) -> None:
    seed_expenses(tenant)
    dropping = DroppingExecutor()
    inline, app.state.executor = app.state.executor, dropping
    try:
        response = client.post(
            tenant.url("train"), json=train_request(), headers=tenant.headers("editor")
        )
    finally:
        app.state.executor = inline
    assert response.status_code == 202, response.text
    run_id = response.json()["runId"]
    (job,) = dropping.jobs
    claim(runtime, job, dead_worker(runtime, silent_for=timedelta(minutes=5)))
    recover_lost_jobs(runtime, DroppingExecutor(), datetime.now(UTC))
    run = client.get(tenant.url(f"training-runs/{run_id}"), headers=tenant.headers()).json()
    assert run["status"] == "failed"
    assert "stopped heartbeating" in run["logs"]
    model = client.get(tenant.url(f"models/{run['modelId']}"), headers=tenant.headers()).json()
    assert model["status"] == "failed"
