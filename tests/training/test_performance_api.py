"""Performance over time through the API and the SDK: windows, comparison, trend, replace."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sklearn.metrics import accuracy_score, precision_recall_fscore_support
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import TenantFixture
from tests.training.conftest import VENDORS
from tests.training.test_serving_api import predict, trained_model
from urutiq_ai.core.db import unit_of_work
from urutiq_ai.core.scoping import system_scope
from urutiq_ai.predictions.models import AIModelPrediction
from urutiq_ai.sdk import Client

Seed = Callable[..., None]
# Monday 2026-11-02 and the Monday after: two ISO weeks, predictions on Tuesdays
WEEK_1 = datetime(2026, 11, 3, 10, 0, tzinfo=UTC)
WEEK_2 = WEEK_1 + timedelta(weeks=1)
CATEGORIES = [category for category, _ in VENDORS.values()]


@pytest.fixture
def model_id(client: TestClient, tenant: TenantFixture, seed_expenses: Seed) -> str:
    return trained_model(client, tenant, seed_expenses)


def predict_at(
    client: TestClient,
    tenant: TenantFixture,
    session_factory: sessionmaker[Session],
    model_id: str,
    when: datetime,
    n: int,
) -> list[dict[str, Any]]:
    """``n`` logged predictions, moved back to ``when`` (the API stamps them now)."""
    vendors = list(VENDORS)
    rows = [
        {"vendorName": vendors[i % 4], "description": f"item {i}", "amount": 100.0 + i}
        for i in range(n)
    ]
    results: list[dict[str, Any]] = predict(client, tenant, model_id, {"rows": rows}).json()[
        "predictions"
    ]
    ids = [r["predictionId"] for r in results]
    with unit_of_work(session_factory) as session, system_scope(session):
        session.execute(
            update(AIModelPrediction).where(AIModelPrediction.id.in_(ids)).values(created_at=when)
        )
    return results


def record(
    client: TestClient, tenant: TenantFixture, results: list[dict[str, Any]], wrong: int
) -> list[tuple[str, str]]:
    """Actual values: the first ``wrong`` predictions get another category. Returns
    (predicted, actual) pairs."""
    pairs = []
    items = []
    for index, result in enumerate(results):
        predicted = result["prediction"]
        actual = predicted
        if index < wrong:
            actual = next(c for c in CATEGORIES if c != predicted)
        pairs.append((predicted, actual))
        items.append({"predictionId": result["predictionId"], "actualValue": actual})
    response = client.post(
        tenant.url("predictions/actuals"), json={"items": items}, headers=tenant.headers("editor")
    )
    assert response.status_code == 200, response.text
    return pairs


def compute(client: TestClient, tenant: TenantFixture, model_id: str, **body: Any) -> Any:
    return client.post(
        tenant.url(f"models/{model_id}/performance"),
        json={"timeWindow": "weekly", **body},
        headers=tenant.headers("editor"),
    )


def expected(pairs: list[tuple[str, str]]) -> dict[str, float]:
    predicted = [p for p, _ in pairs]
    actual = [a for _, a in pairs]
    precision, recall, f1, _ = precision_recall_fscore_support(
        actual, predicted, average="macro", zero_division=0
    )
    return {
        "accuracy": accuracy_score(actual, predicted),
        "precision": precision,
        "recall": recall,
        "f1": f1,
    }


@pytest.fixture
def two_weeks(
    client: TestClient,
    tenant: TenantFixture,
    session_factory: sessionmaker[Session],
    model_id: str,
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    first = predict_at(client, tenant, session_factory, model_id, WEEK_1, 40)
    second = predict_at(client, tenant, session_factory, model_id, WEEK_2, 40)
    return record(client, tenant, first, wrong=2), record(client, tenant, second, wrong=12)


class TestComputePerformance:
    def test_weekly_windows_comparison_and_trend(
        self,
        client: TestClient,
        tenant: TenantFixture,
        model_id: str,
        two_weeks: tuple[list[tuple[str, str]], list[tuple[str, str]]],
    ) -> None:
        response = compute(client, tenant, model_id)
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["windows"] == 2
        assert body["outcomes"] == 80
        rows = {(r["metricType"], r["metricDate"][:10]): r for r in body["metrics"]}
        assert len(rows) == 10  # 4 outcome metrics and latency, per week
        for week in ("2026-11-02", "2026-11-09"):
            assert rows[("latency", week)]["metricValue"] > 0  # the median serving time, ms
        first, second = expected(two_weeks[0]), expected(two_weeks[1])
        for metric in ("accuracy", "precision", "recall", "f1"):
            early, late = rows[(metric, "2026-11-02")], rows[(metric, "2026-11-09")]
            assert early["metricValue"] == pytest.approx(first[metric])
            assert late["metricValue"] == pytest.approx(second[metric])
            assert early["timeWindow"] == "weekly"
            assert early["comparisonValue"] is None
            assert early["trend"] is None
            assert late["comparisonValue"] == pytest.approx(first[metric])
        assert rows[("accuracy", "2026-11-02")]["metricValue"] == pytest.approx(38 / 40)
        assert rows[("accuracy", "2026-11-09")]["metricValue"] == pytest.approx(28 / 40)
        assert rows[("accuracy", "2026-11-09")]["trend"] == "declining"

    @pytest.mark.usefixtures("two_weeks")
    def test_recomputing_replaces_and_never_duplicates(
        self,
        client: TestClient,
        tenant: TenantFixture,
        session_factory: sessionmaker[Session],
        model_id: str,
    ) -> None:
        first = compute(client, tenant, model_id).json()["metrics"]
        later = predict_at(client, tenant, session_factory, model_id, WEEK_2, 40)
        record(client, tenant, later, wrong=0)
        second = compute(client, tenant, model_id).json()["metrics"]
        assert sorted(r["id"] for r in first) == sorted(r["id"] for r in second)
        accuracy = next(
            r
            for r in second
            if r["metricType"] == "accuracy" and r["metricDate"][:10] == "2026-11-09"
        )
        assert accuracy["metricValue"] == pytest.approx(68 / 80)
        stored = client.get(
            tenant.url("performance-metrics"),
            params={"modelId": model_id, "limit": 100},
            headers=tenant.headers(),
        ).json()["items"]
        assert len(stored) == 10

    @pytest.mark.usefixtures("two_weeks")
    def test_daily_and_monthly_windows(
        self, client: TestClient, tenant: TenantFixture, model_id: str
    ) -> None:
        daily = compute(client, tenant, model_id, timeWindow="daily").json()
        assert daily["windows"] == 2
        assert {r["metricDate"][:10] for r in daily["metrics"]} == {"2026-11-03", "2026-11-10"}
        monthly = compute(client, tenant, model_id, timeWindow="monthly").json()
        assert monthly["windows"] == 1
        assert {r["metricDate"][:10] for r in monthly["metrics"]} == {"2026-11-01"}

    @pytest.mark.usefixtures("two_weeks")
    def test_range_bounds(self, client: TestClient, tenant: TenantFixture, model_id: str) -> None:
        body = compute(client, tenant, model_id, start="2026-11-09T00:00:00Z").json()
        assert body["windows"] == 1
        assert body["outcomes"] == 40

    @pytest.mark.usefixtures("two_weeks")
    def test_series_for_charts(
        self, client: TestClient, tenant: TenantFixture, model_id: str
    ) -> None:
        compute(client, tenant, model_id)
        response = client.get(
            tenant.url(f"models/{model_id}/performance-series"),
            params={"metricType": "accuracy", "timeWindow": "weekly"},
            headers=tenant.headers("viewer"),
        )
        assert response.status_code == 200, response.text
        points = response.json()["points"]
        assert [p["date"][:10] for p in points] == ["2026-11-02", "2026-11-09"]
        assert [p["trend"] for p in points] == [None, "declining"]

    @pytest.mark.usefixtures("two_weeks")
    def test_the_sdk(self, client: TestClient, tenant: TenantFixture, model_id: str) -> None:
        sdk = Client(api_key=tenant.keys["editor"], company=tenant.company_id, http_client=client)
        result = sdk.monitoring.compute_performance(model_id, time_window="weekly")
        assert result.windows == 2
        series = sdk.monitoring.performance_series(model_id, "f1", time_window="weekly")
        assert len(series.points) == 2
        assert series.points[1].comparison_value == pytest.approx(series.points[0].value)


class TestComputePerformanceBadInput:
    def test_no_predictions_yet(
        self, client: TestClient, tenant: TenantFixture, model_id: str
    ) -> None:
        response = compute(client, tenant, model_id)
        assert response.status_code == 422
        assert "no predictions in this range" in response.json()["detail"]
        assert response.json()["fields"][0]["field"] == "window"

    def test_no_outcomes_yet_gives_latency_only(
        self,
        client: TestClient,
        tenant: TenantFixture,
        session_factory: sessionmaker[Session],
        model_id: str,
    ) -> None:
        predict_at(client, tenant, session_factory, model_id, WEEK_1, 5)
        body = compute(client, tenant, model_id).json()
        assert (body["windows"], body["outcomes"]) == (1, 0)
        assert [r["metricType"] for r in body["metrics"]] == ["latency"]

    def test_unknown_window_model_and_roles(
        self,
        client: TestClient,
        tenant: TenantFixture,
        tenant_second: TenantFixture,
        model_id: str,
    ) -> None:
        response = compute(client, tenant, model_id, timeWindow="hourly")
        assert response.status_code == 422
        assert response.json()["fields"][0]["field"] == "timeWindow"
        assert compute(client, tenant, "no-such-model").status_code == 404
        foreign = client.post(
            tenant_second.url(f"models/{model_id}/performance"),
            json={},
            headers=tenant_second.headers("editor"),
        )
        assert foreign.status_code == 404
        viewer = client.post(
            tenant.url(f"models/{model_id}/performance"), json={}, headers=tenant.headers("viewer")
        )
        assert viewer.status_code == 403
        series = client.get(
            tenant.url(f"models/{model_id}/performance-series"),
            params={"metricType": "latency_p99"},
            headers=tenant.headers(),
        )
        assert series.status_code == 422
