"""An embedded server (SQLite) that stopped with jobs in hand, and its restart
(``urutiq-ai serve`` sweeps, then the scheduler's tickers recover and redispatch).

Each test gets a SQLite database of its own: the start sweep marks *every* worker stopped
and fails every running training run, which must not touch the shared test database."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Column, Float, MetaData, String, Table, Text, create_engine

from tests.conftest import TenantFixture, make_tenant_fixture
from tests.jobs.test_ledger import DroppingExecutor, claim
from tests.training.conftest import SOURCE, expense_rows, train_request
from urutiq_ai.api.app import create_app
from urutiq_ai.cli.server import _sweep_orphaned_runs
from urutiq_ai.core.executors import SyncExecutor
from urutiq_ai.core.jobs import JobRuntime, system_unit_of_work
from urutiq_ai.core.ledger.models import JobRecord
from urutiq_ai.core.ledger.recovery import Heartbeat, dispatch_due_jobs
from urutiq_ai.core.ledger.schemas import JobStatus, WorkerKind
from urutiq_ai.core.migrations import upgrade
from urutiq_ai.core.settings import Settings


@dataclass
class Embedded:
    url: str
    app: FastAPI
    client: TestClient
    tenant: TenantFixture
    runtime: JobRuntime
    artifacts: Path


@pytest.fixture
def embedded(tmp_path: Path) -> Iterator[Embedded]:
    """A migrated SQLite database of the test's own, its app and a tenant with expenses."""
    url = f"sqlite:///{tmp_path / 'urutiq.db'}"
    upgrade(url)
    settings = Settings(
        database_url=url, artifacts=str(tmp_path / "artifacts"), sources=str(tmp_path / "src")
    )
    app = create_app(settings)
    tenant = make_tenant_fixture(app.state.sessionmaker)
    engine = create_engine(url)
    table = Table(
        SOURCE,
        MetaData(),
        Column("tenantId", String(64)),
        Column("companyId", String(64)),
        Column("vendorName", String(64)),
        Column("description", Text),
        Column("amount", Float),
        Column("category", String(64)),
        Column("cost", Float),
    )
    table.create(engine)
    with engine.begin() as conn:
        conn.execute(table.insert(), expense_rows(tenant, tenant.company_id))
    engine.dispose()
    yield Embedded(
        url,
        app,
        TestClient(app),
        tenant,
        JobRuntime(app.state.sessionmaker, settings),
        tmp_path / "artifacts",
    )
    app.state.executor.shutdown(wait=True)
    app.state.engine.dispose()


def post_held(env: Embedded, path: str, body: Any = None) -> tuple[dict[str, Any], Any]:
    """POST with the executor holding the job (a pool that never got to it); (body, job)."""
    dropping = DroppingExecutor()
    inline, env.app.state.executor = env.app.state.executor, dropping
    try:
        response = env.client.post(
            env.tenant.url(path), json=body, headers=env.tenant.headers("editor")
        )
    finally:
        env.app.state.executor = inline
    assert response.status_code in (201, 202), response.text
    (job,) = dropping.jobs
    created: dict[str, Any] = response.json()
    return created, job


def job_row(env: Embedded, job_id: str) -> JobRecord:
    with system_unit_of_work(env.runtime) as session:
        row = session.get(JobRecord, job_id)
        assert row is not None
        session.expunge(row)
        return row


def test_a_claimed_pipeline_job_is_retried_after_a_restart(embedded: Embedded) -> None:
    """docs/jobs.md: "On SQLite `serve` marks every earlier worker stopped when it starts, so
    the jobs a stopped server held are recovered at the first tick"; the start sweep queues
    them itself."""
    env = embedded
    body = {
        "pipelineName": "copy expenses",
        "pipelineType": "preprocessing",
        "sourceTables": [SOURCE],
        "targetTables": ["ExpenseCopy"],
        "transformations": [{"step": "filter", "expression": "amount > 0"}],
        "config": {"retries": {"maxAttempts": 2, "backoffSeconds": 30}},
    }
    pipeline = env.client.post(
        env.tenant.url("pipelines"), json=body, headers=env.tenant.headers("editor")
    )
    assert pipeline.status_code == 201, pipeline.text
    run, job = post_held(env, f"pipelines/{pipeline.json()['id']}/run")
    server = Heartbeat(env.runtime, WorkerKind.inline)
    claim(env.runtime, job, server.start())
    server._stop.set()  # the server is killed mid-run: never marked stopped, beat recently
    _sweep_orphaned_runs(env.url)  # `urutiq-ai serve` starts again: the job is queued
    assert job_row(env, str(job.id)).status == JobStatus.queued
    # the first scheduler tick dispatches it
    assert dispatch_due_jobs(env.runtime, SyncExecutor(env.runtime), datetime.now(UTC)) == 1
    ended = env.client.get(
        env.tenant.url(f"pipeline-runs/{run['id']}"), headers=env.tenant.headers()
    ).json()
    assert ended["status"] == "completed", ended["logs"]
    assert "attempt 2 of 2" in ended["logs"]
    row = job_row(env, str(job.id))
    assert (row.status, row.attempt) == (JobStatus.completed, 2)
    assert "stopped at" in str(row.error)


def test_a_training_whose_run_was_failed_by_the_sweep_does_not_train(
    embedded: Embedded,
) -> None:
    """A training still waiting in the inline pool when the server stopped: its job stays
    ``queued``; the start sweep fails its run and model; ten minutes later
    ``dispatch_due_jobs`` hands the job out again (docs: "Jobs dispatched but never claimed
    ... are dispatched again after ten minutes")."""
    env = embedded
    started, job = post_held(env, "train", train_request())
    _sweep_orphaned_runs(env.url)
    url = env.tenant.url(f"training-runs/{started['runId']}")
    swept = env.client.get(url, headers=env.tenant.headers()).json()
    assert swept["status"] == "failed"
    later = datetime.now(UTC) + timedelta(minutes=11)
    assert dispatch_due_jobs(env.runtime, SyncExecutor(env.runtime), later) == 1
    assert job_row(env, str(job.id)).status == JobStatus.completed  # it ran
    run = env.client.get(url, headers=env.tenant.headers()).json()
    assert run["status"] == "failed"
    assert "fitting" not in run["logs"], run["logs"]  # today: loaded, fitted, then failed
    assert not env.artifacts.exists() or not any(p.is_file() for p in env.artifacts.rglob("*"))
