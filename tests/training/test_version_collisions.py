"""A requested version that names an existing one (``v1.0`` and ``1.0.0``) is refused,
saying which version it collides with, on training and on a plain create."""

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import TenantFixture
from tests.training.conftest import train_request
from urutiq_ai.registry.versions import colliding_version

Seed = Callable[..., None]


def _create(client: TestClient, tenant: TenantFixture, version: str) -> Any:
    body = {
        "modelName": "expenses",
        "modelVersion": version,
        "modelType": "classification",
        "algorithm": "random_forest",
    }
    return client.post(tenant.url("models"), json=body, headers=tenant.headers("editor"))


def _versions(client: TestClient, tenant: TenantFixture) -> list[str]:
    items = client.get(
        tenant.url("models"), params={"modelName": "expenses"}, headers=tenant.headers()
    ).json()["items"]
    return sorted(item["modelVersion"] for item in items)


class TestCollidingVersion:
    def test_names_the_existing_version(self) -> None:
        assert colliding_version("v1.0", ["0.9.0", "1.0.0"]) == "1.0.0"
        assert colliding_version("1", ["v1.0"]) == "v1.0"
        assert colliding_version("v1.1", ["1.0.0"]) is None
        assert colliding_version("banana", ["banana"]) is None


class TestTrain:
    def test_v1_0_collides_with_1_0_0(
        self, client: TestClient, tenant: TenantFixture, seed_expenses: Seed
    ) -> None:
        seed_expenses(tenant, n=40)
        assert _create(client, tenant, "1.0.0").status_code == 201
        response = client.post(
            tenant.url("train"),
            json=train_request(modelVersion="v1.0"),
            headers=tenant.headers("editor"),
        )
        assert response.status_code == 409, response.text
        body = response.json()
        assert body["detail"] == (
            "expenses v1.0 is the same version as the existing 1.0.0 in this company"
        )
        assert body["fields"] == [
            {"field": "modelVersion", "reason": "expenses 1.0.0 already exists"}
        ]
        assert _versions(client, tenant) == ["1.0.0"]


class TestCreate:
    def test_v1_0_collides_with_1_0_0(self, client: TestClient, tenant: TenantFixture) -> None:
        assert _create(client, tenant, "1.0.0").status_code == 201
        response = _create(client, tenant, "v1.0")
        assert response.status_code == 409, response.text
        assert "the same version as the existing 1.0.0" in response.json()["detail"]
        assert _versions(client, tenant) == ["1.0.0"]

    def test_another_version_and_another_company_are_free(
        self, client: TestClient, tenant: TenantFixture
    ) -> None:
        assert _create(client, tenant, "1.0.0").status_code == 201
        assert _create(client, tenant, "v1.1").status_code == 201
        elsewhere = client.post(
            tenant.url("models", tenant.company_b),
            json={
                "modelName": "expenses",
                "modelVersion": "v1.0",
                "modelType": "classification",
                "algorithm": "random_forest",
            },
            headers=tenant.headers("editor"),
        )
        assert elsewhere.status_code == 201, elsewhere.text
