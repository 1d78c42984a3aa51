"""An endless pipeline step (issue 17, finding 5): while it runs the API answers, another
tenant's job runs, a cancel really stops it, and on its own it stops at the query time
limit. On SQLite (one writer: the steps must hold no transaction) and PostgreSQL."""

import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from tests.conftest import APP_ROLE, TenantFixture, make_tenant_fixture
from tests.pipelines.test_pipelines_api import create, pipeline_body, run_to_end
from tests.quality.conftest import LedgerFixture
from urutiq_ai.api.app import create_app
from urutiq_ai.core.jobs import STOPPED_REASON
from urutiq_ai.core.settings import Settings

ENDLESS = (
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000000000) "
    "SELECT count(*) AS rows_counted FROM n"
)
PATIENCE = 20.0  # seconds: a bound for liveness, far below the step's own time limit


def endless_pipeline(client: TestClient, tenant: TenantFixture, name: str) -> str:
    body = pipeline_body(
        pipelineName=name,
        targetTables=["EndlessOutput"],
        transformations=[{"step": "sql", "query": ENDLESS}],
        validationRules=[],
    )
    created = create(client, tenant, body)
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


def start(client: TestClient, tenant: TenantFixture, pipeline_id: str) -> str:
    response = client.post(
        tenant.url(f"pipelines/{pipeline_id}/run"), headers=tenant.headers("editor")
    )
    assert response.status_code == 202, response.text
    return str(response.json()["id"])


def within(seconds: float, call: Callable[[], Any]) -> Any:
    """``call()``'s answer, or a failure if it has none after ``seconds`` (a hung server)."""
    answer: list[Any] = []
    worker = threading.Thread(target=lambda: answer.append(call()), daemon=True)
    worker.start()
    worker.join(seconds)
    assert answer, f"no answer within {seconds} s"
    return answer[0]


def job_status(database_url: str, run_id: str) -> str | None:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(text('SELECT status, payload FROM "Job"')).all()
    finally:
        engine.dispose()
    for status, payload in rows:
        data = payload if isinstance(payload, dict) else json.loads(payload or "{}")
        if data.get("runId") == run_id:
            return str(status)
    return None


@pytest.fixture
def long_limit(app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    """A step time limit far past the test's patience: what stops the step is the cancel."""
    monkeypatch.setattr(app.state.settings, "query_seconds", 300.0)


@pytest.mark.usefixtures("long_limit")
def test_the_api_answers_others_run_and_cancel_stops_it(
    client: TestClient,
    ledger_tenant: LedgerFixture,
    make_tenant: Callable[[], TenantFixture],
    write_ledger: Callable[..., None],
    database_url: str,
) -> None:
    tenant = ledger_tenant.tenant
    run_id = start(client, tenant, endless_pipeline(client, tenant, "endless"))
    time.sleep(1.0)  # the step is running

    listed: httpx.Response = within(
        PATIENCE, lambda: client.get(tenant.url("pipelines"), headers=tenant.headers())
    )
    assert listed.status_code == 200

    other = make_tenant()
    write_ledger(other, ledger_tenant.ledger)
    created = create(client, other, pipeline_body(targetTables=["OtherTenantFeatures"]))
    assert created.status_code == 201, created.text
    finished = within(PATIENCE * 3, lambda: run_to_end(client, other, created.json()["id"]))
    assert finished["status"] == "completed", finished["logs"]

    cancelled = within(
        PATIENCE,
        lambda: client.post(
            tenant.url(f"pipeline-runs/{run_id}/cancel"), headers=tenant.headers("editor")
        ),
    )
    assert cancelled.status_code == 200, cancelled.text
    deadline = time.monotonic() + PATIENCE
    while job_status(database_url, run_id) in ("running", "queued", None):
        assert time.monotonic() < deadline, "the cancelled step is still running"
        time.sleep(0.2)
    run = client.get(tenant.url(f"pipeline-runs/{run_id}"), headers=tenant.headers()).json()
    assert run["status"] == "cancelled"
    assert run["recordsProcessed"] in (0, None)


def test_the_step_stops_at_the_time_limit(
    app: FastAPI,
    client: TestClient,
    ledger_tenant: LedgerFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(app.state.settings, "query_seconds", 1.0)
    tenant = ledger_tenant.tenant
    pipeline_id = endless_pipeline(client, tenant, "bounded")
    run = run_to_end(client, tenant, pipeline_id)
    assert run["status"] == "failed"
    assert "time limit of 1 s" in run["logs"]


def test_a_stopping_server_ends_the_step_and_fails_the_run(
    client: TestClient,
    database_url: str,
    backend: str,
    tmp_path: Path,
    write_ledger: Callable[..., None],
    demo_ledger: Any,
) -> None:
    """SIGTERM to `serve` ends in the app's shutdown: the running step stops at its next
    check and its run fails as stopped, instead of holding the shutdown for its time limit."""
    settings = Settings(
        database_url=database_url,
        database_role=APP_ROLE if backend == "postgresql" else None,
        artifacts=str(tmp_path / "artifacts"),
        sources=str(tmp_path / "sources"),
        query_seconds=300.0,
        scheduler="off",
    )
    app = create_app(settings)
    tenant = make_tenant_fixture(app.state.sessionmaker)
    write_ledger(tenant, demo_ledger)
    stopping = TestClient(app)
    stopping.__enter__()
    run_id = start(stopping, tenant, endless_pipeline(stopping, tenant, "stopped"))
    time.sleep(1.0)  # the step is running
    within(PATIENCE, lambda: stopping.__exit__(None, None, None))
    app.state.engine.dispose()
    run = client.get(tenant.url(f"pipeline-runs/{run_id}"), headers=tenant.headers()).json()
    assert run["status"] == "failed"
    assert STOPPED_REASON in run["logs"]


@pytest.mark.usefixtures("long_limit")
def test_one_tenant_cannot_hold_every_worker(
    app: FastAPI,
    client: TestClient,
    ledger_tenant: LedgerFixture,
    make_tenant: Callable[[], TenantFixture],
    write_ledger: Callable[..., None],
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """As many endless runs as the pool has threads: the tenant's fair share (one job at a
    time here) leaves the other threads to other tenants, whose runs complete."""
    monkeypatch.setattr(app.state.settings, "tenant_jobs", 1)
    tenant = ledger_tenant.tenant
    threads = app.state.settings.inline_workers
    run_ids = [
        start(client, tenant, endless_pipeline(client, tenant, f"greedy {i}"))
        for i in range(threads)
    ]
    time.sleep(1.0)
    other = make_tenant()
    write_ledger(other, ledger_tenant.ledger)
    created = create(client, other, pipeline_body(targetTables=["FairShareFeatures"]))
    assert created.status_code == 201, created.text
    finished = within(PATIENCE * 3, lambda: run_to_end(client, other, created.json()["id"]))
    assert finished["status"] == "completed", finished["logs"]
    statuses = [job_status(database_url, run_id) for run_id in run_ids]
    assert statuses.count("running") == 1, statuses
    for run_id in run_ids:
        client.post(tenant.url(f"pipeline-runs/{run_id}/cancel"), headers=tenant.headers("editor"))
    deadline = time.monotonic() + PATIENCE
    while any(job_status(database_url, run_id) == "running" for run_id in run_ids):
        assert time.monotonic() < deadline, "a cancelled step is still running"
        time.sleep(0.2)
