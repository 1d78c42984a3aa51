"""A model's data-drift check through the API and the SDK: stored rows, verdicts, bad input."""

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from tests.conftest import TenantFixture
from tests.training.conftest import VENDORS, write_from_another_connection
from tests.training.test_serving_api import predict, trained_model
from urutiq_ai.sdk import Client

Seed = Callable[..., None]


def input_rows(n: int, seed: int, *, shifted: bool = False) -> list[dict[str, Any]]:
    """Rows like the training table's; shifted: amounts tripled, a new vendor mix."""
    rng = np.random.default_rng(seed)
    names = ["AWS", "Zoom"] if shifted else list(VENDORS)
    rows = []
    for i in range(n):
        vendor = names[i % len(names)]
        amount = float(rng.lognormal(5, 0.5)) * (3.0 if shifted else 1.0)
        words = "video call licence" if vendor == "Zoom" else VENDORS[vendor][1]
        rows.append({"vendorName": vendor, "description": f"{words} {i}", "amount": amount})
    return rows


def check(client: TestClient, tenant: TenantFixture, model_id: str, **body: Any) -> Any:
    return client.post(
        tenant.url(f"models/{model_id}/drift-checks"),
        json={"window": "1d", **body},
        headers=tenant.headers("editor"),
    )


def detections(client: TestClient, tenant: TenantFixture, model_id: str) -> list[dict[str, Any]]:
    body = client.get(
        tenant.url("drift-detections"),
        params={"modelId": model_id, "limit": 100},
        headers=tenant.headers(),
    ).json()
    items: list[dict[str, Any]] = body["items"]
    return items


@pytest.fixture
def model_id(client: TestClient, tenant: TenantFixture, seed_expenses: Seed) -> str:
    return trained_model(client, tenant, seed_expenses)


def log_predictions(
    client: TestClient, tenant: TenantFixture, model_id: str, rows: list[dict[str, Any]]
) -> None:
    response = predict(client, tenant, model_id, {"rows": rows})
    assert response.status_code == 200, response.text


