"""Predictions are history: created, then only their outcome is recorded; never deleted."""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from urutiq_ai.core.context import TenantContext
from urutiq_ai.crud.resource import Resource
from urutiq_ai.predictions.models import AIModelPrediction
from urutiq_ai.predictions.repository import PredictionRepository
from urutiq_ai.predictions.schemas import (
    AIModelPredictionCreate,
    AIModelPredictionRead,
    AIModelPredictionUpdate,
)

PREDICTIONS = Resource(
    path="predictions",
    model=AIModelPrediction,
    create_schema=AIModelPredictionCreate,
    update_schema=AIModelPredictionUpdate,
    read_schema=AIModelPredictionRead,
    filters=("prediction_type", "model_id", "is_correct", "deployment_id", "variant"),
    refs={"model_id": "AIModel"},
)


@dataclass(frozen=True)
class ServedOutcome:
    """A prediction a deployment served, with what really happened."""

    model_id: str
    variant: str | None
    prediction: Any
    actual_value: Any
    is_correct: bool | None
    error: float | None


def served_outcomes(
    session: Session, ctx: TenantContext, *, deployment_id: str, model_ids: Sequence[str]
) -> list[ServedOutcome]:
    """The outcomes of the predictions ``deployment_id`` served with ``model_ids``."""
    rows = PredictionRepository(session, ctx).deployment_outcomes(deployment_id, model_ids)
    return [ServedOutcome(*row) for row in rows]


def recent_inputs(session: Session, ctx: TenantContext, *, model_id: str, limit: int) -> list[Any]:
    """The stored inputs of the model's newest ``limit`` predictions."""
    return PredictionRepository(session, ctx).recent_inputs(model_id, limit)


# What monitoring and feedback read of the stored predictions: they call these, never the
# repository (tests/architecture/test_imports.py). The windows are streamed in batches.


def inputs_between(
    session: Session, ctx: TenantContext, model_id: str, start: datetime, end: datetime
) -> Iterator[Any]:
    """The stored inputs of the model's predictions made in ``[start, end)``, streamed."""
    return PredictionRepository(session, ctx).inputs_between(model_id, start, end)


def predictions_between(
    session: Session, ctx: TenantContext, model_id: str, start: datetime, end: datetime
) -> Iterator[Any]:
    """The stored ``prediction`` values of the model's predictions in ``[start, end)``."""
    return PredictionRepository(session, ctx).predictions_between(model_id, start, end)


def outcomes_between(
    session: Session,
    ctx: TenantContext,
    model_id: str,
    start: datetime | None,
    end: datetime | None,
) -> Iterator[tuple[datetime, Any, Any]]:
    """(createdAt, prediction, actualValue) of the model's predictions that have an actual
    value, oldest first, in ``[start, end)`` (either bound may be open), streamed."""
    return PredictionRepository(session, ctx).outcomes_between(model_id, start, end)


def served_between(
    session: Session,
    ctx: TenantContext,
    model_id: str,
    start: datetime | None,
    end: datetime | None,
) -> Iterator[tuple[datetime, Any]]:
    """(createdAt, prediction) of all the model's predictions in ``[start, end)``, streamed."""
    return PredictionRepository(session, ctx).served_between(model_id, start, end)


def predictions_by_id(
    session: Session, ctx: TenantContext, ids: Sequence[str]
) -> dict[str, AIModelPrediction]:
    """The visible predictions among ``ids``, by id (an id not found is left out)."""
    return {row.id: row for row in PredictionRepository(session, ctx).by_ids(ids)}


def get_prediction(session: Session, ctx: TenantContext, prediction_id: str) -> AIModelPrediction:
    """One visible prediction; NotFound otherwise."""
    return PredictionRepository(session, ctx).get_or_raise(prediction_id)
