"""The expense classifier learns the categories of the company's active categories config."""

from collections.abc import Callable

from fastapi.testclient import TestClient

from tests.conftest import TenantFixture
from tests.training.conftest import train_request, wait_for_run

ROW = {"vendorName": "AWS", "description": "cloud hosting", "amount": 120.0}


def train(client: TestClient, tenant: TenantFixture) -> dict[str, object]:
    body = train_request(template="expense_classifier", hyperparameters={"n_estimators": 10})
    started = client.post(tenant.url("train"), json=body, headers=tenant.headers("editor"))
    assert started.status_code == 202, started.text
    run = wait_for_run(client, tenant, started.json()["runId"])
    assert run["status"] == "completed", run["logs"]
    return {"modelId": started.json()["modelId"], "logs": run["logs"]}


def classes(client: TestClient, tenant: TenantFixture, model_id: object) -> set[str]:
    answer = client.post(
        tenant.url(f"models/{model_id}/predict"), json={"row": ROW}, headers=tenant.headers()
    )
    assert answer.status_code == 200, answer.text
    return set(answer.json()["predictions"][0]["probabilities"])


def test_only_the_configured_categories_are_learned(
    client: TestClient, tenant: TenantFixture, seed_expenses: Callable[..., None]
) -> None:
    seed_expenses(tenant)
    assert classes(client, tenant, train(client, tenant)["modelId"]) == {
        "software",
        "travel",
        "office",
        "telecom",
    }
    config = {"categories": [{"name": "software"}, {"name": "travel"}, {"name": "office"}]}
    response = client.post(
        tenant.url("configs"),
        json={"configType": "categories", "configData": config},
        headers=tenant.headers("editor"),
    )
    assert response.status_code == 201, response.text
    trained = train(client, tenant)
    assert classes(client, tenant, trained["modelId"]) == {"software", "travel", "office"}
    assert "rows of other categories left out ['telecom']" in str(trained["logs"])
