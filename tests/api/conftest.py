"""Fixtures of the API tests: row factories for the two tenants."""

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from tests.api.payloads import Factory
from tests.conftest import TenantFixture
from tests.training.conftest import expense_table, seed_expenses

__all__ = ["expense_table", "seed_expenses"]


@pytest.fixture
def factory(
    client: TestClient, tenant: TenantFixture, seed_expenses: Callable[..., None]
) -> Factory:
    return Factory(client, tenant, seed=seed_expenses)


@pytest.fixture
def factory_second(
    client: TestClient, tenant_second: TenantFixture, seed_expenses: Callable[..., None]
) -> Factory:
    return Factory(client, tenant_second, seed=seed_expenses)
