"""AIModelTrainingRun on the wire."""

from datetime import datetime
from typing import Any

from pydantic import Field, JsonValue

from urutiq_ai.core.schemas import (
    CompanyOwnedRead,
    Count,
    Json,
    LogText,
    LongText,
    Name,
    ReadSchema,
    Ref,
    RequestSchema,
    RunStatus,
    ShortText,
)
from urutiq_ai.registry.schemas import ComparedTo, ModelType
from urutiq_ai.sources.schemas import SourceSpec

__all__ = ["RunStatus", "SourceSpec"]


TERMINAL_RUN_STATUSES = frozenset({RunStatus.completed, RunStatus.failed, RunStatus.cancelled})


class AIModelTrainingRunCreate(RequestSchema):
    model_id: Ref
    run_name: Name
    status: RunStatus = RunStatus.running
    start_time: datetime | None = None
    end_time: datetime | None = None
    duration: float | None = Field(default=None, ge=0)
    epochs: Count | None = None
    batch_size: int | None = Field(default=None, ge=1)
    learning_rate: float | None = Field(default=None, gt=0)
    loss: float | None = None
    validation_loss: float | None = None
    accuracy: float | None = Field(default=None, ge=0, le=1)
    validation_accuracy: float | None = Field(default=None, ge=0, le=1)
    training_metrics: Json | None = None
    validation_metrics: Json | None = None
    logs: LogText | None = None


class AIModelTrainingRunUpdate(RequestSchema):
    status: RunStatus | None = None
    end_time: datetime | None = None
    duration: float | None = Field(default=None, ge=0)
    epochs: Count | None = None
    batch_size: int | None = Field(default=None, ge=1)
    learning_rate: float | None = Field(default=None, gt=0)
    loss: float | None = None
    validation_loss: float | None = None
    accuracy: float | None = Field(default=None, ge=0, le=1)
    validation_accuracy: float | None = Field(default=None, ge=0, le=1)
    training_metrics: Json | None = None
    validation_metrics: Json | None = None
    logs: LogText | None = None


class AIModelTrainingRunRead(CompanyOwnedRead):
    model_id: str
    run_name: str
    status: RunStatus
    start_time: datetime | None
    end_time: datetime | None
    duration: float | None
    epochs: int | None
    batch_size: int | None
    learning_rate: float | None
    loss: float | None
    validation_loss: float | None
    accuracy: float | None
    validation_accuracy: float | None
    training_metrics: JsonValue | None
    validation_metrics: JsonValue | None
    logs: str | None


class AIModelTrainingRunDetail(AIModelTrainingRunRead):
    """One run (``GET /training-runs/{id}``): the row, and its model version's name,
    effective hyperparameters and, once completed, its comparison with the version serving."""

    model_name: str
    model_version: str
    hyperparameters: JsonValue | None = Field(
        description="The model version's effective hyperparameters: the template's, the "
        "request's overrides and the algorithm's defaults, as validated and trained."
    )
    compared_to: ComparedTo | None = Field(
        default=None,
        description="Once the run completed: the new version beside the version serving "
        "(the production deployment's, else the newest other active version) on the model "
        "type's primary metric; null when there was none to compare. Informative: a worse "
        "version is registered all the same.",
    )


class TrainRequest(RequestSchema):
    """Train a model version: from a template, or from a full spec (template fields overridden;
    ``hyperparameters`` name by name, the template's others kept)."""

    template: Name | None = None
    model_name: Name | None = None
    model_version: ShortText | None = Field(default=None, description="Default: next version.")
    model_type: ModelType | None = None
    algorithm: Name | None = None
    source: SourceSpec | None = None
    feature_columns: list[Name] | None = None
    target_column: ShortText | None = None
    label_column: ShortText | None = Field(
        default=None, description="Anomaly detection: ground-truth column used for evaluation only."
    )
    hyperparameters: dict[str, Any] | None = None
    validation_split: float | None = Field(default=None, gt=0.0, lt=0.9)
    random_state: int | None = None
    run_name: ShortText | None = None
    description: LongText | None = None


class TrainStarted(ReadSchema):
    model_id: str
    run_id: str
    model_name: str
    model_version: str
    status: str
    hyperparameters: dict[str, JsonValue] = Field(
        default_factory=dict,
        description="The effective hyperparameters the version trains with: the template's, "
        "overridden name by name by the request's, completed with the algorithm's defaults.",
    )
