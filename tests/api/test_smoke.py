from pathlib import Path

from fastapi.testclient import TestClient

from tests.conftest import TenantFixture
from urutiq_ai.api.app import create_app
from urutiq_ai.core.settings import Settings


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


def test_readyz_missing_sqlite_file_is_not_created(tmp_path: Path) -> None:
    path = tmp_path / "absent.db"
    app = create_app(Settings(database_url=f"sqlite:///{path}"))
    response = TestClient(app).get("/readyz")
    assert response.status_code == 503
    assert "urutiq-ai db upgrade" in response.json()["detail"]
    assert not path.exists()


def test_readyz_unmigrated_database(tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    path.touch()
    response = TestClient(create_app(Settings(database_url=f"sqlite:///{path}"))).get("/readyz")
    assert response.status_code == 503
    assert response.json()["error"] == "NotReady"
