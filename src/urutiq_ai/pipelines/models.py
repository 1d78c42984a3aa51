from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from urutiq_ai.core.db import Base, JSONValue, UTCDateTime, enum_type, new_id
from urutiq_ai.core.models import CompanyOwned
from urutiq_ai.core.schemas import RunStatus
from urutiq_ai.pipelines.types import PipelineStatus, PipelineType


def new_run_id() -> str:
    """A readable, unique run id: ``run-20261126T190512-1f2e3d4c``."""
    return f"run-{datetime.now(UTC):%Y%m%dT%H%M%S}-{new_id()[:8]}"


class AIDataPipeline(Base, CompanyOwned):
    """A data processing pipeline, optionally on a cron schedule."""

    __tablename__ = "AIDataPipeline"
    __table_args__ = (
        UniqueConstraint("tenant_id", "company_id", "pipeline_name"),
        Index(None, "tenant_id", "company_id", "status"),
        Index(None, "tenant_id", "company_id", "pipeline_type"),
    )

    pipeline_name: Mapped[str] = mapped_column(String(255), nullable=False)
    pipeline_type: Mapped[PipelineType] = mapped_column(
        enum_type(PipelineType, "pipelineType"), nullable=False
    )
    status: Mapped[PipelineStatus] = mapped_column(
        enum_type(PipelineStatus, "status"),
        nullable=False,
        default=PipelineStatus.active,
        server_default=PipelineStatus.active.value,
    )
    schedule: Mapped[str | None] = mapped_column(String(255))
    config: Mapped[Any] = mapped_column(JSONValue, nullable=True)
    source_tables: Mapped[Any] = mapped_column(JSONValue, nullable=True)
    target_tables: Mapped[Any] = mapped_column(JSONValue, nullable=True)
    transformations: Mapped[Any] = mapped_column(JSONValue, nullable=True)
    validation_rules: Mapped[Any] = mapped_column(JSONValue, nullable=True)
    description: Mapped[str | None] = mapped_column(Text)


class AIDataPipelineRun(Base, CompanyOwned):
    """One execution of a pipeline."""

    __tablename__ = "AIDataPipelineRun"
    __table_args__ = (
        UniqueConstraint("tenant_id", "company_id", "run_id"),
        Index(None, "tenant_id", "company_id", "start_time"),
        Index(None, "tenant_id", "company_id", "status"),
        Index(None, "tenant_id", "company_id", "pipeline_id", "created_at"),
    )

    pipeline_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("AIDataPipeline.id"), nullable=False, index=True
    )
    run_id: Mapped[str] = mapped_column(String(255), nullable=False, default=new_run_id)
    status: Mapped[RunStatus] = mapped_column(
        enum_type(RunStatus, "status"),
        nullable=False,
        default=RunStatus.running,
        server_default=RunStatus.running.value,
    )
    start_time: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_time: Mapped[datetime | None] = mapped_column(UTCDateTime)
    duration: Mapped[float | None] = mapped_column(Float)
    records_processed: Mapped[int] = mapped_column(
        Integer, nullable=False, default=0, server_default="0"
    )
    records_failed: Mapped[int] = mapped_column(
        Integer, nullable=False, default=0, server_default="0"
    )
    records_skipped: Mapped[int] = mapped_column(
        Integer, nullable=False, default=0, server_default="0"
    )
    input_size: Mapped[int | None] = mapped_column(BigInteger)
    output_size: Mapped[int | None] = mapped_column(BigInteger)
    logs: Mapped[str | None] = mapped_column(Text)
    metrics: Mapped[Any] = mapped_column(JSONValue, nullable=True)
