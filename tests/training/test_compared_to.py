"""What a training answers: the effective hyperparameters at once, and once completed the new
version beside the version serving (``comparedTo``), said but never refused (issue 18)."""

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import TenantFixture
from tests.training.conftest import SOURCE, train_request, wait_for_run

Seed = Callable[..., None]
WEAK = {"n_estimators": 1, "max_depth": 1}  # one stump: at most two of the four categories


def start(client: TestClient, tenant: TenantFixture, **overrides: Any) -> dict[str, Any]:
    response = client.post(
        tenant.url("train"), json=train_request(**overrides), headers=tenant.headers("editor")
    )
    assert response.status_code == 202, response.text
    body: dict[str, Any] = response.json()
    return body


def trained(client: TestClient, tenant: TenantFixture, **overrides: Any) -> dict[str, Any]:
    """Train to the end; the run as ``GET /training-runs/{id}`` answers it."""
    run = wait_for_run(client, tenant, start(client, tenant, **overrides)["runId"])
    assert run["status"] == "completed", run["logs"]
    return run


def model(client: TestClient, tenant: TenantFixture, model_id: str) -> dict[str, Any]:
    body: dict[str, Any] = client.get(
        tenant.url(f"models/{model_id}"), headers=tenant.headers()
    ).json()
    return body


def test_the_answer_carries_the_effective_hyperparameters(
    client: TestClient, tenant: TenantFixture, seed_expenses: Seed
) -> None:
    seed_expenses(tenant)
    body = {
        "template": "expense_classifier",
        "source": {"table": SOURCE},
        "hyperparameters": {"max_depth": 3},
    }
    response = client.post(tenant.url("train"), json=body, headers=tenant.headers("editor"))
    assert response.status_code == 202, response.text
    started = response.json()
    # The template's n_estimators (200) is kept beside the override; the defaults complete it.
    assert started["hyperparameters"]["n_estimators"] == 200
    assert started["hyperparameters"]["max_depth"] == 3
    assert "min_samples_leaf" in started["hyperparameters"]
    run = wait_for_run(client, tenant, started["runId"])
    assert run["hyperparameters"] == started["hyperparameters"]
    assert model(client, tenant, started["modelId"])["hyperparameters"] == run["hyperparameters"]
    assert (run["modelName"], run["modelVersion"]) == ("expense_classifier", "1.0.0")


def test_a_worse_version_is_said_not_refused(
    client: TestClient, tenant: TenantFixture, seed_expenses: Seed
) -> None:
    seed_expenses(tenant)
    first = trained(client, tenant)
    assert first["comparedTo"] is None  # the name's first version: nothing to compare with
    second = trained(client, tenant, hyperparameters=WEAK)
    compared = second["comparedTo"]
    reference = model(client, tenant, first["modelId"])
    assert compared == {
        "modelId": first["modelId"],
        "modelVersion": "1.0.0",
        "reason": "latest active version",
        "deploymentId": None,
        "metric": "f1Score",
        "higherIsBetter": True,
        "value": reference["f1Score"],
        "newValue": model(client, tenant, second["modelId"])["f1Score"],
        "worse": True,
    }
    assert compared["newValue"] < compared["value"]
    assert model(client, tenant, second["modelId"])["status"] == "active"  # not blocked
    assert "worse than 1.0.0 latest active version: f1Score" in second["logs"]
    listed = client.get(tenant.url("training-runs"), headers=tenant.headers()).json()
    assert "comparedTo" not in listed["items"][0]  # the one-run read says it, not the list


def test_the_production_deployments_version_is_the_reference(
    client: TestClient, tenant: TenantFixture, seed_expenses: Seed
) -> None:
    seed_expenses(tenant)
    serving = trained(client, tenant)
    response = client.post(
        tenant.url("deployments"),
        json={
            "deploymentName": "expenses",
            "modelId": serving["modelId"],
            "environment": "production",
        },
        headers=tenant.headers("editor"),
    )
    assert response.status_code == 201, response.text
    deployment = response.json()
    weak = trained(client, tenant, hyperparameters=WEAK)  # the newest active version, worse
    assert weak["comparedTo"]["worse"] is True
    again = trained(client, tenant)
    compared = again["comparedTo"]
    assert compared["modelVersion"] == "1.0.0", compared  # production's, not the newer 1.1.0
    assert compared["reason"] == "serving in production"
    assert compared["deploymentId"] == deployment["id"]
    assert compared["worse"] is False  # the same spec scores the same


def test_regression_is_judged_by_rmse_lower_is_better(
    client: TestClient, tenant: TenantFixture, seed_expenses: Seed
) -> None:
    seed_expenses(tenant)
    spec = {
        "modelName": "cost",
        "modelType": "regression",
        "algorithm": "xgboost",
        "featureColumns": ["amount", "vendorName"],
        "targetColumn": "cost",
    }
    trained(client, tenant, **spec, hyperparameters={"n_estimators": 50})
    worse = trained(client, tenant, **spec, hyperparameters={"n_estimators": 1, "max_depth": 1})
    compared = worse["comparedTo"]
    assert (compared["metric"], compared["higherIsBetter"]) == ("rmse", False)
    assert compared["newValue"] > compared["value"]
    assert compared["worse"] is True
