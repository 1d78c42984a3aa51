from fastapi.testclient import TestClient

from tests.conftest import TenantFixture


def test_healthz(client: TestClient) -> None:
    assert client.get("/healthz").json()["status"] == "ok"


def test_readyz(client: TestClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200, response.text


def test_create_model(client: TestClient, tenant: TenantFixture) -> None:
    body = {
        "modelName": "m",
        "modelVersion": "v1.0",
        "modelType": "regression",
        "algorithm": "xgboost",
    }
    response = client.post(tenant.url("models"), json=body, headers=tenant.headers("editor"))
    assert response.status_code == 201, response.text
    assert response.json()["companyId"] == tenant.company_id
