"""Alerts raised by a model's monitoring: drift checks and performance computations open,
count and resolve alerts and deliver them to webhooks; drift monitors run on demand raise
the same alerts; monitors refuse bad input with the field named."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from tests.alerts.conftest import SECRET, Received, Receiver, add_webhook, wait_until
from tests.conftest import TenantFixture
from tests.training import conftest as training
from tests.training.test_drift_check_api import check, detections, input_rows
from tests.training.test_performance_api import WEEK_1, WEEK_2, compute, predict_at, record
from tests.training.test_serving_api import predict, trained_model
from urutiq_ai.core.db import unit_of_work
from urutiq_ai.core.scoping import system_scope
from urutiq_ai.predictions.models import AIModelPrediction
from urutiq_ai.sdk import verify_webhook

# the training tests' fixtures (a seeded expense table), shared rather than copied
expense_table = training.expense_table
seed_expenses = training.seed_expenses

Seed = Callable[..., None]
Factory = sessionmaker[Session]
FEATURES = ("amount", "description", "vendorName")
WEEK_3 = WEEK_2 + timedelta(weeks=1)
DAILY = "0 6 * * *"
QUALITY_PARAMS = {
    "source": {"table": "LedgerExpense"},
    "checks": [{"check": "range", "column": "amount", "min": 0.01}],
}


@pytest.fixture
def model_id(client: TestClient, tenant: TenantFixture, seed_expenses: Seed) -> str:
    return trained_model(client, tenant, seed_expenses)


# -- helpers --------------------------------------------------------------------------------


def listed(
    client: TestClient, tenant: TenantFixture, path: str, **params: str
) -> list[dict[str, Any]]:
    response = client.get(
        tenant.url(path), params={"limit": "100", **params}, headers=tenant.headers("viewer")
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def by_key(alerts: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {alert["alertKey"]: alert for alert in alerts}


def drift_keys(model_id: str) -> set[str]:
    """The data-drift alert keys of a check where every feature drifted."""
    return {f"drift:{model_id}:data_drift:{name}" for name in (*FEATURES, "dataset")}


def log_at(
    client: TestClient,
    tenant: TenantFixture,
    factory: Factory,
    model_id: str,
    rows: list[dict[str, Any]],
    when: datetime | None = None,
) -> None:
    """Log predictions of ``rows``, moved back to ``when`` (the API stamps them now)."""
    response = predict(client, tenant, model_id, {"rows": rows})
    assert response.status_code == 200, response.text
    if when is None:
        return
    ids = [result["predictionId"] for result in response.json()["predictions"]]
    with unit_of_work(factory) as session, system_scope(session):
        session.execute(
            update(AIModelPrediction).where(AIModelPrediction.id.in_(ids)).values(created_at=when)
        )


def drift_check(
    client: TestClient, tenant: TenantFixture, model_id: str, **body: Any
) -> dict[str, Any]:
    response = check(client, tenant, model_id, types=["data_drift"], **body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def assert_signed(requests: list[Received], event: str) -> None:
    for request in requests:
        assert request.headers["X-Urutiq-Event"] == event
        assert verify_webhook(SECRET, request.body, request.headers["X-Urutiq-Signature"])
        assert request.json["event"] == event


def create_monitor(
    client: TestClient, tenant: TenantFixture, role: str = "editor", **fields: Any
) -> Any:
    body = {"name": "nightly", "kind": "drift", "schedule": DAILY, **fields}
    return client.post(tenant.url("monitors"), json=body, headers=tenant.headers(role))


def run_monitor(client: TestClient, tenant: TenantFixture, monitor_id: str) -> dict[str, Any]:
    """Run the monitor now and poll its run until it ends."""
    response = client.post(tenant.url(f"monitors/{monitor_id}/run"), headers=tenant.headers())
    assert response.status_code == 202, response.text
    queued = response.json()
    assert (queued["monitorId"], queued["trigger"]) == (monitor_id, "manual")

    def ended() -> dict[str, Any] | None:
        run: dict[str, Any] = client.get(
            tenant.url(f"monitor-runs/{queued['id']}"), headers=tenant.headers("viewer")
        ).json()
        return run if run["status"] in ("completed", "failed") else None

    result: dict[str, Any] = wait_until(ended, timeout=30, message="the monitor run")
    return result


# -- drift checks ---------------------------------------------------------------------------


class TestDriftAlerts:
    def test_open_once_while_drifting_then_resolve(
        self,
        client: TestClient,
        tenant: TenantFixture,
        session_factory: Factory,
        receiver: Receiver,
        model_id: str,
    ) -> None:
        add_webhook(client, tenant, receiver.url)
        then = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)
        shifted = input_rows(200, seed=6, shifted=True)
        log_at(client, tenant, session_factory, model_id, shifted, then)
        window_end = (then + timedelta(hours=1)).isoformat()

        first = drift_check(client, tenant, model_id, end=window_end)
        assert first["predictions"] == 200
        assert first["datasetDrift"] is True
        assert sorted(first["driftedFeatures"]) == sorted(FEATURES)
        opened = by_key(listed(client, tenant, "alerts", status="open"))
        assert set(opened) == drift_keys(model_id)
        for key, alert in opened.items():
            assert alert["source"] == "drift"
            assert alert["subject"] == model_id
            assert alert["details"]["modelId"] == model_id
            assert alert["details"]["driftType"] == "data_drift"
            assert alert["occurrences"] == 1
            assert alert["resolvedAt"] is None
            feature = key.rsplit(":", 1)[1]
            if feature == "dataset":
                assert alert["severity"] == "critical"
                assert alert["details"]["featureName"] is None
            else:
                assert alert["severity"] == "warning"
                assert alert["details"]["featureName"] == feature
        amount = opened[f"drift:{model_id}:data_drift:amount"]
        detection = next(d for d in first["detections"] if d["featureName"] == "amount")
        assert amount["details"]["driftDetectionId"] == detection["id"]
        assert "amount" in amount["title"]

        sent = receiver.wait_for(4)
        assert_signed(sent, "alert.opened")
        assert {r.json["alert"]["id"] for r in sent} == {a["id"] for a in opened.values()}
        assert {r.json["companyId"] for r in sent} == {tenant.company_id}

        # drifting still: counted on the same alerts, nothing queued or sent again
        drift_check(client, tenant, model_id, end=window_end)
        again = by_key(outcome_alerts(listed(client, tenant, "alerts", status="open")))
        assert {k: a["id"] for k, a in again.items()} == {k: a["id"] for k, a in opened.items()}
        assert {a["occurrences"] for a in again.values()} == {2}
        assert len(listed(client, tenant, "webhook-deliveries")) == 4
        assert len(listed(client, tenant, "alerts")) == 4

        # stable inputs over a window without the shifted predictions: all resolved
        log_at(client, tenant, session_factory, model_id, input_rows(200, seed=5))
        stable = drift_check(client, tenant, model_id)
        assert stable["predictions"] == 200
        assert stable["driftedFeatures"] == []
        assert listed(client, tenant, "alerts", status="open") == []
        resolved = by_key(listed(client, tenant, "alerts", status="resolved"))
        assert set(resolved) == drift_keys(model_id)
        assert all(alert["resolvedAt"] is not None for alert in resolved.values())
        received = receiver.wait_for(8)
        assert len(received) == 8
        assert_signed(received[4:], "alert.resolved")
        assert {r.json["alert"]["id"] for r in received[4:]} == {a["id"] for a in opened.values()}
        assert {r.json["alert"]["status"] for r in received[4:]} == {"resolved"}

    def test_stable_inputs_open_nothing(
        self, client: TestClient, tenant: TenantFixture, session_factory: Factory, model_id: str
    ) -> None:
        log_at(client, tenant, session_factory, model_id, input_rows(200, seed=5))
        drift_check(client, tenant, model_id)
        assert listed(client, tenant, "alerts") == []
        assert listed(client, tenant, "webhook-deliveries") == []


# -- performance ----------------------------------------------------------------------------


def latest_declining(body: dict[str, Any]) -> set[str]:
    """Declining outcome metrics of the latest window (latency left out: it follows the
    machine's load, not the model)."""
    latest = max(row["metricDate"] for row in body["metrics"])
    return {
        row["metricType"]
        for row in body["metrics"]
        if row["metricDate"] == latest
        and row["trend"] == "declining"
        and row["metricType"] != "latency"
    }


def outcome_alerts(alerts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [a for a in alerts if ":latency:" not in a["alertKey"]]


class TestPerformanceAlerts:
    def test_a_declining_week_opens_then_a_better_one_resolves(
        self,
        client: TestClient,
        tenant: TenantFixture,
        session_factory: Factory,
        model_id: str,
    ) -> None:
        good = predict_at(client, tenant, session_factory, model_id, WEEK_1, 40)
        worse = predict_at(client, tenant, session_factory, model_id, WEEK_2, 40)
        record(client, tenant, good, wrong=2)
        record(client, tenant, worse, wrong=12)
        response = compute(client, tenant, model_id)
        assert response.status_code == 201, response.text
        declining = latest_declining(response.json())
        assert "accuracy" in declining

        opened = by_key(outcome_alerts(listed(client, tenant, "alerts", status="open")))
        assert set(opened) == {f"performance:{model_id}:{m}:weekly" for m in declining}
        accuracy = opened[f"performance:{model_id}:accuracy:weekly"]
        assert (accuracy["source"], accuracy["severity"], accuracy["subject"]) == (
            "performance",
            "warning",
            model_id,
        )
        details = accuracy["details"]
        assert (details["modelId"], details["metricType"], details["timeWindow"]) == (
            model_id,
            "accuracy",
            "weekly",
        )
        assert details["metricDate"][:10] == "2026-11-09"
        assert details["metricValue"] == pytest.approx(28 / 40)
        assert details["comparisonValue"] == pytest.approx(38 / 40)
        assert "declining" in accuracy["title"]

        compute(client, tenant, model_id)  # the same windows again: counted, not reopened
        again = by_key(outcome_alerts(listed(client, tenant, "alerts", status="open")))
        assert {k: a["id"] for k, a in again.items()} == {k: a["id"] for k, a in opened.items()}
        assert {a["occurrences"] for a in again.values()} == {2}

        better = predict_at(client, tenant, session_factory, model_id, WEEK_3, 40)
        record(client, tenant, better, wrong=0)
        third = compute(client, tenant, model_id).json()
        assert latest_declining(third) == set()
        assert outcome_alerts(listed(client, tenant, "alerts", status="open")) == []
        resolved = by_key(outcome_alerts(listed(client, tenant, "alerts", source="performance")))
        assert set(resolved) == set(opened)
        assert {a["status"] for a in resolved.values()} == {"resolved"}


# -- drift monitors -------------------------------------------------------------------------


class TestDriftMonitor:
    def test_run_now_completes_and_raises_the_drift_alerts(
        self,
        client: TestClient,
        tenant: TenantFixture,
        session_factory: Factory,
        receiver: Receiver,
        model_id: str,
    ) -> None:
        add_webhook(client, tenant, receiver.url)
        log_at(client, tenant, session_factory, model_id, input_rows(200, seed=6, shifted=True))
        created = create_monitor(
            client,
            tenant,
            modelId=model_id,
            params={"window": "1d", "types": ["data_drift"]},
        )
        assert created.status_code == 201, created.text
        monitor = created.json()
        assert monitor["status"] == "active"
        assert monitor["nextRunAt"] is not None

        run = run_monitor(client, tenant, monitor["id"])
        assert run["status"] == "completed", run
        assert run["error"] is None
        assert run["startTime"] is not None
        assert run["endTime"] is not None
        summary = run["summary"]
        assert summary["predictions"] == 200
        assert summary["datasetDrift"] is True
        assert sorted(summary["driftedFeatures"]) == sorted(FEATURES)
        assert summary["statuses"] == {"data_drift": "detected"}
        assert summary["detections"] == 4
        assert len(detections(client, tenant, model_id)) == 4

        opened = by_key(listed(client, tenant, "alerts", status="open"))
        assert set(opened) == drift_keys(model_id)
        assert opened[f"drift:{model_id}:data_drift:dataset"]["severity"] == "critical"
        assert {a["source"] for a in opened.values()} == {"drift"}
        sent = receiver.wait_for(4)
        assert_signed(sent, "alert.opened")

        shown = client.get(tenant.url(f"monitors/{monitor['id']}"), headers=tenant.headers())
        assert shown.json()["lastRunId"] == run["id"]
        assert shown.json()["lastStatus"] == "completed"
        assert shown.json()["lastRunAt"] is not None

        second = run_monitor(client, tenant, monitor["id"])
        assert second["status"] == "completed", second
        again = listed(client, tenant, "alerts", status="open")
        assert {a["occurrences"] for a in again} == {2}
        assert len(listed(client, tenant, "webhook-deliveries")) == 4

    def test_a_window_without_predictions_fails_and_stores_nothing(
        self, client: TestClient, tenant: TenantFixture, model_id: str
    ) -> None:
        created = create_monitor(client, tenant, modelId=model_id, params={"window": "1d"})
        assert created.status_code == 201, created.text
        run = run_monitor(client, tenant, created.json()["id"])
        assert run["status"] == "failed"
        assert run["summary"] is None
        assert "no predictions" in run["error"]
        assert "window" in run["error"]
        assert run["endTime"] is not None
        assert detections(client, tenant, model_id) == []
        # no drift alert: only the alert that the monitor could not run
        (alert,) = listed(client, tenant, "alerts")
        assert alert["alertKey"] == f"monitor:{created.json()['id']}:failed"
        assert alert["source"] == "drift"
        monitor = client.get(
            tenant.url(f"monitors/{created.json()['id']}"), headers=tenant.headers()
        ).json()
        assert monitor["lastStatus"] == "failed"

    def test_params_end_is_honoured_or_refused(
        self, client: TestClient, tenant: TenantFixture, session_factory: Factory, model_id: str
    ) -> None:
        then = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)
        shifted = input_rows(60, seed=6, shifted=True)
        log_at(client, tenant, session_factory, model_id, shifted, then)
        end = (then + timedelta(hours=1)).isoformat()
        created = create_monitor(
            client, tenant, modelId=model_id, params={"window": "1d", "end": end}
        )
        if created.status_code == 422:  # refusing it is a fix too
            assert created.json()["fields"][0]["field"] == "params.end"
            return
        run = run_monitor(client, tenant, created.json()["id"])
        assert run["status"] == "completed", run["error"]
        assert run["summary"]["predictions"] == 60


# -- monitor bad input ----------------------------------------------------------------------


@pytest.fixture
def registered_model(client: TestClient, tenant: TenantFixture) -> str:
    """A model row (no artifact): enough to be referenced by a monitor."""
    response = client.post(
        tenant.url("models"),
        json={
            "modelName": "expenses",
            "modelVersion": "1",
            "modelType": "classification",
            "algorithm": "random_forest",
        },
        headers=tenant.headers("editor"),
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


class TestMonitorBadInput:
    @pytest.mark.parametrize(
        ("fields", "field", "reason"),
        [
            ({"kind": "drift", "modelId": None}, "modelId", "watches a model"),
            ({"kind": "performance", "modelId": None}, "modelId", "watches a model"),
            ({"kind": "quality"}, "modelId", "not a model"),
            ({"schedule": "61 * * * *"}, "schedule", "not a valid cron"),
            ({"schedule": "0 0 30 2 *"}, "schedule", "never fires"),
            ({"schedule": "every day"}, "schedule", "not a valid cron"),
            ({"params": {"window": "7x"}}, "params.window", "24h"),
            ({"params": {"types": ["weather"]}}, "params.types", ""),
            ({"kind": "performance", "params": {"timeWindow": "hourly"}}, "params.timeWindow", ""),
            ({"kind": "quality", "modelId": None, "params": {}}, "params.checks", ""),
            (
                {
                    "kind": "quality",
                    "modelId": None,
                    "params": {"source": {"table": "LedgerExpense"}},
                },
                "params.checks",
                "",
            ),
            ({"kind": "weather"}, "kind", ""),
        ],
    )
    def test_rejected_with_the_field_and_nothing_stored(
        self,
        client: TestClient,
        tenant: TenantFixture,
        registered_model: str,
        fields: dict[str, Any],
        field: str,
        reason: str,
    ) -> None:
        body = {"modelId": registered_model, "params": {"window": "1d"}, **fields}
        if fields.get("kind") == "quality" and "params" not in fields:
            body["params"] = QUALITY_PARAMS  # only the model is wrong
        response = create_monitor(client, tenant, **body)
        assert response.status_code == 422, response.text
        problems = response.json()["fields"]
        assert any(p["field"].startswith(field) for p in problems), problems
        matching = [p for p in problems if p["field"].startswith(field)]
        assert any(reason in p["reason"] for p in matching), matching
        assert listed(client, tenant, "monitors") == []

    def test_a_quality_monitor_needs_no_model(
        self, client: TestClient, tenant: TenantFixture
    ) -> None:
        response = create_monitor(client, tenant, kind="quality", params=QUALITY_PARAMS)
        assert response.status_code == 201, response.text
        assert response.json()["modelId"] is None

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"params": {"window": "7x"}}, "params.window"),
            ({"schedule": "61 * * * *"}, "schedule"),
            ({"status": "retired"}, "status"),
        ],
    )
    def test_an_update_is_checked_too(
        self,
        client: TestClient,
        tenant: TenantFixture,
        registered_model: str,
        change: dict[str, Any],
        field: str,
    ) -> None:
        created = create_monitor(client, tenant, modelId=registered_model, params={"window": "1d"})
        assert created.status_code == 201, created.text
        path = tenant.url(f"monitors/{created.json()['id']}")
        response = client.patch(path, json=change, headers=tenant.headers("editor"))
        assert response.status_code == 422, response.text
        assert response.json()["fields"][0]["field"].startswith(field)
        unchanged = client.get(path, headers=tenant.headers()).json()
        assert (unchanged["params"], unchanged["schedule"], unchanged["status"]) == (
            {"window": "1d"},
            DAILY,
            "active",
        )

    def test_an_unknown_model(self, client: TestClient, tenant: TenantFixture) -> None:
        response = create_monitor(client, tenant, modelId="no-such-model")
        assert response.status_code in (404, 422), response.text
        assert listed(client, tenant, "monitors") == []

    def test_a_viewer_cannot_create_or_run(
        self, client: TestClient, tenant: TenantFixture, registered_model: str
    ) -> None:
        response = create_monitor(client, tenant, role="viewer", modelId=registered_model)
        assert response.status_code == 403
        created = create_monitor(client, tenant, modelId=registered_model)
        assert created.status_code == 201, created.text
        run = client.post(
            tenant.url(f"monitors/{created.json()['id']}/run"), headers=tenant.headers("viewer")
        )
        assert run.status_code == 403
        assert listed(client, tenant, "monitor-runs") == []

    def test_another_tenant_s_monitor_is_not_found(
        self,
        client: TestClient,
        tenant: TenantFixture,
        tenant_second: TenantFixture,
        registered_model: str,
    ) -> None:
        created = create_monitor(client, tenant, modelId=registered_model)
        assert created.status_code == 201, created.text
        monitor_id = created.json()["id"]
        theirs = tenant_second.headers("admin")
        shown = client.get(tenant_second.url(f"monitors/{monitor_id}"), headers=theirs)
        assert shown.status_code == 404
        run = client.post(tenant_second.url(f"monitors/{monitor_id}/run"), headers=theirs)
        assert run.status_code == 404
        # nor through the other company of the same tenant
        other = client.post(
            tenant.url(f"monitors/{monitor_id}/run", tenant.company_b), headers=tenant.headers()
        )
        assert other.status_code == 404
        assert listed(client, tenant, "monitor-runs") == []
