"""What the monitors tell the alerts: one observation per thing a check judged.

* drift: each stored detection; a ``detected`` status is active (the dataset-level row of
  a data-drift check, and concept drift, are ``critical``); ``normal`` or ``warning``
  resolves an open alert of the same model, drift type and feature;
* performance: the latest window of each metric; a ``declining`` trend is active, a
  stable or improving one resolves;
* a monitor's run: a run that failed (a source gone, a column renamed, a window without
  predictions) is active, so a monitor that cannot check is heard of, not only recorded;
  the next run that completes resolves it. Its source is the monitor's kind.
"""

from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from urutiq_ai.alerts.schemas import AlertSeverity, AlertSource
from urutiq_ai.alerts.service import Observation, observe
from urutiq_ai.core.context import TenantContext
from urutiq_ai.monitoring.models import AIDriftDetection, AIPerformanceMetrics, Monitor, MonitorRun
from urutiq_ai.monitoring.schemas import DriftStatus, DriftType, Trend

if TYPE_CHECKING:
    from urutiq_ai.registry.models import AIModel


def after_drift_check(
    session: Session, ctx: TenantContext, model: "AIModel", rows: list[AIDriftDetection]
) -> None:
    observe(session, ctx, model.company_id, [_drift(model, row) for row in rows])


def _drift(model: "AIModel", row: AIDriftDetection) -> Observation:
    analysis: dict[str, Any] = row.analysis if isinstance(row.analysis, dict) else {}
    subject = row.feature_name or str(analysis.get("scope") or "model")
    dataset_level = row.feature_name is None
    critical = row.drift_type == DriftType.concept_drift or (
        dataset_level and row.drift_type == DriftType.data_drift
    )
    what = row.drift_type.value.replace("_", " ")
    return Observation(
        key=f"drift:{model.id}:{row.drift_type.value}:{subject}",
        source=AlertSource.drift,
        active=row.status == DriftStatus.detected,
        severity=AlertSeverity.critical if critical else AlertSeverity.warning,
        title=f"{what.capitalize()} detected in {subject} of {model.model_name} "
        f"{model.model_version}",
        subject=model.id,
        details={
            "modelId": model.id,
            "driftDetectionId": row.id,
            "driftType": row.drift_type.value,
            "featureName": row.feature_name,
            "driftScore": row.drift_score,
            "threshold": row.threshold,
            "method": analysis.get("method") or analysis.get("metric"),
            "recommendations": row.recommendations,
        },
    )


def after_performance(
    session: Session, ctx: TenantContext, model: "AIModel", rows: list[AIPerformanceMetrics]
) -> None:
    latest: dict[str, AIPerformanceMetrics] = {}
    for row in rows:
        metric = row.metric_type.value
        if metric not in latest or row.metric_date > latest[metric].metric_date:
            latest[metric] = row
    observe(session, ctx, model.company_id, [_performance(model, r) for r in latest.values()])


def _performance(model: "AIModel", row: AIPerformanceMetrics) -> Observation:
    metric = row.metric_type.value
    window = row.time_window.value if row.time_window else "window"
    return Observation(
        key=f"performance:{model.id}:{metric}:{window}",
        source=AlertSource.performance,
        active=row.trend == Trend.declining,
        title=f"{metric} of {model.model_name} {model.model_version} is declining "
        f"({row.comparison_value} -> {row.metric_value:.4g}, {window})",
        subject=model.id,
        details={
            "modelId": model.id,
            "metricType": metric,
            "timeWindow": window,
            "metricDate": row.metric_date.isoformat(),
            "metricValue": row.metric_value,
            "comparisonValue": row.comparison_value,
            "performanceMetricId": row.id,
        },
    )


def after_monitor_run(
    session: Session, ctx: TenantContext, monitor: Monitor, run: MonitorRun
) -> None:
    """A failed run opens (or counts) the monitor's alert; a completed one resolves it."""
    failed = run.error is not None
    observe(
        session,
        ctx,
        monitor.company_id,
        [
            Observation(
                key=f"monitor:{monitor.id}:failed",
                source=AlertSource(monitor.kind.value),
                active=failed,
                title=f"Monitor {monitor.name!r} could not run: {run.error}"
                if failed
                else f"Monitor {monitor.name!r} runs again",
                subject=monitor.id,
                details={
                    "monitorId": monitor.id,
                    "monitorRunId": run.id,
                    "kind": monitor.kind.value,
                    "modelId": monitor.model_id,
                    "error": run.error,
                },
            )
        ],
    )
