"""Fixtures of the API tests: row factories for the two tenants."""

import pytest
from fastapi.testclient import TestClient

from tests.api.payloads import Factory
from tests.conftest import TenantFixture


@pytest.fixture
def factory(client: TestClient, tenant: TenantFixture) -> Factory:
    return Factory(client, tenant)


@pytest.fixture
def factory_second(client: TestClient, tenant_second: TenantFixture) -> Factory:
    return Factory(client, tenant_second)
