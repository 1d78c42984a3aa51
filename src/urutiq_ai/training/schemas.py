"""AIModelTrainingRun on the wire."""

from datetime import datetime

from pydantic import Field

from urutiq_ai.core.schemas import (
    CompanyOwnedRead,
    Count,
    Json,
    LogText,
    Name,
    Ref,
    RequestSchema,
    RunStatus,
)

__all__ = ["RunStatus"]


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
    training_metrics: Json | None
    validation_metrics: Json | None
    logs: str | None