class TestDriftCheck:
    def test_stable_inputs_raise_no_drift(
        self, client: TestClient, tenant: TenantFixture, model_id: str
    ) -> None:
        log_predictions(client, tenant, model_id, input_rows(200, seed=5))
        response = check(client, tenant, model_id)
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["predictions"] == 200
        assert body["datasetDrift"] is False
        assert body["driftedFeatures"] == []
        by_feature = {(row["driftType"], row["featureName"]): row for row in body["detections"]}
        assert set(by_feature) == {
            ("data_drift", "vendorName"),
            ("data_drift", "description"),
            ("data_drift", "amount"),
            ("data_drift", None),
            ("label_drift", "prediction"),
        }
        description = by_feature[("data_drift", "description")]
        assert description["status"] == "normal"
        assert "cloud" in description["baselineValue"]["shares"]
        assert by_feature[("data_drift", "amount")]["analysis"]["method"] == "ks"
        assert by_feature[("data_drift", "amount")]["status"] == "normal"
        assert by_feature[("data_drift", "vendorName")]["status"] == "normal"
        assert by_feature[("data_drift", None)]["analysis"]["scope"] == "dataset"
        assert by_feature[("label_drift", "prediction")]["status"] == "normal"
        # no outcomes yet: said, not stored as normal
        assert "outcomes" not in body["skipped"]
        assert "at least 30" in body["skipped"]["concept_drift"]
        assert "at least 30" in body["skipped"]["label_drift.actualValue"]
        assert body["statuses"] == {"data_drift": "normal", "label_drift": "normal"}
        stored = detections(client, tenant, model_id)
        assert sorted(r["id"] for r in stored) == sorted(r["id"] for r in body["detections"])

    def test_shifted_inputs_are_detected_per_feature(
        self, client: TestClient, tenant: TenantFixture, model_id: str
    ) -> None:
        log_predictions(client, tenant, model_id, input_rows(200, seed=6, shifted=True))
        body = check(client, tenant, model_id, types=["data_drift"]).json()
        assert body["datasetDrift"] is True
        assert sorted(body["driftedFeatures"]) == ["amount", "description", "vendorName"]
        assert {row["driftType"] for row in body["detections"]} == {"data_drift"}
        by_feature = {row["featureName"]: row for row in body["detections"]}
        amount = by_feature["amount"]
        assert amount["status"] == "detected"
        assert amount["driftScore"] < amount["threshold"]
        assert amount["currentValue"]["mean"] > 2 * amount["baselineValue"]["mean"]
        assert amount["recommendations"]
        vendor = by_feature["vendorName"]
        signals = {s["signal"]: s for s in vendor["analysis"]["signals"]}
        assert signals["unseen_categories"]["top"][0]["category"] == "Zoom"
        assert vendor["analysis"]["window"]["predictions"] == 200
        assert by_feature[None]["status"] == "detected"

    def test_no_database_lock_while_the_statistics_run(
        self,
        client: TestClient,
        tenant: TenantFixture,
        model_id: str,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """Another process (a CLI, a server's scheduler beside it) writes meanwhile."""
        engine = client.app.state.engine  # type: ignore[attr-defined]
        if engine.dialect.name != "sqlite":
            pytest.skip("SQLite's write lock")
        log_predictions(client, tenant, model_id, input_rows(60, seed=7))
        from urutiq_ai.monitoring import drift

        real = drift._data_drift
        writes: list[str] = []

        def while_computing(*args: Any, **kwargs: Any) -> Any:
            writes.append(write_from_another_connection(engine))
            return real(*args, **kwargs)

        monkeypatch.setattr(drift, "_data_drift", while_computing)
        response = check(client, tenant, model_id, types=["data_drift"])
        assert response.status_code == 201, response.text
        assert writes == ["written"]

    def test_method_and_threshold_overrides(
        self, client: TestClient, tenant: TenantFixture, model_id: str
    ) -> None:
        log_predictions(client, tenant, model_id, input_rows(100, seed=7))
        body = check(
            client,
            tenant,
            model_id,
            methods={"amount": "psi"},
            thresholds={"amount": 5.0},
        ).json()
        amount = next(
            r
            for r in body["detections"]
            if r["featureName"] == "amount" and r["driftType"] == "data_drift"
        )
        assert amount["analysis"]["method"] == "psi"
        assert amount["threshold"] == 5.0
        assert amount["status"] == "normal"

    def test_the_sdk_runs_the_same_check(
        self, client: TestClient, tenant: TenantFixture, model_id: str
    ) -> None:
        log_predictions(client, tenant, model_id, input_rows(60, seed=8, shifted=True))
        sdk = Client(api_key=tenant.keys["editor"], company=tenant.company_id, http_client=client)
        result = sdk.monitoring.check_drift(model_id, window="1d", types=["data_drift"])
        assert result.dataset_drift is True
        assert {d.feature_name for d in result.detections} == {
            "vendorName",
            "description",
            "amount",
            None,
        }


class TestDriftCheckBadInput:
    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"window": "7x"}, "window"),
            ({"window": "0d"}, "window"),
            ({"window": "400d"}, "window"),
            ({"methods": {"nope": "ks"}}, "methods.nope"),
            ({"methods": {"amount": "bogus"}}, "methods.amount"),
            ({"thresholds": {"amount": -1}}, "thresholds.amount"),
            ({"methods": {"vendorName": "ks"}}, "methods.vendorName"),
            ({"types": []}, "types"),
            ({"types": ["weather"]}, "types.0"),
        ],
    )
    def test_rejected_with_the_field_and_nothing_stored(
        self,
        client: TestClient,
        tenant: TenantFixture,
        model_id: str,
        body: dict[str, Any],
        field: str,
    ) -> None:
        log_predictions(client, tenant, model_id, input_rows(40, seed=9))
        response = check(client, tenant, model_id, **body)
        assert response.status_code == 422, response.text
        assert field in [f["field"] for f in response.json()["fields"]]
        assert detections(client, tenant, model_id) == []

    def test_a_window_without_predictions(
        self, client: TestClient, tenant: TenantFixture, model_id: str
    ) -> None:
        response = check(client, tenant, model_id)
        assert response.status_code == 422
        assert response.json()["fields"][0]["field"] == "window"
        assert "no predictions" in response.json()["detail"]

    def test_too_few_predictions(
        self, client: TestClient, tenant: TenantFixture, model_id: str
    ) -> None:
        log_predictions(client, tenant, model_id, input_rows(10, seed=10))
        response = check(client, tenant, model_id)
        assert response.status_code == 422
        assert "at least 30" in response.json()["fields"][0]["reason"]
        assert detections(client, tenant, model_id) == []

    def test_unknown_model_other_tenant_and_roles(
        self,
        client: TestClient,
        tenant: TenantFixture,
        tenant_second: TenantFixture,
        model_id: str,
    ) -> None:
        assert check(client, tenant, "no-such-model").status_code == 404
        foreign = client.post(
            tenant_second.url(f"models/{model_id}/drift-checks"),
            json={"window": "1d"},
            headers=tenant_second.headers("editor"),
        )
        assert foreign.status_code == 404
        viewer = client.post(
            tenant.url(f"models/{model_id}/drift-checks"),
            json={"window": "1d"},
            headers=tenant.headers("viewer"),
        )
        assert viewer.status_code == 403


