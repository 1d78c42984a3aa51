from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, String, func
from sqlalchemy.orm import Mapped, mapped_column

from urutiq_ai.core.db import Base, JSONValue, UTCDateTime, enum_type, utcnow
from urutiq_ai.core.models import CompanyOwned
from urutiq_ai.monitoring.schemas import DriftStatus, DriftType, MetricType, TimeWindow, Trend


class AIPerformanceMetrics(Base, CompanyOwned):
    """A model's performance figure for one date and time window."""

    __tablename__ = "AIPerformanceMetrics"
    __table_args__ = (
        Index(None, "tenant_id", "company_id", "metric_date"),
        Index(None, "tenant_id", "company_id", "model_id", "metric_type", "metric_date"),
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
