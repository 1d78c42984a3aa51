"""Training through the API: checks before any write, the job, the registry, the run."""

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import TenantFixture
from tests.training.conftest import train_request, wait_for_run

Seed = Callable[..., None]


def start(client: TestClient, tenant: TenantFixture, **overrides: Any) -> dict[str, Any]:
    response = client.post(
        tenant.url("train"), json=train_request(**overrides), headers=tenant.headers("editor")
    )
    assert response.status_code == 202, response.text
    body: dict[str, Any] = response.json()
    return body


def count_models(client: TestClient, tenant: TenantFixture) -> int:
    return len(client.get(tenant.url("models"), headers=tenant.headers()).json()["items"])


class TestTrain:
    def test_trains_registers_and_explains(
        self, client: TestClient, tenant: TenantFixture, seed_expenses: Seed
    ) -> None:
        seed_expenses(tenant)
        started = start(client, tenant)
        assert started["modelVersion"] == "1.0.0"
        run = wait_for_run(client, tenant, started["runId"])
        assert run["status"] == "completed", run["logs"]
        assert run["endTime"] is not None
        assert run["duration"] >= 0
        assert [p["epoch"] for p in run["trainingMetrics"]] == list(range(1, run["epochs"] + 1))
        model = client.get(
            tenant.url(f"models/{started['modelId']}"), headers=tenant.headers()
        ).json()
        assert model["status"] == "active"
        assert model["f1Score"] > 0.9
        assert model["featureColumns"] == ["vendorName", "description", "amount"]
        importances = client.get(
            tenant.url("feature-importances"),
            headers=tenant.headers(),
            params={"modelId": model["id"], "method": "permutation"},
        ).json()
        assert {row["featureName"] for row in importances["items"]} == {
            "vendorName",
            "description",
            "amount",
        }

    def test_next_version_is_bumped(
        self, client: TestClient, tenant: TenantFixture, seed_expenses: Seed
    ) -> None:
        seed_expenses(tenant)
        first = start(client, tenant)
        wait_for_run(client, tenant, first["runId"])
        second = start(client, tenant)
        assert second["modelVersion"] == "1.1.0"
        wait_for_run(client, tenant, second["runId"])

    def test_same_spec_same_metrics(
        self, client: TestClient, tenant: TenantFixture, seed_expenses: Seed
    ) -> None:
        seed_expenses(tenant)
        metrics = []
        for _ in range(2):
            started = start(client, tenant)
            wait_for_run(client, tenant, started["runId"])
            model = client.get(
                tenant.url(f"models/{started['modelId']}"), headers=tenant.headers()
            ).json()
            metrics.append((model["accuracy"], model["f1Score"]))
        assert metrics[0] == metrics[1]

    def test_regression(
        self, client: TestClient, tenant: TenantFixture, seed_expenses: Seed
    ) -> None:
        seed_expenses(tenant)
        started = start(
            client,
            tenant,
            modelName="cost",
            modelType="regression",
            algorithm="xgboost",
            featureColumns=["amount", "vendorName"],
            targetColumn="cost",
            hyperparameters={"n_estimators": 30},
        )
        run = wait_for_run(client, tenant, started["runId"])
        assert run["status"] == "completed", run["logs"]
        assert len(run["validationMetrics"]) == 30


class TestRefusedBeforeAnyWrite:
    @pytest.mark.parametrize(
        ("overrides", "field"),
        [
            ({"algorithm": "isolation_forest"}, "algorithm"),
            ({"hyperparameters": {"n_estimators": -3}}, "hyperparameters.n_estimators"),
            ({"hyperparameters": {"no_such": 1}}, "hyperparameters.no_such"),
            ({"featureColumns": ["vendorName", "nope"]}, "featureColumns"),
            ({"targetColumn": "missing"}, "targetColumn"),
            ({"source": {"table": "NoSuchTable"}}, "source.table"),
            ({"template": "no_such_template"}, "template"),
            ({"modelVersion": "banana"}, "modelVersion"),
        ],
    )
    def test_bad_request(
        self,
        client: TestClient,
        tenant: TenantFixture,
        seed_expenses: Seed,
        overrides: dict[str, Any],
        field: str,
    ) -> None:
        seed_expenses(tenant, n=40)
        response = client.post(
            tenant.url("train"), json=train_request(**overrides), headers=tenant.headers("editor")
        )
        assert response.status_code in (404, 422), response.text
        assert field in [f["field"] for f in response.json()["fields"]], response.json()
        assert count_models(client, tenant) == 0

    def test_viewer_cannot_train(self, client: TestClient, tenant: TenantFixture) -> None:
        response = client.post(
            tenant.url("train"), json=train_request(), headers=tenant.headers("viewer")
        )
        assert response.status_code == 403

    def test_other_tenant_company(
        self, client: TestClient, tenant: TenantFixture, tenant_second: TenantFixture
    ) -> None:
        response = client.post(
            tenant_second.url("train"), json=train_request(), headers=tenant.headers("editor")
        )
        assert response.status_code == 404


class TestFailedRuns:
    def test_single_class_target_fails_the_run(
        self, client: TestClient, tenant: TenantFixture, seed_expenses: Seed
    ) -> None:
        seed_expenses(tenant, single_class=True, n=60)
        started = start(client, tenant)
        run = wait_for_run(client, tenant, started["runId"])
        assert run["status"] == "failed"
        assert "class" in run["logs"]
        model = client.get(
            tenant.url(f"models/{started['modelId']}"), headers=tenant.headers()
        ).json()
        assert model["status"] == "failed"

    def test_other_companies_rows_are_not_read(
        self, client: TestClient, tenant: TenantFixture, seed_expenses: Seed
    ) -> None:
        seed_expenses(tenant, company=tenant.company_b)
        started = start(client, tenant)
        run = wait_for_run(client, tenant, started["runId"])
        assert run["status"] == "failed"
        assert "rows" in run["logs"]


class TestCancel:
    def test_cancel_stops_a_long_training(
        self, client: TestClient, tenant: TenantFixture, seed_expenses: Seed
    ) -> None:
        seed_expenses(tenant)
        started = start(
            client,
            tenant,
            algorithm="neural_network",
            hyperparameters={"epochs": 500, "hidden_layer_sizes": [64, 64]},
        )
        response = client.post(
            tenant.url(f"training-runs/{started['runId']}/cancel"), headers=tenant.headers("editor")
        )
        assert response.status_code == 200, response.text
        run = wait_for_run(client, tenant, started["runId"])
        assert run["status"] == "cancelled"
        assert (run["epochs"] or 0) < 500
        model = client.get(
            tenant.url(f"models/{started['modelId']}"), headers=tenant.headers()
        ).json()
        assert model["status"] == "failed"

    def test_cancel_a_finished_run_is_refused(
        self, client: TestClient, tenant: TenantFixture, seed_expenses: Seed
    ) -> None:
        seed_expenses(tenant)
        started = start(client, tenant)
        wait_for_run(client, tenant, started["runId"])
        response = client.post(
            tenant.url(f"training-runs/{started['runId']}/cancel"), headers=tenant.headers("editor")
        )
        assert response.status_code == 409
