"""Fixtures of the configuration tests.

``config_client`` is the test app with the configuration routes mounted: the app of
``tests/conftest.py`` once ``catalog.DOMAIN_ROUTERS`` holds ``config.router``; until then an
app of these tests' own, on the same database, that mounts it. Likewise the SDK's
``Client.configs`` is made a ``ConfigsClient`` here until ``sdk/_client.py`` makes it one.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

import urutiq_ai.api.app as app_module
import urutiq_ai.sdk._client as sdk_client_module
from tests.conftest import APP_ROLE, TenantFixture
from urutiq_ai.api.app import create_app
from urutiq_ai.catalog import DOMAIN_ROUTERS
from urutiq_ai.config.router import router as config_router
from urutiq_ai.config.schemas import ConfigType
from urutiq_ai.core.context import TenantContext
from urutiq_ai.core.db import unit_of_work
from urutiq_ai.core.scoping import bind_scope
from urutiq_ai.core.settings import Settings
from urutiq_ai.sdk import Client
from urutiq_ai.sdk._config import ConfigsClient
from urutiq_ai.sdk._resources import CONFIGS
from urutiq_ai.tenancy.context import for_job

WIRED = config_router in DOMAIN_ROUTERS

CATEGORIES = {
    "categories": [
        {"name": "software", "description": "Licences and subscriptions"},
        {"name": "travel"},
        {"name": "office"},
    ]
}
PROMPTS = {
    "templates": {
        "vendor_summary": {
            "text": "Summarise the spending with {vendor} in {period}.",
            "variables": ["vendor", "period"],
        }
    }
}
BEHAVIOR = {"autoRetrain": True, "correctionThreshold": 25, "confidenceFloor": 0.7}
INDUSTRY = {"industry": "retail", "region": "EU", "fiscalYearStart": "04-01"}
VALID: dict[ConfigType, dict[str, Any]] = {
    ConfigType.categories: CATEGORIES,
    ConfigType.prompts: PROMPTS,
    ConfigType.behavior: BEHAVIOR,
    ConfigType.industry: INDUSTRY,
}


@pytest.fixture(scope="session")
def config_app(
    app: FastAPI, database_url: str, backend: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FastAPI]:
    if WIRED:
        yield app
        return
    data = tmp_path_factory.mktemp(f"config_data_{backend}")
    settings = Settings(
        database_url=database_url,
        database_role=APP_ROLE if backend == "postgresql" else None,
        artifacts=str(data / "artifacts"),
        sources=str(data / "sources"),
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(app_module, "DOMAIN_ROUTERS", (config_router, *DOMAIN_ROUTERS))
        application = create_app(settings)
    yield application
    application.state.executor.shutdown(wait=True)
    application.state.engine.dispose()


@pytest.fixture(scope="session")
def config_client(config_app: FastAPI) -> TestClient:
    return TestClient(config_app)


@pytest.fixture(autouse=True)
def configs_client_of_the_sdk(monkeypatch: pytest.MonkeyPatch) -> None:
    """``Client.configs`` is a ConfigsClient (until sdk/_client.py makes it one)."""
    init = sdk_client_module.Client._init_resources

    def init_resources(self: Client) -> None:
        init(self)
        if not isinstance(self.configs, ConfigsClient):
            self.configs = ConfigsClient(self._transport, CONFIGS)  # type: ignore[assignment]

    monkeypatch.setattr(sdk_client_module.Client, "_init_resources", init_resources)


@pytest.fixture
def sdk_for(config_client: TestClient, tenant: TenantFixture) -> Callable[[str], Client]:
    return lambda role: Client(
        api_key=tenant.keys[role], company=tenant.company_id, http_client=config_client
    )


@pytest.fixture
def sdk(sdk_for: Callable[[str], Client]) -> Client:
    return sdk_for("editor")


class Api:
    """The configuration routes of a tenant's company A, as one role."""

    def __init__(self, client: TestClient, tenant: TenantFixture, role: str = "editor") -> None:
        self.client = client
        self.tenant = tenant
        self.role = role

    def url(self, path: str, company: str | None = None) -> str:
        return self.tenant.url(f"configs{path}", company)

    def post(self, path: str = "", body: Any = None, role: str | None = None) -> Any:
        return self.client.post(
            self.url(path), json=body, headers=self.tenant.headers(role or self.role)
        )

    def get(self, path: str = "", role: str | None = None, **params: Any) -> Any:
        return self.client.get(
            self.url(path), params=params, headers=self.tenant.headers(role or self.role)
        )

    def patch(self, path: str, body: Any, role: str | None = None) -> Any:
        return self.client.patch(
            self.url(path), json=body, headers=self.tenant.headers(role or self.role)
        )

    def create(self, config_type: str, data: Any, **fields: Any) -> dict[str, Any]:
        response = self.post("", {"configType": config_type, "configData": data, **fields})
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body

    def versions(self) -> list[dict[str, Any]]:
        """Every row of the company, through the generic list."""
        response = self.get("", limit=500)
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return items

    def audit(self, **params: Any) -> list[dict[str, Any]]:
        response = self.client.get(
            "/api/v1/audit-log",
            params={"limit": 500, "tableName": "AIConfig", **params},
            headers=self.tenant.headers("admin"),
        )
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return items


@pytest.fixture
def api(config_client: TestClient, tenant: TenantFixture) -> Api:
    return Api(config_client, tenant)


@pytest.fixture
def scoped(session_factory: sessionmaker[Session], tenant: TenantFixture) -> Callable[..., Any]:
    """``with scoped() as (session, ctx):`` one unit of work acting for company A."""

    @contextmanager
    def open_scope(
        company: str | None = None, principal: str | None = "key-1"
    ) -> Iterator[tuple[Session, TenantContext]]:
        ctx = for_job(tenant.id, [company or tenant.company_id], principal_id=principal)
        with unit_of_work(session_factory) as session:
            bind_scope(session, ctx)
            yield session, ctx

    return open_scope
