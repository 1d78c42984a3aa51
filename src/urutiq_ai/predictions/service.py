"""Predictions are history: created, then only their outcome is recorded; never deleted."""

from collections.abc import Sequence
from dataclasses import dataclass
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
