"""AIModelPrediction on the wire."""

from enum import StrEnum

from pydantic import Field

from urutiq_ai.core.schemas import CompanyOwnedRead, Json, Ref, RequestSchema, Score


class PredictionType(StrEnum):
    anomaly = "anomaly"
    classification = "classification"
    regression = "regression"
    forecast = "forecast"


class AIModelPredictionCreate(RequestSchema):
    model_id: Ref
    prediction_type: PredictionType
    input_data: Json
    prediction: Json
    confidence: Score | None = None
    probability: Score | None = None
    actual_value: Json | None = None
    is_correct: bool | None = None
    error: float | None = Field(default=None, ge=0)


class AIModelPredictionUpdate(RequestSchema):
    """Only the outcome of a prediction changes after the fact."""

    actual_value: Json | None = None
    is_correct: bool | None = None
    error: float | None = Field(default=None, ge=0)


class AIModelPredictionRead(CompanyOwnedRead):
    model_id: str
    prediction_type: PredictionType
    input_data: Json
    prediction: Json
    confidence: float | None
    probability: float | None
    actual_value: Json | None
    is_correct: bool | None
    error: float | None
