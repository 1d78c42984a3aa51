"""A performance computation computes its metrics with no database lock held: on SQLite
every transaction holds the write lock, and another process (a CLI, the scheduler of a
server beside it) that writes meanwhile must not wait for it, nor meet ``database is
locked`` (issue 18, item 3)."""

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import TenantFixture
from tests.training.conftest import write_from_another_connection
from tests.training.test_performance_api import WEEK_1, WEEK_2, compute, predict_at, record
from tests.training.test_serving_api import trained_model


def test_metrics_compute_with_no_lock(
    client: TestClient,
    tenant: TenantFixture,
    session_factory: sessionmaker[Session],
    seed_expenses: Callable[..., None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    engine = client.app.state.engine  # type: ignore[attr-defined]
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's write lock")
    model_id = trained_model(client, tenant, seed_expenses)
    for when in (WEEK_1, WEEK_2):
        record(client, tenant, predict_at(client, tenant, session_factory, model_id, when, 8), 1)
    from urutiq_ai.ml import performance as ml_performance

    real = ml_performance.metrics_by_window
    writes: list[str] = []

    def while_computing(*args: Any, **kwargs: Any) -> Any:
        writes.append(write_from_another_connection(engine))
        return real(*args, **kwargs)

    monkeypatch.setattr(ml_performance, "metrics_by_window", while_computing)
    response = compute(client, tenant, model_id)
    assert response.status_code == 201, response.text
    assert writes == ["written"]
    assert (response.json()["windows"], response.json()["outcomes"]) == (2, 16)
