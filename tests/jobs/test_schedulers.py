"""Two ``urutiq-ai scheduler`` processes started at once fire a due pipeline once: one holds
the PostgreSQL advisory lock, and the rows it fires are locked against the other."""

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from tests.conftest import TenantFixture
from tests.pipelines.test_pipelines_api import create, pipeline_body
from tests.quality.conftest import LedgerFixture


@pytest.fixture(autouse=True)
def _postgresql_only(backend: str) -> None:
    if backend != "postgresql":
        pytest.skip("one active scheduler is guaranteed on PostgreSQL (advisory lock)")


def runs(client: TestClient, tenant: TenantFixture, pipeline_id: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = client.get(
        tenant.url("pipeline-runs"), params={"pipelineId": pipeline_id}, headers=tenant.headers()
    ).json()["items"]
    return items


def test_two_schedulers_started_at_once_fire_a_pipeline_once(
    app: FastAPI, client: TestClient, ledger_tenant: LedgerFixture, database_url: str
) -> None:
    tenant = ledger_tenant.tenant
    pipeline = create(
        client, tenant, pipeline_body(pipelineName="every minute", schedule="* * * * *")
    ).json()
    engine = create_engine(database_url)
    with engine.begin() as conn:  # saved three minutes ago: its schedule is due now
        conn.execute(
            text(
                'UPDATE "AIDataPipeline" SET "createdAt" = "createdAt" - INTERVAL \'3 minutes\' '
                "WHERE id = :id"
            ),
            {"id": pipeline["id"]},
        )
    engine.dispose()
    settings = app.state.settings
    env = {
        "URUTIQ_DATABASE_URL": settings.database_url,
        "URUTIQ_DATABASE_ROLE": settings.database_role or "",
        "URUTIQ_SOURCES": settings.sources,
        "URUTIQ_ARTIFACTS": settings.artifacts,
        "PATH": "/usr/bin:/bin",
    }
    command = [str(Path(sys.executable).parent / "urutiq-ai"), "scheduler", "--once"]
    processes = [
        subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        for _ in range(2)
    ]
    outputs = [process.communicate(timeout=300)[0].decode() for process in processes]
    assert all(process.returncode == 0 for process in processes), outputs
    (run,) = runs(client, tenant, pipeline["id"])  # one run, not one per scheduler
    assert run["status"] == "completed", run["logs"]
