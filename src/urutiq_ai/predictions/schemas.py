"""AIModelPrediction on the wire."""

from typing import Any

from pydantic import Field, JsonValue, model_validator

from urutiq_ai.core.schemas import (
    CompanyOwnedRead,
    Json,
    PlainJson,
    ReadSchema,
    Ref,
    RequestSchema,
    Score,
)
from urutiq_ai.predictions.types import PredictionType as PredictionType


class AIModelPredictionCreate(RequestSchema):
    model_id: Ref
    prediction_type: PredictionType
    input_data: Json
    prediction: Json
    confidence: Score | None = None
    probability: Score | None = None
    actual_value: PlainJson | None = None
    is_correct: bool | None = None
    error: float | None = Field(default=None, ge=0)


class AIModelPredictionUpdate(RequestSchema):
    """Only the outcome of a prediction changes after the fact."""

    actual_value: PlainJson | None = None
    is_correct: bool | None = None
    error: float | None = Field(default=None, ge=0)


class AIModelPredictionRead(CompanyOwnedRead):
    model_id: str
    prediction_type: PredictionType
    input_data: JsonValue
    prediction: JsonValue
    confidence: float | None
    probability: float | None
    actual_value: JsonValue | None
    is_correct: bool | None
    error: float | None
    deployment_id: str | None = None
    deployment_version: int | None = None
    variant: str | None = None


MAX_BATCH = 10_000
PREDICT_ACTION = "predict and record outcomes"  # what a role too low to predict may not do


class PredictRequest(RequestSchema):
    """One row (``row``) or a batch (``rows``, up to 10,000) of raw feature values."""

    row: dict[str, Any] | None = None
    rows: list[dict[str, Any]] | None = Field(default=None, max_length=MAX_BATCH)
    log: bool = Field(default=True, description="Store each prediction (AIModelPrediction).")

    @model_validator(mode="after")
    def _one_of(self) -> "PredictRequest":
        if (self.row is None) == (self.rows is None):
            raise ValueError("give exactly one of row or rows")
        if self.rows is not None and not self.rows:
            raise ValueError("rows is empty")
        return self

    def all_rows(self) -> list[dict[str, Any]]:
        return [self.row] if self.row is not None else list(self.rows or [])


class PredictionResult(ReadSchema):
    prediction_id: str | None
    prediction: Any
    confidence: float | None
    probabilities: dict[str, float] | None


class PredictResponse(ReadSchema):
    model_id: str
    model_name: str
    model_version: str
    predictions: list[PredictionResult]


class DeploymentPredictRequest(PredictRequest):
    """As a model predict request, plus the entity a traffic split keeps on one model."""

    entity_key: str | None = Field(
        default=None,
        max_length=255,
        description="Sticky key for a traffic split when the deployment has no stickyKey "
        "field (e.g. the vendor or invoice id): one entity always sees one model.",
    )


class DeployedPrediction(PredictionResult):
    model_id: str
    model_version: str
    variant: str


class DeploymentPredictResponse(ReadSchema):
    deployment_id: str
    deployment_name: str
    environment: str
    version: int
    model_id: str
    model_name: str
    model_version: str
    predictions: list[DeployedPrediction]


class ActualValue(RequestSchema):
    actual_value: PlainJson


class ActualValueItem(RequestSchema):
    prediction_id: Ref
    actual_value: PlainJson


class ActualValuesRequest(RequestSchema):
    items: list[ActualValueItem] = Field(min_length=1, max_length=MAX_BATCH)


class ActualValuesResult(ReadSchema):
    updated: int
