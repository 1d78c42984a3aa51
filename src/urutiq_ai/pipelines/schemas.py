"""AIDataPipeline and AIDataPipelineRun on the wire."""

import json
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, JsonValue, ValidationInfo, field_validator

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
    ShortText,
)
from urutiq_ai.pipelines.steps import TransformStep
from urutiq_ai.pipelines.types import PipelineStatus as PipelineStatus
from urutiq_ai.pipelines.types import PipelineType as PipelineType
from urutiq_ai.quality.rules import QualityCheck

__all__ = ["RunStatus"]


Steps = Annotated[list[TransformStep], Field(max_length=100)]
Rules = Annotated[list[QualityCheck], Field(max_length=200)]


class RunMode(StrEnum):
    full = "full"
    incremental = "incremental"


class RetryPolicy(RequestSchema):
    """How often a run is tried in all (a failure, or a worker that died, with attempts
    left runs it again after ``backoffSeconds``, doubled per attempt; see docs/jobs.md)."""

    max_attempts: int = Field(default=1, ge=1, le=10)
    backoff_seconds: float = Field(default=60.0, gt=0, le=86_400)


class PipelineConfig(RequestSchema):
    """How a pipeline runs: ``full`` (the company's target rows replaced by each run) or
    ``incremental`` (only source rows past the last run's high-water mark on
    ``watermarkColumn`` are read, and merged into the target on ``keyColumns``).

    ``watermarkColumn`` (a date or time column of the source that the steps keep) is needed
    by incremental runs and by backfills. Unknown keys are refused, so typos show."""

    mode: RunMode = RunMode.full
    watermark_column: ShortText | None = None
    key_columns: Annotated[list[ShortText], Field(min_length=1, max_length=20)] | None = None
    retries: RetryPolicy = Field(default_factory=RetryPolicy)


def _json_text(value: Any) -> Any:
    """A config may also come as a string holding its JSON (as the seed's JSON columns do)."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError as exc:
            raise ValueError(f"malformed JSON: {exc.msg} at position {exc.pos}") from exc
    return value


Config = Annotated[PipelineConfig, BeforeValidator(_json_text)]


class AIDataPipelineCreate(RequestSchema):
    """``sourceTables[0]`` is read (the company's rows), ``transformations`` run in order,
    rows failing a blocking row check of ``validationRules`` go to the rejects table, and
    the result replaces the company's rows of ``targetTables[0]``."""

    pipeline_name: Name
    pipeline_type: PipelineType
    status: PipelineStatus = PipelineStatus.active
    schedule: Cron | None = None
    config: Config | None = None
    source_tables: JsonStringList | None = None
    target_tables: JsonStringList | None = None
    transformations: Steps | None = None
    validation_rules: Rules | None = None
    description: LongText | None = None


class AIDataPipelineUpdate(RequestSchema):
    status: PipelineStatus | None = None
    schedule: Cron | None = None
    config: Config | None = None
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


class PipelineBackfill(RequestSchema):
    """Re-run a pipeline over ``from <= watermark < to`` (dates mean midnight UTC)."""

    start: datetime = Field(alias="from")
    end: datetime = Field(alias="to")

    @field_validator("end")
    @classmethod
    def _after_start(cls, end: datetime, info: ValidationInfo) -> datetime:
        start = info.data.get("start")
        if start is not None and _utc(end) <= _utc(start):
            raise ValueError("must be after from")
        return end


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


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
