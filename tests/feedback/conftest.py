"""Fixtures of the feedback tests: the deployment tests' API helper (trained models through
the API), a service-level unit of work, and helpers for predictions and feedback."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import TenantFixture
from tests.deployments.conftest import Api, api, expense_table, seed_expenses
from urutiq_ai.core.context import TenantContext
from urutiq_ai.core.db import unit_of_work
from urutiq_ai.core.jobs import attach_executor
from urutiq_ai.core.scoping import bind_scope
from urutiq_ai.tenancy.context import for_job

__all__ = ["Api", "api", "expense_table", "seed_expenses"]

Scope = Callable[..., Any]


@pytest.fixture
def scope(
    app: FastAPI, session_factory: sessionmaker[Session], tenant: TenantFixture
) -> Callable[..., Any]:
    """``with scope() as (session, ctx):`` a unit of work of the tenant's first company
    (editor rights, the app's job executor), committed at the end."""

    @contextmanager
    def opened(company: str | None = None) -> Iterator[tuple[Session, TenantContext]]:
        ctx = for_job(tenant.id, [company or tenant.company_id])
        with unit_of_work(session_factory) as session:
            bind_scope(session, ctx)
            attach_executor(session, app.state.executor)
            yield session, ctx

    return opened


@pytest.fixture
def classifier(api: Api) -> str:
    """An active expense classifier trained through the API on the seeded expenses."""
    return api.train()


def predict(api: Api, model_id: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Predictions (stored) of ``rows``: each ``{"predictionId", "prediction", ...}``."""
    response = api.post(f"models/{model_id}/predict", {"rows": rows})
    assert response.status_code == 200, response.text
    predictions: list[dict[str, Any]] = response.json()["predictions"]
    return predictions


def add_feedback(api: Api, **body: Any) -> dict[str, Any]:
    response = api.post("feedback", body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def correct(api: Api, prediction_id: str, value: Any, **extra: Any) -> dict[str, Any]:
    return add_feedback(
        api,
        feedbackType="correction",
        predictionId=prediction_id,
        feedbackData={"correctValue": value},
        **extra,
    )


def feedback_rows(api: Api, **filters: Any) -> list[dict[str, Any]]:
    response = api.get("feedback", limit=500, **filters)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items
