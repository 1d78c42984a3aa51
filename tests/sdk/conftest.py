"""SDK fixtures: clients over the test app's TestClient, one per role."""

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import TenantFixture
from urutiq_ai.core.settings import get_settings
from urutiq_ai.registry.schemas import AIModelRead
from urutiq_ai.sdk import Client

SdkFactory = Callable[[str], Client]


@pytest.fixture
def sdk_for(client: TestClient, tenant: TenantFixture) -> SdkFactory:
    """``sdk_for(role)``: an SDK client with that role's key, defaulting to company A."""
    return lambda role: Client(
        api_key=tenant.keys[role], company=tenant.company_id, http_client=client
    )


@pytest.fixture
def sdk(sdk_for: SdkFactory) -> Client:
    return sdk_for("editor")


@pytest.fixture
def admin_sdk(sdk_for: SdkFactory) -> Client:
    return sdk_for("admin")


@pytest.fixture
def make_model(sdk: Client) -> Callable[..., AIModelRead]:
    counter = iter(range(1_000))

    def make(**fields: Any) -> AIModelRead:
        values = {
            "model_name": f"model-{next(counter)}",
            "model_version": "1.0",
            "model_type": "classification",
            "algorithm": "xgboost",
            **fields,
        }
        return sdk.models.create(**values)

    return make


def _without_client_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("URUTIQ_URL", "URUTIQ_API_KEY", "URUTIQ_COMPANY"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No URUTIQ_URL / URUTIQ_API_KEY / URUTIQ_COMPANY in the settings during the test."""
    _without_client_env(monkeypatch)
    yield
    get_settings.cache_clear()


@pytest.fixture
def local_db_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Settings pointing at a (not yet created) SQLite file under ``tmp_path``."""
    url = f"sqlite:///{tmp_path / 'data' / 'urutiq.db'}"
    monkeypatch.setenv("URUTIQ_DATABASE_URL", url)
    _without_client_env(monkeypatch)
    yield url
    get_settings.cache_clear()
