"""Performance computations running at once (a scheduled monitor overlapping a manual run)
store one row per window and metric, and raise one alert per declining metric.

On PostgreSQL the threads' transactions really overlap (the race the upsert closes); SQLite
runs writers one at a time, so there the race is staged: a computation that read the stored
rows before another one wrote them.
"""

from collections import Counter
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.concurrency import run_at_once
from tests.conftest import TenantFixture
from tests.training import test_performance_api as performance_api
from tests.training.test_performance_api import compute
from urutiq_ai.core.db import unit_of_work
from urutiq_ai.core.scoping import bind_scope, set_database_role
from urutiq_ai.monitoring import performance
from urutiq_ai.monitoring.repository import PerformanceRepository
from urutiq_ai.monitoring.schemas import TimeWindow
from urutiq_ai.tenancy.context import for_job

# the performance tests' fixtures: a trained model, two weeks of predictions with outcomes
model_id = performance_api.model_id
two_weeks = performance_api.two_weeks

WRITERS = 8
WEEKLY_ROWS = 10  # 2 weeks x (accuracy, precision, recall, f1, latency)


def compute_in_own_transaction(
    app: FastAPI, tenant: TenantFixture, model: str, window: TimeWindow
) -> int:
    """One computation as a job runs it: its own session and transaction, the app's role."""
    ctx = for_job(tenant.id, [tenant.company_id])
    with unit_of_work(app.state.sessionmaker) as session:
        set_database_role(session, app.state.settings.database_role)
        bind_scope(session, ctx)
        run = performance.compute_performance(session, ctx, model_id=model, time_window=window)
        return len(run.rows)


def stored(client: TestClient, tenant: TenantFixture, model: str) -> list[dict[str, Any]]:
    response = client.get(
        tenant.url("performance-metrics"),
        params={"modelId": model, "limit": 200},
        headers=tenant.headers(),
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def identities(rows: list[dict[str, Any]]) -> Counter[tuple[str, str, str]]:
    return Counter((r["timeWindow"], r["metricType"], r["metricDate"]) for r in rows)


def open_alerts(client: TestClient, tenant: TenantFixture) -> list[dict[str, Any]]:
    response = client.get(
        tenant.url("alerts"), params={"status": "open", "limit": 100}, headers=tenant.headers()
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


@pytest.mark.usefixtures("two_weeks")
class TestConcurrentComputations:
    def test_parallel_computations_store_one_row_per_window_and_metric(
        self, app: FastAPI, client: TestClient, tenant: TenantFixture, model_id: str
    ) -> None:
        counts = run_at_once(
            WRITERS,
            lambda: compute_in_own_transaction(app, tenant, model_id, TimeWindow.weekly),
            timeout=120,
        )
        assert counts == [WEEKLY_ROWS] * WRITERS

        rows = stored(client, tenant, model_id)
        assert len(rows) == WEEKLY_ROWS
        assert set(identities(rows).values()) == {1}
        series = client.get(
            tenant.url(f"models/{model_id}/performance-series"),
            params={"metricType": "f1", "timeWindow": "weekly"},
            headers=tenant.headers("viewer"),
        ).json()["points"]
        assert [p["date"][:10] for p in series] == ["2026-11-02", "2026-11-09"]
        # the second week declines (12 wrong of 40 after 2): one open alert per metric
        keys = Counter(alert["alertKey"] for alert in open_alerts(client, tenant))
        assert f"performance:{model_id}:accuracy:weekly" in keys
        assert set(keys.values()) == {1}

        # a recomputation afterwards still finds one row to replace per window and metric
        assert compute(client, tenant, model_id).status_code == 201
        assert sorted(r["id"] for r in stored(client, tenant, model_id)) == sorted(
            r["id"] for r in rows
        )

    def test_a_computation_that_read_before_another_wrote_updates_its_rows(
        self,
        app: FastAPI,
        client: TestClient,
        tenant: TenantFixture,
        model_id: str,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        assert compute_in_own_transaction(app, tenant, model_id, TimeWindow.monthly) == 5
        first = stored(client, tenant, model_id)
        # the next computation read the stored rows before the first one committed them
        monkeypatch.setattr(PerformanceRepository, "for_model", lambda *_, **__: [])
        assert compute_in_own_transaction(app, tenant, model_id, TimeWindow.monthly) == 5
        monkeypatch.undo()

        rows = stored(client, tenant, model_id)
        assert len(rows) == 5
        assert set(identities(rows).values()) == {1}
        assert sorted(r["id"] for r in rows) == sorted(r["id"] for r in first)
        updated = {r["id"]: r["updatedAt"] for r in rows}
        assert all(updated[r["id"]] >= r["updatedAt"] for r in first)
