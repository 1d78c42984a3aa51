"""AIModelFeatureImportance on the wire."""

from enum import StrEnum

from pydantic import Field

from urutiq_ai.core.schemas import CompanyOwnedRead, Name, Ref, RequestSchema


class ImportanceMethod(StrEnum):
    permutation = "permutation"
    shap = "shap"
    built_in = "built_in"


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
