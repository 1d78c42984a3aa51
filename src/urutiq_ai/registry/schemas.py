"""AIModel on the wire: the central model registry."""

from enum import StrEnum

from pydantic import Field, JsonValue

from urutiq_ai.core.schemas import (
    CompanyOwnedRead,
    Json,
    JsonStringList,
    LongText,
    Name,
    ReadSchema,
    Ref,
    RequestSchema,
    Score,
    ShortText,
)
from urutiq_ai.registry.types import ModelStatus as ModelStatus
from urutiq_ai.registry.types import ModelType as ModelType

Version = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._+-]*$")


class AIModelCreate(RequestSchema):
    model_name: Name
    model_version: str = Version
    model_type: ModelType
    algorithm: Name
    status: ModelStatus = ModelStatus.training
    accuracy: Score | None = None
    precision: Score | None = None
    recall: Score | None = None
    f1_score: Score | None = None
    hyperparameters: Json | None = None
    feature_columns: JsonStringList | None = None
    target_column: ShortText | None = None
    experiment_id: Ref | None = None
    description: LongText | None = None


class AIModelUpdate(RequestSchema):
    status: ModelStatus | None = None
    accuracy: Score | None = None
    precision: Score | None = None
    recall: Score | None = None
    f1_score: Score | None = None
    hyperparameters: Json | None = None
    feature_columns: JsonStringList | None = None
    target_column: ShortText | None = None
    experiment_id: Ref | None = None
    description: LongText | None = None


class AIModelRead(CompanyOwnedRead):
    model_name: str
    model_version: str
    model_type: ModelType
    algorithm: str
    status: ModelStatus
    accuracy: float | None
    precision: float | None
    recall: float | None
    f1_score: float | None
    hyperparameters: JsonValue | None
    feature_columns: JsonValue | None
    target_column: str | None
    experiment_id: str | None
    description: str | None


class VersionSide(ReadSchema):
    id: str
    model_name: str
    model_version: str
    model_type: ModelType
    algorithm: str
    status: ModelStatus
    metrics: dict[str, float | None]
    hyperparameters: JsonValue | None
    feature_columns: JsonValue | None
    target_column: str | None


class VersionComparison(ReadSchema):
    """Two versions side by side, with what differs."""

    left: VersionSide
    right: VersionSide
    metric_deltas: dict[str, float | None]
    hyperparameter_changes: dict[str, list[JsonValue]]
    features_added: list[str]
    features_removed: list[str]


class ReferenceReason(StrEnum):
    """Why a version is the one a new version is measured against."""

    serving_in_production = "serving in production"
    latest_active_version = "latest active version"


class ComparedTo(ReadSchema):
    """A newly trained version's primary validation metric beside the version serving.

    Measured when the training completes; informative only: a worse version is
    registered (and can be deployed) all the same.
    """

    model_id: str = Field(description="The version compared with (the reference).")
    model_version: str
    reason: ReferenceReason = Field(
        description="Why it is the reference: the model name's production deployment "
        "serves it, or (none serving) it is the newest other active version."
    )
    deployment_id: str | None = Field(
        default=None, description="The production deployment, when one serves it."
    )
    metric: str = Field(description="The model type's primary metric: f1Score or rmse.")
    higher_is_better: bool
    value: float = Field(description="The reference's validation value of the metric.")
    new_value: float = Field(description="The new version's validation value of the metric.")
    worse: bool

    def describe(self) -> str:
        """``worse than 1.0.0 serving in production: f1Score 0.3800 vs 0.6300``."""
        verdict = "worse than" if self.worse else "not worse than"
        return (
            f"{verdict} {self.model_version} {self.reason.value}: "
            f"{self.metric} {self.new_value:.4f} vs {self.value:.4f}"
        )
