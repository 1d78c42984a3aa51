"""Predictions are history: created, then only their outcome is recorded; never deleted."""

from urutiq_ai.crud.resource import Resource
from urutiq_ai.predictions.models import AIModelPrediction
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
