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


class ModelType(StrEnum):
    classification = "classification"
    regression = "regression"
    clustering = "clustering"
    anomaly_detection = "anomaly_detection"


class ModelStatus(StrEnum):
    training = "training"
    active = "active"
    deprecated = "deprecated"
    failed = "failed"


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