def record_outcomes(
    client: TestClient, tenant: TenantFixture, results: list[dict[str, Any]], wrong: range
) -> None:
    """Actual values: the prediction itself, except at the positions in ``wrong``."""
    categories = sorted({category for category, _ in VENDORS.values()})
    items = []
    for index, result in enumerate(results):
        actual = result["prediction"]
        if index in wrong:
            actual = next(c for c in categories if c != actual)
        items.append({"predictionId": result["predictionId"], "actualValue": actual})
    response = client.post(
        tenant.url("predictions/actuals"), json={"items": items}, headers=tenant.headers("editor")
    )
    assert response.status_code == 200, response.text


class TestOutcomeDrift:
    def predict_rows(
        self, client: TestClient, tenant: TenantFixture, model_id: str, n: int
    ) -> list[dict[str, Any]]:
        response = predict(client, tenant, model_id, {"rows": input_rows(n, seed=11)})
        assert response.status_code == 200, response.text
        results: list[dict[str, Any]] = response.json()["predictions"]
        return results

    def test_right_outcomes_are_no_concept_drift(
        self, client: TestClient, tenant: TenantFixture, model_id: str
    ) -> None:
        results = self.predict_rows(client, tenant, model_id, 120)
        record_outcomes(client, tenant, results, wrong=range(0))
        body = check(client, tenant, model_id, types=["label_drift", "concept_drift"]).json()
        rows = {(r["driftType"], r["featureName"]): r for r in body["detections"]}
        assert set(rows) == {
            ("label_drift", "prediction"),
            ("label_drift", "actualValue"),
            ("concept_drift", None),
        }
        concept_row = rows[("concept_drift", None)]
        assert concept_row["status"] == "normal"
        assert concept_row["currentValue"]["value"] == 1.0
        assert concept_row["baselineValue"]["metric"] == "accuracy"
        assert concept_row["analysis"]["errorStream"]["detector"] == "ADWIN"
        assert concept_row["analysis"]["errorStream"]["risingCuts"] == []
        assert body["skipped"] == {}

    def test_errors_that_start_midway_are_concept_drift(
        self, client: TestClient, tenant: TenantFixture, model_id: str
    ) -> None:
        # two requests: within one batch every prediction has the same createdAt
        earlier = self.predict_rows(client, tenant, model_id, 150)
        later = self.predict_rows(client, tenant, model_id, 150)
        record_outcomes(client, tenant, earlier, wrong=range(0))
        record_outcomes(client, tenant, later, wrong=range(150))
        body = check(client, tenant, model_id, types=["concept_drift"]).json()
        (row,) = body["detections"]
        assert row["driftType"] == "concept_drift"
        assert row["status"] == "detected"
        stream = row["analysis"]["errorStream"]
        assert stream["risingCuts"]
        assert stream["errorAfter"] > stream["errorBefore"]
        assert row["driftScore"] >= row["threshold"]  # accuracy 0.5 vs about 1.0 at training
        assert row["recommendations"]
        assert body["statuses"] == {"concept_drift": "detected"}
