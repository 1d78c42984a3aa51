"""Registry and explainability verbs: compare, promote, deprecate, importances, explain."""

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import TenantFixture
from tests.training.conftest import write_from_another_connection
from tests.training.test_serving_api import ROW, trained_model

Seed = Callable[..., None]


class TestCompare:
    def test_two_versions_side_by_side(
        self, client: TestClient, tenant: TenantFixture, seed_expenses: Seed
    ) -> None:
        first = trained_model(client, tenant, seed_expenses)
        second = trained_model(
            client,
            tenant,
            seed_expenses,
            featureColumns=["vendorName", "amount"],
            hyperparameters={"n_estimators": 30},
        )
        response = client.get(
            tenant.url("models/compare"),
            params={"left": first, "right": second},
            headers=tenant.headers("viewer"),
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["left"]["modelVersion"], body["right"]["modelVersion"]) == ("1.0.0", "1.1.0")
        assert body["featuresRemoved"] == ["description"]
        assert body["hyperparameterChanges"]["n_estimators"] == [20, 30]
        assert set(body["metricDeltas"]) == {"accuracy", "precision", "recall", "f1_score"}

    def test_other_tenant_model_is_404(
        self,
        client: TestClient,
        tenant: TenantFixture,
        tenant_second: TenantFixture,
        seed_expenses: Seed,
    ) -> None:
        model = trained_model(client, tenant, seed_expenses)
        response = client.get(
            tenant_second.url("models/compare"),
            params={"left": model, "right": model},
            headers=tenant_second.headers(),
        )
        assert response.status_code == 404


class TestPromoteDeprecate:
    def test_promote_deprecates_the_other_active_versions(
        self, client: TestClient, tenant: TenantFixture, seed_expenses: Seed
    ) -> None:
        first = trained_model(client, tenant, seed_expenses)
        second = trained_model(client, tenant, seed_expenses)
        response = client.post(
            tenant.url(f"models/{second}/promote"), headers=tenant.headers("editor")
        )
        assert response.json()["status"] == "active"
        old = client.get(tenant.url(f"models/{first}"), headers=tenant.headers()).json()
        assert old["status"] == "deprecated"
        again = client.post(tenant.url(f"models/{first}/promote"), headers=tenant.headers("editor"))
        assert again.status_code == 409

    def test_deprecate_is_final(
        self, client: TestClient, tenant: TenantFixture, seed_expenses: Seed
    ) -> None:
        model = trained_model(client, tenant, seed_expenses)
        url = tenant.url(f"models/{model}/deprecate")
        assert client.post(url, headers=tenant.headers("editor")).status_code == 200
        assert client.post(url, headers=tenant.headers("editor")).status_code == 200  # idempotent
        back = client.patch(
            tenant.url(f"models/{model}"),
            json={"status": "active"},
            headers=tenant.headers("editor"),
        )
        assert back.status_code == 409
        promote = client.post(
            tenant.url(f"models/{model}/promote"), headers=tenant.headers("editor")
        )
        assert promote.status_code == 409
        assert (
            client.post(
                tenant.url(f"models/{model}/deprecate"), headers=tenant.headers("viewer")
            ).status_code
            == 403
        )


class TestExplainability:
    @pytest.mark.parametrize("method", ["shap", "permutation", "built_in"])
    def test_importances_on_request(
        self, client: TestClient, tenant: TenantFixture, seed_expenses: Seed, method: str
    ) -> None:
        model = trained_model(client, tenant, seed_expenses)
        response = client.post(
            tenant.url(f"models/{model}/feature-importances"),
            json={"method": method},
            headers=tenant.headers("editor"),
        )
        assert response.status_code == 200, response.text
        rows = response.json()
        assert sorted(r["rank"] for r in rows) == [1, 2, 3]
        assert {r["method"] for r in rows} == {method}

    def test_no_database_lock_while_importances_compute(
        self,
        client: TestClient,
        tenant: TenantFixture,
        seed_expenses: Seed,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """SHAP computes for minutes on a real model: meanwhile another process (a CLI, the
        scheduler of a server beside it) can write to the SQLite database."""
        engine = client.app.state.engine  # type: ignore[attr-defined]
        if engine.dialect.name != "sqlite":
            pytest.skip("SQLite's write lock")
        model = trained_model(client, tenant, seed_expenses)
        from urutiq_ai.explainability import compute
        from urutiq_ai.ml.importance import feature_importance as real

        writes: list[str] = []

        def while_computing(*args: Any, **kwargs: Any) -> Any:
            writes.append(write_from_another_connection(engine))
            return real(*args, **kwargs)

        monkeypatch.setattr(compute, "feature_importance", while_computing)
        response = client.post(
            tenant.url(f"models/{model}/feature-importances"),
            json={"method": "permutation"},
            headers=tenant.headers("editor"),
        )
        assert response.status_code == 200, response.text
        assert writes == ["written"]

    def test_method_that_does_not_apply(
        self, client: TestClient, tenant: TenantFixture, seed_expenses: Seed
    ) -> None:
        model = trained_model(
            client, tenant, seed_expenses, algorithm="neural_network", hyperparameters={"epochs": 5}
        )
        response = client.post(
            tenant.url(f"models/{model}/feature-importances"),
            json={"method": "built_in"},
            headers=tenant.headers("editor"),
        )
        assert response.status_code == 409
        assert response.json()["fields"][0]["field"] == "method"

    def test_explain_one_row(
        self, client: TestClient, tenant: TenantFixture, seed_expenses: Seed
    ) -> None:
        model = trained_model(client, tenant, seed_expenses)
        response = client.post(
            tenant.url(f"models/{model}/explain"),
            json={"row": ROW, "topK": 2},
            headers=tenant.headers("viewer"),
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["prediction"] == "software"
        assert len(body["contributions"]) == 2
        assert {c["feature"] for c in body["contributions"]} <= set(ROW)

    def test_explain_bad_row(
        self, client: TestClient, tenant: TenantFixture, seed_expenses: Seed
    ) -> None:
        model = trained_model(client, tenant, seed_expenses)
        response = client.post(
            tenant.url(f"models/{model}/explain"),
            json={"row": {"amount": 1.0}},
            headers=tenant.headers(),
        )
        assert response.status_code == 422
        assert {f["field"] for f in response.json()["fields"]} == {
            "row.vendorName",
            "row.description",
        }
