"""A classifier trained on an integer 0/1 target: its importances, model card and recompute.

The validation target used to reach scikit-learn's accuracy as an object array of ints
(``type_of_target`` says "unknown") beside the classifier's int64 predictions, so every
permutation importance failed with "a mix of unknown and binary targets".
"""

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import TenantFixture
from tests.training.conftest import SOURCE, train_request, wait_for_run

Seed = Callable[..., None]
FLAG_QUERY = (
    'SELECT "tenantId", "companyId", "vendorName", amount, '
    "CASE WHEN category = 'software' THEN 1 ELSE 0 END AS flag "
    f'FROM "{SOURCE}"'
)


def _train_flag_model(client: TestClient, tenant: TenantFixture) -> dict[str, Any]:
    body = train_request(
        modelName="flagged",
        algorithm="neural_network",  # no built-in importances: permutation is the only kind
        source={"query": FLAG_QUERY},
        featureColumns=["vendorName", "amount"],
        targetColumn="flag",
        hyperparameters={},
    )
    response = client.post(tenant.url("train"), json=body, headers=tenant.headers("admin"))
    assert response.status_code == 202, response.text
    run = wait_for_run(client, tenant, response.json()["runId"])
    assert run["status"] == "completed", run["logs"]
    assert "importances_after_training failed" not in run["logs"]
    model: dict[str, Any] = client.get(
        tenant.url(f"models/{run['modelId']}"), headers=tenant.headers()
    ).json()
    return model


class TestIntegerTarget:
    def test_importances_model_card_and_recompute(
        self, client: TestClient, tenant: TenantFixture, seed_expenses: Seed
    ) -> None:
        seed_expenses(tenant)
        model = _train_flag_model(client, tenant)
        stored = client.get(
            tenant.url("feature-importances"),
            headers=tenant.headers(),
            params={"modelId": model["id"], "method": "permutation"},
        ).json()["items"]
        assert {row["featureName"] for row in stored} == {"vendorName", "amount"}

        card = client.get(
            tenant.url(f"models/{model['id']}/model-card"),
            headers=tenant.headers("viewer"),
            params={"format": "json"},
        ).json()
        assert {row["feature"] for row in card["topFeatures"]} == {"vendorName", "amount"}
        assert card["labels"] == ["0", "1"]

        recomputed = client.post(
            tenant.url(f"models/{model['id']}/feature-importances"),
            json={"method": "permutation"},
            headers=tenant.headers("editor"),
        )
        assert recomputed.status_code == 200, recomputed.text
        top = min(recomputed.json(), key=lambda row: row["rank"])
        assert top["featureName"] == "vendorName"  # the flag is the vendor's category
