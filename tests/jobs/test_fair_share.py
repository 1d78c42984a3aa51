"""A tenant's fair share of the workers (issue 17, finding 5): with ``tenant_jobs`` of its
jobs running, its next job is deferred, not started, while other tenants' jobs start."""

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

from fastapi import FastAPI

from tests.conftest import TenantFixture
from tests.jobs.conftest import DroppingExecutor
from tests.jobs.test_ledger import CALLS, claim, submit
from urutiq_ai.core.jobs import Job, JobRuntime, ledger_unit_of_work, run_job, system_unit_of_work
from urutiq_ai.core.ledger.models import JobRecord
from urutiq_ai.core.ledger.schemas import JobStatus


def queued(app: FastAPI, tenant: TenantFixture) -> Job:
    job = Job(
        "tests.jobs.test_ledger:counting_job", tenant.id, tenant.company_id, {"key": tenant.id}
    )
    return submit(app.state.sessionmaker, tenant, DroppingExecutor(), job)


def row(runtime: JobRuntime, job: Job) -> JobRecord:
    with system_unit_of_work(runtime) as session:
        found = session.get(JobRecord, job.id)
        assert found is not None
        session.expunge(found)
        return found


def test_a_tenant_at_its_share_waits_and_another_tenant_runs(
    app: FastAPI, runtime: JobRuntime, make_tenant: Callable[[], TenantFixture]
) -> None:
    fair = replace(runtime, settings=runtime.settings.model_copy(update={"tenant_jobs": 1}))
    busy, other = make_tenant(), make_tenant()
    running = queued(app, busy)
    claim(fair, running, "worker-a")
    waiting, others = queued(app, busy), queued(app, other)

    assert run_job(fair, waiting, fair=True) is False
    deferred = row(fair, waiting)
    assert deferred.status == JobStatus.queued
    assert deferred.dispatched_at is None
    assert deferred.not_before > datetime.now(UTC)  # UTCDateTime: zoned on both backends
    assert CALLS[busy.id] == 0

    assert run_job(fair, others, fair=True) is True
    assert row(fair, others).status == JobStatus.completed
    assert CALLS[other.id] == 1

    with ledger_unit_of_work(fair) as ledger:  # the busy job ends: the waiting one may run
        assert running.id is not None
        ledger.end(running.id, running.attempt, JobStatus.completed, datetime.now(UTC))
    assert run_job(fair, waiting, fair=True) is True
    assert CALLS[busy.id] == 1
    CALLS.pop(busy.id, None)
    CALLS.pop(other.id, None)


def test_without_fairness_nothing_waits(
    app: FastAPI, runtime: JobRuntime, make_tenant: Callable[[], TenantFixture]
) -> None:
    """The synchronous executor (CLI, demo load) runs what it is given."""
    fair = replace(runtime, settings=runtime.settings.model_copy(update={"tenant_jobs": 1}))
    tenant = make_tenant()
    claim(fair, queued(app, tenant), "worker-a")
    assert run_job(fair, queued(app, tenant)) is True
    assert CALLS[tenant.id] == 1
    CALLS.pop(tenant.id, None)
