"""AIPerformanceMetrics and AIDriftDetection on the wire."""

from datetime import datetime
from enum import StrEnum

from pydantic import JsonValue

from urutiq_ai.core.schemas import CompanyOwnedRead, Json, Ref, RequestSchema, ShortText


class MetricType(StrEnum):
    accuracy = "accuracy"
    precision = "precision"
    recall = "recall"
    f1 = "f1"
    mae = "mae"
    rmse = "rmse"
    latency = "latency"


class TimeWindow(StrEnum):
    daily = "daily"
    weekly = "weekly"
    monthly = "monthly"


class Trend(StrEnum):
    improving = "improving"
    declining = "declining"
    stable = "stable"


class DriftType(StrEnum):
    data_drift = "data_drift"
    concept_drift = "concept_drift"
    label_drift = "label_drift"


class DriftStatus(StrEnum):
    detected = "detected"
    warning = "warning"
    normal = "normal"


class AIPerformanceMetricsCreate(RequestSchema):
    model_id: Ref | None = None
    metric_type: MetricType
    metric_value: float
    metric_date: datetime | None = None
    time_window: TimeWindow | None = None
    comparison_value: float | None = None
    trend: Trend | None = None


class AIPerformanceMetricsUpdate(RequestSchema):
    metric_value: float | None = None
    comparison_value: float | None = None
    trend: Trend | None = None


class AIPerformanceMetricsRead(CompanyOwnedRead):
    model_id: str | None
    metric_type: MetricType
    metric_value: float
    metric_date: datetime
    time_window: TimeWindow | None
    comparison_value: float | None
    trend: Trend | None


class AIDriftDetectionCreate(RequestSchema):
    model_id: Ref | None = None
    drift_type: DriftType
    feature_name: ShortText | None = None
    baseline_value: Json | None = None
    current_value: Json | None = None
    drift_score: float
    threshold: float | None = None
    status: DriftStatus
    analysis: Json | None = None
    recommendations: Json | None = None


class AIDriftDetectionUpdate(RequestSchema):
    status: DriftStatus | None = None
    analysis: Json | None = None
    recommendations: Json | None = None


class AIDriftDetectionRead(CompanyOwnedRead):
    model_id: str | None
    drift_type: DriftType
    feature_name: str | None
    baseline_value: JsonValue | None
    current_value: JsonValue | None
    drift_score: float
    threshold: float | None
    status: DriftStatus
    analysis: JsonValue | None
    recommendations: JsonValue | None
