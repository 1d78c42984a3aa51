"""AIModelFeatureImportance on the wire."""

from typing import Any

from pydantic import Field

from urutiq_ai.core.schemas import CompanyOwnedRead, Name, ReadSchema, Ref, RequestSchema
from urutiq_ai.explainability.types import ImportanceMethod as ImportanceMethod


class AIModelFeatureImportanceCreate(RequestSchema):
    model_id: Ref
    feature_name: Name
    importance: float
    rank: int | None = Field(default=None, ge=1)
    method: ImportanceMethod


class AIModelFeatureImportanceUpdate(RequestSchema):
    importance: float | None = None
    rank: int | None = Field(default=None, ge=1)


class AIModelFeatureImportanceRead(CompanyOwnedRead):
    model_id: str
    feature_name: str
    importance: float
    rank: int | None
    method: ImportanceMethod


class ComputeImportance(RequestSchema):
    method: ImportanceMethod


class ExplainRequest(RequestSchema):
    row: dict[str, Any]
    top_k: int = Field(default=5, ge=1, le=50)


class Contribution(ReadSchema):
    feature: str
    value: Any
    contribution: float


class Explanation(ReadSchema):
    model_id: str
    prediction: Any
    contributions: list[Contribution]
