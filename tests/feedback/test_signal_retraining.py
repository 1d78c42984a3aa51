"""Monitoring starts the retraining loop: drift found, or a performance decline, trains a
challenger and opens an experiment against the champion, when the company's behavior
configuration says so; once per cool-down; never when it says nothing."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.alerts.test_model_alerts import drift_check, log_at, run_monitor
from tests.conftest import TenantFixture
from tests.training import conftest as training
from tests.training.conftest import wait_for_run
from tests.training.test_drift_check_api import input_rows
from tests.training.test_performance_api import WEEK_1, WEEK_2, compute, predict_at, record
from tests.training.test_serving_api import trained_model

expense_table = training.expense_table
seed_expenses = training.seed_expenses

Seed = Callable[..., None]


@pytest.fixture
def model_id(client: TestClient, tenant: TenantFixture, seed_expenses: Seed) -> str:
    return trained_model(client, tenant, seed_expenses)


def behave(client: TestClient, tenant: TenantFixture, **settings: Any) -> None:
    response = client.post(
        tenant.url("configs"),
        json={"configType": "behavior", "configData": settings},
        headers=tenant.headers("editor"),
    )
    assert response.status_code == 201, response.text


def experiments_of(client: TestClient, tenant: TenantFixture, model_id: str) -> list[Any]:
    response = client.get(
        tenant.url("experiments"), params={"baselineModel": model_id}, headers=tenant.headers()
    )
    assert response.status_code == 200, response.text
    items: list[Any] = response.json()["items"]
    return items


def drifted(client: TestClient, tenant: TenantFixture, factory: Any, model_id: str) -> str:
    """Log 200 shifted predictions three days ago; the end of a window that holds them."""
    then = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)
    log_at(client, tenant, factory, model_id, input_rows(200, seed=6, shifted=True), then)
    return (then + timedelta(hours=1)).isoformat()


def test_drift_retrains_once_per_cooldown(
    client: TestClient, tenant: TenantFixture, session_factory: Any, model_id: str
) -> None:
    behave(client, tenant, retrainOnDrift=True)
    end = drifted(client, tenant, session_factory, model_id)

    first = drift_check(client, tenant, model_id, end=end)
    assert first["datasetDrift"] is True
    started = first["retraining"]
    assert started is not None
    assert started["modelId"] == model_id
    assert started["corrections"] == 0
    experiment = next(e for e in experiments_of(client, tenant, model_id))
    assert experiment["id"] == started["experimentId"]
    assert experiment["currentModel"] == started["challengerModelId"]
    assert experiment["methodology"]["origin"] == "drift"
    assert "data drift detected" in experiment["methodology"]["reason"]
    run = wait_for_run(client, tenant, started["runId"])
    assert run["status"] == "completed", run["logs"]

    again = drift_check(client, tenant, model_id, end=end)  # within the cool-down
    assert again["datasetDrift"] is True
    assert again["retraining"] is None
    assert len(experiments_of(client, tenant, model_id)) == 1


def test_a_scheduled_drift_monitor_retrains_too(
    client: TestClient, tenant: TenantFixture, session_factory: Any, model_id: str
) -> None:
    behave(client, tenant, retrainOnDrift=True)
    end = drifted(client, tenant, session_factory, model_id)
    monitor = client.post(
        tenant.url("monitors"),
        json={
            "name": "nightly drift",
            "kind": "drift",
            "schedule": "0 6 * * *",
            "modelId": model_id,
            "params": {"window": "1d", "end": end, "types": ["data_drift"]},
        },
        headers=tenant.headers("editor"),
    )
    assert monitor.status_code == 201, monitor.text
    run = run_monitor(client, tenant, monitor.json()["id"])
    assert run["status"] == "completed", run
    retraining = run["summary"]["retraining"]
    assert retraining["modelId"] == model_id
    (experiment,) = experiments_of(client, tenant, model_id)
    assert experiment["id"] == retraining["experimentId"]
    assert wait_for_run(client, tenant, retraining["runId"])["status"] == "completed"


def test_without_the_setting_drift_only_alerts(
    client: TestClient, tenant: TenantFixture, session_factory: Any, model_id: str
) -> None:
    end = drifted(client, tenant, session_factory, model_id)
    assert drift_check(client, tenant, model_id, end=end)["retraining"] is None
    behave(client, tenant, retrainOnDrift=False, retrainOnDecline=True)
    assert drift_check(client, tenant, model_id, end=end)["retraining"] is None
    assert experiments_of(client, tenant, model_id) == []


def test_a_declining_window_retrains(
    client: TestClient, tenant: TenantFixture, session_factory: Any, model_id: str
) -> None:
    behave(client, tenant, retrainOnDecline=True, retrainCooldownHours=0)
    good = predict_at(client, tenant, session_factory, model_id, WEEK_1, 40)
    worse = predict_at(client, tenant, session_factory, model_id, WEEK_2, 40)
    record(client, tenant, good, wrong=2)
    record(client, tenant, worse, wrong=12)

    response = compute(client, tenant, model_id)
    assert response.status_code == 201, response.text
    body = response.json()
    newest = max(
        (m for m in body["metrics"] if m["metricType"] == "accuracy"),
        key=lambda m: m["metricDate"],
    )
    assert newest["trend"] == "declining"
    started = body["retraining"]
    assert started is not None
    (experiment,) = experiments_of(client, tenant, model_id)
    assert experiment["methodology"]["origin"] == "performance"
    assert "accuracy declined" in experiment["methodology"]["reason"]
    assert wait_for_run(client, tenant, started["runId"])["status"] == "completed"


def test_a_stable_window_does_not_retrain(
    client: TestClient, tenant: TenantFixture, session_factory: Any, model_id: str
) -> None:
    behave(client, tenant, retrainOnDecline=True)
    first = predict_at(client, tenant, session_factory, model_id, WEEK_1, 40)
    second = predict_at(client, tenant, session_factory, model_id, WEEK_2, 40)
    record(client, tenant, first, wrong=2)
    record(client, tenant, second, wrong=2)
    body = compute(client, tenant, model_id).json()
    assert body["retraining"] is None
    assert experiments_of(client, tenant, model_id) == []


def test_the_behavior_settings_are_validated(client: TestClient, tenant: TenantFixture) -> None:
    response = client.post(
        tenant.url("configs"),
        json={"configType": "behavior", "configData": {"retrainCooldownHours": -1}},
        headers=tenant.headers("editor"),
    )
    assert response.status_code == 422
    assert response.json()["fields"][0]["field"] == "configData.retrainCooldownHours"
