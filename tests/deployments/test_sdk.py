"""The issue's flow through the Python SDK: deploy, predict, promote, split, evaluate, roll
back, and which model served when; errors arrive as typed SDK errors."""

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from tests.conftest import TenantFixture
from tests.deployments.conftest import ROW, VENDOR_ROWS
from urutiq_ai.sdk import Client, Conflict, ValidationError

CATEGORY = {"AWS": "software", "Delta": "travel", "Staples": "office", "Verizon": "telecom"}


@pytest.fixture
def sdk(client: TestClient, tenant: TenantFixture) -> Client:
    return Client(api_key=tenant.keys["editor"], company=tenant.company_id, http_client=client)


def test_the_whole_flow(sdk: Client, two_versions: tuple[str, str]) -> None:
    first, second = two_versions
    staging = sdk.deployments.deploy(
        deployment_name="expenses", model_id=first, environment="staging"
    )
    assert staging.status.value == "active"
    answer = sdk.deployments.predict("expenses", row=ROW, environment="staging")
    assert (answer.model_id, answer.predictions[0].variant) == (first, "champion")

    production = sdk.deployments.promote(staging.id).deployment
    assert sdk.deployments.find("expenses", "production").id == production.id
    before = datetime.now(UTC)

    split = {"traffic": [{"modelId": first, "weight": 0.5}, {"modelId": second, "weight": 0.5}]}
    change = sdk.deployments.release(production.id, config=split, reason="A/B")
    assert change.revision.status.value == "active"
    experiment = sdk.experiments.create(
        {
            "experiment_name": "ab",
            "baseline_model": first,
            "current_model": second,
            "success_metrics": {"metric": "accuracy", "guard": True},
            "methodology": {"deploymentId": production.id, "nResamples": 200},
        }
    )
    ids: list[tuple[str | None, str]] = []
    for i in range(10):
        for row in VENDOR_ROWS:
            body = sdk.deployments.predict(
                "expenses", row=row, entity_key=f"e{i}{row['vendorName']}"
            )
            ids.append((body.predictions[0].prediction_id, CATEGORY[row["vendorName"]]))
    assert sdk.serving.record_actuals(dict(ids)).updated == len(ids)
    evaluated = sdk.experiments.evaluate(experiment.id)
    assert isinstance(evaluated.results, dict)
    online = evaluated.results["online"]
    assert online["arms"]["baseline"]["outcomes"] + online["arms"]["current"]["outcomes"] == 40
    # both versions file every vendor right: the accuracy guard holds
    assert evaluated.results["verdict"]["status"] == "passed"

    back = sdk.deployments.rollback(production.id, reason="keep the forest")
    assert back.deployment.model_id == first
    served = sdk.deployments.served(at=before, environment="production")
    assert [(row.model_id, row.version) for row in served] == [(first, 1)]
    revisions = sdk.deployments.revisions(production.id)
    assert [r.status.value for r in revisions] == ["active", "rolled_back", "superseded"]
    assert sdk.deployment_revisions.list(deployment_id=production.id).items


def test_errors_are_typed(sdk: Client, two_versions: tuple[str, str]) -> None:
    first, _ = two_versions
    deployment = sdk.deployments.deploy(
        deployment_name="expenses", model_id=first, environment="staging"
    )
    with pytest.raises(Conflict) as conflict:
        sdk.deployments.rollback(deployment.id)
    assert "nothing to roll back to" in conflict.value.detail
    with pytest.raises(ValidationError) as invalid:
        sdk.deployments.deploy(
            deployment_name="x",
            model_id=first,
            environment="staging",
            config={"traffic": [{"modelId": first, "weight": 0.7}]},
        )
    assert invalid.value.fields
