from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from urutiq_ai.core.db import Base, JSONValue, UTCDateTime, enum_type, utcnow
from urutiq_ai.core.models import CompanyOwned
from urutiq_ai.monitoring.types import (
    DriftStatus,
    DriftType,
    MetricType,
    MonitorKind,
    MonitorRunStatus,
    MonitorStatus,
    MonitorTrigger,
    TimeWindow,
    Trend,
)

WINDOW_KEY = ("tenant_id", "company_id", "model_id", "time_window", "metric_type", "metric_date")
"""The identity of a performance row: one per model, kind of window, metric and window start."""


class AIPerformanceMetrics(Base, CompanyOwned):
    """A model's performance figure for one date and time window.

    One row per :data:`WINDOW_KEY`, which the database enforces (a unique index), so a
    recomputation, even one running at the same time as another, replaces a window's values
    (an upsert) and never adds a second row. Rows without a model or a time window (written
    by hand) are not covered: SQL counts NULLs as distinct.
    """

    __tablename__ = "AIPerformanceMetrics"
    __table_args__ = (
        Index(None, "tenant_id", "company_id", "metric_date"),
        Index(None, "tenant_id", "company_id", "model_id", "metric_type", "metric_date"),
        Index("uq_AIPerformanceMetrics_window", *WINDOW_KEY, unique=True),
    )

    model_id: Mapped[str | None] = mapped_column(String(64), ForeignKey("AIModel.id"), index=True)
    metric_type: Mapped[MetricType] = mapped_column(
        enum_type(MetricType, "metricType"), nullable=False
    )
    metric_value: Mapped[float] = mapped_column(Float, nullable=False)
    metric_date: Mapped[datetime] = mapped_column(
        UTCDateTime, nullable=False, default=utcnow, server_default=func.current_timestamp()
    )
    time_window: Mapped[TimeWindow | None] = mapped_column(enum_type(TimeWindow, "timeWindow"))
    comparison_value: Mapped[float | None] = mapped_column(Float)
    trend: Mapped[Trend | None] = mapped_column(enum_type(Trend, "trend"))


class AIDriftDetection(Base, CompanyOwned):
    """One drift measurement: a feature, the labels or the concept of a model."""

    __tablename__ = "AIDriftDetection"
    __table_args__ = (
        Index(None, "tenant_id", "company_id", "created_at"),
        Index(None, "tenant_id", "company_id", "status"),
        Index(None, "tenant_id", "company_id", "model_id", "drift_type", "created_at"),
    )

    model_id: Mapped[str | None] = mapped_column(String(64), ForeignKey("AIModel.id"), index=True)
    drift_type: Mapped[DriftType] = mapped_column(enum_type(DriftType, "driftType"), nullable=False)
    feature_name: Mapped[str | None] = mapped_column(String(255))
    baseline_value: Mapped[Any] = mapped_column(JSONValue, nullable=True)
    current_value: Mapped[Any] = mapped_column(JSONValue, nullable=True)
    drift_score: Mapped[float] = mapped_column(Float, nullable=False)
    threshold: Mapped[float | None] = mapped_column(Float)
    status: Mapped[DriftStatus] = mapped_column(enum_type(DriftStatus, "status"), nullable=False)
    analysis: Mapped[Any] = mapped_column(JSONValue, nullable=True)
    recommendations: Mapped[Any] = mapped_column(JSONValue, nullable=True)


class Monitor(Base, CompanyOwned):
    """A performance, drift or quality check that the scheduler runs on a cron schedule."""

    __tablename__ = "Monitor"
    __table_args__ = (
        UniqueConstraint("tenant_id", "company_id", "name"),
        Index(None, "tenant_id", "company_id", "status", "next_run_at"),
    )

    name: Mapped[str] = mapped_column(String(255), nullable=False)
    kind: Mapped[MonitorKind] = mapped_column(enum_type(MonitorKind, "kind"), nullable=False)
    model_id: Mapped[str | None] = mapped_column(String(64), ForeignKey("AIModel.id"), index=True)
    schedule: Mapped[str] = mapped_column(String(255), nullable=False)
    params: Mapped[Any] = mapped_column(JSONValue, nullable=True)
    status: Mapped[MonitorStatus] = mapped_column(
        enum_type(MonitorStatus, "status"), nullable=False
    )
    next_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_run_id: Mapped[str | None] = mapped_column(String(64))
    last_status: Mapped[MonitorRunStatus | None] = mapped_column(
        enum_type(MonitorRunStatus, "lastStatus")
    )


class MonitorRun(Base, CompanyOwned):
    """One run of a monitor: the job's source of truth (status, timings, summary, error)."""

    __tablename__ = "MonitorRun"
    __table_args__ = (
        Index(None, "tenant_id", "company_id", "monitor_id", "created_at"),
        Index(None, "tenant_id", "company_id", "status"),
    )

    monitor_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("Monitor.id", ondelete="CASCADE"), nullable=False, index=True
    )
    trigger: Mapped[MonitorTrigger] = mapped_column(
        enum_type(MonitorTrigger, "trigger"), nullable=False
    )
    status: Mapped[MonitorRunStatus] = mapped_column(
        enum_type(MonitorRunStatus, "status"), nullable=False
    )
    scheduled_for: Mapped[datetime | None] = mapped_column(UTCDateTime)
    start_time: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_time: Mapped[datetime | None] = mapped_column(UTCDateTime)
    duration: Mapped[float | None] = mapped_column(Float)
    summary: Mapped[Any] = mapped_column(JSONValue, nullable=True)
    logs: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
