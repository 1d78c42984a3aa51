"""Serving through the API: predict, log, validate input, record outcomes, verify artifacts."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.conftest import TenantFixture
from tests.training.conftest import train_request, wait_for_run

Seed = Callable[..., None]
ROW = {"vendorName": "AWS", "description": "cloud hosting", "amount": 120.0}


def trained_model(client: TestClient, tenant: TenantFixture, seed: Seed, **overrides: Any) -> str:
    seed(tenant)
    started = client.post(
        tenant.url("train"), json=train_request(**overrides), headers=tenant.headers("editor")
    ).json()
    run = wait_for_run(client, tenant, started["runId"])
    assert run["status"] == "completed", run["logs"]
    return str(started["modelId"])


def stored(client: TestClient, tenant: TenantFixture, model_id: str) -> list[dict[str, Any]]:
    body = client.get(
        tenant.url("predictions"),
        params={"modelId": model_id, "limit": 500},
        headers=tenant.headers(),
    ).json()
    items: list[dict[str, Any]] = body["items"]
    return items


def predict(
    client: TestClient,
    tenant: TenantFixture,
    model_id: str,
    body: dict[str, Any],
    role: str = "editor",
) -> Any:
    return client.post(
        tenant.url(f"models/{model_id}/predict"), json=body, headers=tenant.headers(role)
    )


class TestPredict:
    def test_one_row_is_predicted_and_logged(
        self, client: TestClient, tenant: TenantFixture, seed_expenses: Seed
    ) -> None:
        model_id = trained_model(client, tenant, seed_expenses)
        response = predict(client, tenant, model_id, {"row": ROW})
        assert response.status_code == 200, response.text
        (result,) = response.json()["predictions"]
        assert result["prediction"] == "software"
        assert sum(result["probabilities"].values()) == pytest.approx(1.0)
        assert result["confidence"] == max(result["probabilities"].values())
        (row,) = stored(client, tenant, model_id)
        assert row["id"] == result["predictionId"]
        assert row["inputData"] == ROW
        assert row["predictionType"] == "classification"

    def test_batch_without_logging(
        self, client: TestClient, tenant: TenantFixture, seed_expenses: Seed
    ) -> None:
        model_id = trained_model(client, tenant, seed_expenses)
        response = predict(client, tenant, model_id, {"rows": [ROW] * 50, "log": False})
        assert len(response.json()["predictions"]) == 50
        assert stored(client, tenant, model_id) == []

    def test_bad_rows_are_listed_and_nothing_stored(
        self, client: TestClient, tenant: TenantFixture, seed_expenses: Seed
    ) -> None:
        model_id = trained_model(client, tenant, seed_expenses)
        bad = [{"vendorName": "AWS", "amount": "lots", "extra": 1}]
        response = predict(client, tenant, model_id, {"rows": bad})
        assert response.status_code == 422
        fields = {f["field"] for f in response.json()["fields"]}
        assert fields == {"rows.description", "rows.amount", "rows.extra"}
        assert stored(client, tenant, model_id) == []

    def test_too_many_rows(self, client: TestClient, tenant: TenantFixture) -> None:
        response = predict(client, tenant, "any", {"rows": [ROW] * 10_001})
        assert response.status_code == 422
        assert response.json()["fields"][0]["field"] == "rows"

    def test_a_failed_model_does_not_predict(
        self, client: TestClient, tenant: TenantFixture, seed_expenses: Seed
    ) -> None:
        seed_expenses(tenant, single_class=True, n=60)
        started = client.post(
            tenant.url("train"), json=train_request(), headers=tenant.headers("editor")
        ).json()
        wait_for_run(client, tenant, started["runId"])
        response = predict(client, tenant, started["modelId"], {"row": ROW})
        assert response.status_code == 409

    def test_roles_and_tenants(
        self,
        client: TestClient,
        tenant: TenantFixture,
        tenant_second: TenantFixture,
        seed_expenses: Seed,
    ) -> None:
        model_id = trained_model(client, tenant, seed_expenses)
        assert predict(client, tenant, model_id, {"row": ROW}, role="viewer").status_code == 403
        other = client.post(
            tenant_second.url(f"models/{model_id}/predict"),
            json={"row": ROW},
            headers=tenant_second.headers("editor"),
        )
        assert other.status_code == 404

    def test_cached_model_rows_follow_changes_and_scopes(
        self,
        client: TestClient,
        tenant: TenantFixture,
        tenant_second: TenantFixture,
        seed_expenses: Seed,
    ) -> None:
        """Serving keeps a model's rows a couple of seconds; a change through this process
        drops them at once, and another tenant or company never gets them."""
        model_id = trained_model(client, tenant, seed_expenses)
        assert predict(client, tenant, model_id, {"row": ROW}).status_code == 200  # cached
        other = client.post(
            tenant_second.url(f"models/{model_id}/predict"),
            json={"row": ROW},
            headers=tenant_second.headers("editor"),
        )
        assert other.status_code == 404
        elsewhere = client.post(
            tenant.url(f"models/{model_id}/predict", tenant.company_b),
            json={"row": ROW},
            headers=tenant.headers("editor"),
        )
        assert elsewhere.status_code == 404
        deprecated = client.patch(
            tenant.url(f"models/{model_id}"),
            json={"status": "deprecated"},
            headers=tenant.headers("editor"),
        )
        assert deprecated.status_code == 200, deprecated.text
        assert predict(client, tenant, model_id, {"row": ROW}).status_code == 409

    def test_a_tampered_artifact_is_refused(
        self, app: FastAPI, client: TestClient, tenant: TenantFixture, seed_expenses: Seed
    ) -> None:
        model_id = trained_model(client, tenant, seed_expenses)
        root = Path(app.state.settings.artifacts)
        (artifact,) = root.glob(f"{tenant.id}/{tenant.company_id}/{model_id}/pipeline.pickle")
        data = bytearray(artifact.read_bytes())
        data[-10] ^= 0xFF
        artifact.write_bytes(bytes(data))
        response = predict(client, tenant, model_id, {"row": ROW})
        assert response.status_code == 500
        assert response.json()["error"] == "ArtifactIntegrityError"
        assert stored(client, tenant, model_id) == []


class TestActuals:
    def test_classification_outcome(
        self, client: TestClient, tenant: TenantFixture, seed_expenses: Seed
    ) -> None:
        model_id = trained_model(client, tenant, seed_expenses)
        rows = predict(client, tenant, model_id, {"rows": [ROW, ROW]}).json()["predictions"]
        right = client.put(
            tenant.url(f"predictions/{rows[0]['predictionId']}/actual"),
            json={"actualValue": "software"},
            headers=tenant.headers("editor"),
        )
        wrong = client.put(
            tenant.url(f"predictions/{rows[1]['predictionId']}/actual"),
            json={"actualValue": "travel"},
            headers=tenant.headers("editor"),
        )
        assert right.json()["isCorrect"] is True
        assert wrong.json()["isCorrect"] is False

    def test_regression_outcome_in_bulk(
        self, client: TestClient, tenant: TenantFixture, seed_expenses: Seed
    ) -> None:
        model_id = trained_model(
            client,
            tenant,
            seed_expenses,
            modelName="cost",
            modelType="regression",
            algorithm="linear_regression",
            featureColumns=["amount"],
            targetColumn="cost",
            hyperparameters={},
        )
        result = predict(client, tenant, model_id, {"row": {"amount": 100.0}}).json()
        (prediction,) = result["predictions"]
        body = {"items": [{"predictionId": prediction["predictionId"], "actualValue": 130.0}]}
        response = client.post(
            tenant.url("predictions/actuals"), json=body, headers=tenant.headers("editor")
        )
        assert response.json() == {"updated": 1}
        (row,) = stored(client, tenant, model_id)
        assert row["error"] == pytest.approx(abs(prediction["prediction"] - 130.0))
        assert row["actualValue"] == 130.0

    def test_unknown_or_foreign_prediction(
        self,
        client: TestClient,
        tenant: TenantFixture,
        tenant_second: TenantFixture,
        seed_expenses: Seed,
    ) -> None:
        model_id = trained_model(client, tenant, seed_expenses)
        (result,) = predict(client, tenant, model_id, {"row": ROW}).json()["predictions"]
        response = client.put(
            tenant_second.url(f"predictions/{result['predictionId']}/actual"),
            json={"actualValue": "x"},
            headers=tenant_second.headers("editor"),
        )
        assert response.status_code == 404
        (row,) = stored(client, tenant, model_id)
        assert row["actualValue"] is None


def test_served_rows_expire() -> None:
    """Changes made elsewhere (another replica, plain SQL) are seen once the TTL passes."""
    import time
    from types import SimpleNamespace

    from urutiq_ai.predictions.serving import ServedModels
    from urutiq_ai.tenancy.context import for_job

    cache = ServedModels(ttl=0.05)
    model: Any = SimpleNamespace(id="m1", tenant_id="t1", company_id="c1")
    cache.put(model, SimpleNamespace(model_id="m1"))  # type: ignore[arg-type]
    assert cache.get(for_job("t1", ["c1"]), "m1") is not None
    assert cache.get(for_job("t2", ["c1"]), "m1") is None
    assert cache.get(for_job("t1", ["c2"]), "m1") is None
    time.sleep(0.06)
    assert cache.get(for_job("t1", ["c1"]), "m1") is None
