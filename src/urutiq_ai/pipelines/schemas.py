"""AIDataPipeline and AIDataPipelineRun on the wire."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import Field, JsonValue

from urutiq_ai.core.schemas import (
    CompanyOwnedRead,
    Count,
    Cron,
    Json,
    JsonStringList,
    LogText,
    LongText,
    Name,
    Ref,
    RequestSchema,
    RunStatus,
)
from urutiq_ai.pipelines.steps import TransformStep
from urutiq_ai.quality.rules import QualityCheck

__all__ = ["RunStatus"]


class PipelineType(StrEnum):
    data_collection = "data_collection"
    preprocessing = "preprocessing"
    feature_engineering = "feature_engineering"
    validation = "validation"


class PipelineStatus(StrEnum):
    active = "active"
    paused = "paused"
    error = "error"


Steps = Annotated[list[TransformStep], Field(max_length=100)]
Rules = Annotated[list[QualityCheck], Field(max_length=200)]


class AIDataPipelineCreate(RequestSchema):
    """``sourceTables[0]`` is read (the company's rows), ``transformations`` run in order,
    rows failing a blocking row check of ``validationRules`` go to the rejects table, and
    the result replaces the company's rows of ``targetTables[0]``."""

    pipeline_name: Name
    pipeline_type: PipelineType
    status: PipelineStatus = PipelineStatus.active
    schedule: Cron | None = None
    config: Json | None = None
    source_tables: JsonStringList | None = None
    target_tables: JsonStringList | None = None
    transformations: Steps | None = None
    validation_rules: Rules | None = None
    description: LongText | None = None


class AIDataPipelineUpdate(RequestSchema):
    status: PipelineStatus | None = None
    schedule: Cron | None = None
    config: Json | None = None
    source_tables: JsonStringList | None = None
    target_tables: JsonStringList | None = None
    transformations: Steps | None = None
    validation_rules: Rules | None = None
    description: LongText | None = None


class AIDataPipelineRead(CompanyOwnedRead):
    pipeline_name: str
    pipeline_type: PipelineType
    status: PipelineStatus
    schedule: str | None
    config: JsonValue | None
    source_tables: JsonValue | None
    target_tables: JsonValue | None
    transformations: JsonValue | None
    validation_rules: JsonValue | None
    description: str | None


class AIDataPipelineRunCreate(RequestSchema):
    pipeline_id: Ref
    run_id: Name | None = Field(default=None, description="Generated when omitted.")
    status: RunStatus = RunStatus.running
    start_time: datetime | None = None
    end_time: datetime | None = None
    duration: float | None = Field(default=None, ge=0)
    records_processed: Count = 0
    records_failed: Count = 0
    records_skipped: Count = 0
    input_size: Count | None = None
    output_size: Count | None = None
    logs: LogText | None = None
    metrics: Json | None = None


class AIDataPipelineRunUpdate(RequestSchema):
    status: RunStatus | None = None
    end_time: datetime | None = None
    duration: float | None = Field(default=None, ge=0)
    records_processed: Count | None = None
    records_failed: Count | None = None
    records_skipped: Count | None = None
    input_size: Count | None = None
    output_size: Count | None = None
    logs: LogText | None = None
    metrics: Json | None = None


class AIDataPipelineRunRead(CompanyOwnedRead):
    pipeline_id: str
    run_id: str
    status: RunStatus
    start_time: datetime | None
    end_time: datetime | None
    duration: float | None
    records_processed: int
    records_failed: int
    records_skipped: int
    input_size: int | None
    output_size: int | None
    logs: str | None
    metrics: JsonValue | None
