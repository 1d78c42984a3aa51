"""A model's performance over time: computed from its predictions with actual values.

Imported lazily (it loads scikit-learn through ``urutiq_ai.ml.performance``).

One computation reads the model's predictions that have an ``actualValue``, ends the
read-only transaction before it computes (on SQLite every transaction holds the database's
write lock, which the server's other requests and the processes beside it would otherwise
wait for), groups them by calendar window and stores one AIPerformanceMetrics row per window
and metric: ``metricDate`` is the window's start, ``comparisonValue`` the previous calendar
window's value (computed now or stored before) and ``trend`` the direction against it.
Recomputing a window replaces its rows' values, never adds a second row, even while another
computation of the same model runs (an upsert on the rows' unique key); ``start`` and
``end`` are widened to whole windows, so a window is always computed from all its outcomes.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from urutiq_ai.core.context import TenantContext
from urutiq_ai.core.db import end_read_only_transaction
from urutiq_ai.core.errors import FieldError, ValidationError
from urutiq_ai.feedback.schemas import RetrainStarted
from urutiq_ai.ml import performance as ml_performance
from urutiq_ai.ml.errors import MLError
from urutiq_ai.monitoring import alerting
from urutiq_ai.monitoring import retraining as retraining_hooks
from urutiq_ai.monitoring.models import AIPerformanceMetrics
from urutiq_ai.monitoring.repository import PerformanceRepository
from urutiq_ai.monitoring.schemas import MetricType, TimeWindow, Trend
from urutiq_ai.predictions import service as predictions_service
from urutiq_ai.predictions.outcomes import stored_value
from urutiq_ai.registry import service as registry_service
from urutiq_ai.registry.models import AIModel
from urutiq_ai.tenancy import service as tenancy_service

MEASURED = frozenset({"classification", "anomaly_detection", "regression"})
"""Model types whose predictions have outcomes to measure (clustering gets latency only)."""


@dataclass
class PerformanceRun:
    model: AIModel
    windows: list[ml_performance.WindowMetrics]
    rows: list[AIPerformanceMetrics]
    retraining: RetrainStarted | None = None  # started because a window declined


def compute_performance(
    session: Session,
    ctx: TenantContext,
    *,
    model_id: str,
    time_window: TimeWindow,
    start: datetime | None = None,
    end: datetime | None = None,
) -> PerformanceRun:
    """Compute and store ``model_id``'s metrics per ``time_window`` over ``[start, end)``."""
    model = registry_service.get_model(session, ctx, model_id)
    kind = model.model_type.value
    start, end = ml_performance.widen(start, end, time_window.value)
    # every outcome read first (the windows hold them all anyway), then the metrics computed
    # with no database lock
    outcomes = (
        [
            ml_performance.Outcome(at, stored_value(prediction), actual)
            for at, prediction, actual in predictions_service.outcomes_between(
                session, ctx, model.id, start, end
            )
        ]
        if kind in MEASURED
        else []
    )
    end_read_only_transaction(session)
    try:
        windows = ml_performance.metrics_by_window(outcomes, kind=kind, window=time_window.value)
    except MLError as exc:
        raise ValidationError(str(exc), fields=[FieldError("actualValue", str(exc))]) from exc
    served = (  # streamed: only the latencies are kept, grouped by window as they come
        (at, float(prediction["latencyMs"]))
        for at, prediction in predictions_service.served_between(session, ctx, model.id, start, end)
        if isinstance(prediction, dict) and isinstance(prediction.get("latencyMs"), int | float)
    )
    windows = ml_performance.with_latency(windows, served, window=time_window.value)
    if not windows:
        raise ValidationError(
            f"model {model.id!r} has no predictions in this range",
            fields=[FieldError("window", "predict (and record actual values), or widen the range")],
        )
    stored = _store(session, ctx, model, time_window, windows)
    alerting.after_performance(session, ctx, model, stored)
    retraining = retraining_hooks.after_performance(session, ctx, model, stored)
    tenancy_service.record_audit(
        session,
        ctx,
        action="compute_performance",
        row=model,
        company_id=model.company_id,
        after={"modelId": model.id, "timeWindow": time_window.value, "windows": len(windows)},
    )
    return PerformanceRun(model, windows, stored, retraining)


def _store(
    session: Session,
    ctx: TenantContext,
    model: AIModel,
    time_window: TimeWindow,
    windows: list[ml_performance.WindowMetrics],
) -> list[AIPerformanceMetrics]:
    """Upsert one row per window and metric (a computation running at the same time as
    this one updates the same rows, never adds others); returns them in window order."""
    repository = PerformanceRepository(session, ctx)
    stored = {
        (row.metric_type.value, _naive(row.metric_date)): row.metric_value
        for row in repository.for_model(model.id, time_window)
    }
    values = {
        (metric, _naive(window.start)): value
        for window in windows
        for metric, value in window.values.items()
    }
    rows: list[dict[str, Any]] = []
    for window in windows:
        before = _naive(ml_performance.previous_window_start(window.start, time_window.value))
        for metric, value in window.values.items():
            previous = values.get((metric, before))
            if previous is None:
                previous = stored.get((metric, before))
            direction = ml_performance.trend(metric, value, previous)
            rows.append(
                {
                    "model_id": model.id,
                    "time_window": time_window,
                    "metric_type": MetricType(metric),
                    "metric_date": window.start,
                    "metric_value": value,
                    "comparison_value": previous,
                    "trend": Trend(direction) if direction else None,
                }
            )
    return repository.upsert(rows, company_id=model.company_id)


def _naive(moment: datetime) -> datetime:
    """Window starts compared without tzinfo (SQLite returns naive UTC values)."""
    return moment.replace(tzinfo=None)
