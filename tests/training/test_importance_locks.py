"""The importances computed after training compute with no database lock held: on SQLite a
transaction holds the write lock, and permutation importance takes seconds, during which
another process (a CLI, the scheduler of a server beside it) must be able to write
(issue 18, item 3)."""

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import TenantFixture
from tests.training.conftest import write_from_another_connection
from tests.training.test_serving_api import trained_model


def test_importances_after_training_compute_with_no_lock(
    client: TestClient,
    tenant: TenantFixture,
    seed_expenses: Callable[..., None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    engine = client.app.state.engine  # type: ignore[attr-defined]
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's write lock")
    from urutiq_ai.ml import importance

    real = importance.feature_importance
    writes: list[str] = []

    def while_computing(*args: Any, **kwargs: Any) -> Any:
        writes.append(write_from_another_connection(engine))
        return real(*args, **kwargs)

    monkeypatch.setattr(importance, "feature_importance", while_computing)
    model_id = trained_model(client, tenant, seed_expenses)
    assert writes == ["written", "written"]  # built-in, then permutation
    stored = client.get(
        tenant.url("feature-importances"), params={"modelId": model_id}, headers=tenant.headers()
    ).json()["items"]
    assert {row["method"] for row in stored} == {"built_in", "permutation"}
