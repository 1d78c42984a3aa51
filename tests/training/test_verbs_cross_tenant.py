"""Every training, registry, serving, explainability and monitoring verb: another tenant's
ids are 404."""

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import TenantFixture
from tests.training.test_serving_api import ROW, trained_model

Seed = Callable[..., None]


def _verbs(model: str, run: str, prediction: str) -> list[tuple[str, str, dict[str, Any] | None]]:
    return [
        ("POST", f"training-runs/{run}/cancel", None),
        ("POST", f"models/{model}/promote", None),
        ("POST", f"models/{model}/deprecate", None),
        ("POST", f"models/{model}/predict", {"row": ROW}),
        ("POST", f"models/{model}/explain", {"row": ROW}),
        ("POST", f"models/{model}/feature-importances", {"method": "permutation"}),
        ("PUT", f"predictions/{prediction}/actual", {"actualValue": "software"}),
        (
            "POST",
            "predictions/actuals",
            {"items": [{"predictionId": prediction, "actualValue": "software"}]},
        ),
        ("POST", f"models/{model}/drift-checks", {"window": "1d"}),
        ("POST", f"models/{model}/performance", {"timeWindow": "weekly"}),
        ("GET", f"models/{model}/performance-series?metricType=accuracy", None),
    ]


@pytest.mark.parametrize("position", range(11))
def test_other_tenant_gets_404(
    client: TestClient,
    tenant: TenantFixture,
    tenant_second: TenantFixture,
    seed_expenses: Seed,
    position: int,
) -> None:
    model = trained_model(client, tenant, seed_expenses)
    runs = client.get(
        tenant.url("training-runs"), params={"modelId": model}, headers=tenant.headers()
    ).json()["items"]
    predicted = client.post(
        tenant.url(f"models/{model}/predict"), json={"row": ROW}, headers=tenant.headers("editor")
    ).json()
    prediction = predicted["predictions"][0]["predictionId"]
    method, path, body = _verbs(model, runs[0]["id"], prediction)[position]
    response = client.request(
        method, tenant_second.url(path), json=body, headers=tenant_second.headers("admin")
    )
    assert response.status_code == 404, (path, response.text)
    model_row = client.get(tenant.url(f"models/{model}"), headers=tenant.headers()).json()
    assert model_row["status"] == "active"
