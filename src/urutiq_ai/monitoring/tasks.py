"""The monitor job: run one monitor's check and record the outcome on its run row.

The run row is the source of truth (DESIGN.md section 5): ``queued`` when fired,
``running`` with its start time, then ``completed`` with a summary, or ``failed`` with the
reason (a window without predictions, a missing column, a broken source, ...). The check's
own results (drift detections, performance metrics, data-quality rows, alerts) commit with
it; a failed check leaves none of them behind.
"""

import logging
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from urutiq_ai.core.context import TenantContext
from urutiq_ai.core.errors import AppError, describe, unexpected
from urutiq_ai.core.executors import SyncExecutor
from urutiq_ai.core.jobs import (
    AttemptLost,
    Job,
    JobRuntime,
    attach_executor,
    holds_claim,
    job_unit_of_work,
)
from urutiq_ai.ml.errors import MLError
from urutiq_ai.monitoring import alerting
from urutiq_ai.monitoring.models import Monitor, MonitorRun
from urutiq_ai.monitoring.repository import MonitorRepository, MonitorRunRepository
from urutiq_ai.monitoring.scheduling import params_of
from urutiq_ai.monitoring.schemas import MonitorKind, MonitorRunStatus
from urutiq_ai.tenancy.context import for_job

logger = logging.getLogger("urutiq_ai.monitors")


def run_monitor(runtime: JobRuntime, job: Job) -> None:
    ctx = for_job(job.tenant_id, [job.company_id])
    run_id = str(job.payload["runId"])
    started = datetime.now(UTC)
    with job_unit_of_work(runtime, ctx) as session:
        run = MonitorRunRepository(session, ctx).get_or_raise(run_id)
        if run.status != MonitorRunStatus.queued:
            return  # already taken (a retried job)
        run.status = MonitorRunStatus.running
        run.start_time = started
    try:
        with job_unit_of_work(runtime, ctx) as session:
            # alerts raised by the check are delivered by this thread once it commits
            attach_executor(session, SyncExecutor(runtime))
            monitor = _monitor_of(session, ctx, run_id)
            summary = execute(session, ctx, monitor, runtime)
            if not holds_claim(session, job, runtime):
                raise AttemptLost(run_id)  # results roll back with this unit of work
    except AttemptLost:
        return
    except (AppError, MLError) as exc:
        _finish(runtime, ctx, job, started, error=describe(exc))
    except Exception as exc:  # noqa: BLE001 - recorded on the run row, never left running
        _finish(runtime, ctx, job, started, error=unexpected(exc, f"monitor run {run_id}"))
    else:
        _finish(runtime, ctx, job, started, summary=summary)


def _monitor_of(session: Session, ctx: TenantContext, run_id: str) -> Monitor:
    run = MonitorRunRepository(session, ctx).get_or_raise(run_id)
    return MonitorRepository(session, ctx).get_or_raise(run.monitor_id)


def execute(
    session: Session, ctx: TenantContext, monitor: Monitor, runtime: JobRuntime
) -> dict[str, Any]:
    """Run the monitor's check through the same services as the run-now calls."""
    params: Any = params_of(monitor.kind, monitor.params)
    if monitor.kind == MonitorKind.drift:
        from urutiq_ai.monitoring import drift
        from urutiq_ai.monitoring.schemas import parse_window
        from urutiq_ai.registry.artifacts import ArtifactStore

        check = drift.check_drift(
            session,
            ctx,
            model_id=str(monitor.model_id),
            window=parse_window(params.window),
            store=ArtifactStore(runtime.settings.artifacts),
            end=params.end,
            methods={name: m.value for name, m in (params.methods or {}).items()},
            thresholds=params.thresholds,
            types=params.types or drift.ALL_TYPES,
        )
        return {
            "predictions": check.predictions,
            "statuses": {kind: status.value for kind, status in check.statuses().items()},
            "driftedFeatures": check.report.drifted,
            "datasetDrift": check.report.dataset_drift,
            "skipped": check.report.skipped,
            "detections": len(check.rows),
            **_retraining_summary(check.retraining),
        }
    if monitor.kind == MonitorKind.performance:
        from urutiq_ai.monitoring import performance

        result = performance.compute_performance(
            session,
            ctx,
            model_id=str(monitor.model_id),
            time_window=params.time_window,
            start=params.start,
            end=params.end,
        )
        return {
            "windows": len(result.windows),
            "outcomes": sum(window.count for window in result.windows),
            "declining": sorted(
                {row.metric_type.value for row in result.rows if row.trend == "declining"}
            ),
            **_retraining_summary(result.retraining),
        }
    from urutiq_ai.quality import checks

    outcome = checks.run_checks(session, ctx, params, sources_dir=runtime.settings.sources)
    return {
        "status": outcome.status.value,
        "checks": outcome.checks,
        "passed": outcome.passed,
        "warnings": outcome.warnings,
        "failed": outcome.failed,
        "rowsRead": outcome.rows_read,
        "failing": [r.name for r in outcome.results if r.status.value == "fail"],
    }


def _finish(
    runtime: JobRuntime,
    ctx: TenantContext,
    job: Job,
    started: datetime,
    *,
    summary: dict[str, Any] | None = None,
    error: str | None = None,
    logs: str | None = None,
) -> None:
    ended = datetime.now(UTC)
    status = MonitorRunStatus.failed if error else MonitorRunStatus.completed
    with job_unit_of_work(runtime, ctx) as session:
        runs = MonitorRunRepository(session, ctx)
        run: MonitorRun = runs.get_or_raise(str(job.payload["runId"]))
        session.refresh(run, with_for_update=True)
        if run.status != MonitorRunStatus.running or not holds_claim(session, job, runtime):
            return  # failed meanwhile as lost: the attempt that took over says the rest
        run.status = status
        run.end_time = ended
        run.duration = (ended - started).total_seconds()
        run.summary = summary
        run.error = error
        run.logs = logs or (f"failed: {error}" if error else "completed")
        monitor = MonitorRepository(session, ctx).get(run.monitor_id)
        if monitor is not None:
            monitor.last_run_at = ended
            if monitor.last_run_id == run.id:  # an older run ending late says nothing new
                monitor.last_status = status
                _alert(session, ctx, runtime, monitor, run)


def _alert(
    session: Session, ctx: TenantContext, runtime: JobRuntime, monitor: Monitor, run: MonitorRun
) -> None:
    """The monitor's could-not-run alert; its failure never undoes the run's ending."""
    attach_executor(session, SyncExecutor(runtime))  # deliveries after the commit
    try:
        with session.begin_nested():
            alerting.after_monitor_run(session, ctx, monitor, run)
    except Exception:
        logger.exception("monitor run %s: its alert could not be recorded", run.id)


def _retraining_summary(started: Any) -> dict[str, Any]:
    """The retraining a check started, for its run's summary (nothing when none)."""
    if started is None:
        return {}
    return {"retraining": started.model_dump(mode="json", by_alias=True)}
