"""Monitoring verbs: run a model's drift check now, compute and chart its performance."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status

from urutiq_ai.core.context import TenantContext
from urutiq_ai.crud.resource import READERS, WRITERS
from urutiq_ai.monitoring import scheduling, service
from urutiq_ai.monitoring.models import MonitorRun
from urutiq_ai.monitoring.schemas import (
    AIDriftDetectionRead,
    AIPerformanceMetricsRead,
    ComputePerformanceRequest,
    DriftCheckRequest,
    DriftCheckResult,
    MetricType,
    MonitorRunRead,
    PerformanceResult,
    PerformanceSeries,
    SeriesPoint,
    TimeWindow,
    parse_window,
)
from urutiq_ai.registry.artifacts import ArtifactStore
from urutiq_ai.tenancy.deps import IdPath, SessionDep, company_role

router = APIRouter(tags=["monitoring"])
Writer = Annotated[TenantContext, Depends(company_role(WRITERS, "run monitors"))]
Reader = Annotated[TenantContext, Depends(company_role(READERS, "read monitoring results"))]


@router.post(
    "/models/{id}/drift-checks",
    response_model=DriftCheckResult,
    status_code=status.HTTP_201_CREATED,
)
def run_drift_check(
    request: Request, session: SessionDep, ctx: Writer, model_id: IdPath, data: DriftCheckRequest
) -> DriftCheckResult:
    """Compare the model's recent inputs with its training data (data drift), its
    predictions and outcomes with its validation data (label and concept drift), and store
    the results."""
    # drift loads numpy/pandas/scipy: import it on first use, not at start-up.
    from urutiq_ai.monitoring import drift

    check = drift.check_drift(
        session,
        ctx,
        model_id=model_id,
        window=parse_window(data.window),
        store=ArtifactStore(request.app.state.settings.artifacts),
        end=data.end,
        methods={name: method.value for name, method in (data.methods or {}).items()},
        thresholds=data.thresholds,
        types=data.types or drift.ALL_TYPES,
    )
    return DriftCheckResult(
        model_id=check.model.id,
        window_start=check.window_start,
        window_end=check.window_end,
        predictions=check.predictions,
        dataset_drift=check.report.dataset_drift,
        drift_share=check.report.drift_share,
        drifted_features=check.report.drifted,
        statuses=check.statuses(),
        skipped=check.report.skipped,
        detections=[AIDriftDetectionRead.model_validate(row) for row in check.rows],
        retraining=check.retraining,
    )


@router.post(
    "/monitors/{id}/run",
    response_model=MonitorRunRead,
    status_code=status.HTTP_202_ACCEPTED,
)
def run_monitor_now(session: SessionDep, ctx: Writer, monitor_id: IdPath) -> MonitorRun:
    """Queue a run of the monitor now (paused ones too); poll ``monitor-runs/{runId}``."""
    return scheduling.run_now(session, ctx, monitor_id)


@router.post(
    "/models/{id}/performance",
    response_model=PerformanceResult,
    status_code=status.HTTP_201_CREATED,
)
def compute_performance(
    session: SessionDep, ctx: Writer, model_id: IdPath, data: ComputePerformanceRequest
) -> PerformanceResult:
    """Compute the model's metrics per calendar window from its predictions' actual values;
    a window computed again replaces its values."""
    # performance loads scikit-learn: import it on first use, not at start-up.
    from urutiq_ai.monitoring import performance

    run = performance.compute_performance(
        session,
        ctx,
        model_id=model_id,
        time_window=data.time_window,
        start=data.start,
        end=data.end,
    )
    return PerformanceResult(
        model_id=run.model.id,
        time_window=data.time_window,
        windows=len(run.windows),
        outcomes=sum(window.count for window in run.windows),
        metrics=[AIPerformanceMetricsRead.model_validate(row) for row in run.rows],
        retraining=run.retraining,
    )


@router.get("/models/{id}/performance-series", response_model=PerformanceSeries)
def performance_series(
    session: SessionDep,
    ctx: Reader,
    model_id: IdPath,
    metric_type: Annotated[MetricType, Query(alias="metricType")],
    time_window: Annotated[TimeWindow, Query(alias="timeWindow")] = TimeWindow.weekly,
) -> PerformanceSeries:
    """One stored metric of the model over time, oldest first (for charts)."""
    rows = service.performance_series(
        session, ctx, model_id=model_id, metric_type=metric_type, time_window=time_window
    )
    return PerformanceSeries(
        model_id=model_id,
        metric_type=metric_type,
        time_window=time_window,
        points=[
            SeriesPoint(
                date=row.metric_date,
                value=row.metric_value,
                comparison_value=row.comparison_value,
                trend=row.trend,
            )
            for row in rows
        ],
    )
