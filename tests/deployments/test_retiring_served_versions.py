"""The registry never deprecates a version a serving deployment uses without saying so.

Promoting a version used to deprecate the version a production deployment served: the
deployment went on serving it while ``/models/{id}/predict`` refused it. Now promote,
deprecate and a PATCH of the status answer 409 ``VersionInUse`` naming the deployment,
unless ``force`` (promote and deprecate only).
"""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import TenantFixture
from tests.deployments.conftest import ROW, Api
from urutiq_ai.sdk import Client, Conflict


def _status(api: Api, model_id: str) -> str:
    return str(api.get(f"models/{model_id}").json()["status"])


def _refused(response: Any, *names: str) -> str:
    assert response.status_code == 409, response.text
    body = response.json()
    assert body["error"] == "VersionInUse"
    for name in names:
        assert name in body["detail"]
    return str(body["detail"])


class TestPromote:
    def test_refused_while_production_serves_the_version_it_would_deprecate(
        self, api: Api, two_versions: tuple[str, str]
    ) -> None:
        first, second = two_versions
        production = api.deploy(first, env="production")
        detail = _refused(
            api.post(f"models/{second}/promote"),
            "'expenses' (production",
            production["id"],
            first,
            "force=true",
        )
        assert "release" in detail
        assert _status(api, first) == "active"

    def test_goes_through_once_the_deployment_serves_the_promoted_version(
        self, api: Api, two_versions: tuple[str, str]
    ) -> None:
        first, second = two_versions
        production = api.deploy(first, env="production")
        api.verb(production["id"], "release", {"modelId": second})
        response = api.post(f"models/{second}/promote")
        assert response.status_code == 200, response.text
        assert _status(api, first) == "deprecated"

    def test_force_deprecates_and_the_deployment_goes_on_serving(
        self, api: Api, two_versions: tuple[str, str]
    ) -> None:
        first, second = two_versions
        api.deploy(first, env="production")
        response = api.post(f"models/{second}/promote", force="true")
        assert response.status_code == 200, response.text
        assert _status(api, first) == "deprecated"
        served = api.predict("expenses", {"rows": [ROW]}, env="production")
        assert served.status_code == 200, served.text
        assert served.json()["modelId"] == first

    def test_a_shadow_counts_as_serving(self, api: Api, two_versions: tuple[str, str]) -> None:
        first, second = two_versions
        third = api.train(algorithm="logistic_regression", hyperparameters={"C": 0.5})
        api.deploy(third, env="staging", config={"shadow": [first]})
        _refused(api.post(f"models/{second}/promote"), "'expenses' (staging", "shadow", first)

    def test_a_deployment_of_another_tenant_does_not_count(
        self,
        api: Api,
        two_versions: tuple[str, str],
        client: TestClient,
        tenant_second: TenantFixture,
    ) -> None:
        first, second = two_versions
        other = Api(client, tenant_second, api.seed)
        other.deploy(other.train(), env="production")
        assert api.post(f"models/{second}/promote").status_code == 200
        assert _status(api, first) == "deprecated"


class TestDeprecate:
    def test_refused_while_served_unless_forced(
        self, api: Api, two_versions: tuple[str, str]
    ) -> None:
        first, _ = two_versions
        api.deploy(first, env="production")
        _refused(api.post(f"models/{first}/deprecate"), "'expenses' (production")
        assert _status(api, first) == "active"
        forced = api.post(f"models/{first}/deprecate", force="true")
        assert forced.status_code == 200, forced.text
        assert forced.json()["status"] == "deprecated"

    def test_a_patch_of_the_status_is_refused_too(
        self, api: Api, two_versions: tuple[str, str]
    ) -> None:
        first, _ = two_versions
        api.deploy(first, env="production")
        response = api.client.patch(
            api.tenant.url(f"models/{first}"),
            json={"status": "deprecated"},
            headers=api.tenant.headers("editor"),
        )
        _refused(response, "'expenses' (production", "deprecate?force=true")
        assert _status(api, first) == "active"

    def test_an_unserved_version_is_deprecated(
        self, api: Api, two_versions: tuple[str, str]
    ) -> None:
        first, second = two_versions
        api.deploy(first, env="production")
        assert api.post(f"models/{second}/deprecate").status_code == 200
        assert _status(api, second) == "deprecated"


def test_the_sdk_raises_conflict_and_passes_force(
    client: TestClient, tenant: TenantFixture, api: Api, two_versions: tuple[str, str]
) -> None:
    first, second = two_versions
    api.deploy(first, env="production")
    sdk = Client(api_key=tenant.keys["editor"], company=tenant.company_id, http_client=client)
    with pytest.raises(Conflict, match="'expenses' \\(production"):
        sdk.registry.promote(second)
    assert sdk.registry.promote(second, force=True).status.value == "active"
    assert _status(api, first) == "deprecated"
