"""Performance metrics and drift detections: measurements, kept as history."""

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from urutiq_ai.core.context import TenantContext
from urutiq_ai.crud.resource import Resource
from urutiq_ai.monitoring.models import AIDriftDetection, AIPerformanceMetrics
from urutiq_ai.monitoring.repository import PerformanceRepository
from urutiq_ai.monitoring.schemas import (
    AIDriftDetectionCreate,
    AIDriftDetectionRead,
    AIDriftDetectionUpdate,
    AIPerformanceMetricsCreate,
    AIPerformanceMetricsRead,
    AIPerformanceMetricsUpdate,
    MetricType,
    TimeWindow,
)
from urutiq_ai.registry import service as registry_service
from urutiq_ai.registry.models import AIModel


def _default_metric_date(
    _session: Session,
    _ctx: TenantContext,
    row: Any,
    _changes: Mapping[str, Any],
) -> None:
    if row.metric_date is None:
        row.metric_date = datetime.now(UTC)


PERFORMANCE_METRICS = Resource(
    path="performance-metrics",
    model=AIPerformanceMetrics,
    create_schema=AIPerformanceMetricsCreate,
    update_schema=AIPerformanceMetricsUpdate,
    read_schema=AIPerformanceMetricsRead,
    filters=("metric_type", "time_window", "trend", "model_id"),
    time_field="metric_date",
    sort_fields=("created_at", "updated_at", "metric_date"),
    default_sort="-metricDate",
    refs={"model_id": "AIModel"},
    validators=(_default_metric_date,),
    unique=(("model_id", "time_window", "metric_type", "metric_date"),),
)

DRIFT_DETECTIONS = Resource(
    path="drift-detections",
    model=AIDriftDetection,
    create_schema=AIDriftDetectionCreate,
    update_schema=AIDriftDetectionUpdate,
    read_schema=AIDriftDetectionRead,
    filters=("drift_type", "status", "model_id", "feature_name"),
    refs={"model_id": "AIModel"},
)


def performance_series(
    session: Session,
    ctx: TenantContext,
    *,
    model_id: str,
    metric_type: MetricType,
    time_window: TimeWindow,
) -> list[AIPerformanceMetrics]:
    """The stored points of one metric of a model, oldest first (404 for an unknown model)."""
    model = registry_service.get_model(session, ctx, model_id)
    return PerformanceRepository(session, ctx).for_model(model.id, time_window, metric_type)


def performance_history(
    session: Session, ctx: TenantContext, *, model: AIModel, time_window: TimeWindow
) -> list[AIPerformanceMetrics]:
    """Every stored metric of ``model`` for one kind of window, oldest first (the model
    page's chart: one bounded read of pre-aggregated rows, no prediction scanned)."""
    return PerformanceRepository(session, ctx).for_model(model.id, time_window)
